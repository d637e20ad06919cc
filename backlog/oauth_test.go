package backlog

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
)

// fakeClock is a clock tests move by hand, shared by the emulator and the
// client.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// countingTransport counts token-endpoint requests.
type countingTransport struct {
	base   http.RoundTripper
	tokens atomic.Int32
	api    atomic.Int32
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/oauth2/token") {
		t.tokens.Add(1)
	} else {
		t.api.Add(1)
	}
	return t.base.RoundTrip(r)
}

// oauthEnv is an emulator served on a loopback port with auto-approval as
// its administrator, and an OAuth configuration for its default client.
type oauthEnv struct {
	srv   *emulator.Server
	url   string
	clock *fakeClock // the emulator's clock
	ct    *countingTransport
	cfg   *OAuthConfig
}

func newOAuthEnv(t *testing.T) *oauthEnv {
	t.Helper()
	clock := newFakeClock()
	srv, err := emulator.New(emulator.Options{Seed: 3, Now: clock.Now,
		Size: emulator.Size{Projects: 2, Users: 4, Issues: 10, Comments: 10}})
	if err != nil {
		t.Fatal(err)
	}
	u := srv.Start()
	t.Cleanup(srv.Close)
	if err := srv.SetOAuthAutoApprove(srv.Users()[0].ID); err != nil {
		t.Fatal(err)
	}
	ct := &countingTransport{base: http.DefaultTransport}
	cfg := &OAuthConfig{ClientID: emulator.DefaultOAuthClient.ID, ClientSecret: emulator.DefaultOAuthClient.Secret,
		RedirectURL: "http://127.0.0.1:1/callback", BaseURL: u, HTTPClient: &http.Client{Transport: ct}, Now: clock.Now}
	return &oauthEnv{srv: srv, url: u, clock: clock, ct: ct, cfg: cfg}
}

// code follows the authorization URL without following the redirect to
// the (unserved) redirect URI and returns the code it carries.
func (e *oauthEnv) code(t *testing.T, state string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(e.cfg.AuthCodeURL(state))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorization answered %s", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Query().Get("state"); got != state {
		t.Fatalf("state %q came back as %q", state, got)
	}
	if loc.Host != "127.0.0.1:1" || loc.Path != "/callback" {
		t.Fatalf("redirected to %s", loc)
	}
	return loc.Query().Get("code")
}

// login runs the code flow and returns the token.
func (e *oauthEnv) login(t *testing.T) *Token {
	t.Helper()
	tok, err := e.cfg.Exchange(t.Context(), e.code(t, "st4te"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// client returns a client authenticated by ts, sending through ct, with a
// governor that lets 64 requests run at once (the single-flight tests need
// concurrent requests; the default is one at a time per user).
func (e *oauthEnv) client(t *testing.T, ts TokenSource) *Client {
	t.Helper()
	c, err := NewClient(e.url, WithTokenSource(ts), WithHTTPClient(&http.Client{Transport: e.ct}),
		WithGovernor(NewGovernor(GovernorConfig{Concurrency: 64})))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOAuthConfig_AuthCodeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg   OAuthConfig
		state string
		want  string
	}{
		{OAuthConfig{ClientID: "abc", RedirectURL: "http://127.0.0.1:5000/callback", BaseURL: "https://acme.backlog.com"}, "s1",
			"https://acme.backlog.com/OAuth2AccessRequest.action?response_type=code&client_id=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback&state=s1"},
		{OAuthConfig{ClientID: "a b&c", BaseURL: "https://x.backlog.jp/api/v2/"}, "",
			"https://x.backlog.jp/OAuth2AccessRequest.action?response_type=code&client_id=a+b%26c"},
		{OAuthConfig{ClientID: "id", BaseURL: "https://backlog.example.org/sub/", RedirectURL: "urn:x"}, "s/2",
			"https://backlog.example.org/sub/OAuth2AccessRequest.action?response_type=code&client_id=id&redirect_uri=urn%3Ax&state=s%2F2"},
	}
	for _, tt := range tests {
		if got := tt.cfg.AuthCodeURL(tt.state); got != tt.want {
			t.Errorf("AuthCodeURL:\n got %s\nwant %s", got, tt.want)
		}
	}
}

func TestOAuthConfig_Validate(t *testing.T) {
	t.Parallel()
	ok := OAuthConfig{ClientID: "id", ClientSecret: "s", BaseURL: "https://acme.backlog.com"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		mod  func(*OAuthConfig)
		want string
	}{
		{func(c *OAuthConfig) { c.BaseURL = "http://acme.backlog.com" }, "plain http"},
		{func(c *OAuthConfig) { c.BaseURL = "" }, "must start with https://"},
		{func(c *OAuthConfig) { c.ClientID = " " }, "client ID is empty"},
		{func(c *OAuthConfig) { c.ClientSecret = "" }, "client secret is empty"},
	} {
		c := ok
		tt.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate = %v, want %q", err, tt.want)
		}
		if _, err := c.Exchange(t.Context(), "code"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Exchange = %v, want %q", err, tt.want)
		}
	}
}

func TestOAuth_exchangeAndRefresh(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t)
	tok := e.login(t)
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token %v", tok)
	}
	if want := e.clock.Now().Add(time.Hour); !tok.Expiry.Equal(want) {
		t.Errorf("expiry %v, want %v (expires_in 3600 on the shared clock)", tok.Expiry, want)
	}
	c := e.client(t, StaticTokenSource(tok.AccessToken))
	me, _, err := c.Users.GetMyself(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != e.srv.Users()[0].ID {
		t.Errorf("signed in as %d", me.ID)
	}

	// Rotation: the refresh token works once.
	tok2, err := e.cfg.Refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
		t.Error("refresh did not rotate the tokens")
	}
	_, err = e.cfg.Refresh(t.Context(), tok.RefreshToken)
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_grant" || oe.StatusCode != 400 || oe.Grant != "refresh_token" {
		t.Fatalf("reused refresh token: %v", err)
	}
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "run `backlogsync auth login` again") ||
		strings.Contains(err.Error(), tok.RefreshToken) {
		t.Errorf("message: %v", err)
	}
	if backlogsync.ErrorCode(err) != backlogsync.EUNAUTHORIZED {
		t.Errorf("Code = %q", backlogsync.ErrorCode(err))
	}
}

