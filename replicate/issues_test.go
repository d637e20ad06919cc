package replicate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/emulator"
)

// hookDest calls before(n) ahead of the n-th Write (from 1); an error
// returned fails that Write without applying it, as a crash would.
type hookDest struct {
	backlogsync.Destination
	mu     sync.Mutex
	n      int
	before func(n int) error
}

// WriteAll implements backlogsync.MultiWriter; it counts as one Write.
func (d *hookDest) WriteAll(ctx context.Context, batches []backlogsync.Batch) ([]backlogsync.WriteResult, error) {
	if err := d.hook(); err != nil {
		return nil, err
	}
	return writeAll(ctx, d.Destination, batches)
}

func (d *hookDest) Write(ctx context.Context, b backlogsync.Batch) (backlogsync.WriteResult, error) {
	if err := d.hook(); err != nil {
		return backlogsync.WriteResult{}, err
	}
	return d.Destination.Write(ctx, b)
}

// hook counts a write and calls before with its number.
func (d *hookDest) hook() error {
	d.mu.Lock()
	d.n++
	n := d.n
	d.mu.Unlock()
	if d.before != nil {
		return d.before(n)
	}
	return nil
}

// smallBatches are familyStatements with batch sizes far below a page's
// rows: the family still writes a page's rows of all its tables together
// (a comment stored without its change log would never be read again).
const smallBatches = `REPLICATE Issues WITH BatchSize=7; REPLICATE IssueComments WITH BatchSize=5;
REPLICATE IssueCommentChangeLog WITH BatchSize=3; REPLICATE IssueCategories; REPLICATE IssueCustomFieldValues;
REPLICATE IssueParticipants WITH BatchSize=2;`

// familyStatements replicate Issues and the tables read with it.
const familyStatements = `REPLICATE Issues; REPLICATE IssueComments; REPLICATE IssueCommentChangeLog;
REPLICATE IssueCategories; REPLICATE IssueCustomFieldValues; REPLICATE IssueParticipants;`

// countPaths counts the emulator requests made during f by path suffix.
func countPaths(e *env, f func()) map[string]int {
	n0 := len(e.srv.Requests())
	f()
	out := map[string]int{}
	for _, r := range e.srv.Requests()[n0:] {
		p := strings.TrimPrefix(r.Path, "/api/v2/")
		switch {
		case p == "issues" || p == "issues/count" || p == "projects" || p == "space/activities" || p == "space":
			out[p]++
		case strings.HasSuffix(p, "/comments"):
			out["comments"]++
		default:
			out["other"]++
		}
	}
	return out
}

func withWindowTarget(t *testing.T, n int) {
	old := windowTarget
	windowTarget = n
	t.Cleanup(func() { windowTarget = old })
}

// withGroups sets the size of a first load's write groups for one test.
func withGroups(t *testing.T, issues, rows int) {
	oldI, oldR := groupIssues, groupRows
	groupIssues, groupRows = issues, rows
	t.Cleanup(func() { groupIssues, groupRows = oldI, oldR })
}

// TestLoadGroupsAreBoundedByRows checks that a group of a first load is
// written once its rows reach groupRows, however few issues it holds.
func TestLoadGroupsAreBoundedByRows(t *testing.T) {
	ctx := context.Background()
	size := testSize
	size.Issues, size.Comments = 600, 1200
	writes := map[int]int{}
	for _, rows := range []int{1 << 30, 400} {
		withGroups(t, 1<<30, rows)
		e := newEnv(t, size, 51)
		hd := &hookDest{Destination: e.dest}
		e.eng.Dest = hd
		if _, err := e.eng.Run(ctx, parse(t, familyStatements)); err != nil {
			t.Fatal(err)
		}
		writes[rows] = hd.n
		e.checkEqualTables(t, "Issues", "IssueComments", "IssueCommentChangeLog", "IssueCategories", "IssueCustomFieldValues", "IssueParticipants")
	}
	// 600 issues in pages of 100 with about 5,000 family rows: groups of
	// at most 400 rows are written after every page or so, one group is
	// written at the end of the window otherwise.
	if writes[400] < writes[1<<30]+4 {
		t.Errorf("writes with groups of 400 rows: %d, unbounded: %d; want at least 4 more", writes[400], writes[1<<30])
	}
	t.Logf("writes: %v", writes)
}

