package httpapi

import (
	"embed"
	"net/http"

	"github.com/go-chi/chi/v5"
)

//go:embed devpages/register.html devpages/register.js
var devPages embed.FS

// mountDevPages serves the development registration page where emailed
// links point (PUBLIC_URL/register?token=...): a plain form, no build
// step, that completes the registration through the API itself.
func mountDevPages(r chi.Router) {
	serve := func(name, contentType string) http.HandlerFunc {
		page, err := devPages.ReadFile("devpages/" + name)
		if err != nil {
			panic(err) // embedded at build time
		}
		return func(w http.ResponseWriter, _ *http.Request) {
			h := w.Header()
			h.Set("Content-Type", contentType)
			h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'")
			_, _ = w.Write(page)
		}
	}
	r.Get("/register", serve("register.html", "text/html; charset=utf-8"))
	r.Get("/register.js", serve("register.js", "text/javascript; charset=utf-8"))
}
