// Package store keeps the state of "backlogsync serve": users, personal
// access tokens (their hashes), workspaces and grants. It lives in a
// SQLite file by default and in PostgreSQL when several serve instances
// share it. One implementation over database/sql serves both; the dialects
// differ only in the id column type and the placeholder syntax.
//
// Several serve instances may share one PostgreSQL state database: a
// scheduled run is claimed in it first (claims.go), so each runs on one
// instance only.
//
// The schema is created on first use and upgraded by numbered migrations
// (table store_migrations), each applied once in its own transaction; on
// PostgreSQL an advisory lock keeps two instances from migrating at once.
//
// Errors are *backlogsync.Error values: ENOTFOUND for a missing user,
// token or workspace, ECONFLICT for a duplicate, EINVALID for bad input,
// EUNAUTHORIZED from Authenticate.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/backlogsync/backlogsync"
)

// Driver names a kind of state database.
type Driver string

// The state databases.
const (
	SQLite   Driver = "sqlite"
	Postgres Driver = "postgres"
)

// Store is serve's state database. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	driver Driver
	now    func() time.Time
	cost   int
}

// Options tune Open.
type Options struct {
	// Now is the clock (time.Now when nil); tests move it.
	Now func() time.Time
	// PasswordCost is the bcrypt cost of new password hashes (BcryptCost
	// when 0). Tests lower it: under -race a cost-12 hash takes seconds.
	PasswordCost int
}

