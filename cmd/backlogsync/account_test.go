package main

import (
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
)

// The configuration file (-c YAML or -g CData XML): flags and environment
// win over it; several accounts need --account.
func TestResolveAccountConfigFile(t *testing.T) {
	dir := isolateAccountEnv(t)
	yml := filepath.Join(dir, "c.yaml")
	writeFile(t, yml, `accounts:
  - name: main
    url: https://cfg.backlog.com
    auth: {api_key: cfgkey}
    rate_limit: {max_share: 0.8}
  - name: other
    url: https://other.backlog.jp
    auth:
      oauth: {client_id: id, client_secret: s, token_store: `+filepath.Join(dir, "other.json")+`}
destinations:
  - {name: db, type: sqlite, dsn: x.db}
jobs:
  - {name: all, destination: db, accounts: main, replicate_all: true}
`)
	xml := filepath.Join(dir, "c.xml")
	writeFile(t, xml, `<CDataSync><DatabaseType>SQLite</DatabaseType>
<ConnectionString>APIKey=xmlkey;URL=https://xml.backlog.com;</ConnectionString>
<DatabaseConnectionString>Data Source=b.db</DatabaseConnectionString></CDataSync>`)

	a, err := resolveAccount(accountFlags{config: yml, account: "main"})
	if err != nil || a.baseURL.String() != "https://cfg.backlog.com/" || a.apiKey != "cfgkey" || a.source != "the configuration file" ||
		a.maxShare != 0.8 {
		t.Errorf("YAML account: %+v %v", a, err)
	}
	a, err = resolveAccount(accountFlags{config: xml})
	if err != nil || a.baseURL.String() != "https://xml.backlog.com/" || a.apiKey != "xmlkey" {
		t.Errorf("CData XML (-g): %+v %v", a, err)
	}
	if _, err := resolveAccount(accountFlags{config: yml}); err == nil || !strings.Contains(err.Error(), "choose one with --account") ||
		!strings.Contains(err.Error(), "main, other") {
		t.Errorf("several accounts without --account: %v", err)
	}
	if _, err := resolveAccount(accountFlags{config: yml, account: "nope"}); err == nil || !strings.Contains(err.Error(), "no such account") {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := resolveAccount(accountFlags{account: "main"}); err == nil || !strings.Contains(err.Error(), "-c") {
		t.Errorf("--account without -c: %v", err)
	}
	// OAuth accounts use their token store (missing here: a clear error from reading it).
	if _, err := resolveAccount(accountFlags{config: yml, account: "other"}); err == nil || !strings.Contains(err.Error(), "other.json") {
		t.Errorf("OAuth account without its token file: %v", err)
	}
	t.Setenv(envAPIKey, "envkey")
	a, err = resolveAccount(accountFlags{config: yml, account: "main", url: "https://flag.backlog.jp"})
	if err != nil || a.baseURL.String() != "https://flag.backlog.jp/" || a.apiKey != "envkey" || a.source != envAPIKey {
		t.Errorf("flag + env over config: %+v %v", a, err)
	}
}

// writeFile writes a test file.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Where the account comes from: flags, then environment, then the token
// file's own URL, then the login's default file for the URL.
func TestResolveAccount(t *testing.T) {
	dir := isolateAccountEnv(t)
	tokenFile := filepath.Join(dir, "t.json")
	if err := backlog.NewFileTokenStore(tokenFile).WriteFile(&backlog.TokenFile{BaseURL: "https://acme.backlog.com/",
		ClientID: "id", ClientSecret: "s", Token: backlog.Token{AccessToken: "a"}}); err != nil {
		t.Fatal(err)
	}
	u, _ := backlog.ParseBaseURL("https://dflt.backlog.jp")
	dflt, err := defaultTokenFile(u)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("backlogsync", "oauth", "dflt.backlog.jp.json"); !strings.HasSuffix(dflt, want) {
		t.Errorf("default token file %s, want …%s", dflt, want)
	}
	if err := backlog.NewFileTokenStore(dflt).WriteFile(&backlog.TokenFile{BaseURL: "https://dflt.backlog.jp/",
		ClientID: "id", ClientSecret: "s", Token: backlog.Token{AccessToken: "a"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		flags           accountFlags
		env             map[string]string
		url, key, token string
		source          string
	}{
		{"flags", accountFlags{url: "https://a.backlog.com/api/v2", apiKey: "k"}, nil,
			"https://a.backlog.com/", "k", "", "--api-key"},
		{"env", accountFlags{}, map[string]string{envURL: "http://127.0.0.1:9", envAPIKey: "ek"},
			"http://127.0.0.1:9/", "ek", "", envAPIKey},
		{"token file gives the URL", accountFlags{tokenFile: tokenFile}, nil,
			"https://acme.backlog.com/", "", tokenFile, "--token-file"},
		{"token file from env", accountFlags{}, map[string]string{envTokenFile: tokenFile},
			"https://acme.backlog.com/", "", tokenFile, envTokenFile},
		{"flag key over env token file", accountFlags{url: "https://b.backlog.com", apiKey: "k"}, map[string]string{envTokenFile: tokenFile},
			"https://b.backlog.com/", "k", "", "--api-key"},
		{"default token file of the URL", accountFlags{url: "https://dflt.backlog.jp"}, nil,
			"https://dflt.backlog.jp/", "", dflt, "the default token file"},
		{"self-hosted with a path", accountFlags{url: "https://example.org/backlog/", apiKey: "k"}, nil,
			"https://example.org/backlog/", "k", "", "--api-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			a, err := resolveAccount(tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			if a.baseURL.String() != tt.url || a.apiKey != tt.key || a.tokenFile != tt.token || a.source != tt.source {
				t.Errorf("got url %s key %q token %q source %q", a.baseURL, a.apiKey, a.tokenFile, a.source)
			}
		})
	}
}

// rate_limit.concurrency and pacing of the configuration file reach the
// account's client; --concurrency and --pacing win over them; bad flag
// values are usage errors naming the flag, the value and the range.
func TestResolveAccountRateLimit(t *testing.T) {
	dir := isolateAccountEnv(t)
	yml := filepath.Join(dir, "c.yaml")
	writeFile(t, yml, `accounts:
  - name: shared
    url: https://cfg.backlog.com
    auth: {api_key: k1}
    rate_limit: {concurrency: 1, pacing: even}
  - name: plain
    url: https://cfg.backlog.com
    auth: {api_key: k2}
destinations:
  - {name: db, type: sqlite, dsn: x.db}
jobs:
  - {name: all, destination: db, accounts: [{account: shared, prefix: S_}, {account: plain, prefix: P_}], replicate_all: true}
`)
	for _, tc := range []struct {
		name  string
		flags accountFlags
		conc  int
		pace  backlog.Pacing
	}{
		{"from the file", accountFlags{config: yml, account: "shared"}, 1, backlog.PaceEven},
		{"defaults", accountFlags{config: yml, account: "plain"}, backlog.DefaultConcurrency, backlog.PaceWindow},
		{"flags win", accountFlags{config: yml, account: "shared", concurrency: 8, pacing: "window"}, 8, backlog.PaceWindow},
		{"flags without a file", accountFlags{url: "https://x.backlog.com", apiKey: "k", concurrency: 2, pacing: "Even"}, 2, backlog.PaceEven},
	} {
		a, err := resolveAccount(tc.flags)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c, _, err := a.client(t.Context(), &http.Client{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.Concurrency() != tc.conc || c.Pacing() != tc.pace {
			t.Errorf("%s: client concurrency %d, pacing %s; want %d, %s", tc.name, c.Concurrency(), c.Pacing(), tc.conc, tc.pace)
		}
	}
	for _, tc := range []struct {
		flags accountFlags
		want  string
	}{
		{accountFlags{config: yml, account: "plain", concurrency: 17}, "--concurrency 17: give a number from 1 (one request at a time) to 16"},
		{accountFlags{config: yml, account: "plain", concurrency: -1}, "--concurrency -1: give a number from 1"},
		{accountFlags{config: yml, account: "plain", concurrencySet: true}, "--concurrency 0: give a number from 1"},
		{accountFlags{config: yml, account: "plain", pacing: "fast"}, `--pacing "fast": want window`},
	} {
		_, err := resolveAccount(tc.flags)
		if err == nil || !strings.Contains(err.Error(), tc.want) || exitCode(err) != exitUsage {
			t.Errorf("%+v: err = %v (exit %d); want a usage error containing %q", tc.flags, err, exitCode(err), tc.want)
		}
	}
	if config.MaxConcurrency != backlog.MaxConcurrency {
		t.Errorf("config.MaxConcurrency %d, backlog.MaxConcurrency %d: the file and the client would disagree", config.MaxConcurrency, backlog.MaxConcurrency)
	}
}

// TestConcurrencyFlagZero: --concurrency 0 on the command line is refused
// as the configuration file refuses it, not taken as "unset"; a word is
// refused at parsing with the range to give.
func TestConcurrencyFlagZero(t *testing.T) {
	var a accountFlags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.register(fs)
	if err := fs.Parse([]string{"--url", "https://x.backlog.com", "--api-key", "k", "--concurrency", "0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveAccount(a); err == nil || !strings.Contains(err.Error(), "--concurrency 0: give a number from 1") || exitCode(err) != exitUsage {
		t.Errorf("--concurrency 0: err = %v (exit %d); want a usage error naming the range", err, exitCode(err))
	}
	if err := fs.Parse([]string{"--concurrency", "four"}); err == nil || !strings.Contains(err.Error(), "give a whole number from 1 to 16") {
		t.Errorf("--concurrency four: %v; want the range to give", err)
	}
}

// A token file that parses but holds no token (hand-written, or another
// tool's format) is an authentication error that says so and how to get
// one, not a complaint about the OAuth client ID; nothing of it is shown.
func TestResolveAccountTokenFileWithoutToken(t *testing.T) {
	dir := isolateAccountEnv(t)
	path := filepath.Join(dir, "other.json")
	doc := `{"access_token":"secretAAA","refresh_token":"secretRRR","token_type":"Bearer"}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "check", "--url", "https://acme.backlog.com", "--token-file", path)
	if code != exitAuth {
		t.Errorf("exit %d, want %d\n%s\n%s", code, exitAuth, out, errOut)
	}
	for _, want := range []string{path, "holds no OAuth token", "backlogsync auth login"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut+out, "secret") {
		t.Errorf("a token is shown:\n%s\n%s", out, errOut)
	}
}
