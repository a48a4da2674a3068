package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// orgDetails is an organisation as the operator records it.
func orgDetails(name string) map[string]any {
	return map[string]any{"name": name, "type": "trust", "region": "north_west", "pledged_on": "2026-10-01", "active": true}
}

// onboard records an organisation and its first agreement, follows the
// initial administrator's emailed link, accepts the code of conduct, and
// returns the organisation's ID and the administrator's token.
func onboard(t *testing.T, s *teststack.Stack, op, name, adminEmail string) (orgID, adminToken string) {
	t.Helper()
	r := s.JSON(t, http.MethodPost, "/v1/organisations", op, orgDetails(name))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	orgID = r.Body["id"].(string)
	r = s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/agreements", op, map[string]any{
		"version": "2026-dsa-v1", "signed_name": name, "signatory_name": "Alex Morgan",
		"signatory_role": "Head of Information Governance", "signed_on": "2026-11-18",
		"initial_admin": map[string]any{"name": "Jo Patel", "email": adminEmail},
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	invID := r.Body["onboarding_invitation_id"].(string)

	msg := s.SMTP.WaitFor(t, adminEmail, 20*time.Second)
	require.Contains(t, string(msg.Data), "accept-invitation?token=3D")
	a := s.JSON(t, http.MethodPost, "/v1/account-invitations/acceptance", "", map[string]any{"token": msg.Token(t), "password": "admin password 123"})
	require.Equal(t, http.StatusCreated, a.Status, string(a.Raw))
	require.Equal(t, "org_admin", a.Body["role"])

	// The onboarding completes: the workflow's query and the organisation say so.
	var res workflows.InvitationProgress
	run := s.Temporal.GetWorkflow(context.Background(), sim.OrgOnboardingWorkflowID(orgID, invID), "")
	require.NoError(t, run.Get(context.Background(), &res))
	require.Equal(t, workflows.OnboardingCompleted, res.State)

	adminToken = s.Login(t, adminEmail, "admin password 123")
	// Before the code of conduct, everything but reading and accepting it is refused.
	got := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/users", adminToken, nil)
	require.Equal(t, http.StatusForbidden, got.Status, string(got.Raw))
	require.Equal(t, "code_of_conduct_not_accepted", errCode(got))
	c := s.Do(t, http.MethodGet, "/v1/code-of-conduct", adminToken, nil)
	require.Equal(t, http.StatusOK, c.Status, string(c.Raw))
	acc := s.JSON(t, http.MethodPost, "/v1/code-of-conduct/acceptance", adminToken, map[string]any{"version": c.Body["version"]})
	require.Equal(t, http.StatusOK, acc.Status, string(acc.Raw))
	require.NotEmpty(t, acc.Body["accepted_at"])
	return orgID, adminToken
}

