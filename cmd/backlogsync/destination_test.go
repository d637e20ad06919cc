package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/backlogsync/backlogsync/internal/dbtest"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/emulator"
	driver "github.com/go-sql-driver/mysql"
)

// server is a test database server's coordinates, taken from the DSN in
// $BACKLOGSYNC_TEST_POSTGRES_DSN or $BACKLOGSYNC_TEST_MYSQL_DSN.
type server struct {
	host, port, db, user, password string
}

// testServer returns the server of the DSN in env, skipping the test when
// it is not set — or failing it under CI=true, where a missing server is an
// error.
func testServer(t *testing.T, env string, parse func(string) (server, error)) server {
	t.Helper()
	dsn := dbtest.ServerDSN(t, env)
	s, err := parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	return s
}

func parsePostgresURL(dsn string) (server, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return server{}, fmt.Errorf("want a postgres:// URL")
	}
	pw, _ := u.User.Password()
	return server{host: u.Hostname(), port: u.Port(), db: strings.TrimPrefix(u.Path, "/"), user: u.User.Username(), password: pw}, nil
}

func parseMySQLDSN(dsn string) (server, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return server{}, err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return server{}, err
	}
	return server{host: host, port: port, db: cfg.DBName, user: cfg.User, password: cfg.Passwd}, nil
}

// cdataConn is the server in CData's form, Server=…;Port=…;Database=…;…
func (s server) cdataConn() string {
	return fmt.Sprintf("Server=%s;Port=%s;Database=%s;User=%s;Password=%s;", s.host, s.port, s.db, s.user, s.password)
}

// loadConfig writes a config file named file and loads it.
func loadConfig(t *testing.T, file, text string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, config.Options{})
	if err != nil {
		t.Fatalf("%s: %v\n%s", file, err, text)
	}
	return cfg
}

// yamlConfig is a YAML config with the given destinations (YAML list
// items).
func yamlConfig(dests ...string) string {
	return `accounts:
  - name: main
    url: https://example.backlog.com
    auth: {api_key: abc123}
destinations:
` + strings.Join(dests, "") + `jobs:
  - name: all
    destination: ` + destName(dests[0]) + `
    accounts: main
    replicate_all: true
`
}

func destName(item string) string {
	_, rest, _ := strings.Cut(item, "name: ")
	name, _, _ := strings.Cut(rest, ",")
	return strings.TrimSpace(name)
}

