package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// stmtError is one statement error at its line and column, with the line
// and a caret under the column.
type stmtError struct {
	Line, Col int
	Msg       string
	Snippet   string
}

// jobRow is a job on the Jobs page.
type jobRow struct {
	Name        string
	Destination string
	Accounts    []string
	Stored      bool // created here or through the REST API (editable)
	Schedule    string
	Running     bool
	State       string // the live state since serve started: "", queued, running, done
	Next        time.Time
	Last        *runView // the newest run in the destination's runs table
	Statements  string
}

// jobsData is the Jobs page: the jobs and the form of a new job.
type jobsData struct {
	Jobs   []jobRow
	CanRun bool // a Service runs jobs (Run now, stored jobs)
	Form   jobForm
	Errors []string // destinations whose runs could not be read
}

// jobInfos lists the jobs: the Service's (config and stored) when there
// is one, else the config's.
func (a *app) jobInfos(ctx context.Context) ([]service.JobInfo, error) {
	if a.o.Service != nil {
		return a.o.Service.Jobs(ctx)
	}
	var out []service.JobInfo
	for _, j := range a.o.Jobs {
		out = append(out, service.JobInfo{Name: j.Name, Destination: j.Destination, Statements: j.Statements})
	}
	return out, nil
}

// jobNames are the names of all jobs, for the runs filter.
func (a *app) jobNames(ctx context.Context) []string {
	js, err := a.jobInfos(ctx)
	if err != nil {
		a.log.Error("web: jobs", "err", err)
	}
	var out []string
	for _, j := range js {
		out = append(out, j.Name)
	}
	return out
}

// lastRuns returns the newest n runs of job in destination dest.
func (a *app) lastRuns(ctx context.Context, dest, job string, n int) ([]runView, error) {
	d, err := a.o.Server.Destination(ctx, dest)
	if err != nil {
		return nil, err
	}
	runs, err := d.Runs(ctx, job, n)
	if err != nil {
		return nil, err
	}
	out := make([]runView, 0, len(runs))
	for _, r := range runs {
		out = append(out, newRunView(r, dest))
	}
	return out, nil
}

// jobsPage lists the jobs (config and stored) with their state, schedule
// and last run, and the form of a new stored job.
func (a *app) jobsPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	f, err := a.newForm(ctx, "")
	if err != nil {
		a.internal(w, r, se, "list connections", err)
		return
	}
	a.renderJobs(w, r, se, http.StatusOK, f)
}

// renderJobs renders the Jobs page with the form f.
func (a *app) renderJobs(w http.ResponseWriter, r *http.Request, se *store.Session, status int, f jobForm) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	infos, err := a.jobInfos(ctx)
	if err != nil {
		a.internal(w, r, se, "list jobs", err)
		return
	}
	d := jobsData{CanRun: a.o.Service != nil, Form: f}
	bad := map[string]bool{}
	for _, j := range infos {
		row := jobRow{Name: j.Name, Destination: j.Destination, Accounts: j.Accounts, Stored: j.Stored,
			Schedule: scheduleText(j.Schedule), Running: j.Running, Next: j.Next, Statements: j.Statements}
		if a.o.Service != nil {
			if p, ok := a.o.Service.JobProgress(j.Name); ok {
				row.State = p.State
			}
		}
		if !bad[j.Destination] {
			runs, err := a.lastRuns(ctx, j.Destination, j.Name, 1)
			if err != nil {
				a.log.Error("web: runs", "destination", j.Destination, "err", err)
				bad[j.Destination] = true
				d.Errors = append(d.Errors, "The runs of destination "+j.Destination+" cannot be read; see the server's log.")
			} else if len(runs) > 0 {
				row.Last = &runs[0]
			}
		}
		d.Jobs = append(d.Jobs, row)
	}
	p := newPage(se, "Jobs", "jobs")
	if status == http.StatusOK {
		p.Flash = a.takeFlash(w, r)
	}
	p.Data = d
	a.render(w, status, "jobs", p)
}

// scheduleText says when a schedule runs, in words.
func scheduleText(s config.Schedule) string {
	var t string
	switch strings.ToLower(string(s.Interval)) {
	case "", "never":
		return "never (Run now only)"
	case "minutes":
		t = "every " + strconv.Itoa(int(s.Every/time.Minute)) + " min"
	case "hourly":
		t = "hourly"
		if _, mm, ok := strings.Cut(s.Start, ":"); ok {
			t += " at minute " + mm
		}
	case "daily":
		t = "daily at " + cmp.Or(s.Start, "00:00")
	case "weekly":
		t = "weekly on " + weekday(s.Day) + " at " + cmp.Or(s.Start, "00:00")
	case "monthly":
		t = "monthly on day " + strconv.Itoa(max(s.Day, 1)) + " at " + cmp.Or(s.Start, "00:00")
	case "cron":
		t = "cron " + s.Cron
	default:
		t = string(s.Interval)
	}
	if s.TimeZone != "" {
		t += " (" + s.TimeZone + ")"
	}
	if s.Retry.Count > 0 {
		t += fmt.Sprintf(", %d retries", s.Retry.Count)
	}
	return t
}

func weekday(d int) string {
	days := []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	if d < 1 || d > 7 {
		d = 1
	}
	return days[d-1]
}

// checkStatements checks the form's statements as the runner would
// (service.CheckStatements, as POST /api/statements/validate) and shows
// the form again with each error at its line and column; it saves
// nothing.
func (a *app) checkStatements(w http.ResponseWriter, r *http.Request, se *store.Session) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	f, err := a.newForm(ctx, r.PostFormValue("old"))
	if err != nil {
		a.internal(w, r, se, "list connections", err)
		return
	}
	f.In, f.Fields = parseJobForm(r)
	f.Checked = true
	status := http.StatusOK
	if msg := service.StatementsTooLong(f.In.Statements); msg != "" {
		f.Fields["statements"] = msg
		status = http.StatusBadRequest
	} else {
		count, ps := service.CheckStatements(f.In.Statements, f.In.ReplicateAll)
		f.Problems = problems(f.In.Statements, ps)
		if len(f.Problems) > 0 {
			status = http.StatusBadRequest
		} else {
			f.Count = count
		}
	}
	a.renderForm(w, r, se, status, f)
}

// problems converts the service's statement problems, adding the line
// and a caret under the column.
func problems(text string, ps []service.Problem) []stmtError {
	var out []stmtError
	for _, p := range ps {
		out = append(out, stmtError{Line: p.Line, Col: p.Column, Msg: p.Message, Snippet: snippet(text, p.Line, p.Column)})
	}
	return out
}

// snippet returns line of text and a caret under column col (1-based,
// in characters), or "" when there is no such line.
func snippet(text string, line, col int) string {
	lines := strings.Split(text, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	l := strings.TrimRight(lines[line-1], "\r")
	var pad strings.Builder
	for i, c := range []rune(l) {
		if i >= col-1 {
			break
		}
		if c == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return fmt.Sprintf("%d | %s\n%s | %s^", line, l, strings.Repeat(" ", len(strconv.Itoa(line))), pad.String())
}

// connectionNames are the names of the stored connections.
func (a *app) connectionNames(ctx context.Context) ([]string, error) {
	cs, err := a.o.Store.Connections(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	slices.Sort(out)
	return out, nil
}
