// Package truth compares a destination with the emulator's state, row by
// row and column by column: the proof of "the destination equals Backlog"
// that the end-to-end tests of replicate/ and cmd/backlogsync/ share (the
// engine in process, and the real binary killed and restarted). It is used
// only by tests, but lives outside a _test.go file so that both packages'
// tests import one comparison.
package truth

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/emulator"
)

// MaxDiffs is how many differing keys per table a problem report lists.
const MaxDiffs = 5

// Client is a client of srv that reads the truth: in process, with no rate
// limit of its own and retries off (faults must be cleared first).
func Client(srv *emulator.Server) (*backlog.Client, error) {
	return backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(srv.AdminAPIKey()),
		backlog.WithHTTPClient(srv.Client()), backlog.WithoutRetry())
}

// Diff compares every named table of d with the emulator's truth for
// account: the rows catalog.Fetch reads from srv (the reference decoding
// of the API, independent of the engine) against the rows d.Query returns,
// by primary key, value by value (CanonRow). It returns the number of
// truth rows per table and one problem report per table that differs —
// missing, extra, duplicate and differing rows, the first MaxDiffs keys of
// each. err is a failure to read the truth (or active fault rules).
func Diff(ctx context.Context, srv *emulator.Server, d bs.Destination, account string, tables []string) (counts map[string]int, problems []string, err error) {
	if f := srv.Faults(); len(f) > 0 {
		return nil, nil, fmt.Errorf("truth: %d fault rules are active: clear them first", len(f))
	}
	c, err := Client(srv)
	if err != nil {
		return nil, nil, err
	}
	counts = map[string]int{}
	for _, name := range tables {
		ct, ok := catalog.Lookup(name)
		if !ok {
			return nil, nil, fmt.Errorf("truth: no catalog table %s", name)
		}
		n, p, err := diffTable(ctx, c, d, account, ct)
		if err != nil {
			return nil, nil, err
		}
		counts[ct.Name] = n
		if p != "" {
			problems = append(problems, p)
		}
	}
	return counts, problems, nil
}

// diffTable compares one table: the truth's row count and a problem
// report ("" when the table equals the truth).
func diffTable(ctx context.Context, c *backlog.Client, d bs.Destination, account string, ct *catalog.Table) (int, string, error) {
	cols := make([]string, len(ct.Columns))
	for i, col := range ct.Columns {
		cols[i] = col.Name
	}
	key := make([]int, len(ct.PrimaryKey))
	for i, k := range ct.PrimaryKey {
		_, key[i] = ct.Column(k)
	}
	want := map[string][]string{}
	var order []string
	if err := catalog.Fetch(ctx, c, ct.Name, catalog.Query{Account: account}, func(r bs.Row) error {
		n := CanonRow(ct, r)
		k := rowKey(n, key)
		if _, dup := want[k]; dup {
			return fmt.Errorf("the truth has key %s twice", k)
		}
		want[k] = n
		order = append(order, k)
		return nil
	}); err != nil {
		return 0, "", fmt.Errorf("truth of %s: %w", ct.Name, err)
	}
	got := map[string][]string{}
	rows, dups := 0, []string(nil)
	if err := d.Query(ctx, ct.Name, bs.Query{Columns: cols}, func(r bs.Row) error {
		rows++
		n := CanonRow(ct, r)
		k := rowKey(n, key)
		if _, dup := got[k]; dup {
			dups = append(dups, k)
		}
		got[k] = n
		return nil
	}); err != nil {
		return len(want), fmt.Sprintf("%s: Query: %v", ct.Name, err), nil
	}
	var missing, extra, differ []string
	for _, k := range order {
		g, ok := got[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case !slices.Equal(g, want[k]):
			differ = append(differ, k+": "+rowDiff(cols, g, want[k]))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	if len(missing)+len(extra)+len(differ)+len(dups) == 0 && rows == len(want) {
		return len(want), "", nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s differs from the truth: destination %d rows (%d keys), truth %d; %d missing, %d extra, %d differing, %d duplicate keys",
		ct.Name, rows, len(got), len(want), len(missing), len(extra), len(differ), len(dups))
	list := func(what string, ks []string) {
		for i, k := range ks {
			if i == MaxDiffs {
				fmt.Fprintf(&b, "\n  … %d more %s", len(ks)-MaxDiffs, what)
				break
			}
			fmt.Fprintf(&b, "\n  %s %s", what, k)
		}
	}
	list("missing", missing)
	list("extra", extra)
	list("differs", differ)
	list("duplicate", dups)
	return len(want), b.String(), nil
}

// rowKey joins the canonical key values.
func rowKey(n []string, key []int) string {
	parts := make([]string, len(key))
	for i, j := range key {
		parts[i] = n[j]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// rowDiff names the columns where got and want differ.
func rowDiff(cols, got, want []string) string {
	var parts []string
	for i := range cols {
		if got[i] != want[i] {
			parts = append(parts, fmt.Sprintf("%s got %s want %s", cols[i], clip(got[i]), clip(want[i])))
		}
	}
	return strings.Join(parts, "; ")
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// CanonRow renders each value of a row of ct in a canonical typed form,
// normalising only what the Destination contract lets a destination
// report differently: JSON as TEXT, TIMESTAMP at second precision in UTC,
// DATE as its calendar date, BOOLEAN as 0/1. Every other difference of
// value or Go type shows.
func CanonRow(ct *catalog.Table, r bs.Row) []string {
	out := make([]string, len(ct.Columns))
	for i, col := range ct.Columns {
		var v any
		if i < len(r) {
			v = r[i]
		}
		out[i] = CanonValue(col.Type, v)
	}
	return out
}

// CanonValue is one value of CanonRow, of column type ty.
func CanonValue(ty bs.Type, v any) string {
	// Text as destinations store it: the storable-text policy applied
	// (NUL removed, invalid UTF-8 replaced), also to the emulator's truth.
	storable := func(s string) string {
		if ty == bs.TypeJSON {
			s, _ = bs.StorableJSON(s)
			// PostgreSQL's JSONB orders keys and drops spaces.
			var v any
			if json.Unmarshal([]byte(s), &v) == nil {
				if b, err := json.Marshal(v); err == nil {
					s = string(b)
				}
			}
		} else {
			s, _ = bs.StorableText(s)
		}
		return s
	}
	switch x := v.(type) {
	case string:
		v = storable(x)
	case json.RawMessage:
		v = json.RawMessage(storable(string(x)))
	}
	switch x := v.(type) {
	case nil:
		return "NULL"
	case json.RawMessage:
		return "text:" + string(x)
	case []byte:
		return "text:" + string(x)
	case string:
		return "text:" + x
	case time.Time:
		if ty == bs.TypeDate {
			return "date:" + x.Format(time.DateOnly)
		}
		return "ts:" + x.UTC().Truncate(time.Second).Format(time.RFC3339)
	case bool:
		return "bool:" + strconv.FormatBool(x)
	case int64:
		if ty == bs.TypeBool && (x == 0 || x == 1) {
			return "bool:" + strconv.FormatBool(x == 1)
		}
		return "int:" + strconv.FormatInt(x, 10)
	case float64:
		if math.IsNaN(x) {
			return "float:NaN"
		}
		return "float:" + strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprintf("%T:%v", v, v)
}
