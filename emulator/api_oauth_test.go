package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeClock is a settable Options.Now.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// send performs a request in-process without following redirects.
func send(t testing.TB, s *Server, method, target string, header http.Header, body string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://emulator"+target, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	c := s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

const testRedirect = "http://127.0.0.1:9999/callback"

// authorizeURL builds an authorization request.
func authorizeURL(client, redirect, state string) string {
	v := url.Values{"response_type": {"code"}, "client_id": {client}, "state": {state}}
	if redirect != "" {
		v.Set("redirect_uri", redirect)
	}
	return "/OAuth2AccessRequest.action?" + v.Encode()
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// consent opens the consent page and submits it; it returns the redirect.
func consent(t *testing.T, s *Server, client, redirect, state, action string, uid int64) *url.URL {
	t.Helper()
	st, h, body := send(t, s, "GET", authorizeURL(client, redirect, state), nil, "")
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("consent page: %d %s", st, body)
	}
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf in %s", body)
	}
	if !strings.Contains(string(body), `<option value="`+strconv.FormatInt(uid, 10)+`">`) {
		t.Fatalf("user %d not offered: %s", uid, body)
	}
	form := url.Values{"response_type": {"code"}, "client_id": {client}, "state": {state},
		"csrf": {string(m[1])}, "action": {action}, "user": {strconv.FormatInt(uid, 10)}}
	if redirect != "" {
		form.Set("redirect_uri", redirect)
	}
	st, h, body = send(t, s, "POST", "/OAuth2AccessRequest.action", nil, form.Encode())
	if st != http.StatusFound {
		t.Fatalf("consent POST: %d %s", st, body)
	}
	u, err := url.Parse(h.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

func token(t *testing.T, s *Server, form url.Values) (int, tokenResponse) {
	t.Helper()
	st, h, body := send(t, s, "POST", "/api/v2/oauth2/token", nil, form.Encode())
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatalf("token body %d %s: %v", st, body, err)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("token response without Cache-Control: no-store")
	}
	return st, tr
}

func bearer(t *testing.T, s *Server, tok string) (int, http.Header, []byte) {
	t.Helper()
	return send(t, s, "GET", "/api/v2/rateLimit", http.Header{"Authorization": {"Bearer " + tok}}, "")
}

func codeForm(code, redirect string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {DefaultOAuthClient.ID}, "client_secret": {DefaultOAuthClient.Secret}}
}

