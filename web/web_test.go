package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/service"
)

func TestSignInSessionAndSignOut(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	// Not signed in: pages redirect to the sign-in form.
	if code, body := b.get("/tokens"); code != http.StatusOK || !strings.Contains(body, `action="/signin"`) {
		t.Fatalf("GET /tokens signed out: %d, want the sign-in page", code)
	}
	if code, body := b.signIn(adminEmail, "wrong-password-x"); code != http.StatusUnauthorized || !strings.Contains(body, "Wrong e-mail or password") {
		t.Fatalf("wrong password: %d %q", code, body)
	}
	code, body := b.signIn(adminEmail, adminPass)
	if code != http.StatusOK || !strings.Contains(body, "Sign out") {
		t.Fatalf("sign-in: %d", code)
	}
	// The cookie's attributes, from a fresh sign-in without redirects.
	fresh := e.browser(t)
	fresh.get("/signin")
	form := url.Values{"email": {adminEmail}, "password": {adminPass}, "csrf": {fresh.csrf}}
	req, _ := http.NewRequest("POST", e.URL+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range fresh.c.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var set string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, sessionCookie+"=") {
			set = c
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("session cookie over plain HTTP is Secure: %q", set)
	}
	// Sign out ends the session server-side: the old cookie no longer works.
	old := b.c.Jar.Cookies(req.URL)
	if code, _ := b.post("/signout", url.Values{}); code != http.StatusOK {
		t.Fatalf("sign out: %d", code)
	}
	b2 := e.browser(t)
	b2.c.Jar.SetCookies(req.URL, old)
	if _, body := b2.get("/tokens"); !strings.Contains(body, `action="/signin"`) {
		t.Fatal("the session cookie still works after signing out")
	}
}

