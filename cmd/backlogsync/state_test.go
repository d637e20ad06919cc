package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// stateFixture replicates Issues and Users of two spaces (accounts east
// and west, prefixes E_ and W_) into one SQLite file and returns the
// config path and the database path.
func stateFixture(t *testing.T) (cfgPath, db string) {
	t.Helper()
	isolateAccountEnv(t)
	srvs, bases, _ := twoSpaces(t, 3*time.Second)
	dir := t.TempDir()
	cfgPath, db = writeTwoAccountConfig(t, dir, "backlogsync.yaml",
		yamlAccount{"east", bases[0], srvs[0].AdminAPIKey(), "E_"}, yamlAccount{"west", bases[1], srvs[1].AdminAPIKey(), "W_"},
		"REPLICATE Issues;\nREPLICATE Users;",
		fmt.Sprintf("  - {name: later, type: sqlite, dsn: %q}\n", filepath.Join(dir, "later.db")),
		"  - name: other\n    destination: later\n    accounts: [east]\n    statements: REPLICATE Users;\n")
	if code, out, errOut := runCLI(t, "replicate", "-c", cfgPath, "sync"); code != exitOK {
		t.Fatalf("replicate: exit %d\n%s\n%s", code, out, errOut)
	}
	return cfgPath, db
}

