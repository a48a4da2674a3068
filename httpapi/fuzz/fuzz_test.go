// Package fuzz_test fuzzes Muster's HTTP API on the real Postgres.
//
// FuzzAPI covers every route the handler serves (with its development
// pages on): each operation of the OpenAPI document, which it reads at
// test time, plus /openapi.yaml, /register and /register.js. A route
// without a valid request in seeds fails the test, and so does a
// documented operation the handler does not serve. Each request is made
// as one of six kinds of caller: anonymous, a candidate, the operator, an
// administrator and a user of an organisation, each with a session valid
// at the time the handler sees (the real clock), or a bearer token that is
// no session's. The fuzz input chooses the route, the caller, each path
// parameter (the fixture object the route acts on, another fixture's ID,
// a UUID nothing has, hostile bytes escaped or raw, nothing, the ID in
// capitals, the ID with bytes appended), the method (the route's, or one
// it does not take), the query string, the body and its content type, the
// user agent and whether the client address is one that throttles.
//
// The objects the routes name (organisations and their users, a candidate
// who chose one, messages both ways, a message report, a placed
// candidate's check-in, a spot check, and registration, account, password
// reset and mailbox links) are made with the Store, as the real actors
// and the engine's activities make them, or with SQL as the test factory
// makes rows. A success that may change what other requests rely on makes
// the next request meet newly made ones (as does every 500th request); a
// request that changes its caller's own standing (signing out, a new
// password or second factor, accepting the code of conduct, consent,
// withdrawal) is made by a new caller.
//
// Before any fuzzing, every route's seed request is made as every kind of
// caller: each kind the seed names must succeed (2xx) and each other kind
// must be refused (4xx), so the fuzzer is known to reach past
// authentication on every route. Plain `go test` does this and then runs
// the corpus; under -fuzz the coordinating process does it and its
// workers, each with a database and objects of its own, skip it.
//
// Throughout, no answer may be a 5xx; a 204 has no body; every other
// answer is a JSON document served as application/json, except a success
// of /openapi.yaml or a development page, which is served as its own
// type, and a success the document serves as something else (a
// subject-access export as a zip or a workbook), which is served as one of
// the types the document lists for it. It lives apart from httpapi's other
// tests so that fuzzing workers (each runs FuzzAPI's setup) do not each
// start a Temporal dev server: no handler calls Temporal.
package fuzz_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/sim"
)

// env is one process's API under test: its database, its handler, the
// routes and the current world.
type env struct {
	d      *testdb.DB
	store  *db.Store
	h      http.Handler
	logs   *logBuffer
	routes []route
	seq    atomic.Int64
	// The world requests act on, and whether a request may have changed
	// it. Fuzz inputs run one at a time in a process.
	w      *world
	dirty  bool
	calls  int
	shared string // the client address that throttles
	tag    string // in every name the worlds make: see unique
}

// rebuildEvery bounds how long a world lasts whatever its requests did
// (failed sign-ins pile up on its accounts).
const rebuildEvery = 500

// route is a route the handler serves, with its seed.
type route struct {
	method, pattern string
	params          []string // its path parameters, in order
	documented      bool     // in the OpenAPI document
	// types are the media types the document lists for its successes.
	types []string
	seed  seed
}

func (r route) String() string { return r.method + " " + r.pattern }

