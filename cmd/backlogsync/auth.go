package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
)

// runAuth implements "backlogsync auth": login and status.
func runAuth(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, "Usage: backlogsync auth <login|status> [flags]")
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "  login   sign in to a Backlog space with OAuth 2.0 and save the token")
		fmt.Fprintln(stdout, "  status  show whose token a token file holds and when it expires")
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	switch args[0] {
	case "login":
		return runAuthLogin(ctx, args[1:], stdin, stdout, stderr)
	case "status":
		return runAuthStatus(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "backlogsync auth: unknown subcommand %q: use login or status\n", args[0])
	return exitUsage
}

// loginConfig is what the flags of "auth login" configure.
type loginConfig struct {
	oauth        backlog.OAuthConfig
	tokenFile    string
	timeout      time.Duration
	port         int // loopback port of the callback; 0 = any free port
	noBrowser    bool
	code         string // headless: a code obtained elsewhere
	redirectURI  string // headless: the redirect URI the code was issued for
	refreshToken string // headless: a refresh token
}

// parseLoginArgs parses the flags of "auth login".
func parseLoginArgs(args []string, stdin io.Reader, stdout io.Writer) (*loginConfig, error) {
	lc := &loginConfig{}
	var rawURL string
	fs := flag.NewFlagSet("auth login", flag.ContinueOnError)
	fs.StringVar(&rawURL, "url", "", "the space's `URL`, e.g. https://example.backlog.com (default $"+envURL+")")
	fs.StringVar(&lc.oauth.ClientID, "client-id", "", "the OAuth application's client `ID` (default $"+envClientID+")")
	fs.StringVar(&lc.oauth.ClientSecret, "client-secret", "", "the OAuth application's client `secret` (default $"+envClientSecret+"; prefer the variable)")
	fs.StringVar(&lc.tokenFile, "token-file", "", "`file` to save the token in, mode 0600 (default <config dir>/backlogsync/oauth/<host>.json)")
	fs.DurationVar(&lc.timeout, "timeout", 5*time.Minute, "how long to wait for the browser to come back")
	fs.IntVar(&lc.port, "port", 0, "loopback `port` of the callback http://127.0.0.1:PORT/callback (0 = any free port; Backlog needs the registered redirect URI, so register one with a fixed port and pass it here)")
	fs.BoolVar(&lc.noBrowser, "no-browser", false, "only print the authorization URL, never open a browser")
	fs.StringVar(&lc.code, "code", "", "headless: exchange this authorization `code` (needs --redirect-uri)")
	fs.StringVar(&lc.redirectURI, "redirect-uri", "", "headless: the redirect `URI` registered for the application; alone, prints the authorization URL to open elsewhere")
	fs.StringVar(&lc.refreshToken, "refresh-token", "", "headless: sign in with this refresh `token` (- reads it from standard input)")
	if err := parseFlagSet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync auth login [flags]")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Signs in to a Backlog space with OAuth 2.0 and saves the token. By default it listens on")
			fmt.Fprintln(stdout, "http://127.0.0.1:PORT/callback, prints the authorization URL (and opens a browser when run")
			fmt.Fprintln(stdout, "in a terminal) and waits for Backlog to send the browser back. Backlog accepts only the")
			fmt.Fprintln(stdout, "redirect URI registered for the application (https://backlog.com/developer/applications/):")
			fmt.Fprintln(stdout, "register http://127.0.0.1:PORT/callback with a fixed PORT and pass --port PORT.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Without a browser on this machine: --redirect-uri URI prints the authorization URL to")
			fmt.Fprintln(stdout, "open elsewhere; then --code CODE --redirect-uri URI exchanges the code it returns.")
			fmt.Fprintln(stdout, "Or --refresh-token TOKEN signs in with a refresh token.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			printFlags(stdout, fs)
		}
		return nil, err
	}
	if rawURL == "" {
		rawURL = os.Getenv(envURL)
	}
	if lc.oauth.ClientID == "" {
		lc.oauth.ClientID = os.Getenv(envClientID)
	}
	if lc.oauth.ClientSecret == "" {
		lc.oauth.ClientSecret = os.Getenv(envClientSecret)
	}
	if rawURL == "" {
		return nil, usagef("--url is required (or set %s): the space's address, e.g. https://example.backlog.com", envURL)
	}
	base, err := backlog.ParseBaseURL(rawURL)
	if err != nil {
		return nil, usagef("--url: %s", strings.TrimPrefix(err.Error(), "backlog: "))
	}
	lc.oauth.BaseURL = base.String()
	if lc.oauth.ClientID == "" || lc.oauth.ClientSecret == "" {
		return nil, usagef("--client-id and --client-secret are required (or set %s and %s): register an application at https://backlog.com/developer/applications/",
			envClientID, envClientSecret)
	}
	switch {
	case lc.code != "" && lc.refreshToken != "":
		return nil, usagef("give either --code or --refresh-token, not both")
	case lc.code != "" && lc.redirectURI == "":
		return nil, usagef("--code needs --redirect-uri: the redirect URI the authorization URL was opened with")
	case lc.refreshToken != "" && lc.redirectURI != "":
		return nil, usagef("--redirect-uri is not used with --refresh-token")
	case lc.timeout <= 0:
		return nil, usagef("--timeout %v: give a positive duration such as 5m", lc.timeout)
	case lc.port < 0 || lc.port > 65535:
		return nil, usagef("--port %d: give a port from 1 to 65535 (0 picks a free one)", lc.port)
	}
	if lc.refreshToken == "-" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading the refresh token from standard input: %w", err)
		}
		lc.refreshToken = strings.TrimSpace(line)
		if lc.refreshToken == "" {
			return nil, usagef("--refresh-token -: standard input holds no token")
		}
	}
	if lc.tokenFile == "" {
		if lc.tokenFile, err = defaultTokenFile(base); err != nil {
			return nil, usagef("%v", err)
		}
	}
	return lc, nil
}