func familyCheckpoint(t *testing.T, e *env) issuesState {
	t.Helper()
	v, ok, err := e.dest.Checkpoint(context.Background(), "test/demo/Issues", checkpointKey)
	if err != nil || !ok {
		t.Fatalf("no Issues checkpoint: %v", err)
	}
	var s issuesState
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIssuesLoadInWindows(t *testing.T) {
	withWindowTarget(t, 200)
	ctx := context.Background()
	size := testSize
	size.Issues, size.Comments = 1000, 1500
	e := newEnv(t, size, 21)
	var err error
	got := countPaths(e, func() { _, err = e.eng.Run(ctx, parse(t, familyStatements)) })
	if err != nil {
		t.Fatal(err)
	}
	// Windows of at most 200 issues: at least 5, each paged to its count
	// and counted twice at most (planned, checked), and no empty page.
	if got["issues/count"] < 6 || got["issues/count"] > 2*12 {
		t.Errorf("count calls %d", got["issues/count"])
	}
	// ceil(1000/100) pages plus one partial page per window, plus the
	// one-issue read for the first creation date.
	if got["issues"] < 10 || got["issues"] > 10+12+1 {
		t.Errorf("issue list calls %d, want 10 pages plus at most one partial page per window", got["issues"])
	}
	if s := familyCheckpoint(t, e); s.Phase != phaseIncremental || s.Updated.IsZero() || s.ActivityID == 0 || len(s.Windows) != 0 {
		t.Errorf("state after the load: %+v", s)
	}
	e.checkEqualTables(t, "Issues", "IssueComments", "IssueCommentChangeLog", "IssueCategories", "IssueCustomFieldValues", "IssueParticipants")
	t.Logf("first load: %v", got)
}

func TestIssuesLoadResumesAtPage(t *testing.T) {
	// Groups of two pages, written while the next are read, and windows
	// that end mid-group.
	withWindowTarget(t, 250)
	withGroups(t, 200, groupRows)
	ctx := context.Background()
	size := testSize
	size.Issues, size.Comments = 600, 600
	for seed := range 4 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			e := newEnv(t, size, 31)
			hd := &hookDest{Destination: e.dest}
			e.eng.Dest = hd
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			crashes := 0
			total := map[string]int{}
			for attempt := 0; ; attempt++ {
				at := hd.n + 1 + rng.IntN(6)
				hd.before = func(n int) error {
					if n == at && attempt < 3 {
						return errors.New("crash")
					}
					return nil
				}
				var err error
				for k, v := range countPaths(e, func() { _, err = e.eng.Run(ctx, parse(t, smallBatches)) }) {
					total[k] += v
				}
				if err == nil {
					break
				}
				if !strings.Contains(err.Error(), "crash") {
					t.Fatal(err)
				}
				crashes++
				s := familyCheckpoint(t, e)
				if s.Phase != phaseLoad && s.Phase != phaseIncremental {
					t.Fatalf("state after crash %d: %+v", crashes, s)
				}
			}
			// Each crash costs at most the group it interrupted, the group
			// written meanwhile and the pages read ahead.
			perCrash := 2*groupIssues/pageSize + prefetchPages
			if pages := total["issues"]; pages > 6+4+1+crashes*perCrash {
				t.Errorf("%d crashes: %d issue pages in total, want at most %d", crashes, pages, 6+4+1+crashes*perCrash)
			}
			if crashes == 0 {
				t.Errorf("no crash happened: the test proves nothing")
			}
			e.checkEqualTables(t, "Issues", "IssueComments", "IssueCommentChangeLog", "IssueCategories", "IssueCustomFieldValues", "IssueParticipants")
			runs, _ := e.dest.Runs(ctx, "test", 0)
			if len(runs) != crashes+1 || runs[0].Status != backlogsync.RunOK {
				t.Errorf("runs: %d recorded, newest %s; want %d", len(runs), runs[0].Status, crashes+1)
			}
			t.Logf("%d crashes, requests %v", crashes, total)
		})
	}
}

// deleteIssue deletes an issue through the emulator's HTTP API.
func (e *env) deleteIssue(t *testing.T, id int64) {
	t.Helper()
	req, _ := http.NewRequest("DELETE", fmt.Sprintf("http://127.0.0.1/api/v2/issues/%d?apiKey=%s", id, e.srv.AdminAPIKey()), nil)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("DELETE issue %d: %d", id, resp.StatusCode)
	}
}

