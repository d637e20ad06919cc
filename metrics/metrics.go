// Package metrics defines serve's Prometheus metrics and records runs into
// them. /metrics serves Handler.
//
//	backlogsync_runs_total{job,status}                  counter   runs by outcome (succeeded, failed, skipped, canceled)
//	backlogsync_rows_written_total{job,table}           counter   rows inserted, updated or deleted
//	backlogsync_api_requests_total{job,class}           counter   Backlog API requests by rate class (read, update, search, icon), retries included
//	backlogsync_api_rate_limited_total{job,class}       counter   429 answers
//	backlogsync_api_wait_seconds_total{job,class}       counter   seconds spent waiting for the rate limit (pacing, resets, back-off)
//	backlogsync_api_budget_remaining{account,class}     gauge     requests left in the current rate-limit window
//	backlogsync_api_budget_limit{account,class}         gauge     the window's limit as Backlog last reported it
//	backlogsync_run_duration_seconds{job,status}        histogram run duration, retries included
//	backlogsync_last_success_timestamp_seconds{job}     gauge     Unix time the job's last successful run finished
//	backlogsync_runs_in_progress{job}                   gauge     1 while the job runs
//
// plus the Go runtime and process collectors.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/backlogsync/backlogsync/backlog"
)

// Run is what Record needs of a finished run.
//
// Until the runner's Result lands, serve fills it by hand: Status from
// schedule.Run.Status; Tables from Result.Tables (Rows = Inserted +
// Updated + Deleted); Requests from the run's backlog.Client.Stats() (the
// per-class counters of that run's client). When replicate.Run returns a
// typed Result with these, add a RunFromResult here and drop the copying.
type Run struct {
	Job      string
	Status   string
	Started  time.Time
	Finished time.Time
	Tables   []Table
	Requests backlog.Stats
}

// Table is one table's rows written by a run.
type Table struct {
	Name string
	Rows int64
}

// Metrics holds the collectors, registered in their own registry (not the
// process-global one), so tests and several servers in one process do not
// collide.
type Metrics struct {
	Registry *prometheus.Registry

	runs        *prometheus.CounterVec
	rows        *prometheus.CounterVec
	requests    *prometheus.CounterVec
	limited     *prometheus.CounterVec
	waited      *prometheus.CounterVec
	remaining   *prometheus.GaugeVec
	limit       *prometheus.GaugeVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	inProgress  *prometheus.GaugeVec
}

// DurationBuckets are the run-duration histogram's buckets, in seconds:
// from a small incremental run to a first load of a large space.
var DurationBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400}

// New creates the metrics in a new registry, with the Go and process
// collectors.
func New() *Metrics {
	const ns = "backlogsync"
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "runs_total",
			Help: "Runs by job and outcome (succeeded, failed, skipped, canceled)."}, []string{"job", "status"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "rows_written_total",
			Help: "Rows inserted, updated or deleted in the destination, by job and table."}, []string{"job", "table"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_requests_total",
			Help: "Backlog API requests by job and rate-limit class (read, update, search, icon), retries included."}, []string{"job", "class"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_rate_limited_total",
			Help: "Backlog API answers 429 Too Many Requests, by job and rate-limit class."}, []string{"job", "class"}),
		waited: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_wait_seconds_total",
			Help: "Seconds spent waiting for the Backlog rate limit (pacing, resets, back-off), by job and class."}, []string{"job", "class"}),
		remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "api_budget_remaining",
			Help: "Requests left in the current Backlog rate-limit window, by account and class."}, []string{"account", "class"}),
		limit: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "api_budget_limit",
			Help: "The Backlog rate limit per window as last reported, by account and class."}, []string{"account", "class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "run_duration_seconds",
			Help: "Run duration in seconds (retries included), by job and outcome.", Buckets: DurationBuckets}, []string{"job", "status"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "last_success_timestamp_seconds",
			Help: "Unix time the job's last successful run finished."}, []string{"job"}),
		inProgress: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "runs_in_progress",
			Help: "1 while the job is running."}, []string{"job"}),
	}
	m.Registry.MustRegister(m.runs, m.rows, m.requests, m.limited, m.waited, m.remaining, m.limit,
		m.duration, m.lastSuccess, m.inProgress,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Started marks a job running (runs_in_progress 1).
func (m *Metrics) Started(job string) { m.inProgress.WithLabelValues(job).Set(1) }

// Record adds a finished (or skipped) run.
func (m *Metrics) Record(r Run) {
	m.runs.WithLabelValues(r.Job, r.Status).Inc()
	if r.Status == "skipped" {
		return // it never ran: no duration, rows or requests, and the job's own run is still in progress
	}
	m.inProgress.WithLabelValues(r.Job).Set(0)
	if d := r.Finished.Sub(r.Started); d >= 0 && !r.Started.IsZero() {
		m.duration.WithLabelValues(r.Job, r.Status).Observe(d.Seconds())
	}
	for _, t := range r.Tables {
		if t.Rows > 0 {
			m.rows.WithLabelValues(r.Job, t.Name).Add(float64(t.Rows))
		}
	}
	for class, cs := range r.Requests.Classes {
		c := string(class)
		m.requests.WithLabelValues(r.Job, c).Add(float64(cs.Requests))
		m.limited.WithLabelValues(r.Job, c).Add(float64(cs.RateLimited))
		m.waited.WithLabelValues(r.Job, c).Add(cs.Waited.Seconds())
	}
	if r.Status == "succeeded" {
		m.lastSuccess.WithLabelValues(r.Job).Set(float64(r.Finished.UnixNano()) / 1e9)
	}
}

// SetBudget records an account's rate-limit budget (from
// backlog.Governor.Budget); serve calls it after each run and on scrape.
func (m *Metrics) SetBudget(account string, r backlog.Rate) {
	c := string(r.Class)
	m.remaining.WithLabelValues(account, c).Set(float64(r.Remaining))
	if r.Limit > 0 {
		m.limit.WithLabelValues(account, c).Set(float64(r.Limit))
	}
}
