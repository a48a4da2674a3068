package sim

import (
	"math"
	"slices"
	"strconv"
)

// Disclosure control: how a figure released beyond the programme operator
// is shown, after the NHS rule for statistics about small numbers of
// people. Every count, total, rate, mean and median that leaves the
// operator goes through the functions here, and nothing else decides it:
//
//   - 0 stays 0 (nobody is in it: there is nobody to identify);
//   - a count from 1 to 7 is shown as "*";
//   - any other count is rounded to the nearest 5 (8 and 9 show as 10);
//   - a total is computed from the unrounded counts and then released by
//     the same rule, never added up from the rounded ones;
//   - a rate, mean or median built on fewer than 8 people is withheld.
//
// Rounding and "*" are not enough on their own: a reader who knows that a
// row's cells add up to its total can narrow a hidden count down (a row of
// "*" and 10 with a total of 10 says the hidden count is at most 4; two
// "*" cells with a total of "*" say each is at most 6). So a table is
// released with complementary suppression as well: while the sums of its
// rows, columns and totals would let a reader narrow any hidden count of 1
// to 7 to a range narrower than 1–7, another figure is withheld, shown
// as "c" (any count from 1 up), until none can be. ReleaseBounds is that
// reader: the property tests run it against every released table.

// Withholding says why a released figure is not shown.
type Withholding string

// Withholdings.
const (
	// Shown: the figure is shown (a count exact at 0, otherwise rounded).
	Shown Withholding = ""
	// WithheldSmall: a count from 1 to 7, shown as "*".
	WithheldSmall Withholding = "small"
	// WithheldComplementary: a count (of 1 or more) withheld because with
	// it a reader could narrow down a hidden small count; shown as "c".
	WithheldComplementary Withholding = "complementary"
	// WithheldFewPeople: a rate, mean or median built on fewer than
	// DisclosureMinPeople people, shown as "*".
	WithheldFewPeople Withholding = "few_people"
)

// DisclosureMinPeople is the fewest people a count may show, and a rate,
// mean or median may be built on.
const DisclosureMinPeople = 8

// disclosureRounding is the base released counts are rounded to.
const disclosureRounding = 5

// ReleasedCount is a count as released: Value is the figure shown (0, or a
// multiple of 5 of at least 10) when Withheld is Shown, and 0 otherwise.
type ReleasedCount struct {
	Value    int64       `json:"value"`
	Withheld Withholding `json:"withheld,omitempty"`
}

// String is the count as a table shows it: the figure, "*" or "c".
func (c ReleasedCount) String() string {
	switch c.Withheld {
	case Shown:
		return strconv.FormatInt(c.Value, 10)
	case WithheldComplementary:
		return "c"
	default:
		return "*"
	}
}

// ReleaseCount is the rule applied to one count of people (negative counts
// are not counts of people and are released as 0).
func ReleaseCount(n int64) ReleasedCount {
	switch {
	case n <= 0:
		return ReleasedCount{}
	case n < DisclosureMinPeople:
		return ReleasedCount{Withheld: WithheldSmall}
	default:
		return ReleasedCount{Value: (n + disclosureRounding/2) / disclosureRounding * disclosureRounding}
	}
}

// ReleasedStatistic is a rate, mean or median as released: Value when
// Withheld is Shown, 0 otherwise.
type ReleasedStatistic struct {
	Value    float64     `json:"value"`
	Withheld Withholding `json:"withheld,omitempty"`
}

// ReleaseStatistic releases a rate, mean or median built on people
// people: withheld when they are fewer than DisclosureMinPeople, and when
// the value is not a number.
func ReleaseStatistic(value float64, people int64) ReleasedStatistic {
	if people < DisclosureMinPeople || math.IsNaN(value) || math.IsInf(value, 0) {
		return ReleasedStatistic{Withheld: WithheldFewPeople}
	}
	return ReleasedStatistic{Value: value}
}

