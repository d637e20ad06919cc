// Package web is the web admin of "backlogsync serve", served at /:
// sign-in with e-mail and password, personal access tokens, users,
// workspaces, Backlog connections (Create & Test), jobs (stored jobs
// created, edited and deleted here, statements checked at line and column
// before saving, Run now with live progress) and run history. Pages are
// server-rendered html/template with one small embedded script (copy
// buttons, the progress poller); no CDN, no build chain.
//
// Security: sessions live in the store (only a SHA-256 of the cookie's
// 256-bit id is kept) and expire; the cookie is HttpOnly, SameSite=Strict
// and Secure under TLS. Every POST carries a CSRF token (the session's, or
// before sign-in a double-submit cookie) and is refused with 403 without
// it, or when its Origin is another site's. Failed sign-ins share the
// server's per-address slow-down. Pages under /admin/ answer 403 to users
// who are not admins. Connection secrets are sealed with AES-256-GCM
// under Options.SecretKey before they reach the store and never rendered.
package web

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/seal"
	"github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie names.
const (
	sessionCookie = "bs_session"
	preCSRFCookie = "bs_csrf" // double-submit token of the sign-in form
)

// DefaultSessionTTL is how long a web session lasts.
const DefaultSessionTTL = 12 * time.Hour

// Options configure the web admin.
type Options struct {
	// Server is the serve process's HTTP server; Mount adds the routes to
	// it and uses its sign-in limiter and shared destinations. Required.
	Server *server.Server
	// Store is serve's state database. Required.
	Store *store.Store
	// Destinations are the destination names of the config (workspaces
	// and runs are read from them).
	Destinations []string
	// Jobs are the jobs of the config, for the jobs page and the runs
	// filter when there is no Service.
	Jobs []Job
	// Service is serve's scheduler and job runner (package service, the
	// same functions the REST API calls). With it the Jobs page lists
	// stored jobs too, creates, edits and deletes them, and has Run now
	// with live progress; without it (demo) the page lists Jobs read-only.
	Service *service.Service
	// BaseURL is the address clients use (http://host:port, no trailing
	// slash); OData URLs are built from it.
	BaseURL string
	// SecretKey (32 bytes) seals connection secrets with AES-256-GCM. With
	// none, connections can be tested but not saved.
	SecretKey []byte
	// TLS makes cookies Secure. Set it when serving HTTPS (or behind a
	// TLS-terminating proxy).
	TLS bool
	// HTTPClient makes Create & Test's requests (default: 20 s timeout).
	HTTPClient *http.Client
	// SessionTTL is the session lifetime (DefaultSessionTTL when 0).
	SessionTTL time.Duration
	// Logger receives errors (slog.Default() when nil).
	Logger *slog.Logger
}

// Job is a job of the config as the web admin shows it.
type Job struct {
	Name        string
	Destination string
	Statements  string // the statement text, when the config has it inline or in a file
}

// app is the mounted web admin.
type app struct {
	o     Options
	log   *slog.Logger
	pages map[string]*template.Template
	seal  *seal.Sealer
}

