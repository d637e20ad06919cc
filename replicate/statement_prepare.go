package replicate

import (
	"context"
	"fmt"
	"strings"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/jobsql"
)

// ---------------------------------------------------------------------------
// Destination preparation.

// prepare brings the destination table in line with c before rows are
// written:
//
//   - DropTable: the table is dropped (if it exists) and created.
//   - AlterSchema=true (the default): Migrate creates the table or adds
//     the missing columns and widens types.
//   - AlterSchema=false: a missing table is created; an existing one is
//     never altered: it must have every column with the same type or one
//     the statement's type widens to (JSON stored as TEXT counts as the
//     same), and the same primary key, else an EINVALID error names the
//     column and the fix.
//   - TruncateTable: every row is deleted, after the above.
//
// reset reports that the table was dropped, truncated or newly created:
// the engine must then reset the table's checkpoints (stored cursors
// describe rows that are gone). Errors start with the statement's line:col.
func prepare(ctx context.Context, d backlogsync.Destination, c *compiled, s jobsql.Settings) (reset bool, err error) {
	pos := c.Stmt.Pos
	name := c.Table.Name
	if s.DropTable {
		if err := d.Drop(ctx, name); err != nil && backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
			return false, fmt.Errorf("%s: dropping %s (DropTable): %w", pos, name, err)
		}
		reset = true
	}
	existing, err := findTable(ctx, d, name)
	if err != nil {
		return false, fmt.Errorf("%s: reading the destination's tables: %w", pos, err)
	}
	switch {
	case existing == nil:
		reset = true
		if err := d.Migrate(ctx, c.Table); err != nil {
			return false, posWrap(pos, "creating "+name, err)
		}
	case s.AlterSchema:
		if err := d.Migrate(ctx, c.Table); err != nil {
			return false, posWrap(pos, "migrating "+name+" (AlterSchema)", err)
		}
	default:
		if err := compatible(existing, c.Table); err != nil {
			return false, posErr(pos, "%s", err)
		}
	}
	if s.TruncateTable && !s.DropTable {
		if err := d.Truncate(ctx, name); err != nil {
			return false, fmt.Errorf("%s: truncating %s (TruncateTable): %w", pos, name, err)
		}
		reset = true
	}
	return reset, nil
}

// posWrap prefixes an error with a position, keeping an EINVALID code for
// the destination's own EINVALID errors (a narrowing, a key change).
func posWrap(pos jobsql.Pos, what string, err error) error {
	if backlogsync.ErrorCode(err) == backlogsync.EINVALID {
		return posErr(pos, "%s: %s", what, backlogsync.ErrorMessage(err))
	}
	return fmt.Errorf("%s: %s: %w", pos, what, err)
}

// tableDescriber is implemented by destinations that can describe one
// table without listing them all (Tables describes every table, which is
// slow on a server with many).
type tableDescriber interface {
	// Table returns the named table as Tables would (names matched as
	// the destination's lookups match them), or nil when it does not exist.
	Table(ctx context.Context, name string) (*backlogsync.Table, error)
}

// findTable returns the destination's table of that name (exact, else
// case-insensitive), or nil.
func findTable(ctx context.Context, d backlogsync.Destination, name string) (*backlogsync.Table, error) {
	if td, ok := d.(tableDescriber); ok {
		return td.Table(ctx, name)
	}
	tabs, err := d.Tables(ctx)
	if err != nil {
		return nil, err
	}
	var fold *backlogsync.Table
	for _, t := range tabs {
		if t.Name == name {
			return t, nil
		}
		if fold == nil && strings.EqualFold(t.Name, name) {
			fold = t
		}
	}
	return fold, nil
}

// compatible reports why rows of want cannot be written into the existing
// table have without altering it.
func compatible(have, want *backlogsync.Table) error {
	fix := "set AlterSchema=true to let backlogsync alter it, or DropTable=true to recreate it"
	if len(have.PrimaryKey) != len(want.PrimaryKey) || !sameFold(have.PrimaryKey, want.PrimaryKey) {
		return fmt.Errorf("table %s has primary key (%s) and the statement needs (%s); AlterSchema=False never alters a table: drop it (DropTable=true) or change the statement's key",
			have.Name, strings.Join(have.PrimaryKey, ", "), strings.Join(want.PrimaryKey, ", "))
	}
	for _, c := range want.Columns {
		hc, i := have.Column(c.Name)
		if i < 0 {
			return fmt.Errorf("table %s has no column %s (%s) and AlterSchema=False forbids adding it: %s, or leave %s out of the SELECT list",
				have.Name, c.Name, c.Type, fix, c.Name)
		}
		if !storable(c.Type, hc.Type) {
			return fmt.Errorf("column %s of table %s is %s and the statement writes %s, which does not fit without altering it (AlterSchema=False): %s, or force the column's type in the REPLICATE column list (%s %s)",
				c.Name, have.Name, hc.Type, c.Type, fix, c.Name, hc.Type)
		}
	}
	return nil
}

// storable reports whether values of type want can be written into a
// column stored as have.
func storable(want, have backlogsync.Type) bool {
	return want == have || backlogsync.CanWiden(want, have) || want == backlogsync.TypeJSON && have == backlogsync.TypeText
}

func sameFold(a, b []string) bool {
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}
