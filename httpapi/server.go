package httpapi

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

//go:embed openapi.yaml
var openAPIDocument []byte

// DefaultMaxBodyBytes bounds every request body.
const DefaultMaxBodyBytes = 64 << 10

// DefaultRegistrationRequestsPerHour is how many registration links one
// address may ask for in an hour: enough for a family or a careers event
// sharing a network, too few to use Muster to send mail to strangers.
const DefaultRegistrationRequestsPerHour = 20

// Config is what the API needs. Store and Engine are required.
type Config struct {
	Store  *db.Store
	Engine *workflows.Engine
	Logger *slog.Logger // nil means slog.Default()
	// InvitationWindow is how long an invitee has to register unless the
	// operator chooses otherwise; zero means sim.DefaultInvitationWindow.
	InvitationWindow time.Duration
	// BasePath is where the handler is mounted in an embedder's router,
	// such as "/muster"; empty means the root.
	BasePath string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// is believed when recording where a sign-in came from; empty means
	// the connection's own address is used.
	TrustedProxies []netip.Prefix
	// RegistrationRequestsPerHour bounds POST /v1/registration-requests
	// from one address, per API process; zero means
	// DefaultRegistrationRequestsPerHour.
	RegistrationRequestsPerHour int
	MaxBodyBytes                int64            // zero means DefaultMaxBodyBytes
	Now                         func() time.Time // nil means time.Now
}

// Server implements the API's operations.
type Server struct {
	cfg                  Config
	log                  *slog.Logger
	registrationRequests *perAddress
}

// NewHandler returns the API as an http.Handler: /healthz, /readyz,
// /openapi.yaml and /v1/... It returns an error when Config is incomplete.
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.Store == nil || cfg.Engine == nil || cfg.Engine.Client == nil {
		return nil, errors.New("httpapi: Config.Store and Config.Engine (with a Temporal client) are required")
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
	if cfg.RegistrationRequestsPerHour == 0 {
		cfg.RegistrationRequestsPerHour = DefaultRegistrationRequestsPerHour
	}
	if cfg.RegistrationRequestsPerHour < 0 {
		return nil, errors.New("httpapi: RegistrationRequestsPerHour must not be negative")
	}
	spec, err := GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("httpapi: load OpenAPI document: %w", err)
	}
	spec.Servers = nil
	s := &Server{
		cfg: cfg, log: cfg.Logger,
		registrationRequests: newPerAddress(cfg.RegistrationRequestsPerHour, "too many registration requests from your network"),
	}

	r := chi.NewRouter()
	r.Use(middleware.RequestID, logRequests(s.log), middleware.Recoverer, secureHeaders, withClient(cfg.TrustedProxies))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(s.log, w, r, sim.Errorf(sim.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(s.log, w, r, &httpError{code: codeMethodNotAllowed, message: fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)})
	})
	r.Get("/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(openAPIDocument)
	})
	strict := NewStrictHandlerWithOptions(s, []StrictMiddlewareFunc{s.authenticate}, StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(s.log, w, r, malformed("request body could not be read as JSON of the expected shape", ""))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(s.log, w, r, err)
		},
	})
	r.Group(func(r chi.Router) {
		r.Use(limitBody(s.log, cfg.MaxBodyBytes), validateRequests(s.log, spec, cfg.BasePath))
		HandlerWithOptions(strict, ChiServerOptions{
			BaseRouter: r,
			ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				writeError(s.log, w, r, malformed(err.Error(), ""))
			},
		})
	})
	return r, nil
}

// operations that anyone may call; every other one needs a session.
var public = map[string]bool{
	"GetHealthz": true, "GetReadyz": true, "Login": true, "RequestRegistration": true,
	"GetConsentText": true, "Register": true,
}

// authenticate resolves the bearer token of every non-public operation to
// a live session, or answers 401.
func (s *Server) authenticate(f StrictHandlerFunc, operationID string) StrictHandlerFunc {
	if public[operationID] {
		return f
	}
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		tok := clientFrom(ctx).Token
		if tok == "" {
			return nil, sim.Errorf(sim.EUNAUTHORIZED, "sign in first: send Authorization: Bearer <token>")
		}
		sess, err := s.cfg.Store.Authenticate(ctx, tok, s.cfg.Now())
		if err != nil {
			return nil, err
		}
		return f(context.WithValue(ctx, sessionKey, sess), w, r, req)
	}
}

func sessionFrom(ctx context.Context) sim.Session {
	sess, _ := ctx.Value(sessionKey).(sim.Session)
	return sess
}

// GetHealthz reports that the process is up.
func (s *Server) GetHealthz(context.Context, GetHealthzRequestObject) (GetHealthzResponseObject, error) {
	return GetHealthz200JSONResponse{Status: "ok"}, nil
}

// GetReadyz reports whether Postgres and Temporal answer.
func (s *Server) GetReadyz(ctx context.Context, _ GetReadyzRequestObject) (GetReadyzResponseObject, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	checks := map[string]string{"postgres": "ok", "temporal": "ok"}
	ready := true
	if err := s.cfg.Store.Ping(ctx); err != nil {
		checks["postgres"], ready = "unreachable", false
		s.log.WarnContext(ctx, "readiness: postgres", "error", err.Error())
	}
	if _, err := s.cfg.Engine.Client.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"], ready = "unreachable", false
		s.log.WarnContext(ctx, "readiness: temporal", "error", err.Error())
	}
	if !ready {
		return GetReadyz503JSONResponse{Status: "unavailable", Checks: &checks}, nil
	}
	return GetReadyz200JSONResponse{Status: "ok", Checks: &checks}, nil
}
