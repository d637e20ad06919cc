package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/emulator"
)

// readmeExitCodes returns the exit codes of the README's exit-code table
// (the rows "| N | meaning | kind | example |").
func readmeExitCodes(t *testing.T) []int {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	row := regexp.MustCompile(`(?m)^\s*\| (\d) \| [^|]+\| [^|]+\| [^|]+\|\s*$`)
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		n, _ := strconv.Atoi(m[1])
		codes = append(codes, n)
	}
	if len(codes) == 0 {
		t.Fatal("README.md has no exit-code table")
	}
	return codes
}

// writeJob writes a YAML configuration with one account (auth is the YAML
// of its auth block), one destination and one job of the given statements.
func writeJob(t *testing.T, dir, base, auth, destType, dsn, statements string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "accounts:\n  - name: a\n    url: %q\n    auth: %s\n", base, auth)
	fmt.Fprintf(&b, "destinations:\n  - {name: db, type: %s, dsn: %q}\n", destType, dsn)
	b.WriteString("jobs:\n  - name: sync\n    destination: db\n    accounts: a\n    statements: |\n")
	for _, line := range strings.Split(strings.TrimSpace(statements), "\n") {
		b.WriteString("      " + strings.TrimSpace(line) + "\n")
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExitCodes runs one failing case per row of the README's exit-code
// table and fails when a row has no case or a case no row.
func TestExitCodes(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	key := fmt.Sprintf("{api_key: %s}", srv.AdminAPIKey())
	cases := map[int]struct {
		name string
		run  func(t *testing.T, dir string) (int, string)
		want string // in stderr
	}{
		0: {"the job runs", func(t *testing.T, dir string) (int, string) {
			cfg := writeJob(t, dir, base, key, "sqlite", filepath.Join(dir, "out.db"), "REPLICATE Projects;")
			code, _, errOut := runCLI(t, "replicate", "-c", cfg)
			return code, errOut
		}, ""},
		1: {"PostgreSQL not listening", func(t *testing.T, dir string) (int, string) {
			cfg := writeJob(t, dir, base, key, "postgres", "postgres://u:pw@127.0.0.1:"+closedPort(t)+"/db?sslmode=disable", "REPLICATE Projects;")
			code, _, errOut := runCLI(t, "replicate", "-c", cfg)
			return code, errOut
		}, "nothing accepts connections there"},
		2: {"a .sql file holding only comments", func(t *testing.T, dir string) (int, string) {
			cfg := writeJob(t, dir, base, key, "sqlite", filepath.Join(dir, "out.db"), "REPLICATE Projects;")
			sql := filepath.Join(dir, "only-comments.sql")
			if err := os.WriteFile(sql, []byte("-- REPLICATE Issues;\n/* nothing here */\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := runCLI(t, "replicate", "-c", cfg, "-f", sql)
			return code, errOut
		}, "only-comments.sql holds no statement"},
		3: {"one of two tables cannot be read", func(t *testing.T, dir string) (int, string) {
			rule, err := srv.AddFault(emulator.FaultRule{Path: "/api/v2/users", Kind: emulator.FaultStatus, Status: 404})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.RemoveFault(rule.ID)
			cfg := writeJob(t, dir, base, key, "sqlite", filepath.Join(dir, "out.db"),
				"REPLICATE Users WITH ContinueOnError=true;\nREPLICATE Projects;")
			code, _, errOut := runCLI(t, "replicate", "-c", cfg)
			return code, errOut
		}, "partial run"},
		4: {"a wrong API key", func(t *testing.T, dir string) (int, string) {
			cfg := writeJob(t, dir, base, "{api_key: WrongKey0123456789}", "sqlite", filepath.Join(dir, "out.db"), "REPLICATE Projects;")
			code, _, errOut := runCLI(t, "replicate", "-c", cfg)
			return code, errOut
		}, "the API key was rejected"},
		5: {"another run holds the destination", func(t *testing.T, dir string) (int, string) {
			db := filepath.Join(dir, "out.db")
			cfg := writeJob(t, dir, base, key, "sqlite", db, "REPLICATE Projects;")
			d, err := sqlite.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			release, err := d.Lease(context.Background(), "sync/a", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			code, _, errOut := runCLI(t, "replicate", "-c", cfg)
			return code, errOut
		}, "--wait"},
	}
	rows := readmeExitCodes(t)
	seen := map[int]bool{}
	for _, code := range rows {
		seen[code] = true
		c, ok := cases[code]
		if !ok {
			t.Errorf("README row %d has no case in TestExitCodes", code)
			continue
		}
		t.Run(strconv.Itoa(code)+" "+c.name, func(t *testing.T) {
			got, errOut := c.run(t, t.TempDir())
			if got != code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, want %d with %q in stderr:\n%s", got, code, c.want, errOut)
			}
		})
	}
	for code := range cases {
		if !seen[code] {
			t.Errorf("exit code %d has a case but no row in the README's table", code)
		}
	}
}

// A destination whose path or connection string is wrong is the same usage
// error (exit 2) in replicate and in state, and an unreachable server the
// same error (exit 1) in both.
func TestExitCodesDestinationSameEverywhere(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	key := fmt.Sprintf("{api_key: %s}", srv.AdminAPIKey())
	for _, tc := range []struct {
		name, typ, dsn string
		want           int
	}{
		{"sqlite path is a directory", "sqlite", "", exitUsage},
		{"malformed postgres DSN", "postgres", "postgres://u:pw@127.0.0.1:notaport/db", exitUsage},
		{"postgres not listening", "postgres", "postgres://u:pw@127.0.0.1:" + closedPort(t) + "/db?sslmode=disable", exitError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := tc.dsn
			if dsn == "" {
				dsn = dir // a directory cannot be opened as a database file
			}
			cfg := writeJob(t, dir, base, key, tc.typ, dsn, "REPLICATE Projects;")
			for _, args := range [][]string{{"replicate", "-c", cfg}, {"state", "show", "-c", cfg}} {
				code, _, errOut := runCLI(t, args...)
				if code != tc.want || strings.Contains(errOut, "pw@") {
					t.Errorf("%v: exit %d, want %d:\n%s", args, code, tc.want, errOut)
				}
			}
		})
	}
}

// emulatorRefreshToken signs in to the emulator as its administrator and
// returns the refresh token.
func emulatorRefreshToken(t *testing.T, base string) string {
	t.Helper()
	cfg := &backlog.OAuthConfig{ClientID: emulator.DefaultOAuthClient.ID, ClientSecret: emulator.DefaultOAuthClient.Secret,
		RedirectURL: "http://127.0.0.1:1/cb", BaseURL: base}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(cfg.AuthCodeURL("state"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code in %q (%v)", resp.Header.Get("Location"), err)
	}
	tok, err := cfg.Exchange(t.Context(), loc.Query().Get("code"))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v %+v", err, tok)
	}
	return tok.RefreshToken
}

// replicate honours the YAML oauth block: client_id, client_secret and
// refresh_token (seeding the token store, which then holds the rotated
// token); a wrong client_secret (invalid_client) is exit 4, not 1.
func TestReplicateYAMLOAuth(t *testing.T) {
	isolateAccountEnv(t)
	_, base := startAuthEmulator(t, nil)
	dir := t.TempDir()
	store := filepath.Join(dir, "token.json")

	bad := fmt.Sprintf("{oauth: {client_id: %s, client_secret: wrong-secret, refresh_token: %s}}",
		emulator.DefaultOAuthClient.ID, emulatorRefreshToken(t, base))
	cfg := writeJob(t, dir, base, bad, "sqlite", filepath.Join(dir, "out.db"), "REPLICATE Projects;")
	code, _, errOut := runCLI(t, "replicate", "-c", cfg)
	if code != exitAuth || !strings.Contains(errOut, "invalid_client") || strings.Contains(errOut, "wrong-secret") {
		t.Errorf("invalid_client: exit %d, want %d:\n%s", code, exitAuth, errOut)
	}

	rt := emulatorRefreshToken(t, base)
	good := fmt.Sprintf("{oauth: {client_id: %s, client_secret: %s, refresh_token: %s, token_store: %q}}",
		emulator.DefaultOAuthClient.ID, emulator.DefaultOAuthClient.Secret, rt, store)
	cfg = writeJob(t, dir, base, good, "sqlite", filepath.Join(dir, "out.db"), "REPLICATE Projects;")
	code, out, errOut := runCLI(t, "replicate", "-c", cfg)
	if code != exitOK || !strings.Contains(out, "Projects") {
		t.Fatalf("YAML refresh_token: exit %d:\n%s\n%s", code, out, errOut)
	}
	tf, err := backlog.NewFileTokenStore(store).ReadFile()
	if err != nil || tf.Token.AccessToken == "" || tf.Token.RefreshToken == rt {
		t.Errorf("token store after the run: %v %v (want a fresh, rotated token)", tf, err)
	}
	for _, secret := range []string{rt, tf.Token.AccessToken, emulator.DefaultOAuthClient.Secret} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("output shows a secret")
		}
	}
}

