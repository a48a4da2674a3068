// Package mail provides Muster's two built-in Notifier plugins: SMTP for
// real deployments and Outbox, which writes each message as an .eml file
// for development.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/muster-cms/muster/sim"
)

// Compose renders m as an RFC 5322 message from the given sender.
func Compose(from string, m sim.Message, now time.Time) ([]byte, error) {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(from, "\r\n") {
		return nil, errors.New("compose message: header injection")
	}
	var b bytes.Buffer
	// The same notification (Key) always has the same Message-ID, so that
	// in the one case no ledger can close (the process dies after the
	// server accepted a message and before the send was recorded) the
	// repeat is recognisably the same message to the receiving side.
	id := make([]byte, 12)
	if m.Key != "" {
		sum := sha256.Sum256([]byte("muster-message-id\x00" + m.Key))
		copy(id, sum[:])
	} else if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	domain := "muster.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
			domain = a.Address[at+1:]
		}
	}
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), domain)
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SMTP delivers messages through an SMTP server.
type SMTP struct {
	Addr     string // host:port
	Username string // optional; AUTH PLAIN requires TLS unless the host is local
	Password string
	From     string
	Timeout  time.Duration // per message; 0 means 30s
}

// NewSMTP parses smtp://[user:password@]host:port into an SMTP notifier
// sending as from.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return nil, fmt.Errorf("smtp url must look like smtp://user:password@host:587")
	}
	s := &SMTP{Addr: u.Host, From: from}
	if u.Port() == "" {
		s.Addr = net.JoinHostPort(u.Hostname(), "587")
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// Notify sends m. It uses STARTTLS when the server offers it. Errors never
// quote the recipient's address, even when the server's reply does: they
// end up in logs and workflow histories.
func (s *SMTP) Notify(ctx context.Context, m sim.Message) error {
	if err := s.notify(ctx, m); err != nil {
		return redact(err, m.To)
	}
	return nil
}

// redactedError is an error whose text has had an address removed.
type redactedError struct{ msg string }

func (e redactedError) Error() string { return e.msg }

func redact(err error, addr string) error {
	msg := err.Error()
	if addr == "" || !strings.Contains(strings.ToLower(msg), strings.ToLower(addr)) {
		return err
	}
	re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(addr))
	return redactedError{msg: re.ReplaceAllString(msg, "<recipient>")}
}

func (s *SMTP) notify(ctx context.Context, m sim.Message) error {
	msg, err := Compose(s.From, m, time.Now())
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(tlsConfig(host)); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(envelopeAddress(s.From)); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("smtp RCPT TO refused: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp end of data: %w", err)
	}
	return c.Quit()
}

func envelopeAddress(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	return from
}

// Outbox writes each message as an .eml file under Dir instead of sending
// it: for development, where no mail server is at hand. Beside each it
// writes a plain .txt copy, easy to read and to copy a link from (the .eml
// is quoted-printable). A message with a Key already written is not
// written again: each link is its own key, so a new link always lands.
type Outbox struct {
	Dir  string
	From string
}

// Notify writes m to Dir/<time>-<key>.eml and .txt.
func (o *Outbox) Notify(_ context.Context, m sim.Message) error {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	msg, err := Compose(o.From, m, time.Now())
	if err != nil {
		return err
	}
	name := strings.NewReplacer("/", "-", "\\", "-", "..", "-").Replace(m.Key)
	if name == "" {
		name = hex.EncodeToString(msg[:8])
	}
	if matches, _ := filepath.Glob(filepath.Join(o.Dir, "*-"+name+".eml")); len(matches) > 0 {
		return nil
	}
	base := filepath.Join(o.Dir, time.Now().UTC().Format("20060102T150405")+"-"+name)
	text := fmt.Sprintf("From: %s\nTo: %s\nSubject: %s\n\n%s", o.From, m.To, m.Subject, m.Body)
	if err := os.WriteFile(base+".txt", []byte(text), 0o600); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	// The .eml last: its presence is what marks the key as written.
	if err := os.WriteFile(base+".eml", msg, 0o600); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}
