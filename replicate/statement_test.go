package replicate

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/memory"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/jobsql"
)

func compileSrc(t *testing.T, src string) (*compiled, error) {
	t.Helper()
	st, err := jobsql.Parse("jobs.sql", src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return compile(st[0].(*jobsql.Replicate))
}

func mustCompile(t *testing.T, src string) *compiled {
	t.Helper()
	c, err := compileSrc(t, src)
	if err != nil {
		t.Fatalf("compile %q: %v", src, err)
	}
	return c
}

func colNames(t *backlogsync.Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// issue builds an Issues catalog row from column=value pairs (Account demo).
func issue(kv ...any) backlogsync.Row {
	tab, _ := catalog.Lookup("Issues")
	r := make(backlogsync.Row, len(tab.Columns))
	r[0] = "demo"
	for i := 0; i < len(kv); i += 2 {
		_, j := tab.Column(kv[i].(string))
		if j < 0 {
			panic(kv[i])
		}
		v := kv[i+1]
		if n, ok := v.(int); ok {
			v = int64(n)
		}
		r[j] = v
	}
	return r
}

func TestCompileDefaults(t *testing.T) {
	c := mustCompile(t, "REPLICATE Issues")
	src, _ := catalog.Lookup("Issues")
	if c.Source != src || c.Table.Name != "Issues" || !reflect.DeepEqual(c.Table.Columns, src.Columns) ||
		!reflect.DeepEqual(c.Table.PrimaryKey, []string{"Account", "Id"}) || c.Table.CursorColumn != "Updated" {
		t.Errorf("table %+v", c.Table)
	}
	if c.Project != nil || c.Match != nil || c.Pushdown != nil || c.Step != nil || c.Cursor != "Updated" ||
		!c.AlterSchema || c.DropTable || c.TruncateTable || c.Batch != DefaultBatchSize || len(c.Warnings) != 0 {
		t.Errorf("compiled %+v", c)
	}
	r := issue("Id", 7)
	if k := c.KeyOf(r); !reflect.DeepEqual(k, []any{"demo", int64(7)}) {
		t.Errorf("KeyOf = %v", k)
	}
	if c := mustCompile(t, "REPLICATE Users"); c.Cursor != "" || c.Table.CursorColumn != "" {
		t.Errorf("Users cursor %q", c.Cursor)
	}
	if c := mustCompile(t, "REPLICATE SpaceUpdates"); c.Cursor != "Id" {
		t.Errorf("SpaceUpdates cursor %q", c.Cursor)
	}
}

func TestCompileNames(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"REPLICATE Issues", "Issues"},
		{"REPLICATE PROD_Issues SELECT * FROM Issues", "PROD_Issues"},
		{"REPLICATE PROD.Issues SELECT * FROM Issues", "PROD.Issues"},
		{"REPLICATE Issues WITH TableNamePrefix='A_'", "A_Issues"},
		{"REPLICATE Issues WITH CacheSchema='S'", "S.Issues"},
		{"REPLICATE P.Issues WITH CacheSchema='S', TableNamePrefix='X_'", "P.X_Issues"},
		{"REPLICATE Copy Issues", "Copy"},
	} {
		if c := mustCompile(t, tc.src); c.Table.Name != tc.want {
			t.Errorf("%s: table %s, want %s", tc.src, c.Table.Name, tc.want)
		}
	}
}

func TestCompileOptions(t *testing.T) {
	c := mustCompile(t, "REPLICATE Issues WITH DropTable=true, TruncateTable=true, AlterSchema=false, SkipDeleted=true, BatchSize=50")
	if !c.DropTable || !c.TruncateTable || c.AlterSchema || !c.SkipDeleted || c.Batch != 50 || !c.Settings.SkipDeleted {
		t.Errorf("options %+v", c)
	}
	c = mustCompile(t, "REPLICATE Issues WITH ReplicateStartDate='2024-03-01'")
	if !c.StartDate.Equal(date("2024-03-01")) || c.StartID != 0 ||
		!reflect.DeepEqual(c.Pushdown, []catalog.Predicate{catalog.Cmp("Created", catalog.OpGE, date("2024-03-01"))}) {
		t.Errorf("start date: %v %v", c.StartDate, c.Pushdown)
	}
	if c.Match(issue("Created", date("2024-02-29"))) || !c.Match(issue("Created", date("2024-03-01"))) {
		t.Error("start date Match")
	}
	c = mustCompile(t, "REPLICATE SpaceUpdates WITH ReplicateStartDate=5000")
	if c.StartID != 5000 || !c.StartDate.IsZero() || !reflect.DeepEqual(c.Pushdown, []catalog.Predicate{catalog.Cmp("Id", catalog.OpGE, int64(5000))}) {
		t.Errorf("start id: %v %v", c.StartID, c.Pushdown)
	}
	c = mustCompile(t, "REPLICATE Issues WITH IncrementalCheckColumns='updated'")
	if c.Cursor != "Updated" {
		t.Errorf("cursor %q", c.Cursor)
	}
	c = mustCompile(t, "REPLICATE T WITH IncrementalCheckColumns='Changed' SELECT Id, Updated AS Changed FROM Issues")
	if c.Cursor != "Updated" || c.Table.CursorColumn != "Changed" {
		t.Errorf("aliased cursor %q %q", c.Cursor, c.Table.CursorColumn)
	}
}