func FuzzAPI(f *testing.F) {
	start := time.Now()
	d := testdb.New(f)
	// Every request commits, and a commit waits for the disk: the
	// database is this process's alone and dropped at the end, so waiting
	// proves nothing and only slows fuzzing. What the handler does is the
	// same either way.
	_, err := d.Admin.Exec(context.Background(), "ALTER DATABASE "+pgx.Identifier{d.Name}.Sanitize()+" SET synchronous_commit = off")
	require.NoError(f, err)
	d.App.Reset()
	d.Admin.Reset()
	logs := &logBuffer{}
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	// The real clock: the handler's default, which the world's sessions
	// and links are made for.
	h, err := httpapi.NewHandler(httpapi.Config{
		Store: store, DevPages: true,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	require.NoError(f, err)
	e := &env{d: d, store: store, h: h, logs: logs, shared: "192.0.2.1:4000", tag: uuid.NewString()[:6]}
	e.routes = servedRoutes(f, h)
	require.LessOrEqual(f, len(e.routes), 256, "the fuzz input names a route in a byte")

	e.w = e.build(f)
	setUp, checked := time.Since(start), time.Now()
	if !fuzzWorker() {
		reached, made := e.checkSeeds(f)
		documented := 0
		for _, r := range e.routes {
			if r.documented {
				documented++
			}
		}
		f.Logf("%d routes (%d documented operations), %d kinds of caller: %d seed requests, %d of them answered 2xx as the seeds say (set up in %s, seeds checked in %s)",
			len(e.routes), documented, kinds, made, reached, setUp.Round(time.Millisecond), time.Since(checked).Round(time.Millisecond))
	}

	// The corpus: each route as each kind of caller its seed succeeds for
	// (a public route, which ignores the token, as anonymous and one
	// other) and one hostile variation of it, the hostile inputs spread
	// over the routes. The fuzzer mutates every part of the input from
	// there; a small corpus keeps its baseline run short.
	add := func(r int, k kind, pick uint16, hostile, query, body, userAgent string) {
		f.Add(uint8(r), uint8(k), pick, hostile, query, []byte(body), userAgent)
	}
	for i, r := range e.routes {
		other := kind(1 + i%int(kinds-1))
		for k := range kinds {
			if slices.Contains(r.seed.ok, k) && (len(r.seed.ok) < int(kinds) || k == anonymous || k == other) {
				add(i, k, 0, "", r.seed.query, r.seed.body, "fuzz/1.0")
			}
		}
		who, hostile := r.seed.ok[i%len(r.seed.ok)], hostileStrings[i%len(hostileStrings)]
		variations := []func(){func() {
			add(i, other, 7<<pickMethodShift|uint16(i%3)<<pickOtherShift|uint16(1+i%3)<<pickTypeShift, hostile, r.seed.query, r.seed.body, hostile)
		}}
		if len(r.params) > 0 {
			v := uint16(1 + i%(paramVariants-1))
			variations = append(variations, func() { add(i, who, v|v<<pickParamBits, hostile, r.seed.query, r.seed.body, "fuzz/1.0") })
		}
		if r.seed.query != "" {
			variations = append(variations, func() {
				add(i, who, uint16(i%2)*pickShared, "", hostileQueries[i%len(hostileQueries)], r.seed.body, "fuzz/1.0")
			})
		}
		if r.seed.body != "" {
			variations = append(variations, func() { add(i, who, 0, "", r.seed.query, hostileBodies[i%len(hostileBodies)], "fuzz/1.0") })
		}
		variations[i%len(variations)]()
	}

	f.Fuzz(func(t *testing.T, which, who uint8, pick uint16, hostile, query string, body []byte, userAgent string) {
		r := e.routes[int(which)%len(e.routes)]
		res := e.do(t, call{route: r, kind: kind(int(who) % int(kinds)), pick: pick, hostile: hostile, query: query, body: body, userAgent: userAgent})
		if v := res.violation(); v != "" {
			t.Fatal(v)
		}
	})
}

// fuzzWorker reports whether this process is a fuzzing worker: the
// coordinator has checked the seeds before starting it, and each worker
// need not again. (Where the flag is not found, workers check too.)
func fuzzWorker() bool {
	fl := flag.Lookup("test.fuzzworker")
	return fl != nil && fl.Value.String() == "true"
}

// servedRoutes lists the routes h serves, each with its seed, and fails
// when a documented operation is not served, a route has no seed or a
// seed no route, or a path parameter has nothing to name.
func servedRoutes(t testing.TB, h http.Handler) []route {
	t.Helper()
	mux, ok := h.(chi.Routes)
	require.True(t, ok, "the API handler is a %T, not a chi router: its routes cannot be listed", h)
	served := map[string]bool{}
	require.NoError(t, chi.Walk(mux, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[method+" "+pattern] = true
		return nil
	}))
	spec, err := api.GetSwagger()
	require.NoError(t, err)
	documented := map[string]*openapi3.Operation{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = op
		}
	}
	var problems []string
	for op := range documented {
		if !served[op] {
			problems = append(problems, fmt.Sprintf("%s is in the OpenAPI document but the handler does not serve it", op))
		}
	}
	for r := range seeds {
		if !served[r] {
			problems = append(problems, fmt.Sprintf("seeds has %s, which the handler does not serve", r))
		}
	}
	var out []route
	for r := range served {
		s, ok := seeds[r]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has no seed: add a valid request for it to seeds", r))
			continue
		}
		method, pattern, _ := strings.Cut(r, " ")
		rt := route{method: method, pattern: pattern, documented: documented[r] != nil, seed: s}
		if op := documented[r]; op != nil {
			for code, resp := range op.Responses.Map() {
				if strings.HasPrefix(code, "2") && resp.Value != nil {
					for mt := range resp.Value.Content {
						rt.types = append(rt.types, mt)
					}
				}
			}
		}
		for _, m := range paramRe.FindAllStringSubmatch(pattern, -1) {
			rt.params = append(rt.params, m[1])
			if paramDefaults[m[1]] == nil && s.params[m[1]] == nil {
				problems = append(problems, fmt.Sprintf("%s: nothing in the world for its path parameter %s: add it to paramDefaults", r, m[1]))
			}
		}
		switch {
		case len(s.ok) == 0:
			problems = append(problems, fmt.Sprintf("%s: its seed succeeds for nobody", r))
		case len(rt.params) > 2:
			problems = append(problems, fmt.Sprintf("%s: the fuzz input chooses at most two path parameters", r))
		case rt.documented && s.contentType != "":
			problems = append(problems, fmt.Sprintf("%s is documented: it answers JSON, not %s", r, s.contentType))
		case !rt.documented && s.contentType == "":
			problems = append(problems, fmt.Sprintf("%s is not documented: say what type it serves", r))
		}
		out = append(out, rt)
	}
	sort.Strings(problems)
	require.Empty(t, problems)
	slices.SortFunc(out, func(a, b route) int { return strings.Compare(a.String(), b.String()) })
	return out
}

