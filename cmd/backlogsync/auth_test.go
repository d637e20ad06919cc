package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// isolateAccountEnv points the user config directory at a temporary one and
// clears the account variables, so that tests neither read nor write the
// real configuration.
func isolateAccountEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	t.Setenv("AppData", dir)
	for _, k := range []string{envURL, envAPIKey, envTokenFile, envClientID, envClientSecret} {
		t.Setenv(k, "")
	}
	return dir
}

// testClock is a clock the tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// startAuthEmulator serves an emulator on a loopback port whose OAuth
// consent page approves at once as the administrator.
func startAuthEmulator(t *testing.T, clock *testClock) (*emulator.Server, string) {
	t.Helper()
	opts := emulator.Options{Seed: 5, RateLimits: emulator.PaidLimits,
		Size: emulator.Size{Projects: 3, Users: 6, Teams: 1, Issues: 40, Comments: 40}}
	if clock != nil {
		opts.Now = clock.Now
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	base := srv.Start()
	t.Cleanup(srv.Close)
	if err := srv.SetOAuthAutoApprove(srv.Users()[0].ID); err != nil {
		t.Fatal(err)
	}
	return srv, base
}

// oauthArgs are the flags every login needs.
func oauthArgs(base string) []string {
	return []string{"auth", "login", "--url", base, "--client-id", emulator.DefaultOAuthClient.ID,
		"--client-secret", emulator.DefaultOAuthClient.Secret}
}

var authURLRE = regexp.MustCompile(`(http://127\.0\.0\.1:\d+/OAuth2AccessRequest\.action\?\S+)`)

// noBrowser fails the test if the command tries to open a browser (stdout
// is not a terminal in tests).
func noBrowser(t *testing.T) {
	t.Helper()
	old := openBrowser
	openBrowser = func(string) error { t.Error("opened a browser although stdout is not a terminal"); return nil }
	t.Cleanup(func() { openBrowser = old })
}

// readTokenFile reads a token file and checks its mode.
func readTokenFile(t *testing.T, path string) *backlog.TokenFile {
	t.Helper()
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
		}
	}
	tf, err := backlog.NewFileTokenStore(path).ReadFile()
	if err != nil {
		t.Fatal(err)
	}
	return tf
}

// noSecrets fails if any output shows a token or the client secret.
func noSecrets(t *testing.T, tf *backlog.TokenFile, outs ...string) {
	t.Helper()
	for _, s := range outs {
		for _, secret := range []string{tf.Token.AccessToken, tf.Token.RefreshToken, tf.ClientSecret} {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("output shows a secret:\n%s", s)
			}
		}
	}
}

