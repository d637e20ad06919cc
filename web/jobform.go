package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// intervals are the schedule intervals the form offers.
var intervals = []string{"never", "minutes", "hourly", "daily", "weekly", "monthly", "cron"}

// jobForm is the form of a stored job: new (Old == "") or the one named
// Old, with what was typed and, after a refused save or a check, the
// problems found.
type jobForm struct {
	Old          string
	In           service.JobInput
	Fields       map[string]string // problems by input name
	Problems     []stmtError       // the statements' errors
	Checked      bool              // the Check button was used
	Count        int               // statements found by a check without errors
	Destinations []string
	Connections  []string
	Intervals    []string
	CanSave      bool
}

// Notify is the notification addresses, one per line.
func (f jobForm) Notify() string { return strings.Join(f.In.Notify, "\n") }

// newForm is an empty form (for the job old, when editing).
func (a *app) newForm(ctx context.Context, old string) (jobForm, error) {
	cs, err := a.connectionNames(ctx)
	f := jobForm{Old: old, Fields: map[string]string{}, Destinations: a.o.Destinations, Connections: cs,
		Intervals: intervals, CanSave: a.o.Service != nil}
	if a.o.Service != nil {
		f.Destinations = a.o.Service.Destinations()
	}
	if len(f.Destinations) > 0 {
		f.In.Destination = f.Destinations[0]
	}
	return f, err
}

// parseJobForm reads a posted job form into the input the service takes;
// numbers that are not numbers are problems of their field.
func parseJobForm(r *http.Request) (service.JobInput, map[string]string) {
	fields := map[string]string{}
	num := func(name string) int {
		v := strings.TrimSpace(r.PostFormValue(name))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			fields[name] = "write a whole number"
		}
		return n
	}
	in := service.JobInput{
		Name:         strings.TrimSpace(r.PostFormValue("name")),
		Destination:  r.PostFormValue("destination"),
		Connections:  r.PostForm["connections"],
		Statements:   strings.ReplaceAll(r.PostFormValue("statements"), "\r\n", "\n"),
		ReplicateAll: r.PostFormValue("replicate_all") == "on",
		Schedule: service.JobSchedule{
			Interval:     r.PostFormValue("interval"),
			EveryMinutes: num("every_minutes"),
			Start:        strings.TrimSpace(r.PostFormValue("start")),
			Day:          num("day"),
			Cron:         strings.TrimSpace(r.PostFormValue("cron")),
			TimeZone:     strings.TrimSpace(r.PostFormValue("time_zone")),
			RetryCount:   num("retry_count"),
		},
	}
	if in.Schedule.Interval == "never" {
		in.Schedule.Interval = ""
	}
	for _, l := range strings.FieldsFunc(r.PostFormValue("notify"), func(c rune) bool { return c == '\n' || c == '\r' || c == ',' }) {
		if l = strings.TrimSpace(l); l != "" {
			in.Notify = append(in.Notify, l)
		}
	}
	return in, fields
}

// renderForm shows f: on the Jobs page for a new job, on the edit page
// for a stored one.
func (a *app) renderForm(w http.ResponseWriter, r *http.Request, se *store.Session, status int, f jobForm) {
	if f.Old == "" {
		a.renderJobs(w, r, se, status, f)
		return
	}
	p := newPage(se, "Edit job "+f.Old, "jobs")
	p.Data = jobsData{CanRun: a.o.Service != nil, Form: f}
	a.render(w, status, "jobedit", p)
}

// noService answers the job routes that need serve's scheduler.
func (a *app) noService(w http.ResponseWriter, r *http.Request, se *store.Session) bool {
	if a.o.Service != nil {
		return false
	}
	a.fail(w, r, se, http.StatusConflict, "This server does not run jobs (the demo replicates once at start): saving, Run now and progress need backlogsync serve.")
	return true
}

// createJob saves a new stored job through service.SaveJob (as POST
// /api/jobs): nothing is saved when a field or a statement is wrong, and
// the form comes back with each problem at its field and each statement
// error at its line and column.
func (a *app) createJob(w http.ResponseWriter, r *http.Request, se *store.Session) {
	a.saveJob(w, r, se, "")
}