// ReleasedTable is a table of counts as released: its cells, the total of
// each row and of each column (computed from the unrounded cells), and the
// grand total.
type ReleasedTable struct {
	Cells     [][]ReleasedCount `json:"cells"`
	RowTotals []ReleasedCount   `json:"row_totals"`
	ColTotals []ReleasedCount   `json:"col_totals"`
	Total     ReleasedCount     `json:"total"`
}

// ReleaseTable releases a table of counts of people (rows × columns, every
// row as long as the first; negative counts count as 0): each cell and
// each total by the rule, then complementary suppression until no count
// hidden count of 1 to 7 can be narrowed down by the table's sums (see
// ReleaseBounds). Which figure is withheld next is chosen the same way
// every time: in the nearest sums to the narrowed count (its own, then
// those of the hidden figures in them, and so on), the smallest figure
// still shown of the sum with the fewest shown; where none is shown, a
// total shown as "*", then a cell shown as "*".
func ReleaseTable(cells [][]int64) ReleasedTable {
	t := newDisclosureTable(cells)
	out := make([]ReleasedCount, len(t.exact))
	for i, n := range t.exact {
		out[i] = ReleaseCount(n)
	}
	for {
		lo, hi := t.bounds(out)
		narrowed := -1
		for i, n := range t.exact {
			if n >= 1 && n < DisclosureMinPeople && narrowerThanSmall(lo[i], hi[i]) {
				narrowed = i
				break
			}
		}
		if narrowed < 0 {
			break
		}
		next := t.complement(out, narrowed)
		if next < 0 {
			break // every figure of every sum it is in is withheld already
		}
		out[next] = ReleasedCount{Withheld: WithheldComplementary}
	}
	return t.released(out)
}

// narrowerThanSmall reports whether [lo, hi] is narrower than 1–7: fewer
// possible counts than a "*" stands for.
func narrowerThanSmall(lo, hi int64) bool {
	return hi != unbounded && hi-lo < DisclosureMinPeople-2
}

// ReleaseBounds is what a reader can work out about each figure of a
// released table from the rule and the table's sums alone: for each cell,
// row total, column total and the grand total (in that order, row by row),
// the smallest and largest count it can be. A figure shown as v is between
// v-2 and v+2 (at least 8, or exactly 0); "*" is from 1 to 7; "c" is at
// least 1. Each row's cells add up to its total, each column's to its
// total, and the row totals and the column totals each to the grand total;
// the bounds are narrowed by these sums until they narrow no further
// (interval arithmetic). An unbounded figure's largest is math.MaxInt64.
func ReleaseBounds(r ReleasedTable) (lo, hi []int64) {
	rows := len(r.Cells)
	cols := 0
	if rows > 0 {
		cols = len(r.Cells[0])
	}
	t := disclosureTable{rows: rows, cols: cols}
	out := make([]ReleasedCount, 0, rows*cols+rows+cols+1)
	for _, row := range r.Cells {
		out = append(out, row...)
	}
	out = append(out, r.RowTotals...)
	out = append(out, r.ColTotals...)
	out = append(out, r.Total)
	return t.bounds(out)
}

// disclosureTable is a table's figures in one slice (the cells row by
// row, the row totals, the column totals, the grand total) and the sums
// that hold between them.
type disclosureTable struct {
	rows, cols int
	exact      []int64
}

func newDisclosureTable(cells [][]int64) disclosureTable {
	t := disclosureTable{rows: len(cells)}
	if t.rows > 0 {
		t.cols = len(cells[0])
	}
	t.exact = make([]int64, t.rows*t.cols+t.rows+t.cols+1)
	for i, row := range cells {
		for j := range t.cols {
			var n int64
			if j < len(row) {
				n = max(row[j], 0)
			}
			t.exact[t.cell(i, j)] = n
			t.exact[t.rowTotal(i)] += n
			t.exact[t.colTotal(j)] += n
			t.exact[t.total()] += n
		}
	}
	return t
}

