package sim_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/muster-cms/muster/sim"
)

func TestReleaseCount(t *testing.T) {
	for n, want := range map[int64]string{
		-3: "0", 0: "0", 1: "*", 4: "*", 7: "*", 8: "10", 9: "10", 10: "10", 12: "10", 13: "15",
		17: "15", 18: "20", 22: "20", 23: "25", 1002: "1000", 1003: "1005",
	} {
		require.Equal(t, want, sim.ReleaseCount(n).String(), "count %d", n)
	}
}

func TestReleaseStatistic(t *testing.T) {
	require.Equal(t, sim.ReleasedStatistic{Withheld: sim.WithheldFewPeople}, sim.ReleaseStatistic(0.5, 7), "seven people")
	require.Equal(t, sim.ReleasedStatistic{Value: 0.5}, sim.ReleaseStatistic(0.5, 8), "eight people")
	require.Equal(t, sim.WithheldFewPeople, sim.ReleaseStatistic(math.NaN(), 100).Withheld, "not a number")
	require.Equal(t, sim.WithheldFewPeople, sim.ReleaseStatistic(math.Inf(1), 100).Withheld, "infinite")
}

// The cases rounding and "*" alone would give away, each withheld further.
func TestReleaseTableWithholdsWhatTheSumsWouldGiveAway(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cells [][]int64
	}{
		// "*" and 10 with a total of 10: the hidden count is at most 4.
		{"a small count beside a rounded one", [][]int64{{1, 10}}},
		// Two "*" with a total of "*": each is at most 6.
		{"two small counts with a small total", [][]int64{{3, 2}}},
		// A column of two "*" with a total of "*", beside shown counts.
		{"a small column total", [][]int64{{2, 30}, {3, 40}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sim.ReleaseTable(tc.cells)
			requireProtected(t, tc.cells, r)
			complementary := 0
			for _, f := range figures(r) {
				if f.Withheld == sim.WithheldComplementary {
					complementary++
				}
			}
			require.Positive(t, complementary, "rounding and * alone give a hidden count away here: %+v", r)
		})
	}
}

// A table with nothing to hide is released by the rule alone.
func TestReleaseTableWithNothingSmall(t *testing.T) {
	r := sim.ReleaseTable([][]int64{{12, 0}, {40, 33}})
	require.Equal(t, [][]string{{"10", "0"}, {"40", "35"}}, strings2(r.Cells))
	require.Equal(t, []string{"10", "75"}, strings1(r.RowTotals), "12 and 73, from the unrounded cells")
	require.Equal(t, []string{"50", "35"}, strings1(r.ColTotals), "52 and 33")
	require.Equal(t, "85", r.Total.String(), "85, not 10+0+40+35")
}

// Over random tables: every figure shown is the rule applied to its exact
// count (totals from the unrounded cells); the reader's interval
// arithmetic is sound (every exact count lies within what it works out);
// and it narrows no hidden count of 1 to 7 to a range narrower than 1–7
// (fewer than seven possible counts).
func TestReleaseTableProtectsEverySmallCount(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		rows := rapid.IntRange(1, 6).Draw(rt, "rows")
		cols := rapid.IntRange(1, 6).Draw(rt, "cols")
		cells := make([][]int64, rows)
		for i := range cells {
			cells[i] = make([]int64, cols)
			for j := range cells[i] {
				// Mostly small counts and zeros: where disclosure happens.
				cells[i][j] = rapid.OneOf(
					rapid.Int64Range(0, 0),
					rapid.Int64Range(1, 7),
					rapid.Int64Range(8, 15),
					rapid.Int64Range(16, 500),
				).Draw(rt, "cell")
			}
		}
		requireProtected(rt, cells, sim.ReleaseTable(cells))
	})
}

// requireProtected checks r against the exact cells it was released from.
func requireProtected(t require.TestingT, cells [][]int64, r sim.ReleasedTable) {
	exact := exactFigures(cells)
	released := figures(r)
	require.Len(t, released, len(exact))
	for k, n := range exact {
		f := released[k]
		switch f.Withheld {
		case sim.Shown:
			require.Equal(t, sim.ReleaseCount(n), f, "figure %d (exact %d) is shown, so by the rule", k, n)
			require.Zero(t, f.Value%5, "figure %d is rounded to 5", k)
		case sim.WithheldSmall:
			require.Equal(t, sim.ReleaseCount(n), f, "figure %d (exact %d) is *, so by the rule", k, n)
		case sim.WithheldComplementary:
			require.Positive(t, n, "figure %d: 0 is never withheld", k)
		default:
			require.Fail(t, "a count withheld as a statistic", "figure %d: %+v", k, f)
		}
	}
	lo, hi := sim.ReleaseBounds(r)
	for k, n := range exact {
		require.True(t, lo[k] <= n && n <= hi[k], "figure %d: exact %d outside what the reader works out, [%d, %d]: the reader is wrong", k, n, lo[k], hi[k])
		if n >= 1 && n <= 7 {
			require.True(t, hi[k]-lo[k] >= 6, "figure %d (exact %d, %s) narrowed to [%d, %d] in %+v", k, n, released[k], lo[k], hi[k], r)
		}
	}
}

