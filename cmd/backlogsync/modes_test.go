package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// The YAML form of the update modes: a job's options apply UpdateMode to
// every statement, a statement's WITH overrides it. Two runs of an Append
// job leave two snapshots of Users, stamped with the runs' times; the
// Merge statement's Projects holds each project once.
func TestReplicateYAMLUpdateModeAppend(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	dir := t.TempDir()
	db := filepath.Join(dir, "out.db")
	cfg := fmt.Sprintf(`accounts:
  - {name: a, url: %q, auth: {api_key: %s}}
destinations:
  - {name: db, type: sqlite, dsn: %q}
jobs:
  - name: history
    destination: db
    accounts: [a]
    options: {UpdateMode: Append}
    statements: |
      REPLICATE Users;
      REPLICATE Projects WITH UpdateMode=Merge;
`, base, srv.AdminAPIKey(), db)
	path := filepath.Join(dir, "backlogsync.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if i > 0 {
			time.Sleep(1100 * time.Millisecond) // snapshot times have second precision
		}
		if code, out, errOut := runCLI(t, "replicate", "-c", path); code != exitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+1, code, out, errOut)
		}
	}
	d, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	times := map[time.Time]int{}
	if err := d.Query(context.Background(), "Users", backlogsync.Query{Columns: []string{"SnapshotTime"}}, func(r backlogsync.Row) error {
		times[r[0].(time.Time)]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	users := srv.Summary().Users
	if len(times) != 2 {
		t.Errorf("Users holds snapshots %v; want 2 of %d users", times, users)
	}
	for at, n := range times {
		if n != users {
			t.Errorf("snapshot %s holds %d users; want %d", at, n, users)
		}
	}
	if got, want := countRows(t, db, "Projects"), srv.Summary().Projects; got != want {
		t.Errorf("Projects: %d rows, want %d (Merge)", got, want)
	}
}
