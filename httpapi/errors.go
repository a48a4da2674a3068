package httpapi

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/muster-cms/muster/sim"
)

// Error codes that come from HTTP itself rather than the domain.
const (
	codeMalformed        = "malformed"
	codeTooLarge         = "too_large"
	codeMethodNotAllowed = "method_not_allowed"
)

// httpCodes lists the codes above. With sim.ErrorCodes they are every code
// the API can send: statusOf maps each, and the document's Error.code
// enumeration lists each (TestEveryErrorCodeIsDocumented).
var httpCodes = []string{codeMalformed, codeTooLarge, codeMethodNotAllowed}

// statusOf is the one table from error code to HTTP status.
var statusOf = map[string]int{
	sim.EINVALID:         http.StatusUnprocessableEntity,
	sim.EUNAUTHORIZED:    http.StatusUnauthorized,
	sim.EMFAREQUIRED:     http.StatusUnauthorized,
	sim.EFORBIDDEN:       http.StatusForbidden,
	sim.ENOTFOUND:        http.StatusNotFound,
	sim.ECONFLICT:        http.StatusConflict,
	sim.EGONE:            http.StatusGone,
	sim.ETHROTTLED:       http.StatusTooManyRequests,
	codeMalformed:        http.StatusBadRequest,
	codeTooLarge:         http.StatusRequestEntityTooLarge,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	sim.EINTERNAL:        http.StatusInternalServerError,
}

func init() {
	// A restricted person is refused with a code that says why.
	for _, r := range sim.Restrictions {
		statusOf[string(r)] = http.StatusForbidden
	}
}

// httpError is an error raised by the HTTP layer itself.
type httpError struct {
	code, message, field string
}

func (e *httpError) Error() string { return e.code + ": " + e.message }

func malformed(msg, field string) error {
	return &httpError{code: codeMalformed, message: msg, field: field}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError answers with err's code and client-safe message. Internal
// errors are logged in full, with the request ID, and answered generically.
func writeError(logger *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var (
		d          errorDetail
		retryAfter time.Duration
	)
	switch e := err.(type) {
	case *httpError:
		d = errorDetail{Code: e.code, Message: e.message, Field: e.field}
	default:
		d.Code = sim.ErrorCode(err)
		d.Message = sim.ErrorMessage(err)
		var se *sim.Error
		if asSimError(err, &se) {
			d.Field, retryAfter = se.Field, se.RetryAfter
		}
	}
	status, ok := statusOf[d.Code]
	if !ok || d.Code == sim.EINTERNAL {
		status, d.Code, d.Message, d.Field = http.StatusInternalServerError, sim.EINTERNAL, "internal error: it has been logged; try again later", ""
		logger.ErrorContext(r.Context(), "request failed", "request_id", middleware.GetReqID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "error", err.Error())
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="muster"`)
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
	}
	writeJSON(w, status, errorBody{Error: d})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
