package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OAuth 2.0 lifetimes (behaviour.md §2). Backlog documents the access-token
// lifetime; the code lifetime is RFC 6749's recommended maximum. Refresh
// tokens do not expire but are rotated on every use.
const (
	OAuthCodeTTL   = 10 * time.Minute
	OAuthAccessTTL = 3600 * time.Second
)

// DefaultOAuthClient is the application registered when Options.OAuthClients
// is empty. Its empty RedirectURI accepts any http loopback redirect URI
// (127.0.0.1, localhost or [::1], any port and path).
var DefaultOAuthClient = OAuthClient{ID: "backlogsync-demo", Secret: "demo-secret"}

// oauthState holds OAuth clients, authorization codes and tokens.
type oauthState struct {
	mu      sync.Mutex
	clients map[string]OAuthClient
	codes   map[string]*oauthCode
	access  map[string]*oauthToken
	refresh map[string]*oauthToken
	csrf    map[string]time.Time // consent-form tokens → expiry
	// autoApprove is the user id that authorization requests approve
	// without showing the consent page (0 = show it).
	autoApprove int64
}

// oauthCode is an issued authorization code.
type oauthCode struct {
	clientID    string
	redirectURI string // as given in the authorization request ("" = omitted)
	userID      int64
	expires     time.Time
	used        bool
	issued      []string // tokens issued for it (revoked if the code is replayed)
}

// oauthToken is an access or refresh token.
type oauthToken struct {
	clientID string
	userID   int64
	expires  time.Time // access tokens only
}

func newOAuthState(clients []OAuthClient) *oauthState {
	o := &oauthState{clients: map[string]OAuthClient{}}
	if len(clients) == 0 {
		clients = []OAuthClient{DefaultOAuthClient}
	}
	for _, c := range clients {
		o.clients[c.ID] = c
	}
	o.forget()
	return o
}

// forget drops every code and token (reseed: user ids change meaning).
func (o *oauthState) forget() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes = map[string]*oauthCode{}
	o.access = map[string]*oauthToken{}
	o.refresh = map[string]*oauthToken{}
	o.csrf = map[string]time.Time{}
}

// lookup returns the user id of a bearer token, or a problem description
// ("The access token is invalid", "The access token expired").
func (o *oauthState) lookup(token string, now time.Time) (int64, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.access[token]
	if t == nil || token == "" {
		return 0, "The access token is invalid"
	}
	if !now.Before(t.expires) {
		return 0, "The access token expired"
	}
	return t.userID, ""
}

