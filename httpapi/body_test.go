package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestInspectJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body, field, message string // message "" means accepted
	}{
		{`{"email":"a@example.org"}`, "", ""},
		{`{"a":[1,{"b":[true,null,"x"]}]}`, "", ""},
		{`{"":"a","email":"x"}`, "", ""},
		{`{"":"a","email":"x","email":"y"}`, "email", "given twice"},
		{`{"":"a","first_name":"x\u0000"}`, "first_name", "NUL"},
		{`{"profile":{"":"a","skills":["ok","b\u0000"]}}`, "profile.skills[1]", "NUL"},
		{`{"a":{"b":1},"a":2}`, "a", "given twice"},
		{`{"a":{"b":1,"b":2}}`, "a.b", "given twice"},
		{`{"k\u0000":1}`, "", "key with a NUL"},
		{"{\"email\":\"\xff\"}", "email", "not valid UTF-8"},
		{"{\"list\":[\"ok\",\"b\xc3\"]}", "list[1]", "not valid UTF-8"},
		{`{"a":1} {"b":2}`, "", "after the JSON value"},
		{`{"a":1}x`, "", "after the JSON value"},
		{`{"a":`, "a", "not valid JSON"},
	}
	for _, c := range cases {
		err := inspectJSON([]byte(c.body))
		if c.message == "" {
			require.NoError(t, err, c.body)
			continue
		}
		require.Error(t, err, c.body)
		var he *httpError
		require.True(t, errors.As(err, &he), c.body)
		require.Equal(t, codeMalformed, he.code, c.body)
		require.Equal(t, c.field, he.field, "%s: %s", c.body, he.message)
		require.Contains(t, he.message, c.message, c.body)
	}
}

// Whatever inspectJSON lets through is one JSON value of valid UTF-8 with
// no NUL in any string and no key given twice.
func FuzzInspectJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"":1,"a":[1,2]}`, `[{"a":1},{"a":1}]`, `"x"`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `{} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if inspectJSON(b) != nil {
			return
		}
		if !utf8.Valid(b) {
			t.Fatalf("accepted invalid UTF-8: %q", b)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("accepted invalid JSON %q: %v", b, err)
		}
		if dec.More() {
			t.Fatalf("accepted more than one value: %q", b)
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if strings.ContainsRune(x, 0) {
					t.Fatalf("accepted a NUL: %q", b)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					if strings.ContainsRune(k, 0) {
						t.Fatalf("accepted a NUL key: %q", b)
					}
					walk(e)
				}
			}
		}
		walk(v)
	})
}
