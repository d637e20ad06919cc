package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/emulator"
)

// cdataFiles writes CData Sync's seed example pointing at base: an XML
// config with DatabaseType SQLite and a jobs.sql file.
func cdataFiles(t *testing.T, base, key, jobs string) (xmlPath, sqlPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "backlog.db")
	xml := `<?xml version="1.0" encoding="utf-8"?>
<CDataSync>
  <DatabaseType>SQLite</DatabaseType>
  <DatabaseProvider>System.Data.SQLite</DatabaseProvider>
  <ConnectionString>APIKey=` + key + `;URL=` + base + `;</ConnectionString>
  <ReplicateAll>False</ReplicateAll>
  <NotificationUserName></NotificationUserName>
  <DatabaseConnectionString>Data Source=` + dbPath + `</DatabaseConnectionString>
  <TaskSchedulerStartTime>09:51</TaskSchedulerStartTime>
  <TaskSchedulerInterval>Never</TaskSchedulerInterval>
</CDataSync>
`
	xmlPath, sqlPath = filepath.Join(dir, "config.xml"), filepath.Join(dir, "jobs.sql")
	if err := os.WriteFile(xmlPath, []byte(xml), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sqlPath, []byte(jobs), 0o600); err != nil {
		t.Fatal(err)
	}
	return xmlPath, sqlPath, dbPath
}

func countRows(t *testing.T, dbPath, table string) int {
	t.Helper()
	d, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := 0
	if err := d.Query(context.Background(), table, backlogsync.Query{}, func(backlogsync.Row) error { n++; return nil }); err != nil {
		t.Fatalf("Query %s: %v", table, err)
	}
	return n
}

func TestReplicateCDataSeedExample(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	xmlPath, sqlPath, dbPath := cdataFiles(t, base, srv.AdminAPIKey(), "REPLICATE Issues;\n")
	code, out, errOut := runCLI(t, "-g", xmlPath, "-f", sqlPath)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if got, want := countRows(t, dbPath, "Issues"), srv.Summary().Issues; got != want {
		t.Errorf("Issues has %d rows, the emulator %d issues", got, want)
	}
	if !strings.Contains(out, "Issues") {
		t.Errorf("stdout does not list the table:\n%s", out)
	}
	// Again: incremental, same count, exit 0.
	if code, out, errOut := runCLI(t, "-f", sqlPath, "-g", xmlPath); code != exitOK {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errOut)
	}
	if got, want := countRows(t, dbPath, "Issues"), srv.Summary().Issues; got != want {
		t.Errorf("after the second run Issues has %d rows, want %d", got, want)
	}
}

// TestReplicateFlagsAfterJobName: flags may follow the job names, as they
// may follow the positional arguments of users, tokens and workspaces; a
// flag after a job name was taken for a job ("no job \"-q\"").
func TestReplicateFlagsAfterJobName(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	xmlPath, sqlPath, dbPath := cdataFiles(t, base, srv.AdminAPIKey(), "REPLICATE Issues;\n")
	code, out, errOut := runCLI(t, "replicate", "-c", xmlPath, "config", "-f", sqlPath, "-q")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if strings.Contains(errOut, "level=INFO") {
		t.Errorf("-q after the job name was ignored:\n%s", errOut)
	}
	if got, want := countRows(t, dbPath, "Issues"), srv.Summary().Issues; got != want {
		t.Errorf("Issues has %d rows, the emulator %d issues", got, want)
	}
	if code, _, errOut := runCLI(t, "replicate", "-c", xmlPath, "config", "--bogus"); code != exitUsage || !strings.Contains(errOut, "unknown flag --bogus") {
		t.Errorf("unknown flag after a job: exit %d, stderr %s", code, errOut)
	}
}

func TestReplicateErrors(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	xmlPath, sqlPath, dbPath := cdataFiles(t, base, srv.AdminAPIKey(), "REPLICATE Issues;\nREPLICATE Projcts;\n")
	n0 := len(srv.Requests())
	code, _, errOut := runCLI(t, "-g", xmlPath, "-f", sqlPath)
	if code != exitUsage || !strings.Contains(errOut, "jobs.sql:2:11") {
		t.Errorf("bad table: exit %d, stderr %s; want 2 and jobs.sql:2:11", code, errOut)
	}
	if _, err := os.Stat(dbPath); err == nil {
		t.Errorf("the database was created for a bad statement file")
	}
	if n := len(srv.Requests()) - n0; n != 0 {
		t.Errorf("%d requests for a bad statement file", n)
	}
	// Syntax error.
	os.WriteFile(sqlPath, []byte("REPLICATE Issues WITH ;"), 0o600)
	if code, _, errOut := runCLI(t, "-g", xmlPath, "-f", sqlPath); code != exitUsage || !strings.Contains(errOut, "jobs.sql:1:") {
		t.Errorf("syntax error: exit %d, stderr %s", code, errOut)
	}
	// Auth error.
	os.WriteFile(sqlPath, []byte("REPLICATE Users;"), 0o600)
	badXML, _, _ := cdataFiles(t, base, "wrongkey", "REPLICATE Users;")
	if code, _, errOut := runCLI(t, "-g", badXML, "-f", sqlPath); code != exitAuth {
		t.Errorf("bad key: exit %d, want %d; stderr %s", code, exitAuth, errOut)
	}
	// No config.
	if code, _, _ := runCLI(t, "replicate"); code != exitUsage {
		t.Errorf("no config: exit %d", code)
	}
}

