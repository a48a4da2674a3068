package sim

// Visibility: which organisations see which candidates. It is one policy,
// here; the queries and row-level security in Postgres run the same rule
// (the SQL function app_org_sees, checked against OrgSees over every
// combination of its inputs by a db test), so changing who sees whom is
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
	if !c.Sharing || c.Verification == VerificationRejected {
		return false
	}
	switch c.Status {
	case StatusRegistered:
		return in.Open()
	case StatusPlaced:
		return p.KeepPlacedWithPlacer && in == InterestPlaced
	}
	return false
}