// allows reports whether uri is an acceptable redirect URI of the client.
func (c OAuthClient) allows(uri string) bool {
	if c.RedirectURI != "" {
		return uri == c.RedirectURI
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.Fragment != "" || u.User != nil {
		return false
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

// randomToken returns 32 random bytes in hex (64 characters).
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// prune drops expired codes, consent tokens and long-expired access tokens.
// The caller holds o.mu.
func (o *oauthState) prune(now time.Time) {
	for k, c := range o.codes {
		if now.After(c.expires) {
			delete(o.codes, k)
		}
	}
	for k, exp := range o.csrf {
		if now.After(exp) {
			delete(o.csrf, k)
		}
	}
	for k, t := range o.access {
		if now.After(t.expires.Add(24 * time.Hour)) {
			delete(o.access, k)
		}
	}
}

// issueCode creates an authorization code.
func (o *oauthState) issueCode(clientID, redirectURI string, userID int64, now time.Time) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.prune(now)
	code := randomToken()
	o.codes[code] = &oauthCode{clientID: clientID, redirectURI: redirectURI, userID: userID,
		expires: now.Add(OAuthCodeTTL)}
	return code
}

// issueTokensLocked creates an access and a refresh token.
func (o *oauthState) issueTokensLocked(clientID string, userID int64, now time.Time) (access, refresh string) {
	access, refresh = randomToken(), randomToken()
	o.access[access] = &oauthToken{clientID: clientID, userID: userID, expires: now.Add(OAuthAccessTTL)}
	o.refresh[refresh] = &oauthToken{clientID: clientID, userID: userID}
	return access, refresh
}

// newCSRF returns a consent-form token valid for OAuthCodeTTL.
func (o *oauthState) newCSRF(now time.Time) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.prune(now)
	t := randomToken()
	o.csrf[t] = now.Add(OAuthCodeTTL)
	return t
}

// takeCSRF consumes a consent-form token and reports whether it was valid.
func (o *oauthState) takeCSRF(t string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	exp, ok := o.csrf[t]
	delete(o.csrf, t)
	return ok && t != "" && now.Before(exp)
}

// routesOAuth registers the OAuth routes: the authorization page at the web
// root and the token endpoint. Neither needs an API key nor counts against
// a rate limit; both are logged with class "".
func (s *Server) routesOAuth() {
	s.handleClass(http.MethodGet, "/OAuth2AccessRequest.action", -1, false, s.oauthAuthorize)
	s.handleClass(http.MethodPost, "/OAuth2AccessRequest.action", -1, false, s.oauthConsent)
	s.handleClass(http.MethodPost, "/api/v2/oauth2/token", -1, false, s.oauthToken)
}

// authRequest is a validated authorization request.
type authRequest struct {
	client      OAuthClient
	redirectURI string // effective redirect URI
	given       bool   // redirect_uri was in the request
	state       string
}

// validateAuthRequest checks response_type, client_id and redirect_uri. Its
// error message is shown on an HTML page: an invalid client or redirect URI
// must never be redirected to.
func (s *Server) validateAuthRequest(c *call) (*authRequest, string) {
	clientID := c.q.str("client_id")
	if clientID == "" {
		return nil, "The client_id parameter is missing."
	}
	s.oauth.mu.Lock()
	client, ok := s.oauth.clients[clientID]
	s.oauth.mu.Unlock()
	if !ok {
		return nil, "Unknown client_id " + strconv.Quote(clientID) + "."
	}
	ar := &authRequest{client: client, state: c.q.str("state")}
	ar.redirectURI, ar.given = c.q.str("redirect_uri"), c.q.has("redirect_uri")
	if !ar.given || ar.redirectURI == "" {
		if client.RedirectURI == "" {
			return nil, "The redirect_uri parameter is missing."
		}
		ar.redirectURI, ar.given = client.RedirectURI, false
	}
	if !client.allows(ar.redirectURI) {
		return nil, "The redirect_uri does not match the one registered for this application."
	}
	if rt := c.q.str("response_type"); rt != "code" {
		if rt == "" {
			return nil, "The response_type parameter is missing (use response_type=code)."
		}
		return nil, "Unsupported response_type " + strconv.Quote(rt) + " (use response_type=code)."
	}
	return ar, ""
}

// redirect answers 302 to the request's redirect URI with extra parameters.
func (ar *authRequest) redirect(c *call, params url.Values) error {
	u, err := url.Parse(ar.redirectURI)
	if err != nil {
		return err
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if ar.state != "" {
		q.Set("state", ar.state)
	}
	u.RawQuery = q.Encode()
	c.w.Header().Set("Location", u.String())
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.WriteHeader(http.StatusFound)
	return nil
}

// approve issues a code for user uid and redirects.
func (s *Server) approve(c *call, ar *authRequest, uid int64) error {
	given := ""
	if ar.given {
		given = ar.redirectURI
	}
	code := s.oauth.issueCode(ar.client.ID, given, uid, s.now())
	return ar.redirect(c, url.Values{"code": {code}})
}

// oauthAuthorize serves GET /OAuth2AccessRequest.action: the consent page, or
// an immediate redirect when auto-approval is on.
func (s *Server) oauthAuthorize(c *call) error {
	ar, problem := s.validateAuthRequest(c)
	if problem != "" {
		return s.oauthErrorPage(c, problem)
	}
	s.oauth.mu.Lock()
	auto := s.oauth.autoApprove
	s.oauth.mu.Unlock()
	st := s.store
	st.mu.RLock()
	if auto != 0 {
		exists := st.users[auto] != nil
		st.mu.RUnlock()
		if !exists {
			return s.oauthErrorPage(c, "The auto-approve user no longer exists.")
		}
		return s.approve(c, ar, auto)
	}
	page := consentPage{Client: ar.client.ID, Redirect: ar.redirectURI, State: ar.state,
		RedirectGiven: ar.given, CSRF: s.oauth.newCSRF(s.now()), Space: st.space.SpaceKey}
	for _, u := range st.userList {
		page.Users = append(page.Users, consentUser{ID: u.ID, UserID: u.UserID, Name: u.Name, Role: roleName(u.RoleType)})
	}
	st.mu.RUnlock()
	return c.html(http.StatusOK, consentTmpl, page)
}

// oauthConsent serves the consent form's POST.
func (s *Server) oauthConsent(c *call) error {
	ar, problem := s.validateAuthRequest(c)
	if problem != "" {
		return s.oauthErrorPage(c, problem)
	}
	if !s.oauth.takeCSRF(c.q.str("csrf"), s.now()) {
		return s.oauthErrorPage(c, "The form has expired; go back and open the authorization page again.")
	}
	if c.q.str("action") != "allow" {
		return ar.redirect(c, url.Values{"error": {"access_denied"},
			"error_description": {"The user denied the request."}})
	}
	uid, err := strconv.ParseInt(c.q.str("user"), 10, 64)
	st := s.store
	st.mu.RLock()
	exists := err == nil && st.users[uid] != nil
	st.mu.RUnlock()
	if !exists {
		return s.oauthErrorPage(c, "Choose a user of the space.")
	}
	return s.approve(c, ar, uid)
}

// SetOAuthAutoApprove makes authorization requests approve at once as the
// user with id uid (no consent page), so that tests and "backlogsync auth
// login" can run headless; 0 turns it off.
func (s *Server) SetOAuthAutoApprove(uid int64) error {
	if uid != 0 {
		s.storeMu.RLock()
		st := s.store
		st.mu.RLock()
		ok := st.users[uid] != nil
		st.mu.RUnlock()
		s.storeMu.RUnlock()
		if !ok {
			return notFound("user")
		}
	}
	s.oauth.mu.Lock()
	s.oauth.autoApprove = uid
	s.oauth.mu.Unlock()
	return nil
}

// oauthToken serves POST /api/v2/oauth2/token.
func (s *Server) oauthToken(c *call) error {
	h := c.w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	grant := c.q.str("grant_type")
	if grant == "" {
		return oauthError(c, http.StatusBadRequest, "invalid_request", "The grant_type parameter is missing.")
	}
	if grant != "authorization_code" && grant != "refresh_token" {
		return oauthError(c, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type.")
	}
	// Client authentication: form parameters or HTTP Basic (RFC 6749 §2.3.1).
	id, secret, basic := c.r.BasicAuth()
	if !basic {
		id, secret = c.q.str("client_id"), c.q.str("client_secret")
	}
	now := s.now()
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	client, ok := o.clients[id]
	if !ok || id == "" || !constantTimeHas([]string{client.Secret}, secret) {
		if basic {
			h.Set("WWW-Authenticate", `Basic realm="Backlog"`)
		}
		return oauthError(c, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
	}
	var uid int64
	var codeEntry *oauthCode
	switch grant {
	case "authorization_code":
		code := c.q.str("code")
		ce := o.codes[code]
		if code == "" || ce == nil || ce.clientID != id {
			return oauthError(c, http.StatusBadRequest, "invalid_grant", "Grant is invalid.")
		}
		if ce.used {
			// A replayed code revokes what it issued (RFC 6749 §4.1.2).
			for _, t := range ce.issued {
				delete(o.access, t)
				delete(o.refresh, t)
			}
			delete(o.codes, code)
			return oauthError(c, http.StatusBadRequest, "invalid_grant", "Grant is invalid.")
		}
		ce.used = true
		if !now.Before(ce.expires) || c.q.str("redirect_uri") != ce.redirectURI {
			return oauthError(c, http.StatusBadRequest, "invalid_grant", "Grant is invalid.")
		}
		uid, codeEntry = ce.userID, ce
	case "refresh_token":
		rt := c.q.str("refresh_token")
		t := o.refresh[rt]
		if rt == "" || t == nil || t.clientID != id {
			return oauthError(c, http.StatusBadRequest, "invalid_grant", "Grant is invalid.")
		}
		delete(o.refresh, rt) // rotation: a refresh token works once
		uid = t.userID
	}
	o.prune(now)
	access, refresh := o.issueTokensLocked(id, uid, now)
	if codeEntry != nil {
		codeEntry.issued = append(codeEntry.issued, access, refresh)
	}
	return c.ok(map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": int(OAuthAccessTTL / time.Second), "refresh_token": refresh})
}

// oauthError writes an RFC 6749 token-endpoint error.
func oauthError(c *call, status int, code, desc string) error {
	return c.json(status, map[string]string{"error": code, "error_description": desc})
}

// oauthErrorPage shows an authorization error as an HTML page (400).
func (s *Server) oauthErrorPage(c *call, problem string) error {
	return c.html(http.StatusBadRequest, errorTmpl, struct{ Problem string }{problem})
}

// html renders a template as an HTML page.
func (c *call) html(status int, t *template.Template, data any) error {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return err
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	c.w.WriteHeader(status)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write([]byte(b.String()))
	}
	return nil
}

// roleName names a role type for people.
func roleName(rt int) string {
	switch rt {
	case RoleAdmin:
		return "Administrator"
	case RoleNormal:
		return "Normal user"
	case RoleReporter:
		return "Reporter"
	case RoleViewer:
		return "Viewer"
	}
	return "Role " + strconv.Itoa(rt)
}

type consentUser struct {
	ID           int64
	UserID, Name string
	Role         string
}

type consentPage struct {
	Space, Client, Redirect, State, CSRF string
	RedirectGiven                        bool
	Users                                []consentUser
}

var consentTmpl = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {{.Client}} — Backlog emulator</title></head>
<body>
<h1>Authorize application</h1>
<p>The application <strong>{{.Client}}</strong> asks to access the Backlog space <strong>{{.Space}}</strong> on your behalf.
It will be sent back to <code>{{.Redirect}}</code>.</p>
<p>This is the backlogsync emulator: choose the user to sign in as.</p>
<form method="post" action="/OAuth2AccessRequest.action">
<input type="hidden" name="response_type" value="code">
<input type="hidden" name="client_id" value="{{.Client}}">
{{if .RedirectGiven}}<input type="hidden" name="redirect_uri" value="{{.Redirect}}">{{end}}
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="user">User</label>
<select id="user" name="user">
{{range .Users}}<option value="{{.ID}}">{{.Name}} ({{.UserID}}, {{.Role}})</option>
{{end}}</select>
<button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>
</body></html>
`))

var errorTmpl = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization error — Backlog emulator</title></head>
<body>
<h1>Authorization error</h1>
<p id="problem">{{.Problem}}</p>
</body></html>
`))
