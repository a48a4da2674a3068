package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
	"github.com/muster-cms/muster/workflows"
)

// The employer's candidate list at scale (issue 8): GET
// /v1/organisations/{orgId}/candidates, filtered by the organisation's
// region and the early states, first page and a deep page, through the
// whole API (router, request validation, session authentication, the Store
// with row-level security as the organisation's admin, JSON) under
// benchCandidateClients concurrent clients, beside its ceiling: the same
// statements (the session's lookup, the organisation's standing, the
// list) by bare pgx on a superuser connection with no row-level security
// context, in the same run; and the same statements behind a plain
// net/http handler (bare-http), asked by the same client, so that what
// serving HTTP costs on the machine is measured too. Each size is a synthetic cohort
// (sim/simulate, 50 organisations) loaded once per process into a database
// of its own; the organisation measured is the active one with the median
// number of interests, a typical employer's share. 100,000 candidates
// always; 1,000,000 only with MUSTER_BENCH_1M=1 (the load takes minutes).
// See docs/benchmarks.md.

const (
	benchCandidateClients = 8
	benchCandidatePage    = 25
	// benchDeepPages is how many pages the deep page comes after: as deep
	// as the typical organisation's filtered list goes at 100,000
	// candidates.
	benchDeepPages  = 30
	benchCohortOrgs = 50
	benchPassword   = "candidate list benchmark"
)

// benchEarliest is the list's "since" when none is asked for.
var benchEarliest = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

var benchStates = []string{string(sim.InterestInterested), string(sim.InterestContacted)}

func BenchmarkAPICandidateList(b *testing.B) {
	sizes := []int{100_000}
	if os.Getenv("MUSTER_BENCH_1M") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	// A benchmark with sub-benchmarks runs once, whatever -count says
	// (-count repeats the leaves), so each size is loaded once per
	// process, here, and dropped when the benchmark ends.
	top := b
	for _, n := range sizes {
		b.Run(sizeName(n), func(b *testing.B) {
			c := loadBenchCohort(b, top, n)
			for _, page := range []struct {
				name   string
				cursor string
				before keyset
			}{
				{"first", "", keyset{At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ID: uuid.Max}},
				{"deep", c.deepCursor, c.deepKey},
			} {
				b.Run(page.name, func(b *testing.B) {
					b.Run("api", func(b *testing.B) {
						concurrently(b, func(client int) error { return c.apiPage(client, page.cursor) })
					})
					b.Run("store", func(b *testing.B) {
						concurrently(b, func(client int) error { return c.storePage(client, page.cursor != "", page.before) })
					})
					b.Run("bare-pgx", func(b *testing.B) {
						concurrently(b, func(client int) error { return c.ceilingPage(client, page.before) })
					})
					b.Run("bare-http", func(b *testing.B) {
						cursor := ""
						if page.cursor != "" {
							cursor = c.bareCursor(page.before)
						}
						concurrently(b, func(client int) error { return c.barePage(client, cursor) })
					})
				})
			}
		})
	}
}

// sizeName is 100k for 100,000, 1M for 1,000,000.
func sizeName(n int) string {
	if n%1_000_000 == 0 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return fmt.Sprintf("%dk", n/1000)
}

// concurrently makes b.N calls of do from benchCandidateClients
// goroutines and reports the throughput (req/s) and the 99th percentile
// of the calls' latency (p99-ms).
func concurrently(b *testing.B, do func(client int) error) {
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for k := range benchCandidateClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t := time.Now()
				if err := do(k); err != nil {
					b.Error(err)
					return
				}
				latencies[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(latencies[(len(latencies)*99+99)/100-1])/float64(time.Millisecond), "p99-ms")
}