func TestOAuthFullFlow(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, RateLimits: PaidLimits, Now: clock.now})
	admin := s.Users()[0].ID

	u := consent(t, s, DefaultOAuthClient.ID, testRedirect, "st@te 1", "allow", admin)
	if got := u.Scheme + "://" + u.Host + u.Path; got != testRedirect {
		t.Fatalf("redirected to %s", got)
	}
	code := u.Query().Get("code")
	if len(code) != 64 || u.Query().Get("state") != "st@te 1" {
		t.Fatalf("redirect query %v", u.Query())
	}

	st, tr := token(t, s, codeForm(code, testRedirect))
	if st != 200 || tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 || len(tr.AccessToken) != 64 ||
		len(tr.RefreshToken) != 64 || tr.AccessToken == tr.RefreshToken || strings.Contains(tr.AccessToken, code) {
		t.Fatalf("token: %d %+v", st, tr)
	}
	st, h, body := bearer(t, s, tr.AccessToken)
	if st != 200 || h.Get("X-RateLimit-Remaining") != "599" {
		t.Fatalf("bearer call: %d %s %v", st, body, h)
	}
	// Bearer calls count against the same user as the API key.
	if _, h, _ := do(t, s, "GET", "/api/v2/space", "k", ""); h.Get("X-RateLimit-Remaining") != "598" {
		t.Errorf("API key after bearer: remaining %s", h.Get("X-RateLimit-Remaining"))
	}

	// One second before expiry the token works; at expiry it does not.
	clock.advance(OAuthAccessTTL - time.Second)
	if st, _, body := bearer(t, s, tr.AccessToken); st != 200 {
		t.Fatalf("before expiry: %d %s", st, body)
	}
	clock.advance(time.Second)
	st, h, body = bearer(t, s, tr.AccessToken)
	want := `Bearer error="invalid_token", error_description="The access token expired"`
	if st != 401 || h.Get("WWW-Authenticate") != want || len(body) != 0 {
		t.Fatalf("expired: %d %q %s", st, h.Get("WWW-Authenticate"), body)
	}

	// Refresh rotates the refresh token and issues a working access token.
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken},
		"client_id": {DefaultOAuthClient.ID}, "client_secret": {DefaultOAuthClient.Secret}}
	st, tr2 := token(t, s, refresh)
	if st != 200 || tr2.AccessToken == tr.AccessToken || tr2.RefreshToken == tr.RefreshToken || tr2.ExpiresIn != 3600 {
		t.Fatalf("refresh: %d %+v", st, tr2)
	}
	if st, _, body := bearer(t, s, tr2.AccessToken); st != 200 {
		t.Fatalf("refreshed token: %d %s", st, body)
	}
	if st, tr3 := token(t, s, refresh); st != 400 || tr3.Error != "invalid_grant" || tr3.Description != "Grant is invalid." {
		t.Errorf("reused refresh token: %d %+v", st, tr3)
	}
	// The code was single-use; replaying it revokes what it issued.
	if st, tr3 := token(t, s, codeForm(code, testRedirect)); st != 400 || tr3.Error != "invalid_grant" {
		t.Errorf("replayed code: %d %+v", st, tr3)
	}
	st, h, _ = bearer(t, s, "nonsense")
	if st != 401 || h.Get("WWW-Authenticate") != `Bearer error="invalid_token", error_description="The access token is invalid"` {
		t.Errorf("invalid token: %d %q", st, h.Get("WWW-Authenticate"))
	}
}

