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
	Programme    string // the programme's name, such as "Step into Health"
	Link         string // the single-use link, where the email has one
	ExpiresOn    string // the last day the link works, such as "23 December 2026"
	Organisation string // the organisation's name, in emails about an organisation
	Months       int    // months since a placement started, in its check-ins
	Receipt      string // an erasure's receipt number, which names nobody
	Date         string // the day something happened or is due, such as "7 December 2026"
	Days         int    // days left, in a data request's reminder
	Step         string // what an information request is due to be: "acknowledged" or "supplied"
}

// Emails is the wording of every email Muster sends. An embedder replaces
// any of them; a zero field keeps the default.
type Emails struct {
	// Invitation goes to a person the operator invited.
	Invitation EmailTemplate
	// SelfInvitation goes to a person who asked to register: following
	// its link also proves the address is theirs.
	SelfInvitation EmailTemplate
	// OnboardingInvitation goes to an organisation's initial
	// administrator, named by the organisation when it signed its
	// data-sharing agreement.
	OnboardingInvitation EmailTemplate
	// ColleagueInvitation goes to a person an organisation's administrator
	// invited.
	ColleagueInvitation EmailTemplate
	// AccountReminder goes to an invitee to an organisation account who
	// has not set it up two days before the invitation closes.
	AccountReminder EmailTemplate
	// OnboardingEscalated goes to every operator when an organisation's
	// initial administrator did not answer in time.
	OnboardingEscalated EmailTemplate
	// PasswordReset carries a link to set a new password, to someone who
	// asked for one.
	PasswordReset EmailTemplate
	// AlreadyRegistered goes to a registered address that asked to
	// register again: it says so, with a link to set a new password.
	AlreadyRegistered EmailTemplate
	// MailboxVerification goes to an organisation's new group mailbox,
	// with the link that verifies it.
	MailboxVerification EmailTemplate
	// InterestNotification goes to each user of an organisation and its
	// verified group mailbox when a candidate chooses the organisation.
	// Its link leads to the candidate in Muster; it names nobody.
	InterestNotification EmailTemplate
	// MessageToOrganisation goes to each user of an organisation and its
	// verified group mailbox when a candidate writes to it; MessageToCandidate
	// goes to the candidate when the organisation writes. Neither carries
	// the message: its link leads to the thread in Muster.
	MessageToOrganisation EmailTemplate
	MessageToCandidate    EmailTemplate
	// FollowUpCheckIn asks a placed candidate, months after their start
	// date, whether they are still in post; FollowUpReminder asks once
	// more when they have not answered.
	FollowUpCheckIn  EmailTemplate
	FollowUpReminder EmailTemplate
	// SpotCheckRejected tells a candidate that the programme could not
	// verify their registration, so organisations no longer see it. It
	// does not give the operator's reason.
	SpotCheckRejected EmailTemplate
	// ErasureReceipt goes to a candidate whose record is being erased, to
	// their address before it is wiped: what is erased, when, and a
	// receipt number that names nobody.
	ErasureReceipt EmailTemplate
	// CandidateLeft tells each user of an organisation a candidate had
	// chosen, and its group mailbox, that the candidate left the
	// programme. It names nobody.
	CandidateLeft EmailTemplate
	// DataRequestReminder tells the operators that a data request is due
	// soon; DataRequestOverdue that its deadline has passed.
	DataRequestReminder EmailTemplate
	DataRequestOverdue  EmailTemplate
	// InfoRequestReminder tells the operators that an information request
	// is due to be acknowledged or supplied soon; InfoRequestOverdue that
	// the deadline has passed (the escalation).
	InfoRequestReminder EmailTemplate
	InfoRequestOverdue  EmailTemplate
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
	OnboardingInvitation: EmailTemplate{
		Subject: "Set up {{.Organisation}}'s account with {{.Programme}}",
		Body: `{{.Organisation}} has signed the {{.Programme}} data-sharing agreement and named you as its initial system administrator.

Create your password and set up the account here:
{{.Link}}

The link works once, until {{.ExpiresOn}}. Once your account is set up you can add your colleagues and a group mailbox.
If you did not expect this email, tell the {{.Programme}} team.
`,
	},
	ColleagueInvitation: EmailTemplate{
		Subject: "You're invited to {{.Organisation}}'s {{.Programme}} account",
		Body: `An administrator of {{.Organisation}} has invited you to use {{.Programme}}, to support candidates from the Armed Forces community into jobs with your organisation.

Create your password here:
{{.Link}}

The link works once, until {{.ExpiresOn}}.
If you did not expect this email, you can ignore it.
`,
	},
	AccountReminder: EmailTemplate{
		Subject: "Reminder: set up your {{.Programme}} account for {{.Organisation}}",
		Body: `Your invitation to set up your {{.Programme}} account for {{.Organisation}} closes on {{.ExpiresOn}}.

Create your password here:
{{.Link}}

The link works once. The link in the first email works too, until then.
`,
	},
	OnboardingEscalated: EmailTemplate{
		Subject: "{{.Organisation}}: onboarding invitation expired unanswered",
		Body: `The invitation to {{.Organisation}}'s initial system administrator closed on {{.ExpiresOn}} without an answer.

The organisation is in the escalated onboarding queue. Contact it, then re-issue the invitation, to the same person or another.
`,
	},
	PasswordReset: EmailTemplate{
		Subject: "Reset your {{.Programme}} password",
		Body: `Someone asked to reset the password of your {{.Programme}} account. To choose a new password, follow this link:
{{.Link}}

The link works once, for an hour. Setting a new password signs you out everywhere else.
If you did not ask, you can ignore this email: your password has not changed.
`,
	},
	AlreadyRegistered: EmailTemplate{
		Subject: "You already have a {{.Programme}} account",
		Body: `Someone asked to register this address with {{.Programme}}, but it already has an account. Sign in as usual.

If you have forgotten your password, choose a new one here:
{{.Link}}

The link works once, for an hour. If you did not ask to register, you can ignore this email.
`,
	},
	MailboxVerification: EmailTemplate{
		Subject: "Confirm {{.Organisation}}'s group mailbox for {{.Programme}}",
		Body: `An administrator of {{.Organisation}} has set this address as its group mailbox for {{.Programme}}: it will receive notifications about candidates interested in the organisation.

If this mailbox is the organisation's, confirm it here:
{{.Link}}

The link works once, until {{.ExpiresOn}}. Nothing more is sent here until it is confirmed.
If you did not expect this email, you can ignore it.
`,
	},
	InterestNotification: EmailTemplate{
		Subject: "A candidate has chosen {{.Organisation}} on {{.Programme}}",
		Body: `A member of the Armed Forces community has chosen {{.Organisation}} on {{.Programme}} and would like to hear from you.

See their profile and get in touch here (you will be asked to sign in):
{{.Link}}

You are receiving this because you are a user of {{.Organisation}} on {{.Programme}}, or its group mailbox.
`,
	},
	MessageToOrganisation: EmailTemplate{
		Subject: "A candidate has written to {{.Organisation}} on {{.Programme}}",
		Body: `A candidate who chose {{.Organisation}} on {{.Programme}} has sent you a message.

Read it and reply here (you will be asked to sign in):
{{.Link}}

You are receiving this because you are a user of {{.Organisation}} on {{.Programme}}, or its group mailbox.
`,
	},
	MessageToCandidate: EmailTemplate{
		Subject: "{{.Organisation}} has sent you a message on {{.Programme}}",
		Body: `{{.Organisation}} has sent you a message on {{.Programme}}.

Read it and reply here (you will be asked to sign in):
{{.Link}}

You are receiving this because you chose {{.Organisation}} on {{.Programme}}. You can take that choice back at any time.
`,
	},
	FollowUpCheckIn: EmailTemplate{
		Subject: "Are you still with {{.Organisation}}?",
		Body: `It is {{.Months}} months since you started with {{.Organisation}} through {{.Programme}}. Are you still in post?

Please tell us here (you will be asked to sign in); it takes one click:
{{.Link}}

Your answer helps the programme show what works for the Armed Forces community. It is not shared with your employer.
`,
	},
	FollowUpReminder: EmailTemplate{
		Subject: "Reminder: are you still with {{.Organisation}}?",
		Body: `We asked recently whether you are still in post with {{.Organisation}}, {{.Months}} months after you started through {{.Programme}}.

If you have a moment, please tell us here (you will be asked to sign in):
{{.Link}}

This is the only reminder we will send about it.
`,
	},
	SpotCheckRejected: EmailTemplate{
		Subject: "We could not confirm your registration with {{.Programme}}",
		Body: `We check a share of registrations with {{.Programme}}, and we could not confirm yours. Until we can, organisations no longer see your record.

If you think this is a mistake, or you can tell us more, please reply to this email or contact the programme team. Your record is still yours to see, correct or delete when you sign in.
`,
	},
	ErasureReceipt: EmailTemplate{
		Subject: "Your {{.Programme}} record has been erased",
		Body: `As you asked, we have erased your record with {{.Programme}} on {{.Date}}: your profile, contact details, date of birth, messages, consents, sign-in records and account. You can no longer sign in, and no organisation sees you.

What we keep cannot identify you: for the programme's statistics, the month you registered, your age band then, your Armed Forces connection category, your broad region, how you heard of the programme and how far you got with each organisation, under a new number that is not linked to you.

Your receipt number is {{.Receipt}}. Quote it if you contact us about this erasure: we cannot look you up any other way, because we no longer know who you are.
This is the last email we will send to this address.
`,
	},
	CandidateLeft: EmailTemplate{
		Subject: "A candidate who chose {{.Organisation}} has left {{.Programme}}",
		Body: `A candidate who chose {{.Organisation}} on {{.Programme}} has left the programme and asked for their record to be erased. Their profile and your messages with them are no longer available.

If you have copies of their details outside {{.Programme}}, please handle them under your own data-protection policies.
You are receiving this because you are a user of {{.Organisation}} on {{.Programme}}, or its group mailbox.
`,
	},
	DataRequestReminder: EmailTemplate{
		Subject: "{{.Programme}}: a data request is due in {{.Days}} days",
		Body: `A data request logged with {{.Programme}} is due on {{.Date}}, in {{.Days}} days, and has not been answered.

See the register of data requests (you will be asked to sign in):
{{.Link}}
`,
	},
	DataRequestOverdue: EmailTemplate{
		Subject: "{{.Programme}}: a data request is overdue",
		Body: `A data request logged with {{.Programme}} was due on {{.Date}} and has not been answered. Answer it, or extend it with a reason, now.

See the register of data requests (you will be asked to sign in):
{{.Link}}
`,
	},
	InfoRequestReminder: EmailTemplate{
		Subject: "{{.Programme}}: a request for information is due to be {{.Step}} in {{.Days}} days",
		Body: `A request for information logged with {{.Programme}} is due to be {{.Step}} by {{.Date}}, in {{.Days}} days.

See the register of information requests (you will be asked to sign in):
{{.Link}}
`,
	},
	InfoRequestOverdue: EmailTemplate{
		Subject: "{{.Programme}}: a request for information is overdue",
		Body: `A request for information logged with {{.Programme}} was due to be {{.Step}} by {{.Date}} and has not been. Act on it, or deny it with a reason, now.

See the register of information requests (you will be asked to sign in):
{{.Link}}
`,
	},
}