func TestIssuesWindowChangedWhileReadIsReadAgain(t *testing.T) {
	withWindowTarget(t, 300)
	ctx := context.Background()
	size := testSize
	size.Issues, size.Comments = 600, 0
	e := newEnv(t, size, 41)
	// The first stored issue, deleted once three pages are stored: the
	// rest of its window shifts up by one and a page boundary would skip
	// an issue without the count check.
	var firstID int64
	hd := &hookDest{Destination: e.dest}
	hd.before = func(n int) error {
		if n == 3 {
			e.deleteIssue(t, firstID)
		}
		return nil
	}
	e.eng.Dest = hd
	e.eng.Progress = func(p Progress) {}
	got := countPaths(e, func() {
		q, _ := http.NewRequest("GET", "http://127.0.0.1/api/v2/issues?sort=created&order=asc&count=1&apiKey="+e.srv.AdminAPIKey(), nil)
		resp, err := e.srv.Client().Do(q)
		if err != nil {
			t.Fatal(err)
		}
		var list []struct{ ID int64 }
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		firstID = list[0].ID
		if _, err := e.eng.Run(ctx, parse(t, "REPLICATE Issues;")); err != nil {
			t.Fatal(err)
		}
	})
	if got["issues"] < 6+3 {
		t.Errorf("issue pages %d: the changed window was not read again", got["issues"])
	}
	// Every issue that exists is stored; the deleted one goes with the
	// next run (its deletion is in the activity feed).
	if _, err := e.eng.Run(ctx, parse(t, "REPLICATE Issues;")); err != nil {
		t.Fatal(err)
	}
	e.checkEqualTables(t, "Issues")
}