func TestReplicateYAMLTwoAccounts(t *testing.T) {
	isolateAccountEnv(t)
	srvA, baseA := startAuthEmulator(t, nil)
	srvB, err := emulator.New(emulator.Options{Seed: 9, Size: emulator.Size{Projects: 1, Users: 3, Issues: 17}})
	if err != nil {
		t.Fatal(err)
	}
	baseB := srvB.Start()
	t.Cleanup(srvB.Close)
	path, db := writeTwoAccountConfig(t, t.TempDir(), "backlogsync.yaml",
		yamlAccount{"a", baseA, srvA.AdminAPIKey(), "A_"}, yamlAccount{"b", baseB, srvB.AdminAPIKey(), "B_"},
		"REPLICATE Issues;\nREPLICATE Users;",
		"  - {name: pg, type: postgres, dsn: \"postgres://u@localhost/x\"}\n",
		"  - name: topg\n    destination: pg\n    accounts: [a]\n    statements: REPLICATE Users;\n")
	code, out, errOut := runCLI(t, "replicate", "-c", path, "sync")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if got, want := countRows(t, db, "A_Issues"), srvA.Summary().Issues; got != want {
		t.Errorf("A_Issues: %d rows, want %d", got, want)
	}
	if got, want := countRows(t, db, "B_Issues"), srvB.Summary().Issues; got != want {
		t.Errorf("B_Issues: %d rows, want %d", got, want)
	}
	if got, want := countRows(t, db, "B_Users"), srvB.Summary().Users; got != want {
		t.Errorf("B_Users: %d rows, want %d", got, want)
	}
	if code, _, errOut := runCLI(t, "replicate", "-c", path, "nosuch"); code != exitUsage || !strings.Contains(errOut, "sync, topg") {
		t.Errorf("unknown job: exit %d %s", code, errOut)
	}
	// Wrong credentials are a configuration error (2) when a server answers
	// on localhost:5432, an unreachable server an error (1) when none does.
	if code, _, errOut := runCLI(t, "replicate", "-c", path, "topg"); (code != exitUsage && code != exitError) || !strings.Contains(errOut, "destination pg (postgres)") ||
		(code == exitUsage) != strings.Contains(errOut, "authentication failed") {
		t.Errorf("postgres: exit %d %s", code, errOut)
	}
}

// barrier holds the first request of each of n servers until all n have
// one in flight (or until hold passes), to prove that they are served at
// the same time. With hold zero it holds nothing.
type barrier struct {
	mu      sync.Mutex
	hold    time.Duration
	arrived map[int]bool
	all     chan struct{}
	n       int
	met     bool          // every server got a request
	late    bool          // a first request gave up waiting for the others
	first   time.Time     // when the first server's first request came
	gap     time.Duration // from then until every server had one
}

func newBarrier(n int, hold time.Duration) *barrier {
	return &barrier{arrived: map[int]bool{}, all: make(chan struct{}), n: n, hold: hold}
}

// wrap returns h for server i, holding its first request at the barrier.
func (b *barrier) wrap(i int, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		first := !b.arrived[i]
		b.arrived[i] = true
		if len(b.arrived) == 1 && first {
			b.first = time.Now()
		}
		if first && len(b.arrived) == b.n {
			b.met, b.gap = true, time.Since(b.first)
			close(b.all)
		}
		hold := b.hold
		b.mu.Unlock()
		if first && hold > 0 {
			select {
			case <-b.all:
			case <-time.After(hold):
				b.mu.Lock()
				b.late = true
				b.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	})
}

