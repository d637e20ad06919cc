package schedule_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/metrics"
	"github.com/backlogsync/backlogsync/notify"
	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/schedule/schedtest"
)

// TestUnattendedWiring runs a CData XML config's schedule the way serve is
// to: the scheduler fires the job on its TaskSchedulerInterval, each
// finished run becomes a notification (errors only, as EmailErrorOnly
// says) and metrics. The run function stands in for replicate.Run: the
// first run succeeds, the second fails with an error that quotes the API
// key, the third succeeds with a table emptied (a zero-row warning).
func TestUnattendedWiring(t *testing.T) {
	xml := `<CDataSync>
  <DatabaseType>SQLite</DatabaseType>
  <ConnectionString>URL=https://acme.backlog.com;AuthScheme=APIToken;APIKey=XMLapiKEY42;</ConnectionString>
  <DatabaseConnectionString>Data Source=acme.db</DatabaseConnectionString>
  <TaskSchedulerStartTime>09:51</TaskSchedulerStartTime>
  <TaskSchedulerInterval>Every 15 Minutes</TaskSchedulerInterval>
  <NotificationUserName>ops@example.com</NotificationUserName>
  <EmailErrorOnly>True</EmailErrorOnly>
</CDataSync>`
	cfg, err := config.ParseCData([]byte(xml), "/etc/backlogsync/acme.xml", config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	jc := cfg.Jobs[0]

	// The webhook receiver (the XML has no SMTP server; serve's own settings
	// would add one).
	var mu sync.Mutex
	var deliveries []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := notify.Verify([]byte("hooksecret"), r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), b, time.Now(), time.Minute); err != nil {
			t.Errorf("delivery: %v", err)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		deliveries = append(deliveries, m)
		mu.Unlock()
	}))
	defer hook.Close()
	opts := notify.FromConfig(cfg)
	opts.Webhook = &config.Webhook{URL: hook.URL, Secret: config.NewSecret("hooksecret")}
	opts.WebhookRetryWaits = []time.Duration{}
	notifier := notify.New(opts)
	met := metrics.New()

	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clk := schedtest.NewClock(t, t0)
	job, err := schedule.JobFromConfig(jc, schedule.Defaults{Location: time.UTC}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}

	// Per-run table results, as the runner will report them.
	runs := [][]notify.TableResult{
		{{Table: "Issues", Rows: 500, Total: 500}, {Table: "Projects", Full: true, Rows: 3, Total: 3}},
		nil, // fails
		{{Table: "Issues", Rows: 2, Total: 502}, {Table: "Projects", Full: true, Rows: 0, Total: 0}},
	}
	var n int
	var prev []notify.TableResult
	results := map[int][]notify.TableResult{}
	recorded := make(chan schedule.Run, 10)
	s, err := schedule.New([]schedule.Job{job}, schedule.Options{
		Clock:  clk,
		Logger: slog.New(slog.DiscardHandler),
		Run: func(ctx context.Context, name string, attempt int) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			i := n
			n++
			met.Started(name)
			if runs[i] == nil {
				return i, backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "GET /api/v2/space?apiKey=XMLapiKEY42: 401")
			}
			results[i] = runs[i]
			return i, nil
		},
		Record: func(r schedule.Run) {
			mu.Lock()
			tables := results[r.Outcome.(int)]
			rep := notify.Report{Job: r.Job, Accounts: []string{jc.Accounts[0].Account}, Status: string(r.Status), Trigger: string(r.Trigger),
				Started: r.Started, Finished: r.Finished, Attempts: r.Attempts, Err: r.Err, Tables: tables}
			if r.Status == schedule.StatusSucceeded {
				rep.Warnings = notify.Alarms(tables, prev, cfg.Notifications.RowDropShare)
				prev = tables
			}
			mu.Unlock()
			mt := metrics.Run{Job: r.Job, Status: string(r.Status), Started: r.Started, Finished: r.Finished}
			for _, tr := range tables {
				mt.Tables = append(mt.Tables, metrics.Table{Name: tr.Table, Rows: tr.Rows})
			}
			met.Record(mt)
			if err := notifier.Notify(context.Background(), rep, jc.Notify); err != nil {
				t.Errorf("notify: %v", err)
			}
			recorded <- r
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	// 15 minutes through 09:51: :06, :21, :36, :51.
	wantAt := []time.Time{t0.Add(6 * time.Minute), t0.Add(21 * time.Minute), t0.Add(36 * time.Minute)}
	for i, at := range wantAt {
		clk.WaitTimers(1)
		if next := s.Status()[0].Next; !next.Equal(at) {
			t.Fatalf("run %d: next start %s, want %s", i, next, at)
		}
		clk.Advance(at.Sub(clk.Now()))
		select {
		case r := <-recorded:
			if !r.Started.Equal(at) || r.Trigger != schedule.TriggerSchedule {
				t.Errorf("run %d: %+v", i, r)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("run %d did not happen", i)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) != 2 {
		t.Fatalf("%d notifications, want 2 (the failure and the zero-row warning; not the clean success)", len(deliveries))
	}
	if d := deliveries[0]; d["status"] != "failed" || !strings.Contains(d["error"].(string), "apiKey=****") || !strings.Contains(d["advice"].(string), "credentials") {
		t.Errorf("failure notification %v", d)
	}
	if d := deliveries[1]; d["status"] != "succeeded" || len(d["warnings"].([]any)) != 1 {
		t.Errorf("warning notification %v", d)
	}
	for _, d := range deliveries {
		if b, _ := json.Marshal(d); strings.Contains(string(b), "XMLapiKEY42") {
			t.Errorf("a notification shows the API key: %s", b)
		}
	}
	srv := httptest.NewServer(met.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`backlogsync_runs_total{job="acme",status="succeeded"} 2`,
		`backlogsync_runs_total{job="acme",status="failed"} 1`,
		`backlogsync_rows_written_total{job="acme",table="Issues"} 502`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
