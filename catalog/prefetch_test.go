package catalog

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/inflight"
)

// TestPrefetchIssueLists: with Session.Concurrency the per-issue calls of an
// issue page (comments, participants, related issues) overlap, and the rows,
// their order and the number of requests are the same as one by one.
func TestPrefetchIssueLists(t *testing.T) {
	t.Parallel()
	srv, err := emulator.New(emulator.Options{Seed: 11, Size: testSize})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		rows     map[string][]backlogsync.Row
		requests int
		peak     int
	}
	run := func(concurrency int) result {
		pt := &inflight.Transport{Next: srv.Client().Transport, Delay: 2 * time.Millisecond}
		c, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(srv.AdminAPIKey()),
			backlog.WithHTTPClient(&http.Client{Transport: pt}), backlog.WithGovernor(backlog.NewGovernor(backlog.GovernorConfig{Concurrency: 4})))
		if err != nil {
			t.Fatal(err)
		}
		var issues []*backlog.Issue
		for is, err := range c.Issues.ListIter(context.Background(), &backlog.IssueListOptions{Sort: backlog.SortCreated, Order: backlog.OrderAsc}) {
			if err != nil {
				t.Fatal(err)
			}
			issues = append(issues, is)
		}
		pt.Reset()
		res := result{rows: map[string][]backlogsync.Row{}}
		s := &Session{Issues: issues, Concurrency: concurrency}
		for _, table := range []string{"IssueComments", "IssueCommentChangeLog", "IssueParticipants", "IssueRelatedIssues"} {
			err := FetchWith(context.Background(), c, table, Query{Account: "demo"}, s, func(r backlogsync.Row) error {
				res.rows[table] = append(res.rows[table], r)
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", table, err)
			}
		}
		res.requests, res.peak = pt.Requests(), pt.Peak()
		return res
	}
	one, four := run(1), run(4)
	t.Logf("one by one: %d requests, peak %d in flight; concurrency 4: %d requests, peak %d", one.requests, one.peak, four.requests, four.peak)
	for table, rows := range one.rows {
		if len(rows) == 0 {
			t.Errorf("%s: no rows; the test space must fill it", table)
		}
		if !reflect.DeepEqual(rows, four.rows[table]) {
			t.Errorf("%s: rows differ with concurrency 4 (%d against %d)", table, len(four.rows[table]), len(rows))
		}
	}
	if one.requests != four.requests {
		t.Errorf("requests: %d with concurrency 4, %d one by one; want the same calls", four.requests, one.requests)
	}
	if one.peak != 1 {
		t.Errorf("one by one: peak %d in flight, want 1", one.peak)
	}
	if four.peak < 2 || four.peak > 4 {
		t.Errorf("concurrency 4: peak %d in flight, want 2..4", four.peak)
	}
}