func errCode(r teststack.Response) string {
	e, _ := r.Body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// The user guide's way in: a pledged organisation signs the agreement in
// its correct name, its initial administrator sets up the account from the
// emailed link, accepts the code of conduct and then works; renaming the
// organisation suspends its users until an agreement in the new name is
// recorded; the public list shows it throughout.
func TestOrganisationOnboardingAndRename(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Leeds Teaching Hospitals NHS Trust", "jo.patel@nhs.example")

	users := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/users", admin, nil)
	require.Equal(t, http.StatusOK, users.Status, string(users.Raw))
	require.Len(t, users.Body["users"], 1)

	pub := s.Do(t, http.MethodGet, "/v1/pledged-organisations", "", nil)
	require.Equal(t, http.StatusOK, pub.Status)
	require.Equal(t, []any{map[string]any{"id": orgID, "name": "Leeds Teaching Hospitals NHS Trust", "type": "trust", "region": "north_west"}}, pub.Body["organisations"])

	// Renamed: its users are refused at once, with a code that says why.
	renamed := orgDetails("Leeds Teaching Hospitals NHS Foundation Trust")
	r := s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID, op, renamed)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	got := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/users", admin, nil)
	require.Equal(t, http.StatusForbidden, got.Status)
	require.Equal(t, "agreement_name_mismatch", errCode(got))
	me := s.Do(t, http.MethodGet, "/v1/me", admin, nil)
	require.Equal(t, http.StatusOK, me.Status, "reading oneself always works")
	require.Equal(t, "agreement_name_mismatch", restrictionOf(t, userOf(t, me)))

	// An agreement in the old name is refused; one in the new name lifts it.
	old := s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/agreements", op, map[string]any{
		"version": "2026-dsa-v1", "signed_name": "Leeds Teaching Hospitals NHS Trust", "signatory_name": "Alex Morgan",
		"signatory_role": "Head of IG", "signed_on": "2026-11-19",
	})
	require.Equal(t, http.StatusUnprocessableEntity, old.Status, string(old.Raw))
	require.Equal(t, "signed_name", old.Body["error"].(map[string]any)["field"])
	ok := s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/agreements", op, map[string]any{
		"version": "2026-dsa-v1", "signed_name": "Leeds Teaching Hospitals NHS Foundation Trust", "signatory_name": "Alex Morgan",
		"signatory_role": "Head of IG", "signed_on": "2026-11-19", "document_base64": "JVBERi0xLjQK", "document_type": "application/pdf",
	})
	require.Equal(t, http.StatusCreated, ok.Status, string(ok.Raw))
	require.Nil(t, ok.Body["onboarding_invitation_id"], "onboarding starts once")
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/users", admin, nil).Status)

	// History is kept, with the document's SHA-256.
	list := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/agreements", admin, nil)
	require.Equal(t, http.StatusOK, list.Status)
	agreements := list.Body["agreements"].([]any)
	require.Len(t, agreements, 2)
	sum := sha256.Sum256([]byte("%PDF-1.4\n"))
	require.Equal(t, hex.EncodeToString(sum[:]), agreements[0].(map[string]any)["document_sha256"])
	require.Nil(t, agreements[1].(map[string]any)["document_sha256"])

	// Retiring the version suspends it again.
	require.Equal(t, http.StatusNoContent, s.Do(t, http.MethodPost, "/v1/agreement-versions/2026-dsa-v1/retirement", op, nil).Status)
	got = s.Do(t, http.MethodGet, "/v1/organisations/"+orgID, admin, nil)
	require.Equal(t, http.StatusForbidden, got.Status)
	require.Equal(t, "agreement_version_retired", errCode(got))

	// Every act is in the audit trail, and the chain holds.
	audit := s.Do(t, http.MethodGet, "/v1/audit-events?org_id="+orgID, op, nil)
	require.Equal(t, http.StatusOK, audit.Status, string(audit.Raw))
	var actions []string
	for _, e := range audit.Body["events"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	require.Equal(t, []string{
		"organisation.created", "agreement.recorded", "user.invited", "user.joined", "code_of_conduct.accepted",
		"organisation.renamed", "agreement.recorded",
	}, actions)
	v := s.Do(t, http.MethodGet, "/v1/audit-events/verification", op, nil)
	require.Equal(t, http.StatusOK, v.Status)
	require.Equal(t, true, v.Body["intact"])
}