var paramRe = regexp.MustCompile(`\{(\w+)\}`)

// checkSeeds makes every route's seed request as every kind of caller:
// the kinds the seed names must succeed and the others must be refused.
// It returns how many succeeded of how many were made.
func (e *env) checkSeeds(t testing.TB) (reached, made int) {
	t.Helper()
	var failures []string
	for _, r := range e.routes {
		for k := range kinds {
			res := e.do(t, call{route: r, kind: k, query: r.seed.query, body: []byte(r.seed.body), userAgent: "seed/1.0"})
			made++
			if v := res.violation(); v != "" {
				failures = append(failures, v)
				continue
			}
			want := slices.Contains(r.seed.ok, k)
			switch {
			case want && res.code/100 != 2:
				failures = append(failures, fmt.Sprintf("%s: got %d, want 2xx: %s", res.desc, res.code, bytes.TrimSpace(res.body)))
			case !want && (res.code < 400 || res.code >= 500):
				failures = append(failures, fmt.Sprintf("%s: got %d, want a refusal (4xx): %s", res.desc, res.code, bytes.TrimSpace(res.body)))
			case want:
				reached++
			}
		}
	}
	require.Zero(t, len(failures), "%d of %d seed requests did not answer as seeds says:\n%s", len(failures), made, strings.Join(failures, "\n"))
	return reached, made
}

// call is one request as a fuzz input describes it.
type call struct {
	route     route
	kind      kind
	pick      uint16 // see the pick* constants
	hostile   string // bytes for path parameters and the invalid token
	query     string
	body      []byte
	userAgent string
}

