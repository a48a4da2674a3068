package sim

import "time"

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
	Organisation []FunnelFigure
}
