package service

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync/replicate"
)

// Event is one live report of a job's run, sent to the API's Server-Sent
// Events stream (GET /api/jobs/{name}/events).
type Event struct {
	// Kind is run_start, account_start, progress, account_done or run_done.
	Kind    string    `json:"kind"`
	Job     string    `json:"job"`
	Time    time.Time `json:"time"`
	Attempt int       `json:"attempt,omitempty"`
	Account string    `json:"account,omitempty"`
	// Tables is the number of statements an account runs (account_start).
	Tables int `json:"tables,omitempty"`
	// Table, Phase, Rows and Expected report a table's progress.
	Table    string `json:"table,omitempty"`
	Phase    string `json:"phase,omitempty"`
	Rows     int64  `json:"rows,omitempty"`
	Expected int64  `json:"expected,omitempty"`
	// Requests is the number of API requests the account's run has made
	// so far (progress).
	Requests int64 `json:"requests,omitempty"`
	// BudgetRemaining and BudgetLimit are the read class's rate-limit
	// budget after the latest response (progress; 0 when unknown).
	BudgetRemaining int `json:"budget_remaining,omitempty"`
	BudgetLimit     int `json:"budget_limit,omitempty"`
	// ETASeconds estimates the time the table still needs, from its rows
	// so far against the expected count (progress; 0 when unknown).
	ETASeconds float64 `json:"eta_seconds,omitempty"`
	// RunID is the account's run in the runs table (account_done).
	RunID int64 `json:"run_id,omitempty"`
	// Status and Error say how an account or the run ended.
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// eventOf converts a runner event.
func eventOf(e replicate.Event) Event {
	ev := Event{Job: e.Job, Account: e.Account, Time: time.Now().UTC()}
	switch e.Kind {
	case replicate.EventAccountStart:
		ev.Kind, ev.Tables = "account_start", e.Tables
	case replicate.EventProgress:
		p := e.Progress
		ev.Kind, ev.Table, ev.Phase, ev.Rows, ev.Expected = "progress", p.Table, string(p.Phase), p.Rows, p.Expected
		ev.Requests, ev.BudgetRemaining, ev.BudgetLimit = p.Requests, p.Rate.Remaining, p.Rate.Limit
		ev.ETASeconds = eta(p.Rows, p.Expected, p.Elapsed).Seconds()
	case replicate.EventAccountDone:
		ev.Kind = "account_done"
		if r := e.Result; r != nil {
			ev.RunID, ev.Status = r.RunID, string(r.Status)
			for _, t := range r.Tables {
				ev.Rows += t.Inserted + t.Updated + t.Deleted
			}
		}
	}
	return ev
}

// eta estimates the time a table still needs from the rate of its rows
// so far: zero when the expected count is unknown or reached.
func eta(rows, expected int64, elapsed time.Duration) time.Duration {
	if expected <= 0 || rows <= 0 || rows >= expected || elapsed <= 0 {
		return 0
	}
	return (time.Duration(float64(elapsed) * float64(expected-rows) / float64(rows))).Round(time.Second)
}

// broker fans a job's events out to its subscribers. A subscriber that
// does not keep up loses events (the runner never waits for a client).
type broker struct {
	mu   sync.Mutex
	subs map[string]map[chan Event]struct{}
}

func newBroker() *broker { return &broker{subs: map[string]map[chan Event]struct{}{}} }

func (b *broker) subscribe(job string) (<-chan Event, func()) {
	ch := make(chan Event, 256)
	b.mu.Lock()
	if b.subs[job] == nil {
		b.subs[job] = map[chan Event]struct{}{}
	}
	b.subs[job][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[job], ch)
		b.mu.Unlock()
	}
}

func (b *broker) publish(job string, e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[job] {
		select {
		case ch <- e:
		default:
		}
	}
}

// serveEvents streams a job's events as Server-Sent Events until the
// client goes away: one "event: KIND" and "data: JSON" per event, and a
// comment every 15 s to keep proxies from closing an idle stream.
func (s *Service) serveEvents(w http.ResponseWriter, r *http.Request, job string) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "the connection cannot stream")
		return
	}
	ch, cancel := s.live.subscribe(job)
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": backlogsync run events of job "+job+"\n\n")
	fl.Flush()
	rc := http.NewResponseController(w)
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e := <-ch:
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, b)
		}
		_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		fl.Flush()
	}
}