// The whole login: the command listens on a loopback port, a test HTTP
// client follows the authorization URL through the emulator's consent page
// back to the callback, and the token is saved; status and check then use it,
// refreshing it when the server says it expired.
func TestAuthLoginLoopback(t *testing.T) {
	isolateAccountEnv(t)
	noBrowser(t)
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	srv, base := startAuthEmulator(t, clock)
	path := filepath.Join(t.TempDir(), "tok.json")
	out, errOut, done, _ := startCommand(t, append(oauthArgs(base), "--token-file", path, "--timeout", "20s")...)
	authURL := waitFor(t, out, authURLRE, done)
	u, _ := url.Parse(authURL)
	redirect := u.Query().Get("redirect_uri")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/callback$`).MatchString(redirect) || len(u.Query().Get("state")) < 32 ||
		u.Query().Get("client_id") != emulator.DefaultOAuthClient.ID || u.Query().Get("response_type") != "code" {
		t.Fatalf("authorization URL %s", authURL)
	}
	// A callback with the wrong state is refused; the command keeps waiting.
	resp, err := http.Get(redirect + "?code=forged&state=wrong")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong state: %s", resp.Status)
	}
	// The browser: consent page → 302 to the callback → the command's page.
	resp, err = http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "backlogsync is signed in") {
		t.Errorf("callback page %s: %s", resp.Status, page)
	}
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d; stderr:\n%s", code, errOut)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("login did not finish")
	}
	tf := readTokenFile(t, path)
	admin := srv.Users()[0]
	if tf.Token.AccessToken == "" || tf.Token.RefreshToken == "" || tf.BaseURL != base+"/" ||
		tf.ClientID != emulator.DefaultOAuthClient.ID || tf.ClientSecret != emulator.DefaultOAuthClient.Secret ||
		tf.Account == nil || tf.Account.UserID != admin.UserID || tf.Account.SpaceKey != "demo" {
		t.Errorf("token file %v %+v", tf, tf.Account)
	}
	if want := "Signed in to space demo"; !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "Token saved to "+path) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if !strings.Contains(errOut.String(), "ignored a callback with a wrong state") {
		t.Errorf("stderr: %s", errOut)
	}
	noSecrets(t, tf, out.String(), errOut.String())

	// auth status: who and until when, no secrets.
	var sout, serr bytes.Buffer
	if code := run(t.Context(), []string{"auth", "status", "--token-file", path}, nil, &sout, &serr); code != exitOK {
		t.Fatalf("status exit %d: %s", code, serr.String())
	}
	for _, want := range []string{"Token file:     " + path, "Signed in as:   " + admin.Name + " (admin, id", "Administrator",
		"Access token:   expires ", "Refresh token:  stored", "Checked:        the token works"} {
		if !strings.Contains(sout.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, sout.String())
		}
	}
	noSecrets(t, tf, sout.String(), serr.String())

	// The server's clock moves past the expiry: check gets a 401, refreshes
	// once, and the rotated refresh token is saved.
	clock.Advance(2 * time.Hour)
	var cout, cerr bytes.Buffer
	if code := run(t.Context(), []string{"check", "--token-file", path}, nil, &cout, &cerr); code != exitOK {
		t.Fatalf("check with the token file: exit %d: %s\n%s", code, cerr.String(), cout.String())
	}
	if !strings.Contains(cout.String(), "with the OAuth token in "+path) || !strings.Contains(cout.String(), "role Administrator") {
		t.Errorf("check output:\n%s", cout.String())
	}
	tf2 := readTokenFile(t, path)
	if tf2.Token.RefreshToken == tf.Token.RefreshToken || tf2.Token.AccessToken == tf.Token.AccessToken {
		t.Error("the refreshed token was not saved")
	}
	if tf2.ClientSecret != tf.ClientSecret || tf2.Account == nil {
		t.Error("saving the refreshed token lost the rest of the file")
	}
	noSecrets(t, tf2, cout.String(), cerr.String())
	noSecrets(t, tf, cout.String(), cerr.String())

	// The old refresh token is dead: a headless login with it says what to do.
	var rout, rerr bytes.Buffer
	code := run(t.Context(), append(oauthArgs(base), "--refresh-token", "-", "--token-file", filepath.Join(t.TempDir(), "x.json")),
		strings.NewReader(tf.Token.RefreshToken+"\n"), &rout, &rerr)
	if code != exitAuth || !strings.Contains(rerr.String(), "invalid_grant") || !strings.Contains(rerr.String(), "run `backlogsync auth login` again") {
		t.Errorf("dead refresh token: exit %d, %s", code, rerr.String())
	}
	noSecrets(t, tf, rout.String(), rerr.String())
}

// The default token file lives in the user config directory, per space, and
// check finds it from --url alone. --port fixes the callback's port (Backlog
// needs the registered redirect URI).
func TestAuthLoginDefaultFile(t *testing.T) {
	dir := isolateAccountEnv(t)
	noBrowser(t)
	_, base := startAuthEmulator(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // find a free port for --port
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	out, errOut, done, _ := startCommand(t, append(oauthArgs(base), "--port", strconv.Itoa(port))...)
	authURL := waitFor(t, out, authURLRE, done)
	if want := url.QueryEscape(fmt.Sprintf("http://127.0.0.1:%d/callback", port)); !strings.Contains(authURL, "redirect_uri="+want+"&") {
		t.Errorf("--port %d: authorization URL %s", port, authURL)
	}
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	u, _ := url.Parse(base)
	want := filepath.Join(dir, "backlogsync", "oauth", strings.ReplaceAll(u.Host, ":", "_")+".json")
	if runtime.GOOS == "linux" {
		readTokenFile(t, want)
	}
	var cout, cerr bytes.Buffer
	if code := run(t.Context(), []string{"check", "--url", base}, nil, &cout, &cerr); code != exitOK {
		t.Fatalf("check --url: exit %d: %s", code, cerr.String())
	}
	if !strings.Contains(cout.String(), "with the OAuth token in ") {
		t.Errorf("check did not use the default token file:\n%s", cout.String())
	}
	var sout, serr bytes.Buffer
	if code := run(t.Context(), []string{"auth", "status", "--url", base, "--offline"}, nil, &sout, &serr); code != exitOK ||
		strings.Contains(sout.String(), "Checked:") {
		t.Errorf("status --offline: exit %d:\n%s%s", code, sout.String(), serr.String())
	}
}

func TestAuthLoginFailures(t *testing.T) {
	isolateAccountEnv(t)
	noBrowser(t)
	srv, base := startAuthEmulator(t, nil)
	_ = srv

	t.Run("timeout", func(t *testing.T) {
		var out, errOut bytes.Buffer
		code := run(t.Context(), append(oauthArgs(base), "--timeout", "200ms", "--token-file", filepath.Join(t.TempDir(), "t.json")), nil, &out, &errOut)
		if code != exitError || !strings.Contains(errOut.String(), "timed out after 200ms waiting for the browser") ||
			!strings.Contains(errOut.String(), "--redirect-uri and --code") {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	})
	t.Run("access denied", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "t.json")
		out, errOut, done, _ := startCommand(t, append(oauthArgs(base), "--token-file", path)...)
		u, _ := url.Parse(waitFor(t, out, authURLRE, done))
		resp, err := http.Get(u.Query().Get("redirect_uri") + "?error=access_denied&state=" + u.Query().Get("state"))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if code := <-done; code != exitAuth || !strings.Contains(errOut.String(), "access was denied") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(string(page), "Signing in failed: access was denied") {
			t.Errorf("page: %s", page)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("a token file was written")
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		out, errOut, done, _ := startCommand(t, "auth", "login", "--url", base, "--client-id", emulator.DefaultOAuthClient.ID,
			"--client-secret", "not-the-secret", "--token-file", filepath.Join(t.TempDir(), "t.json"))
		resp, err := http.Get(waitFor(t, out, authURLRE, done))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if code := <-done; code != exitAuth || !strings.Contains(errOut.String(), "client ID or client secret was rejected") ||
			strings.Contains(errOut.String(), "not-the-secret") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})

	usage := []struct {
		args []string
		want string
	}{
		{[]string{"auth", "login", "--client-id", "a", "--client-secret", "b"}, "--url is required (or set BACKLOG_URL)"},
		{[]string{"auth", "login", "--url", "http://acme.backlog.com", "--client-id", "a", "--client-secret", "b"}, "plain http, which is only allowed for loopback"},
		{[]string{"auth", "login", "--url", base}, "--client-id and --client-secret are required"},
		{append(oauthArgs(base), "--code", "x"), "--code needs --redirect-uri"},
		{append(oauthArgs(base), "--code", "x", "--refresh-token", "y"), "either --code or --refresh-token"},
		{append(oauthArgs(base), "--refresh-token", "y", "--redirect-uri", "http://127.0.0.1:1/cb"), "--redirect-uri is not used with --refresh-token"},
		{append(oauthArgs(base), "--timeout", "0s"), "--timeout 0s"},
		{append(oauthArgs(base), "--port", "70000"), "--port 70000"},
		{append(oauthArgs(base), "--refresh-token", "-"), "standard input holds no token"},
		{[]string{"auth", "logout"}, `unknown subcommand "logout"`},
		{[]string{"auth", "status"}, "give --token-file, or --url"},
	}
	for _, u := range usage {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), u.args, strings.NewReader(""), &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), u.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", u.args, code, errOut.String(), u.want)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"auth", "status", "--token-file", filepath.Join(t.TempDir(), "none.json")}, nil, &out, &errOut); code != exitAuth ||
		!strings.Contains(errOut.String(), "sign in with `backlogsync auth login` first") {
		t.Errorf("status without a file: exit %d, %s", code, errOut.String())
	}
}

// Headless: print the URL, exchange a code obtained elsewhere, sign in with
// a refresh token; bad codes ask for a new sign-in.
func TestAuthLoginHeadless(t *testing.T) {
	isolateAccountEnv(t)
	noBrowser(t)
	_, base := startAuthEmulator(t, nil)
	const redirect = "http://127.0.0.1:1/cb"

	var out, errOut bytes.Buffer
	if code := run(t.Context(), append(oauthArgs(base), "--redirect-uri", redirect), nil, &out, &errOut); code != exitOK {
		t.Fatalf("print URL: exit %d: %s", code, errOut.String())
	}
	authURL := regexp.MustCompile(`(?m)^  (\S+)$`).FindStringSubmatch(out.String())
	if authURL == nil || !strings.HasPrefix(authURL[1], base+"/OAuth2AccessRequest.action?response_type=code&client_id=backlogsync-demo&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb&state=") {
		t.Fatalf("printed:\n%s", out.String())
	}
	// The browser elsewhere: follow to the redirect, read the code.
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %s", resp.Header.Get("Location"))
	}

	path := filepath.Join(t.TempDir(), "headless.json")
	out.Reset()
	errOut.Reset()
	if rc := run(t.Context(), append(oauthArgs(base), "--code", code, "--redirect-uri", redirect, "--token-file", path), nil, &out, &errOut); rc != exitOK {
		t.Fatalf("--code: exit %d: %s", rc, errOut.String())
	}
	tf := readTokenFile(t, path)
	if tf.Account == nil || tf.Account.UserID != "admin" || tf.Token.RefreshToken == "" {
		t.Errorf("token file %v", tf)
	}
	if strings.Contains(out.String(), code) {
		t.Error("the code was printed")
	}
	// --refresh-token signs in with the stored refresh token (rotating it).
	path2 := filepath.Join(t.TempDir(), "refresh.json")
	out.Reset()
	errOut.Reset()
	if rc := run(t.Context(), append(oauthArgs(base), "--refresh-token", tf.Token.RefreshToken, "--token-file", path2), nil, &out, &errOut); rc != exitOK {
		t.Fatalf("--refresh-token: exit %d: %s", rc, errOut.String())
	}
	tf2 := readTokenFile(t, path2)
	if tf2.Token.RefreshToken == tf.Token.RefreshToken || tf2.Account == nil || tf2.Account.UserID != "admin" {
		t.Errorf("refresh login: %v", tf2)
	}
	noSecrets(t, tf, out.String(), errOut.String())
	noSecrets(t, tf2, out.String(), errOut.String())
	// The first file's refresh token was rotated away: check says to sign in again.
	out.Reset()
	errOut.Reset()
	if err := backlog.NewFileTokenStore(path).Save(context.Background(), &backlog.Token{
		AccessToken: "expired-access", RefreshToken: tf.Token.RefreshToken, Expiry: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if rc := run(t.Context(), []string{"check", "--token-file", path}, nil, &out, &errOut); rc != exitAuth ||
		!strings.Contains(errOut.String(), "run `backlogsync auth login` again") {
		t.Errorf("check with a dead refresh token: exit %d: %s", rc, errOut.String())
	}
	noSecrets(t, tf, out.String(), errOut.String())
	// The code works once; replaying it revokes what it issued.
	out.Reset()
	errOut.Reset()
	if rc := run(t.Context(), append(oauthArgs(base), "--code", code, "--redirect-uri", redirect, "--token-file", path+"2"), nil, &out, &errOut); rc != exitAuth ||
		!strings.Contains(errOut.String(), "authorization code is invalid") || !strings.Contains(errOut.String(), "backlogsync auth login") ||
		strings.Contains(errOut.String(), code) {
		t.Errorf("replayed code: exit %d: %s", rc, errOut.String())
	}

}