// An administrator invites a colleague, who sets up their account; once
// disabled, the colleague's token stops working on the very next request.
func TestDisabledUsersTokenStopsWorking(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Mersey Care NHS Foundation Trust", "admin@mersey.example")

	inv := s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/invitations", admin, map[string]any{
		"name": "Chris Lee", "email": "chris@mersey.example", "role": "org_user",
	})
	require.Equal(t, http.StatusCreated, inv.Status, string(inv.Raw))
	token := s.SMTP.WaitFor(t, "chris@mersey.example", 20*time.Second).Token(t)
	a := s.JSON(t, http.MethodPost, "/v1/account-invitations/acceptance", "", map[string]any{"token": token, "password": "chris password 123"})
	require.Equal(t, http.StatusCreated, a.Status, string(a.Raw))
	userID := a.Body["user_id"].(string)
	again := s.JSON(t, http.MethodPost, "/v1/account-invitations/acceptance", "", map[string]any{"token": token, "password": "chris password 123"})
	require.Equal(t, http.StatusGone, again.Status, "single use")

	chris := s.Login(t, "chris@mersey.example", "chris password 123")
	c := s.Do(t, http.MethodGet, "/v1/code-of-conduct", chris, nil)
	require.Equal(t, http.StatusOK, s.JSON(t, http.MethodPost, "/v1/code-of-conduct/acceptance", chris, map[string]any{"version": c.Body["version"]}).Status)
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/users", chris, nil).Status)

	// An org user cannot manage people; the last admin cannot step down.
	require.Equal(t, http.StatusForbidden, s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/users/"+userID, chris, map[string]any{"role": "org_admin", "disabled": false}).Status)
	me := s.Do(t, http.MethodGet, "/v1/me", admin, nil)
	adminID := me.Body["user"].(map[string]any)["id"].(string)
	last := s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/users/"+adminID, admin, map[string]any{"role": "org_user", "disabled": false})
	require.Equal(t, http.StatusConflict, last.Status, string(last.Raw))

	off := s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/users/"+userID, admin, map[string]any{"role": "org_user", "disabled": true})
	require.Equal(t, http.StatusOK, off.Status, string(off.Raw))
	require.Equal(t, true, off.Body["disabled"])
	require.Equal(t, http.StatusUnauthorized, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/users", chris, nil).Status)
	login := s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": "chris@mersey.example", "password": "chris password 123"})
	require.Equal(t, http.StatusForbidden, login.Status, string(login.Raw))

	// Re-enabled and promoted, Chris can sign in and manage people; now
	// that there are two admins, the first may step down.
	on := s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/users/"+userID, admin, map[string]any{"role": "org_admin", "disabled": false})
	require.Equal(t, http.StatusOK, on.Status, string(on.Raw))
	require.Equal(t, "org_admin", on.Body["role"])
	chris = s.Login(t, "chris@mersey.example", "chris password 123")
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/users", chris, nil).Status)
	down := s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/users/"+adminID, admin, map[string]any{"role": "org_user", "disabled": false})
	require.Equal(t, http.StatusOK, down.Status, string(down.Raw))
	// A demoted admin manages no one any more.
	require.Equal(t, http.StatusForbidden, s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/users/"+userID, admin, map[string]any{"role": "org_user", "disabled": true}).Status)

	audit := s.Do(t, http.MethodGet, "/v1/audit-events?object_id="+userID, op, nil)
	var actions []string
	for _, e := range audit.Body["events"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	require.Equal(t, []string{"user.joined", "code_of_conduct.accepted", "user.disabled", "user.role_changed", "user.enabled"}, actions)
}

// The onboarding invitation expires unanswered in a short window: the
// operators are told, the organisation is in the escalated queue, and a
// re-issue invites the administrator again.
func TestOnboardingExpiryEscalates(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) { c.AccountInvitationWindow = 4 * time.Second })
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	r := s.JSON(t, http.MethodPost, "/v1/organisations", op, orgDetails("Cwm Taf Morgannwg University Health Board"))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	orgID := r.Body["id"].(string)
	r = s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/agreements", op, map[string]any{
		"version": "2026-dsa-v1", "signed_name": "Cwm Taf Morgannwg University Health Board", "signatory_name": "Rhys Evans",
		"signatory_role": "Data Protection Officer", "signed_on": "2026-11-18",
		"initial_admin": map[string]any{"name": "Ffion Jones", "email": "ffion@ctm.example"},
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	invID := r.Body["onboarding_invitation_id"].(string)

	s.SMTP.WaitFor(t, "ffion@ctm.example", 20*time.Second)
	reminder := s.SMTP.WaitForNth(t, "ffion@ctm.example", 2, 20*time.Second)
	require.Contains(t, string(reminder.Data), "Reminder")
	escalation := s.SMTP.WaitFor(t, teststack.OperatorEmail, 30*time.Second)
	require.Contains(t, string(escalation.Data), "Cwm Taf Morgannwg")

	var res workflows.InvitationProgress
	run := s.Temporal.GetWorkflow(context.Background(), sim.OrgOnboardingWorkflowID(orgID, invID), "")
	require.NoError(t, run.Get(context.Background(), &res))
	require.Equal(t, workflows.OnboardingEscalated, res.State)
	desc, err := s.Temporal.DescribeWorkflowExecution(context.Background(), sim.OrgOnboardingWorkflowID(orgID, invID), "")
	require.NoError(t, err)
	fields := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	require.Contains(t, string(fields["MusterOnboardingState"].GetData()), "escalated")
	require.Contains(t, string(fields["MusterOrgID"].GetData()), orgID)

	queue := s.Do(t, http.MethodGet, "/v1/organisations?onboarding=escalated", op, nil)
	require.Equal(t, http.StatusOK, queue.Status, string(queue.Raw))
	require.Len(t, queue.Body["organisations"], 1)

	again := s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/onboarding", op, map[string]any{
		"initial_admin": map[string]any{"name": "Ffion Jones", "email": "ffion@ctm.example"},
	})
	require.Equal(t, http.StatusCreated, again.Status, string(again.Raw))
	s.SMTP.WaitForNth(t, "ffion@ctm.example", 3, 20*time.Second)
}

