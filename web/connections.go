package web

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/store"
)

// connForm is the connection form as typed (never the stored secret).
type connForm struct {
	ID         int64
	Name       string
	SpaceURL   string
	AuthScheme string
	HasSecret  bool // editing: a secret is stored (left blank keeps it)
}

// testResult is what Create & Test found.
type testResult struct {
	Space     string
	SpaceKey  string
	User      string
	Role      string
	RateLimit string
	Saved     bool
}

type connectionsData struct {
	Connections []store.Connection
	Form        connForm
	Result      *testResult
	CanSave     bool // a secret key is configured
}

func (a *app) connectionsPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	a.renderConnections(w, r, se, http.StatusOK, connForm{AuthScheme: "apikey"}, nil, a.takeFlash(w, r), "")
}

func (a *app) renderConnections(w http.ResponseWriter, r *http.Request, se *store.Session, status int, f connForm, res *testResult, flash, errMsg string) {
	cs, err := a.o.Store.Connections(r.Context())
	if err != nil {
		a.internal(w, r, se, "list connections", err)
		return
	}
	for i := range cs {
		cs[i].Secret = "" // never leaves the server
	}
	name := "connections"
	title := "Connections"
	if f.ID != 0 {
		name, title = "connection", "Edit connection "+f.Name
	}
	p := newPage(se, title, "connections")
	p.Flash, p.Error = flash, errMsg
	p.Data = connectionsData{Connections: cs, Form: f, Result: res, CanSave: a.seal != nil}
	a.render(w, status, name, p)
}

// readConnForm reads and checks the form: a name, an http(s) space URL
// without credentials, query or fragment, a scheme and (when required) a
// secret.
func readConnForm(r *http.Request, needSecret bool) (connForm, string, error) {
	f := connForm{
		Name:       strings.TrimSpace(r.PostFormValue("name")),
		SpaceURL:   strings.TrimRight(strings.TrimSpace(r.PostFormValue("space_url")), "/"),
		AuthScheme: r.PostFormValue("auth_scheme"),
	}
	secret := strings.TrimSpace(r.PostFormValue("secret"))
	switch {
	case f.Name == "" || len(f.Name) > 64:
		return f, "", errors.New("give the connection a name (at most 64 characters), e.g. the space key")
	case f.AuthScheme != "apikey" && f.AuthScheme != "oauth":
		return f, "", errors.New("pick an authentication: API key or OAuth access token")
	case needSecret && secret == "":
		return f, "", errors.New("give the API key (Backlog: Personal Settings > API) or the OAuth access token")
	}
	u, err := url.Parse(f.SpaceURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return f, "", errors.New("the space URL must look like https://example.backlog.com (or .backlog.jp), with no key in it")
	}
	return f, secret, nil
}

// testConnection calls the space with the secret: the space, the user
// (and role) and the rate limits. The error, if any, is a sentence for
// the person who typed the form.
func (a *app) testConnection(ctx context.Context, f connForm, secret string) (*testResult, string) {
	opts := []backlog.Option{backlog.WithHTTPClient(a.o.HTTPClient),
		backlog.WithRetry(backlog.RetryPolicy{MaxAttempts: 2, MaxRateLimitWaits: -1})}
	if f.AuthScheme == "oauth" {
		opts = append(opts, backlog.WithTokenSource(backlog.StaticTokenSource(secret)))
	} else {
		opts = append(opts, backlog.WithAPIKey(secret))
	}
	c, err := backlog.NewClient(f.SpaceURL, opts...)
	if err != nil {
		return nil, "The space URL is not usable: " + err.Error()
	}
	sp, _, err := c.Space.Get(ctx)
	if err != nil {
		return nil, explain(err, f)
	}
	if sp.SpaceKey == "" {
		return nil, f.SpaceURL + " answered, but not like a Backlog space (no space key). Check the space URL."
	}
	me, _, err := c.Users.GetMyself(ctx)
	if err != nil {
		return nil, explain(err, f)
	}
	res := &testResult{Space: sp.Name, SpaceKey: sp.SpaceKey, User: me.Name, Role: me.RoleType.String()}
	if me.UserID != nil && *me.UserID != "" {
		res.User += " (" + *me.UserID + ")"
	}
	rl, _, err := c.RateLimit.Get(ctx)
	if err != nil {
		res.RateLimit = "not available: " + explain(err, f)
	} else {
		var parts []string
		for _, x := range []backlog.Rate{rl.Read, rl.Update, rl.Search, rl.Icon} {
			parts = append(parts, fmt.Sprintf("%s %d/min (%d left)", x.Class, x.Limit, x.Remaining))
		}
		res.RateLimit = strings.Join(parts, ", ")
	}
	return res, ""
}