func TestCompileWindow(t *testing.T) {
	t0 := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		src    string
		window time.Duration
		next   time.Time
	}{
		{"REPLICATE Issues WITH ReplicateInterval=30", 30 * 24 * time.Hour, t0.AddDate(0, 0, 30)},
		{"REPLICATE Issues WITH ReplicateIntervalUnit=weeks", 180 * 7 * 24 * time.Hour, t0.AddDate(0, 0, 180*7)},
		{"REPLICATE Issues WITH ReplicateInterval=1, ReplicateIntervalUnit=months", 0, t0.AddDate(0, 1, 0)},
		{"REPLICATE Issues WITH ReplicateInterval=2, ReplicateIntervalUnit=years", 0, t0.AddDate(2, 0, 0)},
		{"REPLICATE Issues WITH ReplicateInterval=48, ReplicateIntervalUnit=hours", 48 * time.Hour, t0.Add(48 * time.Hour)},
	} {
		c := mustCompile(t, tc.src)
		if c.Window != tc.window || c.Step == nil || !c.Step(t0).Equal(tc.next) {
			t.Errorf("%s: window %v, step %v", tc.src, c.Window, c.Step != nil)
		}
	}
	c := mustCompile(t, "REPLICATE Users WITH ReplicateInterval=30")
	if c.Step != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "1:22: ReplicateInterval has no effect on Users") {
		t.Errorf("Users window: %v", c.Warnings)
	}
}

func TestCompileSelectList(t *testing.T) {
	c := mustCompile(t, "REPLICATE T SELECT Id, Summary AS Title, Issues.StatusName FROM Issues")
	if got := colNames(c.Table); !reflect.DeepEqual(got, []string{"Account", "Id", "Title", "StatusName"}) {
		t.Fatalf("columns %v", got)
	}
	if !reflect.DeepEqual(c.Table.PrimaryKey, []string{"Account", "Id"}) || c.Table.CursorColumn != "" || c.Cursor != "Updated" {
		t.Errorf("key %v cursor %q", c.Table.PrimaryKey, c.Table.CursorColumn)
	}
	r := issue("Id", 3, "Summary", "hello", "StatusName", "Open", "Created", date("2024-01-01"))
	if got := c.Project(r); !reflect.DeepEqual(got, backlogsync.Row{"demo", int64(3), "hello", "Open"}) {
		t.Errorf("Project = %v", got)
	}
	if err := c.Table.CheckRow(c.Project(r)); err != nil {
		t.Error(err)
	}
	// Account listed later moves to the front; an alias on it is kept.
	c = mustCompile(t, "REPLICATE T SELECT Id, Account AS Space FROM Issues")
	if got := colNames(c.Table); !reflect.DeepEqual(got, []string{"Space", "Id"}) || c.AccountColumn != "Space" ||
		!reflect.DeepEqual(c.Table.PrimaryKey, []string{"Space", "Id"}) {
		t.Errorf("columns %v key %v", got, c.Table.PrimaryKey)
	}
	if got := c.Project(issue("Id", 9)); !reflect.DeepEqual(got, backlogsync.Row{"demo", int64(9)}) {
		t.Errorf("Project = %v", got)
	}
	// SELECT * plus an extra copy.
	c = mustCompile(t, "REPLICATE T SELECT *, Summary AS Title FROM Issues")
	src, _ := catalog.Lookup("Issues")
	if len(c.Table.Columns) != len(src.Columns)+1 || c.Project == nil {
		t.Errorf("star + 1: %d columns", len(c.Table.Columns))
	}
	// SELECT * is the identity.
	if c := mustCompile(t, "REPLICATE T SELECT * FROM Issues"); c.Project != nil {
		t.Error("SELECT * has a projection")
	}
}