func (t disclosureTable) cell(i, j int) int  { return i*t.cols + j }
func (t disclosureTable) rowTotal(i int) int { return t.rows*t.cols + i }
func (t disclosureTable) colTotal(j int) int { return t.rows*t.cols + t.rows + j }
func (t disclosureTable) total() int         { return t.rows*t.cols + t.rows + t.cols }
func (t disclosureTable) isTotal(k int) bool { return k >= t.rows*t.cols }
func (t disclosureTable) emptyTable() bool   { return t.rows == 0 || t.cols == 0 }

// tableSum is one sum the table's figures satisfy: its parts add up to
// whole.
type tableSum struct {
	whole int
	parts []int
}

// sums are every sum of the table: each row, each column, the row totals
// and the column totals.
func (t disclosureTable) sums() []tableSum {
	var out []tableSum
	if t.emptyTable() {
		return out
	}
	for i := range t.rows {
		s := tableSum{whole: t.rowTotal(i)}
		for j := range t.cols {
			s.parts = append(s.parts, t.cell(i, j))
		}
		out = append(out, s)
	}
	for j := range t.cols {
		s := tableSum{whole: t.colTotal(j)}
		for i := range t.rows {
			s.parts = append(s.parts, t.cell(i, j))
		}
		out = append(out, s)
	}
	rs, cs := tableSum{whole: t.total()}, tableSum{whole: t.total()}
	for i := range t.rows {
		rs.parts = append(rs.parts, t.rowTotal(i))
	}
	for j := range t.cols {
		cs.parts = append(cs.parts, t.colTotal(j))
	}
	return append(out, rs, cs)
}

// unbounded is the largest of a figure nothing bounds.
const unbounded = math.MaxInt64

// bounds is ReleaseBounds over the figures out.
func (t disclosureTable) bounds(out []ReleasedCount) (lo, hi []int64) {
	lo, hi = make([]int64, len(out)), make([]int64, len(out))
	for k, c := range out {
		switch c.Withheld {
		case Shown:
			if c.Value == 0 {
				lo[k], hi[k] = 0, 0
			} else {
				lo[k], hi[k] = max(c.Value-disclosureRounding/2, DisclosureMinPeople), c.Value+disclosureRounding/2
			}
		case WithheldSmall:
			lo[k], hi[k] = 1, DisclosureMinPeople-1
		default:
			lo[k], hi[k] = 1, unbounded
		}
	}
	sums := t.sums()
	for pass, changed := 0, true; changed; pass++ {
		if pass == maxBoundsPasses {
			// Not settled: say nothing is known of any hidden count, so
			// that ReleaseTable withholds more rather than trusting it.
			for k := range lo {
				lo[k], hi[k] = 0, unbounded
			}
			return lo, hi
		}
		changed = false
		for _, s := range sums {
			var sumLo, finiteHi int64
			open := 0 // parts with no largest
			for _, p := range s.parts {
				sumLo += lo[p]
				if hi[p] == unbounded {
					open++
				} else {
					finiteHi += hi[p]
				}
			}
			sumHi := int64(unbounded)
			if open == 0 {
				sumHi = finiteHi
			}
			changed = narrow(lo, hi, s.whole, sumLo, sumHi) || changed
			for _, p := range s.parts {
				// p = whole - (the others): at least whole's least less the
				// others' most, at most whole's most less the others' least.
				othersLo := sumLo - lo[p]
				pLo := int64(0)
				if hi[p] == unbounded && open == 1 || open == 0 {
					othersHi := finiteHi
					if hi[p] != unbounded {
						othersHi -= hi[p]
					}
					pLo = lo[s.whole] - othersHi
				}
				pHi := int64(unbounded)
				if hi[s.whole] != unbounded {
					pHi = hi[s.whole] - othersLo
				}
				changed = narrow(lo, hi, p, pLo, pHi) || changed
			}
		}
	}
	return lo, hi
}