// Open opens (creating a SQLite file when missing) and migrates the state
// database: for SQLite dsn is a file path, for PostgreSQL a pgx connection
// string.
func Open(ctx context.Context, driver Driver, dsn string, o Options) (*Store, error) {
	name, source, err := dataSource(driver, dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(name, source)
	if err != nil {
		return nil, fmt.Errorf("state database: %w", err)
	}
	return open(ctx, db, driver, o)
}

// dataSource returns the database/sql driver name and data source name
// of the state database.
func dataSource(driver Driver, dsn string) (name, source string, err error) {
	switch driver {
	case SQLite:
		if dsn == "" {
			return "", "", backlogsync.Errorf(backlogsync.EINVALID, "state database: no SQLite file given")
		}
		// WAL lets readers (authentication) run beside a writer; the busy
		// timeout makes CLI writes wait for serve instead of failing.
		// A file: URI: %, ? and # in the path are escaped (SQLite decodes them).
		path := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(dsn)
		return "sqlite", "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate", nil
	case Postgres:
		return "pgx", dsn, nil
	}
	return "", "", backlogsync.Errorf(backlogsync.EINVALID, "state database: unknown driver %q; use sqlite or postgres", driver)
}

// open makes the store of an opened database and migrates it; it closes
// db on failure. Tests give it a database whose connections they wrap.
func open(ctx context.Context, db *sql.DB, driver Driver, o Options) (*Store, error) {
	if driver == SQLite {
		db.SetMaxOpenConns(4)
	}
	s := &Store{db: db, driver: driver, now: o.Now, cost: o.PasswordCost}
	if s.cost == 0 {
		s.cost = BcryptCost
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers (for /healthz).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Driver reports which database the store uses.
func (s *Store) Driver() Driver { return s.driver }

// migration is one schema step; {{id}} is the dialect's auto-increment
// primary key.
type migration struct {
	version int
	stmts   []string
}

// migrations are applied in order; never edit one that has shipped, add
// the next.
var migrations = []migration{
	{1, []string{
		`CREATE TABLE users (
			id {{id}},
			email TEXT NOT NULL UNIQUE,
			admin BOOLEAN NOT NULL DEFAULT FALSE,
			created_at BIGINT NOT NULL)`,
		`CREATE TABLE tokens (
			id {{id}},
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			name TEXT NOT NULL,
			prefix TEXT NOT NULL UNIQUE,
			hash TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			last_used_at BIGINT,
			expires_at BIGINT,
			revoked_at BIGINT)`,
		`CREATE INDEX tokens_user ON tokens(user_id)`,
		`CREATE TABLE workspaces (
			id {{id}},
			name TEXT NOT NULL UNIQUE,
			destination TEXT NOT NULL,
			all_tables BOOLEAN NOT NULL,
			created_at BIGINT NOT NULL)`,
		`CREATE TABLE workspace_tables (
			workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
			table_name TEXT NOT NULL,
			PRIMARY KEY (workspace_id, table_name))`,
		`CREATE TABLE grants (
			workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			created_at BIGINT NOT NULL,
			PRIMARY KEY (workspace_id, user_id))`,
	}},
	// 2: the web admin's sign-in (password hashes, server-side sessions)
	// and Backlog connections (secrets sealed by the caller).
	{2, []string{
		`ALTER TABLE users ADD COLUMN password_hash TEXT`,
		`CREATE TABLE sessions (
			id_hash TEXT PRIMARY KEY,
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			csrf TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL)`,
		`CREATE INDEX sessions_user ON sessions(user_id)`,
		`CREATE TABLE connections (
			id {{id}},
			name TEXT NOT NULL UNIQUE,
			space_url TEXT NOT NULL,
			auth_scheme TEXT NOT NULL,
			secret TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`,
	}},
	// 3: each run's log (runlogs.go).
	migrationRunLogs,
	// 4: jobs created at run time (REST API, web admin) beside the
	// config's; their Backlog accounts are stored connections.
	{4, []string{
		`CREATE TABLE jobs (
			id {{id}},
			name TEXT NOT NULL UNIQUE,
			destination TEXT NOT NULL,
			statements TEXT NOT NULL,
			replicate_all BOOLEAN NOT NULL DEFAULT FALSE,
			schedule TEXT NOT NULL,
			notify TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`,
		`CREATE TABLE job_connections (
			job_id BIGINT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
			position INTEGER NOT NULL,
			connection_id BIGINT NOT NULL REFERENCES connections(id),
			PRIMARY KEY (job_id, connection_id))`,
		`CREATE INDEX job_connections_connection ON job_connections(connection_id)`,
	}},
	// 5: schedule claims, so that each scheduled run of instances sharing
	// a PostgreSQL state database runs on one of them (claims.go).
	migrationClaims,
	// 6: a connection's rate-limit settings (connections.go).
	migrationConnectionRateLimit,
}

// migrate brings the schema to the newest version.
func (s *Store) migrate(ctx context.Context) error {
	return s.migrateTo(ctx, migrations[len(migrations)-1].version)
}

// migrateTo applies the migrations up to version to (tests stop early to
// fill a table as an older version had it).
func (s *Store) migrateTo(ctx context.Context, to int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state database: %w", err)
	}
	defer tx.Rollback()
	if s.driver == Postgres {
		// One instance migrates at a time; the others wait and then see
		// the versions applied.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7391652201)`); err != nil {
			return fmt.Errorf("state database: lock for migrations: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS store_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("state database: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM store_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("state database: %w", err)
	}
	if current > migrations[len(migrations)-1].version {
		return backlogsync.Errorf(backlogsync.EINVALID,
			"state database: schema version %d is newer than this backlogsync knows (%d); upgrade backlogsync",
			current, migrations[len(migrations)-1].version)
	}
	for _, m := range migrations {
		if m.version <= current || m.version > to {
			continue
		}
		for _, st := range m.stmts {
			if _, err := tx.ExecContext(ctx, s.ddl(st)); err != nil {
				return fmt.Errorf("state database: migration %d: %w", m.version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO store_migrations (version, applied_at) VALUES (?, ?)`), m.version, s.now().Unix()); err != nil {
			return fmt.Errorf("state database: migration %d: %w", m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state database: %w", err)
	}
	return nil
}

// SchemaVersion is the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM store_migrations`).Scan(&v)
	return v, err
}

// ddl fills in the dialect's types.
func (s *Store) ddl(st string) string {
	id := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if s.driver == Postgres {
		id = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
	}
	return strings.ReplaceAll(st, "{{id}}", id)
}

// q rewrites ? placeholders as $1, $2, … for PostgreSQL. The queries of
// this package have no ? inside literals.
func (s *Store) q(query string) string {
	if s.driver != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505") ||
		strings.Contains(m, "duplicate key value")
}

// unix converts a time to stored seconds.
func unix(t time.Time) int64 { return t.Unix() }

// fromUnix converts stored seconds (NULL: zero time) to a UTC time.
func fromUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0).UTC()
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.Unix(), Valid: true}
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