func TestCompileColumnTypesAndKey(t *testing.T) {
	c := mustCompile(t, "REPLICATE T (Id DOUBLE, Summary TEXT, StartDate TIMESTAMP, EstimatedHours TEXT) SELECT Id, Summary, StartDate, EstimatedHours FROM Issues")
	want := map[string]backlogsync.Type{"Id": backlogsync.TypeFloat, "Summary": backlogsync.TypeText,
		"StartDate": backlogsync.TypeTimestamp, "EstimatedHours": backlogsync.TypeText}
	for n, ty := range want {
		if col, _ := c.Table.Column(n); col.Type != ty {
			t.Errorf("%s is %v, want %v", n, col.Type, ty)
		}
	}
	r := issue("Id", 4, "Summary", "s", "StartDate", date("2024-05-06"), "EstimatedHours", 1.5)
	got := c.Project(r)
	if !reflect.DeepEqual(got, backlogsync.Row{"demo", 4.0, "s", date("2024-05-06"), "1.5"}) {
		t.Errorf("Project = %#v", got)
	}
	if err := c.Table.CheckRow(got); err != nil {
		t.Error(err)
	}
	if k := c.KeyOf(r); !reflect.DeepEqual(k, []any{"demo", 4.0}) {
		t.Errorf("KeyOf = %#v", k)
	}
	// PRIMARY KEY without Account gets it prepended; a key that does not
	// cover the source key is allowed with a warning.
	c = mustCompile(t, "REPLICATE T (PRIMARY KEY (Id)) SELECT * FROM Issues")
	if !reflect.DeepEqual(c.Table.PrimaryKey, []string{"Account", "Id"}) || len(c.Warnings) != 0 {
		t.Errorf("key %v warnings %v", c.Table.PrimaryKey, c.Warnings)
	}
	c = mustCompile(t, "REPLICATE T (PRIMARY KEY (Account, IssueKey)) SELECT IssueKey, Summary FROM Issues")
	if !reflect.DeepEqual(c.Table.PrimaryKey, []string{"Account", "IssueKey"}) || len(c.Warnings) != 1 ||
		!strings.Contains(c.Warnings[0], "does not include the source key column Id of Issues") {
		t.Errorf("key %v warnings %v", c.Table.PrimaryKey, c.Warnings)
	}
	c = mustCompile(t, "REPLICATE T (Id BIGINT PRIMARY KEY, ProjectId BIGINT) SELECT Id, ProjectId FROM Issues")
	if !reflect.DeepEqual(c.Table.PrimaryKey, []string{"Account", "Id"}) {
		t.Errorf("inline key %v", c.Table.PrimaryKey)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"REPLICATE Isues", `jobs.sql:1:11: unknown table "Isues": did you mean "Issues"? (run 'backlogsync tables' for the list)`},
		{"REPLICATE T SELECT * FROM X.Issues", `jobs.sql:1:27: unknown table "X.Issues"`},
		{"REPLICATE T SELECT Id, Sumary FROM Issues", `jobs.sql:1:24: table Issues has no column Sumary (did you mean "Summary"?)`},
		{"REPLICATE T SELECT Id, Projects.Id AS P FROM Issues", "jobs.sql:1:24: Projects.Id: Projects is not the FROM table (Issues): write Id or Issues.Id"},
		{"REPLICATE T SELECT Id, UPPER(Summary) AS S FROM Issues", "jobs.sql:1:24: UPPER(Summary): only column names (optionally AS alias) are supported"},
		{"REPLICATE T SELECT Id, Summary AS Id FROM Issues", "jobs.sql:1:24: column Id appears twice in the select list (first at jobs.sql:1:20): give one an alias"},
		{"REPLICATE T SELECT Id, Summary AS Account FROM Issues", "jobs.sql:1:24: the destination needs the source's Account column, and another column is named Account"},
		{"REPLICATE T SELECT Summary, StatusName FROM Issues", "jobs.sql:1:13: the SELECT list leaves out the key column Id of Issues: add Id to the SELECT list, or give the destination key in a column list: REPLICATE T (PRIMARY KEY (Account)) …"},
		{"REPLICATE T SELECT CategoryName FROM IssueCategories", "the SELECT list leaves out the key columns IssueId, CategoryId of IssueCategories"},
		{"REPLICATE T (Nope TEXT) SELECT * FROM Issues", "jobs.sql:1:14: column Nope in the column list is not a destination column: the list only forces the types of columns of Issues or of the SELECT list"},
		{"REPLICATE T (Summary BIGINT) SELECT * FROM Issues", "jobs.sql:1:14: column Summary is TEXT in Issues and BIGINT would narrow it (types may only widen: BOOLEAN → BIGINT → DOUBLE → TEXT, DATE → TIMESTAMP → TEXT, JSON → TEXT): write Summary TEXT or a wider type"},
		{"REPLICATE T (Created DATE) SELECT * FROM Issues", "jobs.sql:1:14: column Created is TIMESTAMP in Issues and DATE would narrow it"},
		{"REPLICATE T (AssigneeId BIGINT NOT NULL) SELECT * FROM Issues", "jobs.sql:1:14: column AssigneeId can be NULL in Issues, so NOT NULL would make rows fail: remove NOT NULL"},
		{"REPLICATE T (PRIMARY KEY (Nope)) SELECT * FROM Issues", "jobs.sql:1:1: PRIMARY KEY column Nope is not a destination column"},
		{"REPLICATE T (PRIMARY KEY (AssigneeId)) SELECT * FROM Issues", "jobs.sql:1:1: PRIMARY KEY column AssigneeId can be NULL in Issues: key columns must never be NULL; pick others (the source key is Account, Id)"},
		{"REPLICATE Users WITH ReplicateStartDate='2024-01-01'", "jobs.sql:1:22: ReplicateStartDate filters on the Created column and table Users has none: remove the option (tables with a Created column: Space, UserReceivedStars,"},
		{"REPLICATE Documents WITH ReplicateStartDate=10", "jobs.sql:1:26: ReplicateStartDate=10 starts at an id and table Documents has no numeric Id column"},
		{"REPLICATE Issues WITH IncrementalCheckColumns='Created'", "jobs.sql:1:23: IncrementalCheckColumns=Created: the Backlog API can serve table Issues incrementally only by Updated: write IncrementalCheckColumns='Updated' or remove the option"},
		{"REPLICATE Issues WITH IncrementalCheckColumns='Updated,Id'", "IncrementalCheckColumns=Updated,Id: the Backlog API can serve table Issues incrementally only by Updated"},
		{"REPLICATE Users WITH IncrementalCheckColumns='Id'", "jobs.sql:1:22: table Users has no incremental check column: it is re-read in full and diffed by key on each run; remove IncrementalCheckColumns"},
		{"REPLICATE IssueComments WITH IncrementalCheckColumns='Id'", "table IssueComments has no incremental check column: it is re-read with its parent (Issues) on each run"},
		{"REPLICATE Issues WITH ReplicateInterval=6, ReplicateIntervalUnit=hours", "jobs.sql:1:44: ReplicateInterval=6 hours is shorter than a day, and Backlog filters Issues by created date only: use ReplicateIntervalUnit=days"},
		{"REPLICATE Issues WITH ReplicateInterval=600, ReplicateIntervalUnit=minute", "ReplicateInterval=600 minutes is shorter than a day"},
		{"REPLICATE [_backlogsync_x] SELECT * FROM Issues", `jobs.sql:1:11: table name "_backlogsync_x": names starting with _backlogsync_ are reserved`},
		// WHERE.
		{"REPLICATE T SELECT * FROM Issues WHERE Nope = 1", `jobs.sql:1:40: table Issues has no column Nope`},
		{"REPLICATE T SELECT * FROM Issues WHERE ProjectId = 'x'", "jobs.sql:1:52: column ProjectId is BIGINT: compare it with a number, not 'x'"},
		{"REPLICATE T SELECT * FROM Issues WHERE Summary = 3", "jobs.sql:1:50: column Summary is TEXT: compare it with a string ('3'), not 3"},
		{"REPLICATE T SELECT * FROM Issues WHERE Created > 'yesterday'", "jobs.sql:1:50: column Created is TIMESTAMP: compare it with a date 'yyyy-MM-dd' or 'yyyy-MM-dd HH:mm:ss' (UTC), not 'yesterday'"},
		{"REPLICATE T SELECT * FROM Issues WHERE AssigneeId = NULL", "jobs.sql:1:53: a comparison with NULL is never true: write column IS NULL or column IS NOT NULL"},
		{"REPLICATE T SELECT * FROM Issues WHERE Updated > REPLICATE_LASTMODTIME()", "jobs.sql:1:50: function REPLICATE_LASTMODTIME() is not supported in a REPLICATE WHERE (its value would move with the clock): backlogsync keeps the incremental cursor and the load windows itself"},
		{"REPLICATE T SELECT * FROM Issues WHERE Created > DATEADD(DAY, -3, CURRENT_DATE())", "jobs.sql:1:50: function DATEADD() is not supported in a REPLICATE WHERE"},
		{"REPLICATE T SELECT * FROM Issues WHERE Summary", "jobs.sql:1:40: column Summary is TEXT, not a condition"},
		{"REPLICATE T SELECT * FROM Issues WHERE 3", "jobs.sql:1:40: 3 is not a condition"},
		{"REPLICATE T SELECT * FROM Issues WHERE ProjectId LIKE 'x%'", "jobs.sql:1:40: LIKE needs a TEXT column on its left, found ProjectId"},
		{"REPLICATE T SELECT * FROM Issues WHERE Summary LIKE IssueKey", "jobs.sql:1:53: LIKE takes a string pattern such as '%bug%', found IssueKey"},
		{"REPLICATE T SELECT * FROM Issues WHERE ProjectId IN (1, 'a')", "jobs.sql:1:57: column ProjectId is BIGINT: compare it with a number, not 'a'"},
		{"REPLICATE T SELECT * FROM Issues WHERE ProjectId IN (1, Id)", "jobs.sql:1:57: IN lists values, found column Id"},
		{"REPLICATE T SELECT * FROM Issues WHERE Summary = Id", "jobs.sql:1:48: cannot compare Summary (TEXT) with Id (BIGINT)"},
		{"REPLICATE T SELECT * FROM Issues WHERE 1 = 'a'", "jobs.sql:1:42: cannot compare 1 with 'a'"},
		{"REPLICATE T SELECT * FROM Issues WHERE Id BETWEEN 1 AND 'z'", "jobs.sql:1:57: column Id is BIGINT: compare it with a number, not 'z'"},
	} {
		_, err := compileSrc(t, tc.src)
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.src, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.src, err, tc.want)
		}
		if backlogsync.ErrorCode(err) != backlogsync.EINVALID {
			t.Errorf("%s: code %s", tc.src, backlogsync.ErrorCode(err))
		}
	}
}

