// Package dest opens destinations by kind: the one place a
// backlogsync.Destination is constructed from a kind and a connection
// string (SQLite, PostgreSQL, MySQL/MariaDB, and an in-memory one for
// tests). Every caller — the CLI, serve, tests — opens destinations here.
package dest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest/memory"
	"github.com/backlogsync/backlogsync/dest/mysql"
	"github.com/backlogsync/backlogsync/dest/postgres"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// Kinds of destination Open accepts.
const (
	SQLite   = "sqlite"   // a SQLite file name or file: URI (modernc.org/sqlite)
	Postgres = "postgres" // a postgres:// URL or libpq key=value string (pgx)
	MySQL    = "mysql"    // go-sql-driver/mysql's user:pass@tcp(host:port)/db (MySQL, MariaDB)
	Memory   = "memory"   // an in-memory destination for tests; the DSN must be empty
)

// openers maps a kind to the function that opens it.
var openers = map[string]func(ctx context.Context, dsn string) (backlogsync.Destination, error){
	SQLite:   func(ctx context.Context, dsn string) (backlogsync.Destination, error) { return sqlite.Open(ctx, dsn) },
	Postgres: func(ctx context.Context, dsn string) (backlogsync.Destination, error) { return postgres.Open(ctx, dsn) },
	MySQL:    func(ctx context.Context, dsn string) (backlogsync.Destination, error) { return mysql.Open(ctx, dsn) },
	Memory: func(ctx context.Context, dsn string) (backlogsync.Destination, error) {
		if dsn != "" {
			return nil, backlogsync.Errorf(backlogsync.EINVALID, "memory: takes no connection string (got one); give \"\"")
		}
		return memory.New(), nil
	},
}

// Kinds lists the kinds Open accepts, sorted.
func Kinds() []string {
	out := make([]string, 0, len(openers))
	for k := range openers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Open opens the destination of kind ("sqlite", "postgres", "mysql" or
// "memory") at dsn, a connection string in the driver's own form (as
// config.DSN.DriverDSN returns it). An unknown kind is an EINVALID error
// naming the kinds there are. The drivers' errors are returned as they
// are; OpenConfig adds the destination's name and removes passwords.
func Open(ctx context.Context, kind, dsn string) (backlogsync.Destination, error) {
	open, ok := openers[kind]
	if !ok {
		return nil, backlogsync.Errorf(backlogsync.EINVALID, "unknown destination type %q; use %s", kind, strings.Join(Kinds(), ", "))
	}
	return open(ctx, dsn)
}

// OpenConfig opens the database a configuration's destination names: a
// SQLite file, a PostgreSQL database or a MySQL/MariaDB database, from the
// connection string in any form config.DriverDSN reads. Its errors name
// the destination, say what to fix, and never contain the password of the
// connection string.
func OpenConfig(ctx context.Context, d *config.Destination) (backlogsync.Destination, error) {
	p, err := d.ParseDSN()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", d.Name, err)
	}
	dsn, err := p.DriverDSN()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", d.Name, err)
	}
	switch d.Type {
	case config.SQLite, config.Postgres, config.MySQL:
	default:
		return nil, fmt.Errorf("destination %s: unknown type %q; use sqlite, postgres or mysql", d.Name, d.Type)
	}
	db, err := Open(ctx, string(d.Type), dsn)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), string(d.Type)+": ") // the drivers' own prefix
		return nil, &openError{name: d.Name, typ: d.Type, msg: scrub(msg, p.Password.Reveal()), err: err}
	}
	return db, nil
}

// openError is a failure to open a destination. Its message has the
// password removed; errors.Is sees the driver's error chain (for context
// cancellation and the like), but the error does not unwrap to it, so
// that its text cannot reach a log unscrubbed.
type openError struct {
	name string
	typ  config.DestType
	msg  string
	err  error
}

func (e *openError) Error() string {
	return fmt.Sprintf("destination %s (%s): %s", e.name, e.typ, e.msg)
}

// As classifies the error with the driver error's code (EINVALID when the
// connection string or path must change, EUNAVAILABLE when the server
// cannot be reached), carrying the scrubbed message.
func (e *openError) As(target any) bool {
	t, ok := target.(**backlogsync.Error)
	if ok {
		*t = &backlogsync.Error{Code: backlogsync.ErrorCode(e.err), Message: e.Error()}
	}
	return ok
}

// Is reports whether target is in the driver error's chain.
func (e *openError) Is(target error) bool { return errors.Is(e.err, target) }

// scrub replaces the password in s (as written, and as a URL or query
// escapes it) with "****" where it stands as a value: an occurrence inside a
// longer word is left alone, so that password "p" does not turn "accepts"
// into "acce****ts". The drivers do not put passwords in their errors; this
// keeps it so if one ever does.
func scrub(s, password string) string {
	if password == "" {
		return s
	}
	userinfo := strings.TrimPrefix(url.UserPassword("u", password).String(), "u:")
	for _, p := range []string{password, url.QueryEscape(password), url.PathEscape(password), userinfo} {
		if p != "" {
			s = replaceValue(s, p, "****")
		}
	}
	return s
}

// replaceValue replaces the occurrences of value in s that stand apart: not
// preceded or followed by a letter or digit where value itself starts or
// ends with one.
func replaceValue(s, value, with string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+len(value) <= len(s); {
		j := strings.Index(s[i:], value)
		if j < 0 {
			break
		}
		start, end := i+j, i+j+len(value)
		if (start > 0 && isWordByte(s[start-1]) && isWordByte(value[0])) ||
			(end < len(s) && isWordByte(s[end]) && isWordByte(value[len(value)-1])) {
			i = start + 1
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(with)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	return b.String() + s[last:]
}

// isWordByte reports whether c is an ASCII letter or digit, or part of a
// multi-byte character.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