// twoSpaces starts two generated spaces behind one barrier holding their
// first requests for up to hold (zero: not at all).
func twoSpaces(t *testing.T, hold time.Duration) (srvs [2]*emulator.Server, bases [2]string, b *barrier) {
	t.Helper()
	b = newBarrier(2, hold)
	for i, seed := range []int64{5, 9} {
		srv, err := emulator.New(emulator.Options{Seed: seed, RateLimits: emulator.PaidLimits,
			Size: emulator.Size{Projects: 2, Users: 4 + i, Teams: 1, Issues: 30 + 7*i, Comments: 20}})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(b.wrap(i, srv))
		t.Cleanup(hs.Close)
		srvs[i], bases[i] = srv, hs.URL
	}
	return srvs, bases, b
}

// accountsOfTable returns the distinct Account values of a table.
func accountsOfTable(t *testing.T, dbPath, table string) map[string]int {
	t.Helper()
	d, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := map[string]int{}
	err = d.Query(context.Background(), table, backlogsync.Query{Columns: []string{"Account"}}, func(r backlogsync.Row) error {
		got[r[0].(string)]++
		return nil
	})
	if err != nil {
		t.Fatalf("Query %s: %v", table, err)
	}
	return got
}

func runsOf(t *testing.T, dbPath, job string) map[string]backlogsync.Run {
	t.Helper()
	d, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	runs, err := d.Runs(context.Background(), job, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]backlogsync.Run{}
	for _, r := range runs { // newest first
		if _, ok := last[r.Account]; !ok {
			last[r.Account] = r
		}
	}
	return last
}

