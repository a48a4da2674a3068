package sim

import "strings"

// CodeOfConduct is the versioned text every organisation user accepts
// before first use. A deployment sets its own; changing the text needs a
// new version, and everyone accepts the new version again.
type CodeOfConduct struct {
	Version string
	Body    string
}

// DefaultCodeOfConduct is the code of conduct a deployment starts with,
// drawn from the programme's own words: the NHS works in a culture of
// respect, comments should be constructive, and inappropriate ones can be
// reported to the programme team.
var DefaultCodeOfConduct = CodeOfConduct{
	Version: "2026-11-v1",
	Body: strings.TrimSpace(`
Code of conduct for organisations using Muster

The candidates you see here are members of the Armed Forces community who
have chosen your organisation. The NHS works in a culture of respect, and so
does this system.

1. Keep every message and comment constructive and respectful. Write nothing
   about a candidate that you would not be content for them to read.
2. Use a candidate's details only to support them into employment with your
   organisation, and only while they are visible to you. Do not copy them
   into other systems except as your data-sharing agreement allows.
3. Record the support you give (information days, work placements,
   interviews, offers, placements) accurately and promptly.
4. Keep your account to yourself: do not share your password or sign in for
   someone else. Tell your organisation's administrator when a colleague
   leaves so that their account can be disabled.
5. Inappropriate comments can be reported to the programme team, who may
   hide them and withdraw access.
`),
}

// Validate checks a code of conduct.
func (c CodeOfConduct) Validate() error {
	if err := CheckVersion("version", c.Version); err != nil {
		return err
	}
	return checkFreeText("body", c.Body, true, MaxConductLen)
}