func TestIssuesIncrementalFamily(t *testing.T) {
	ctx := context.Background()
	size := testSize
	size.Issues, size.Comments = 600, 1200
	e := newEnv(t, size, 51)
	stmts := parse(t, familyStatements)
	first := countPaths(e, func() {
		if _, err := e.eng.Run(ctx, stmts); err != nil {
			t.Fatal(err)
		}
	})
	rep := e.srv.Churn(60, 9)
	touched := map[int64]bool{}
	for _, id := range append(append(rep.IssuesCreated, rep.IssuesUpdated...), rep.IssuesDeleted...) {
		touched[id] = true
	}
	second := countPaths(e, func() {
		if _, err := e.eng.Run(ctx, stmts); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("first %v; after churn of %d issues: %v", first, len(touched), second)
	// One page of changed issues, comments and participants per changed
	// issue, the feed, the project list.
	if second["issues"] > 2 || second["comments"] > len(touched) || second["other"] > len(touched) {
		t.Errorf("incremental requests %v for %d touched issues", second, len(touched))
	}
	e.checkEqualTables(t, "Issues", "IssueComments", "IssueCommentChangeLog", "IssueCategories", "IssueCustomFieldValues", "IssueParticipants")
	// A third run with no change reads the feed and one page, nothing per issue.
	third := countPaths(e, func() {
		if _, err := e.eng.Run(ctx, stmts); err != nil {
			t.Fatal(err)
		}
	})
	if third["comments"] != 0 || third["other"] != 0 || third["issues"] > 1 {
		t.Errorf("run without changes: %v", third)
	}
}

func TestIssuesFamilyPoisonedCursorReloads(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, emulator.Size{Projects: 1, Users: 3, Issues: 50, Comments: 60}, 3)
	stmts := parse(t, "REPLICATE Issues; REPLICATE IssueComments;")
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []string{"Issues", "IssueComments"} {
		if _, err := e.dest.Write(ctx, backlogsync.Batch{Checkpoint: &backlogsync.Checkpoint{Scope: "test/demo/" + tb, Key: checkpointKey,
			Value: `{"phase":"incremental","updated":"2999-01-01T00:00:00Z","activityId":1}`}}); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.Churn(20, 4)
	var logs strings.Builder
	e.eng.Logger = newLogger(&logs)
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "poisoned cursor") {
		t.Errorf("no warning:\n%s", logs.String())
	}
	e.checkEqualTables(t, "Issues", "IssueComments")
	if s := familyCheckpoint(t, e); s.Phase != phaseIncremental || s.Updated.Year() > 2900 {
		t.Errorf("state %+v", s)
	}
}

func TestIssuesWhereRowsLeaveTheFilter(t *testing.T) {
	ctx := context.Background()
	size := testSize
	size.Issues, size.Comments = 400, 400
	e := newEnv(t, size, 61)
	stmts := parse(t, "REPLICATE OpenIssues SELECT Id, Summary, StatusId, Updated FROM Issues WHERE StatusId <> 4 AND ProjectId > 0;\n"+
		"REPLICATE ByMonth WITH ReplicateInterval=2, ReplicateIntervalUnit='months' SELECT * FROM IssueCategories;")
	check := func() {
		t.Helper()
		want := map[int64]bool{}
		if err := fetchIssues(ctx, e, func(id, status int64) {
			if status != 4 {
				want[id] = true
			}
		}); err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		e.dest.Query(ctx, "OpenIssues", backlogsync.Query{Columns: []string{"Id", "StatusId"}}, func(r backlogsync.Row) error {
			if r[1].(int64) == 4 {
				t.Errorf("closed issue %d stored", r[0])
			}
			got[r[0].(int64)] = true
			return nil
		})
		if len(got) != len(want) {
			t.Errorf("OpenIssues holds %d issues, want %d", len(got), len(want))
		}
		for id := range want {
			if !got[id] {
				t.Errorf("open issue %d missing", id)
				break
			}
		}
	}
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	check()
	rep := e.srv.Churn(80, 12)
	if rep.Counts[emulator.ChurnCloseIssue] == 0 {
		t.Fatalf("churn closed no issue: %v", rep.Counts)
	}
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	check()
	n := 0
	e.dest.Query(ctx, "ByMonth", backlogsync.Query{}, func(backlogsync.Row) error { n++; return nil })
	if n == 0 {
		t.Error("ByMonth is empty")
	}
}

// fetchIssues calls fn with each issue's id and status from the API.
func fetchIssues(ctx context.Context, e *env, fn func(id, status int64)) error {
	return catalogFetch(ctx, e, "Issues", func(r backlogsync.Row) {
		t, _ := catalog.Lookup("Issues")
		_, id := t.Column("Id")
		_, st := t.Column("StatusId")
		fn(r[id].(int64), r[st].(int64))
	})
}

func catalogFetch(ctx context.Context, e *env, table string, fn func(backlogsync.Row)) error {
	return catalog.Fetch(ctx, e.client, table, catalog.Query{Account: "demo"}, func(r backlogsync.Row) error {
		fn(r)
		return nil
	})
}

func TestIssuesWhereProjectReadsOneProject(t *testing.T) {
	ctx := context.Background()
	size := testSize
	size.Projects, size.Issues, size.Comments = 3, 600, 0
	e := newEnv(t, size, 71)
	var pid int64
	catalogFetch(ctx, e, "Projects", func(r backlogsync.Row) {
		if pid == 0 {
			pid = r[1].(int64)
		}
	})
	var n int
	got := countPaths(e, func() {
		res, err := e.eng.Run(ctx, parse(t, fmt.Sprintf("REPLICATE PROD_Issues SELECT * FROM Issues WHERE ProjectId = %d;", pid)))
		if err != nil {
			t.Fatal(err)
		}
		n = int(res.Tables[0].Inserted)
	})
	want := 0
	fetchIssuesOf(ctx, e, pid, func() { want++ })
	if n != want || want == 0 {
		t.Fatalf("inserted %d issues of project %d, want %d", n, pid, want)
	}
	if limit := (want+99)/100 + 1; got["issues"] > limit {
		t.Errorf("%d issue pages for %d issues of one project: the other projects were read", got["issues"], want)
	}
}

func fetchIssuesOf(ctx context.Context, e *env, pid int64, fn func()) {
	catalog.Fetch(ctx, e.client, "Issues", catalog.Query{Account: "demo", Where: []catalog.Predicate{catalog.Eq("ProjectId", pid)}},
		func(backlogsync.Row) error { fn(); return nil })
}

func TestProgressReportsEveryTable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, emulator.Size{Projects: 1, Users: 3, Issues: 250, Comments: 100}, 5)
	var mu sync.Mutex
	phases := map[string][]Phase{}
	last := map[string]Progress{}
	e.eng.Progress = func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		phases[p.Table] = append(phases[p.Table], p.Phase)
		last[p.Table] = p
	}
	res, err := e.eng.Run(ctx, parse(t, "REPLICATE Issues; REPLICATE IssueComments; REPLICATE Users;"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range res.Tables {
		ph := phases[rt.Table]
		if len(ph) < 2 || ph[0] != PhaseStart || ph[len(ph)-1] != PhaseDone {
			t.Errorf("%s: phases %v, want start … done", rt.Table, ph)
		}
		if got, want := last[rt.Table].Rows, rt.Inserted+rt.Updated+rt.Deleted; got != want || got == 0 {
			t.Errorf("%s: last report %d rows, run row %d", rt.Table, got, want)
		}
		if last[rt.Table].Requests == 0 {
			t.Errorf("%s: no requests reported", rt.Table)
		}
	}
	if slices.Index(phases["Issues"], PhaseLoad) < 0 || last["Issues"].Expected != 250 {
		t.Errorf("Issues: phases %v, expected %d; want load reports and 250 expected", phases["Issues"], last["Issues"].Expected)
	}
}

func TestLoadReadsCommentsOfRecentIssuesThatLookNeverUpdated(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, emulator.Size{Projects: 1, Users: 3, Issues: 40, Comments: 0}, 6)
	// Churn at the server's clock: new issues commented in the second they
	// were created have Updated == Created.
	rep := e.srv.ChurnWith(60, emulator.ChurnOptions{Seed: 2, Mix: emulator.ChurnMix{emulator.ChurnCreateIssue: 1, emulator.ChurnComment: 3}})
	if rep.Counts[emulator.ChurnComment] == 0 {
		t.Fatalf("churn: %v", rep.Counts)
	}
	if _, err := e.eng.Run(ctx, parse(t, "REPLICATE Issues; REPLICATE IssueComments;")); err != nil {
		t.Fatal(err)
	}
	e.checkEqualTables(t, "Issues", "IssueComments")
}

