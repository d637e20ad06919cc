package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unsetKeyVar is the variable the tests' api_key names; unsetEnv makes
// sure it is not set (an admin's shell, not systemd's EnvironmentFile).
const unsetKeyVar = "BACKLOGSYNC_TEST_UNSET_API_KEY"

func unsetEnv(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "") // restores it after the test
	os.Unsetenv(name)
}

// The admin commands manage serve's state and never talk to Backlog, nor
// does state (checkpoints and runs in the destinations): an
// account's API key that cannot be resolved does not stop them. Every
// command that uses the account still fails at once with the load's
// message: the setting, the variable and the fix.
func TestAccountSecretNotNeededByAdminCommands(t *testing.T) {
	isolateAccountEnv(t)
	unsetEnv(t, unsetKeyVar)
	cfg, _ := serveConfig(t, "")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfg, strings.Replace(string(b), "{api_key: k}", `{api_key: "${`+unsetKeyVar+`}"}`, 1))

	mustCLI(t, "users", "add", "ana@example.com", "-c", cfg)
	if out, _ := mustCLI(t, "users", "list", "-c", cfg); !strings.Contains(out, "ana@example.com") {
		t.Errorf("users list:\n%s", out)
	}
	if tok, _ := mustCLI(t, "tokens", "create", "-c", cfg, "--user", "ana@example.com"); !tokenLineRE.MatchString(tok) {
		t.Errorf("tokens create: %q", tok)
	}
	if out, _ := mustCLI(t, "state", "show", "-c", cfg); out == "" {
		t.Error("state show printed nothing")
	}
	mustCLI(t, "workspaces", "add", "sales", "-c", cfg, "--destination", "db")
	if out, _ := mustCLI(t, "workspaces", "list", "-c", cfg); !strings.Contains(out, "sales") {
		t.Errorf("workspaces list:\n%s", out)
	}

	want := "accounts[0].auth.api_key: environment variable " + unsetKeyVar + " is not set; export it, or remove the reference"
	for _, args := range [][]string{
		{"replicate", "-c", cfg},
		{"check", "-c", cfg},
		{"query", "-c", cfg, "SELECT Id FROM Projects"},
		{"serve", "-c", cfg, "--addr", "127.0.0.1:0"},
	} {
		wantCLIError(t, exitUsage, want, args...)
	}

	// The server's own settings are still resolved: the admin commands
	// need the state database.
	unsetEnv(t, "BACKLOGSYNC_TEST_UNSET_STATE")
	cfg2, _ := serveConfig(t, "server: {state: \"${BACKLOGSYNC_TEST_UNSET_STATE}/s.db\"}\n")
	wantCLIError(t, exitUsage, "server.state: environment variable BACKLOGSYNC_TEST_UNSET_STATE is not set", "users", "list", "-c", cfg2)
}

// An account whose credentials cannot be resolved is an error only when
// it is the one used (check, query, replicate -c --account): the message
// is the load's.
func TestConfigAccountDefersOtherAccounts(t *testing.T) {
	dir := isolateAccountEnv(t)
	unsetEnv(t, unsetKeyVar)
	yml := filepath.Join(dir, "c.yaml")
	writeFile(t, yml, `accounts:
  - {name: good, url: https://good.backlog.com, auth: {api_key: goodkey}}
  - name: broken
    url: https://broken.backlog.com
    auth: {api_key: "${`+unsetKeyVar+`}"}
destinations:
  - {name: db, type: sqlite, dsn: x.db}
jobs:
  - {name: all, destination: db, accounts: [good], replicate_all: true}
`)
	a, err := resolveAccount(accountFlags{config: yml, account: "good"})
	if err != nil || a.apiKey != "goodkey" {
		t.Errorf("good: %+v %v", a, err)
	}
	_, err = resolveAccount(accountFlags{config: yml, account: "broken"})
	want := "config: " + yml + ":5: accounts[1].auth.api_key: environment variable " + unsetKeyVar + " is not set; export it, or remove the reference"
	if err == nil || err.Error() != want {
		t.Errorf("broken: %v\nwant %s", err, want)
	}
	if code := exitCode(err); code != exitUsage {
		t.Errorf("broken: exit %d, want %d", code, exitUsage)
	}
	// Credentials from a flag or the environment win over the file's, so
	// the file's need not resolve.
	if a, err := resolveAccount(accountFlags{config: yml, account: "broken", apiKey: "flagkey"}); err != nil || a.apiKey != "flagkey" || a.source != "--api-key" {
		t.Errorf("broken with --api-key: %+v %v", a, err)
	}
	t.Setenv(envAPIKey, "envkey")
	if a, err := resolveAccount(accountFlags{config: yml, account: "broken"}); err != nil || a.apiKey != "envkey" || a.source != envAPIKey {
		t.Errorf("broken with %s: %+v %v", envAPIKey, a, err)
	}
}

// A CData Sync XML config has no ${NAME} references (its values are
// literal); the admin commands read it as before.
func TestAdminCommandsCDataConfig(t *testing.T) {
	dir := t.TempDir()
	xml := filepath.Join(dir, "sync.xml")
	writeFile(t, xml, `<CDataSync><DatabaseType>SQLite</DatabaseType>
<ConnectionString>URL=https://x.backlog.com;APIKey=${`+unsetKeyVar+`};</ConnectionString>
<DatabaseConnectionString>Data Source=b.db</DatabaseConnectionString></CDataSync>`)
	mustCLI(t, "users", "add", "ana@example.com", "-c", xml)
	if out, _ := mustCLI(t, "users", "list", "-c", xml); !strings.Contains(out, "ana@example.com") {
		t.Errorf("users list:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "sync.state.db")); err != nil {
		t.Errorf("state beside the XML config: %v", err)
	}
}