// keyset is a position in the list: (opened_at, interest ID).
type keyset struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// benchCohort is one size's loaded database and the API over it.
type benchCohort struct {
	size       int
	dbName     string
	admin      *pgxpool.Pool // superuser: the ceiling
	adminList  *pgxpool.Pool // the same, planning as the Store's list does
	app        *pgxpool.Pool
	store      *db.Store // the API's data path without HTTP, on app
	server     *httptest.Server
	bare       *httptest.Server // the ceiling's statements behind a bare net/http handler
	http       *http.Client
	temporal   client.Client
	orgID      uuid.UUID
	region     string
	adminEmail string
	tokens     []string // one session per client, through the API
	hashes     [][]byte // their hashes, for the ceiling's lookup
	deepCursor string   // the API's cursor after benchDeepPages pages
	deepKey    keyset   // the same position, for the ceiling
}

// loadBenchCohort loads the cohort of n candidates into a database of its
// own (dropped first, if an interrupted run left it), serves the API over
// it, signs the clients in and finds the deep page. top's cleanup drops
// the database.
func loadBenchCohort(b, top *testing.B, n int) *benchCohort {
	ctx := context.Background()
	c := &benchCohort{size: n, dbName: "muster_bench_candidates_" + strings.ToLower(sizeName(n))}
	server, err := pgx.Connect(ctx, testdb.AdminURL())
	if err != nil {
		b.Fatalf("connect to Postgres (%v): the benchmarks need it, as the tests do", err)
	}
	defer server.Close(ctx)
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + c.dbName + " WITH (FORCE)", "CREATE DATABASE " + c.dbName} {
		if _, err := server.Exec(ctx, stmt); err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
	}
	top.Cleanup(c.release)
	adminURL, appURL := databaseURL(b, c.dbName, ""), databaseURL(b, c.dbName, db.AppRole)
	if err := db.Migrate(ctx, adminURL); err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	o := simulate.Options{Seed: 1, Candidates: n, Orgs: benchCohortOrgs, Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	stats, err := db.LoadCohort(ctx, adminURL, o, db.LoadOptions{Password: benchPassword})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d candidates, %d rows, in %s", stats.Candidates, stats.Rows(), time.Since(started).Round(time.Second))
	// The load's dirty pages are written now, not during the first
	// measurement.
	if _, err := server.Exec(ctx, "CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
	// The ceiling plans the list as the Store's transaction does
	// (queries/interests.sql PlanForList: one generic plan, sorting priced
	// out), on connections of their own, and the other statements as
	// Postgres would: the same plans on both sides.
	if c.admin, err = db.Open(ctx, adminURL); err != nil {
		b.Fatal(err)
	}
	ceilingURL, err := url.Parse(adminURL)
	if err != nil {
		b.Fatal(err)
	}
	q := ceilingURL.Query()
	q.Set("plan_cache_mode", "force_generic_plan")
	q.Set("enable_sort", "off")
	ceilingURL.RawQuery = q.Encode()
	if c.adminList, err = db.Open(ctx, ceilingURL.String()); err != nil {
		b.Fatal(err)
	}
	if c.app, err = db.Open(ctx, appURL); err != nil {
		b.Fatal(err)
	}
	c.store = db.NewStore(c.app, sim.DefaultSessionPolicy)
	// The typical organisation: the active one with the median number of
	// interests.
	err = c.admin.QueryRow(ctx, `WITH o AS (
		  SELECT o.id, o.region, u.email, count(*) AS n FROM organisations o
		  JOIN interests i ON i.org_id = o.id JOIN users u ON u.org_id = o.id AND u.role = 'org_admin'
		  WHERE o.active GROUP BY o.id, o.region, u.email)
		SELECT id, region, email FROM o ORDER BY n, id OFFSET (SELECT count(*) / 2 FROM o) LIMIT 1`).Scan(&c.orgID, &c.region, &c.adminEmail)
	if err != nil {
		b.Fatalf("choose the organisation: %v", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		b.Fatal(err)
	}
	codec, err := workflows.NewCodec("bench", key)
	if err != nil {
		b.Fatal(err)
	}
	if c.temporal, err = client.NewLazyClient(codec.ClientOptions(client.Options{HostPort: temporalAddr})); err != nil {
		b.Fatal(err)
	}
	// No worker: listing starts no workflow, and the benchmark measures
	// the request alone.
	m, err := muster.New(muster.Config{
		Pool: c.app, Temporal: c.temporal, Notifier: discardNotifier{}, TaskQueue: "bench-" + uuid.NewString(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	c.server = httptest.NewServer(m.Handler)
	bare := http.NewServeMux()
	bare.HandleFunc("GET /v1/organisations/{orgId}/candidates", c.bareList)
	c.bare = httptest.NewServer(bare)
	c.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchCandidateClients}}
	c.signIn(b)
	c.findDeepPage(b)
	return c
}

// release stops serving and drops the database.
func (c *benchCohort) release() {
	for _, s := range []*httptest.Server{c.server, c.bare} {
		if s != nil {
			s.Close()
		}
	}
	for _, p := range []*pgxpool.Pool{c.app, c.admin, c.adminList} {
		if p != nil {
			p.Close()
		}
	}
	if c.temporal != nil {
		c.temporal.Close()
	}
	ctx := context.Background()
	if server, err := pgx.Connect(ctx, testdb.AdminURL()); err == nil {
		_, _ = server.Exec(ctx, "DROP DATABASE IF EXISTS "+c.dbName+" WITH (FORCE)")
		server.Close(ctx)
	}
}

// signIn opens a session per client through the API as the
// organisation's admin, with the cohort's password.
func (c *benchCohort) signIn(b *testing.B) {
	c.tokens, c.hashes = nil, nil
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, c.adminEmail, benchPassword)
	for range benchCandidateClients {
		resp, err := c.http.Post(c.server.URL+"/v1/sessions", "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var out struct{ Token string }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusCreated {
			b.Fatalf("sign in as the organisation's admin: %d %v", resp.StatusCode, err)
		}
		c.tokens = append(c.tokens, out.Token)
		c.hashes = append(c.hashes, db.HashToken(out.Token))
	}
}

// listURL is the list's address, filtered, from cursor ("" for the
// first page).
func (c *benchCohort) listURL(base, cursor string) string {
	q := url.Values{"region": {c.region}, "state": benchStates, "limit": {fmt.Sprint(benchCandidatePage)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return fmt.Sprintf("%s/v1/organisations/%s/candidates?%s", base, c.orgID, q.Encode())
}

type listPage struct {
	Candidates []struct {
		InterestID uuid.UUID `json:"interest_id"`
		OpenedAt   time.Time `json:"opened_at"`
	}
	NextCursor string `json:"next_cursor"`
}

func (c *benchCohort) get(client int, cursor string, into *listPage) error {
	return c.getFrom(c.server.URL, client, cursor, into)
}

func (c *benchCohort) getFrom(base string, client int, cursor string, into *listPage) error {
	req, err := http.NewRequest(http.MethodGet, c.listURL(base, cursor), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.tokens[client])
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("list: %d %s", resp.StatusCode, raw)
	}
	if into == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// apiPage is one request of the list through the API.
func (c *benchCohort) apiPage(client int, cursor string) error { return c.get(client, cursor, nil) }

// findDeepPage follows the API's cursors benchDeepPages pages in, and
// checks that the ceiling answers each page with the same rows as the
// API, so that the two measure the same thing.
func (c *benchCohort) findDeepPage(b *testing.B) {
	cursor, before := "", keyset{At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ID: uuid.Max}
	for p := 0; ; p++ {
		var page listPage
		if err := c.get(0, cursor, &page); err != nil {
			b.Fatal(err)
		}
		bare, err := c.ceilingRows(context.Background(), 0, before)
		if err != nil {
			b.Fatal(err)
		}
		api := make([]uuid.UUID, len(page.Candidates))
		for i, r := range page.Candidates {
			api[i] = r.InterestID
		}
		if !slices.Equal(api, bare) {
			b.Fatalf("page %d: the API and the ceiling disagree:\napi  %v\nbare %v", p+1, api, bare)
		}
		if p == 0 || p == benchDeepPages {
			var bp listPage
			cursor := ""
			if p > 0 {
				cursor = c.bareCursor(before)
			}
			if err := c.getFrom(c.bare.URL, 0, cursor, &bp); err != nil {
				b.Fatal(err)
			}
			overHTTP := make([]uuid.UUID, len(bp.Candidates))
			for i, r := range bp.Candidates {
				overHTTP[i] = r.InterestID
			}
			if !slices.Equal(api, overHTTP) {
				b.Fatalf("page %d: the API and bare-http disagree:\napi  %v\nbare %v", p+1, api, overHTTP)
			}
		}
		if len(api) < benchCandidatePage || page.NextCursor == "" {
			b.Fatalf("the organisation's filtered list ends on page %d: the deep page (after %d) needs a larger cohort", p+1, benchDeepPages)
		}
		if p == benchDeepPages {
			return // page benchDeepPages+1 is full: the deep page
		}
		// The cursor is opaque: the ceiling continues after the page's
		// last row, as the cursor does.
		cursor = page.NextCursor
		last := page.Candidates[len(page.Candidates)-1]
		before = keyset{At: last.OpenedAt, ID: last.InterestID}
		c.deepCursor, c.deepKey = cursor, before
	}
}

// storePage is the request's data path without HTTP: the Store finds the
// session and lists the page in the request's one transaction, as the
// API's handler does, with no router, validation or JSON around it.
func (c *benchCohort) storePage(client int, deep bool, before keyset) error {
	ctx := context.Background()
	rctx, sess, finish, err := c.store.OpenSession(ctx, c.tokens[client], time.Now())
	if err != nil {
		return err
	}
	f := sim.CandidateFilter{Region: sim.Region(c.region), Limit: benchCandidatePage}
	for _, st := range benchStates {
		f.States = append(f.States, sim.InterestState(st))
	}
	if deep {
		f.After = sim.CandidateCursor{At: before.At, ID: before.ID.String()}
	}
	var rows []sim.OrgCandidate
	err = c.store.InTx(rctx, sess.Actor(), func(tx *db.Tx) error {
		rows, err = tx.OrgCandidates(rctx, c.orgID.String(), f)
		return err
	})
	if ferr := finish(ctx); err == nil {
		err = ferr
	}
	if err == nil && len(rows) != benchCandidatePage {
		err = fmt.Errorf("store: %d rows, not %d", len(rows), benchCandidatePage)
	}
	return err
}

// barePage is one request of the list through bare-http.
func (c *benchCohort) barePage(client int, cursor string) error {
	var page listPage
	if err := c.getFrom(c.bare.URL, client, cursor, &page); err != nil {
		return err
	}
	if len(page.Candidates) != benchCandidatePage {
		return fmt.Errorf("bare-http: %d rows, not %d", len(page.Candidates), benchCandidatePage)
	}
	return nil
}

// bareCursorKey signs bare-http's cursors, as the API signs its own.
var bareCursorKey = []byte("bare-http cursor key, for the benchmark only")

// bareCursor is bare-http's cursor after position k: the keyset as JSON
// and its HMAC-SHA256, base64url.
func (c *benchCohort) bareCursor(k keyset) string {
	payload, _ := json.Marshal(k)
	mac := hmac.New(sha256.New, bareCursorKey)
	mac.Write(payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// bareList is the list's ceiling over HTTP: the work the API does for the
// request (the bearer token's session and its organisation's standing, the
// query parameters, the cursor's signature, the page, its JSON and its next
// cursor) by a plain net/http handler with bare pgx on the ceiling's
// connections: no router, no validation against the OpenAPI document, no
// row-level security, no transaction. With bare-pgx beside it, it says
// what serving HTTP itself costs on this machine.
func (c *benchCohort) bareList(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, msg string) { http.Error(w, msg, code) }
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		fail(http.StatusUnauthorized, "no token")
		return
	}
	orgID, err := uuid.Parse(r.PathValue("orgId"))
	if err != nil {
		fail(http.StatusBadRequest, "organisation ID")
		return
	}
	ctx := r.Context()
	var (
		sessionID, userID                uuid.UUID
		userOrg                          *uuid.UUID
		created, lastSeen, expires       time.Time
		role                             string
		disabled                         *time.Time
		mfa                              bool
		name, version, signed            string
		active, agreed, current, conduct bool
	)
	if err := c.admin.QueryRow(ctx, benchSessionSQL, db.HashToken(token)).Scan(
		&sessionID, &userID, &created, &lastSeen, &expires, &role, &userOrg, &disabled, &mfa); err != nil {
		fail(http.StatusUnauthorized, "session")
		return
	}
	if disabled != nil || !expires.After(time.Now()) || userOrg == nil || *userOrg != orgID {
		fail(http.StatusForbidden, "not this organisation's")
		return
	}
	if err := c.admin.QueryRow(ctx, benchStandingSQL, userID, *userOrg).Scan(&name, &active, &agreed, &version, &signed, &current, &conduct); err != nil || !active || !agreed || !conduct {
		fail(http.StatusForbidden, "standing")
		return
	}
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 100 {
		fail(http.StatusBadRequest, "limit")
		return
	}
	before := keyset{At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ID: uuid.Max}
	if s := q.Get("cursor"); s != "" {
		payload, sig, ok := strings.Cut(s, ".")
		raw, err1 := base64.RawURLEncoding.DecodeString(payload)
		got, err2 := base64.RawURLEncoding.DecodeString(sig)
		mac := hmac.New(sha256.New, bareCursorKey)
		mac.Write(raw)
		if !ok || err1 != nil || err2 != nil || !hmac.Equal(got, mac.Sum(nil)) || json.Unmarshal(raw, &before) != nil {
			fail(http.StatusBadRequest, "cursor")
			return
		}
	}
	var region *string
	if v := q.Get("region"); v != "" {
		region = &v
	}
	rows, err := c.adminList.Query(ctx, benchListSQL, orgID, region, nil, q["state"], nil, nil, benchEarliest, before.At, before.ID, int32(limit))
	if err != nil {
		fail(http.StatusInternalServerError, "list")
		return
	}
	type candidate struct {
		CandidateID uuid.UUID `json:"candidate_id"`
		InterestID  uuid.UUID `json:"interest_id"`
		FirstName   *string   `json:"first_name"`
		LastName    *string   `json:"last_name"`
		Connection  *string   `json:"connection"`
		Region      *string   `json:"region"`
		Skills      []string  `json:"skills"`
		State       string    `json:"state"`
		OpenedAt    time.Time `json:"opened_at"`
		UpdatedAt   time.Time `json:"updated_at"`
	}
	out := struct {
		Candidates []candidate `json:"candidates"`
		NextCursor *string     `json:"next_cursor"`
	}{Candidates: make([]candidate, 0, limit)}
	for rows.Next() {
		var k candidate
		if err := rows.Scan(&k.CandidateID, &k.FirstName, &k.LastName, &k.Connection, &k.Region, &k.Skills, &k.InterestID, &k.State, &k.OpenedAt, &k.UpdatedAt); err != nil {
			rows.Close()
			fail(http.StatusInternalServerError, "list")
			return
		}
		out.Candidates = append(out.Candidates, k)
	}
	if rows.Err() != nil {
		fail(http.StatusInternalServerError, "list")
		return
	}
	if len(out.Candidates) == limit {
		last := out.Candidates[limit-1]
		next := c.bareCursor(keyset{At: last.OpenedAt, ID: last.InterestID})
		out.NextCursor = &next
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// ceilingPage is the request's statements by bare pgx: the session's
// lookup, the organisation's standing, then the page.
func (c *benchCohort) ceilingPage(client int, before keyset) error {
	rows, err := c.ceilingRows(context.Background(), client, before)
	if err == nil && len(rows) != benchCandidatePage {
		err = fmt.Errorf("ceiling: %d rows, not %d", len(rows), benchCandidatePage)
	}
	return err
}

func (c *benchCohort) ceilingRows(ctx context.Context, client int, before keyset) ([]uuid.UUID, error) {
	var (
		sessionID, userID                uuid.UUID
		orgID                            *uuid.UUID
		created, lastSeen, expires       time.Time
		role                             string
		disabled                         *time.Time
		mfa                              bool
		name, version, signed            string
		active, agreed, current, conduct bool
	)
	if err := c.admin.QueryRow(ctx, benchSessionSQL, c.hashes[client]).Scan(
		&sessionID, &userID, &created, &lastSeen, &expires, &role, &orgID, &disabled, &mfa); err != nil {
		return nil, fmt.Errorf("ceiling: session: %w", err)
	}
	if err := c.admin.QueryRow(ctx, benchStandingSQL, userID, *orgID).Scan(&name, &active, &agreed, &version, &signed, &current, &conduct); err != nil {
		return nil, fmt.Errorf("ceiling: standing: %w", err)
	}
	rows, err := c.adminList.Query(ctx, benchListSQL, c.orgID, &c.region, nil, benchStates, nil, nil, benchEarliest, before.At, before.ID, int32(benchCandidatePage))
	if err != nil {
		return nil, fmt.Errorf("ceiling: list: %w", err)
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var (
			id, interestID                  uuid.UUID
			first, last, connection, region *string
			skills                          []string
			state                           string
			opened, updated                 time.Time
		)
		if err := rows.Scan(&id, &first, &last, &connection, &region, &skills, &interestID, &state, &opened, &updated); err != nil {
			return nil, fmt.Errorf("ceiling: list: %w", err)
		}
		ids = append(ids, interestID)
	}
	return ids, rows.Err()
}

// The ceiling's statements: those the Store runs for this request
// (queries/sessions.sql SessionGetByTokenHash, queries/organisations.sql
// OrgStanding, queries/interests.sql CandidateListForOrgNewest), as sqlc
// compiles them.
const (
	benchSessionSQL = `SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.role, u.org_id, u.disabled_at, (u.mfa_enabled_at IS NOT NULL)::boolean AS mfa_enabled
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1`
	benchStandingSQL = `SELECT o.name, o.active,
       (a.id IS NOT NULL)::boolean AS has_agreement,
       coalesce(a.version, '')::text AS agreement_version, coalesce(a.signed_name, '')::text AS agreement_signed_name,
       (v.retired_at IS NULL AND v.version IS NOT NULL)::boolean AS version_accepted,
       EXISTS (SELECT 1 FROM conduct_acceptances ca
               WHERE ca.user_id = $1
                 AND ca.version = (SELECT t.version FROM conduct_texts t ORDER BY t.published_at DESC, t.version DESC LIMIT 1)
       )::boolean AS conduct_accepted
FROM organisations o
LEFT JOIN LATERAL (
    SELECT g.id, g.version, g.signed_name FROM org_agreements g
    WHERE g.org_id = o.id ORDER BY g.signed_on DESC, g.recorded_at DESC LIMIT 1
) a ON true
LEFT JOIN agreement_versions v ON v.version = a.version
WHERE o.id = $2`
	benchListSQL = `SELECT c.id, c.first_name, c.last_name, c.connection, c.region, c.skills,
       i.id AS interest_id, i.state, i.opened_at, i.updated_at
FROM interests i JOIN candidates c ON c.id = i.candidate_id
WHERE i.org_id = $1
  AND i.org_view IS NOT NULL AND app_view_open(i.org_view)
  AND ($2::text IS NULL OR c.region = $2::text)
  AND ($3::text IS NULL OR c.connection = $3::text)
  AND i.state = ANY($4::text[])
  AND ($5::text IS NULL OR EXISTS (
        SELECT 1 FROM unnest(c.skills) s WHERE s ILIKE $5::text))
  AND ($6::text IS NULL OR c.job_preferences ILIKE $6::text)
  AND i.opened_at >= $7::timestamptz
  AND (i.opened_at, i.id) < ($8::timestamptz, $9::uuid)
ORDER BY i.opened_at DESC, i.id DESC
LIMIT $10`
)

// databaseURL is the test server's address for database name as user
// (the server's own user for "").
func databaseURL(b *testing.B, name, user string) string {
	u, err := url.Parse(testdb.AdminURL())
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	if user != "" {
		u.User = url.User(user)
	}
	return u.String()
}

type discardNotifier struct{}

func (discardNotifier) Notify(context.Context, sim.Message) error { return nil }