// exactFigures are cells' figures in ReleaseBounds' order: the cells row
// by row, the row totals, the column totals, the grand total.
func exactFigures(cells [][]int64) []int64 {
	var out []int64
	colTotals := make([]int64, len(cells[0]))
	var rowTotals []int64
	var total int64
	for _, row := range cells {
		var rt int64
		for j, n := range row {
			out = append(out, n)
			rt += n
			colTotals[j] += n
		}
		rowTotals = append(rowTotals, rt)
		total += rt
	}
	out = append(out, rowTotals...)
	out = append(out, colTotals...)
	return append(out, total)
}

func figures(r sim.ReleasedTable) []sim.ReleasedCount {
	var out []sim.ReleasedCount
	for _, row := range r.Cells {
		out = append(out, row...)
	}
	out = append(out, r.RowTotals...)
	out = append(out, r.ColTotals...)
	return append(out, r.Total)
}

func strings1(cs []sim.ReleasedCount) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

func strings2(rows [][]sim.ReleasedCount) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = strings1(r)
	}
	return out
}

func TestReleaseFunnel(t *testing.T) {
	counts := []sim.FunnelCount{
		{Stage: sim.FunnelRegistered, People: 1003}, {Stage: "interested", People: 498}, {Stage: "contacted", People: 9},
		{Stage: "information_day", People: 3}, {Stage: "work_placement", People: 0},
	}
	exact := sim.ExactFunnel(counts)
	require.Equal(t, sim.ReleasedCount{Value: 1003}, exact[0].People)
	require.InDelta(t, 498.0/1003, exact[1].Conversion.Value, 1e-9)
	require.Equal(t, sim.ReleasedCount{Value: 3}, exact[3].People, "exact: nothing withheld")
	require.Equal(t, sim.ReleasedStatistic{Withheld: sim.WithheldFewPeople}, sim.ExactFunnel([]sim.FunnelCount{{People: 0}, {People: 0}})[1].Conversion, "from nobody")

	released := sim.ReleaseFunnel(counts)
	var shown []string
	for _, f := range released {
		shown = append(shown, f.People.String())
	}
	require.Equal(t, []string{"1005", "500", "10", "*", "0"}, shown)
	require.Equal(t, 0.5, released[1].Conversion.Value, "500 of 1005, from the rounded counts, to the whole percent")
	require.Equal(t, sim.ReleasedStatistic{Value: 0.02}, released[2].Conversion, "10 of 500")
	require.Equal(t, sim.WithheldFewPeople, released[3].Conversion.Withheld, "the count is *")
	require.Equal(t, sim.WithheldFewPeople, released[4].Conversion.Withheld, "the previous count is *")
}

// Over random funnels: every released count is the rule applied to its
// exact count, and every conversion shown follows from the released counts
// alone and rests on at least DisclosureMinPeople people.
func TestReleaseFunnelShowsNothingTheCountsDoNot(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, len(sim.FunnelStages)).Draw(rt, "stages")
		counts := make([]sim.FunnelCount, n)
		prev := rapid.Int64Range(0, 2000).Draw(rt, "registered")
		for i := range counts {
			if i > 0 {
				prev = rapid.Int64Range(0, prev).Draw(rt, "reached")
			}
			counts[i] = sim.FunnelCount{Stage: sim.FunnelStages[i], People: prev}
			if sim.FunnelStages[i].Journey() {
				counts[i].Intervals = rapid.Int64Range(0, prev).Draw(rt, "intervals")
				counts[i].MedianDays = rapid.Int64Range(0, 400).Draw(rt, "median")
			}
		}
		released := sim.ReleaseFunnel(counts)
		for i, f := range released {
			require.Equal(rt, sim.ReleaseCount(counts[i].People), f.People)
			if !f.Stage.Journey() {
				require.Nil(rt, f.MedianDays, "invited and registered have no median")
			} else {
				require.NotNil(rt, f.MedianDays)
			}
			if i == 0 {
				continue
			}
			if f.MedianDays == nil {
			} else if counts[i].Intervals < sim.DisclosureMinPeople {
				require.Equal(rt, sim.WithheldFewPeople, f.MedianDays.Withheld, "a median of fewer than 8 intervals")
			} else {
				require.Equal(rt, sim.ReleasedStatistic{Value: float64(counts[i].MedianDays)}, *f.MedianDays)
			}
			if f.Conversion.Withheld != sim.Shown {
				continue
			}
			require.GreaterOrEqual(rt, counts[i-1].People, int64(sim.DisclosureMinPeople))
			p := released[i-1].People
			require.Equal(rt, sim.Shown, p.Withheld)
			require.Equal(rt, math.Round(100*float64(f.People.Value)/float64(p.Value))/100, f.Conversion.Value)
		}
	})
}
