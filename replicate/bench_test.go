package replicate

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/jobsql"
)

// Benchmarks of the issue's targets on small in-process spaces (the
// emulator answers through an in-memory transport): (a) requests / the
// theoretical minimum for a full and an incremental run, (c) issues per
// second into SQLite. cmd/backlogsync-bench measures the same with the
// emulator in another process and bigger spaces. The minimum is
// ceil(issues/100) list pages for Issues plus, for IssueComments, the sum
// of ceil(comments_i/100) over the issues that have comments.

// benchSize is the space of the benchmarks: 2,000 issues, 3 comments per
// issue on average.
var benchSize = emulator.Size{Projects: 3, Users: 12, Teams: 2, Issues: 2000, Comments: 6000}

type benchEnv struct {
	srv *emulator.Server
	dir string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	srv, err := emulator.New(emulator.Options{Seed: 1, Size: benchSize})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{srv: srv, dir: b.TempDir()}
}

// run replicates stmts into the SQLite file db and returns the requests the
// client made.
func (e *benchEnv) run(b *testing.B, db, stmts string) int64 {
	b.Helper()
	parsed, err := jobsql.Parse("bench.sql", stmts)
	if err != nil {
		b.Fatal(err)
	}
	c, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(e.srv.AdminAPIKey()), backlog.WithHTTPClient(e.srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	d, err := sqlite.Open(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	job := &Job{Name: "bench", Dest: d, Statements: parsed, Accounts: []Account{{Name: "bench", Client: c}}}
	res, err := Run(context.Background(), job, Options{Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Close(); err != nil {
		b.Fatal(err)
	}
	return c.Stats().Total().Requests
}

// commentsPerIssue counts the replicated comments per issue (only those in
// ids when ids is not nil), after checking that the replica holds as many
// issues and comments as the emulator.
func (e *benchEnv) commentsPerIssue(b *testing.B, db string, ids []int64) map[int64]int64 {
	b.Helper()
	h, err := sql.Open("sqlite", db)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	sum := e.srv.Summary()
	var issues, comments int
	if err := h.QueryRow(`SELECT (SELECT COUNT(*) FROM "Issues"), (SELECT COUNT(*) FROM "IssueComments")`).Scan(&issues, &comments); err != nil {
		b.Fatal(err)
	}
	if issues != sum.Issues || comments != sum.Comments {
		b.Fatalf("replica has %d issues and %d comments, the emulator %d and %d", issues, comments, sum.Issues, sum.Comments)
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	rows, err := h.Query(`SELECT "Id", "IssueId" FROM "IssueComments"`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, issue int64
		if err := rows.Scan(&id, &issue); err != nil {
			b.Fatal(err)
		}
		if ids == nil || want[id] {
			out[issue]++
		}
	}
	return out
}

func ceilDiv(a, n int64) int64 { return (a + n - 1) / n }

// BenchmarkFullIssues is (a) and (c) for REPLICATE Issues: a first load
// into a fresh SQLite file per iteration.
func BenchmarkFullIssues(b *testing.B) {
	e := newBenchEnv(b)
	issues := int64(e.srv.Summary().Issues)
	var requests int64
	var elapsed time.Duration
	i := 0
	for b.Loop() {
		i++
		db := filepath.Join(e.dir, fmt.Sprintf("full-%d.db", i))
		start := time.Now()
		requests += e.run(b, db, "REPLICATE Issues;")
		elapsed += time.Since(start)
	}
	minimum := ceilDiv(issues, 100)
	b.ReportMetric(float64(requests)/float64(i), "requests/op")
	b.ReportMetric(float64(requests)/float64(int64(i)*minimum), "requests/minimum")
	b.ReportMetric(float64(issues)*float64(i)/elapsed.Seconds(), "issues/s")
}

// BenchmarkFullIssueComments is (a) and (c) for Issues and IssueComments.
func BenchmarkFullIssueComments(b *testing.B) {
	e := newBenchEnv(b)
	sum := e.srv.Summary()
	var requests int64
	var elapsed time.Duration
	var last string
	i := 0
	for b.Loop() {
		i++
		last = filepath.Join(e.dir, fmt.Sprintf("comments-%d.db", i))
		start := time.Now()
		requests += e.run(b, last, "REPLICATE Issues;\nREPLICATE IssueComments;")
		elapsed += time.Since(start)
	}
	minimum := ceilDiv(int64(sum.Issues), 100)
	for _, n := range e.commentsPerIssue(b, last, nil) {
		minimum += ceilDiv(n, 100)
	}
	b.ReportMetric(float64(requests)/float64(i), "requests/op")
	b.ReportMetric(float64(requests)/float64(int64(i)*minimum), "requests/minimum")
	b.ReportMetric(float64(sum.Issues)*float64(i)/elapsed.Seconds(), "issues/s")
	b.ReportMetric(float64(sum.Issues+sum.Comments)*float64(i)/elapsed.Seconds(), "rows/s")
}

// BenchmarkIncremental is (a) for an incremental run of Issues and
// IssueComments after 50 churn events (issues created, updated, commented,
// closed, deleted). The minimum is max(1, ceil(changed/100)) issue pages,
// plus ceil(events/100) activity pages when issues were deleted, plus
// ceil(new_i/100) comment pages per issue that received comments.
func BenchmarkIncremental(b *testing.B) {
	e := newBenchEnv(b)
	const stmts = "REPLICATE Issues;\nREPLICATE IssueComments;"
	db := filepath.Join(e.dir, "incremental.db")
	e.run(b, db, stmts)
	var requests, minimum int64
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		rep := e.srv.Churn(50, int64(i))
		b.StartTimer()
		requests += e.run(b, db, stmts)
		b.StopTimer()
		deleted := map[int64]bool{}
		for _, id := range rep.IssuesDeleted {
			deleted[id] = true
		}
		changed := map[int64]bool{}
		for _, id := range append(append([]int64(nil), rep.IssuesCreated...), rep.IssuesUpdated...) {
			if !deleted[id] {
				changed[id] = true
			}
		}
		minimum += max(1, ceilDiv(int64(len(changed)), 100))
		if len(rep.IssuesDeleted) > 0 {
			minimum += ceilDiv(int64(rep.Events), 100)
		}
		for _, n := range e.commentsPerIssue(b, db, rep.Comments) {
			minimum += ceilDiv(n, 100)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(requests)/float64(i), "requests/op")
	b.ReportMetric(float64(requests)/float64(minimum), "requests/minimum")
}