// updateJob replaces the stored job {name} (as PUT /api/jobs/{name}).
func (a *app) updateJob(w http.ResponseWriter, r *http.Request, se *store.Session) {
	a.saveJob(w, r, se, r.PathValue("name"))
}

func (a *app) saveJob(w http.ResponseWriter, r *http.Request, se *store.Session, old string) {
	if a.noService(w, r, se) {
		return
	}
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	f, err := a.newForm(ctx, old)
	if err != nil {
		a.internal(w, r, se, "list connections", err)
		return
	}
	f.In, f.Fields = parseJobForm(r)
	if len(f.Fields) > 0 {
		_, ps := service.CheckStatements(f.In.Statements, f.In.ReplicateAll)
		f.Problems = problems(f.In.Statements, ps)
		a.renderForm(w, r, se, http.StatusBadRequest, f)
		return
	}
	err = a.o.Service.SaveJob(ctx, old, f.In)
	if ie, ok := errors.AsType[*service.InputError](err); ok {
		for k, v := range ie.Fields {
			f.Fields[k] = v
		}
		f.Problems = problems(f.In.Statements, ie.Problems)
		a.renderForm(w, r, se, http.StatusBadRequest, f)
		return
	}
	if err != nil {
		a.jobFail(w, r, se, "save the job", err)
		return
	}
	verb := "Created"
	if old != "" {
		verb = "Saved"
	}
	a.redirect(w, r, "/admin/jobs", verb+" job "+f.In.Name+" ("+scheduleText(f.In.Schedule.Config())+").")
}

// jobFail answers an error of the service: 404 for an unknown job, 409
// for a config job (read-only here) or a running one, else 500.
func (a *app) jobFail(w http.ResponseWriter, r *http.Request, se *store.Session, what string, err error) {
	switch backlogsync.ErrorCode(err) {
	case backlogsync.ENOTFOUND:
		a.fail(w, r, se, http.StatusNotFound, backlogsync.ErrorMessage(err)+". The Jobs page lists them.")
	case backlogsync.EINVALID, backlogsync.ECONFLICT:
		a.fail(w, r, se, http.StatusConflict, backlogsync.ErrorMessage(err)+".")
	default:
		a.internal(w, r, se, what, err)
	}
}

// editJobPage shows the form of the stored job {name}. A config job is
// read-only here (409, saying where to change it).
func (a *app) editJobPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	if a.noService(w, r, se) {
		return
	}
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	name := r.PathValue("name")
	ji, err := a.o.Service.Job(ctx, name)
	if err != nil {
		a.jobFail(w, r, se, "read the job", err)
		return
	}
	if !ji.Stored || ji.Input == nil {
		a.fail(w, r, se, http.StatusConflict, "Job "+name+" comes from the config file and is read-only here: edit it in the file and restart serve.")
		return
	}
	f, err := a.newForm(ctx, name)
	if err != nil {
		a.internal(w, r, se, "list connections", err)
		return
	}
	f.In = *ji.Input
	a.renderForm(w, r, se, http.StatusOK, f)
}

// deleteJob deletes the stored job {name} (as DELETE /api/jobs/{name});
// its runs stay in the destination's runs table.
func (a *app) deleteJob(w http.ResponseWriter, r *http.Request, se *store.Session) {
	if a.noService(w, r, se) {
		return
	}
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	name := r.PathValue("name")
	ji, err := a.o.Service.Job(ctx, name)
	if err == nil {
		err = a.o.Service.DeleteJob(ctx, name)
	}
	if err != nil {
		a.jobFail(w, r, se, "delete the job", err)
		return
	}
	a.redirect(w, r, "/admin/jobs", "Deleted job "+name+". Its runs stay in the runs table of destination "+ji.Destination+".")
}

// jobPath is the path of a job's page.
func jobPath(name string) string { return "/admin/jobs/" + url.PathEscape(name) }
