package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/store"
)

// runsLimit is how many runs per destination the history shows.
const runsLimit = 200

type runView struct {
	backlogsync.Run
	Destination string
	Duration    string
	Rows        int64
	RequestsN   int64
}

type runsData struct {
	Runs     []runView
	Jobs     []string
	Statuses []string
	Job      string
	Status   string
	Errors   []string // destinations that could not be read
}

// newRunView adds to a run of destination name what the pages show.
func newRunView(run backlogsync.Run, name string) runView {
	v := runView{Run: run, Destination: name}
	if !run.Finished.IsZero() {
		v.Duration = run.Finished.Sub(run.Started).Round(time.Second).String()
	}
	for _, t := range run.Tables {
		v.Rows += t.Inserted + t.Updated + t.Deleted
	}
	v.RequestsN = run.Requests.Read + run.Requests.Update + run.Requests.Search + run.Requests.Icon
	return v
}

// runsPage shows the run history of every destination, newest first,
// filtered by ?job= and ?status=.
func (a *app) runsPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	q := r.URL.Query()
	d := runsData{Job: q.Get("job"), Status: q.Get("status"),
		Statuses: []string{string(backlogsync.RunOK), string(backlogsync.RunPartial), string(backlogsync.RunFailed), string(backlogsync.RunCancelled), string(backlogsync.RunRunning)}}
	jobs := map[string]bool{}
	for _, j := range a.jobNames(ctx) {
		jobs[j] = true
	}
	for _, name := range a.o.Destinations {
		dst, err := a.o.Server.Destination(ctx, name)
		var runs []backlogsync.Run
		if err == nil {
			runs, err = dst.Runs(ctx, "", runsLimit)
		}
		if err != nil {
			a.log.Error("web: runs", "destination", name, "err", err)
			d.Errors = append(d.Errors, "The runs of destination "+name+" cannot be read; see the server's log.")
			continue
		}
		for _, run := range runs {
			jobs[run.Job] = true
			if (d.Job != "" && run.Job != d.Job) || (d.Status != "" && string(run.Status) != d.Status) {
				continue
			}
			d.Runs = append(d.Runs, newRunView(run, name))
		}
	}
	slices.SortFunc(d.Runs, func(x, y runView) int { return y.Started.Compare(x.Started) })
	for j := range jobs {
		d.Jobs = append(d.Jobs, j)
	}
	slices.Sort(d.Jobs)
	p := newPage(se, "Runs", "runs")
	p.Data = d
	a.render(w, http.StatusOK, "runs", p)
}

// runDetail is one run with its log, for the run page.
type runDetail struct {
	Run       runView
	Log       string
	Truncated bool
	NoLog     string // why there is no log, when there is none
}

// runPage shows one run of a destination (/admin/runs/{dest}/{id}): its
// tables, requests, warnings, error and the log serve kept of it.
func (a *app) runPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	name := r.PathValue("dest")
	if !slices.Contains(a.o.Destinations, name) {
		a.fail(w, r, se, http.StatusNotFound, "There is no destination "+strconv.Quote(name)+"; pick a run from the Runs page.")
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.fail(w, r, se, http.StatusNotFound, "Run "+strconv.Quote(r.PathValue("id"))+" is not a run number; pick a run from the Runs page.")
		return
	}
	dst, err := a.o.Server.Destination(ctx, name)
	var run backlogsync.Run
	if err == nil {
		run, err = dst.Run(ctx, id)
	}
	if backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND {
		a.fail(w, r, se, http.StatusNotFound, "Destination "+name+" has no run "+strconv.FormatInt(id, 10)+"; pick a run from the Runs page.")
		return
	}
	if err != nil {
		a.log.Error("web: run", "destination", name, "err", err)
		a.fail(w, r, se, http.StatusServiceUnavailable, "The runs of destination "+name+" cannot be read; see the server's log.")
		return
	}
	d := runDetail{Run: newRunView(run, name)}
	l, err := a.o.Store.RunLog(ctx, run.Job, id)
	switch {
	case err == nil:
		d.Log, d.Truncated = l.Text, l.Truncated
	case backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND:
		d.NoLog = backlogsync.ErrorMessage(err)
	default:
		a.log.Error("web: run log", "job", run.Job, "run", id, "err", err)
		d.NoLog = "The log cannot be read from the state database; see the server's log."
	}
	p := newPage(se, "Run "+strconv.FormatInt(id, 10)+" of "+run.Job, "runs")
	p.Data = d
	a.render(w, http.StatusOK, "run", p)
}
