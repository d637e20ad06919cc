package service

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/store"
)

// userView is a user as the API shows it.
type userView struct {
	Email   string    `json:"email"`
	Admin   bool      `json:"admin"`
	Created time.Time `json:"created"`
}

// tokenView is a token as the API shows it: never its secret, except once
// in the answer that creates it.
type tokenView struct {
	ID       int64      `json:"id"`
	User     string     `json:"user"`
	Name     string     `json:"name"`
	Prefix   string     `json:"prefix"`
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used,omitempty"`
	Expires  *time.Time `json:"expires,omitempty"`
	Revoked  *time.Time `json:"revoked,omitempty"`
	Token    string     `json:"token,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tokenViewOf(t *store.Token) tokenView {
	return tokenView{ID: t.ID, User: t.User, Name: t.Name, Prefix: t.Prefix, Created: t.Created,
		LastUsed: timePtr(t.LastUsed), Expires: timePtr(t.Expires), Revoked: timePtr(t.Revoked)}
}

func (s *Service) me(w http.ResponseWriter, r *http.Request) {
	u, _ := server.UserFrom(r.Context())
	writeJSON(w, http.StatusOK, userView{Email: u.Email, Admin: u.Admin, Created: u.Created})
}

func (s *Service) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.o.Store.Users(r.Context())
	if err != nil {
		storeError(w, err)
		return
	}
	out := []userView{}
	for _, u := range us {
		out = append(out, userView{Email: u.Email, Admin: u.Admin, Created: u.Created})
	}
	writeJSON(w, http.StatusOK, out)
}

// addUser creates a user from {"email": "...", "admin": false}.
func (s *Service) addUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
		Admin bool   `json:"admin"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	u, err := s.o.Store.AddUser(r.Context(), in.Email, in.Admin)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, userView{Email: u.Email, Admin: u.Admin, Created: u.Created})
}