// explain turns a failed call into the reason: wrong key, wrong URL or the
// network. Keys never appear in it (the client redacts them).
func explain(err error, f connForm) string {
	var (
		ae     *backlog.AuthError
		er     *backlog.ErrorResponse
		dnsErr *net.DNSError
		netErr net.Error
		opErr  *net.OpError
		synErr *json.SyntaxError
		certE  *tls.CertificateVerificationError
	)
	what := "API key"
	if f.AuthScheme == "oauth" {
		what = "OAuth access token"
	}
	switch {
	case errors.As(err, &ae):
		return "Wrong " + what + ": " + f.SpaceURL + " rejected it (" + ae.Response.Status + "). Check that it is the key of a member of this space (Personal Settings > API)."
	case errors.As(err, &er) && len(er.Errors) == 0:
		return f.SpaceURL + " is not a Backlog space: " + er.Method + " " + er.URL + " answered " + er.Response.Status + ". Check the space URL."
	case errors.As(err, &er):
		return f.SpaceURL + " refused the request: " + er.Response.Status + ": " + er.Errors[0].Message
	case errors.As(err, &synErr):
		return f.SpaceURL + " answered something that is not Backlog's JSON. Check the space URL."
	case errors.As(err, &dnsErr):
		return "Network: the host " + dnsErr.Name + " cannot be found. Check the space URL."
	case errors.As(err, &certE):
		return "Network: the server's TLS certificate is not valid for " + f.SpaceURL + "."
	case errors.As(err, &netErr) && netErr.Timeout():
		return "Network: " + f.SpaceURL + " did not answer in time. Check the URL and that this server can reach it."
	case errors.As(err, &opErr):
		return "Network: cannot connect to " + f.SpaceURL + " (" + opErr.Err.Error() + "). Check the URL and that this server can reach it."
	}
	return "The test failed: " + strings.TrimPrefix(err.Error(), "backlog: ")
}

// createConnection is Create & Test: it tests the connection and saves it
// only when the test passed.
func (a *app) createConnection(w http.ResponseWriter, r *http.Request, se *store.Session) {
	f, secret, err := readConnForm(r, true)
	if err != nil {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: "+err.Error()+".")
		return
	}
	res, msg := a.testConnection(r.Context(), f, secret)
	if msg != "" {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Test failed, nothing saved. "+msg)
		return
	}
	if a.seal == nil {
		a.renderConnections(w, r, se, http.StatusOK, f, res, "", "The test passed, but the connection was not saved: the server has no key to encrypt secrets with. Start serve with "+EnvSecretKey+" set (openssl rand -base64 32).")
		return
	}
	sealed, err := a.seal.Seal(secret, f.Name)
	if err != nil {
		a.internal(w, r, se, "encrypt the secret", err)
		return
	}
	c := &store.Connection{Name: f.Name, SpaceURL: f.SpaceURL, AuthScheme: f.AuthScheme, Secret: sealed}
	if err := a.o.Store.AddConnection(r.Context(), c); err != nil {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, res, "", "The test passed but the connection was not saved: "+a.message("save the connection", err))
		return
	}
	res.Saved = true
	a.renderConnections(w, r, se, http.StatusOK, connForm{AuthScheme: "apikey"}, res, "Connection "+f.Name+" tested and saved.", "")
}

func (a *app) loadConn(w http.ResponseWriter, r *http.Request, se *store.Session) *store.Connection {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		c, err := a.o.Store.Connection(r.Context(), id)
		if err == nil {
			return c
		}
		a.fail(w, r, se, http.StatusNotFound, a.message("read the connection", err))
		return nil
	}
	a.fail(w, r, se, http.StatusNotFound, "No such connection.")
	return nil
}

func (a *app) editConnectionPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	c := a.loadConn(w, r, se)
	if c == nil {
		return
	}
	a.renderConnections(w, r, se, http.StatusOK, connForm{ID: c.ID, Name: c.Name, SpaceURL: c.SpaceURL, AuthScheme: c.AuthScheme, HasSecret: true}, nil, "", "")
}

// updateConnection tests the edited connection (with the new secret, or
// the stored one when left blank) and saves it only when the test passed.
func (a *app) updateConnection(w http.ResponseWriter, r *http.Request, se *store.Session) {
	c := a.loadConn(w, r, se)
	if c == nil {
		return
	}
	f, secret, err := readConnForm(r, false)
	f.ID, f.HasSecret = c.ID, true
	if err != nil {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: "+err.Error()+".")
		return
	}
	if a.seal == nil {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: the server has no key to encrypt secrets with ("+EnvSecretKey+").")
		return
	}
	if secret == "" {
		if secret, err = a.seal.Open(c.Secret, c.Name); err != nil {
			a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: "+err.Error()+" Type the secret again.")
			return
		}
	}
	res, msg := a.testConnection(r.Context(), f, secret)
	if msg != "" {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Test failed, nothing saved. "+msg)
		return
	}
	sealed, err := a.seal.Seal(secret, f.Name)
	if err != nil {
		a.internal(w, r, se, "encrypt the secret", err)
		return
	}
	up := &store.Connection{ID: c.ID, Name: f.Name, SpaceURL: f.SpaceURL, AuthScheme: f.AuthScheme, Secret: sealed}
	if err := a.o.Store.UpdateConnection(r.Context(), up); err != nil {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, res, "", "Not saved: "+a.message("save the connection", err))
		return
	}
	a.redirect(w, r, "/admin/connections", "Connection "+f.Name+" tested and saved ("+res.Space+", "+res.User+").")
}

func (a *app) deleteConnection(w http.ResponseWriter, r *http.Request, se *store.Session) {
	c := a.loadConn(w, r, se)
	if c == nil {
		return
	}
	if err := a.o.Store.RemoveConnection(r.Context(), c.ID); err != nil {
		a.internal(w, r, se, "delete the connection", err)
		return
	}
	a.redirect(w, r, "/admin/connections", "Connection "+c.Name+" deleted.")
}