// TestIssuesStartDateReadsOnlyNewerIssues checks that ReplicateStartDate
// narrows the issue list read (createdSince), not only the rows kept.
func TestIssuesStartDateReadsOnlyNewerIssues(t *testing.T) {
	for _, target := range []int{40000, 60} {
		t.Run(fmt.Sprint("windows of ", target), func(t *testing.T) {
			withWindowTarget(t, target)
			ctx := context.Background()
			size := testSize
			size.Projects, size.Issues, size.Comments = 2, 800, 0
			e := newEnv(t, size, 73)
			issues, _ := catalog.Lookup("Issues")
			ci := columnIndex(&issues.Table, "Created")
			var created []time.Time
			catalogFetch(ctx, e, "Issues", func(r backlogsync.Row) {
				created = append(created, r[ci].(time.Time))
			})
			slices.SortFunc(created, func(a, b time.Time) int { return a.Compare(b) })
			start := created[len(created)*3/4].UTC().Truncate(24 * time.Hour)
			want, read := 0, 0 // kept; created since the day before start
			for _, c := range created {
				if !c.Before(start) {
					want++
				}
				if !c.Before(start.AddDate(0, 0, -1)) {
					read++
				}
			}
			var n int64
			got := countPaths(e, func() {
				res, err := e.eng.Run(ctx, parse(t, fmt.Sprintf("REPLICATE Issues WITH ReplicateStartDate='%s';", start.Format(time.DateOnly))))
				if err != nil {
					t.Fatal(err)
				}
				n = res.Tables[0].Inserted
			})
			if n != int64(want) || want == 0 || want == len(created) {
				t.Fatalf("inserted %d issues created since %s, want %d (of %d)", n, start.Format(time.DateOnly), want, len(created))
			}
			// The pages of the issues read, plus a partial page per window.
			if limit := (read+99)/100 + len(created)/target + 1; got["issues"] > limit {
				t.Errorf("%d issue pages for %d issues created since the day before %s (of %d): older issues were read (limit %d)",
					got["issues"], read, start.Format(time.DateOnly), len(created), limit)
			}
			t.Logf("start %s: %d issues kept, %d read, requests %v", start.Format(time.DateOnly), want, read, got)
		})
	}
}
