package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	dir := t.TempDir()
	db := filepath.Join(dir, "out.db")
	cfg := `accounts:
  - {name: a, url: "` + baseA + `", auth: {api_key: ` + srvA.AdminAPIKey() + `}}
  - {name: b, url: "` + baseB + `", auth: {api_key: ` + srvB.AdminAPIKey() + `}}
destinations:
  - {name: db, type: sqlite, dsn: "` + db + `"}
  - {name: pg, type: postgres, dsn: "postgres://u@localhost/x"}
jobs:
  - name: sync
    destination: db
    accounts:
      - {account: a, prefix: A_}
      - {account: b, prefix: B_}
    statements: |
      REPLICATE Issues;
      REPLICATE Users;
  - name: topg
    destination: pg
    accounts: [a]
    statements: REPLICATE Users;
`
	path := filepath.Join(dir, "backlogsync.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
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
	if code, _, errOut := runCLI(t, "replicate", "-c", path, "topg"); code != exitError || !strings.Contains(errOut, "destination pg (postgres)") {
		t.Errorf("postgres: exit %d %s", code, errOut)
	}
}
