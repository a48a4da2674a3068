package sim

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text hygiene. Everything a person types passes one of these checks
// before it is stored: invalid UTF-8 and NUL can never be stored, and
// invisible or direction-changing characters make a name or an address
// read differently from what it is (U+202E turns "evil.exe" around,
// U+200B hides inside an address so an email goes somewhere nobody typed).

// invisible reports a character that changes how text reads without
// being seen: format characters (bidirectional overrides and isolates,
// zero-width space, byte order mark, soft hyphen...), except the two
// joiners that some scripts need inside words; line and paragraph
// separators; and noncharacters.
func invisible(r rune) bool {
	switch {
	case r == '\u200c' || r == '\u200d': // zero-width non-joiner and joiner: Persian, Indic scripts, emoji
		return false
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
		return true
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return true
	}
	return false
}

// problemInLine describes why s is not acceptable as one line of text (a
// name, an address, a phone number), or returns "".
func problemInLine(s string) string { return problemIn(s, false) }

// problemInText is problemInLine for free text, where line breaks (\n)
// and tabs are allowed.
func problemInText(s string) string { return problemIn(s, true) }

func problemIn(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\t'):
		case multiline && r == '\r':
			return "must use \\n for line breaks"
		case r == '\n' || r == '\r':
			return "must be one line"
		case unicode.IsControl(r):
			return "must not contain control characters"
		case invisible(r):
			return "must not contain invisible or direction-changing characters"
		case r == utf8.RuneError:
			return "contains U+FFFD, a sign that the text was garbled on its way here: type it again"
		}
	}
	return ""
}

// CleanHeader makes a value a client sent (a User-Agent, say) safe to
// record: invalid UTF-8 becomes U+FFFD, control and invisible characters
// are dropped, and it is cut to at most max bytes on a character boundary.
func CleanHeader(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || invisible(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