// What the bits of call.pick choose.
const (
	pickParamBits   = 4  // per path parameter, from bit 0: a param* variant
	pickMethodShift = 8  // 3 bits: 7 chooses one of otherMethods; the rest, the route's
	pickTypeShift   = 11 // 2 bits: the body's content type, from contentTypes
	pickShared      = 1 << 13
	pickOtherShift  = 14 // 2 bits: which of otherMethods
)

// The values a path parameter takes.
const (
	paramReal     = iota // what the route's seed names
	paramOther           // another fixture object's ID, of any kind
	paramMissing         // a well-formed UUID nothing has
	paramEscaped         // the hostile bytes, percent-encoded
	paramRaw             // the hostile bytes as they are, where a request line can carry them
	paramEmpty           // nothing
	paramUpper           // the real ID in capitals
	paramAppended        // the real ID with the hostile bytes after it
	paramVariants
)

var (
	otherMethods = []string{http.MethodPatch, http.MethodHead, http.MethodOptions}
	contentTypes = []string{"application/json", "", "text/plain", "application/json; charset=utf-16"}
)

// result is an answer and what asked for it.
type result struct {
	desc        string
	code        int
	contentType string
	body        []byte
	logs        string
	pageType    string   // the type a success of a non-JSON route is served as
	types       []string // the types the document lists for a success of the operation
}

