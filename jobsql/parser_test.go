package jobsql

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestErrors covers every error message: each source must fail with
// exactly this first error.
func TestErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		// Lexical errors.
		{"REPLICATE Issues /* never closed", `1:18: unterminated /* comment`},
		{"REPLICATE X SELECT * FROM T WHERE a = 'x", `1:39: unterminated string literal: missing closing '`},
		{"REPLICATE [Issues\n", `1:11: unterminated quoted identifier: missing closing ]`},
		{"REPLICATE \"Issues", `1:11: unterminated quoted identifier: missing closing "`},
		{"REPLICATE `Issues", "1:11: unterminated quoted identifier: missing closing `"},
		{"REPLICATE []", `1:11: empty quoted identifier`},
		{"REPLICATE Issues#", `1:17: unexpected character '#'`},
		{"REPLICATE X SELECT * FROM T WHERE a = 3abc", `1:39: malformed number "3a"`},
		{"REPLICATE X SELECT * FROM T WHERE a = 1.2.3", `1:39: malformed number "1.2."`},
		{"REPLICATE é\xff", `1:12: invalid UTF-8: save the file as UTF-8`},
		{"REPLICATE A B WhatAVeryLongIdentifierThisIsIndeed", `1:15: expected ; or end of input after the source table B, found "WhatAVeryLongIdentifierThis…"`},
		// Statement level.
		{"SELECT * FROM Issues", `1:1: expected REPLICATE or CHECKCACHE, found "SELECT"`},
		{"REPLICAT Issues", `1:1: expected REPLICATE or CHECKCACHE, found "REPLICAT": did you mean REPLICATE?`},
		{"'x'", `1:1: expected REPLICATE or CHECKCACHE, found string 'x'`},
		{"REPLICATE Issues\nREPLICATE Projects", `2:1: expected a column list (…), WITH, SELECT, a source table name, ; or end of input after REPLICATE Issues, found "REPLICATE" (missing ; between statements?)`},
		// REPLICATE.
		{"\n\n  REPLICATE  WITH DropTable", `3:14: expected table name after REPLICATE, found "WITH"`},
		{"REPLICATE", `1:10: expected table name after REPLICATE, found end of input`},
		{"REPLICATE PROD.;", `1:16: expected table name after PROD., found ";"`},
		{"REPLICATE A 3", `1:13: expected a column list (…), WITH, SELECT, a source table name, ; or end of input after REPLICATE A, found "3"`},
		{"REPLICATE A WITH DropTable 3", `1:28: expected ",", SELECT, a source table name, ; or end of input after REPLICATE A, found "3"`},
		{"REPLICATE A (Id INT) 3", `1:22: expected WITH, SELECT, a source table name, ; or end of input after REPLICATE A, found "3"`},
		{"REPLICATE A B C", `1:15: expected ; or end of input after the source table B, found "C"`},
		{"REPLICATE A SELECT * FROM B ORDER BY Id", `1:29: expected WHERE, ; or end of input after FROM B, found "ORDER"`},
		{"REPLICATE A SELECT * FROM B WHERE a = 1 LIMIT 5", `1:41: expected AND, OR, ; or end of input after the WHERE condition, found "LIMIT"`},
		// Column lists.
		{"REPLICATE A ()", `1:14: expected column name or PRIMARY KEY in the column list, found ")"`},
		{"REPLICATE A (Id)", `1:16: expected a type after column Id, found ")"`},
		{"REPLICATE A (Id FOO)", `1:17: column Id: unknown column type "FOO": use BIGINT, DOUBLE, BOOLEAN, TEXT, DATE, TIMESTAMP or JSON`},
		{"REPLICATE A (Id INT Name TEXT)", `1:17: column Id: unknown column type "INT NAME TEXT": use BIGINT, DOUBLE, BOOLEAN, TEXT, DATE, TIMESTAMP or JSON`},
		{"REPLICATE A (Id VARCHAR(x))", `1:25: expected an integer in the type of column Id, found "x"`},
		{"REPLICATE A (Id VARCHAR(1.5))", `1:25: expected an integer in the type of column Id, found "1.5"`},
		{"REPLICATE A (Id VARCHAR(99999999999999999999))", `1:25: type size 99999999999999999999 of column Id is too large`},
		{"REPLICATE A (Id DECIMAL(1,2,3))", `1:28: expected ")" after the type size of column Id, found ","`},
		{"REPLICATE A (Id INT, id TEXT)", `1:22: column id is defined twice`},
		{"REPLICATE A (Id INT PRIMARY)", `1:28: expected KEY after PRIMARY, found ")"`},
		{"REPLICATE A (Id INT NOT)", `1:24: expected NULL after NOT in a column definition, found ")"`},
		{"REPLICATE A (Id INT PRIMARY KEY, Key2 INT PRIMARY KEY)", `1:43: columns Id and Key2 are both marked PRIMARY KEY: for a composite key write PRIMARY KEY (Id, Key2) after the columns`},
		{"REPLICATE A (PRIMARY KEY (a), Id INT PRIMARY KEY)", `1:38: PRIMARY KEY given both on column Id and for the table: keep one`},
		{"REPLICATE A (Id INT PRIMARY KEY, PRIMARY KEY (a))", `1:34: PRIMARY KEY given both on column Id and for the table: keep one`},
		{"REPLICATE A (PRIMARY KEY (a), PRIMARY KEY (b))", `1:31: PRIMARY KEY given twice (first at 1:14)`},
		{"REPLICATE A (PRIMARY KEY a)", `1:26: expected "(" after PRIMARY KEY, found "a"`},
		{"REPLICATE A (PRIMARY KEY ())", `1:27: expected column name in PRIMARY KEY, found ")"`},
		{"REPLICATE A (PRIMARY KEY (a, A))", `1:30: column A is listed twice in PRIMARY KEY`},
		{"REPLICATE A (PRIMARY KEY (a b))", `1:29: expected ")" or "," in PRIMARY KEY (…), found "b"`},
		{"REPLICATE A (Id INT; REPLICATE B", `1:20: expected ")" or "," in the column list, found ";"`},
		// WITH options.
		{"REPLICATE A WITH", `1:17: expected option name after WITH, found end of input`},
		{"REPLICATE A WITH DropTable,", `1:28: expected option name after ",", found end of input`},
		{"REPLICATE A WITH TrunateTable=True", `1:18: unknown option TrunateTable: did you mean TruncateTable?`},
		{"REPLICATE A WITH batchsise=5", `1:18: unknown option batchsise: did you mean BatchSize?`},
		{"REPLICATE A WITH Incremental='x'", `1:18: unknown option Incremental: did you mean IncrementalCheckColumns?`},
		{"REPLICATE A WITH Foo=1", `1:18: unknown option Foo: valid options are AlterSchema, AutoTruncateStrings, BatchSize, CacheSchema, CommandTimeout, CommentRecheckDays, ContinueOnError, DropTable, IncrementalCheckColumns, OtherCacheOptions, ReplicateInterval, ReplicateIntervalUnit, ReplicateStartDate, SkipDeleted, TableNamePrefix, TruncateTable, UpdateMode, UseGmtDateTime, Verbosity`},
		{"REPLICATE A WITH ScheduledCron='* * * * *'", `1:18: ScheduledCron is a job setting, not a REPLICATE option: set it in the job configuration`},
		{"REPLICATE A WITH REPAIR", `1:18: WITH REPAIR belongs to CHECKCACHE, not REPLICATE`},
		{"REPLICATE A WITH DropTable, droptable=False", `1:29: option DropTable given twice (first at 1:18)`},
		{"REPLICATE A WITH TruncateTable, TruncateTableData", `1:33: option TruncateTable given twice (first at 1:18)`},
		{"REPLICATE A WITH DropTable=maybe", `1:28: option DropTable takes True or False, found 'maybe'`},
		{"REPLICATE A WITH SkipDeleted=1", `1:30: option SkipDeleted takes True or False, found '1'`},
		{"REPLICATE A WITH BatchSize", `1:18: option BatchSize needs a value: BatchSize=1`},
		{"REPLICATE A WITH BatchSize=0", `1:28: option BatchSize takes an integer from 1 to 1000000, found '0'`},
		{"REPLICATE A WITH BatchSize=-5", `1:28: option BatchSize takes an integer from 1 to 1000000, found '-5'`},
		{"REPLICATE A WITH BatchSize='1e3'", `1:28: option BatchSize takes an integer from 1 to 1000000, found '1e3'`},
		{"REPLICATE A WITH Verbosity=5", `1:28: option Verbosity takes an integer from 1 to 4, found '5'`},
		{"REPLICATE A WITH CommandTimeout=-1", `1:33: option CommandTimeout takes an integer from 0 to 86400, found '-1'`},
		{"REPLICATE A WITH ReplicateInterval=0", `1:36: option ReplicateInterval takes an integer from 1 to 100000, found '0'`},
		{"REPLICATE A WITH ReplicateStartDate", `1:18: option ReplicateStartDate needs a value: ReplicateStartDate='2024-01-01'`},
		{"REPLICATE A WITH ReplicateStartDate='2024-13-01'", `1:37: option ReplicateStartDate takes a date 'yyyy-MM-dd' (or 'yyyy-MM-dd HH:mm:ss', or an integer id), found '2024-13-01'`},
		{"REPLICATE A WITH ReplicateStartDate='01/02/2024'", `1:37: option ReplicateStartDate takes a date 'yyyy-MM-dd' (or 'yyyy-MM-dd HH:mm:ss', or an integer id), found '01/02/2024'`},
		{"REPLICATE A WITH ReplicateStartDate='9999-12-31T23:00:00-05:00'", `1:37: option ReplicateStartDate takes a date 'yyyy-MM-dd' (or 'yyyy-MM-dd HH:mm:ss', or an integer id), found '9999-12-31T23:00:00-05:00'`},
		{"REPLICATE A WITH ReplicateIntervalUnit=fortnights", `1:40: option ReplicateIntervalUnit takes minutes, hours, days, weeks, months or years, found 'fortnights'`},
		{"REPLICATE A WITH ReplicateIntervalUnit", `1:18: option ReplicateIntervalUnit needs a value: ReplicateIntervalUnit=days`},
		{"REPLICATE A WITH TableNamePrefix=''", `1:34: option TableNamePrefix takes a non-empty string without control characters, found ''`},
		{"REPLICATE A WITH TableNamePrefix", `1:18: option TableNamePrefix needs a value: TableNamePrefix='…'`},
		{"REPLICATE A WITH IncrementalCheckColumns='a,,b'", `1:42: option IncrementalCheckColumns takes a comma-separated list of column names, e.g. 'Updated' or 'Updated,Created', found 'a,,b'`},
		{"REPLICATE A WITH IncrementalCheckColumns='Updated, updated'", `1:42: option IncrementalCheckColumns lists column updated twice`},
		{"REPLICATE A WITH IncrementalCheckColumns", `1:18: option IncrementalCheckColumns needs a value: IncrementalCheckColumns='Updated'`},
		{"REPLICATE A WITH BatchSize=-x", `1:29: expected a number after - in the value of BatchSize, found "x"`},
		{"REPLICATE A WITH BatchSize=(1)", `1:28: expected a value after BatchSize=, found "("`},
		{"REPLICATE A WITH TableNamePrefix= SELECT * FROM B", `1:35: expected a value after TableNamePrefix=, found "SELECT"`},
		// SELECT.
		{"REPLICATE A SELECT FROM B", `1:20: expected column name, * or expression after "SELECT", found "FROM"`},
		{"REPLICATE A SELECT a, FROM B", `1:23: expected column name, * or expression after ",", found "FROM"`},
		{"REPLICATE A SELECT a b c FROM B", `1:24: expected "," or FROM after the select list, found "c"`},
		{"REPLICATE A SELECT *", `1:21: expected "," or FROM after the select list, found end of input`},
		{"REPLICATE A SELECT * FROM", `1:26: expected table name after FROM, found end of input`},
		{"REPLICATE A SELECT a AS FROM B", `1:25: expected alias after AS, found "FROM"`},
		{"REPLICATE A SELECT * FROM B WHERE", `1:34: expected expression after "WHERE", found end of input`},
		{"REPLICATE A SELECT * FROM B WHERE a =", `1:38: expected expression after "=", found end of input`},
		{"REPLICATE A SELECT * FROM B WHERE a = 1 AND", `1:44: expected expression after "AND", found end of input`},
		{"REPLICATE A SELECT * FROM B WHERE a = 1 OR ;", `1:44: expected expression after "OR", found ";"`},
		{"REPLICATE A SELECT * FROM B WHERE NOT", `1:38: expected expression after "NOT", found end of input`},
		{"REPLICATE A SELECT * FROM B WHERE a IS 1", `1:40: expected NULL after IS, found "1"`},
		{"REPLICATE A SELECT * FROM B WHERE a IS NOT 1", `1:44: expected NULL after IS NOT, found "1"`},
		{"REPLICATE A SELECT * FROM B WHERE a NOT = 1", `1:41: expected IN, BETWEEN or LIKE after NOT, found "="`},
		{"REPLICATE A SELECT * FROM B WHERE a IN 1", `1:40: expected "(" after IN, found "1"`},
		{"REPLICATE A SELECT * FROM B WHERE a IN ()", `1:41: expected value after "(", found ")"`},
		{"REPLICATE A SELECT * FROM B WHERE a IN (1 2)", `1:43: expected ")" or "," in the IN list, found "2"`},
		{"REPLICATE A SELECT * FROM B WHERE a BETWEEN 1 OR 2", `1:47: expected AND between the bounds of BETWEEN, found "OR"`},
		{"REPLICATE A SELECT * FROM B WHERE a LIKE", `1:41: expected expression after "LIKE", found end of input`},
		{"REPLICATE A SELECT * FROM B WHERE a = - b", `1:41: expected a number after -, found "b"`},
		{"REPLICATE A SELECT * FROM B WHERE (a = 1", `1:41: expected ")" to close (, found end of input`},
		{"REPLICATE A SELECT * FROM B WHERE a = 1e999", `1:39: number 1e999 is out of range`},
		{"REPLICATE A SELECT * FROM B WHERE B. = 1", `1:38: expected column name after B., found "="`},
		{"REPLICATE A SELECT * FROM B WHERE f(1 2)", `1:39: expected ")" or "," in the arguments of F, found "2"`},
		{"REPLICATE A SELECT * FROM B WHERE f(,)", `1:37: expected argument of F after "(", found ","`},
		{"REPLICATE A SELECT * FROM B WHERE a = SELECT", `1:39: expected expression after "=", found "SELECT"`},
		{"REPLICATE A SELECT * FROM B WHERE " + strings.Repeat("(", 300) + "a", `1:235: expression nested too deeply (more than 200 levels)`},
		{"REPLICATE A SELECT * FROM B WHERE " + strings.Repeat("NOT ", 300) + "a", `1:835: expression nested too deeply (more than 200 levels)`},
		{"REPLICATE A SELECT * FROM B WHERE " + strings.Repeat("f(", 300) + "a", `1:235: expression nested too deeply (more than 200 levels)`},
		// CHECKCACHE.
		{"CHECKCACHE", `1:11: expected table name after CHECKCACHE, found end of input`},
		{"CHECKCACHE A AGAINST", `1:21: expected source table name or (SELECT …) after AGAINST, found end of input`},
		{"CHECKCACHE A AGAINST (B)", `1:23: expected SELECT after AGAINST (, found "B"`},
		{"CHECKCACHE A AGAINST (SELECT * FROM B WITH REPAIR", `1:39: expected ")" to close AGAINST (SELECT …, found "WITH"`},
		{"CHECKCACHE A WITH DropTable", `1:19: expected REPAIR after WITH (CHECKCACHE takes only WITH REPAIR), found "DropTable"`},
		{"CHECKCACHE A SKIP ALL", `1:19: expected MODIFIED or DELETED after SKIP, found "ALL"`},
		{"CHECKCACHE A START 'yesterday'", `1:20: START takes a date 'yyyy-MM-dd' or a function such as DATEADD(DAY, -3, CURRENT_DATE()), found 'yesterday'`},
		{"CHECKCACHE A END 3", `1:18: END takes a date 'yyyy-MM-dd' or a function such as DATEADD(DAY, -3, CURRENT_DATE()), found 3`},
		{"CHECKCACHE A START", `1:19: expected expression after "START", found end of input`},
		{"CHECKCACHE A B", `1:14: expected AGAINST, WITH REPAIR, SKIP, START, END, WHERE, ; or end of input after CHECKCACHE A, found "B"`},
		{"CHECKCACHE A WITH REPAIR AGAINST B", `1:26: expected SKIP, START, END, WHERE, ; or end of input after CHECKCACHE A, found "AGAINST"`},
		{"CHECKCACHE A END LAST_MONTH() START '2024-01-01'", `1:31: expected WHERE, ; or end of input after CHECKCACHE A, found "START"`},
		{"CHECKCACHE A WHERE a = 1 b", `1:26: expected AND, OR, ; or end of input after the WHERE condition, found "b"`},
	}
	for _, tt := range tests {
		_, err := Parse("", tt.src)
		var list ErrorList
		if !errors.As(err, &list) {
			t.Errorf("Parse(%q): error %v, want %s", tt.src, err, tt.want)
			continue
		}
		checkErrors(t, tt.src, err)
		if got := list[0].Error(); got != tt.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestParseAPI(t *testing.T) {
	for _, src := range []string{"", "  \n", "-- only a comment", ";;;", "/* */ ;"} {
		stmts, err := Parse("empty.sql", src)
		if stmts != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nothing", src, stmts, err)
		}
	}
	stmts, err := Parse("", "REPLICATE Issues; CHECKCACHE PROD.Issues AGAINST Issues WITH REPAIR")
	if err != nil || len(stmts) != 2 {
		t.Fatalf("Parse = %v, %v", stmts, err)
	}
	r, ok := stmts[0].(*Replicate)
	if !ok || r.Source.Name != "Issues" || r.Dest.Name != "Issues" || r.Select != nil || r.Columns != nil || r.PrimaryKey != nil || r.Options != nil {
		t.Errorf("REPLICATE Issues = %#v", stmts[0])
	}
	c, ok := stmts[1].(*CheckCache)
	if !ok || c.Table.Schema != "PROD" || c.Against.String() != "Issues" || !c.Repair || c.Skip != SkipNone {
		t.Errorf("CHECKCACHE = %#v", stmts[1])
	}
}

