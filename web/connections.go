package web

import (
	"context"
	"net/http"
	"strconv"

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

// readConnForm reads the form and checks it as the REST API does
// (service.ConnectionInput.Check; a secret is required when needSecret):
// the form as typed, trimmed, the secret, and the problem ("" for none).
func readConnForm(r *http.Request, needSecret bool) (connForm, string, string) {
	in := service.ConnectionInput{Name: r.PostFormValue("name"), SpaceURL: r.PostFormValue("space_url"),
		AuthScheme: r.PostFormValue("auth_scheme"), Secret: r.PostFormValue("secret")}
	msg := in.Check(needSecret)
	return connForm{Name: in.Name, SpaceURL: in.SpaceURL, AuthScheme: in.AuthScheme}, in.Secret, msg
}

// testConnection is service.TestConnection with the form's values and
// the web admin's HTTP client.
func (a *app) testConnection(ctx context.Context, f connForm, secret string) (*testResult, string) {
	rep, msg := service.TestConnection(ctx, a.o.HTTPClient, service.ConnectionTest{SpaceURL: f.SpaceURL, AuthScheme: f.AuthScheme, Secret: secret})
	if rep == nil {
		return nil, msg
	}
	return &testResult{Space: rep.Space, SpaceKey: rep.SpaceKey, User: rep.User, Role: rep.Role, RateLimit: rep.RateLimit}, ""
}

// createConnection is Create & Test: it tests the connection and saves it
// only when the test passed.
func (a *app) createConnection(w http.ResponseWriter, r *http.Request, se *store.Session) {
	f, secret, problem := readConnForm(r, true)
	if problem != "" {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: "+problem+".")
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
	f, secret, problem := readConnForm(r, false)
	f.ID, f.HasSecret = c.ID, true
	if problem != "" {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: "+problem+".")
		return
	}
	if a.seal == nil {
		a.renderConnections(w, r, se, http.StatusBadRequest, f, nil, "", "Not saved: the server has no key to encrypt secrets with ("+EnvSecretKey+").")
		return
	}
	if secret == "" {
		var err error
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
