package portal

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Deps are what the portal's pages need.
type Deps struct {
	DB     db.DB
	Signer Signer
	// Blobs holds the uploaded files' bytes; nil: PGBlobs, in DB.
	Blobs Blobs
	Clock atlas.Clock  // nil: the system clock
	Log   *slog.Logger // nil: slog.Default()
	// MaxFileBytes caps each uploaded file; 0: MaxFileBytes.
	MaxFileBytes int64
}

// MaxFileBytes is the largest file a client may upload.
const MaxFileBytes = 25 << 20

// maxFilesPerUpload bounds one upload request, so the whole request has a
// size limit too.
const maxFilesPerUpload = 20

// Handler serves the portal's pages under /portal.
type Handler struct {
	deps Deps
	tpl  *template.Template
}

//go:embed templates/*.html
var templateFS embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"bytes": humanBytes,
}).ParseFS(templateFS, "templates/*.html"))

// New builds the portal's handler from deps.
func New(deps Deps) *Handler {
	if deps.Clock == nil {
		deps.Clock = atlas.SystemClock{}
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Blobs == nil {
		deps.Blobs = PGBlobs{}
	}
	if deps.MaxFileBytes <= 0 {
		deps.MaxFileBytes = MaxFileBytes
	}
	return &Handler{deps: deps, tpl: pageTemplates}
}

// Mount puts the portal on r at /portal. Every request passes Go's
// cross-origin protection (Sec-Fetch-Site and Origin checks) before the
// portal's own per-session CSRF token is checked on each POST.
func (h *Handler) Mount(r chi.Router) {
	r.Mount("/portal", h.Router())
}

// Router is the portal's routes, relative to /portal, behind the
// cross-origin protection.
func (h *Handler) Router() http.Handler {
	r := chi.NewRouter()
	r.Use(securityHeaders)
	r.Get("/login", h.login)
	r.Post("/login", h.requestLink)
	r.Post("/logout", h.signedIn(h.logout))
	r.Get("/", h.signedIn(h.home))
	r.Get("/{period:[0-9]{4}-[0-9]{2}}", h.signedIn(h.home))
	r.Post("/items/{id:[0-9]+}/files", h.signedInMultipart(h.upload))
	r.Post("/queries/{id:[0-9]+}/answer", h.signedInMultipart(h.answer))
	r.Get("/documents/{id:[0-9]+}", h.signedIn(h.document))
	r.Get("/invoices/{id:[0-9]+}.pdf", h.signedIn(h.invoicePDF))
	r.Get("/credit-notes/{id:[0-9]+}.pdf", h.signedIn(h.creditNotePDF))
	r.Get("/files/{token}", h.staffDownload)
	r.NotFound(func(w http.ResponseWriter, req *http.Request) { h.notFound(w, req) })

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.page(w, req, http.StatusForbidden, "message", messagePage{Title: "Request refused",
			Text: "This form was sent from another site, so it was refused. Open the portal again and send it from there."})
	}))
	return cop.Handler(r)
}

// securityHeaders keeps the portal's pages out of frames and caches and
// stops browsers guessing types.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}

// session is a signed-in request: the contact, their practice's name and
// the session's CSRF token.
type session struct {
	Contact
	PracticeName string
	ClientName   string
	CSRF         string
	token        string
	loc          *time.Location // the practice's timezone, for times shown
}

func (h *Handler) csrfRefused(w http.ResponseWriter, r *http.Request, s session) {
	h.page(w, r, http.StatusForbidden, "message", messagePage{Practice: s.PracticeName, Title: "Request refused",
		Text: "This form has expired or did not come from the portal. Go back, reload the page and send it again.", Back: "/portal"})
}

// signedIn runs next for a request with a working session cookie; others
// go to the sign-in page.
func (h *Handler) signedIn(next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return h.session(false, next)
}

// signedInMultipart is signedIn for the upload, whose CSRF field is the
// first part of its body: next must check it (checkCSRF) before reading
// any file.
func (h *Handler) signedInMultipart(next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return h.session(true, next)
}

func (h *Handler) session(multipart bool, next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		if err != nil || c.Value == "" {
			h.toLogin(w, r)
			return
		}
		ctx := r.Context()
		contact, err := h.deps.Signer.Resolve(ctx, h.deps.DB, c.Value, h.deps.Clock.Now())
		if errors.Is(err, ErrBadLink) {
			clearCookie(w, r)
			h.toLogin(w, r)
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		s := session{Contact: contact, CSRF: h.csrfToken(c.Value), token: c.Value}
		var tz string
		if err := h.deps.DB.QueryRow(ctx, `SELECT p.name, p.timezone, e.name FROM practices p
			JOIN entities e ON e.practice_id = p.id AND e.id = $2 WHERE p.id = $1`, contact.Practice, contact.EntityID).
			Scan(&s.PracticeName, &tz, &s.ClientName); err != nil {
			h.fail(w, r, err)
			return
		}
		if s.loc, err = time.LoadLocation(tz); err != nil {
			s.loc = time.UTC
		}
		if r.Method == http.MethodPost && !multipart && !h.csrfOK(r, c.Value) {
			h.csrfRefused(w, r, s)
			return
		}
		next(w, r, s)
	}
}

func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
		return
	}
	h.page(w, r, http.StatusForbidden, "message", messagePage{Title: "Please sign in again",
		Text: "Your session has ended. Ask for a new sign-in link and try again.", LoginLink: true})
}

// messagePage is a page of one message.
type messagePage struct {
	Practice  string
	Title     string
	Text      string
	LoginLink bool
	Back      string
}

// page renders template name with data and status.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := h.tpl.ExecuteTemplate(w, name+".html", data); err != nil {
		h.deps.Log.Error("portal: render page", "page", name, "path", r.URL.Path, "error", err)
	}
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusNotFound, "message", messagePage{Title: "Not found",
		Text: "There is nothing here. It may have been removed, or the address is not quite right.", Back: "/portal"})
}

// fail answers an unexpected error with a 500 page and logs it. A
// database out of reach is said as such, with a 503 and Retry-After: the
// client is told nothing was saved and to try again shortly, not that
// something broke.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if db.IsUnavailable(err) {
		h.deps.Log.Warn("portal: database unreachable", "method", r.Method, "path", r.URL.Path, "error", err)
		w.Header().Set("Retry-After", "60")
		h.page(w, r, http.StatusServiceUnavailable, "message", messagePage{Title: "Back in a minute",
			Text: "We can't reach our records just now, so nothing was saved. Please try again in a minute.", Back: "/portal"})
		return
	}
	h.deps.Log.Error("portal: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	h.page(w, r, http.StatusInternalServerError, "message", messagePage{Title: "Something went wrong",
		Text: "We could not do that just now. Please try again in a few minutes.", Back: "/portal"})
}

// isLocal reports whether the request is to this machine, where the
// session cookie may go without TLS.
func isLocal(r *http.Request) bool {
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	host = strings.Trim(host, "[]")
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return trimZero(float64(n)/(1<<20)) + " MB"
	case n >= 1<<10:
		return trimZero(float64(n)/(1<<10)) + " KB"
	}
	return itoa(n) + " bytes"
}

func trimZero(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(f, 'f', 1, 64), "0"), ".")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