// Mount adds the web admin's routes to o.Server: / and everything not
// served by another route (/odata/, /healthz).
func Mount(o Options) error {
	if o.Server == nil || o.Store == nil {
		return errors.New("web: Mount needs a server and a store")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	a := &app{o: o, log: o.Logger}
	if len(o.SecretKey) > 0 {
		s, err := seal.New(o.SecretKey)
		if err != nil {
			return err
		}
		a.seal = s
	}
	if err := a.parse(); err != nil {
		return err
	}
	o.Server.Handle("/", a.routes())
	return nil
}

func (a *app) routes() http.Handler {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /signin", a.signinPage)
	m.HandleFunc("POST /signin", a.signin)
	m.Handle("POST /signout", a.user(a.signout))
	m.Handle("GET /{$}", a.user(a.home))
	m.Handle("GET /tokens", a.user(a.tokensPage))
	m.Handle("POST /tokens", a.user(a.createToken))
	m.Handle("POST /tokens/{id}/revoke", a.user(a.revokeToken))
	m.Handle("GET /admin/users", a.admin(a.usersPage))
	m.Handle("POST /admin/users", a.admin(a.addUser))
	m.Handle("POST /admin/users/{email}/admin", a.admin(a.setAdmin))
	m.Handle("GET /admin/workspaces", a.admin(a.workspacesPage))
	m.Handle("POST /admin/workspaces", a.admin(a.addWorkspace))
	m.Handle("POST /admin/workspaces/{name}/grant", a.admin(a.grant))
	m.Handle("POST /admin/workspaces/{name}/delete", a.admin(a.deleteWorkspace))
	m.Handle("GET /admin/connections", a.admin(a.connectionsPage))
	m.Handle("POST /admin/connections", a.admin(a.createConnection))
	m.Handle("GET /admin/connections/{id}", a.admin(a.editConnectionPage))
	m.Handle("POST /admin/connections/{id}", a.admin(a.updateConnection))
	m.Handle("POST /admin/connections/{id}/delete", a.admin(a.deleteConnection))
	m.Handle("GET /admin/runs", a.admin(a.runsPage))
	m.Handle("GET /admin/runs/{dest}/{id}", a.admin(a.runPage))
	m.Handle("GET /admin/jobs", a.admin(a.jobsPage))
	m.Handle("POST /admin/jobs", a.admin(a.createJob))
	m.Handle("POST /admin/jobs/check", a.admin(a.checkStatements))
	m.Handle("GET /admin/jobs/{name}", a.admin(a.jobPage))
	m.Handle("GET /admin/jobs/{name}/edit", a.admin(a.editJobPage))
	m.Handle("POST /admin/jobs/{name}/edit", a.admin(a.updateJob))
	m.Handle("POST /admin/jobs/{name}/delete", a.admin(a.deleteJob))
	m.Handle("POST /admin/jobs/{name}/run", a.admin(a.runJob))
	m.Handle("GET /admin/jobs/{name}/progress", a.admin(a.jobProgress))
	m.Handle("/", a.user(func(w http.ResponseWriter, r *http.Request, se *store.Session) {
		a.fail(w, r, se, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
	}))
	return securityHeaders(m)
}

// securityHeaders sets the headers every page gets: no framing, scripts
// and styles from this server only, no MIME sniffing, no referrer to
// other sites.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// handlerFunc is a handler of a signed-in user.
type handlerFunc func(w http.ResponseWriter, r *http.Request, se *store.Session)

// user wraps h: the request needs a live session (else a redirect to the
// sign-in page, or 401 for a POST), and a POST needs the session's CSRF
// token.
func (a *app) user(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		se := a.session(r)
		if se == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "your session has ended: sign in again at /signin", http.StatusUnauthorized)
			return
		}
		a.o.Server.SetLogUser(r, se.User.Email)
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost {
			if !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(se.CSRF)) != 1 {
				a.fail(w, r, se, http.StatusForbidden, "The form was not sent from this site or has expired (CSRF check failed). Reload the page and try again.")
				return
			}
		}
		h(w, r, se)
	})
}

// admin is user for admins: 403 for other users.
func (a *app) admin(h handlerFunc) http.Handler {
	return a.user(func(w http.ResponseWriter, r *http.Request, se *store.Session) {
		if !se.User.Admin {
			a.fail(w, r, se, http.StatusForbidden, "This page is for admins. Ask an admin to make you one (Users page, or backlogsync users admin "+se.User.Email+").")
			return
		}
		h(w, r, se)
	})
}

// session returns the request's live session, or nil.
func (a *app) session(r *http.Request) *store.Session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	se, err := a.o.Store.Session(r.Context(), c.Value)
	if err != nil {
		if backlogsync.ErrorCode(err) != backlogsync.EUNAUTHORIZED {
			a.log.Error("web: session", "err", err)
		}
		return nil
	}
	return se
}

// sameOrigin rejects requests whose Origin (or, without one, Referer)
// names another site. Browsers send Origin on every POST.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		o = r.Header.Get("Referer")
	}
	if o == "" {
		return true // not a browser form (the CSRF token still has to match)
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (a *app) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: a.o.TLS, SameSite: http.SameSiteStrictMode}
}

