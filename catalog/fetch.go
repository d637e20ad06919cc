package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
)

// fetchFunc fills one table: it reads the API through f, narrowed by q
// where it can, and calls emit once per row. Rows that do not match q are
// dropped by Fetch, so fetchFuncs may emit a superset.
type fetchFunc func(f *fetcher, q *Query, emit func(*row) error) error

// fetcher carries one Fetch call's client and context.
type fetcher struct {
	ctx context.Context
	c   *backlog.Client
	t   *Table
	s   *Session // nil: no sharing
}

// Fetch fills table from the API through client and calls emit once per
// row, with values in column order (each row passes Table.CheckRow). Every
// predicate of q holds for every emitted row; predicates the API can answer
// are pushed into its parameters (see Table.Pushdown), the rest are
// evaluated locally. Child tables are read through their parents' API
// calls. Rows come in API order, not sorted. An error from emit stops the
// fetch and is returned as is.
//
// Errors: ENOTFOUND for an unknown table, EINVALID for a bad predicate,
// otherwise the client's errors (*backlog.ErrorResponse, *backlog.AuthError,
// *backlog.RateLimitError), wrapped with the table name.
func Fetch(ctx context.Context, client *backlog.Client, table string, q Query, emit func(backlogsync.Row) error) error {
	return fetch(ctx, client, table, q, nil, emit)
}

func fetch(ctx context.Context, client *backlog.Client, table string, q Query, s *Session, emit func(backlogsync.Row) error) error {
	t, ok := Lookup(table)
	if !ok {
		return unknownTable(table)
	}
	where := make([]Predicate, len(q.Where))
	for i, p := range q.Where {
		p.Values = append([]any(nil), p.Values...)
		where[i] = p
	}
	q.Where = where
	if err := q.check(t); err != nil {
		return err
	}
	account := q.Account
	if account == "" {
		account = client.BaseURL().Hostname()
	}
	f := &fetcher{ctx: ctx, c: client, t: t, s: s}
	var emitErr error
	err := t.fetch(f, &q, func(r *row) error {
		r.vals[0] = account
		if !q.match(t, r.vals) {
			return nil
		}
		if err := emit(r.vals); err != nil {
			emitErr = err
			return err
		}
		return nil
	})
	if err != nil && emitErr != nil && errors.Is(err, emitErr) {
		return emitErr
	}
	if err != nil {
		return fmt.Errorf("catalog: fetch %s: %w", t.Name, err)
	}
	return nil
}

// row builds one row of a table by column name.
type row struct {
	t    *Table
	vals backlogsync.Row
}

// row returns an empty row of the table being fetched.
func (f *fetcher) row() *row { return newRow(f.t) }

func newRow(t *Table) *row { return &row{t: t, vals: make(backlogsync.Row, len(t.Columns))} }

// set stores v in the named column, converting pointers (nil → NULL),
// ints, backlog.Date and times to the column's Go type. An unknown column
// is a bug in the table file and panics (the tests fill every table).
func (r *row) set(name string, v any) *row {
	i, ok := r.t.index[name]
	if !ok {
		panic(fmt.Sprintf("catalog: table %s has no column %s", r.t.Name, name))
	}
	r.vals[i] = value(v)
	return r
}

// user sets <role>Id and <role>Name from an embedded user.
func (r *row) user(role string, u *backlog.User) *row {
	if u == nil {
		return r.set(role+"Id", nil).set(role+"Name", nil)
	}
	return r.set(role+"Id", u.ID).set(role+"Name", u.Name)
}

// value converts a Go value to the representation of backlogsync.Row.
func value(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int:
		return int64(x)
	case int64, float64, bool, string:
		return x
	case backlog.RoleType:
		return int64(x)
	case backlog.CustomFieldType:
		return int64(x)
	case backlog.ActivityType:
		return int64(x)
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UTC().Truncate(time.Second)
	case backlog.Date:
		if x.IsZero() {
			return nil
		}
		return x.Time()
	case *backlog.Date:
		if x == nil {
			return nil
		}
		return value(*x)
	case *time.Time:
		if x == nil {
			return nil
		}
		return value(*x)
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case *int64:
		if x == nil {
			return nil
		}
		return *x
	case *int:
		if x == nil {
			return nil
		}
		return int64(*x)
	case *float64:
		if x == nil {
			return nil
		}
		return *x
	case *bool:
		if x == nil {
			return nil
		}
		return *x
	}
	panic(fmt.Sprintf("catalog: unsupported value %T", v))
}

// notFound reports whether err is Backlog's 404 (the object was deleted or
// is not visible), which child fetches treat as "no rows".
func notFound(err error) bool {
	var e *backlog.ErrorResponse
	return errors.As(err, &e) && (e.StatusCode() == http.StatusNotFound || e.HasCode(backlog.CodeNoResource))
}

// itoa formats an id for a path segment.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// each runs fn for every element of an iterator, stopping at the first error.
func each[T any](seq func(func(T, error) bool), fn func(T) error) error {
	var err error
	seq(func(v T, e error) bool {
		if e != nil {
			err = e
			return false
		}
		if e := fn(v); e != nil {
			err = e
			return false
		}
		return true
	})
	return err
}