// TestSource checks which table a REPLICATE reads from.
func TestSource(t *testing.T) {
	tests := []struct{ src, dest, source, canonical string }{
		{"REPLICATE Issues", "Issues", "Issues", "REPLICATE Issues"},
		{"REPLICATE PROD.Issues", "PROD.Issues", "Issues", "REPLICATE PROD.Issues"},
		{"REPLICATE PROD_Issues Issues", "PROD_Issues", "Issues", "REPLICATE PROD_Issues Issues"},
		{"REPLICATE Issues Issues", "Issues", "Issues", "REPLICATE Issues"},
		{"REPLICATE PROD.Issues Backlog.Issues", "PROD.Issues", "Backlog.Issues", "REPLICATE PROD.Issues Backlog.Issues"},
		{"REPLICATE PROD.Issues SELECT * FROM Issues", "PROD.Issues", "Issues", "REPLICATE PROD.Issues SELECT * FROM Issues"},
		{"REPLICATE [p].[i] WITH DropTable=true [i]", "p.i", "i", "REPLICATE p.i WITH DropTable=True"},
	}
	for _, tt := range tests {
		stmts, err := Parse("", tt.src)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		r := stmts[0].(*Replicate)
		if r.Dest.String() != tt.dest || r.Source.String() != tt.source || r.String() != tt.canonical {
			t.Errorf("%s: dest %s source %s prints %s; want %s, %s, %s", tt.src, r.Dest, r.Source, r, tt.dest, tt.source, tt.canonical)
		}
	}
}