// maxBoundsPasses bounds the narrowing: far more passes than a table of
// released figures takes to settle.
const maxBoundsPasses = 10_000

// narrow narrows figure k's bounds to [l, h] where that is narrower, and
// reports whether it did.
func narrow(lo, hi []int64, k int, l, h int64) bool {
	changed := false
	if l > lo[k] {
		lo[k], changed = l, true
	}
	if h < hi[k] {
		hi[k], changed = h, true
	}
	return changed
}

// complement is the next figure to withhold to protect figure k: the sums
// k is in first, then the sums of the hidden figures in those, and so on;
// at the first distance with a sum that shows a figure other than 0, in
// the one that shows fewest, its smallest shown figure; at the first
// distance with none shown but a "*" other than k, the first such total,
// then the smallest such cell. -1 when every figure near k is withheld as
// "c" or 0.
func (t disclosureTable) complement(out []ReleasedCount, k int) int {
	sums := t.sums()
	used := make([]bool, len(sums))
	frontier := map[int]bool{k: true}
	for len(frontier) > 0 {
		var level []tableSum
		for i, s := range sums {
			if used[i] {
				continue
			}
			if frontier[s.whole] || slices.ContainsFunc(s.parts, func(p int) bool { return frontier[p] }) {
				used[i] = true
				level = append(level, s)
			}
		}
		best, bestShown := -1, 0
		star := -1
		next := map[int]bool{}
		for _, s := range level {
			members := append([]int{s.whole}, s.parts...)
			shown, pick := 0, -1
			for _, m := range members {
				switch {
				case out[m].Withheld == Shown && out[m].Value != 0:
					shown++
					if pick < 0 || t.before(m, pick) {
						pick = m
					}
				case out[m].Withheld == WithheldSmall && m != k:
					if star < 0 || t.isTotal(m) && !t.isTotal(star) || t.isTotal(m) == t.isTotal(star) && t.before(m, star) {
						star = m
					}
					next[m] = true
				case out[m].Withheld != Shown:
					next[m] = true
				}
			}
			if pick >= 0 && (best < 0 || shown < bestShown) {
				best, bestShown = pick, shown
			}
		}
		if best >= 0 {
			return best
		}
		if star >= 0 {
			return star
		}
		frontier = next
	}
	return -1
}

// before orders candidates for withholding: the smaller exact count, a cell
// before a total, then the earlier.
func (t disclosureTable) before(a, b int) bool {
	if t.exact[a] != t.exact[b] {
		return t.exact[a] < t.exact[b]
	}
	if t.isTotal(a) != t.isTotal(b) {
		return !t.isTotal(a)
	}
	return a < b
}

// released is out laid out as a table.
func (t disclosureTable) released(out []ReleasedCount) ReleasedTable {
	r := ReleasedTable{Cells: make([][]ReleasedCount, t.rows), RowTotals: make([]ReleasedCount, t.rows), ColTotals: make([]ReleasedCount, t.cols)}
	for i := range t.rows {
		r.Cells[i] = make([]ReleasedCount, t.cols)
		for j := range t.cols {
			r.Cells[i][j] = out[t.cell(i, j)]
		}
		r.RowTotals[i] = out[t.rowTotal(i)]
	}
	for j := range t.cols {
		r.ColTotals[j] = out[t.colTotal(j)]
	}
	r.Total = out[t.total()]
	return r
}

// FunnelStage is a stage of the programme's funnel: registered, then each
// Stage of the journey with an organisation.
type FunnelStage string

// The funnel's first stages: the people invited (registered in the period,
// or sent an invitation in it that is still open or expired in it unused),
// and the people who registered in the period: the cohort the later
// stages count.
const (
	FunnelInvited    FunnelStage = "invited"
	FunnelRegistered FunnelStage = "registered"
)

// Journey says whether s is a stage of the journey with an organisation
// (interested and after), which has a median of days from the stage before.
func (s FunnelStage) Journey() bool { return s != FunnelInvited && s != FunnelRegistered }