func (s *Service) removeUser(w http.ResponseWriter, r *http.Request) {
	email := r.PathValue("email")
	if u, _ := server.UserFrom(r.Context()); strings.EqualFold(u.Email, email) {
		writeError(w, http.StatusConflict, "you cannot remove yourself; another admin can")
		return
	}
	if err := s.o.Store.RemoveUser(r.Context(), email); err != nil {
		storeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listTokens lists the caller's tokens; an admin may ask for ?user=EMAIL
// or ?user=* (everyone's).
func (s *Service) listTokens(w http.ResponseWriter, r *http.Request) {
	u, _ := server.UserFrom(r.Context())
	who := u.Email
	if q := r.URL.Query().Get("user"); q != "" && !strings.EqualFold(q, u.Email) {
		if !u.Admin {
			writeError(w, http.StatusForbidden, "only an admin lists other users' tokens")
			return
		}
		who = q
		if q == "*" {
			who = ""
		}
	}
	ts, err := s.o.Store.Tokens(r.Context(), who)
	if err != nil {
		storeError(w, err)
		return
	}
	out := []tokenView{}
	for i := range ts {
		out = append(out, tokenViewOf(&ts[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// createToken creates a token from {"name": "...", "ttl": "90d", "user":
// "..."} (user: admins only; the caller by default). The answer holds the
// token, shown this once.
func (s *Service) createToken(w http.ResponseWriter, r *http.Request) {
	u, _ := server.UserFrom(r.Context())
	var in struct {
		Name string `json:"name"`
		TTL  string `json:"ttl"`
		User string `json:"user"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	who := u.Email
	if in.User != "" && !strings.EqualFold(in.User, u.Email) {
		if !u.Admin {
			writeError(w, http.StatusForbidden, "only an admin creates tokens for other users")
			return
		}
		who = in.User
	}
	var ttl time.Duration
	if in.TTL != "" {
		var err error
		if ttl, err = store.ParseTTL(in.TTL); err != nil {
			writeError(w, http.StatusBadRequest, backlogsync.ErrorMessage(err))
			return
		}
	}
	secret, t, err := s.o.Store.CreateToken(r.Context(), who, in.Name, ttl)
	if err != nil {
		storeError(w, err)
		return
	}
	v := tokenViewOf(t)
	v.Token = secret
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, v)
}

// revokeToken revokes a token by id or prefix: the caller's own, or any
// for an admin.
func (s *Service) revokeToken(w http.ResponseWriter, r *http.Request) {
	u, _ := server.UserFrom(r.Context())
	ref := r.PathValue("ref")
	if !u.Admin {
		ts, err := s.o.Store.Tokens(r.Context(), u.Email)
		if err != nil {
			storeError(w, err)
			return
		}
		mine := false
		for _, t := range ts {
			if strconv.FormatInt(t.ID, 10) == ref || t.Prefix == ref {
				mine = true
			}
		}
		if !mine {
			// The same answer whether the token exists or is another user's.
			writeError(w, http.StatusNotFound, "you have no token "+strconv.Quote(ref)+"; GET /api/tokens lists yours")
			return
		}
	}
	t, err := s.o.Store.RevokeToken(r.Context(), ref)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenViewOf(t))
}

// workspaceView is a workspace as the API shows it.
type workspaceView struct {
	Name        string    `json:"name"`
	Destination string    `json:"destination"`
	AllTables   bool      `json:"all_tables"`
	Tables      []string  `json:"tables"`
	Users       []string  `json:"users"`
	Created     time.Time `json:"created"`
}

func workspaceViewOf(ws *store.Workspace) workspaceView {
	v := workspaceView{Name: ws.Name, Destination: ws.Destination, AllTables: ws.AllTables, Tables: ws.Tables, Users: ws.Users, Created: ws.Created}
	if v.Tables == nil {
		v.Tables = []string{}
	}
	if v.Users == nil {
		v.Users = []string{}
	}
	return v
}

func (s *Service) listWorkspaces(w http.ResponseWriter, r *http.Request) {
	ws, err := s.o.Store.Workspaces(r.Context())
	if err != nil {
		storeError(w, err)
		return
	}
	out := []workspaceView{}
	for i := range ws {
		out = append(out, workspaceViewOf(&ws[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// addWorkspace creates a workspace from {"name": "...", "destination":
// "...", "tables": [...]} (no tables: every table, now and later). The
// destination must be one of the config's, the tables its own.
func (s *Service) addWorkspace(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string   `json:"name"`
		Destination string   `json:"destination"`
		Tables      []string `json:"tables"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if _, ok := s.o.Config.Destination(in.Destination); !ok {
		var names []string
		for _, d := range s.o.Config.Destinations {
			names = append(names, d.Name)
		}
		writeError(w, http.StatusBadRequest, "no destination "+strconv.Quote(in.Destination)+" in the config; use one of "+strings.Join(names, ", "))
		return
	}
	if len(in.Tables) > 0 {
		d, err := s.o.Server.Destination(r.Context(), in.Destination)
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "destination "+in.Destination+" does not answer; see the server's log")
			return
		}
		ts, err := d.Tables(r.Context())
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "destination "+in.Destination+" does not list its tables; see the server's log")
			return
		}
		have := map[string]bool{}
		var names []string
		for _, t := range ts {
			have[t.Name] = true
			names = append(names, t.Name)
		}
		for _, t := range in.Tables {
			if !have[t] {
				msg := "destination " + in.Destination + " has no table " + strconv.Quote(t) + fuzzy.DidYouMean(t, names)
				writeError(w, http.StatusBadRequest, msg)
				return
			}
		}
	}
	ws, err := s.o.Store.AddWorkspace(r.Context(), in.Name, in.Destination, in.Tables)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, workspaceViewOf(ws))
}

func (s *Service) removeWorkspace(w http.ResponseWriter, r *http.Request) {
	if err := s.o.Store.RemoveWorkspace(r.Context(), r.PathValue("name")); err != nil {
		storeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// grant gives {"user": "..."} read access to the workspace.
func (s *Service) grant(w http.ResponseWriter, r *http.Request) {
	var in struct {
		User string `json:"user"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if err := s.o.Store.Grant(r.Context(), r.PathValue("name"), in.User); err != nil {
		storeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) revoke(w http.ResponseWriter, r *http.Request) {
	if err := s.o.Store.Revoke(r.Context(), r.PathValue("name"), r.PathValue("email")); err != nil {
		storeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