func checkpointScopes(t *testing.T, db string) []string {
	t.Helper()
	d, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cps, err := d.Checkpoints(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, cp := range cps {
		s = appendNew(s, cp.Scope)
	}
	return s
}

func TestStateShow(t *testing.T) {
	cfg, db := stateFixture(t)
	if len(checkpointScopes(t, db)) == 0 {
		t.Fatal("the replication stored no checkpoint")
	}
	code, out, errOut := runCLI(t, "state", "show", "-c", cfg)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"Destination db (sqlite)", "sync/east/E_Issues", "sync/west/W_Issues", "activityId=", "updated=",
		"run 1", "run 2", "account east", "account west", "OK", "requests: read", "429 waits: 0",
		"E_Issues", "W_Users", "Destination later (sqlite)", "does not exist yet",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("state show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `{"`) {
		t.Errorf("cursors are shown as raw JSON:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), "later.db")); err == nil {
		t.Errorf("state show created the database of a job never run")
	}

	// Filters: the account and the Backlog table name (without prefix).
	code, out, _ = runCLI(t, "state", "show", "-c", cfg, "--account", "west", "--table", "issues")
	if code != exitOK || !strings.Contains(out, "sync/west/W_Issues") || strings.Contains(out, "E_Issues") ||
		strings.Contains(out, "W_Users") || strings.Contains(out, "account east") {
		t.Errorf("--account west --table issues: exit %d\n%s", code, out)
	}

	// JSON: cursors as JSON objects, runs with their tables.
	code, out, errOut = runCLI(t, "state", "show", "-c", cfg, "--job", "sync", "--format", "json")
	if code != exitOK {
		t.Fatalf("json: exit %d %s", code, errOut)
	}
	var js jsonState
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("state show --format json: %v\n%s", err, out)
	}
	if len(js.Destinations) != 1 || js.Destinations[0].Name != "db" {
		t.Fatalf("destinations: %+v", js.Destinations)
	}
	d := js.Destinations[0]
	accounts := map[string]bool{}
	for _, cp := range d.Checkpoints {
		var v map[string]any
		if err := json.Unmarshal(cp.Value, &v); err != nil {
			t.Errorf("checkpoint %s value is not a JSON object: %s", cp.Scope, cp.Value)
		}
		if cp.Job != "sync" || cp.Scope != cp.Job+"/"+cp.Account+"/"+cp.Table {
			t.Errorf("checkpoint scope parts: %+v", cp)
		}
		accounts[cp.Account] = true
	}
	if !accounts["east"] || !accounts["west"] {
		t.Errorf("checkpoints of %v; want east and west", accounts)
	}
	if len(d.Runs) != 2 || d.Runs[0].Finished == nil || len(d.Runs[0].Tables) != 2 || d.Runs[0].Requests.Read == 0 {
		t.Errorf("runs: %+v", d.Runs)
	}
}

func TestStateReset(t *testing.T) {
	cfg, db := stateFixture(t)
	before := checkpointScopes(t, db)

	// Without --yes and no terminal on stdin: refused, says how to confirm.
	code, out, errOut := runCLI(t, "state", "reset", "-c", cfg, "--account", "east")
	if code != exitUsage || !strings.Contains(errOut, "--yes") || !strings.Contains(errOut, "--account east") ||
		!strings.Contains(errOut, "sync/east/E_Issues") {
		t.Errorf("reset without --yes: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := checkpointScopes(t, db); len(got) != len(before) {
		t.Errorf("a refused reset deleted checkpoints: %v → %v", before, got)
	}

	code, out, errOut = runCLI(t, "state", "reset", "-c", cfg, "--account", "east", "--yes")
	// The account's table and its source identity (scope …/_source).
	if code != exitOK || !strings.Contains(out, "Reset 2 checkpoint") {
		t.Fatalf("reset --yes: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, s := range checkpointScopes(t, db) {
		if strings.HasPrefix(s, "sync/east/") {
			t.Errorf("checkpoint %s survived the reset", s)
		}
	}
	if got := checkpointScopes(t, db); len(got) != len(before)-2 {
		t.Errorf("reset of east: %v → %v", before, got)
	}

	// The next run reloads east's Issues: every row read again, while
	// west's stays incremental. Both tables' stored summaries are spoilt
	// first: the reload writes every east row back (each counts as
	// updated, since it changed), the incremental run reads no west row
	// that did not change in Backlog.
	spoil := func(table string) {
		t.Helper()
		d, err := sqlite.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.SQL().Exec(`UPDATE "` + table + `" SET "Summary" = 'spoilt'`); err != nil {
			t.Fatal(err)
		}
	}
	spoil("E_Issues")
	spoil("W_Issues")
	if code, out, errOut := runCLI(t, "replicate", "-c", cfg, "sync"); code != exitOK {
		t.Fatalf("replicate after reset: exit %d\n%s\n%s", code, out, errOut)
	}
	runs := runsOf(t, db, "sync")
	east, west := runs["east"], runs["west"]
	var eastIssues, westIssues int64 = -1, -1
	for _, rt := range east.Tables {
		if rt.Table == "E_Issues" {
			eastIssues = rt.Updated
			if rt.CursorBefore != "" {
				t.Errorf("east's Issues had a cursor after the reset: %s", rt.CursorBefore)
			}
		}
	}
	for _, rt := range west.Tables {
		if rt.Table == "W_Issues" {
			westIssues = rt.Updated
			if rt.CursorBefore == "" {
				t.Errorf("west's Issues lost its cursor")
			}
		}
	}
	if eastIssues != int64(countRows(t, db, "E_Issues")) {
		t.Errorf("east's Issues after reset: %d updated, want all %d", eastIssues, countRows(t, db, "E_Issues"))
	}
	if westIssues >= int64(countRows(t, db, "W_Issues")) {
		t.Errorf("west's Issues was reloaded (%d updated) though not reset", westIssues)
	}

	// Nothing matching: nothing to do.
	if code, out, _ := runCLI(t, "state", "reset", "-c", cfg, "--job", "other", "--yes"); code != exitOK || !strings.Contains(out, "nothing to reset") {
		t.Errorf("empty reset: exit %d %s", code, out)
	}
}

func TestStateErrors(t *testing.T) {
	cfg, _ := stateFixture(t)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"state"}, []string{"show or reset"}},
		{[]string{"state", "shwo", "-c", cfg}, []string{`did you mean "show"`}},
		{[]string{"state", "show"}, []string{"-c config.yaml"}},
		{[]string{"state", "show", "-c", cfg, "--job", "synk"}, []string{`--job synk`, `did you mean "sync"`, "sync, other"}},
		{[]string{"state", "show", "-c", cfg, "--account", "wset"}, []string{`did you mean "west"`}},
		{[]string{"state", "show", "-c", cfg, "--job", "other", "--account", "west"}, []string{"job other", "there are: east"}},
		{[]string{"state", "reset", "-c", cfg, "--table", "Isues"}, []string{`--table Isues`, `did you mean "Issues"`}},
		{[]string{"state", "show", "-c", cfg, "--format", "xml"}, []string{"table or json"}},
		{[]string{"state", "show", "-c", cfg, "--yes"}, []string{"unknown flag --yes"}},
		{[]string{"state", "show", "-c", cfg, "extra"}, []string{`unexpected argument "extra"`}},
		{[]string{"state", "show", "-c", filepath.Join(t.TempDir(), "none.yaml")}, []string{"none.yaml"}},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, c.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s%s", c.args[1:], code, exitUsage, out, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", c.args[1:], w, errOut)
			}
		}
	}
}

// TestStateCData: state works on CData's XML config with -g.
func TestStateCData(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	xmlPath, sqlPath, _ := cdataFiles(t, base, srv.AdminAPIKey(), "REPLICATE Issues;\n")
	if code, out, errOut := runCLI(t, "-g", xmlPath, "-f", sqlPath); code != exitOK {
		t.Fatalf("replicate: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "state", "show", "-g", xmlPath)
	if code != exitOK || !strings.Contains(out, "config/default/Issues") || !strings.Contains(out, "account default") {
		t.Errorf("state show -g: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, srv.AdminAPIKey()) {
		t.Errorf("state show prints the API key")
	}
	if code, out, errOut := runCLI(t, "state", "reset", "-g", xmlPath, "--table", "Issues", "--yes"); code != exitOK || !strings.Contains(out, "config/default/Issues") {
		t.Errorf("state reset -g: exit %d\n%s\n%s", code, out, errOut)
	}
	// Only the source identity (scope …/_source) is left.
	if _, out, _ := runCLI(t, "state", "show", "-g", xmlPath); strings.Contains(out, "config/default/Issues") || !strings.Contains(out, "config/default/_source") {
		t.Errorf("after reset:\n%s", out)
	}
}

// TestStateShowWarnings: the warnings recorded with a run are shown by
// state show, in text and in JSON.
func TestStateShowWarnings(t *testing.T) {
	cfg, db := stateFixture(t)
	ctx := context.Background()
	d, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	id, err := d.StartRun(ctx, backlogsync.Run{Job: "sync", Account: "east", Started: time.Now()})
	if err == nil {
		err = d.FinishRun(ctx, backlogsync.Run{ID: id, Finished: time.Now(), Status: backlogsync.RunOK,
			Tables: []backlogsync.RunTable{{Table: "E_Users", Deleted: 6}},
			Warnings: []backlogsync.RunWarning{{Table: "E_Users", Kind: backlogsync.WarnZeroRows,
				Message: "E_Users: a full refresh read no rows where account east had 6 stored (6 deleted)"}}})
	}
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "state", "show", "-c", cfg, "--account", "east")
	if code != exitOK || !strings.Contains(out, "warning (zero_rows): E_Users: a full refresh read no rows where account east had 6 stored") {
		t.Errorf("state show: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "state", "show", "-c", cfg, "--account", "east", "--format", "json")
	var js jsonState
	if err := json.Unmarshal([]byte(out), &js); code != exitOK || err != nil {
		t.Fatalf("json: exit %d %v", code, err)
	}
	r := js.Destinations[0].Runs[0]
	if r.ID != id || len(r.Warnings) != 1 || r.Warnings[0].Kind != "zero_rows" || r.Warnings[0].Table != "E_Users" {
		t.Errorf("json run %+v", r)
	}
}