// FunnelStages lists the funnel's stages in order.
var FunnelStages = func() []FunnelStage {
	out := []FunnelStage{FunnelInvited, FunnelRegistered}
	for _, s := range Stages {
		out = append(out, FunnelStage(s))
	}
	return out
}()

// FunnelCount is how many people of a cohort reached a stage and, from
// the second stage on, the median of the days each took to reach it from
// the stage they reached before it (with each organisation they chose)
// and how many such intervals it is the median of.
type FunnelCount struct {
	Stage      FunnelStage
	People     int64
	MedianDays int64
	Intervals  int64
}

// FunnelFigure is one stage of a funnel as shown: how many people reached
// it and, from the second stage shown on, the share of the previous
// stage's people who reached it (0 to 1).
type FunnelFigure struct {
	Stage      FunnelStage       `json:"stage"`
	People     ReleasedCount     `json:"people"`
	Conversion ReleasedStatistic `json:"conversion"` // zero for the first stage
	// MedianDays is the median of the days from the stage reached before
	// to this one; nil for invited and registered.
	MedianDays *ReleasedStatistic `json:"median_days,omitempty"`
}

// ExactFunnel is a funnel as the operator, and an organisation for its own
// figures, see it: every count and median exact; each conversion exact,
// withheld only where the previous stage has nobody (a median where there
// is no interval).
func ExactFunnel(counts []FunnelCount) []FunnelFigure {
	out := make([]FunnelFigure, len(counts))
	for i, c := range counts {
		out[i] = FunnelFigure{Stage: c.Stage, People: ReleasedCount{Value: max(c.People, 0)}}
		if c.Stage.Journey() {
			median := ReleasedStatistic{Value: float64(c.MedianDays)}
			if c.Intervals <= 0 {
				median = ReleasedStatistic{Withheld: WithheldFewPeople}
			}
			out[i].MedianDays = &median
		}
		if i > 0 {
			prev := counts[i-1].People
			if prev > 0 {
				out[i].Conversion = ReleasedStatistic{Value: float64(max(c.People, 0)) / float64(prev)}
			} else {
				out[i].Conversion = ReleasedStatistic{Withheld: WithheldFewPeople}
			}
		}
	}
	return out
}

// ReleaseFunnel is a funnel released beyond the operator: each count by
// ReleaseCount; each median by ReleaseStatistic over its intervals; each conversion computed from the released (rounded)
// counts, not the exact ones, so that it tells nothing the counts do not,
// and withheld where either count is withheld or the previous stage's
// people are fewer than DisclosureMinPeople; to the nearest whole percent.
func ReleaseFunnel(counts []FunnelCount) []FunnelFigure {
	out := make([]FunnelFigure, len(counts))
	for i, c := range counts {
		out[i] = FunnelFigure{Stage: c.Stage, People: ReleaseCount(c.People)}
		if c.Stage.Journey() {
			median := ReleaseStatistic(float64(c.MedianDays), c.Intervals)
			out[i].MedianDays = &median
		}
		if i == 0 {
			continue
		}
		prev, cur := out[i-1].People, out[i].People
		if prev.Withheld != Shown || cur.Withheld != Shown || counts[i-1].People < DisclosureMinPeople || prev.Value == 0 {
			out[i].Conversion = ReleasedStatistic{Withheld: WithheldFewPeople}
			continue
		}
		out[i].Conversion = ReleaseStatistic(math.Round(100*float64(cur.Value)/float64(prev.Value))/100, counts[i-1].People)
	}
	return out
}

// ExactTable is a table of counts as the operator sees it: every cell and
// total exact (negative counts as 0), laid out as ReleaseTable lays out a
// released one.
func ExactTable(cells [][]int64) ReleasedTable {
	t := newDisclosureTable(cells)
	out := make([]ReleasedCount, len(t.exact))
	for i, n := range t.exact {
		out[i] = ReleasedCount{Value: n}
	}
	return t.released(out)
}
