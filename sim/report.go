package sim

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Reports: the programme's figures for a span of months. What is counted
// is decided in the database (live records and ghost records alike); what
// is shown, and to whom, here: the operator sees every figure exactly; an
// organisation's users see their own organisation's figures exactly and
// the programme's through disclosure control (ReleaseFunnel).

// ReportMonths is the longest span of months a report covers.
const ReportMonths = 120

// ReportPeriod is a span of whole months, from the first of From's month
// to the end of To's.
type ReportPeriod struct {
	From, To time.Time // firsts of months, UTC
}

// NewReportPeriod is the months from from to to (any day of each; to
// included), checked: from not after to, and no more than ReportMonths.
func NewReportPeriod(from, to time.Time) (ReportPeriod, error) {
	p := ReportPeriod{From: MonthOf(from), To: MonthOf(to)}
	switch {
	case p.To.Before(p.From):
		return ReportPeriod{}, FieldError("to", "the period ends (%s) before it starts (%s)", p.To.Format("2006-01"), p.From.Format("2006-01"))
	case p.Months() > ReportMonths:
		return ReportPeriod{}, FieldError("from", "a report covers at most %d months; this period has %d", ReportMonths, p.Months())
	}
	return p, nil
}

// DefaultReportPeriod is the twelve months up to and including now's.
func DefaultReportPeriod(now time.Time) ReportPeriod {
	to := MonthOf(now)
	return ReportPeriod{From: to.AddDate(0, -11, 0), To: to}
}

// Months is how many months p covers.
func (p ReportPeriod) Months() int {
	return (p.To.Year()-p.From.Year())*12 + int(p.To.Month()) - int(p.From.Month()) + 1
}

// FunnelReport is the funnel of the people who registered in Period: the
// programme's, and an organisation's own when one is asked for.
type FunnelReport struct {
	AsOf   time.Time // the figures are exact as of this moment
	Period ReportPeriod
	// Programme is everyone's funnel, from registration. Released says
	// whether it went through disclosure control (for anyone but the
	// operator).
	Programme []FunnelFigure
	Released  bool
	// OrgID and Organisation: the organisation's own funnel, exact, from
	// the people who chose it; nil when no organisation is asked for.
	OrgID        string
	OrgName      string
	Organisation []FunnelFigure
}

// Notes is what the figures of r need to travel with: what is counted,
// for which period and as of when, where the figures come from, and, for
// released figures, the rule applied and how many were withheld.
func (r FunnelReport) Notes() []string {
	notes := []string{
		fmt.Sprintf("People who registered from %s to %s, counted at each stage they reached or passed (a direct offer counts as having passed the interview), as of %s UTC.",
			r.Period.From.Format("January 2006"), r.Period.To.Format("January 2006"), r.AsOf.UTC().Format("2006-01-02 15:04")),
		"Source: the programme's records, live and anonymised alike (anonymising someone changes no figure). A conversion is the share of the previous stage's people who reached the stage.",
		"Invited counts the people who registered in the period, the invitations sent in it that are still open and those that expired unused in it (an expired invitation leaves only its count).",
		"Median days: for each person and organisation they chose, the days from the stage reached before (registering, then choosing the organisation, and so on; a stage skipped is measured from the last one reached) to this one; the median is the smallest number of days at least half of them are no longer than.",
	}
	if r.OrgID != "" {
		notes = append(notes, "The organisation's funnel starts with the people who chose it, and counts how far they got with it.")
	}
	if r.Released {
		withheld := 0
		for _, f := range r.Programme {
			if f.People.Withheld != Shown {
				withheld++
			}
		}
		notes = append(notes,
			"The programme's figures are released under disclosure control: 0 stays 0; 1 to 7 people show as *; other counts are rounded to the nearest 5; conversions are worked out from the released counts and withheld where they would rest on fewer than 8 people, as are medians of fewer than 8 intervals.",
			fmt.Sprintf("%d of the programme's %d counts are withheld. Not to be put in the public domain without the programme's approval.", withheld, len(r.Programme)))
	}
	return notes
}

// BreakdownDimension is what a breakdown's rows are.
type BreakdownDimension string