// runAuthLogin implements "backlogsync auth login".
func runAuthLogin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	lc, err := parseLoginArgs(args, stdin, stdout)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
			return reportUsage("auth login", err, stderr)
		}
		fmt.Fprintf(stderr, "backlogsync auth login: %v\n", err)
		return exitError
	}
	lc.oauth.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	var tok *backlog.Token
	switch {
	case lc.refreshToken != "":
		tok, err = lc.oauth.Refresh(ctx, lc.refreshToken)
	case lc.code != "":
		lc.oauth.RedirectURL = lc.redirectURI
		tok, err = lc.oauth.Exchange(ctx, lc.code)
	case lc.redirectURI != "":
		// Headless, step 1: the URL to open on a machine with a browser.
		lc.oauth.RedirectURL = lc.redirectURI
		fmt.Fprintln(stdout, "Open this URL in a browser signed in to Backlog:")
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "  "+lc.oauth.AuthCodeURL(newState()))
		fmt.Fprintln(stdout)
		fmt.Fprintf(stdout, "After you allow access, Backlog sends the browser to %s?code=CODE&state=…;\n", lc.redirectURI)
		fmt.Fprintln(stdout, "copy CODE (it is valid for a few minutes) and run this command again with --code CODE.")
		return exitOK
	default:
		tok, err = loopbackLogin(ctx, &lc.oauth, lc, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync auth login: %s\n", strings.TrimPrefix(err.Error(), "backlog: "))
		if errors.Is(err, backlog.ErrLoginRequired) || errors.Is(err, errAccessDenied) {
			return exitAuth
		}
		return exitError
	}
	return saveLogin(ctx, lc, tok, stdout, stderr)
}

// saveLogin identifies the token's user and saves the token file.
func saveLogin(ctx context.Context, lc *loginConfig, tok *backlog.Token, stdout, stderr io.Writer) int {
	tf := &backlog.TokenFile{BaseURL: lc.oauth.BaseURL, ClientID: lc.oauth.ClientID,
		ClientSecret: lc.oauth.ClientSecret, Token: *tok}
	acct, idErr := identify(ctx, lc.oauth.BaseURL, lc.oauth.HTTPClient, tok.AccessToken)
	tf.Account = acct
	store := backlog.NewFileTokenStore(lc.tokenFile)
	if err := store.WriteFile(tf); err != nil {
		fmt.Fprintf(stderr, "backlogsync auth login: signed in, but %s; choose another file with --token-file\n",
			strings.TrimPrefix(err.Error(), "backlog: "))
		return exitError
	}
	if acct != nil {
		fmt.Fprintf(stdout, "Signed in to space %s (%q) as %s (%s, %s).\n", acct.SpaceKey, acct.SpaceName, acct.Name,
			acct.UserID, acct.RoleType.String())
	}
	fmt.Fprintf(stdout, "Token saved to %s (mode 0600).\n", lc.tokenFile)
	if !tok.Expiry.IsZero() {
		fmt.Fprintf(stdout, "The access token expires at %s and is refreshed automatically.\n", tok.Expiry.UTC().Format(time.RFC3339))
	}
	if idErr != nil {
		fmt.Fprintf(stderr, "backlogsync auth login: the token was saved, but reading its user failed: %s\n",
			strings.TrimPrefix(idErr.Error(), "backlog: "))
		return exitError
	}
	return exitOK
}