// TestReplicateAccountsConcurrently runs a job of two accounts (two spaces,
// two keys, a prefix each; SQLite has no schemas) into one SQLite file: both run at the same time,
// both land separately, each run is recorded.
func TestReplicateAccountsConcurrently(t *testing.T) {
	isolateAccountEnv(t)
	// The barrier lets go as soon as both accounts' first requests are in
	// flight, so its hold only bounds how long a run serving the accounts
	// one after the other takes to fail this test. Under -race on two
	// loaded cores the second account's first request can come seconds
	// after the first's: hold a minute.
	srvs, bases, bar := twoSpaces(t, time.Minute)
	path, db := writeTwoAccountConfig(t, t.TempDir(), "backlogsync.yaml",
		yamlAccount{"east", bases[0], srvs[0].AdminAPIKey(), "e_"}, yamlAccount{"west", bases[1], srvs[1].AdminAPIKey(), "w_"},
		"REPLICATE Issues;\nREPLICATE Users;", "", "")
	code, out, errOut := runCLI(t, "replicate", "-c", path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	bar.mu.Lock()
	met, late, gap := bar.met, bar.late, bar.gap
	bar.mu.Unlock()
	if !met || late {
		t.Errorf("the two accounts were not served at the same time")
	}
	t.Logf("the second account's first request came %s after the first's", gap)
	for i, acct := range []string{"east", "west"} {
		schema := acct[:1] + "_"
		if got, want := accountsOfTable(t, db, schema+"Issues"), srvs[i].Summary().Issues; len(got) != 1 || got[acct] != want {
			t.Errorf("%sIssues holds %v; want only %d rows of %s", schema, got, want, acct)
		}
		if got, want := accountsOfTable(t, db, schema+"Users"), srvs[i].Summary().Users; len(got) != 1 || got[acct] != want {
			t.Errorf("%sUsers holds %v; want only %d rows of %s", schema, got, want, acct)
		}
	}
	runs := runsOf(t, db, "sync")
	for _, acct := range []string{"east", "west"} {
		if r, ok := runs[acct]; !ok || r.Status != backlogsync.RunOK || len(r.Tables) != 2 {
			t.Errorf("run of %s: %+v", acct, r)
		}
	}
	// The results are printed in the order of the job's accounts.
	if i, j := strings.Index(out, "account east"), strings.Index(out, "account west"); i < 0 || j < i {
		t.Errorf("results not in account order:\n%s", out)
	}
}

// TestReplicateAccountsOneBadKey: a bad key on one account exits 4 while
// the other account's data lands and both runs are recorded (the good one
// ok, the bad one failed). The accounts are independent runs: one failing
// neither stops nor rolls back the other.
func TestReplicateAccountsOneBadKey(t *testing.T) {
	isolateAccountEnv(t)
	srvs, bases, _ := twoSpaces(t, 3*time.Second)
	dir := t.TempDir()
	db := filepath.Join(dir, "out.db")
	cfg := `accounts:
  - {name: east, url: "` + bases[0] + `", auth: {api_key: ` + srvs[0].AdminAPIKey() + `}}
  - {name: west, url: "` + bases[1] + `", auth: {api_key: wrongkey}}
destinations:
  - {name: db, type: sqlite, dsn: "` + db + `"}
jobs:
  - name: sync
    destination: db
    accounts:
      - {account: east, prefix: E_}
      - {account: west, prefix: W_}
    statements: REPLICATE Issues;
`
	path := filepath.Join(dir, "backlogsync.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "replicate", "-c", path)
	if code != exitAuth {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitAuth, out, errOut)
	}
	if !strings.Contains(errOut, "account west") || !strings.Contains(errOut, "--account west") || strings.Contains(errOut, "account east:") {
		t.Errorf("stderr should name the failing account and how to check it:\n%s", errOut)
	}
	if got, want := accountsOfTable(t, db, "E_Issues"), srvs[0].Summary().Issues; got["east"] != want {
		t.Errorf("E_Issues holds %v; want %d rows of east", got, want)
	}
	runs := runsOf(t, db, "sync")
	if r := runs["east"]; r.Status != backlogsync.RunOK {
		t.Errorf("east's run: %+v", r)
	}
	if r := runs["west"]; r.Status != backlogsync.RunFailed || !strings.Contains(r.Error, "401") {
		t.Errorf("west's run: %+v", r)
	}
}

// TestReplicateConfigFileErrors covers CData's -g and -f: missing files
// and parse errors name the file and the line:column.
func TestReplicateConfigFileErrors(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	xmlPath, sqlPath, dbPath := cdataFiles(t, base, srv.AdminAPIKey(), "REPLICATE Issues;\n")
	dir := filepath.Dir(xmlPath)
	cases := []struct {
		name  string
		setup func() []string
		want  []string
	}{
		{"missing -g", func() []string { return []string{"-g", filepath.Join(dir, "nope.xml"), "-f", sqlPath} },
			[]string{"nope.xml", "no such file"}},
		{"missing -f", func() []string { return []string{"-g", xmlPath, "-f", filepath.Join(dir, "nope.sql")} },
			[]string{"-f ", "nope.sql", "no such file", "check the statements file's name"}},
		{"malformed XML", func() []string {
			p := filepath.Join(dir, "bad.xml")
			os.WriteFile(p, []byte("<CDataSync>\n  <DatabaseType>SQLite</DatabaseType>\n  <ConnectionString>x\n</CDataSync>\n"), 0o600)
			return []string{"-g", p, "-f", sqlPath}
		}, []string{"bad.xml:"}},
		{"statement syntax", func() []string {
			p := filepath.Join(dir, "bad.sql")
			os.WriteFile(p, []byte("-- jobs\nREPLICATE Issues;\nREPLICATE Users WITH DropTable=;\n"), 0o600)
			return []string{"-g", xmlPath, "-f", p}
		}, []string{"bad.sql:3:"}},
		{"unknown table", func() []string {
			p := filepath.Join(dir, "typo.sql")
			os.WriteFile(p, []byte("REPLICATE Issues;\n  REPLICATE Isues;\n"), 0o600)
			return []string{"-g", xmlPath, "-f", p}
		}, []string{"typo.sql:2:13", `did you mean "Issues"`}},
		{"-f without -g", func() []string { return []string{"replicate", "-f", sqlPath} },
			[]string{"-c config.yaml", "-g config.xml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.setup()...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitUsage, out, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, srv.AdminAPIKey()) {
				t.Errorf("stderr shows the API key")
			}
		})
	}
	if _, err := os.Stat(dbPath); err == nil {
		t.Errorf("the database was created although every run failed before starting")
	}
}

// yamlAccount is an account of writeTwoAccountConfig.
type yamlAccount struct{ name, url, key, prefix string }

