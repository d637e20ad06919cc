package replicate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

// ReplicateAll builds, as values, exactly the statements the parser
// returns for "REPLICATE T;" per missing table, positions included, and
// leaves out the tables the job's statements replicate.
func TestReplicateAllValuesEqualParsedText(t *testing.T) {
	have, err := jobsql.Parse("jobs.sql", "REPLICATE Users;\nREPLICATE X_Issues Issues;\n")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range catalog.Names() {
		if n != "Users" && n != "Issues" {
			fmt.Fprintf(&b, "REPLICATE %s;\n", n)
		}
	}
	want, err := jobsql.Parse("ReplicateAll", b.String())
	if err != nil {
		t.Fatal(err)
	}
	got := replicateAll(have)
	if len(got) != len(want) || len(got) != len(catalog.Names())-2 {
		t.Fatalf("%d statements; want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("statement %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
}

// Each account runs its own copy of the statements: its prefix and schema
// do not leak into the job's statements or another account's.
func TestJobStatementsPerAccount(t *testing.T) {
	stmts, err := jobsql.Parse("jobs.sql", "REPLICATE Users WITH TableNamePrefix='T_';")
	if err != nil {
		t.Fatal(err)
	}
	j := &Job{Statements: stmts}
	a := j.statements(Account{Name: "a", Prefix: "a_", Schema: "sa"})[0].(*jobsql.Replicate)
	b := j.statements(Account{Name: "b"})[0].(*jobsql.Replicate)
	if a.Settings.TableNamePrefix != "a_T_" || a.Settings.CacheSchema != "sa" {
		t.Errorf("account a: prefix %q, schema %q", a.Settings.TableNamePrefix, a.Settings.CacheSchema)
	}
	if b.Settings.TableNamePrefix != "T_" || b.Settings.CacheSchema != "" {
		t.Errorf("account b: prefix %q, schema %q", b.Settings.TableNamePrefix, b.Settings.CacheSchema)
	}
	if s := stmts[0].(*jobsql.Replicate).Settings; s.TableNamePrefix != "T_" || s.CacheSchema != "" {
		t.Errorf("the job's statement was changed: %+v", s)
	}
}

// Job options (a YAML config's jobs[].options) apply to every REPLICATE
// whose WITH does not set them, ReplicateAll's included; unknown names are
// ignored; a bad value fails Check; the job's statements are not changed.
func TestJobOptions(t *testing.T) {
	stmts, err := jobsql.Parse("jobs.sql", "REPLICATE Users;\nREPLICATE Projects WITH UpdateMode=Replace, BatchSize=7;")
	if err != nil {
		t.Fatal(err)
	}
	j := &Job{Statements: stmts, ReplicateAll: true, Options: []JobOption{{"update_mode", "append"}, {"BatchSize", "50"}, {"FutureOption", "x"}}}
	if err := j.Check(); err != nil {
		t.Fatal(err)
	}
	got := j.statements(Account{Name: "a"})
	users, projects, last := got[0].(*jobsql.Replicate), got[1].(*jobsql.Replicate), got[len(got)-1].(*jobsql.Replicate)
	if users.Settings.UpdateMode != jobsql.ModeAppend || users.Settings.BatchSize != 50 {
		t.Errorf("Users: %+v", users.Settings)
	}
	if projects.Settings.UpdateMode != jobsql.ModeReplace || projects.Settings.BatchSize != 7 {
		t.Errorf("the statement's WITH must win: %+v", projects.Settings)
	}
	if last.Settings.UpdateMode != jobsql.ModeAppend {
		t.Errorf("ReplicateAll's %s: %+v", last.Dest, last.Settings)
	}
	if s := stmts[0].(*jobsql.Replicate); s.Settings.UpdateMode != jobsql.ModeMerge || len(s.Options) != 0 {
		t.Errorf("the job's statement was changed: %+v", s)
	}
	j.Options = []JobOption{{"UpdateMode", "Apend"}}
	if err := j.Check(); err == nil || !strings.Contains(err.Error(), "job default: job option UpdateMode: option UpdateMode: 'Apend' is not an update mode: did you mean Append?") {
		t.Errorf("bad job option: %v", err)
	}
}
