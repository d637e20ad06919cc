package service

import (
	"slices"
	"time"
)

// Progress is the state of a job's current (or latest) run since serve
// started, built from the runner's progress events: what the web admin's
// live page polls. Unlike the event stream it never loses an event: it is
// a snapshot.
type Progress struct {
	Job string
	// State is queued (Run now accepted, not started yet), running or
	// done.
	State    string
	Attempt  int
	Started  time.Time
	Finished time.Time
	// Status is succeeded or failed once done; Error says why it failed
	// (secrets removed).
	Status   string
	Error    string
	Accounts []AccountProgress
}

// AccountProgress is one account's part of a run.
type AccountProgress struct {
	Account string
	// Tables is the number of statements; TablesDone how many finished.
	Tables     int
	TablesDone int
	// Table and Phase are the table in progress, TableRows its rows so
	// far and Expected its expected rows (0 when unknown).
	Table     string
	Phase     string
	TableRows int64
	Expected  int64
	// Rows is the rows written in this run over all tables.
	Rows int64
	// Requests is the API requests made so far.
	Requests int64
	// BudgetRemaining of BudgetLimit is the read rate-limit budget after
	// the latest response (0 of 0: unknown).
	BudgetRemaining int
	BudgetLimit     int
	// ETA estimates the time the table in progress still needs (0:
	// unknown).
	ETA time.Duration
	// RunID is the account's row in the runs table; Status its outcome
	// (ok, partial, failed, cancelled) once done.
	RunID  int64
	Status string

	tableRows map[string]int64
	done      map[string]bool
}

// emit records the event in the job's progress and publishes it to the
// event stream's subscribers.
func (s *Service) emit(job string, e Event) {
	s.mu.Lock()
	p := s.progress[job]
	if p == nil || e.Kind == "run_start" {
		p = &Progress{Job: job}
		s.progress[job] = p
	}
	switch e.Kind {
	case "run_start":
		p.State, p.Attempt, p.Started = "running", e.Attempt, e.Time
	case "run_done":
		p.State, p.Status, p.Error, p.Finished = "done", e.Status, e.Error, e.Time
		if p.Started.IsZero() {
			p.Started = e.Time
		}
	default:
		a := p.account(e.Account)
		switch e.Kind {
		case "account_start":
			a.Tables = e.Tables
		case "progress":
			a.Table, a.Phase, a.TableRows, a.Expected = e.Table, e.Phase, e.Rows, max(e.Expected, 0)
			a.Rows += e.Rows - a.tableRows[e.Table] // a table's Rows only grow within a run
			a.tableRows[e.Table] = e.Rows
			if e.Phase == "done" || e.Phase == "failed" {
				a.done[e.Table] = true
			}
			a.TablesDone = len(a.done)
			if e.Requests > 0 {
				a.Requests = e.Requests
			}
			if e.BudgetLimit > 0 {
				a.BudgetRemaining, a.BudgetLimit = e.BudgetRemaining, e.BudgetLimit
			}
			a.ETA = time.Duration(e.ETASeconds * float64(time.Second))
		case "account_done":
			a.RunID, a.Status, a.Rows, a.ETA = e.RunID, e.Status, e.Rows, 0
			a.TablesDone = max(a.TablesDone, a.Tables)
		}
	}
	s.mu.Unlock()
	s.live.publish(job, e)
}

func (p *Progress) account(name string) *AccountProgress {
	for i := range p.Accounts {
		if p.Accounts[i].Account == name {
			return &p.Accounts[i]
		}
	}
	p.Accounts = append(p.Accounts, AccountProgress{Account: name, tableRows: map[string]int64{}, done: map[string]bool{}})
	return &p.Accounts[len(p.Accounts)-1]
}

// markQueued shows a Run now before the run reports its start; it
// returns the progress it replaced, for unmarkQueued.
func (s *Service) markQueued(job string) *Progress {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.progress[job]
	if prev != nil && prev.State == "running" {
		return prev
	}
	s.progress[job] = &Progress{Job: job, State: "queued", Started: time.Now().UTC()}
	return prev
}

// unmarkQueued puts back the progress markQueued replaced when the run
// did not start.
func (s *Service) unmarkQueued(job string, prev *Progress) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.progress[job]; p != nil && p.State == "queued" {
		if prev == nil {
			delete(s.progress, job)
		} else {
			s.progress[job] = prev
		}
	}
}

// JobProgress returns a copy of the job's current or latest run since
// serve started (false when it has not run since).
func (s *Service) JobProgress(job string) (Progress, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.progress[job]
	if p == nil {
		return Progress{}, false
	}
	c := *p
	c.Accounts = slices.Clone(p.Accounts)
	for i := range c.Accounts {
		c.Accounts[i].tableRows, c.Accounts[i].done = nil, nil
	}
	return c, true
}