// The kinds map to exit codes in one place.
func TestExitCodeOfKinds(t *testing.T) {
	for kind, want := range map[string]int{
		backlogsync.EINVALID: exitUsage, backlogsync.EUNAUTHORIZED: exitAuth, backlogsync.EPARTIAL: exitPartial,
		backlogsync.EUNAVAILABLE: exitError, backlogsync.ERATELIMIT: exitError, backlogsync.ENOTFOUND: exitError,
		backlogsync.EINTERNAL: exitError,
	} {
		if got := exitCode(fmt.Errorf("wrapped: %w", &backlogsync.Error{Code: kind})); got != want {
			t.Errorf("%s: exit %d, want %d", kind, got, want)
		}
	}
	if exitCode(nil) != exitOK || exitCode(errors.New("plain")) != exitError || exitCode(usagef("x")) != exitUsage {
		t.Error("nil, plain or usage error mapped wrongly")
	}
}

// A statement written inline in the YAML configuration is reported at its
// line and column in the YAML file, not at line 1 of the block.
func TestInlineStatementPositions(t *testing.T) {
	isolateAccountEnv(t)
	dir := t.TempDir()
	// writeJob puts the block's lines at line 8 onwards, indented six spaces.
	cfg := writeJob(t, dir, "https://x.backlog.com", "{api_key: k}", "sqlite", filepath.Join(dir, "out.db"),
		"REPLICATE Projects;\nREPLICATE Isues;")
	code, _, errOut := runCLI(t, "replicate", "-c", cfg)
	data, _ := os.ReadFile(cfg)
	line := 1 + strings.Count(string(data[:strings.Index(string(data), "REPLICATE Isues")]), "\n")
	want := fmt.Sprintf("%s:%d:17:", cfg, line) // "      REPLICATE Isues": the table name at column 17
	if code != exitUsage || !strings.Contains(errOut, want) || !strings.Contains(errOut, `did you mean "Issues"`) {
		t.Errorf("exit %d, want %d with %q:\n%s", code, exitUsage, want, errOut)
	}
}