func TestCompileWhere(t *testing.T) {
	d := date
	type rowCase struct {
		row  backlogsync.Row
		want bool
	}
	for _, tc := range []struct {
		where string
		push  []catalog.Predicate
		rows  []rowCase
	}{
		{"ProjectId = 3", []catalog.Predicate{catalog.Eq("ProjectId", int64(3))},
			[]rowCase{{issue("ProjectId", 3), true}, {issue("ProjectId", 4), false}}},
		{"3 < Id", []catalog.Predicate{catalog.Cmp("Id", catalog.OpGT, int64(3))},
			[]rowCase{{issue("Id", 4), true}, {issue("Id", 3), false}}},
		{"ProjectId IN (1, 2) AND StatusId <> 4", []catalog.Predicate{catalog.In("ProjectId", int64(1), int64(2))},
			[]rowCase{{issue("ProjectId", 1, "StatusId", 1), true}, {issue("ProjectId", 1, "StatusId", 4), false},
				{issue("ProjectId", 1), false /* NULL <> 4 is unknown */}, {issue("ProjectId", 3, "StatusId", 1), false}}},
		{"Created BETWEEN '2024-01-01' AND '2024-01-31 23:59:59'",
			[]catalog.Predicate{catalog.Cmp("Created", catalog.OpGE, d("2024-01-01")), catalog.Cmp("Created", catalog.OpLE, d("2024-01-31").Add(24*time.Hour-time.Second))},
			[]rowCase{{issue("Created", d("2024-01-15")), true}, {issue("Created", d("2024-02-01")), false}}},
		{"Id NOT BETWEEN 2 AND 4", nil,
			[]rowCase{{issue("Id", 1), true}, {issue("Id", 3), false}}},
		{"ProjectId = 1 OR ProjectId = 2", nil,
			[]rowCase{{issue("ProjectId", 2), true}, {issue("ProjectId", 5), false}}},
		{"NOT (ProjectId = 1)", nil,
			[]rowCase{{issue("ProjectId", 2), true}, {issue("ProjectId", 1), false}}},
		{"AssigneeId IS NULL", nil,
			[]rowCase{{issue(), true}, {issue("AssigneeId", 5), false}}},
		{"AssigneeId IS NOT NULL AND ProjectId NOT IN (9)", nil,
			[]rowCase{{issue("AssigneeId", 5, "ProjectId", 1), true}, {issue("AssigneeId", 5, "ProjectId", 9), false}, {issue("ProjectId", 1), false}}},
		{"Summary LIKE '%Tim%'", nil,
			[]rowCase{{issue("Summary", "call tim back"), true}, {issue("Summary", "TIMING"), true}, {issue("Summary", "tom"), false}}},
		{"Summary NOT LIKE 'a_c'", nil,
			[]rowCase{{issue("Summary", "abc"), false}, {issue("Summary", "abbc"), true}, {issue("Summary", "日c"), true}}},
		{"Summary LIKE '日_'", nil,
			[]rowCase{{issue("Summary", "日本"), true}, {issue("Summary", "日本語"), false}}},
		{"DueDate < '2024-03-01 12:00'", nil, // a time of day on a DATE column stays local
			[]rowCase{{issue("DueDate", d("2024-03-01")), true}, {issue("DueDate", d("2024-03-02")), false}}},
		{"DueDate >= '2024-03-01'", []catalog.Predicate{catalog.Cmp("DueDate", catalog.OpGE, d("2024-03-01"))},
			[]rowCase{{issue("DueDate", d("2024-03-01")), true}, {issue("DueDate", d("2024-02-29")), false}, {issue(), false}}},
		{"EstimatedHours > 1 AND Id < 2.5", []catalog.Predicate{catalog.Cmp("EstimatedHours", catalog.OpGT, 1.0)},
			[]rowCase{{issue("EstimatedHours", 1.5, "Id", 2), true}, {issue("EstimatedHours", 1.5, "Id", 3), false}, {issue("EstimatedHours", 1.0, "Id", 1), false}}},
		{"StartDate <= DueDate", nil,
			[]rowCase{{issue("StartDate", d("2024-01-01"), "DueDate", d("2024-01-02")), true}, {issue("StartDate", d("2024-01-03"), "DueDate", d("2024-01-02")), false}, {issue("StartDate", d("2024-01-01")), false}}},
		{"TRUE", nil, []rowCase{{issue(), true}}},
		{"ProjectId = 1 AND (StatusId = 1 OR AssigneeId IS NULL) AND Summary = 'x'",
			[]catalog.Predicate{catalog.Eq("ProjectId", int64(1)), catalog.Eq("Summary", "x")},
			[]rowCase{{issue("ProjectId", 1, "Summary", "x"), true}, {issue("ProjectId", 1, "Summary", "x", "AssigneeId", 3), false},
				{issue("ProjectId", 1, "Summary", "x", "AssigneeId", 3, "StatusId", 1), true}}},
	} {
		c := mustCompile(t, "REPLICATE T SELECT * FROM Issues WHERE "+tc.where)
		if !reflect.DeepEqual(c.Pushdown, tc.push) {
			t.Errorf("%s: Pushdown %v, want %v", tc.where, c.Pushdown, tc.push)
		}
		for i, rc := range tc.rows {
			if got := c.Match(rc.row); got != rc.want {
				t.Errorf("%s: row %d: Match = %v, want %v", tc.where, i, got, rc.want)
			}
		}
	}
	// A bare boolean column pushes down as = true.
	c := mustCompile(t, "REPLICATE P SELECT * FROM Projects WHERE Archived")
	if !reflect.DeepEqual(c.Pushdown, []catalog.Predicate{catalog.Eq("Archived", true)}) {
		t.Errorf("Archived pushdown %v", c.Pushdown)
	}
	// Filters and the start value combine.
	c = mustCompile(t, "REPLICATE T WITH ReplicateStartDate='2024-01-01' SELECT * FROM Issues WHERE ProjectId = 1")
	if len(c.Pushdown) != 2 || c.Match(issue("ProjectId", 1, "Created", d("2023-12-31"))) || !c.Match(issue("ProjectId", 1, "Created", d("2024-01-01"))) {
		t.Errorf("start + where: %v", c.Pushdown)
	}
}

