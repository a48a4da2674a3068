package sim

// Visibility: which organisations see which candidates. It is one policy,
// here; the queries and row-level security in Postgres run the same rule
// (the SQL functions org_view and org_sees, checked against ViewOf and
// OrgSees over every combination of their inputs by a db test), so changing who sees whom is
// changing this function and its SQL twin together.

// VisibilityPolicy is the deployment's choice about visibility.
type VisibilityPolicy struct {
	// KeepPlacedWithPlacer keeps a placed candidate visible to the
	// organisation that placed them (for the follow-up and its own
	// records); by default a placed record is the operator's only.
	KeepPlacedWithPlacer bool
}

// CandidateFacts are what visibility depends on about a candidate.
type CandidateFacts struct {
	Status Status
	// Sharing is the candidate's latest consent to share their record with
	// the organisations they choose.
	Sharing      bool
	Verification Verification
}

// OrgSees reports whether an organisation in which the candidate's
// interest is in state in (InterestNone for none) sees the candidate: only
// while the candidate is registered, consents to sharing, has not been
// rejected by a spot check, and holds an open interest in it. A placed or
// withdrawn candidate is the operator's only, except that the policy may
// keep a placed one visible to the organisation that placed them.
func (p VisibilityPolicy) OrgSees(c CandidateFacts, in InterestState) bool {
	switch ViewOf(c, in) {
	case OrgViewOpen:
		return true
	case OrgViewPlaced:
		return p.KeepPlacedWithPlacer
	}
	return false
}

// OrgView is what an organisation's view of a candidate through one
// interest is, before the deployment's policy is applied: open (it sees
// them), placed (it sees them only if the policy keeps placed candidates
// with their placer) or hidden. It does not depend on the policy, so it is
// kept as data on the interest (interests.org_view, maintained by the
// database in the transaction that changes any of its inputs) and row-level
// security compares it instead of deriving it row by row.
type OrgView string

const (
	OrgViewHidden OrgView = ""
	OrgViewOpen   OrgView = "open"
	OrgViewPlaced OrgView = "placed"
)

// ViewOf is the organisation's view of candidate c through an interest in
// state in (InterestNone for none): open while the candidate is
// registered, consents to sharing, has not been rejected by a spot check
// and the interest is open; placed for the placing organisation of a
// placed candidate who still consents and was not rejected; otherwise
// hidden. Its SQL twin is org_view().
func ViewOf(c CandidateFacts, in InterestState) OrgView {
	if !c.Sharing || c.Verification == VerificationRejected {
		return OrgViewHidden
	}
	switch {
	case c.Status == StatusRegistered && in.Open():
		return OrgViewOpen
	case c.Status == StatusPlaced && in == InterestPlaced:
		return OrgViewPlaced
	}
	return OrgViewHidden
}