// Breakdown dimensions.
const (
	ByRegion          BreakdownDimension = "region"
	ByConnection      BreakdownDimension = "connection"
	BySource          BreakdownDimension = "heard_about"
	ByAgeBand         BreakdownDimension = "age_band"
	ByRegisteredMonth BreakdownDimension = "registered_month"
	ByOrganisation    BreakdownDimension = "organisation"
	ByOrgType         BreakdownDimension = "organisation_type"
	ByOrgRegion       BreakdownDimension = "organisation_region"
)

// BreakdownDimensions lists every BreakdownDimension.
var BreakdownDimensions = []BreakdownDimension{ByRegion, ByConnection, BySource, ByAgeBand, ByRegisteredMonth, ByOrganisation, ByOrgType, ByOrgRegion}

// ByOrganisations says whether d's rows are organisations, or groups of
// them: each counts people and organisations they chose.
func (d BreakdownDimension) ByOrganisations() bool {
	return d == ByOrganisation || d == ByOrgType || d == ByOrgRegion
}

// Columns are a breakdown's columns: the furthest stage reached, from
// "registered" (no further) for the people's own facts; from "interested"
// by organisation (or its type or region), where each row counts the
// people who chose one.
func (d BreakdownDimension) Columns() []FunnelStage {
	if d.ByOrganisations() {
		return FunnelStages[2:]
	}
	return FunnelStages[1:]
}

// BreakdownCount is how many people (by organisation: people and
// organisation) of a row's value reached Furthest and no further.
type BreakdownCount struct {
	Key      string
	Furthest FunnelStage
	People   int64
}

// BreakdownReport is the people who registered in Period by Dimension
// (rows, in order) and the furthest stage they reached (columns): each
// counted in one cell, so that rows and columns add up to their totals.
type BreakdownReport struct {
	AsOf      time.Time
	Period    ReportPeriod
	Dimension BreakdownDimension
	Rows      []string // the rows' keys: the value, or the organisation's ID
	Labels    []string // the rows as shown: the value, or the organisation's name
	Columns   []FunnelStage
	Table     ReleasedTable
	Released  bool // through disclosure control (for anyone but the operator)
}

// BreakdownCells lays counts out as d's table: its rows' keys in order,
// and the counts by row and column (d.Columns()). A count for a stage that
// is not one of d's columns is an error in the counting, and panics.
func BreakdownCells(d BreakdownDimension, counts []BreakdownCount) (rows []string, cells [][]int64) {
	cols := d.Columns()
	index := map[string]int{}
	for _, c := range counts {
		if _, ok := index[c.Key]; !ok {
			index[c.Key] = 0
			rows = append(rows, c.Key)
		}
	}
	slices.Sort(rows)
	for i, k := range rows {
		index[k] = i
	}
	cells = make([][]int64, len(rows))
	for i := range cells {
		cells[i] = make([]int64, len(cols))
	}
	for _, c := range counts {
		j := slices.Index(cols, c.Furthest)
		if j < 0 {
			panic(fmt.Sprintf("sim: a breakdown by %s has no column %q", d, c.Furthest))
		}
		cells[index[c.Key]][j] += c.People
	}
	return rows, cells
}

// Notes is what the breakdown's figures need to travel with.
func (r BreakdownReport) Notes() []string {
	what := "person"
	if r.Dimension.ByOrganisations() {
		what = "person and organisation they chose"
	}
	notes := []string{
		fmt.Sprintf("People who registered from %s to %s, by %s, counted once for each %s at the furthest stage reached, as of %s UTC.",
			r.Period.From.Format("January 2006"), r.Period.To.Format("January 2006"), r.Dimension, what, r.AsOf.UTC().Format("2006-01-02 15:04")),
		"Source: the programme's records, live and anonymised alike (anonymising someone changes no figure). Totals are computed from the exact counts.",
	}
	if r.Released {
		small, complementary := 0, 0
		for _, row := range r.Table.Cells {
			for _, c := range row {
				switch c.Withheld {
				case WithheldSmall:
					small++
				case WithheldComplementary:
					complementary++
				}
			}
		}
		notes = append(notes,
			"Released under disclosure control: 0 stays 0; 1 to 7 show as *; other counts and totals are rounded to the nearest 5; c marks a figure withheld so that a * cannot be worked out from the totals.",
			fmt.Sprintf("%d cells show *, %d show c. Not to be put in the public domain without the programme's approval.", small, complementary))
	}
	return notes
}

