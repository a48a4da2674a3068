package sim_test

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/muster-cms/muster/sim"
)

func TestCleanHeader(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "Mozilla/5.0 (X11; Linux x86_64)", 512, "Mozilla/5.0 (X11; Linux x86_64)"},
		{"empty", "", 10, ""},
		{"max zero", "abc", 0, ""},
		{"exactly max", "abc", 3, "abc"},
		{"cut ascii", "abcdef", 4, "abcd"},
		{"one invalid byte", "a\xffb", 10, "a\uFFFDb"},
		{"run of invalid bytes is one replacement", "a\xff\xfe\xfdb", 10, "a\uFFFDb"},
		{"truncated multibyte sequence", "a\xe2\x82b", 10, "a\uFFFDb"},
		{"two separate invalid runs", "\xffa\xff", 10, "\uFFFDa\uFFFD"},
		{"replacement char kept", "a\uFFFDb", 10, "a\uFFFDb"},
		{"NUL dropped", "a\x00b", 10, "ab"},
		{"CR LF dropped", "a\r\nb", 10, "ab"},
		{"tab dropped", "a\tb", 10, "ab"},
		{"DEL dropped", "a\x7fb", 10, "ab"},
		{"C1 control dropped", "a\u0085b", 10, "ab"},
		{"right-to-left override dropped", "evil\u202Eexe.txt", 20, "evilexe.txt"},
		{"zero-width space dropped", "a\u200Bb", 10, "ab"},
		{"byte order mark dropped", "\uFEFFab", 10, "ab"},
		{"line separator dropped", "a\u2028b", 10, "ab"},
		{"paragraph separator dropped", "a\u2029b", 10, "ab"},
		{"noncharacter dropped", "a\uFFFEb", 10, "ab"},
		{"zero-width non-joiner kept", "a\u200Cb", 10, "a\u200Cb"},
		{"non-ASCII kept", "Łódź 東京", 20, "Łódź 東京"},
		{"cut before a 3-byte rune", "ab€", 4, "ab"},
		{"cut inside a 3-byte rune at its last byte", "ab€c", 4, "ab"},
		{"3-byte rune fits exactly", "ab€c", 5, "ab€"},
		{"cut before a 4-byte rune", "a😀", 4, "a"},
		{"4-byte rune fits exactly", "a😀", 5, "a😀"},
		{"replacement counts 3 bytes", "\xff\xff", 2, ""},
		{"dropped characters do not count", "\u202E\u202E\u202Eabc", 3, "abc"},
		{"invalid and control together", "\x00\xff\x01", 10, "\uFFFD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := sim.CleanHeader(tc.in, tc.max)
			require.Equal(t, tc.want, got)
			require.True(t, utf8.ValidString(got))
			require.LessOrEqual(t, len(got), tc.max)
		})
	}
}

// anyString draws a string that is sometimes valid UTF-8 full of awkward
// characters and sometimes arbitrary bytes.
func anyString() *rapid.Generator[string] {
	awkward := rapid.SampledFrom([]rune{
		0, '\t', '\n', '\r', 0x7f, 0x85, 0x200b, 0x200c, 0x200d, 0x202e, 0x2028, 0x2029,
		0xfeff, 0xfffd, 0xfffe, 0xffff, 0xfdd0, 0xad, 'a', 'é', '€', '東', 0x1f600,
	})
	return rapid.OneOf(
		rapid.String(),
		rapid.StringOf(rapid.OneOf(awkward, rapid.Rune())),
		rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
	)
}

