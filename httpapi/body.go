package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"
	nethttpmiddleware "github.com/oapi-codegen/nethttp-middleware"

	"github.com/muster-cms/muster/sim"
)

// Request bodies pass two gates before a handler sees them: readBody (size,
// then bytes and shape that no schema can express) and validateRequests
// (the OpenAPI document). Each answers naming the field at fault (413 for a
// body over the size limit), and nothing downstream ever sees the body
// otherwise.

// readBody reads the whole body once, refusing one larger than max with
// 413, so that nothing downstream reads an unbounded stream; then it
// refuses a body that is not exactly one JSON value of valid UTF-8 (Go's
// decoder would silently turn bad bytes into U+FFFD, so an email could go
// to an address nobody typed), that has a NUL character in any string
// (Postgres cannot store it), or that gives a key twice (which of the two
// would count is a matter of the reader).
func readBody(logger *slog.Logger, limit func(*http.Request) int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isUpload(r) {
				// A roster streams to its handler, bounded on the way.
				if r.ContentLength > MaxRosterBytes {
					writeError(logger, w, r, errTooLarge(MaxRosterBytes))
					return
				}
				r.Body = http.MaxBytesReader(w, r.Body, MaxRosterBytes)
				next.ServeHTTP(w, withUploadType(r))
				return
			}
			max := limit(r)
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			if r.ContentLength > max {
				writeError(logger, w, r, errTooLarge(max))
				return
			}
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					writeError(logger, w, r, errTooLarge(max))
					return
				}
				writeError(logger, w, r, malformed("could not read the request body", ""))
				return
			}
			if len(b) > 0 {
				if err := inspectJSON(b); err != nil {
					writeError(logger, w, r, err)
					return
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
			next.ServeHTTP(w, r)
		})
	}
}

// maxDepth bounds how deeply a body may nest: Muster's documents are
// three levels deep at most.
const maxDepth = 32

// frame is one open object or array while walking a JSON document.
type frame struct {
	object    bool
	keys      map[string]bool
	expectKey bool   // object: the next string is a key
	key       string // object: the key whose value comes next
	index     int    // array: the index of the next element
}

// inspectJSON walks b token by token, keeping the path of the value at
// hand, and returns a malformed error naming that path at the first
// problem.
func inspectJSON(b []byte) error {
	badAt := -1
	if !utf8.Valid(b) {
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				badAt = i
				break
			}
			i += n
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && !f.expectKey:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			case !f.object:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		return b.String()
	}
	named := func(msg, field string) error {
		if field == "" {
			return malformed("the request body "+msg, "")
		}
		return malformed(field+" "+msg, field)
	}
	// value is called once a value (scalar, or a container closing) has
	// been read: it advances the enclosing frame.
	value := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.expectKey = true
		} else {
			f.index++
		}
	}
	for done := false; !done; {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if badAt >= 0 && int(dec.InputOffset()) > badAt && int(before) <= badAt {
			return named("is not valid UTF-8", path())
		}
		if err != nil {
			if badAt >= 0 {
				return named("is not valid UTF-8", path())
			}
			return malformed("request body is not valid JSON: "+strings.TrimPrefix(err.Error(), "json: "), path())
		}
		top := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= maxDepth {
					return malformed(fmt.Sprintf("request body is nested more than %d levels deep", maxDepth), "")
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, expectKey: t == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				value()
			}
		case string:
			if top { // a key
				f := stack[len(stack)-1]
				if strings.IndexByte(t, 0) >= 0 {
					return named("has a key with a NUL character", path())
				}
				f.key, f.expectKey = t, false
				if f.keys[t] {
					return named("is given twice", path())
				}
				f.keys[t] = true
				continue
			}
			if strings.IndexByte(t, 0) >= 0 {
				return named("must not contain the NUL character", path())
			}
			value()
		default:
			value()
		}
		done = len(stack) == 0
	}
	if badAt >= 0 {
		return malformed("request body is not valid UTF-8", "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("request body has data after the JSON value: send exactly one JSON object", "")
	}
	return nil
}

func init() {
	// A date must be a real one: kin-openapi's own check is only a pattern,
	// which lets 2026-02-30 through to fail later without naming its field.
	openapi3.DefineStringFormatValidator("date", openapi3.NewCallbackValidator(func(s string) error {
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return errors.New("must be a date in the form YYYY-MM-DD")
		}
		return nil
	}))
	// An ID is checked by the document too (kin-openapi leaves the uuid
	// format unchecked by default), so that a bad one is refused naming
	// its field (org_ids[1], orgId) rather than failing to decode later.
	// Only the canonical form: the one every answer uses.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
		if _, err := uuid.Parse(s); err != nil || len(s) != 36 {
			return errors.New("must be an ID")
		}
		return nil
	}))
}

// validateRequests checks each request against the OpenAPI document:
// required and unknown fields, types, formats, enums and limits. Failures
// name the field at fault (see requestError); authentication is left to
// the handlers.
func validateRequests(logger *slog.Logger, spec *openapi3.T, prefix string) func(http.Handler) http.Handler {
	return nethttpmiddleware.OapiRequestValidatorWithOptions(spec, &nethttpmiddleware.Options{
		Prefix:                prefix,
		SilenceServersWarning: true,
		DoNotValidateServers:  true,
		// An upload is a file, not JSON: its handler reads and checks it as
		// it streams (and its path's IDs are parsed by the router).
		Skipper: isUpload,
		Options: openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
		ErrorHandlerWithOpts: func(_ context.Context, err error, w http.ResponseWriter, r *http.Request, opts nethttpmiddleware.ErrorHandlerOpts) {
			if opts.StatusCode == http.StatusNotFound {
				writeError(logger, w, r, sim.Errorf(sim.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
				return
			}
			writeError(logger, w, r, requestError(err))
		},
	})
}
