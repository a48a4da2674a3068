package httpapi

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

func TestCursorReadsOnlyWhatItIssued(t *testing.T) {
	t.Parallel()
	c := cursors{key: defaultCursorKey[:]}
	a := scope("candidates", "org-a", "false", `["interested"]`)
	p := position{At: time.Date(2026, 11, 23, 10, 0, 0, 123, time.UTC), ID: "2d7b9e41-5d3b-4f8e-a1c6-9e0b2d7f4a13"}
	s := c.issue(a, p)

	got, err := c.read(a, s)
	require.NoError(t, err)
	require.Equal(t, p, *got)
	none, err := c.read(a, nil)
	require.NoError(t, err)
	require.Nil(t, none, "no cursor: the first page")

	refused := func(sc listScope, s string, why string) {
		t.Helper()
		_, err := c.read(sc, &s)
		require.Equal(t, sim.EINVALID, sim.ErrorCode(err), why)
		var e *sim.Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, "cursor", e.Field, why)
	}
	refused(scope("candidates", "org-b", "false", `["interested"]`), *s, "another organisation")
	refused(scope("candidates", "org-a", "true", `["interested"]`), *s, "the other order")
	refused(scope("candidates", "org-a", "false", `[]`), *s, "other filters")
	refused(scope("threads", "org-a", "false", `["interested"]`), *s, "another list")
	// Parts are length-prefixed: moving a boundary is another scope.
	refused(scope("candidates", "org-af", "alse", `["interested"]`), *s, "the same bytes split otherwise")
	other := cursors{key: []byte(strings.Repeat("k", 32))}
	_, err = other.read(a, s)
	require.Error(t, err, "another deployment's key")

	raw, err := base64.RawURLEncoding.DecodeString(*s)
	require.NoError(t, err)
	for i := range raw {
		for _, bit := range []byte{0x01, 0x80} {
			altered := append([]byte(nil), raw...)
			altered[i] ^= bit
			refused(a, base64.RawURLEncoding.EncodeToString(altered), "a byte changed")
		}
	}
	refused(a, *s+"A", "a character added")
	refused(a, (*s)[:len(*s)-1], "a character taken away")
	for _, junk := range []string{"", "!!", "eyJ0IjoiMjAyNi0xMS0yM1QxMDowMFoiLCJpIjoiIn0", strings.Repeat("A", 40)} {
		refused(a, junk, "not a cursor: "+junk)
	}
}

// The longest position there is (an organisation's name of the longest,
// in characters JSON writes six bytes for) fits the document's bound.
func TestLongestCursorFits(t *testing.T) {
	t.Parallel()
	c := cursors{key: defaultCursorKey[:]}
	name := strings.Repeat("\u2028", sim.MaxOrgNameLen)
	s := c.issue(scope("organisations", "escalated"), position{Name: name, ID: "2d7b9e41-5d3b-4f8e-a1c6-9e0b2d7f4a13"})
	require.LessOrEqual(t, len(*s), maxCursorLen)
	got, err := c.read(scope("organisations", "escalated"), s)
	require.NoError(t, err)
	require.Equal(t, name, got.Name)
}

func TestCursorKeyMustBeLongEnough(t *testing.T) {
	t.Parallel()
	require.Error(t, checkCursorKey([]byte("short")))
	require.NoError(t, checkCursorKey(nil))
	require.NoError(t, checkCursorKey(make([]byte, 32)))
}
