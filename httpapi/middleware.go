package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/go-chi/chi/v5/middleware"
	nethttpmiddleware "github.com/oapi-codegen/nethttp-middleware"

	"github.com/muster-cms/muster/sim"
)

type ctxKey int

const (
	clientKey ctxKey = iota
	sessionKey
)

// caller is where a request came from, for the login audit trail.
type caller struct {
	IP        string
	UserAgent string
	Token     string // bearer token, if any
}

func clientFrom(ctx context.Context) caller {
	c, _ := ctx.Value(clientKey).(caller)
	return c
}

// withClient records the caller's address, user agent and bearer token.
func withClient(trusted []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := caller{IP: clientIP(r, trusted), UserAgent: r.UserAgent()}
			if h := r.Header.Get("Authorization"); h != "" {
				if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
					c.Token = strings.TrimSpace(tok)
				}
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey, c)))
		})
	}
}

// clientIP is the address a request came from. When the connection comes
// from a trusted proxy, it is the right-most address in X-Forwarded-For
// that is not itself a trusted proxy: entries to its left were written by
// the client and could be anything. Without trusted proxies the header is
// ignored.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry: trust nothing further left
		}
		hop = hop.Unmap()
		if !isTrusted(hop, trusted) {
			return hop.String()
		}
		addr = hop
	}
	return addr.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// limitBody reads the whole body, refusing one larger than max with 413,
// so that nothing downstream reads an unbounded stream.
func limitBody(logger *slog.Logger, max int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			tooLarge := &httpError{code: codeTooLarge, message: fmt.Sprintf("request body must be at most %d bytes", max)}
			if r.ContentLength > max {
				writeError(logger, w, r, tooLarge)
				return
			}
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					writeError(logger, w, r, tooLarge)
					return
				}
				writeError(logger, w, r, malformed("could not read the request body", ""))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			next.ServeHTTP(w, r)
		})
	}
}

// validateRequests checks each request against the OpenAPI document:
// JSON syntax, required and unknown fields, types, formats and enums.
// Failures are 400 with the field at fault; authentication is left to the
// handlers.
func validateRequests(logger *slog.Logger, spec *openapi3.T, prefix string) func(http.Handler) http.Handler {
	return nethttpmiddleware.OapiRequestValidatorWithOptions(spec, &nethttpmiddleware.Options{
		Prefix:                prefix,
		SilenceServersWarning: true,
		DoNotValidateServers:  true,
		Options: openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
		ErrorHandlerWithOpts: func(_ context.Context, err error, w http.ResponseWriter, r *http.Request, opts nethttpmiddleware.ErrorHandlerOpts) {
			switch opts.StatusCode {
			case http.StatusNotFound:
				writeError(logger, w, r, sim.Errorf(sim.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
				return
			case http.StatusMethodNotAllowed:
				writeError(logger, w, r, &httpError{code: codeMethodNotAllowed, message: fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)})
				return
			}
			msg, field := describeValidationError(err)
			writeError(logger, w, r, malformed(msg, field))
		},
	})
}

// describeValidationError turns kin-openapi's verbose errors into one
// sentence and the JSON path of the field at fault.
func describeValidationError(err error) (msg, field string) {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		field = strings.Join(se.JSONPointer(), ".")
		reason := se.Reason
		if strings.HasPrefix(reason, "property ") && strings.HasSuffix(reason, " is unsupported") {
			name := strings.TrimSuffix(strings.TrimPrefix(reason, "property "), " is unsupported")
			name = strings.Trim(name, `"`)
			if field != "" {
				name = field + "." + name
			}
			return fmt.Sprintf("unknown field %q", name), name
		}
		if strings.Contains(reason, `doesn't match the format "date"`) {
			reason = "must be a date in the form YYYY-MM-DD"
		}
		if field == "" {
			return "request body: " + reason, ""
		}
		return fmt.Sprintf("field %q: %s", field, reason), field
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		var pe *openapi3filter.ParseError
		if errors.As(err, &pe) {
			return "request body is not valid JSON: " + firstLine(pe.Error()), ""
		}
		if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) || strings.Contains(re.Error(), "value is required but missing") {
			return "a JSON request body is required", ""
		}
		if re.Err != nil && re.Reason != "" {
			return re.Reason + ": " + firstLine(re.Err.Error()), ""
		}
		if re.Reason != "" {
			return re.Reason, ""
		}
	}
	return firstLine(err.Error()), ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// logRequests logs one line per request: method, route, status, duration
// and request ID. Never a body, a query string or a header value.
func logRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			start := time.Now()
			next.ServeHTTP(ww, r)
			logger.InfoContext(r.Context(), "request",
				"request_id", middleware.GetReqID(r.Context()),
				"method", r.Method, "path", r.URL.Path, "status", ww.Status(),
				"duration_ms", time.Since(start).Milliseconds())
		})
	}
}

// secureHeaders marks every answer as not to be cached or sniffed: they
// carry personal data and session tokens.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