// Email names, for render.
const (
	emailInvitation           = "invitation"
	emailSelfInvitation       = "self-invitation"
	emailOnboardingInvitation = "onboarding invitation"
	emailColleagueInvitation  = "colleague invitation"
	emailAccountReminder      = "account reminder"
	emailOnboardingEscalated  = "onboarding escalated"
	emailPasswordReset        = "password reset"
	emailAlreadyRegistered    = "already registered"
	emailMailboxVerification  = "mailbox verification"
	emailInterestNotification = "interest notification"
	emailMessageToOrg         = "message to organisation"
	emailMessageToCandidate   = "message to candidate"
	emailFollowUpCheckIn      = "follow-up check-in"
	emailFollowUpReminder     = "follow-up reminder"
	emailSpotCheckRejected    = "spot check rejected"
	emailErasureReceipt       = "erasure receipt"
	emailCandidateLeft        = "candidate left"
	emailDataRequestReminder  = "data request reminder"
	emailDataRequestOverdue   = "data request overdue"
	emailInfoRequestReminder  = "information request reminder"
	emailInfoRequestOverdue   = "information request overdue"
)

// compiled is Emails parsed, ready to render: subject and body by name.
type compiled map[string][2]*template.Template

// compile parses every template, filling zero fields from DefaultEmails.
func (e Emails) compile() (compiled, error) {
	c := compiled{}
	for _, p := range []struct {
		name      string
		t, orDflt EmailTemplate
	}{
		{emailInvitation, e.Invitation, DefaultEmails.Invitation},
		{emailSelfInvitation, e.SelfInvitation, DefaultEmails.SelfInvitation},
		{emailOnboardingInvitation, e.OnboardingInvitation, DefaultEmails.OnboardingInvitation},
		{emailColleagueInvitation, e.ColleagueInvitation, DefaultEmails.ColleagueInvitation},
		{emailAccountReminder, e.AccountReminder, DefaultEmails.AccountReminder},
		{emailOnboardingEscalated, e.OnboardingEscalated, DefaultEmails.OnboardingEscalated},
		{emailPasswordReset, e.PasswordReset, DefaultEmails.PasswordReset},
		{emailAlreadyRegistered, e.AlreadyRegistered, DefaultEmails.AlreadyRegistered},
		{emailMailboxVerification, e.MailboxVerification, DefaultEmails.MailboxVerification},
		{emailInterestNotification, e.InterestNotification, DefaultEmails.InterestNotification},
		{emailMessageToOrg, e.MessageToOrganisation, DefaultEmails.MessageToOrganisation},
		{emailMessageToCandidate, e.MessageToCandidate, DefaultEmails.MessageToCandidate},
		{emailFollowUpCheckIn, e.FollowUpCheckIn, DefaultEmails.FollowUpCheckIn},
		{emailFollowUpReminder, e.FollowUpReminder, DefaultEmails.FollowUpReminder},
		{emailSpotCheckRejected, e.SpotCheckRejected, DefaultEmails.SpotCheckRejected},
		{emailErasureReceipt, e.ErasureReceipt, DefaultEmails.ErasureReceipt},
		{emailCandidateLeft, e.CandidateLeft, DefaultEmails.CandidateLeft},
		{emailDataRequestReminder, e.DataRequestReminder, DefaultEmails.DataRequestReminder},
		{emailDataRequestOverdue, e.DataRequestOverdue, DefaultEmails.DataRequestOverdue},
		{emailInfoRequestReminder, e.InfoRequestReminder, DefaultEmails.InfoRequestReminder},
		{emailInfoRequestOverdue, e.InfoRequestOverdue, DefaultEmails.InfoRequestOverdue},
	} {
		if p.t.Subject == "" {
			p.t.Subject = p.orDflt.Subject
		}
		if p.t.Body == "" {
			p.t.Body = p.orDflt.Body
		}
		var pair [2]*template.Template
		for i, src := range []string{p.t.Subject, p.t.Body} {
			name := p.name + [2]string{" subject", " body"}[i]
			t, err := template.New(name).Option("missingkey=error").Parse(src)
			if err != nil {
				return nil, fmt.Errorf("email template %s: %w", name, err)
			}
			// Render once with sample data, so a template that fails on
			// real data fails here, at start-up, not at the first send.
			if _, err := execute(t, EmailData{Programme: "P", Link: "https://example.org/register?token=x", ExpiresOn: "1 January 2027", Organisation: "O",
				Receipt: "ER-0000-0000-0000", Date: "1 January 2027", Days: 7}); err != nil {
				return nil, fmt.Errorf("email template %s: %w", name, err)
			}
			pair[i] = t
		}
		c[p.name] = pair
	}
	return c, nil
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

// render returns the subject and body of the email called name.
func (c compiled) render(name string, d EmailData) (subject, body string, err error) {
	pair, ok := c[name]
	if !ok {
		return "", "", fmt.Errorf("no email template %q", name)
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