// page is what every template gets.
type page struct {
	Title   string
	User    *store.User
	CSRF    string
	Nav     string // the current section, for aria-current
	Flash   string
	Error   string
	BaseURL string
	Data    any
}

func (a *app) parse() error {
	a.pages = map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	funcs := template.FuncMap{
		"fmtTime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"has":       slices.Contains[[]string],
		"join":      strings.Join,
		"rateLimit": rateLimitText,
		"connLabel": service.ConnectionFieldLabel,
	}
	// Files named _*.html hold parts that every page may use.
	partials, err := fs.Glob(templateFS, "templates/_*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, append([]string{"templates/layout.html", n}, partials...)...)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", n, err)
		}
		a.pages[base] = t
	}
	return nil
}

// render writes page name with status.
func (a *app) render(w http.ResponseWriter, status int, name string, p *page) {
	t := a.pages[name]
	if t == nil {
		a.log.Error("web: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p.BaseURL = a.o.BaseURL
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		a.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error: the page could not be rendered; see the server's log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

// newPage starts the page of a signed-in user.
func newPage(se *store.Session, title, nav string) *page {
	p := &page{Title: title, Nav: nav}
	if se != nil {
		p.User, p.CSRF = se.User, se.CSRF
	}
	return p
}

// fail renders an error page.
func (a *app) fail(w http.ResponseWriter, r *http.Request, se *store.Session, status int, msg string) {
	p := newPage(se, http.StatusText(status), "")
	p.Error = msg
	a.render(w, status, "error", p)
}

// internal logs err and renders a 500 page that says where to look.
func (a *app) internal(w http.ResponseWriter, r *http.Request, se *store.Session, what string, err error) {
	a.log.Error("web: "+what, "err", err)
	a.fail(w, r, se, http.StatusInternalServerError, "The server could not "+what+"; see its log.")
}

// message is the text of err for a person: the backlogsync.Error message
// for errors of bad input, else a generic one (the details go to the log).
func (a *app) message(what string, err error) string {
	switch backlogsync.ErrorCode(err) {
	case backlogsync.EINVALID, backlogsync.ENOTFOUND, backlogsync.ECONFLICT:
		return backlogsync.ErrorMessage(err)
	}
	a.log.Error("web: "+what, "err", err)
	return "The server could not " + what + "; see its log."
}

// flashCookie carries the message of a redirect to the next page. A
// cookie rather than the URL, so that a link from elsewhere cannot put
// words on the page (SameSite=Strict: only this site's responses set it).
const flashCookie = "bs_flash"

// redirect answers a POST with 303 to path, with an optional message for
// the next page.
func (a *app) redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	if flash != "" {
		http.SetCookie(w, a.cookie(flashCookie, base64.RawURLEncoding.EncodeToString([]byte(flash)), 60))
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// takeFlash returns the message a redirect left, and clears it.
func (a *app) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, a.cookie(flashCookie, "", -1))
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 1000 {
		return ""
	}
	return string(b)
}

func (a *app) home(w http.ResponseWriter, r *http.Request, se *store.Session) {
	ctx := r.Context()
	ws, err := a.o.Store.Workspaces(ctx)
	if err != nil {
		a.internal(w, r, se, "list workspaces", err)
		return
	}
	var mine []wsView
	for _, x := range ws {
		ok, err := a.o.Store.Granted(ctx, se.User, x.ID)
		if err != nil {
			a.internal(w, r, se, "check grants", err)
			return
		}
		if ok {
			mine = append(mine, a.view(x))
		}
	}
	p := newPage(se, "Overview", "home")
	p.Data = mine
	a.render(w, http.StatusOK, "home", p)
}

// wsView is a workspace with its OData URL.
type wsView struct {
	store.Workspace
	URL string
}

func (a *app) view(w store.Workspace) wsView {
	return wsView{Workspace: w, URL: a.o.BaseURL + "/odata/" + url.PathEscape(w.Name) + "/"}
}

// ctxTimeout bounds the work of one page.
func ctxTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 30*time.Second)
}
