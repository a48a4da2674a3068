package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

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

// maxUserAgent bounds what is kept of a User-Agent header.
const maxUserAgent = 512

// withClient records the caller's address, user agent (cleaned of bytes
// that could not be stored or would mislead a reader) and bearer token.
func withClient(trusted []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := caller{IP: clientIP(r, trusted), UserAgent: sim.CleanHeader(r.UserAgent(), maxUserAgent)}
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
	if err != nil {
		return sim.CleanHeader(peer, 64)
	}
	if !isTrusted(addr, trusted) {
		return addr.Unmap().String()
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
	return addr.Unmap().String()
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

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID gives every request an ID for logs and support, echoed in the
// X-Request-Id header. A caller's own ID is kept only when it is short and
// plain, so nothing a client sends reaches a log line unchecked.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(middleware.RequestIDHeader)
		if !requestIDRe.MatchString(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set(middleware.RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
	})
}

// logRequests logs one line per request: method, route, status, duration
// and request ID. Never a body, a query string or a header value.
func logRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			start := time.Now()
			next.ServeHTTP(ww, r)
			route := r.URL.Path
			if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePattern() != "" {
				route = rctx.RoutePattern()
			}
			logger.InfoContext(r.Context(), "request",
				"request_id", middleware.GetReqID(r.Context()),
				"method", r.Method, "route", sim.CleanHeader(route, 200), "status", ww.Status(),
				"duration_ms", time.Since(start).Milliseconds())
		})
	}
}

// recoverer turns a panic into a logged internal error and a 500 in the
// API's own error shape.
func recoverer(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if rec := recover(); rec != nil {
					if rec == http.ErrAbortHandler {
						panic(rec)
					}
					writeError(logger, w, r, fmt.Errorf("panic: %v\n%s", rec, debug.Stack()))
				}
			}()
			next.ServeHTTP(w, r)
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

// cleanURL refuses a path or query parameter that is not valid UTF-8 or
// holds control characters (NUL among them): such bytes must never reach
// Postgres or a log line.
func cleanURL(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !cleanText(r.URL.Path) {
				writeError(logger, w, r, malformed("the path must be valid UTF-8 without control characters", ""))
				return
			}
			if err := cleanQuery(r.URL.RawQuery); err != nil {
				writeError(logger, w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// cleanQuery refuses a query string that cannot be read, or a parameter
// whose name or value is not valid UTF-8 or holds control characters,
// naming the parameter.
func cleanQuery(raw string) error {
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil || !cleanText(key) {
			return malformed("a query parameter's name must be valid, percent-encoded UTF-8 without control characters", "")
		}
		if strings.Contains(rawKey, ";") || strings.Contains(rawValue, ";") {
			return malformed(key+" is not a valid query parameter: separate parameters with &, and write ; as %3B", key)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return malformed(key+" is not correctly percent-encoded: write % as %25", key)
		}
		if !cleanText(value) {
			return malformed(key+" must be valid UTF-8 without control characters", key)
		}
	}
	return nil
}

func cleanText(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// methodsToTry are the methods a 405's Allow header may list.
var methodsToTry = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// methodNotAllowed answers 405 with an Allow header listing the methods
// the path does take.
func methodNotAllowed(logger *slog.Logger, mux *chi.Mux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.RawPath
		if path == "" {
			path = r.URL.Path
		}
		if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
			path = rctx.RoutePath
		}
		var allow []string
		for _, m := range methodsToTry {
			if m != r.Method && mux.Match(chi.NewRouteContext(), m, path) {
				allow = append(allow, m)
			}
		}
		slices.Sort(allow)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(logger, w, r, &httpError{code: codeMethodNotAllowed,
			message: fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))})
	}
}

// errTooLarge is what readBody answers for a body over the limit.
func errTooLarge(max int64) error {
	return &httpError{code: codeTooLarge, message: fmt.Sprintf("request body must be at most %d bytes", max)}
}
