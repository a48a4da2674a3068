package muster_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/internal/testtemporal"
	"github.com/muster-cms/muster/workflows"
)

// freeAddr is an address for a Temporal dev server started later in the
// test: one no other server or connection can take meanwhile.
func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := testtemporal.UnusedAddr()
	require.NoError(t, err)
	return addr
}

// An invitation committed while Temporal is down is not lost and not
// refused: the API answers 201, /readyz says degraded with the intent
// pending, and once Temporal comes up the workflow starts and the email
// arrives, exactly once.
func TestInvitationCommittedWhileTemporalIsDown(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t) // nothing listens here yet
	s := teststack.New(t, addr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)

	r := s.JSON(t, http.MethodPost, "/v1/invitations", op, map[string]any{"email": "outage@example.org"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	invID := r.Body["id"].(string)

	ready := s.Do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusOK, ready.Status, "the API still serves: %s", ready.Raw)
	require.Equal(t, "degraded", ready.Body["status"])
	require.Equal(t, "unreachable", ready.Body["checks"].(map[string]any)["temporal"])
	require.EqualValues(t, 1, ready.Body["outbox"].(map[string]any)["pending"])

	// The relay is trying, and failing, while Temporal is down: the
	// intent has failed attempts recorded before the server comes up.
	require.Eventually(t, func() bool {
		var attempts int
		var lastError *string
		require.NoError(t, s.DB.Admin.QueryRow(context.Background(),
			"SELECT attempts, last_error FROM workflow_outbox WHERE delivered_at IS NULL").Scan(&attempts, &lastError))
		return attempts >= 2 && lastError != nil && *lastError != ""
	}, 60*time.Second, 50*time.Millisecond, "the relay tries to deliver while Temporal is down")
	require.Empty(t, s.SMTP.Messages(), "nothing was sent while Temporal was down")

	srv, err := testtemporal.StartOn(addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })

	s.SMTP.WaitFor(t, "outage@example.org", 90*time.Second)
	require.Eventually(t, func() bool {
		return s.Do(t, http.MethodGet, "/readyz", "", nil).Body["status"] == "ok"
	}, 30*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool {
		b, err := s.Store.OutboxBacklog(context.Background())
		require.NoError(t, err)
		return b.Pending == 0
	}, 30*time.Second, 50*time.Millisecond)

	id := workflows.InvitationWorkflowID(invID)
	runs := func() int {
		resp, err := s.Temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s'", id),
		})
		require.NoError(t, err)
		return len(resp.GetExecutions())
	}
	require.Eventually(t, func() bool { return runs() >= 1 }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, 1, runs(), "one workflow run")
	var sent int
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(), "SELECT count(*) FROM invitation_tokens WHERE sent_at IS NOT NULL").Scan(&sent))
	require.Equal(t, 1, sent)
	require.Len(t, s.SMTP.Messages(), 1, "one email")
}
