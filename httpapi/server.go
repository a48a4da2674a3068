package httpapi

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

//go:embed openapi.yaml
var openAPIDocument []byte

// DefaultMaxBodyBytes bounds every request body.
const DefaultMaxBodyBytes = 64 << 10

// DefaultRegistrationRequestsPerHour is how many registration links one
// network may ask for in an hour: enough for a family or a careers event
// sharing a network, too few to use Muster to send mail to strangers.
const DefaultRegistrationRequestsPerHour = 20

// DefaultRegistrationAttemptsPerHour is how many registrations one network
// may attempt in an hour: a careers event's worth of people completing
// their forms, with mistakes, and too few to guess a link.
const DefaultRegistrationAttemptsPerHour = 60

// Config is what the API needs. Store is required.
type Config struct {
	Store  *db.Store
	Logger *slog.Logger // nil means slog.Default()
	// TemporalHealth reports whether Temporal answers, for /readyz; nil
	// reports nothing about Temporal. A Temporal outage makes the API
	// degraded, not unavailable: work waits in the outbox.
	TemporalHealth func(context.Context) error
	// InvitationWindow is how long an invitee has to register unless the
	// operator chooses otherwise; zero means sim.DefaultInvitationWindow.
	InvitationWindow time.Duration
	// BasePath is where the handler is mounted in an embedder's router,
	// such as "/muster"; empty means the root.
	BasePath string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// is believed when recording where a request came from; empty means
	// the connection's own address is used.
	TrustedProxies []netip.Prefix
	// RegistrationRequestsPerHour bounds POST /v1/registration-requests
	// from one network, per API process; zero means
	// DefaultRegistrationRequestsPerHour.
	RegistrationRequestsPerHour int
	// RegistrationAttemptsPerHour bounds POST /v1/registrations from one
	// network, per API process; zero means
	// DefaultRegistrationAttemptsPerHour.
	RegistrationAttemptsPerHour int
	MaxBodyBytes                int64            // zero means DefaultMaxBodyBytes
	Now                         func() time.Time // nil means time.Now
	// Issuer names the programme in authenticator apps; empty means "Muster".
	Issuer string
	// DevPages serves a minimal registration page at /register, where
	// the links in emails point in development (`muster dev`). Leave it
	// off in production: the embedder's front end serves that address.
	DevPages bool
	// CursorKey signs the cursors of every paged list (HMAC-SHA256), which
	// binds each to the list, organisation and filters it was issued for:
	// give every API process of a deployment the same secret of at least
	// 32 bytes, so that any of them reads a cursor another issued. Nil
	// means a built-in key, the same everywhere: cursors are still bound
	// and refused when altered, but someone who reads Muster's source
	// could forge one, which only ever names a place in a list they may
	// read anyway.
	CursorKey []byte
}

// server implements the API's operations.
type server struct {
	cfg                  Config
	log                  *slog.Logger
	cursors              cursors
	registrationRequests *perNetwork
	registrationAttempts *perNetwork
	resetRequests        *perNetwork
}

// NewHandler returns the API as an http.Handler: /healthz, /readyz,
// /openapi.yaml and /v1/..., and /register when Config.DevPages is set.
// It returns an error when Config is incomplete or out of range.
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("httpapi: Config.Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.InvitationWindow == 0 {
		cfg.InvitationWindow = sim.DefaultInvitationWindow
	}
	if err := sim.CheckInvitationWindow(cfg.InvitationWindow); err != nil {
		return nil, fmt.Errorf("httpapi: InvitationWindow: %w", err)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "Muster"
	}
	if cfg.RegistrationRequestsPerHour == 0 {
		cfg.RegistrationRequestsPerHour = DefaultRegistrationRequestsPerHour
	}
	if cfg.RegistrationAttemptsPerHour == 0 {
		cfg.RegistrationAttemptsPerHour = DefaultRegistrationAttemptsPerHour
	}
	if cfg.RegistrationRequestsPerHour < 0 || cfg.RegistrationAttemptsPerHour < 0 || cfg.MaxBodyBytes < 0 {
		return nil, errors.New("httpapi: limits must not be negative")
	}
	if err := checkCursorKey(cfg.CursorKey); err != nil {
		return nil, err
	}
	if cfg.CursorKey == nil {
		cfg.CursorKey = defaultCursorKey[:]
	}
	spec, err := api.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("httpapi: load OpenAPI document: %w", err)
	}
	spec.Servers = nil
	s := &server{
		cfg: cfg, log: cfg.Logger, cursors: cursors{key: cfg.CursorKey},
		registrationRequests: newPerNetwork(cfg.RegistrationRequestsPerHour, "too many registration requests from your network"),
		registrationAttempts: newPerNetwork(cfg.RegistrationAttemptsPerHour, "too many registration attempts from your network"),
		resetRequests:        newPerNetwork(cfg.RegistrationRequestsPerHour, "too many password reset requests from your network"),
	}

	r := chi.NewRouter()
	r.Use(requestID, logRequests(s.log), recoverer(s.log), secureHeaders, withClient(cfg.TrustedProxies), cleanURL(s.log))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(s.log, w, r, sim.Errorf(sim.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(methodNotAllowed(s.log, r))
	r.Get("/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(openAPIDocument)
	})
	if cfg.DevPages {
		mountDevPages(r)
	}
	strict := api.NewStrictHandlerWithOptions(s, []api.StrictMiddlewareFunc{s.authenticate}, api.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(s.log, w, r, requestError(err))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(s.log, w, r, err)
		},
	})
	r.Group(func(r chi.Router) {
		r.Use(readBody(s.log, bodyLimit(cfg.MaxBodyBytes)), validateRequests(s.log, spec, cfg.BasePath))
		api.HandlerWithOptions(strict, api.ChiServerOptions{
			BaseRouter: r,
			ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				writeError(s.log, w, r, requestError(err))
			},
		})
	})
	return r, nil
}