func TestOAuth_grantErrors(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t)
	code := e.code(t, "x")
	// A code exchanged with another redirect URI is rejected.
	other := *e.cfg
	other.RedirectURL = "http://127.0.0.1:2/callback"
	_, err := other.Exchange(t.Context(), code)
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "invalid_grant (Grant is invalid.)") ||
		!strings.Contains(err.Error(), "authorization code is invalid") || strings.Contains(err.Error(), code) {
		t.Errorf("other redirect: %v", err)
	}
	// Wrong secret.
	bad := *e.cfg
	bad.ClientSecret = "wrong-secret"
	_, err = bad.Exchange(t.Context(), e.code(t, "y"))
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_client" || !errors.Is(err, ErrLoginRequired) ||
		!strings.Contains(err.Error(), "client ID or client secret was rejected") || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := e.cfg.Exchange(t.Context(), ""); !errors.Is(err, ErrLoginRequired) {
		t.Errorf("empty code: %v", err)
	}
	if _, err := e.cfg.Refresh(t.Context(), ""); !errors.Is(err, ErrLoginRequired) {
		t.Errorf("empty refresh token: %v", err)
	}
}

// A base URL that is not a Backlog space, or redirects, gives a precise
// error and the client secret is never sent to the redirect target.
func TestOAuth_notATokenEndpoint(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(true)
	}))
	t.Cleanup(target.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /html/api/v2/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		fmt.Fprint(w, "<html>Not found</html>")
	})
	mux.HandleFunc("POST /redir/api/v2/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/x?code=abc", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("POST /fail/api/v2/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", 503)
	})
	mux.HandleFunc("POST /mac/api/v2/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"a","token_type":"mac","expires_in":10}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, tt := range []struct{ path, want string }{
		{"/html", "404 Not Found; the answer is not an OAuth token response (text/html): is the base URL the space's address"},
		{"/redir", "redirected to " + target.URL + "/x?code=REDACTED"},
		{"/fail", "503 Service Unavailable; the server failed; try again later (it answered: maintenance)"},
		{"/mac", `issued a "mac" token; only Bearer tokens are supported`},
	} {
		cfg := OAuthConfig{ClientID: "id", ClientSecret: "sekrit", BaseURL: srv.URL + tt.path}
		_, err := cfg.Refresh(t.Context(), "rt")
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "sekrit") {
			t.Errorf("%s: %v\nwant %q", tt.path, err, tt.want)
		}
		if errors.Is(err, ErrLoginRequired) {
			t.Errorf("%s: a server problem must not ask for a new sign-in", tt.path)
		}
	}
	if leaked.Load() {
		t.Error("the token request followed a redirect")
	}
}
