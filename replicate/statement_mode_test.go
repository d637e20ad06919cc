package replicate

import (
	"slices"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

func TestCompileUpdateMode(t *testing.T) {
	c := mustCompile(t, "REPLICATE Issues")
	if c.Mode != jobsql.ModeMerge || c.Cursor != "Updated" {
		t.Errorf("default mode %q cursor %q", c.Mode, c.Cursor)
	}
	c = mustCompile(t, "REPLICATE Issues WITH UpdateMode=Replace, ReplicateInterval=30")
	if c.Mode != jobsql.ModeReplace || c.Cursor != "" || c.Step != nil || !slices.Equal(c.Table.PrimaryKey, []string{"Account", "Id"}) {
		t.Errorf("replace: mode %q cursor %q key %v", c.Mode, c.Cursor, c.Table.PrimaryKey)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "ReplicateInterval has no effect with UpdateMode=Replace") {
		t.Errorf("replace warnings %q", c.Warnings)
	}
	c = mustCompile(t, "REPLICATE H WITH UpdateMode=Append SELECT Id, StatusName AS Status FROM Issues")
	if got := colNames(c.Table); !slices.Equal(got, []string{"Account", "Id", "Status", SnapshotColumn}) {
		t.Errorf("append columns %v", got)
	}
	if !slices.Equal(c.Table.PrimaryKey, []string{"Account", "Id", SnapshotColumn}) {
		t.Errorf("append key %v", c.Table.PrimaryKey)
	}
	if col, _ := c.Table.Column(SnapshotColumn); col.Type != backlogsync.TypeTimestamp || col.Nullable {
		t.Errorf("snapshot column %+v", col)
	}
	// The projection fills the catalog columns only; KeyOf is the source key.
	r := issue("Account", "a", "Id", int64(7), "StatusName", "Open")
	if out := c.Project(r); len(out) != 3 || out[2] != "Open" {
		t.Errorf("projected %v", out)
	}
	if k := c.KeyOf(r); len(k) != 2 || k[1] != int64(7) {
		t.Errorf("key %v", k)
	}
	for _, tc := range []struct{ src, want string }{
		{"REPLICATE H WITH UpdateMode=Append SELECT Id, Summary AS SnapshotTime FROM Issues",
			"jobs.sql:1:47: column SnapshotTime is the snapshot time UpdateMode=Append adds: give the column another name (… AS OtherSnapshotTime)"},
		{"REPLICATE Issues WITH UpdateMode=Append, IncrementalCheckColumns='Updated'",
			"jobs.sql:1:42: IncrementalCheckColumns does not apply to UpdateMode=Append, which reads every selected row on each run: remove it"},
		{"REPLICATE Users WITH SkipDeleted, UpdateMode=Replace",
			"jobs.sql:1:22: SkipDeleted contradicts UpdateMode=Replace"},
	} {
		_, err := compileSrc(t, tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) || backlogsync.ErrorCode(err) != backlogsync.EINVALID {
			t.Errorf("%s:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
	c = mustCompile(t, "REPLICATE Users WITH TruncateTable, UpdateMode=Replace")
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "jobs.sql:1:22: TruncateTable empties Users before it is read") {
		t.Errorf("truncate warnings %q", c.Warnings)
	}
}

// TestSnapshotColumnIsFree: no catalog table has the column that
// UpdateMode=Append adds, so SELECT * never clashes with it.
func TestSnapshotColumnIsFree(t *testing.T) {
	for _, tb := range catalog.Tables() {
		if _, i := tb.Column(SnapshotColumn); i >= 0 {
			t.Errorf("catalog table %s has a column %s", tb.Name, SnapshotColumn)
		}
		if _, err := compile(mustParseOne(t, "REPLICATE "+tb.Name+" WITH UpdateMode=Append")); err != nil {
			t.Errorf("%s: %v", tb.Name, err)
		}
	}
}

func mustParseOne(t *testing.T, src string) *jobsql.Replicate {
	t.Helper()
	st, err := jobsql.Parse("jobs.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	return st[0].(*jobsql.Replicate)
}

// CHECKCACHE refuses a table of snapshots: its rows are not a replica of
// the source, and a repair would delete or rewrite history.
func TestCheckCacheRefusesSnapshots(t *testing.T) {
	c := mustCompile(t, "REPLICATE Users WITH UpdateMode=Append")
	st, err := jobsql.Parse("jobs.sql", "CHECKCACHE Users WITH REPAIR;")
	if err != nil {
		t.Fatal(err)
	}
	_, err = planCheck(st[0].(*jobsql.CheckCache), c.Table, "a", date("2026-01-01"))
	if err == nil || !strings.Contains(err.Error(), "jobs.sql:1:12: table Users holds snapshots (UpdateMode=Append: its key includes SnapshotTime)") {
		t.Errorf("CHECKCACHE of a snapshot table: %v", err)
	}
}