func TestCleanHeaderProperties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := anyString().Draw(t, "s")
		max := rapid.IntRange(0, 600).Draw(t, "max")
		got := sim.CleanHeader(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("CleanHeader(%q, %d) = %q: not valid UTF-8", s, max, got)
		}
		if len(got) > max {
			t.Fatalf("CleanHeader(%q, %d) = %q: %d bytes", s, max, got, len(got))
		}
		for _, r := range got {
			if unicode.IsControl(r) {
				t.Fatalf("CleanHeader(%q, %d) = %q: contains control character %U", s, max, got, r)
			}
		}
		// The cut keeps as much as fits: got is a prefix of the uncut
		// result, and when something was cut the next rune would not fit.
		full := sim.CleanHeader(s, math.MaxInt)
		if !strings.HasPrefix(full, got) {
			t.Fatalf("CleanHeader(%q, %d) = %q is not a prefix of %q", s, max, got, full)
		}
		if len(got) < len(full) {
			_, size := utf8.DecodeRuneInString(full[len(got):])
			if len(got)+size <= max {
				t.Fatalf("CleanHeader(%q, %d) = %q cut too early: %q", s, max, got, full)
			}
		}
		// Cleaning is idempotent.
		if again := sim.CleanHeader(got, max); again != got {
			t.Fatalf("CleanHeader is not idempotent: %q then %q", got, again)
		}
	})
}

func TestNormalizeEmailRefusesHiddenCharacters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
	}{
		{"zero-width space", "alex\u200B@example.org"},
		{"zero-width space in domain", "alex@exam\u200Bple.org"},
		{"byte order mark", "\uFEFFalex@example.org"},
		{"right-to-left override", "alex\u202E@example.org"},
		{"newline", "alex\n@example.org"},
		{"carriage return", "alex\r@example.org"},
		{"NUL", "alex\x00@example.org"},
		{"invalid UTF-8", "alex\xff@example.org"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := sim.NormalizeEmail(tc.in)
			require.Empty(t, got)
			require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "%v", err)
			var e *sim.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, "email", e.Field)
		})
	}
}

func TestProfileValidateText(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	type edit = func(p *sim.Profile, s string)
	firstName := func(p *sim.Profile, s string) { p.FirstName = s }
	lastName := func(p *sim.Profile, s string) { p.LastName = s }
	jobPrefs := func(p *sim.Profile, s string) { p.JobPreferences = s }
	cases := []struct {
		name  string
		set   edit
		value string
		field string // "" when the profile is valid
	}{
		{"first name RLO", firstName, "Al\u202Eex", "first_name"},
		{"first name ZWSP", firstName, "Al\u200Bex", "first_name"},
		{"first name BOM", firstName, "\uFEFFAlex", "first_name"},
		{"first name newline", firstName, "Al\nex", "first_name"},
		{"first name replacement char", firstName, "Al\uFFFDex", "first_name"},
		{"first name invalid UTF-8", firstName, "Al\xffex", "first_name"},
		{"first name line separator", firstName, "Al\u2028ex", "first_name"},
		{"first name ZWNJ", firstName, "Mohammad\u200CReza", ""},
		{"first name ZWJ", firstName, "Al\u200Dex", ""},
		{"last name RLO", lastName, "Jo\u202Enes", "last_name"},
		{"last name ZWSP", lastName, "Jo\u200Bnes", "last_name"},
		{"last name BOM", lastName, "Jo\uFEFFnes", "last_name"},
		{"last name newline", lastName, "Jo\nnes", "last_name"},
		{"last name replacement char", lastName, "Jo\uFFFDnes", "last_name"},
		{"last name ZWNJ (Persian)", lastName, "\u0645\u06cc\u200C\u0631\u0648\u062f", ""},
		{"job preferences newline and tab", jobPrefs, "driving\n\tHGV class 1\nwarehouse", ""},
		{"job preferences RLO", jobPrefs, "driving\u202E", "job_preferences"},
		{"job preferences carriage return", jobPrefs, "driving\r\nwarehouse", "job_preferences"},
		{"job preferences NUL", jobPrefs, "driving\x00", "job_preferences"},
		{"job preferences replacement char", jobPrefs, "driving\uFFFD", "job_preferences"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := validProfile(now)
			tc.set(&p, tc.value)
			err := p.Validate(now)
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "%v", err)
			var e *sim.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.field, e.Field)
		})
	}
}

// A limit of zero or less gives nothing, never a panic.
func TestCleanHeaderNonPositiveLimit(t *testing.T) {
	t.Parallel()
	require.Equal(t, "", sim.CleanHeader("", -1))
	require.Equal(t, "", sim.CleanHeader("abc", -5))
	require.Equal(t, "", sim.CleanHeader("abc", 0))
}