// cdataConfig is CData Sync's XML config with the given database type and
// connection string.
func cdataConfig(dbType, conn string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<CDataSync>
  <DatabaseType>` + dbType + `</DatabaseType>
  <ConnectionString>APIKey=abc123;URL=https://example.backlog.com;</ConnectionString>
  <ReplicateAll>False</ReplicateAll>
  <DatabaseConnectionString>` + conn + `</DatabaseConnectionString>
  <TaskSchedulerInterval>Never</TaskSchedulerInterval>
</CDataSync>
`
}

// useDestination opens d, writes a row into a fresh table in it, reads it
// back and drops the table.
func useDestination(t *testing.T, d *config.Destination) {
	t.Helper()
	ctx := context.Background()
	db, err := dest.OpenConfig(ctx, d)
	if err != nil {
		t.Fatalf("dest.OpenConfig(%s): %v", d.Name, err)
	}
	defer db.Close()
	tb := &backlogsync.Table{Name: fmt.Sprintf("OpenDest_%d", time.Now().UnixNano()), PrimaryKey: []string{"Id"},
		Columns: []backlogsync.Column{{Name: "Id", Type: backlogsync.TypeInt}, {Name: "Summary", Type: backlogsync.TypeText, Nullable: true}}}
	if err := db.Migrate(ctx, tb); err != nil {
		t.Fatalf("%s: Migrate: %v", d.Name, err)
	}
	defer db.Drop(ctx, tb.Name)
	if _, err := db.Write(ctx, backlogsync.Batch{Table: tb, Upserts: []backlogsync.Row{{int64(1), "課題 🎉"}}}); err != nil {
		t.Fatalf("%s: Write: %v", d.Name, err)
	}
	var got []backlogsync.Row
	if err := db.Query(ctx, tb.Name, backlogsync.Query{}, func(r backlogsync.Row) error { got = append(got, r); return nil }); err != nil {
		t.Fatalf("%s: Query: %v", d.Name, err)
	}
	if len(got) != 1 || got[0][1] != "課題 🎉" {
		t.Errorf("%s: read back %v", d.Name, got)
	}
}

func TestOpenDestinationPostgres(t *testing.T) {
	s := testServer(t, "BACKLOGSYNC_TEST_POSTGRES_DSN", parsePostgresURL)
	t.Setenv("TEST_PG_PASSWORD", s.password)
	u := url.URL{Scheme: "postgres", User: url.UserPassword(s.user, s.password), Host: net.JoinHostPort(s.host, s.port), Path: "/" + s.db, RawQuery: "sslmode=disable"}
	cfg := loadConfig(t, "config.yaml", yamlConfig(
		`  - {name: pgurl, type: postgres, dsn: "`+u.String()+`"}
`,
		`  - {name: pgcdata, type: postgresql, dsn: "`+s.cdataConn()+`SSL Mode=Disable"}
`,
		`  - {name: pglibpq, type: pg, dsn: "host=`+s.host+` port=`+s.port+` dbname=`+s.db+` user=`+s.user+` sslmode=disable", password: "${TEST_PG_PASSWORD}"}
`))
	for _, d := range cfg.Destinations {
		t.Run("yaml/"+d.Name, func(t *testing.T) { useDestination(t, &d) })
	}
	xml := loadConfig(t, "config.xml", cdataConfig("PostgreSQL", s.cdataConn()))
	t.Run("cdata", func(t *testing.T) { useDestination(t, &xml.Destinations[0]) })
	checkOpenErrors(t, "PostgreSQL", s)
}

func TestOpenDestinationMariaDB(t *testing.T) {
	s := testServer(t, "BACKLOGSYNC_TEST_MYSQL_DSN", parseMySQLDSN)
	cfg := loadConfig(t, "config.yaml", yamlConfig(
		`  - {name: mygo, type: mysql, dsn: "`+s.user+`:`+s.password+`@tcp(`+net.JoinHostPort(s.host, s.port)+`)/`+s.db+`"}
`,
		`  - {name: mycdata, type: mariadb, dsn: "`+s.cdataConn()+`CharSet=utf8mb4;"}
`,
		`  - {name: myurl, type: mysql, dsn: "mysql://`+s.user+`@`+net.JoinHostPort(s.host, s.port)+`/`+s.db+`", password: "`+s.password+`"}
`))
	for _, d := range cfg.Destinations {
		t.Run("yaml/"+d.Name, func(t *testing.T) { useDestination(t, &d) })
	}
	for _, typ := range []string{"MySQL", "MariaDB"} {
		xml := loadConfig(t, "config.xml", cdataConfig(typ, s.cdataConn()))
		t.Run("cdata/"+typ, func(t *testing.T) { useDestination(t, &xml.Destinations[0]) })
	}
	checkOpenErrors(t, "MySQL", s)
}

// checkOpenErrors opens the server s with a wrong password, at a port
// nothing listens on and with an unknown database, from CData XML configs:
// each must fail with an error naming the destination and the fix, and
// without the password.
func checkOpenErrors(t *testing.T, dbType string, s server) {
	const wrongPassword = "Wr0ng-pa55;word"
	closed := closedPort(t)
	cases := []struct {
		name     string
		mutate   func(*server)
		password string // must not appear
		mention  []string
	}{
		{"wrong password", func(s *server) { s.password = "'" + wrongPassword + "'" }, wrongPassword,
			[]string{"authentication failed", "check User and Password"}},
		{"unreachable port", func(s *server) { s.port = closed }, s.password,
			[]string{"127.0.0.1:" + closed, "check Server and Port"}},
		{"unknown database", func(s *server) { s.db = "nope_" + s.db }, s.password,
			[]string{`database "nope_` + s.db + `" does not exist`, "CREATE DATABASE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := s
			bad.host = "127.0.0.1"
			c.mutate(&bad)
			cfg := loadConfig(t, "config.xml", cdataConfig(dbType, bad.cdataConn()))
			d := &cfg.Destinations[0]
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db, err := dest.OpenConfig(ctx, d)
			if err == nil {
				db.Close()
				t.Fatalf("opened %s", d.Redacted())
			}
			msg := err.Error()
			t.Log(msg)
			for _, m := range append(c.mention, "destination "+d.Name) {
				if !strings.Contains(msg, m) {
					t.Errorf("error %q does not mention %q", msg, m)
				}
			}
			if strings.Contains(msg, c.password) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), c.password) {
				t.Errorf("error contains the password: %q", msg)
			}
			if errors.Unwrap(err) != nil {
				t.Errorf("the error unwraps to the driver's unscrubbed error")
			}
		})
	}
}

// closedPort returns a local TCP port that nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// TestReplicateIntoServers runs `backlogsync replicate` from a YAML config
// into PostgreSQL and MariaDB, into a schema of its own, twice (a full then
// an incremental run), with a space whose Issues load takes PostgreSQL's
// COPY path, and checks the row counts against the emulator's.
func TestReplicateIntoServers(t *testing.T) {
	isolateAccountEnv(t)
	srv, err := emulator.New(emulator.Options{Seed: 11, Size: emulator.Size{Projects: 2, Users: 5, Issues: 260, Comments: 60}})
	if err != nil {
		t.Fatal(err)
	}
	base := srv.Start()
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		typ, env string
		parse    func(string) (server, error)
	}{
		{"postgres", "BACKLOGSYNC_TEST_POSTGRES_DSN", parsePostgresURL},
		{"mysql", "BACKLOGSYNC_TEST_MYSQL_DSN", parseMySQLDSN},
	} {
		t.Run(c.typ, func(t *testing.T) {
			s := testServer(t, c.env, c.parse)
			schema := fmt.Sprintf("e2e_%d", time.Now().UnixNano())
			cfgText := `accounts:
  - {name: acme, url: "` + base + `", auth: {api_key: ` + srv.AdminAPIKey() + `}}
destinations:
  - {name: db, type: ` + c.typ + `, dsn: "` + s.cdataConn() + `"}
jobs:
  - name: e2e
    destination: db
    accounts:
      - {account: acme, schema: ` + schema + `}
    statements: |
      REPLICATE Issues;
      REPLICATE Users;
      REPLICATE SpaceUpdates;
`
			path := filepath.Join(t.TempDir(), "backlogsync.yaml")
			if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(path, config.Options{})
			if err != nil {
				t.Fatal(err)
			}
			db, err := dest.OpenConfig(context.Background(), &cfg.Destinations[0])
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { dropSchema(t, c.typ, os.Getenv(c.env), schema) })
			t.Cleanup(func() { db.Close() })
			for run := 1; run <= 2; run++ {
				if code, out, errOut := runCLI(t, "replicate", "-q", "-c", path); code != exitOK {
					t.Fatalf("run %d: exit %d\n%s\n%s", run, code, out, errOut)
				}
				sum := srv.Summary()
				for table, want := range map[string]int{"Issues": sum.Issues, "Users": sum.Users, "SpaceUpdates": sum.Activities} {
					n := 0
					if err := db.Query(context.Background(), schema+"."+table, backlogsync.Query{Columns: []string{"Account"}},
						func(backlogsync.Row) error { n++; return nil }); err != nil {
						t.Fatalf("run %d: %s: %v", run, table, err)
					}
					if n != want {
						t.Errorf("run %d: %s.%s has %d rows; the space has %d", run, schema, table, n, want)
					}
					t.Logf("run %d: %s: %d rows (space: %d)", run, table, n, want)
				}
			}
		})
	}
}

// dropSchema drops schema (a MySQL database) and its tables.
func dropSchema(t *testing.T, typ, dsn, schema string) {
	driverName, q := "pgx", `DROP SCHEMA "`+schema+`" CASCADE`
	if typ == "mysql" {
		driverName, q = "mysql", "DROP DATABASE `"+schema+"`"
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		t.Error(err)
		return
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Errorf("%s: %v", q, err)
	}
}
