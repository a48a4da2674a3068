package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/internal/testsmtp"
	"github.com/muster-cms/muster/sim"
)

func TestSMTPExchange(t *testing.T) {
	t.Parallel()
	srv := testsmtp.Start(t)
	n, err := mail.NewSMTP("smtp://"+srv.Addr, "Muster <noreply@example.org>")
	require.NoError(t, err)
	err = n.Notify(context.Background(), sim.Message{Key: "k1", To: "pat@example.org", Subject: "Hello é", Body: "Link: https://x.example/register?token=abc_DEF-123\n"})
	require.NoError(t, err)
	m := srv.WaitFor(t, "pat@example.org", 5*time.Second)
	require.Equal(t, "noreply@example.org", m.From)
	require.Equal(t, "abc_DEF-123", m.Token(t))
	require.Contains(t, string(m.Data), "Subject: =?utf-8?q?Hello_=C3=A9?=")
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	srv := testsmtp.Start(t)
	n, err := mail.NewSMTP("smtp://"+srv.Addr, "noreply@example.org")
	require.NoError(t, err)
	err = n.Notify(context.Background(), sim.Message{To: "a@example.org\r\nBcc: b@example.org", Subject: "x", Body: "y"})
	require.Error(t, err)
	require.Empty(t, srv.Messages())
}

func TestSMTPURL(t *testing.T) {
	t.Parallel()
	s, err := mail.NewSMTP("smtp://user:secret@mail.example.org", "a@example.org")
	require.NoError(t, err)
	require.Equal(t, "mail.example.org:587", s.Addr)
	require.Equal(t, "user", s.Username)
	require.Equal(t, "secret", s.Password)
	_, err = mail.NewSMTP("http://x", "a@example.org")
	require.Error(t, err)
}

func TestOutboxWritesOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := &mail.Outbox{Dir: dir, From: "noreply@example.org"}
	m := sim.Message{Key: "invitation/123", To: "x@example.org", Subject: "s", Body: "b"}
	require.NoError(t, o.Notify(context.Background(), m))
	require.NoError(t, o.Notify(context.Background(), m))
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "From: noreply@example.org\r\nTo: x@example.org\r\n"))

	// A plain copy beside it, whose link can be copied as it is.
	txt, err := os.ReadFile(strings.TrimSuffix(files[0], ".eml") + ".txt")
	require.NoError(t, err)
	require.Equal(t, "From: noreply@example.org\nTo: x@example.org\nSubject: s\n\nb", string(txt))

	// Another key is another message.
	m.Key = "invitation/123/2"
	require.NoError(t, o.Notify(context.Background(), m))
	files, err = filepath.Glob(filepath.Join(dir, "*.eml"))
	require.NoError(t, err)
	require.Len(t, files, 2)
}

// A server that rejects the recipient and quotes the address back: the
// error keeps the reason but not the address.
func TestSMTPErrorsDoNotQuoteTheAddress(t *testing.T) {
	t.Parallel()
	srv := testsmtp.Start(t)
	srv.Reject("refused@example.org")
	n, err := mail.NewSMTP("smtp://"+srv.Addr, "noreply@example.org")
	require.NoError(t, err)
	err = n.Notify(context.Background(), sim.Message{To: "Refused@example.org", Subject: "x", Body: "y"})
	require.Error(t, err)
	require.Contains(t, err.Error(), "RCPT TO refused")
	require.Contains(t, err.Error(), "<recipient>")
	require.NotContains(t, strings.ToLower(err.Error()), "refused@example.org")
}