// do makes c's request in the current world (a new one when the last
// request may have changed it) and returns the answer.
func (e *env) do(t testing.TB, c call) result {
	t.Helper()
	if e.dirty || e.calls%rebuildEvery == rebuildEvery-1 {
		e.w, e.dirty = e.build(t), false
	}
	e.calls++
	w, s := e.w, c.route.seed
	a := w.actors[c.kind]
	switch {
	case s.fresh:
		a = e.fresh(t, w, c.kind, s)
	case s.placed && c.kind == candidate:
		a = w.placed
	}

	method := c.route.method
	if int(c.pick>>pickMethodShift)&7 == 7 {
		method = otherMethods[int(c.pick>>pickOtherShift)%len(otherMethods)]
	}
	links := 0
	query := e.fill(t, w, a, c.query, &links)
	body := []byte(e.fill(t, w, a, string(c.body), &links))
	path, rawPath := e.path(w, c)
	target := pickTarget(method, []string{
		join(rawPath, query), join(rawPath, looseEscape(query)), join(path, looseEscape(query)), join(path, url.QueryEscape(query)),
	})
	require.NotEmpty(t, target, "no request line can carry %q ? %q", path, query)

	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.RemoteAddr = e.shared
	if c.pick&pickShared == 0 {
		n := e.seq.Add(1)
		req.RemoteAddr = fmt.Sprintf("[2001:db8:%x:%x::1]:4000", n>>16&0xffff, n&0xffff)
	}
	req.Header["User-Agent"] = []string{c.userAgent}
	types := contentTypes
	if s.requestType != "" { // a file: its own type first, then others it is not
		types = []string{s.requestType, "", "application/json", s.requestType + "; charset=ebcdic"}
	}
	if ct := types[int(c.pick>>pickTypeShift)&3]; ct != "" && len(body) > 0 {
		req.Header.Set("Content-Type", ct)
	}
	switch {
	case c.kind == badToken:
		tok := "not-a-token"
		if c.hostile != "" && validHeaderValue(c.hostile) {
			tok = c.hostile
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	case a.token != "":
		req.Header.Set("Authorization", "Bearer "+a.token)
	}

	e.logs.reset()
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code/100 == 2 && method != http.MethodGet && !(method == c.route.method && (s.keeps || s.fresh)) {
		e.dirty = true
	}
	res := result{
		desc: fmt.Sprintf("%s %s as %s (route %s, body %q, user agent %q)", method, target, c.kind, c.route, body, c.userAgent),
		code: rec.Code, contentType: rec.Header().Get("Content-Type"), body: rec.Body.Bytes(), logs: e.logs.String(),
	}
	if method == http.MethodGet && !c.route.documented && req.URL.Path == c.route.pattern {
		res.pageType = s.contentType
	}
	if method == c.route.method {
		res.types = c.route.types
	}
	return res
}

// violation says what is wrong with the answer, or returns "".
func (r result) violation() string {
	switch {
	case r.code >= 500:
		return fmt.Sprintf("%s: %d %s\nserver log:\n%s", r.desc, r.code, bytes.TrimSpace(r.body), r.logs)
	case r.code == http.StatusNoContent:
		if len(r.body) > 0 {
			return fmt.Sprintf("%s: 204 with a body: %q", r.desc, r.body)
		}
	case r.pageType != "" && r.code/100 == 2:
		if !strings.HasPrefix(r.contentType, r.pageType) {
			return fmt.Sprintf("%s: served as %q, want %s", r.desc, r.contentType, r.pageType)
		}
	case r.code/100 == 2 && !strings.HasPrefix(r.contentType, "application/json") && len(r.types) > 0:
		if !slices.ContainsFunc(r.types, func(t string) bool { return strings.HasPrefix(r.contentType, t) }) {
			return fmt.Sprintf("%s: %d answer is served as %q, which the document does not list (%v)", r.desc, r.code, r.contentType, r.types)
		}
	case !strings.HasPrefix(r.contentType, "application/json"):
		return fmt.Sprintf("%s: %d answer is not JSON: %q", r.desc, r.code, r.contentType)
	case !json.Valid(r.body):
		return fmt.Sprintf("%s: %d answer is not a JSON document: %q", r.desc, r.code, r.body)
	}
	return ""
}

// path fills the route's path parameters as c.pick chooses. It returns
// the path with every parameter escaped, and with a raw one raw.
func (e *env) path(w *world, c call) (escaped, raw string) {
	escaped, raw = c.route.pattern, c.route.pattern
	for i, name := range c.route.params {
		resolve := c.route.seed.params[name]
		if resolve == nil {
			resolve = paramDefaults[name]
		}
		real := resolve(w, c.kind)
		var v string
		isRaw := false
		switch (int(c.pick>>(pickParamBits*i)) & (1<<pickParamBits - 1)) % paramVariants {
		case paramReal:
			v = real
		case paramOther:
			h := fnv.New32a()
			h.Write([]byte(c.hostile))
			v = w.ids[(int(h.Sum32())+i)%len(w.ids)]
		case paramMissing:
			v = uuid.NewSHA1(uuid.NameSpaceOID, []byte(c.hostile+name)).String()
		case paramEscaped:
			v = c.hostile
		case paramRaw:
			v, isRaw = c.hostile, true
		case paramEmpty:
			v = ""
		case paramUpper:
			v = strings.ToUpper(real)
		case paramAppended:
			v, isRaw = real+c.hostile, true
		}
		escaped = strings.Replace(escaped, "{"+name+"}", url.PathEscape(v), 1)
		if isRaw {
			raw = strings.Replace(raw, "{"+name+"}", v, 1)
		} else {
			raw = strings.Replace(raw, "{"+name+"}", url.PathEscape(v), 1)
		}
	}
	return escaped, raw
}

var placeholderRe = regexp.MustCompile(`\{\{(\w+)\}\}`)

// maxLinks bounds the one-time links one request's placeholders make.
const maxLinks = 2

// fill replaces each {{placeholder}} in s with what it names in w for
// caller a. One-time links are made afresh for each use.
func (e *env) fill(t testing.TB, w *world, a *actor, s string, links *int) string {
	t.Helper()
	signIn := a
	if signIn.email == "" {
		signIn = w.signIn
	}
	link := func(issue func() string) string {
		if *links >= maxLinks {
			return "no-more-links-for-this-request"
		}
		*links++
		return issue()
	}
	return placeholderRe.ReplaceAllStringFunc(s, func(m string) string {
		switch m[2 : len(m)-2] {
		case "email":
			return signIn.email
		case "password":
			return signIn.password
		case "unique":
			return e.unique("fuzz", "example.org")
		case "uniqueName":
			return e.unique("Fuzz Trust", "")
		case "uniqueVersion":
			return fmt.Sprintf("fuzz-v%s%d", e.tag, e.seq.Add(1))
		case "org":
			return w.orgA.ID
		case "orgName":
			return w.orgA.Name
		case "orgB":
			return w.orgB.ID
		case "erasable":
			return w.erasable
		case "version":
			return w.version
		case "conduct":
			return w.conduct
		case "consent":
			return w.consent
		case "today":
			return time.Now().UTC().Format(time.DateOnly)
		case "totp":
			if a.mfaSecret == "" {
				return "000000"
			}
			code, err := db.TOTPCode(a.mfaSecret, time.Now())
			require.NoError(t, err)
			return code
		case "recovery":
			if len(a.recovery) == 0 {
				return "000000"
			}
			return a.recovery[0]
		case "registrationLink":
			return link(func() string { return e.registrationLink(t) })
		case "accountLink":
			return link(func() string { return e.accountLink(t, w) })
		case "resetLink":
			return link(func() string { return e.resetLink(t) })
		case "mailboxLink":
			return link(func() string { return e.mailboxLink(t, w) })
		}
		return m
	})
}

func join(path, query string) string {
	if query == "" {
		return path
	}
	return path + "?" + query
}

// pickTarget returns the first target a request line can carry, as the
// server reads one, or "".
func pickTarget(method string, targets []string) string {
	for _, target := range targets {
		_, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.0\r\n\r\n")))
		if err == nil {
			return target
		}
	}
	return ""
}

// looseEscape percent-encodes only what a request line cannot carry:
// spaces, control bytes and a % that starts no escape. Bytes above ASCII,
// escapes and the rest reach the handler as they are.
func looseEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7f || (c == '%' && !(i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]))) {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// validHeaderValue reports whether a client could send v in a header.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// logBuffer holds what the handler logged during the current request.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Hostile inputs for the seed corpus; the fuzzer takes it from there.
var (
	hostileStrings = []string{
		"../../../etc/passwd", "%00", "\x00", "\xff\xfe", "' OR 1=1 --", "\u202e\ufeff", "a/b", "..",
		strings.Repeat("9", 300), "00000000-0000-0000-0000-000000000000", "{orgId}", "%2e%2e%2f", "a b\r\nX-Injected: 1",
	}
	hostileQueries = []string{
		"limit=0", "limit=99999999999999999999", "limit=-1&limit=2", "cursor=%ff%fe", "cursor=eyJ0IjoiMjAyNi0xMS0yM1QxMDowMFoiLCJpIjoiIn0",
		"cursor=" + strings.Repeat("A", 700), "since=not-a-time&until=2026-13-45T99:99:99Z", "state=bogus&state=", "after=-1&org_id=../..",
		"a=%00", "sort=newest;drop", "onboarding=\u202e", "user_id=" + strings.Repeat("f", 36), "%zz=1",
	}
	hostileBodies = []string{
		`{"email":"a\u0000@example.org"}`,
		"{\"email\":\"\xff\"}",
		`{"email":"a@example.org"}{}`,
		`{"a":1,"a":2}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`{"profile":{"skills":[1,2,{"x":null}]}}`,
		`{"first_name":"\u202e","last_name":"\ufeff","date_of_birth":"0000-00-00"}`,
		`{"org_ids":["{{org}}","{{org}}","not-a-uuid"],"kind":"placed","on":"9999-12-31","still_in_post":null}`,
		`{"version":"{{version}}","signed_name":"{{orgName}} ","signatory_name":"","signatory_role":"x","signed_on":"{{today}}","document":"%%%"}`,
		`{"token":"{{registrationLink}}","password":"short","profile":{},"consent":{"text_version":"old","given":false}}`,
		`{"body":"` + strings.Repeat("\u00e9", 5000) + `"}`,
		`null`,
		``,
	}
)