func TestOAuthTokenErrors(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, Now: clock.now})
	admin := s.Users()[0].ID
	newCode := func() string {
		return consent(t, s, DefaultOAuthClient.ID, testRedirect, "", "allow", admin).Query().Get("code")
	}
	with := func(v url.Values, k, val string) url.Values {
		out := url.Values{}
		for kk, vv := range v {
			out[kk] = vv
		}
		if val == "-" {
			out.Del(k)
		} else {
			out.Set(k, val)
		}
		return out
	}
	cases := []struct {
		name   string
		form   func() url.Values
		status int
		errc   string
	}{
		{"no grant_type", func() url.Values { return with(codeForm(newCode(), testRedirect), "grant_type", "-") }, 400, "invalid_request"},
		{"password grant", func() url.Values { return with(codeForm(newCode(), testRedirect), "grant_type", "password") }, 400, "unsupported_grant_type"},
		{"wrong secret", func() url.Values { return with(codeForm(newCode(), testRedirect), "client_secret", "x") }, 401, "invalid_client"},
		{"unknown client", func() url.Values { return with(codeForm(newCode(), testRedirect), "client_id", "other") }, 401, "invalid_client"},
		{"no secret", func() url.Values { return with(codeForm(newCode(), testRedirect), "client_secret", "-") }, 401, "invalid_client"},
		{"unknown code", func() url.Values { return codeForm("abc", testRedirect) }, 400, "invalid_grant"},
		{"no code", func() url.Values { return with(codeForm("", testRedirect), "code", "-") }, 400, "invalid_grant"},
		{"redirect mismatch", func() url.Values { return codeForm(newCode(), "http://127.0.0.1:9999/other") }, 400, "invalid_grant"},
		{"no redirect", func() url.Values { return with(codeForm(newCode(), testRedirect), "redirect_uri", "-") }, 400, "invalid_grant"},
		{"expired code", func() url.Values {
			c := newCode()
			clock.advance(OAuthCodeTTL)
			return codeForm(c, testRedirect)
		}, 400, "invalid_grant"},
		{"no refresh token", func() url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultOAuthClient.ID}, "client_secret": {DefaultOAuthClient.Secret}}
		}, 400, "invalid_grant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, tr := token(t, s, c.form())
			if st != c.status || tr.Error != c.errc || tr.Description == "" || tr.AccessToken != "" {
				t.Errorf("got %d %+v, want %d %s", st, tr, c.status, c.errc)
			}
		})
	}
	// A code that failed once (redirect mismatch) is used up.
	code := newCode()
	if st, _ := token(t, s, codeForm(code, "http://localhost:1/x")); st != 400 {
		t.Fatal("mismatch accepted")
	}
	if st, tr := token(t, s, codeForm(code, testRedirect)); st != 400 || tr.Error != "invalid_grant" {
		t.Errorf("code after failed attempt: %d %+v", st, tr)
	}
	// HTTP Basic client authentication.
	code = newCode()
	form := with(with(codeForm(code, testRedirect), "client_id", "-"), "client_secret", "-")
	req, _ := http.NewRequest("POST", "http://emulator/api/v2/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultOAuthClient.ID, DefaultOAuthClient.Secret)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("basic auth: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", "http://emulator/api/v2/oauth2/token", strings.NewReader(codeForm(newCode(), testRedirect).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultOAuthClient.ID, "bad")
	resp, err = s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad basic auth: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestOAuthAuthorizePage(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, OAuthClients: []OAuthClient{
		{ID: "app", Secret: "s3", RedirectURI: "https://app.example.com/cb"},
		{ID: "loop", Secret: "s4"},
	}})
	admin := s.Users()[0].ID
	cases := []struct {
		name, query string
	}{
		{"unknown client", authorizeURL("backlogsync-demo", testRedirect, "")[len("/OAuth2AccessRequest.action"):]},
		{"no client", "?response_type=code&redirect_uri=" + url.QueryEscape(testRedirect)},
		{"redirect mismatch", authorizeURL("app", "https://evil.example.com/cb", "")[len("/OAuth2AccessRequest.action"):]},
		{"non-loopback for loopback client", authorizeURL("loop", "http://192.168.1.2/cb", "")[len("/OAuth2AccessRequest.action"):]},
		{"https loopback for loopback client", authorizeURL("loop", "https://127.0.0.1/cb", "")[len("/OAuth2AccessRequest.action"):]},
		{"no redirect for loopback client", authorizeURL("loop", "", "")[len("/OAuth2AccessRequest.action"):]},
		{"token response type", "?response_type=token&client_id=app"},
		{"no response type", "?client_id=app"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, h, body := send(t, s, "GET", "/OAuth2AccessRequest.action"+c.query, nil, "")
			if st != 400 || h.Get("Location") != "" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") ||
				!strings.Contains(string(body), `id="problem"`) {
				t.Errorf("got %d %v %s", st, h, body)
			}
		})
	}
	// The registered redirect URI is used when omitted, and the token
	// request then omits it too.
	u := consent(t, s, "app", "", "s", "allow", admin)
	if !strings.HasPrefix(u.String(), "https://app.example.com/cb?") {
		t.Fatalf("redirect %s", u)
	}
	st, tr := token(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")},
		"client_id": {"app"}, "client_secret": {"s3"}})
	if st != 200 {
		t.Fatalf("token without redirect_uri: %d %+v", st, tr)
	}
	// Another client's code is not accepted.
	code := consent(t, s, "loop", "http://localhost:5000/cb", "", "allow", admin).Query().Get("code")
	if st, tr := token(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"http://localhost:5000/cb"}, "client_id": {"app"}, "client_secret": {"s3"}}); st != 400 || tr.Error != "invalid_grant" {
		t.Errorf("other client's code: %d %+v", st, tr)
	}
	// Deny redirects with access_denied and the state.
	u = consent(t, s, "loop", "http://[::1]:5000/cb", "zz", "deny", admin)
	if u.Query().Get("error") != "access_denied" || u.Query().Get("state") != "zz" || u.Query().Get("code") != "" {
		t.Errorf("deny: %s", u)
	}
	// A POST without a valid consent token, or with an unknown user, is refused.
	form := url.Values{"response_type": {"code"}, "client_id": {"loop"}, "redirect_uri": {"http://localhost/cb"},
		"action": {"allow"}, "user": {strconv.FormatInt(admin, 10)}, "csrf": {"forged"}}
	if st, h, _ := send(t, s, "POST", "/OAuth2AccessRequest.action", nil, form.Encode()); st != 400 || h.Get("Location") != "" {
		t.Errorf("forged consent: %d %v", st, h)
	}
	_, _, page := send(t, s, "GET", authorizeURL("loop", "http://localhost/cb", ""), nil, "")
	form.Set("csrf", string(csrfRE.FindSubmatch(page)[1]))
	form.Set("user", "42")
	if st, _, _ := send(t, s, "POST", "/OAuth2AccessRequest.action", nil, form.Encode()); st != 400 {
		t.Errorf("unknown user: %d", st)
	}
	// The consent page escapes what it echoes.
	_, _, page = send(t, s, "GET", authorizeURL("loop", "http://localhost/cb", `"><script>x</script>`), nil, "")
	if strings.Contains(string(page), "<script>") {
		t.Errorf("state not escaped: %s", page)
	}
}

