// Package testsmtp runs a real SMTP server in-process for tests and keeps
// every message it receives.
package testsmtp

import (
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received message with its envelope.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is a listening SMTP server.
type Server struct {
	Addr   string
	mu     sync.Mutex
	msgs   []Message
	reject map[string]bool
}

// Reject makes the server refuse RCPT TO for addr (case-insensitively),
// quoting the address in its reply as real servers do.
func (s *Server) Reject(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reject == nil {
		s.reject = map[string]bool{}
	}
	s.reject[strings.ToLower(addr)] = true
}

// Start listens on a free loopback port until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp listen: %v", err)
	}
	s := &Server{Addr: l.Addr().String()}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	go srv.Serve(l) //nolint:errcheck
	t.Cleanup(func() { srv.Close() })
	return s
}

// Messages returns a copy of what has been received.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor waits up to timeout for a message to rcpt and returns it.
func (s *Server) WaitFor(t testing.TB, rcpt string, timeout time.Duration) Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, m := range s.Messages() {
			for _, to := range m.To {
				if to == rcpt {
					return m
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no message to %s within %s (received %d messages)", rcpt, timeout, len(s.Messages()))
	return Message{}
}

var tokenRe = regexp.MustCompile(`token=3D([A-Za-z0-9_-]+)|token=([A-Za-z0-9_-]+)`)

// Token returns the registration token in a message's link.
func (m Message) Token(t testing.TB) string {
	t.Helper()
	// Quoted-printable turns '=' into '=3D' and may wrap long lines with '=\r\n'.
	flat := regexp.MustCompile("=\r?\n").ReplaceAll(m.Data, nil)
	sm := tokenRe.FindSubmatch(flat)
	if sm == nil {
		t.Fatalf("no registration link in message:\n%s", m.Data)
	}
	if len(sm[1]) > 0 {
		return string(sm[1])
	}
	return string(sm[2])
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	rejected := x.s.reject[strings.ToLower(to)]
	x.s.mu.Unlock()
	if rejected {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: Recipient address rejected"}
	}
	x.to = append(x.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Data: b})
	x.s.mu.Unlock()
	return nil
}
func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// WaitForNth waits up to timeout for the nth message (from 1) to rcpt
// and returns it.
func (s *Server) WaitForNth(t testing.TB, rcpt string, n int, timeout time.Duration) Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		seen := 0
		for _, m := range s.Messages() {
			for _, to := range m.To {
				if to == rcpt {
					if seen++; seen == n {
						return m
					}
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no message %d to %s within %s (received %d messages)", n, rcpt, timeout, len(s.Messages()))
	return Message{}
}
