package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

func TestOrgSeesTable(t *testing.T) {
	t.Parallel()
	registered := sim.CandidateFacts{Status: sim.StatusRegistered, Sharing: true, Verification: sim.VerificationUnchecked}
	with := func(edit func(c *sim.CandidateFacts)) sim.CandidateFacts {
		c := registered
		edit(&c)
		return c
	}
	cases := []struct {
		name      string
		facts     sim.CandidateFacts
		in        sim.InterestState
		def, keep bool // seen under the default policy, and when the placer keeps the record
	}{
		{"registered, interested", registered, "interested", true, true},
		{"registered, offered", registered, "offered", true, true},
		{"registered, not progressed (still chosen)", registered, "not_progressed", true, true},
		{"registered, no interest", registered, "", false, false},
		{"registered, interest removed", registered, "removed", false, false},
		{"no consent", with(func(c *sim.CandidateFacts) { c.Sharing = false }), "interested", false, false},
		{"sampled for a check", with(func(c *sim.CandidateFacts) { c.Verification = sim.VerificationSampled }), "interested", true, true},
		{"verified", with(func(c *sim.CandidateFacts) { c.Verification = sim.VerificationVerified }), "engaged", true, true},
		{"rejected by a spot check", with(func(c *sim.CandidateFacts) { c.Verification = sim.VerificationRejected }), "engaged", false, false},
		{"withdrawn", with(func(c *sim.CandidateFacts) { c.Status = sim.StatusWithdrawn }), "interviewing", false, false},
		{"placed, by this organisation", with(func(c *sim.CandidateFacts) { c.Status = sim.StatusPlaced }), "placed", false, true},
		{"placed, by another organisation", with(func(c *sim.CandidateFacts) { c.Status = sim.StatusPlaced }), "offered", false, false},
		{"placed, not progressed here", with(func(c *sim.CandidateFacts) { c.Status = sim.StatusPlaced }), "not_progressed", false, false},
		{"placed by this organisation, consent withdrawn", with(func(c *sim.CandidateFacts) {
			c.Status, c.Sharing = sim.StatusPlaced, false
		}), "placed", false, false},
		{"placed by this organisation, rejected", with(func(c *sim.CandidateFacts) {
			c.Status, c.Verification = sim.StatusPlaced, sim.VerificationRejected
		}), "placed", false, false},
		{"invited", with(func(c *sim.CandidateFacts) { c.Status = sim.StatusInvited }), "interested", false, false},
		{"expired", with(func(c *sim.CandidateFacts) { c.Status = sim.StatusExpired }), "interested", false, false},
		{"anonymised", with(func(c *sim.CandidateFacts) { c.Status = sim.StatusAnonymised }), "placed", false, false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.def, sim.VisibilityPolicy{}.OrgSees(tc.facts, tc.in), "default policy: %s", tc.name)
		require.Equal(t, tc.keep, sim.VisibilityPolicy{KeepPlacedWithPlacer: true}.OrgSees(tc.facts, tc.in), "keep with placer: %s", tc.name)
	}
}

// Over every combination of the inputs: an organisation sees a candidate
// only with consent and no rejection; a registered candidate exactly
// through an interest they hold (not taken back, not lapsed); a placed one only by the placer and only
// when the policy says so; nobody else ever. A spot check that has not
// rejected the registration changes nothing.
func TestOrgSeesEveryCombination(t *testing.T) {
	t.Parallel()
	interests := append([]sim.InterestState{sim.InterestNone}, sim.InterestStates...)
	for _, keep := range []bool{false, true} {
		p := sim.VisibilityPolicy{KeepPlacedWithPlacer: keep}
		for _, status := range sim.Statuses {
			for _, sharing := range []bool{false, true} {
				for _, v := range sim.Verifications {
					for _, in := range interests {
						c := sim.CandidateFacts{Status: status, Sharing: sharing, Verification: v}
						got := p.OrgSees(c, in)
						var want bool
						switch {
						case !sharing || v == sim.VerificationRejected:
						case status == sim.StatusRegistered:
							want = in != sim.InterestNone && in != sim.InterestRemoved && in != sim.InterestLapsed
						case status == sim.StatusPlaced:
							want = keep && in == sim.InterestPlaced
						}
						require.Equal(t, want, got, "keep=%v %+v %q", keep, c, in)
						unchecked := c
						unchecked.Verification = sim.VerificationUnchecked
						if v != sim.VerificationRejected {
							require.Equal(t, p.OrgSees(unchecked, in), got, "keep=%v %+v %q", keep, c, in)
						}
						if got && !keep {
							require.True(t, sim.VisibilityPolicy{KeepPlacedWithPlacer: true}.OrgSees(c, in),
								"keeping placed records with the placer can only widen visibility")
						}
					}
				}
			}
		}
	}
}
