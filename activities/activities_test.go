package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
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
	"github.com/muster-cms/muster/sim"
)

var linkRe = regexp.MustCompile(`https://muster\.example\.org/register\?token=([A-Za-z0-9_-]+)`)

// A person who lost their link asks again: through the development outbox
// (which drops a message whose key it has written) the new link lands as a
// message of its own, and the first link still works.
func TestResendThroughTheOutbox(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	dir := t.TempDir()
	now := testfactory.Now
	a := &activities.Activities{
		Store: store, Notifier: &mail.Outbox{Dir: dir, From: "noreply@example.org"},
		Programme: "Step into Health", PublicURL: "https://muster.example.org/", ResendGap: time.Minute,
		Now: func() time.Time { return now },
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	inv, _ := testfactory.Invitation(t, d, testfactory.InvitationOpts{Email: "lost@example.org", Kind: sim.InvitationSelf, Unsent: true})
	ref := activities.InvitationRef{InvitationID: inv.ID}

	_, err := env.ExecuteActivity(a.SendInvitation, ref)
	require.NoError(t, err)
	_, err = env.ExecuteActivity(a.SendInvitation, ref) // a retry sends nothing
	require.NoError(t, err)
	_, err = env.ExecuteActivity(a.ResendInvitation, ref) // too soon
	require.NoError(t, err)
	now = now.Add(time.Minute)
	_, err = env.ExecuteActivity(a.ResendInvitation, ref)
	require.NoError(t, err)

	texts, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	require.NoError(t, err)
	require.Len(t, texts, 2, "two links, two messages")
	var tokens []string
	for _, f := range texts {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Contains(t, string(b), "Subject: Finish registering with Step into Health")
		require.NotContains(t, string(b), "Muster", "the configured programme name, not the default")
		m := linkRe.FindStringSubmatch(string(b))
		require.NotNil(t, m, "a link to copy in %s", b)
		tokens = append(tokens, m[1])
	}
	require.NotEqual(t, tokens[0], tokens[1])
	require.True(t, strings.HasSuffix(texts[0], "invitation-"+inv.ID+"-1.txt") || strings.HasSuffix(texts[1], "invitation-"+inv.ID+"-1.txt"))
	first := tokens[0]
	if strings.HasSuffix(texts[1], "-1.txt") {
		first = tokens[1]
	}
	_, err = store.Register(context.Background(), db.Registration{
		Token: first, Password: "a long enough password", Profile: testfactory.Profile(now),
		ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: now,
	})
	require.NoError(t, err, "the first link still works after a resend")
}

// Emails take the deployment's wording; a template that cannot render is
// caught when it is validated, before any send.
func TestEmailTemplates(t *testing.T) {
	t.Parallel()
	require.NoError(t, activities.DefaultEmails.Validate())
	require.NoError(t, activities.Emails{Invitation: activities.EmailTemplate{Subject: "Join {{.Programme}}"}}.Validate())
	require.Error(t, activities.Emails{Invitation: activities.EmailTemplate{Body: "{{.Name}}"}}.Validate(), "no such field")
	require.Error(t, activities.Emails{SelfInvitation: activities.EmailTemplate{Subject: "{{"}}.Validate())
	require.Equal(t, "https://x.example/register?token=a%2Bb", activities.RegistrationLink("https://x.example/", "a+b"))
}
