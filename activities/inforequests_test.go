package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/testsmtp"
	"github.com/muster-cms/muster/sim"
)

// An information request's deadlines reach the operators over a real
// SMTP exchange: the reminder once however often it is retried, then the
// escalation; nothing for a deadline the request has moved past, and the
// emails name neither the requester nor what they asked.
func TestInfoRequestDeadlineEmails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	smtp := testsmtp.Start(t)
	notifier, err := mail.NewSMTP("smtp://"+smtp.Addr, "noreply@example.org")
	require.NoError(t, err)
	a := &activities.Activities{Store: store, Notifier: notifier, PublicURL: "https://muster.example.org"}
	op := testfactory.Actor(testfactory.User(t, d, testfactory.UserOpts{Role: sim.RoleOperator, Email: "operator@programme.example"}))
	var r sim.InfoRequest
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		var err error
		r, err = tx.InfoRequestLog(ctx, sim.RequesterAcademic, "University of Northshire", "A dissertation", "Secret thesis topic", false, time.Now())
		return err
	}))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	deadline := func(ref activities.InfoRequestRef) activities.InfoRequestStatus {
		t.Helper()
		v, err := env.ExecuteActivity(a.InfoRequestDeadline, ref)
		require.NoError(t, err)
		var st activities.InfoRequestStatus
		require.NoError(t, v.Get(&st))
		return st
	}
	subjects := func() []string {
		var out []string
		for _, m := range smtp.Messages() {
			for _, line := range strings.Split(string(m.Data), "\r\n") {
				if s, ok := strings.CutPrefix(line, "Subject: "); ok {
					out = append(out, s)
				}
			}
			require.NotContains(t, string(m.Data), "Northshire", "no requester in an email")
			require.NotContains(t, string(m.Data), "Secret thesis", "nor what they asked")
		}
		return out
	}
	remind := activities.InfoRequestRef{RequestID: r.ID, State: sim.InfoReceived, DueAt: r.AcknowledgeDue()}
	require.Equal(t, sim.InfoReceived, deadline(remind).State)
	deadline(remind) // retried: sent once
	escalate := remind
	escalate.Overdue = true
	deadline(escalate)
	deadline(activities.InfoRequestRef{RequestID: r.ID, State: sim.InfoReceived, DueAt: r.AcknowledgeDue().Add(time.Hour)}) // not its deadline
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		_, err := tx.InfoRequestAcknowledge(ctx, r.ID, time.Now())
		return err
	}))
	st := deadline(escalate) // the request moved on: nothing
	require.Equal(t, sim.InfoAcknowledged, st.State)
	require.False(t, st.AcknowledgedAt.IsZero())
	got := subjects()
	require.Len(t, got, 2, "%v", got)
	require.Contains(t, got[0], "due to be acknowledged in")
	require.Contains(t, got[1], "overdue")
}