func TestOAuthAutoApprove(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	admin := s.Users()[0].ID
	key := http.Header{"Backlog-API-Key": {"k"}, "Content-Type": {"application/json"}}
	if st, _, body := send(t, s, "POST", "/_emulator/oauth/autoapprove", http.Header{"Content-Type": {"application/json"}}, `{"userId":"admin"}`); st != 401 || backlogError(t, body) != CodeAuthentication {
		t.Fatalf("without key: %d %s", st, body)
	}
	for _, c := range []struct {
		body   string
		status int
	}{{`{"userId":"nobody"}`, 404}, {`{"userId":42}`, 404}, {`{"userId":true}`, 400}, {`{}`, 400}, {`{"user":1}`, 400}} {
		if st, _, body := send(t, s, "POST", "/_emulator/oauth/autoapprove", key, c.body); st != c.status {
			t.Errorf("%s: %d %s", c.body, st, body)
		}
	}
	if st, _, body := send(t, s, "POST", "/_emulator/oauth/autoapprove", key, `{"userId":"admin"}`); st != 200 {
		t.Fatalf("autoapprove: %d %s", st, body)
	}
	st, h, _ := send(t, s, "GET", authorizeURL(DefaultOAuthClient.ID, testRedirect, "q"), nil, "")
	u, _ := url.Parse(h.Get("Location"))
	if st != 302 || u.Query().Get("state") != "q" {
		t.Fatalf("auto-approved: %d %v", st, h)
	}
	st, tr := token(t, s, codeForm(u.Query().Get("code"), testRedirect))
	if st != 200 {
		t.Fatalf("token: %d %+v", st, tr)
	}
	if st, _, _ := bearer(t, s, tr.AccessToken); st != 200 {
		t.Errorf("bearer: %d", st)
	}
	// Invalid requests are still refused with a page, not redirected.
	if st, h, _ := send(t, s, "GET", authorizeURL(DefaultOAuthClient.ID, "http://evil.example/cb", ""), nil, ""); st != 400 || h.Get("Location") != "" {
		t.Errorf("auto-approve with bad redirect: %d %v", st, h)
	}
	if st, _, body := send(t, s, "POST", "/_emulator/oauth/autoapprove", key, `{"userId":null}`); st != 200 {
		t.Fatalf("off: %d %s", st, body)
	}
	if st, _, _ := send(t, s, "GET", authorizeURL(DefaultOAuthClient.ID, testRedirect, ""), nil, ""); st != 200 {
		t.Errorf("after off: %d", st)
	}
	if err := s.SetOAuthAutoApprove(admin); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := send(t, s, "DELETE", "/_emulator/oauth/autoapprove", key, ""); st != 200 {
		t.Errorf("DELETE: %d", st)
	}
	if st, _, _ := send(t, s, "GET", authorizeURL(DefaultOAuthClient.ID, testRedirect, ""), nil, ""); st != 200 {
		t.Errorf("after DELETE: %d", st)
	}
}
