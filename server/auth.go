package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/store"
)

// Realm is the HTTP Basic realm of the server's challenge.
const Realm = "backlogsync"

type ctxKey int

const (
	userKey ctxKey = iota
	workspaceKey
	logInfoKey
)

// UserFrom returns the user an Authenticated handler's request was signed
// in as.
func UserFrom(ctx context.Context) (*store.User, bool) {
	u, ok := ctx.Value(userKey).(*store.User)
	return u, ok
}

// Workspace is a workspace resolved for a request of the /odata/ routes:
// the user may read it, its destination is open and Tables lists the
// destination tables it exposes.
type Workspace struct {
	Name        string
	Destination string
	Dest        backlogsync.Destination
	Tables      []string
}

// WorkspaceFrom returns the workspace MountOData resolved for the request.
// The odata handler's Resolve calls it.
func WorkspaceFrom(ctx context.Context) (*Workspace, bool) {
	w, ok := ctx.Value(workspaceKey).(*Workspace)
	return w, ok
}

// Authenticated wraps h with HTTP Basic authentication (user = e-mail,
// password = personal access token) or a Bearer personal access token: 401 with a Basic challenge when the
// credentials are missing or wrong, 429 while the client's address is
// slowed down after repeated failures. h finds the user with UserFrom.
func (s *Server) Authenticated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r)
		if wait := s.lim.blocked(ip); wait > 0 {
			secs := int((wait + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.o.WriteError(w, r, http.StatusTooManyRequests, "TooManyFailedSignIns",
				"too many failed sign-ins from your address; wait "+strconv.Itoa(secs)+" s and check the e-mail and token")
			return
		}
		var u *store.User
		var err error
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.TrimSpace(bearer) != "" {
			// The REST API's clients send the token alone.
			u, _, err = s.o.Store.AuthenticateBearer(r.Context(), strings.TrimSpace(bearer))
		} else {
			email, token, ok := r.BasicAuth()
			if !ok || email == "" || token == "" {
				s.challenge(w, r, "sign in with HTTP Basic: your e-mail as the user name and a personal access token (backlogsync tokens create) as the password, or send the token as a Bearer token")
				return
			}
			u, _, err = s.o.Store.Authenticate(r.Context(), email, token)
		}
		if err != nil {
			if backlogsync.ErrorCode(err) != backlogsync.EUNAUTHORIZED {
				s.log.Error("authenticate", "err", err)
				s.o.WriteError(w, r, http.StatusInternalServerError, "InternalError", "the server could not check the credentials; see its log")
				return
			}
			s.lim.fail(ip)
			if li, ok := r.Context().Value(logInfoKey).(*logInfo); ok {
				li.authFail = backlogsync.ErrorMessage(err) // never contains the token
			}
			s.challenge(w, r, "wrong e-mail or token, or the token is expired or revoked; create a new one with backlogsync tokens create")
			return
		}
		s.lim.success(ip)
		if li, ok := r.Context().Value(logInfoKey).(*logInfo); ok {
			li.user = u.Email
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

// AdminOnly is Authenticated for admins: 403 for other users.
func (s *Server) AdminOnly(h http.Handler) http.Handler {
	return s.Authenticated(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := UserFrom(r.Context()); u == nil || !u.Admin {
			s.o.WriteError(w, r, http.StatusForbidden, "Forbidden", "this needs an admin; ask one to run backlogsync users add EMAIL --admin")
			return
		}
		h.ServeHTTP(w, r)
	}))
}

func (s *Server) challenge(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`", charset="UTF-8"`)
	s.o.WriteError(w, r, http.StatusUnauthorized, "Unauthorized", msg)
}

// MountOData serves h at /odata/: requests are authenticated, the first
// path segment names a workspace (404 when there is none, 403 when the
// user is not granted it), and h sees the path below /odata (as
// http.StripPrefix leaves it) with the resolved workspace in the request's
// context (WorkspaceFrom).
func (s *Server) MountOData(h http.Handler) {
	inner := http.StripPrefix("/odata", h)
	s.mux.Handle("/odata/", s.Authenticated(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.EscapedPath(), "/odata/")
		seg, _, _ := strings.Cut(rest, "/")
		name, err := url.PathUnescape(seg)
		if err != nil || name == "" {
			s.o.WriteError(w, r, http.StatusNotFound, "NotFound", "give a workspace: /odata/{workspace}/ (backlogsync workspaces list shows them)")
			return
		}
		u, _ := UserFrom(r.Context())
		ws, status, msg := s.resolve(r.Context(), u, name)
		if status != 0 {
			s.o.WriteError(w, r, status, strings.ReplaceAll(http.StatusText(status), " ", ""), msg) // NotFound, as OData's codes
			return
		}
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), workspaceKey, ws)))
	})))
}

// resolve finds the workspace name for u: a status and message when it
// may not be served.
func (s *Server) resolve(ctx context.Context, u *store.User, name string) (*Workspace, int, string) {
	sw, err := s.o.Store.Workspace(ctx, name)
	if backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND {
		return nil, http.StatusNotFound, "no workspace " + name + "; ask an admin for the URL (backlogsync workspaces list)"
	}
	if err != nil {
		s.log.Error("workspace", "workspace", name, "err", err)
		return nil, http.StatusInternalServerError, "the server could not read the workspace; see its log"
	}
	ok, err := s.o.Store.Granted(ctx, u, sw.ID)
	if err != nil {
		s.log.Error("grant check", "workspace", name, "err", err)
		return nil, http.StatusInternalServerError, "the server could not check the grant; see its log"
	}
	if !ok {
		return nil, http.StatusForbidden, u.Email + " is not granted workspace " + name + "; ask an admin: backlogsync workspaces grant " + name + " --user " + u.Email
	}
	d, err := s.dests.get(ctx, sw.Destination)
	if err != nil {
		s.log.Error("open destination", "workspace", name, "destination", sw.Destination, "err", err)
		return nil, http.StatusServiceUnavailable, "the destination " + sw.Destination + " of workspace " + name + " cannot be opened; see the server's log"
	}
	existing, err := s.tables.get(ctx, sw.Destination, d)
	if err != nil {
		s.log.Error("list tables", "destination", sw.Destination, "err", err)
		return nil, http.StatusServiceUnavailable, "the tables of destination " + sw.Destination + " cannot be listed; see the server's log"
	}
	ws := &Workspace{Name: sw.Name, Destination: sw.Destination, Dest: d}
	if sw.AllTables {
		ws.Tables = existing
	} else {
		// Tables dropped since the workspace was made are left out rather
		// than failing every request.
		for _, t := range sw.Tables {
			if slices.Contains(existing, t) {
				ws.Tables = append(ws.Tables, t)
			}
		}
	}
	return ws, 0, ""
}

// tableCache keeps each destination's table names for a few seconds, so
// that paging through a table does not list the schema on every page.
type tableCache struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]tableEntry
}

type tableEntry struct {
	names []string
	at    time.Time
}

// tableCacheTTL is how soon a table created by replication shows in an
// "all tables" workspace.
const tableCacheTTL = 10 * time.Second

func (c *tableCache) get(ctx context.Context, name string, d backlogsync.Destination) ([]string, error) {
	c.mu.Lock()
	e, ok := c.m[name]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < tableCacheTTL {
		return e.names, nil
	}
	ts, err := d.Tables(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]tableEntry{}
	}
	c.m[name] = tableEntry{names, c.now()}
	c.mu.Unlock()
	return names, nil
}

// writeJSONError writes an error in OData's JSON shape.
func writeJSONError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}