// FollowUpCount is, at one check-in, how the placements of a period
// answered.
type FollowUpCount struct {
	Months                      int // the check-in, in months after the start
	Placed                      int64
	InPost, NotInPost, NoAnswer int64
}

// FollowUpFigure is one check-in as shown: the placements, the answers
// and the share of those who answered that are still in post.
type FollowUpFigure struct {
	Months      int
	Placed      ReleasedCount
	Answered    ReleasedCount // in post or not
	InPost      ReleasedCount
	NoAnswer    ReleasedCount
	StillInPost ReleasedStatistic // InPost / Answered
}

// FollowUpReport is the follow-up of the placements whose job started in
// Period: the programme's, or an organisation's own (OrgID).
type FollowUpReport struct {
	AsOf     time.Time
	Period   ReportPeriod
	OrgID    string
	Released bool
	Rows     []FollowUpFigure
}

// ExactFollowUps is the follow-up as the operator, and an organisation for
// its own placements, see it.
func ExactFollowUps(counts []FollowUpCount) []FollowUpFigure {
	out := make([]FollowUpFigure, len(counts))
	for i, c := range counts {
		answered := c.InPost + c.NotInPost
		out[i] = FollowUpFigure{Months: c.Months, Placed: ReleasedCount{Value: c.Placed}, Answered: ReleasedCount{Value: answered},
			InPost: ReleasedCount{Value: c.InPost}, NoAnswer: ReleasedCount{Value: c.NoAnswer}}
		if answered > 0 {
			out[i].StillInPost = ReleasedStatistic{Value: float64(c.InPost) / float64(answered)}
		} else {
			out[i].StillInPost = ReleasedStatistic{Withheld: WithheldFewPeople}
		}
	}
	return out
}

// ReleaseFollowUps is the follow-up released beyond the operator: each
// count by ReleaseCount, and the share still in post worked out from the
// released counts and withheld on fewer than DisclosureMinPeople answers
// or a withheld count, to the whole percent.
func ReleaseFollowUps(counts []FollowUpCount) []FollowUpFigure {
	out := make([]FollowUpFigure, len(counts))
	for i, c := range counts {
		answered := c.InPost + c.NotInPost
		f := FollowUpFigure{Months: c.Months, Placed: ReleaseCount(c.Placed), Answered: ReleaseCount(answered),
			InPost: ReleaseCount(c.InPost), NoAnswer: ReleaseCount(c.NoAnswer)}
		if f.Answered.Withheld != Shown || f.InPost.Withheld != Shown || answered < DisclosureMinPeople || f.Answered.Value == 0 {
			f.StillInPost = ReleasedStatistic{Withheld: WithheldFewPeople}
		} else {
			f.StillInPost = ReleaseStatistic(math.Round(100*float64(f.InPost.Value)/float64(f.Answered.Value))/100, answered)
		}
		out[i] = f
	}
	return out
}

// Notes is what the follow-up's figures need to travel with.
func (r FollowUpReport) Notes() []string {
	notes := []string{
		fmt.Sprintf("Placements whose job started from %s to %s, and how they answered each check-in (months after the start), as of %s UTC. A placement not yet due a check-in has no answer to it.",
			r.Period.From.Format("January 2006"), r.Period.To.Format("January 2006"), r.AsOf.UTC().Format("2006-01-02 15:04")),
		"Still in post is the share of those who answered (in post or not) who said they were in post. Source: the programme's records, live and anonymised alike.",
	}
	if r.Released {
		notes = append(notes,
			"Released under disclosure control: 0 stays 0; 1 to 7 show as *; other counts are rounded to the nearest 5; a share is worked out from the released counts and withheld where it would rest on fewer than 8 answers.",
			"Not to be put in the public domain without the programme's approval.")
	}
	return notes
}

// ProgrammeView is the operator's view of the programme, exact, as of
// AsOf: the organisations by onboarding state, by agreement (current,
// signed on a retired version, none) and active or not, and what waits
// for the operator.
type ProgrammeView struct {
	AsOf                time.Time
	OrganisationsBy     map[string]map[string]int64 // "onboarding", "agreement", "organisations" → state → count
	OpenSpotChecks      int64
	OpenModeration      int64
	OpenDataRequests    map[DataRequestState]int64
	OpenInfoRequests    map[InfoRequestState]int64
	FlaggedInfoRequests int64
}
