package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"
	"testing"
)

// forEachCounted runs fn on a fresh store in SQLite and in PostgreSQL
// whose connections count the queries (SELECTs and RETURNING inserts)
// run on them.
func forEachCounted(t *testing.T, fn func(t *testing.T, s *Store, queries *atomic.Int64)) {
	for _, d := range []Driver{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) {
			name, source, err := dataSource(d, testDSN(t, d))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := sql.Open(name, source)
			if err != nil {
				t.Fatal(err)
			}
			drv := plain.Driver()
			plain.Close()
			var queries atomic.Int64
			s, err := open(t.Context(), sql.OpenDB(countingConnector{drv: drv, source: source, queries: &queries}), d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			fn(t, s, &queries)
		})
	}
}

// countingConnector opens connections of drv that count their queries.
type countingConnector struct {
	drv     driver.Driver
	source  string
	queries *atomic.Int64
}

func (c countingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.source)
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: conn, queries: c.queries}, nil
}

func (c countingConnector) Driver() driver.Driver { return c.drv }

// countingConn passes everything to the driver's connection (which
// implements these interfaces for both drivers) and counts QueryContext.
type countingConn struct {
	driver.Conn
	queries *atomic.Int64
}

func (c countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.queries.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
