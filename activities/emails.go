package activities

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"time"
)

// EmailTemplate is the wording of one email: text/template sources for its
// subject (one line) and its plain-text body, executed with EmailData.
type EmailTemplate struct {
	Subject string
	Body    string
}

// EmailData is what an email's templates may use. It carries no personal
// data: the recipient is the envelope's business.
type EmailData struct {
	Programme string // the programme's name, such as "Step into Health"
	Link      string // the single-use registration link
	ExpiresOn string // the last day the link works, such as "23 December 2026"
}

// Emails is the wording of every email Muster sends. An embedder replaces
// any of them; a zero field keeps the default.
type Emails struct {
	// Invitation goes to a person the operator invited.
	Invitation EmailTemplate
	// SelfInvitation goes to a person who asked to register: following
	// its link also proves the address is theirs.
	SelfInvitation EmailTemplate
}

// DefaultEmails is neutral wording that names the programme only through
// EmailData.Programme.
var DefaultEmails = Emails{
	Invitation: EmailTemplate{
		Subject: "You're invited to register with {{.Programme}}",
		Body: `You have been invited to register with {{.Programme}}, which connects the Armed Forces community with careers in the NHS.

Complete your registration here:
{{.Link}}

The link works once, until {{.ExpiresOn}}. If you do not register by then, we delete your details.
If you did not expect this email, you can ignore it.
`,
	},
	SelfInvitation: EmailTemplate{
		Subject: "Finish registering with {{.Programme}}",
		Body: `You asked to register with {{.Programme}}. Please confirm that this is your email address by finishing your registration here:
{{.Link}}

The link works once, until {{.ExpiresOn}}. If you do not register by then, we delete your details.
If you did not ask to register, you can ignore this email.
`,
	},
}

// compiled is Emails parsed, ready to render.
type compiled struct {
	invitation, self [2]*template.Template // subject, body
}

// compile parses every template, filling zero fields from DefaultEmails.
func (e Emails) compile() (*compiled, error) {
	if e.Invitation.Subject == "" {
		e.Invitation.Subject = DefaultEmails.Invitation.Subject
	}
	if e.Invitation.Body == "" {
		e.Invitation.Body = DefaultEmails.Invitation.Body
	}
	if e.SelfInvitation.Subject == "" {
		e.SelfInvitation.Subject = DefaultEmails.SelfInvitation.Subject
	}
	if e.SelfInvitation.Body == "" {
		e.SelfInvitation.Body = DefaultEmails.SelfInvitation.Body
	}
	var c compiled
	for _, p := range []struct {
		name string
		src  string
		dst  **template.Template
	}{
		{"invitation subject", e.Invitation.Subject, &c.invitation[0]},
		{"invitation body", e.Invitation.Body, &c.invitation[1]},
		{"self-invitation subject", e.SelfInvitation.Subject, &c.self[0]},
		{"self-invitation body", e.SelfInvitation.Body, &c.self[1]},
	} {
		t, err := template.New(p.name).Option("missingkey=error").Parse(p.src)
		if err != nil {
			return nil, fmt.Errorf("email template %s: %w", p.name, err)
		}
		// Render once with sample data, so a template that fails on real
		// data fails here, at start-up, not at the first send.
		if _, err := execute(t, EmailData{Programme: "P", Link: "https://example.org/register?token=x", ExpiresOn: "1 January 2027"}); err != nil {
			return nil, fmt.Errorf("email template %s: %w", p.name, err)
		}
		*p.dst = t
	}
	return &c, nil
}

// Validate reports a template that does not parse or does not render.
func (e Emails) Validate() error {
	_, err := e.compile()
	return err
}

func execute(t *template.Template, d EmailData) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

// render returns the subject and body of one email.
func (c *compiled) render(self bool, d EmailData) (subject, body string, err error) {
	pair := c.invitation
	if self {
		pair = c.self
	}
	if subject, err = execute(pair[0], d); err != nil {
		return "", "", err
	}
	if body, err = execute(pair[1], d); err != nil {
		return "", "", err
	}
	// A subject is one header line.
	subject = strings.Join(strings.Fields(subject), " ")
	return subject, body, nil
}

// expiresOn is how an email names the last day a link works, in the
// programme's country.
func expiresOn(t time.Time) string {
	if loc, err := time.LoadLocation("Europe/London"); err == nil {
		t = t.In(loc)
	}
	return t.Format("2 January 2006")
}