// writeTwoAccountConfig writes dir/file: accounts a and b, a SQLite
// destination "db" at dir/out.db, and a job "sync" that replicates
// statements from both accounts (each with its prefix) into it. extraDests
// and extraJobs are YAML items appended to the destinations and jobs lists.
func writeTwoAccountConfig(t *testing.T, dir, file string, a, b yamlAccount, statements, extraDests, extraJobs string) (path, db string) {
	t.Helper()
	db = filepath.Join(dir, "out.db")
	var cfg strings.Builder
	cfg.WriteString("accounts:\n")
	for _, acc := range []yamlAccount{a, b} {
		fmt.Fprintf(&cfg, "  - {name: %s, url: %q, auth: {api_key: %s}}\n", acc.name, acc.url, acc.key)
	}
	fmt.Fprintf(&cfg, "destinations:\n  - {name: db, type: sqlite, dsn: %q}\n%s", db, extraDests)
	cfg.WriteString("jobs:\n  - name: sync\n    destination: db\n    accounts:\n")
	for _, acc := range []yamlAccount{a, b} {
		fmt.Fprintf(&cfg, "      - {account: %s, prefix: %s}\n", acc.name, acc.prefix)
	}
	cfg.WriteString("    statements: |\n")
	for _, line := range strings.Split(strings.TrimSpace(statements), "\n") {
		cfg.WriteString("      " + strings.TrimSpace(line) + "\n")
	}
	cfg.WriteString(extraJobs)
	path = filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// A schedule other than Never is warned about (replicate runs once; serve
// follows schedules),
// the run still happens, and a rerun over unchanged data reports no row
// updated for the full-refresh tables.
func TestReplicateScheduleWarnsAndRerunCountsChanges(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	xmlPath, sqlPath, _ := cdataFiles(t, base, srv.AdminAPIKey(), "REPLICATE Users;\nREPLICATE Projects;\n")
	b, err := os.ReadFile(xmlPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(xmlPath, []byte(strings.Replace(string(b), "<TaskSchedulerInterval>Never<", "<TaskSchedulerInterval>Hourly<", 1)), 0o600)
	code, out, errOut := runCLI(t, "-g", xmlPath, "-f", sqlPath)
	if code != exitOK || !strings.Contains(errOut, "runs it on its schedule") {
		t.Fatalf("exit %d; want 0 and a warning about the schedule\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "-g", xmlPath, "-f", sqlPath)
	if code != exitOK || !strings.Contains(out, "0 rows moved") {
		t.Errorf("rerun over unchanged data: exit %d; want 0 rows moved\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestReplicateUnreachableURL: an account whose url leads nowhere (nothing
// listens there) or to a server that is not Backlog (an HTML page) fails
// with a message that says to check the account's url, and with a command
// that does.
func TestReplicateUnreachableURL(t *testing.T) {
	isolateAccountEnv(t)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Welcome to nginx</body></html>")
	}))
	defer html.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.URL
	closed.Close()
	for _, c := range []struct{ name, url string }{{"html", html.URL}, {"refused", refused}} {
		t.Run(c.name, func(t *testing.T) {
			path := projectsConfig(t, c.url, "secretkey123", filepath.Join(t.TempDir(), "out.db"))
			code, out, errOut := runCLI(t, "replicate", "-c", path)
			if code != exitError {
				t.Errorf("exit %d, want %d\n%s\n%s", code, exitError, out, errOut)
			}
			if !strings.Contains(errOut, "Check the account's url") || !strings.Contains(errOut, "backlogsync check -c "+path+" --account acme") {
				t.Errorf("stderr does not say to check the account's url:\n%s", errOut)
			}
			if strings.Contains(errOut+out, "secretkey123") {
				t.Errorf("the API key is shown:\n%s\n%s", out, errOut)
			}
		})
	}
}

// TestReplicateReadOnlyDestination: a SQLite destination this user may not
// write (here opened with mode=ro, which root cannot bypass) fails saying
// the destination is read-only and what to change, and its rows stay.
func TestReplicateReadOnlyDestination(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	xmlPath, sqlPath, dbPath := cdataFiles(t, base, srv.AdminAPIKey(), "REPLICATE Projects;\n")
	if code, out, errOut := runCLI(t, "-g", xmlPath, "-f", sqlPath); code != exitOK {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errOut)
	}
	before := countRows(t, dbPath, "Projects")
	path := projectsConfig(t, base, srv.AdminAPIKey(), "file:"+dbPath+"?mode=ro")
	code, out, errOut := runCLI(t, "replicate", "-c", path)
	if code != exitError {
		t.Errorf("exit %d, want %d\n%s\n%s", code, exitError, out, errOut)
	}
	if !strings.Contains(errOut, "destination db is read-only") || !strings.Contains(errOut, "writable") {
		t.Errorf("stderr does not say the destination is read-only and what to change:\n%s", errOut)
	}
	if after := countRows(t, dbPath, "Projects"); after != before || before == 0 {
		t.Errorf("Projects had %d rows, has %d", before, after)
	}
}

// projectsConfig writes a YAML configuration of one account (acme at url,
// with an API key) and a job "sync" replicating Projects into the SQLite
// destination db at dsn, and returns its path.
func projectsConfig(t *testing.T, url, key, dsn string) string {
	t.Helper()
	cfg := `accounts:
  - {name: acme, url: "` + url + `", auth: {api_key: ` + key + `}}
destinations:
  - {name: db, type: sqlite, dsn: "` + dsn + `"}
jobs:
  - {name: sync, destination: db, accounts: acme, statements: REPLICATE Projects;}
`
	path := filepath.Join(t.TempDir(), "backlogsync.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
