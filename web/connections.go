package web

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// connForm is the connection form as typed (never the stored secret).
type connForm struct {
	ID         int64
	Name       string
	SpaceURL   string
	AuthScheme string
	HasSecret  bool // editing: a secret is stored (left blank keeps it)
	// The rate-limit settings as typed; blank is the default.
	MaxShare    string
	Concurrency string
	Pacing      string
	// Field is the field (its input name) the problem is in, marked invalid.
	Field string
}

// formOf is the form of a stored connection: its rate-limit settings
// blank where they are the defaults.
func formOf(c store.Connection) connForm {
	f := connForm{ID: c.ID, Name: c.Name, SpaceURL: c.SpaceURL, AuthScheme: c.AuthScheme, HasSecret: true, Pacing: c.Pacing}
	if c.MaxShare > 0 && c.MaxShare < 1 {
		f.MaxShare = strconv.FormatFloat(c.MaxShare, 'g', -1, 64)
	}
	if c.Concurrency > 0 {
		f.Concurrency = strconv.Itoa(c.Concurrency)
	}
	return f
}

// rateLimitText says what a stored connection asks of the rate limit, in
// the connections table: "all, 4 at once, window" by default (the
// client's default concurrency, backlog.DefaultConcurrency).
func rateLimitText(c store.Connection) string {
	share := "all"
	if c.MaxShare > 0 && c.MaxShare < 1 {
		share = strconv.FormatFloat(c.MaxShare*100, 'g', 4, 64) + "%"
	}
	conc := cmp.Or(c.Concurrency, backlog.DefaultConcurrency)
	what := strconv.Itoa(conc) + " at once"
	if conc == 1 {
		what = "1 at a time"
	}
	return share + ", " + what + ", " + cmp.Or(c.Pacing, "window")
}

// testResult is what Create & Test found, and whether it saved the
// connection.
type testResult struct {
	service.ConnectionReport
	Saved bool
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

// readConnForm reads the form and checks it as the REST API does
// (service.ConnectionInput.ReadRateLimit and Check; a secret is required
// when needSecret): the form as typed, trimmed, the input, and the
// problem ("" for none) naming the field by the form's label.
func readConnForm(r *http.Request, needSecret bool) (connForm, service.ConnectionInput, string) {
	in := service.ConnectionInput{Name: r.PostFormValue("name"), SpaceURL: r.PostFormValue("space_url"),
		AuthScheme: r.PostFormValue("auth_scheme"), Secret: r.PostFormValue("secret")}
	f := connForm{MaxShare: strings.TrimSpace(r.PostFormValue("max_share")), Concurrency: strings.TrimSpace(r.PostFormValue("concurrency")),
		Pacing: strings.TrimSpace(r.PostFormValue("pacing"))}
	p := in.ReadRateLimit(f.MaxShare, f.Concurrency, f.Pacing)
	// Check runs either way: it also trims the fields the form shows again.
	// The rate-limit problem, found first, is the one named.
	if q := in.Check(needSecret); p.OK() {
		p = q
	}
	f.Name, f.SpaceURL, f.AuthScheme, f.Field = in.Name, in.SpaceURL, in.AuthScheme, p.Field
	if p.OK() {
		return f, in, ""
	}
	return f, in, p.Form()
}

// connectionOf is the connection the checked input describes (its
// secret not sealed yet).
func connectionOf(id int64, in service.ConnectionInput) store.Connection {
	c := store.Connection{ID: id, Name: in.Name, SpaceURL: in.SpaceURL, AuthScheme: in.AuthScheme}
	in.ApplyRateLimit(&c)
	return c
}

// testConnection is service.TestConnection with the form's connection
// (rate limit included) and the web admin's HTTP client.
func (a *app) testConnection(ctx context.Context, c store.Connection, secret string) (*testResult, string) {
	rep, msg := service.TestConnection(ctx, a.o.HTTPClient, service.ConnectionTestOf(c, secret))
	if rep == nil {
		return nil, msg
	}
	return &testResult{ConnectionReport: *rep}, ""
}

// createConnection is Create & Test: it tests the connection and saves it
// only when the test passed.
func (a *app) createConnection(w http.ResponseWriter, r *http.Request, se *store.Session) {
	f, in, problem := readConnForm(r, true)
	if problem != "" {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: "+problem+".")
		return
	}
	c := connectionOf(0, in)
	secret := in.Secret
	res, msg := a.testConnection(r.Context(), c, secret)
	if msg != "" {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Test failed, nothing saved. "+msg)
		return
	}
	if a.seal == nil {
		a.renderConnections(w, r, se, http.StatusOK, f, res, "", "The test passed, but the connection was not saved: the server has no key to encrypt secrets with; "+service.NoSecretKeyFix+".")
		return
	}
	sealed, err := a.seal.Seal(secret, f.Name)
	if err != nil {
		a.internal(w, r, se, "encrypt the secret", err)
		return
	}
	c.Secret = sealed
	if err := a.o.Store.AddConnection(r.Context(), &c); err != nil {
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
	a.renderConnections(w, r, se, http.StatusOK, formOf(*c), nil, "", "")
}

// updateConnection tests the edited connection (with the new secret, or
// the stored one when left blank) and saves it only when the test passed.
func (a *app) updateConnection(w http.ResponseWriter, r *http.Request, se *store.Session) {
	c := a.loadConn(w, r, se)
	if c == nil {
		return
	}
	f, in, problem := readConnForm(r, false)
	f.ID, f.HasSecret = c.ID, true
	up := connectionOf(c.ID, in)
	secret := in.Secret
	if problem != "" {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: "+problem+".")
		return
	}
	if a.seal == nil {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: the server has no key to encrypt secrets with; "+service.NoSecretKeyFix+".")
		return
	}
	if secret == "" {
		var err error
		if secret, err = a.seal.Open(c.Secret, c.Name); err != nil {
			a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: "+err.Error()+" Type the secret again.")
			return
		}
	}
	res, msg := a.testConnection(r.Context(), up, secret)
	if msg != "" {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Test failed, nothing saved. "+msg)
		return
	}
	sealed, err := a.seal.Seal(secret, f.Name)
	if err != nil {
		a.internal(w, r, se, "encrypt the secret", err)
		return
	}
	up.Secret = sealed
	if err := a.o.Store.UpdateConnection(r.Context(), &up); err != nil {
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