func TestSelectItems(t *testing.T) {
	stmts, err := Parse("", "REPLICATE T SELECT *, Id, Summary AS S, Key K, t.StatusId, CONCAT(a, b) AS Full, 1 FROM T")
	if err != nil {
		t.Fatal(err)
	}
	sel := stmts[0].(*Replicate).Select
	var names []string
	for _, it := range sel.Columns {
		names = append(names, it.Name())
	}
	if want := []string{"", "Id", "S", "K", "StatusId", "Full", ""}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if sel.Star() {
		t.Error("Star() with more than *")
	}
	stmts, _ = Parse("", "REPLICATE T SELECT * FROM T")
	if !stmts[0].(*Replicate).Select.Star() {
		t.Error("Star() = false for SELECT *")
	}
}

// TestCaseInsensitive: keywords and option names in any case, identifiers
// keep theirs.
func TestCaseInsensitive(t *testing.T) {
	a, err := Parse("", "rEpLiCaTe MyTable (iD iNt pRiMaRy kEy) wItH dRoPtAbLe=tRuE sElEcT iD aS X fRoM sRc wHeRe A iS nOt NuLl AnD b NoT iN (1) oR c BeTwEeN 1 aNd 2 Or d NoT lIkE 'X'")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("", "REPLICATE MyTable (iD INT PRIMARY KEY) WITH DropTable=True SELECT iD AS X FROM sRc WHERE A IS NOT NULL AND b NOT IN (1) OR c BETWEEN 1 AND 2 OR d NOT LIKE 'X'")
	if err != nil {
		t.Fatal(err)
	}
	if a[0].String() != b[0].String() {
		t.Errorf("\n%s\n%s", a[0], b[0])
	}
	if want := "REPLICATE MyTable (iD INT, PRIMARY KEY (iD)) WITH DropTable=True SELECT iD AS X FROM sRc WHERE A IS NOT NULL AND b NOT IN (1) OR c BETWEEN 1 AND 2 OR d NOT LIKE 'X'"; a[0].String() != want {
		t.Errorf("got  %s\nwant %s", a[0], want)
	}
}

func TestQuoteIdent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Issues", "Issues"}, {"_x1", "_x1"}, {"課題", "課題"}, {"1st", "[1st]"}, {"a b", "[a b]"},
		{"select", "[select]"}, {"Replicate", "[Replicate]"}, {"a]b", "[a]]b]"}, {"", "[]"}, {"Key", "Key"},
	}
	for _, tt := range tests {
		if got := quoteIdent(tt.in); got != tt.want {
			t.Errorf("quoteIdent(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
