package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/internal/dbtest"
)

// serveConfig writes a config whose destination "db" is a SQLite file
// with tables Issues, Projects and Users, and a destination "later" that
// does not exist yet; extra is appended (a server section).
func serveConfig(t *testing.T, extra string) (cfgPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "replica.db")
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Issues", "Projects", "Users"} {
		tbl := &backlogsync.Table{Name: name,
			Columns:    []backlogsync.Column{{Name: "Id", Type: backlogsync.TypeInt}, {Name: "Name", Type: backlogsync.TypeText, Nullable: true}},
			PrimaryKey: []string{"Id"}}
		if err := db.Migrate(context.Background(), tbl); err != nil {
			t.Fatal(err)
		}
		var rows []backlogsync.Row
		for i := range 3 {
			rows = append(rows, backlogsync.Row{int64(i + 1), fmt.Sprintf("%s %d", name, i+1)})
		}
		if _, err := db.Write(context.Background(), backlogsync.Batch{Table: tbl, Upserts: rows}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	cfgPath = filepath.Join(dir, "backlogsync.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`accounts:
  - {name: main, url: https://acme.backlog.com, auth: {api_key: k}}
destinations:
  - {name: db, type: sqlite, dsn: %s}
  - {name: later, type: sqlite, dsn: later.db}
jobs:
  - {name: sync, destination: db, accounts: [main], statements: "REPLICATE Issues;"}
%s`, dbPath, extra))
	return cfgPath, dbPath
}

func mustCLI(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", args, code, out, errOut)
	}
	return out, errOut
}

func wantCLIError(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	got, out, errOut := runCLI(t, args...)
	if got != code || !strings.Contains(errOut, want) {
		t.Errorf("%v: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stderr to contain %q", args, got, code, out, errOut, want)
	}
}

var tokenLineRE = regexp.MustCompile(`^bsp_[a-z2-7]{8}_[a-z2-7]{52}\n$`)

func TestUsersTokensWorkspacesCLI(t *testing.T) {
	cfg, _ := serveConfig(t, "")
	state := filepath.Join(filepath.Dir(cfg), "backlogsync.state.db")

	out, _ := mustCLI(t, "users", "add", "Ana@Example.com", "-c", cfg)
	if out != "added user ana@example.com\n" {
		t.Errorf("users add: %q", out)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("the default state file beside the config: %v", err)
	}
	mustCLI(t, "users", "add", "-c", cfg, "--admin", "boss@example.com")
	wantCLIError(t, exitError, "already exists", "users", "add", "ana@example.com", "-c", cfg)
	wantCLIError(t, exitUsage, "not an e-mail address", "users", "add", "ana", "-c", cfg)
	wantCLIError(t, exitUsage, "give EMAIL", "users", "add", "-c", cfg)
	wantCLIError(t, exitUsage, "-c config.yaml", "users", "list")
	wantCLIError(t, exitUsage, `did you mean "list"`, "users", "lst", "-c", cfg)
	out, _ = mustCLI(t, "users", "list", "-c", cfg)
	if !regexp.MustCompile(`(?m)^ana@example\.com\s+false\s+\d{4}-`).MatchString(out) || !regexp.MustCompile(`(?m)^boss@example\.com\s+true`).MatchString(out) {
		t.Errorf("users list:\n%s", out)
	}

	// tokens create prints the token alone on stdout.
	tok, errOut := mustCLI(t, "tokens", "create", "-c", cfg, "--user", "ana@example.com", "--name", "excel", "--expires", "30d")
	if !tokenLineRE.MatchString(tok) {
		t.Fatalf("tokens create stdout %q is not the token alone", tok)
	}
	tok = strings.TrimSpace(tok)
	if !strings.Contains(errOut, "shown this once") || strings.Contains(errOut, tok) {
		t.Errorf("tokens create stderr: %s", errOut)
	}
	wantCLIError(t, exitUsage, `no user ana@exampel.com (did you mean "ana@example.com"?)`, "tokens", "create", "-c", cfg, "--user", "ana@exampel.com")
	wantCLIError(t, exitUsage, "--expires", "tokens", "create", "-c", cfg, "--user", "ana@example.com", "--expires", "soon")
	wantCLIError(t, exitUsage, "--user EMAIL", "tokens", "create", "-c", cfg)
	mustCLI(t, "tokens", "create", "-c", cfg, "--user", "boss@example.com", "--expires", "never")

	out, _ = mustCLI(t, "tokens", "list", "-c", cfg, "--user", "ana@example.com")
	if strings.Contains(out, tok[13:]) || !strings.Contains(out, tok[:12]) || !strings.Contains(out, "excel") ||
		!strings.Contains(out, "never") || !strings.Contains(out, "active") || strings.Contains(out, "boss@") {
		t.Errorf("tokens list --user:\n%s", out)
	}
	out, _ = mustCLI(t, "tokens", "list", "-c", cfg)
	if !strings.Contains(out, "boss@example.com") || !strings.Contains(out, "ID") || !strings.Contains(out, "LAST USED") {
		t.Errorf("tokens list:\n%s", out)
	}

	// Workspaces.
	out, errOut = mustCLI(t, "workspaces", "add", "sales", "-c", cfg, "--destination", "db", "--table", "Issues", "--table", "Projects")
	if !strings.Contains(out, "added workspace sales: 2 tables of destination db") || !strings.Contains(out, "http://127.0.0.1:8080/odata/sales/") {
		t.Errorf("workspaces add:\n%s%s", out, errOut)
	}
	out, _ = mustCLI(t, "workspaces", "add", "everything", "-c", cfg, "--destination", "db")
	if !strings.Contains(out, "all tables (3 now)") {
		t.Errorf("workspaces add (all):\n%s", out)
	}
	wantCLIError(t, exitUsage, `no table "Issue" (did you mean "Issues"?)`, "workspaces", "add", "x", "-c", cfg, "--destination", "db", "--table", "Issue")
	wantCLIError(t, exitUsage, `no destination "dv"`, "workspaces", "add", "x", "-c", cfg, "--destination", "dv")
	wantCLIError(t, exitUsage, "run backlogsync replicate first", "workspaces", "add", "x", "-c", cfg, "--destination", "later", "--table", "Issues")
	wantCLIError(t, exitUsage, "workspace name", "workspaces", "add", "a/b", "-c", cfg, "--destination", "db")
	wantCLIError(t, exitError, "already exists", "workspaces", "add", "sales", "-c", cfg, "--destination", "db")
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "later.db")); err == nil {
		t.Error("workspaces add created the SQLite file of a destination never replicated")
	}

	out, _ = mustCLI(t, "workspaces", "grant", "sales", "-c", cfg, "--user", "ana@example.com")
	if !strings.Contains(out, "granted sales to ana@example.com") {
		t.Errorf("grant: %s", out)
	}
	wantCLIError(t, exitUsage, `did you mean "ana@example.com"`, "workspaces", "grant", "sales", "-c", cfg, "--user", "ann@example.com")
	wantCLIError(t, exitUsage, `no workspace sale (did you mean "sales"?)`, "workspaces", "grant", "sale", "-c", cfg, "--user", "ana@example.com")
	out, _ = mustCLI(t, "workspaces", "list", "-c", cfg)
	if !regexp.MustCompile(`(?m)^sales\s+db\s+Issues,Projects\s+ana@example\.com\s+http://127\.0\.0\.1:8080/odata/sales/$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^everything\s+db\s+\(all\)\s+\(admins only\)\s+http://127\.0\.0\.1:8080/odata/everything/$`).MatchString(out) {
		t.Errorf("workspaces list:\n%s", out)
	}
	mustCLI(t, "workspaces", "revoke", "sales", "-c", cfg, "--user", "ana@example.com")
	wantCLIError(t, exitUsage, "has no grant", "workspaces", "revoke", "sales", "-c", cfg, "--user", "ana@example.com")

	// Revoking and removing.
	out, _ = mustCLI(t, "tokens", "revoke", "1", "-c", cfg)
	if !strings.Contains(out, "revoked token 1") || strings.Contains(out, tok[13:]) {
		t.Errorf("tokens revoke: %s", out)
	}
	out, _ = mustCLI(t, "tokens", "list", "-c", cfg, "--user", "ana@example.com")
	if !strings.Contains(out, "revoked 20") {
		t.Errorf("tokens list after revoke:\n%s", out)
	}
	wantCLIError(t, exitUsage, "no token 99", "tokens", "revoke", "99", "-c", cfg)
	mustCLI(t, "users", "remove", "ana@example.com", "-c", cfg)
	wantCLIError(t, exitUsage, "no user ana@example.com", "users", "remove", "ana@example.com", "-c", cfg)
}

func TestAdminStateInConfig(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "custom", "state.db")
	os.MkdirAll(filepath.Dir(state), 0o755)
	cfg, _ := serveConfig(t, fmt.Sprintf("server: {state: %s, base_url: 'https://bi.example.com'}\n", state))
	mustCLI(t, "users", "add", "ana@example.com", "-c", cfg)
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("server.state not used: %v", err)
	}
	out, _ := mustCLI(t, "workspaces", "add", "w", "-c", cfg, "--destination", "db")
	if !strings.Contains(out, "https://bi.example.com/odata/w/") {
		t.Errorf("base_url not used:\n%s", out)
	}
	cfg2, _ := serveConfig(t, "server: {state: "+filepath.Join(dir, "missing", "s.db")+"}\n")
	wantCLIError(t, exitError, "exists and is writable", "users", "list", "-c", cfg2)

	// An unreachable PostgreSQL state database: the error hides the password.
	cfg3, _ := serveConfig(t, "server: {state: 'postgres://serve:Sekr1tPw@127.0.0.1:1/state?connect_timeout=5'}\n")
	code, out, errOut := runCLI(t, "users", "list", "-c", cfg3)
	if code != exitError || !strings.Contains(errOut, "state database postgres://serve:****@127.0.0.1:1/state") || strings.Contains(out+errOut, "Sekr1tPw") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestAdminStatePostgres(t *testing.T) {
	dsn := dbtest.Postgres(t) // a fresh schema: the state's migrations never meet another test's
	cfg, _ := serveConfig(t, fmt.Sprintf("server: {state: '%s'}\n", dsn))
	email := fmt.Sprintf("pg-%d@example.com", os.Getpid())
	mustCLI(t, "users", "add", email, "-c", cfg)
	t.Cleanup(func() { runCLI(t, "users", "remove", email, "-c", cfg) })
	out, _ := mustCLI(t, "users", "list", "-c", cfg)
	if !strings.Contains(out, email) {
		t.Errorf("users list on PostgreSQL:\n%s", out)
	}
	tok, _ := mustCLI(t, "tokens", "create", "-c", cfg, "--user", email)
	if !tokenLineRE.MatchString(tok) {
		t.Errorf("token %q", tok)
	}
}
