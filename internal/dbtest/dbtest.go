// Package dbtest gives tests a PostgreSQL schema or a MariaDB/MySQL
// database of their own on the test servers named by
// BACKLOGSYNC_TEST_POSTGRES_DSN and BACKLOGSYNC_TEST_MYSQL_DSN, so that
// packages whose tests run in parallel (go test ./...) never meet in one
// table. Without the variable a test is skipped, and fails under CI=true.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for the admin connection
)

// The variables naming the test servers.
const (
	PostgresVar = "BACKLOGSYNC_TEST_POSTGRES_DSN"
	MySQLVar    = "BACKLOGSYNC_TEST_MYSQL_DSN"
)

// ServerDSN returns the value of the variable name (PostgresVar,
// MySQLVar): the test server's DSN. When it is unset the test is skipped,
// or fails under CI=true, where a missing server is an error.
func ServerDSN(t testing.TB, name string) string {
	t.Helper()
	dsn := os.Getenv(name)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; under CI=true the database tests must run (start the servers with scripts/dbserver)", name)
		}
		t.Skipf("%s is not set (eval \"$(scripts/dbserver)\" starts the servers)", name)
	}
	return dsn
}

func unique(prefix string) string {
	var b [5]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Postgres returns a connection string to the PostgreSQL test server whose
// search_path is a fresh schema, dropped with everything in it when the
// test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	dsn := ServerDSN(t, PostgresVar)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := unique("t_")
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("postgres: creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s is not a valid URL", PostgresVar)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// MySQL returns a connection string to a fresh database (utf8mb4, binary
// collation) on the MariaDB/MySQL test server, dropped when the test ends.
func MySQL(t testing.TB) string {
	t.Helper()
	dsn := ServerDSN(t, MySQLVar)
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s is not a valid DSN", MySQLVar)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	db := unique("t_")
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+db+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		admin.Close()
		t.Fatalf("mysql: creating database %s: %v", db, err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP DATABASE "+db)
		admin.Close()
	})
	cfg.DBName = db
	return cfg.FormatDSN()
}
