package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// recentRuns is how many runs the job page lists.
const recentRuns = 10

// progressView is a run's live progress as the job page shows it and
// GET /admin/jobs/{name}/progress answers it (JSON) to the page's script:
// service.JobProgress's snapshot, worded for people.
type progressView struct {
	Job   string `json:"job"`
	State string `json:"state"` // idle, queued, running or done
	// Summary says in one sentence where the run is.
	Summary  string            `json:"summary"`
	Status   string            `json:"status,omitempty"` // succeeded or failed once done
	Error    string            `json:"error,omitempty"`
	Accounts []accountProgress `json:"accounts"`
}

// Live is true while the run is queued or running (the page refreshes).
func (p progressView) Live() bool { return p.State == "queued" || p.State == "running" }

// accountProgress is one connection's (account's) part of a run.
type accountProgress struct {
	Account  string `json:"account"`
	Tables   string `json:"tables"` // "2 of 5"
	Table    string `json:"table"`  // the table in progress and its phase
	Rows     int64  `json:"rows"`
	Requests int64  `json:"requests"`
	Budget   string `json:"budget"` // "148 of 150 left", or "—"
	ETA      string `json:"eta"`    // of the table in progress, or "—"
	Status   string `json:"status,omitempty"`
	// RunURL and RunLabel link the run's page once the runner has
	// recorded the run.
	RunURL   string `json:"run_url,omitempty"`
	RunLabel string `json:"run_label,omitempty"`
}

// progressOf words the service's progress of job (in destination dest).
func (a *app) progressOf(job, dest string) progressView {
	v := progressView{Job: job, State: "idle", Summary: "Not run since the server started.", Accounts: []accountProgress{}}
	p, ok := a.o.Service.JobProgress(job)
	if !ok {
		return v
	}
	v.State, v.Status, v.Error = p.State, p.Status, p.Error
	switch p.State {
	case "queued":
		v.Summary = "Queued at " + clock(p.Started) + "; starting…"
	case "running":
		v.Summary = "Running (attempt " + strconv.Itoa(max(p.Attempt, 1)) + "), started at " + clock(p.Started) + "."
	case "done":
		v.Summary = "Finished at " + clock(p.Finished) + ": " + p.Status + " after " + p.Finished.Sub(p.Started).Round(time.Second).String() + "."
	}
	for _, ap := range p.Accounts {
		x := accountProgress{Account: ap.Account, Tables: strconv.Itoa(ap.TablesDone) + " of " + strconv.Itoa(ap.Tables),
			Table: "—", Rows: ap.Rows, Requests: ap.Requests, Budget: "—", ETA: "—", Status: ap.Status}
		if ap.Table != "" && p.State != "done" {
			x.Table = ap.Table + " (" + ap.Phase + ")"
		}
		if ap.BudgetLimit > 0 {
			x.Budget = strconv.Itoa(ap.BudgetRemaining) + " of " + strconv.Itoa(ap.BudgetLimit) + " left"
		}
		if ap.ETA > 0 {
			x.ETA = ap.ETA.Round(time.Second).String()
		}
		if ap.RunID > 0 {
			x.RunURL = "/admin/runs/" + url.PathEscape(dest) + "/" + strconv.FormatInt(ap.RunID, 10)
			x.RunLabel = "Run " + strconv.FormatInt(ap.RunID, 10) + " of " + job
		}
		v.Accounts = append(v.Accounts, x)
	}
	return v
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }

// jobInfo is the job name: one job from the service (Service.Job: memory
// and at most one store query, not a read of every job), or from the
// config's jobs without a service.
func (a *app) jobInfo(ctx context.Context, name string) (*service.JobInfo, error) {
	if a.o.Service != nil {
		ji, err := a.o.Service.Job(ctx, name)
		if err != nil {
			return nil, err
		}
		return &ji, nil
	}
	infos, _ := a.jobInfos(ctx) // without a service: the config's jobs, from memory
	var names []string
	for i := range infos {
		if infos[i].Name == name {
			return &infos[i], nil
		}
		names = append(names, infos[i].Name)
	}
	return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no job named %q%s", name, fuzzy.DidYouMean(name, names))
}

// jobData is the job page.
type jobData struct {
	Job      jobRow
	CanRun   bool
	Progress progressView
	Runs     []runView
	RunsErr  string
}

// jobPage shows one job: what it runs and when, Run now, its live
// progress (refreshed by static/app.js, or by the page itself without
// script) and its latest runs.
func (a *app) jobPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	name := r.PathValue("name")
	ji, err := a.jobInfo(ctx, name)
	if err != nil {
		a.jobFail(w, r, se, "read the job", err)
		return
	}
	d := jobData{CanRun: a.o.Service != nil, Job: jobRow{Name: ji.Name, Destination: ji.Destination, Accounts: ji.Accounts,
		Stored: ji.Stored, Schedule: scheduleText(ji.Schedule), Running: ji.Running, Next: ji.Next, Statements: ji.Statements}}
	if d.CanRun {
		d.Progress = a.progressOf(name, ji.Destination)
	}
	if d.Runs, err = a.lastRuns(ctx, ji.Destination, name, recentRuns); err != nil {
		a.log.Error("web: runs", "destination", ji.Destination, "err", err)
		d.RunsErr = "The runs of destination " + ji.Destination + " cannot be read; see the server's log."
	}
	p := newPage(se, "Job "+name, "jobs")
	p.Flash = a.takeFlash(w, r)
	p.Data = d
	a.render(w, http.StatusOK, "job", p)
}

// runJob starts a run of {name} at once through service.RunNow (as POST
// /api/jobs/{name}/run) and leads to the job page, which shows its
// progress.
func (a *app) runJob(w http.ResponseWriter, r *http.Request, se *store.Session) {
	if a.noService(w, r, se) {
		return
	}
	name := r.PathValue("name")
	err := a.o.Service.RunNow(name)
	switch {
	case err == nil:
		a.redirect(w, r, jobPath(name)+"#progress", "Started job "+name+".")
	case backlogsync.ErrorCode(err) == backlogsync.ECONFLICT:
		a.redirect(w, r, jobPath(name)+"#progress", "Job "+name+" is already running; its progress is below.")
	default:
		a.jobFail(w, r, se, "start the job", err)
	}
}

// jobProgress answers the job's progress as JSON for the job page's
// script (admins only, like the page).
func (a *app) jobProgress(w http.ResponseWriter, r *http.Request, se *store.Session) {
	if a.o.Service == nil {
		http.Error(w, "this server does not run jobs", http.StatusConflict)
		return
	}
	name := r.PathValue("name")
	dest, ok := a.o.Service.JobDestination(name) // polled every second: no store read
	if !ok {
		http.Error(w, "no job named "+strconv.Quote(name)+"; the Jobs page lists them", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(a.progressOf(name, dest))
}
