package web

import (
	"net/http"
	"slices"
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

// runsPage shows the run history of every destination, newest first,
// filtered by ?job= and ?status=.
func (a *app) runsPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	q := r.URL.Query()
	d := runsData{Job: q.Get("job"), Status: q.Get("status"),
		Statuses: []string{string(backlogsync.RunOK), string(backlogsync.RunPartial), string(backlogsync.RunFailed), string(backlogsync.RunCancelled), string(backlogsync.RunRunning)}}
	jobs := map[string]bool{}
	for _, j := range a.o.Jobs {
		jobs[j.Name] = true
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
			v := runView{Run: run, Destination: name}
			if !run.Finished.IsZero() {
				v.Duration = run.Finished.Sub(run.Started).Round(time.Second).String()
			}
			for _, t := range run.Tables {
				v.Rows += t.Inserted + t.Updated + t.Deleted
			}
			v.RequestsN = run.Requests.Read + run.Requests.Update + run.Requests.Search + run.Requests.Icon
			d.Runs = append(d.Runs, v)
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