// An administrator sets the group mailbox; it is unverified until the link
// sent to it is followed, once; changing it again needs a new
// verification, and the old link no longer verifies anything.
func TestGroupMailboxVerifiedByLink(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Sheffield Children's NHS Foundation Trust", "admin@sheffield.example")

	set := s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/mailbox", admin, map[string]any{"email": "Recruitment@Sheffield.example"})
	require.Equal(t, http.StatusOK, set.Status, string(set.Raw))
	require.Equal(t, "recruitment@sheffield.example", set.Body["mailbox"])
	require.Equal(t, false, set.Body["mailbox_verified"])
	msg := s.SMTP.WaitFor(t, "recruitment@sheffield.example", 20*time.Second)
	require.Contains(t, string(msg.Data), "verify-mailbox?token=3D")
	token := msg.Token(t)

	v := s.JSON(t, http.MethodPost, "/v1/mailbox-verifications", "", map[string]any{"token": token})
	require.Equal(t, http.StatusNoContent, v.Status, string(v.Raw))
	got := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID, admin, nil)
	require.Equal(t, true, got.Body["mailbox_verified"])
	require.Equal(t, http.StatusGone, s.JSON(t, http.MethodPost, "/v1/mailbox-verifications", "", map[string]any{"token": token}).Status, "once")

	// A new address starts unverified; a link to an address no longer the
	// mailbox verifies nothing.
	s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/mailbox", admin, map[string]any{"email": "jobs@sheffield.example"})
	first := s.SMTP.WaitFor(t, "jobs@sheffield.example", 20*time.Second).Token(t)
	s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/mailbox", admin, map[string]any{"email": "talent@sheffield.example"})
	s.SMTP.WaitFor(t, "talent@sheffield.example", 20*time.Second)
	stale := s.JSON(t, http.MethodPost, "/v1/mailbox-verifications", "", map[string]any{"token": first})
	require.Equal(t, http.StatusGone, stale.Status, string(stale.Raw))
	got = s.Do(t, http.MethodGet, "/v1/organisations/"+orgID, admin, nil)
	require.Equal(t, "talent@sheffield.example", got.Body["mailbox"])
	require.Equal(t, false, got.Body["mailbox_verified"])

	audit := s.Do(t, http.MethodGet, "/v1/audit-events?object_id="+orgID, op, nil)
	var actions []string
	for _, e := range audit.Body["events"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	require.Equal(t, []string{"organisation.created", "mailbox.changed", "mailbox.verified", "mailbox.changed", "mailbox.changed"}, actions)
}