func TestCSRFRequired(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(adminEmail, adminPass)
	b.get("/admin/users")
	if code, _ := b.post("/admin/users", url.Values{"email": {"x@example.com"}, "csrf": {"forged"}}); code != http.StatusForbidden {
		t.Fatalf("POST with a wrong CSRF token: %d, want 403", code)
	}
	// A right token from another origin is refused too.
	req, _ := http.NewRequest("POST", e.URL+"/admin/users", strings.NewReader(url.Values{"email": {"y@example.com"}, "csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d, want 403", resp.StatusCode)
	}
	us, _ := e.Store.Users(t.Context())
	if len(us) != 2 {
		t.Fatalf("users after refused POSTs: %d, want 2", len(us))
	}
	// The sign-in form checks its double-submit token.
	b2 := e.browser(t)
	b2.get("/signin")
	if code, _ := b2.post("/signin", url.Values{"email": {adminEmail}, "password": {adminPass}, "csrf": {"nope"}}); code != http.StatusForbidden {
		t.Fatalf("sign-in with a wrong CSRF token: %d, want 403", code)
	}
}

func TestSignInSlowedAfterFailures(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	for i := 0; i < 3; i++ {
		if code, _ := b.signIn(adminEmail, "bad-password-123"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	b.signIn(adminEmail, "bad-password-123") // the 4th failure starts the wait
	code, body := b.signIn(adminEmail, adminPass)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("right password while slowed down: %d, want 429", code)
	}
}

func TestNonAdminGets403(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(userEmail, userPass)
	for _, p := range []string{"/admin/users", "/admin/workspaces", "/admin/connections", "/admin/runs", "/admin/runs/main/1", "/admin/jobs"} {
		if code, _ := b.get(p); code != http.StatusForbidden {
			t.Errorf("GET %s as a user: %d, want 403", p, code)
		}
	}
	b.get("/tokens")
	if code, _ := b.post("/admin/users", url.Values{"email": {"z@example.com"}, "admin": {"on"}}); code != http.StatusForbidden {
		t.Errorf("POST /admin/users as a user: %d, want 403", code)
	}
	if _, body := b.get("/tokens?flash=Call+555-0100"); strings.Contains(body, "555-0100") {
		t.Error("a message in the URL is shown on the page")
	}
	if code, body := b.get("/tokens"); code != http.StatusOK || strings.Contains(body, "/admin/users") {
		t.Errorf("a user's nav links to admin pages (%d)", code)
	}
}

var tokenRE = regexp.MustCompile(`id="new-token" readonly value="(bsp_[^"]+)"`)

func TestTokenWorkspaceODataRevoke(t *testing.T) {
	e := newEnv(t)
	admin := e.browser(t)
	admin.signIn(adminEmail, adminPass)
	code, body := admin.get("/admin/workspaces?destination=main")
	if code != http.StatusOK || !strings.Contains(body, `value="Projects"`) {
		t.Fatalf("workspaces page does not offer the replicated tables: %d", code)
	}
	if code, body := admin.post("/admin/workspaces", url.Values{"name": {"sales"}, "destination": {"main"}, "table": {"Projects"}}); code != http.StatusOK || !strings.Contains(body, e.URL+"/odata/sales/") {
		t.Fatalf("create workspace: %d %s", code, body)
	}
	if code, _ := admin.post("/admin/workspaces/sales/grant", url.Values{"email": {userEmail}}); code != http.StatusOK {
		t.Fatalf("grant: %d", code)
	}
	user := e.browser(t)
	user.signIn(userEmail, userPass)
	user.get("/tokens")
	code, body = user.post("/tokens", url.Values{"name": {"excel"}, "expires": {"30d"}})
	m := tokenRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("create token: %d, token not shown", code)
	}
	tok := m[1]
	if _, again := user.get("/tokens"); strings.Contains(again, tok) {
		t.Fatal("the token is shown again after the first time")
	}
	fetch := func() int {
		req, _ := http.NewRequest("GET", e.URL+"/odata/sales/Projects", nil)
		req.Header.Set("Authorization", basic(userEmail, tok))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}
	if c := fetch(); c != http.StatusOK {
		t.Fatalf("OData with the new token: %d", c)
	}
	ts, _ := e.Store.Tokens(t.Context(), userEmail)
	user.get("/tokens")
	if code, _ := user.post("/tokens/"+itoa(ts[0].ID)+"/revoke", url.Values{}); code != http.StatusOK {
		t.Fatalf("revoke: %d", code)
	}
	if c := fetch(); c != http.StatusUnauthorized {
		t.Fatalf("OData with the revoked token: %d, want 401", c)
	}
	// Another user's token cannot be revoked.
	_, other, _ := e.Store.CreateToken(t.Context(), adminEmail, "a", 0)
	user.get("/tokens")
	if code, _ := user.post("/tokens/"+itoa(other.ID)+"/revoke", url.Values{}); code != http.StatusNotFound {
		t.Fatalf("revoking another user's token: %d, want 404", code)
	}
}

func TestCreateAndTestConnection(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(adminEmail, adminPass)
	b.get("/admin/connections")
	code, body := b.post("/admin/connections", url.Values{"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {"wrong-key-123"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Wrong API key") || !strings.Contains(body, "nothing saved") {
		t.Fatalf("wrong key: %d %s", code, body)
	}
	if strings.Contains(body, "wrong-key-123") {
		t.Fatal("the typed secret is rendered back")
	}
	if cs, _ := e.Store.Connections(t.Context()); len(cs) != 0 {
		t.Fatalf("a failed test saved %d connections", len(cs))
	}
	code, body = b.post("/admin/connections", url.Values{"name": {"demo"}, "space_url": {"http://127.0.0.1:1"}, "auth_scheme": {"apikey"}, "secret": {emuKey}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Network: cannot connect") {
		t.Fatalf("unreachable URL: %d %s", code, body)
	}
	code, body = b.post("/admin/connections", url.Values{"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {emuKey}})
	if code != http.StatusOK || !strings.Contains(body, "Test passed, saved") || !strings.Contains(body, "Administrator") || !strings.Contains(body, "read ") {
		t.Fatalf("right key: %d %s", code, body)
	}
	cs, _ := e.Store.Connections(t.Context())
	if len(cs) != 1 || strings.Contains(cs[0].Secret, emuKey) || !strings.HasPrefix(cs[0].Secret, "v1:") {
		t.Fatalf("stored connection: %+v (want one, sealed)", cs)
	}
	_, edit := b.get("/admin/connections/" + itoa(cs[0].ID))
	if strings.Contains(edit, emuKey) {
		t.Fatal("the edit page shows the secret")
	}
	// Save with the secret left blank re-tests with the stored one.
	if code, body := b.post("/admin/connections/"+itoa(cs[0].ID), url.Values{"name": {"demo2"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}}); code != http.StatusOK || !strings.Contains(body, "demo2 tested and saved") {
		t.Fatalf("edit: %d %s", code, body)
	}
	if code, _ := b.post("/admin/connections/"+itoa(cs[0].ID)+"/delete", url.Values{}); code != http.StatusOK {
		t.Fatalf("delete: %d", code)
	}
	if cs, _ := e.Store.Connections(t.Context()); len(cs) != 0 {
		t.Fatal("delete left the connection")
	}
}

// TestConnectionFormChecksAsTheAPI: a bad connection form is refused
// with the REST API's own message (service.ConnectionInput.Check), which
// names the field, and nothing is tested or saved.
func TestConnectionFormChecksAsTheAPI(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(adminEmail, adminPass)
	b.get("/admin/connections")
	const secret = "typed-SECRET-42"
	for what, form := range map[string]url.Values{
		"no name":        {"name": {"  "}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {secret}},
		"bad scheme":     {"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"basic"}, "secret": {secret}},
		"no secret":      {"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {" "}},
		"key in the URL": {"name": {"demo"}, "space_url": {"https://u:pw@acme.backlog.com"}, "auth_scheme": {"apikey"}, "secret": {secret}},
	} {
		in := service.ConnectionInput{Name: form.Get("name"), SpaceURL: form.Get("space_url"), AuthScheme: form.Get("auth_scheme"), Secret: form.Get("secret")}
		p := in.Check(true)
		want := p.Form()
		if p.OK() {
			t.Fatalf("%s: the service's check passes it", what)
		}
		code, body := b.post("/admin/connections", form)
		if code != http.StatusBadRequest || !strings.Contains(body, html.EscapeString("Not saved: "+want+".")) {
			t.Errorf("%s: %d, want 400 with %q in\n%s", what, code, want, body)
		}
		if strings.Contains(body, secret) {
			t.Errorf("%s: the page shows the typed secret", what)
		}
	}
	if cs, _ := e.Store.Connections(t.Context()); len(cs) != 0 {
		t.Fatalf("a refused form saved %d connections", len(cs))
	}
}

func TestRunsAndStatementCheck(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(adminEmail, adminPass)
	code, body := b.get("/admin/runs?job=nightly&status=ok")
	if code != http.StatusOK || !strings.Contains(body, "Projects: +") || !strings.Contains(body, "s-ok") {
		t.Fatalf("runs: %d %s", code, body)
	}
	if _, body := b.get("/admin/runs?status=failed"); !strings.Contains(body, "No runs match the filter") {
		t.Fatal("status filter shows runs that do not match")
	}
	// The run page: its tables and the log serve kept of it.
	link := regexp.MustCompile(`href="(/admin/runs/main/(\d+))"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("the runs page links no run page:\n%s", body)
	}
	id, _ := strconv.ParseInt(link[2], 10, 64)
	if code, body := b.get(link[1]); code != http.StatusOK || !strings.Contains(body, "no log kept for run") || !strings.Contains(body, "<td>Projects</td>") {
		t.Fatalf("run page without a log: %d %s", code, body)
	}
	if err := e.Store.SaveRunLog(t.Context(), "nightly", id, "level=INFO msg=\"run started\" <b>attempt</b>=1\n"); err != nil {
		t.Fatal(err)
	}
	code, body = b.get(link[1])
	if code != http.StatusOK || !strings.Contains(body, `msg=&#34;run started&#34; &lt;b&gt;attempt&lt;/b&gt;=1`) {
		t.Fatalf("run page with a log (escaped): %d %s", code, body)
	}
	for _, p := range []string{"/admin/runs/main/999999", "/admin/runs/main/x", "/admin/runs/nope/" + link[2]} {
		if code, _ := b.get(p); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	b.get("/admin/jobs")
	code, body = b.post("/admin/jobs/check", url.Values{"statements": {"REPLICATE Projects;\nREPLICATE Nope WHERE;\n"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "line 2, column") {
		t.Fatalf("statement errors: %d %s", code, body)
	}
	if code, body := b.post("/admin/jobs/check", url.Values{"statements": {"REPLICATE Projects;"}}); code != http.StatusOK || !strings.Contains(body, "OK: 1 statement") {
		t.Fatalf("good statements: %d %s", code, body)
	}
}

func itoa(n int64) string { return strconvFormat(n) }

func TestSecureCookieUnderTLS(t *testing.T) {
	a := &app{o: Options{TLS: true}}
	c := a.cookie(sessionCookie, "v", 60)
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie under TLS: %+v", c)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/tokens": "/tokens", "//evil.example/x": "/", "https://evil.example": "/", "/\\evil": "/", "": "/", "/signin?next=/x": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