// identify reads the space and user a fresh access token belongs to.
func identify(ctx context.Context, baseURL string, hc *http.Client, access string) (*backlog.TokenAccount, error) {
	c, err := backlog.NewClient(baseURL, backlog.WithTokenSource(backlog.StaticTokenSource(access)), backlog.WithHTTPClient(hc))
	if err != nil {
		return nil, err
	}
	me, _, err := c.Users.GetMyself(ctx)
	if err != nil {
		return nil, err
	}
	sp, _, err := c.Space.Get(ctx)
	if err != nil {
		return nil, err
	}
	a := &backlog.TokenAccount{SpaceKey: sp.SpaceKey, SpaceName: sp.Name, ID: me.ID, Name: me.Name, RoleType: me.RoleType}
	if me.UserID != nil {
		a.UserID = *me.UserID
	}
	return a, nil
}

// errAccessDenied is the user declining the authorization request.
var errAccessDenied = errors.New("access was denied on Backlog's authorization page")

// newState returns a random OAuth state value.
func newState() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// openBrowser opens url in the user's browser (replaced in tests).
var openBrowser = func(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

// callback is what the browser brought back to the loopback listener.
type callback struct {
	code  string
	err   error
	reply chan error // the outcome, shown in the browser
}

// loopbackLogin runs the authorization-code flow with a callback on
// http://127.0.0.1:PORT/callback and returns the exchanged token.
func loopbackLogin(ctx context.Context, cfg *backlog.OAuthConfig, lc *loginConfig, stdout, stderr io.Writer) (*backlog.Token, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(lc.port)))
	if err != nil {
		return nil, fmt.Errorf("listening on 127.0.0.1:%d for the callback: %w; choose another --port, or use --redirect-uri and --code", lc.port, err)
	}
	cfg.RedirectURL = fmt.Sprintf("http://%s/callback", ln.Addr())
	state := newState()
	got := make(chan callback)
	var once sync.Once
	done := make(chan struct{}) // closed when no more callbacks are taken
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			// Not the answer to our request (a stale tab, or someone else's):
			// refuse it and keep waiting.
			fmt.Fprintln(stderr, "backlogsync auth login: ignored a callback with a wrong state parameter")
			callbackPage(w, http.StatusBadRequest, "This sign-in response does not belong to the sign-in backlogsync is waiting for (wrong state). Start again from the URL backlogsync printed.")
			return
		}
		cb := callback{reply: make(chan error, 1)}
		switch {
		case q.Get("error") == "access_denied":
			cb.err = errAccessDenied
		case q.Get("error") != "":
			cb.err = fmt.Errorf("Backlog's authorization page answered %s (%s)", q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			cb.err = errors.New("Backlog sent the browser back without an authorization code")
		default:
			cb.code = q.Get("code")
		}
		taken := false
		once.Do(func() {
			select {
			case got <- cb:
				taken = true
			case <-done:
			}
		})
		if !taken {
			callbackPage(w, http.StatusConflict, "backlogsync already handled a sign-in response; you can close this window.")
			return
		}
		var outcome error
		select {
		case outcome = <-cb.reply:
		case <-r.Context().Done():
			return
		}
		if outcome != nil {
			callbackPage(w, http.StatusBadRequest, "Signing in failed: "+strings.TrimPrefix(outcome.Error(), "backlog: "))
			return
		}
		callbackPage(w, http.StatusOK, "backlogsync is signed in. You can close this window.")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		close(done)
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()

	authURL := cfg.AuthCodeURL(state)
	fmt.Fprintf(stdout, "Open this URL in a browser to let backlogsync read %s:\n\n  %s\n\n", cfg.BaseURL, authURL)
	fmt.Fprintf(stdout, "Waiting up to %v for the browser to come back to %s …\n", lc.timeout, cfg.RedirectURL)
	if !lc.noBrowser && isTerminal(stdout) {
		if err := openBrowser(authURL); err != nil {
			fmt.Fprintf(stderr, "backlogsync auth login: could not open a browser (%v); open the URL yourself\n", err)
		}
	}
	timer := time.NewTimer(lc.timeout)
	defer timer.Stop()
	var cb callback
	select {
	case cb = <-got:
	case <-timer.C:
		return nil, fmt.Errorf("timed out after %v waiting for the browser to come back to %s: open the URL above in a browser on this machine and allow access, run again with a longer --timeout, or without a local browser use --redirect-uri and --code",
			lc.timeout, cfg.RedirectURL)
	case <-ctx.Done():
		return nil, fmt.Errorf("interrupted while waiting for the browser: %w", ctx.Err())
	}
	if cb.err != nil {
		cb.reply <- cb.err
		return nil, cb.err
	}
	tok, err := cfg.Exchange(ctx, cb.code)
	cb.reply <- err
	return tok, err
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>backlogsync</title></head>
<body><h1>backlogsync</h1><p>{{.}}</p></body></html>
`))

// callbackPage answers the browser.
func callbackPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, msg)
}

// runAuthStatus implements "backlogsync auth status".
func runAuthStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var rawURL, path string
	var offline bool
	fs := flag.NewFlagSet("auth status", flag.ContinueOnError)
	fs.StringVar(&path, "token-file", "", "the token `file` (default $"+envTokenFile+", or the default file of --url)")
	fs.StringVar(&rawURL, "url", "", "the space's `URL`, to find its default token file (default $"+envURL+")")
	fs.BoolVar(&offline, "offline", false, "only read the file; do not ask Backlog whether the token works")
	if err := parseFlagSet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync auth status [flags]")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Shows whose token a token file holds and when it expires, and checks that it works")
			fmt.Fprintln(stdout, "(which may refresh it). Secrets are never shown.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			printFlags(stdout, fs)
		}
		return reportUsage("auth status", err, stderr)
	}
	if path == "" {
		path = os.Getenv(envTokenFile)
	}
	if rawURL == "" {
		rawURL = os.Getenv(envURL)
	}
	if path == "" {
		if rawURL == "" {
			return reportUsage("auth status", usagef("give --token-file, or --url to use the space's default token file"), stderr)
		}
		u, err := backlog.ParseBaseURL(rawURL)
		if err != nil {
			return reportUsage("auth status", usagef("--url: %s", strings.TrimPrefix(err.Error(), "backlog: ")), stderr)
		}
		if path, err = defaultTokenFile(u); err != nil {
			return reportUsage("auth status", usagef("%v", err), stderr)
		}
	}
	tf, err := backlog.NewFileTokenStore(path).ReadFile()
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync auth status: %s\n", strings.TrimPrefix(err.Error(), "backlog: "))
		return exitAuth
	}
	fmt.Fprintf(stdout, "Token file:     %s\n", path)
	fmt.Fprintf(stdout, "Space URL:      %s\n", tf.BaseURL)
	fmt.Fprintf(stdout, "Application:    client ID %s\n", tf.ClientID)
	if a := tf.Account; a != nil {
		fmt.Fprintf(stdout, "Signed in as:   %s (%s, id %d, %s) in space %s (%q)\n", a.Name, a.UserID, a.ID,
			a.RoleType.String(), a.SpaceKey, a.SpaceName)
	}
	printExpiry(stdout, tf.Token)
	if offline {
		return exitOK
	}
	acct, err := resolveAccount(accountFlags{tokenFile: path})
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync auth status: %s\n", strings.TrimPrefix(err.Error(), "backlog: "))
		return exitAuth
	}
	c, ts, err := acct.client(ctx, &http.Client{Timeout: 30 * time.Second}, quickRetry)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync auth status: %s\n", strings.TrimPrefix(err.Error(), "backlog: "))
		return exitAuth
	}
	me, _, err := c.Users.GetMyself(ctx)
	if err != nil {
		msg, code := explainFailure(err, acct, 30*time.Second)
		fmt.Fprintf(stderr, "backlogsync auth status: the token does not work: %s\n", msg)
		return code
	}
	uid := ""
	if me.UserID != nil {
		uid = *me.UserID
	}
	fmt.Fprintf(stdout, "Checked:        the token works; Backlog says it belongs to %s (%s, id %d, %s)\n", me.Name, uid, me.ID, me.RoleType.String())
	if ts.Refreshes() > 0 {
		fmt.Fprintln(stdout, "Refreshed:      the access token was refreshed and the new one saved")
		printExpiry(stdout, ts.Current())
	}
	if err := ts.SaveErr(); err != nil {
		fmt.Fprintf(stderr, "backlogsync auth status: %s\n", strings.TrimPrefix(err.Error(), "backlog: "))
		return exitError
	}
	return exitOK
}

// printExpiry prints when the access token expires and whether it can be
// refreshed.
func printExpiry(w io.Writer, t backlog.Token) {
	switch {
	case t.Expiry.IsZero():
		fmt.Fprintln(w, "Access token:   expiry unknown")
	case time.Until(t.Expiry) > 0:
		fmt.Fprintf(w, "Access token:   expires %s (in %v)\n", t.Expiry.UTC().Format(time.RFC3339), time.Until(t.Expiry).Round(time.Second))
	default:
		fmt.Fprintf(w, "Access token:   expired %s (refreshed on the next use)\n", t.Expiry.UTC().Format(time.RFC3339))
	}
	if t.RefreshToken != "" {
		fmt.Fprintln(w, "Refresh token:  stored")
	} else {
		fmt.Fprintln(w, "Refresh token:  none: sign in again with 'backlogsync auth login' when the access token expires")
	}
}