// TestCompileWhereOnEmulatorRows checks Pushdown and Match on real rows: the
// rows Match accepts are exactly those a Go filter accepts, and a Fetch
// narrowed by Pushdown returns all of them.
func TestCompileWhereOnEmulatorRows(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, emulator.Size{Projects: 3, Users: 6, Issues: 150}, 5)
	var all []backlogsync.Row
	if err := catalog.Fetch(ctx, e.client, "Issues", catalog.Query{Account: "demo"}, func(r backlogsync.Row) error {
		all = append(all, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tab, _ := catalog.Lookup("Issues")
	val := func(r backlogsync.Row, col string) any { _, i := tab.Column(col); return r[i] }
	// Pick literal values that split the rows.
	mid := all[len(all)/2]
	pid := val(mid, "ProjectId").(int64)
	created := val(mid, "Created").(time.Time)
	prio := val(mid, "PriorityId")
	for _, tc := range []struct {
		where string
		want  func(backlogsync.Row) bool
	}{
		{fmt.Sprintf("ProjectId = %d", pid), func(r backlogsync.Row) bool { return val(r, "ProjectId") == pid }},
		{fmt.Sprintf("ProjectId = %d AND Created >= '%s'", pid, created.Format(time.RFC3339)), func(r backlogsync.Row) bool {
			return val(r, "ProjectId") == pid && !val(r, "Created").(time.Time).Before(created)
		}},
		{fmt.Sprintf("PriorityId IN (%v) OR AssigneeId IS NULL AND ProjectId <> %d", prio, pid), func(r backlogsync.Row) bool {
			return val(r, "PriorityId") == prio || val(r, "AssigneeId") == nil && val(r, "ProjectId") != pid
		}},
		{fmt.Sprintf("Created BETWEEN '%s' AND '%s' AND NOT ProjectId = %d", created.AddDate(0, 0, -20).Format(time.DateOnly), created.Format(time.RFC3339), pid), func(r backlogsync.Row) bool {
			c := val(r, "Created").(time.Time)
			return !c.Before(created.AddDate(0, 0, -20).Truncate(24*time.Hour)) && !c.After(created) && val(r, "ProjectId") != pid
		}},
		{"Summary LIKE '%a%'", func(r backlogsync.Row) bool {
			return strings.Contains(strings.ToLower(val(r, "Summary").(string)), "a")
		}},
	} {
		c := mustCompile(t, "REPLICATE T SELECT * FROM Issues WHERE "+tc.where)
		var want, got []int64
		for _, r := range all {
			if tc.want(r) {
				want = append(want, val(r, "Id").(int64))
			}
			if c.Match(r) {
				got = append(got, val(r, "Id").(int64))
			}
		}
		if !slices.Equal(got, want) || len(want) == 0 || len(want) == len(all) {
			t.Errorf("%s: Match selects %d rows, want %d (of %d)", tc.where, len(got), len(want), len(all))
		}
		var pushed []int64
		if err := catalog.Fetch(ctx, e.client, "Issues", catalog.Query{Account: "demo", Where: c.Pushdown}, func(r backlogsync.Row) error {
			if c.Match(r) {
				pushed = append(pushed, val(r, "Id").(int64))
			}
			return nil
		}); err != nil {
			t.Fatalf("%s: Fetch with %v: %v", tc.where, c.Pushdown, err)
		}
		slices.Sort(pushed)
		slices.Sort(want)
		if !slices.Equal(pushed, want) {
			t.Errorf("%s: Fetch(Pushdown %v)+Match gives %d rows, want %d", tc.where, c.Pushdown, len(pushed), len(want))
		}
	}
}

func TestEvalTime(t *testing.T) {
	now := time.Date(2024, 3, 14, 15, 9, 26, 5, time.UTC) // a Thursday
	for _, tc := range []struct {
		src  string
		want time.Time
	}{
		{"'2024-01-02'", date("2024-01-02")},
		{"CURRENT_DATE()", date("2024-03-14")},
		{"CURRENT_TIMESTAMP()", time.Date(2024, 3, 14, 15, 9, 26, 0, time.UTC)},
		{"YESTERDAY()", date("2024-03-13")},
		{"THIS_WEEK()", date("2024-03-11")},
		{"LAST_WEEK()", date("2024-03-04")},
		{"THIS_MONTH()", date("2024-03-01")},
		{"LAST_MONTH()", date("2024-02-01")},
		{"THIS_YEAR()", date("2024-01-01")},
		{"LAST_YEAR()", date("2023-01-01")},
		{"DATEADD(DAY, -3, CURRENT_DATE())", date("2024-03-11")},
		{"DATEADD('month', 1, '2024-01-31')", date("2024-03-02")},
		{"DATEADD(HOUR, 2, DATEADD(WEEK, -1, CURRENT_DATE()))", date("2024-03-07").Add(2 * time.Hour)},
	} {
		st, err := jobsql.Parse("", "CHECKCACHE Issues START "+tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		got, err := evalTime(st[0].(*jobsql.CheckCache).Start, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s = %v, %v; want %v", tc.src, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ src, want string }{
		{"NOPE()", "1:25: unknown date function NOPE()"},
		{"CURRENT_DATE(1)", "1:25: CURRENT_DATE takes no arguments"},
		{"DATEADD(DAY, 1)", "1:25: DATEADD takes three arguments"},
		{"DATEADD(FORTNIGHT, 1, CURRENT_DATE())", "1:33: DATEADD unit FORTNIGHT: use YEAR, MONTH"},
		{"DATEADD(DAY, 1.5, CURRENT_DATE())", "1:38: the second argument of DATEADD is a whole number, found 1.5"},
	} {
		st, err := jobsql.Parse("", "CHECKCACHE Issues START "+tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		_, err = evalTime(st[0].(*jobsql.CheckCache).Start, now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %s", tc.src, err, tc.want)
		}
	}
}

func TestLike(t *testing.T) {
	for _, tc := range []struct {
		s, p string
		want bool
	}{
		{"", "", true}, {"", "%", true}, {"a", "", false}, {"abc", "a%", true}, {"abc", "%c", true},
		{"abc", "%b%", true}, {"abc", "a_c", true}, {"abc", "a_", false}, {"aaa", "%a%a%a%", true},
		{"aa", "%a%a%a%", false}, {"mississippi", "%iss%ppi", true}, {"日本語", "_本_", true},
	} {
		if got := like(tc.s, tc.p); got != tc.want {
			t.Errorf("like(%q, %q) = %v", tc.s, tc.p, got)
		}
	}
}

func TestPrepare(t *testing.T) {
	ctx := context.Background()
	d := memory.New()
	defer d.Close()
	prep := func(src string) (bool, error) {
		t.Helper()
		c := mustCompile(t, src)
		return prepare(ctx, d, c, c.Settings)
	}
	cols := func(name string) []string {
		tab, err := findTable(ctx, d, name)
		if err != nil || tab == nil {
			t.Fatalf("table %s: %v", name, err)
		}
		return colNames(tab)
	}
	// Created when missing: reset.
	if reset, err := prep("REPLICATE T SELECT Id, Summary FROM Issues"); err != nil || !reset {
		t.Fatalf("create: %v %v", reset, err)
	}
	row := backlogsync.Row{"demo", int64(1), "s"}
	tt := mustCompile(t, "REPLICATE T SELECT Id, Summary FROM Issues").Table
	if _, err := d.Write(ctx, backlogsync.Batch{Table: tt, Upserts: []backlogsync.Row{row}}); err != nil {
		t.Fatal(err)
	}
	// Existing and unchanged: no reset, rows kept.
	if reset, err := prep("REPLICATE T SELECT Id, Summary FROM Issues"); err != nil || reset {
		t.Fatalf("again: %v %v", reset, err)
	}
	// AlterSchema=false refuses a new column, a narrower stored type, a different key.
	for _, tc := range []struct{ src, want string }{
		{"REPLICATE T WITH AlterSchema=false SELECT Id, Summary, StatusName FROM Issues",
			"1:1: table T has no column StatusName (TEXT) and AlterSchema=False forbids adding it: set AlterSchema=true to let backlogsync alter it, or DropTable=true to recreate it, or leave StatusName out of the SELECT list"},
		{"REPLICATE T (Id DOUBLE) WITH AlterSchema=false SELECT Id, Summary FROM Issues",
			"1:1: column Id of table T is BIGINT and the statement writes DOUBLE, which does not fit without altering it (AlterSchema=False)"},
		{"REPLICATE T (PRIMARY KEY (Account, Id, Summary)) WITH AlterSchema=false SELECT Id, Summary FROM Issues",
			"1:1: table T has primary key (Account, Id) and the statement needs (Account, Id, Summary); AlterSchema=False never alters a table"},
		{"REPLICATE T (PRIMARY KEY (Account, Id, Summary)) SELECT Id, Summary FROM Issues",
			"1:1: migrating T (AlterSchema): table T: primary key (Account, Id, Summary) differs"},
	} {
		_, err := prep(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) || backlogsync.ErrorCode(err) != backlogsync.EINVALID {
			t.Errorf("%s:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
	if got := cols("T"); !reflect.DeepEqual(got, []string{"Account", "Id", "Summary"}) {
		t.Errorf("AlterSchema=false altered the table: %v", got)
	}
	// AlterSchema=false accepts a subset and a batch type that widens to the stored one.
	if _, err := prep("REPLICATE T WITH AlterSchema=false SELECT Id FROM Issues"); err != nil {
		t.Errorf("subset: %v", err)
	}
	// AlterSchema=true adds the column.
	if reset, err := prep("REPLICATE T SELECT Id, Summary, StatusName FROM Issues"); err != nil || reset {
		t.Fatalf("alter: %v %v", reset, err)
	}
	if got := cols("T"); !reflect.DeepEqual(got, []string{"Account", "Id", "Summary", "StatusName"}) {
		t.Errorf("after AlterSchema: %v", got)
	}
	count := func() int {
		n := 0
		d.Query(ctx, "T", backlogsync.Query{}, func(backlogsync.Row) error { n++; return nil })
		return n
	}
	if count() != 1 {
		t.Fatal("row lost")
	}
	// TruncateTable empties and resets.
	if reset, err := prep("REPLICATE T WITH TruncateTable=true SELECT Id, Summary FROM Issues"); err != nil || !reset || count() != 0 {
		t.Errorf("truncate: %v %v %d rows", reset, err, count())
	}
	// DropTable recreates with the statement's columns.
	if reset, err := prep("REPLICATE T WITH DropTable=true SELECT Id FROM Issues"); err != nil || !reset {
		t.Errorf("drop: %v %v", reset, err)
	}
	if got := cols("T"); !reflect.DeepEqual(got, []string{"Account", "Id"}) {
		t.Errorf("after DropTable: %v", got)
	}
	// AlterSchema=false creates a missing table.
	if reset, err := prep("REPLICATE U WITH AlterSchema=false SELECT Id FROM Users"); err != nil || !reset {
		t.Errorf("create with AlterSchema=false: %v %v", reset, err)
	}
}
