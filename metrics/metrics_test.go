package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
)

// scrape returns the /metrics text.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

func TestRecord(t *testing.T) {
	m := New()
	t0 := time.Date(2026, 12, 6, 2, 30, 0, 0, time.UTC)
	m.Started("nightly")
	if s := scrape(t, m); !strings.Contains(s, `backlogsync_runs_in_progress{job="nightly"} 1`) {
		t.Errorf("in progress not 1:\n%s", s)
	}
	stats := backlog.Stats{Classes: map[backlog.RateClass]backlog.ClassStats{
		backlog.RateRead:   {Requests: 120, RateLimited: 2, Retries: 2, Waited: 1500 * time.Millisecond},
		backlog.RateSearch: {Requests: 30},
	}}
	m.Record(Run{Job: "nightly", Status: "succeeded", Started: t0, Finished: t0.Add(42 * time.Second),
		Tables: []Table{{"Issues", 100}, {"Projects", 0}}, Requests: stats})
	m.Record(Run{Job: "nightly", Status: "succeeded", Started: t0.Add(time.Hour), Finished: t0.Add(time.Hour + 3*time.Second),
		Tables: []Table{{"Issues", 5}}, Requests: stats})
	m.Record(Run{Job: "nightly", Status: "failed", Started: t0.Add(2 * time.Hour), Finished: t0.Add(2*time.Hour + 700*time.Second)})
	m.Record(Run{Job: "hourly", Status: "skipped", Started: t0, Finished: t0})
	m.SetBudget("prod", backlog.Rate{Class: backlog.RateRead, Limit: 600, Remaining: 431})
	s := scrape(t, m)
	for _, want := range []string{
		`backlogsync_runs_total{job="nightly",status="succeeded"} 2`,
		`backlogsync_runs_total{job="nightly",status="failed"} 1`,
		`backlogsync_runs_total{job="hourly",status="skipped"} 1`,
		`backlogsync_rows_written_total{job="nightly",table="Issues"} 105`,
		`backlogsync_api_requests_total{class="read",job="nightly"} 240`,
		`backlogsync_api_requests_total{class="search",job="nightly"} 60`,
		`backlogsync_api_rate_limited_total{class="read",job="nightly"} 4`,
		`backlogsync_api_wait_seconds_total{class="read",job="nightly"} 3`,
		`backlogsync_api_budget_remaining{account="prod",class="read"} 431`,
		`backlogsync_api_budget_limit{account="prod",class="read"} 600`,
		`backlogsync_run_duration_seconds_bucket{job="nightly",status="succeeded",le="5"} 1`,
		`backlogsync_run_duration_seconds_bucket{job="nightly",status="succeeded",le="60"} 2`,
		`backlogsync_run_duration_seconds_count{job="nightly",status="failed"} 1`,
		`backlogsync_run_duration_seconds_sum{job="nightly",status="succeeded"} 45`,
		`backlogsync_last_success_timestamp_seconds{job="nightly"} 1.796527803e+09`,
		`backlogsync_runs_in_progress{job="nightly"} 0`,
		"go_goroutines ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	for _, absent := range []string{`table="Projects"`, `backlogsync_run_duration_seconds_count{job="hourly"`, `backlogsync_last_success_timestamp_seconds{job="hourly"}`} {
		if strings.Contains(s, absent) {
			t.Errorf("scrape has %s", absent)
		}
	}
	if t.Failed() {
		t.Log(s)
	}
}