// MaxAgreementBodyBytes bounds a request that records an agreement with
// its signed document (base64, up to sim.MaxAgreementDocument decoded).
const MaxAgreementBodyBytes = sim.MaxAgreementDocument/3*4 + 64<<10

// MaxConsentTextBodyBytes bounds a request that publishes a version of
// the consent wording: sim.MaxConsentLen characters, each escaped in JSON
// as a surrogate pair (12 bytes) at worst, so that no wording the document
// allows is refused for its bytes.
const MaxConsentTextBodyBytes = sim.MaxConsentLen*12 + 64<<10

// bodyLimit is the body limit of each request: max, except where a
// document or a long text may come with it.
func bodyLimit(max int64) func(*http.Request) int64 {
	return func(r *http.Request) int64 {
		switch {
		case r.Method != http.MethodPost:
		case strings.HasSuffix(r.URL.Path, "/agreements") && max < MaxAgreementBodyBytes:
			return MaxAgreementBodyBytes
		case strings.HasSuffix(r.URL.Path, "/v1/consent-texts") && max < MaxConsentTextBodyBytes:
			return MaxConsentTextBodyBytes
		}
		return max
	}
}

// operations that anyone may call; every other one needs a session.
var public = map[string]bool{
	"GetHealthz": true, "GetReadyz": true, "Login": true, "RequestRegistration": true,
	"GetConsentText": true, "Register": true, "ListPledgedOrganisations": true, "AcceptAccountInvitation": true,
	"RequestPasswordReset": true, "CompletePasswordReset": true, "VerifyMailbox": true,
}

// authenticate resolves the bearer token of every non-public operation to
// a live session, or answers 401.
func (s *server) authenticate(f api.StrictHandlerFunc, operationID string) api.StrictHandlerFunc {
	if public[operationID] {
		return f
	}
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (resp any, err error) {
		tok := clientFrom(ctx).Token
		if tok == "" {
			return nil, sim.Errorf(sim.EUNAUTHORIZED, "sign in first: send Authorization: Bearer <token>")
		}
		// The session is found in the request's transaction, which the
		// handler's first transaction as the session's user goes on in:
		// authenticate and act in one (db.Store.OpenSession).
		ctx, sess, finish, err := s.cfg.Store.OpenSession(ctx, tok, s.cfg.Now())
		if err != nil {
			return nil, err
		}
		defer func() {
			if ferr := finish(ctx); ferr != nil && err == nil {
				resp, err = nil, ferr
			}
		}()
		return f(context.WithValue(ctx, sessionKey, sess), w, r, req)
	}
}

// actor is who is making the request: the session's user, or anonymous.
func actor(ctx context.Context) sim.Actor {
	a := sim.Anonymous
	if sess, ok := ctx.Value(sessionKey).(sim.Session); ok {
		a = sess.Actor()
	}
	a.From = clientFrom(ctx).IP
	return a
}

// inTx runs fn in one transaction as the request's real actor: the one
// place the API opens a transaction.
func (s *server) inTx(ctx context.Context, fn func(*db.Tx) error) error {
	return s.cfg.Store.InTx(ctx, actor(ctx), fn)
}

// within runs fn in one transaction as the request's real actor, as inTx
// does, and returns what it made.
func within[T any](s *server, ctx context.Context, fn func(*db.Tx) (T, error)) (T, error) {
	var out T
	err := s.inTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// GetHealthz reports that the process is up.
func (s *server) GetHealthz(context.Context, api.GetHealthzRequestObject) (api.GetHealthzResponseObject, error) {
	return api.GetHealthz200JSONResponse{Status: api.Ok}, nil
}

// GetReadyz reports whether Postgres answers (ready), whether Temporal
// does (degraded if not: work waits in the outbox), and the outbox's
// backlog.
func (s *server) GetReadyz(ctx context.Context, _ api.GetReadyzRequestObject) (api.GetReadyzResponseObject, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	checks := map[string]string{"postgres": "ok"}
	out := api.Health{Status: api.Ok, Checks: &checks}
	backlog, err := s.cfg.Store.OutboxBacklog(ctx)
	if err != nil {
		checks["postgres"] = "unreachable"
		out.Status = api.Unavailable
		s.log.WarnContext(ctx, "readiness: postgres", "error", err.Error())
	} else {
		out.Outbox = &api.OutboxBacklog{Pending: backlog.Pending, Failing: backlog.Failing, OldestPendingSeconds: int64(backlog.OldestAge.Seconds())}
	}
	if s.cfg.TemporalHealth != nil {
		checks["temporal"] = "ok"
		if err := s.cfg.TemporalHealth(ctx); err != nil {
			checks["temporal"] = "unreachable"
			if out.Status == api.Ok {
				out.Status = api.Degraded
			}
			s.log.WarnContext(ctx, "readiness: temporal", "error", err.Error())
		}
	}
	if out.Status == api.Unavailable {
		return api.GetReadyz503JSONResponse(out), nil
	}
	return api.GetReadyz200JSONResponse(out), nil
}
