package service

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/jobsql"
	"github.com/backlogsync/backlogsync/replicate"
	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/server"
)

// Mount adds the service's routes to the server: /metrics and /readyz
// (open, like /healthz) and the REST API under /api/ (signed in with a
// personal access token; see docs/api.md).
func (s *Service) Mount() {
	srv := s.o.Server
	srv.Handle("GET /metrics", s.met.Handler())
	srv.Handle("GET /readyz", http.HandlerFunc(s.readyz))
	srv.Handle("/api/", srv.Authenticated(s.APIHandler()))
}

// APIHandler is the REST API's mux (requests must already be signed in:
// server.UserFrom finds the user).
func (s *Service) APIHandler() http.Handler {
	m := http.NewServeMux()
	admin := func(pattern string, h http.HandlerFunc) { m.Handle(pattern, adminOnly(h)) }
	admin("GET /api/jobs", s.listJobs)
	admin("GET /api/jobs/{name}", s.getJob)
	admin("POST /api/jobs/{name}/run", s.runNow)
	admin("GET /api/jobs/{name}/events", s.jobEvents)
	admin("POST /api/statements/validate", s.validate)
	s.storedRoutes(admin)
	admin("GET /api/runs", s.listRuns)
	admin("GET /api/claims", s.listClaims)
	admin("GET /api/jobs/{name}/runs/{id}", s.getRun)
	admin("GET /api/jobs/{name}/runs/{id}/log", s.getRunLog)
	admin("GET /api/users", s.listUsers)
	admin("POST /api/users", s.addUser)
	admin("DELETE /api/users/{email}", s.removeUser)
	m.HandleFunc("GET /api/me", s.me)
	m.HandleFunc("GET /api/tokens", s.listTokens)
	m.HandleFunc("POST /api/tokens", s.createToken)
	m.HandleFunc("DELETE /api/tokens/{ref}", s.revokeToken)
	admin("GET /api/workspaces", s.listWorkspaces)
	admin("POST /api/workspaces", s.addWorkspace)
	admin("DELETE /api/workspaces/{name}", s.removeWorkspace)
	admin("POST /api/workspaces/{name}/grants", s.grant)
	admin("DELETE /api/workspaces/{name}/grants/{email}", s.revoke)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no API route "+r.Method+" "+r.URL.Path+"; see docs/api.md")
	})
	return m
}

// adminOnly answers 403 to users who are not admins.
func adminOnly(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := server.UserFrom(r.Context()); u == nil || !u.Admin {
			writeError(w, http.StatusForbidden, "this route needs an admin; ask one to run backlogsync users add EMAIL --admin")
			return
		}
		h(w, r)
	})
}

// readyz answers 200 when the state database and every job's destination
// answer, 503 naming the ones that do not.
func (s *Service) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var problems []string
	if err := s.o.Store.Ping(ctx); err != nil {
		problems = append(problems, "the state database does not answer")
	}
	seen := map[string]bool{}
	for _, j := range s.jobList() {
		dn := j.Destination
		if seen[dn] {
			continue
		}
		seen[dn] = true
		d, err := s.o.Server.Destination(ctx, dn)
		if err == nil {
			_, err = d.Runs(ctx, "", 1)
		}
		if err != nil {
			s.log.Error("readyz: destination", "destination", dn, "err", err)
			problems = append(problems, "destination "+dn+" does not answer")
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	if len(problems) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "problems": problems})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "instance": s.o.Instance})
}

// jobView is a job as the API shows it.
type jobView struct {
	Name         string          `json:"name"`
	Destination  string          `json:"destination"`
	Accounts     []string        `json:"accounts"`
	Schedule     config.Schedule `json:"schedule"`
	Running      bool            `json:"running"`
	Next         *time.Time      `json:"next,omitempty"`
	ReplicateAll bool            `json:"replicate_all"`
	// Stored is true for jobs created through the API or the web admin
	// (editable), false for the config file's (read-only).
	Stored     bool     `json:"stored"`
	Notify     []string `json:"notify,omitempty"`
	Statements string   `json:"statements,omitempty"`
	// Problems are the statements' errors with their positions.
	Problems []Problem `json:"problems,omitempty"`
}

// Problem is one statement error, at its line and column (1-based, the
// column in characters) and byte offset.
type Problem struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Offset  int    `json:"offset"`
	Message string `json:"message"`
}

func (s *Service) view(name string, st schedule.JobStatus, full bool) jobView {
	j, _ := s.job(name)
	v := jobView{Name: name, Destination: j.Destination, Schedule: j.Schedule, Running: st.Running, ReplicateAll: j.ReplicateAll,
		Stored: s.isStored(name), Notify: j.Notify}
	if !st.Next.IsZero() {
		n := st.Next.UTC()
		v.Next = &n
	}
	for _, a := range j.Accounts {
		v.Accounts = append(v.Accounts, a.Account)
	}
	if full {
		v.Statements = j.Statements.Text
		_, v.Problems = check(j.Statements.File, j.Statements.Text, j.ReplicateAll)
	}
	return v
}

// CheckStatements parses and checks a stored job's statements as the
// runner would: the number of statements written (0 when they do not
// parse) and the problems with positions, none when the job would run.
func CheckStatements(text string, replicateAll bool) (count int, problems []Problem) {
	return check("statements", text, replicateAll)
}

// check parses (once) and checks statements as the runner would,
// returning the number of statements parsed and the problems with
// positions (none when the job would run).
func check(file, text string, replicateAll bool) (int, []Problem) {
	stmts, err := jobsql.Parse(file, text)
	if err == nil {
		err = (&replicate.Job{Statements: stmts, ReplicateAll: replicateAll}).Check()
	}
	if err == nil {
		return len(stmts), nil
	}
	return len(stmts), problemsOf(file, text, err)
}

// problemsOf turns a parse or check error of the statements text (read
// as file) into problems with positions where it has them.
func problemsOf(file, text string, err error) []Problem {
	var list jobsql.ErrorList
	if errors.As(err, &list) {
		out := make([]Problem, 0, len(list))
		for _, e := range list {
			out = append(out, Problem{Line: e.Line, Column: e.Col, Offset: e.Offset, Message: e.Msg})
		}
		return out
	}
	if je, ok := errors.AsType[*jobsql.Error](err); ok {
		return []Problem{{Line: je.Line, Column: je.Col, Offset: je.Offset, Message: je.Msg}}
	}
	// The runner's check reports "file:line:col: message".
	msg := backlogsync.ErrorMessage(err)
	if m := posRE.FindStringSubmatch(msg); m != nil && strings.HasPrefix(msg, file+":") {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return []Problem{{Line: line, Column: col, Offset: offsetOf(text, line, col), Message: m[3]}}
	}
	return []Problem{{Message: msg}}
}

var posRE = regexp.MustCompile(`^[^\n]*?:(\d+):(\d+): (.*)$`)

// offsetOf returns the byte offset of line:col (col in code points).
func offsetOf(text string, line, col int) int {
	off := 0
	for i := 1; i < line; i++ {
		n := strings.IndexByte(text[off:], '\n')
		if n < 0 {
			return off
		}
		off += n + 1
	}
	for c := 1; c < col && off < len(text); c++ {
		_, size := utf8.DecodeRuneInString(text[off:])
		off += size
	}
	return off
}

func (s *Service) status(name string) (schedule.JobStatus, bool) {
	for _, st := range s.sched.Status() {
		if st.Name == name {
			return st, true
		}
	}
	return schedule.JobStatus{}, false
}

func (s *Service) listJobs(w http.ResponseWriter, r *http.Request) {
	out := []jobView{}
	for _, st := range s.sched.Status() {
		out = append(out, s.view(st.Name, st, false))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) getJob(w http.ResponseWriter, r *http.Request) {
	st, ok := s.status(r.PathValue("name"))
	if !ok {
		s.noJob(w, r.PathValue("name"))
		return
	}
	writeJSON(w, http.StatusOK, s.view(st.Name, st, true))
}

func (s *Service) noJob(w http.ResponseWriter, name string) {
	msg := "no job named " + strconv.Quote(name) + fuzzy.DidYouMean(name, s.jobNames())
	writeError(w, http.StatusNotFound, msg)
}

// validate checks statements sent as {"statements": "...", "replicate_all": false}.
func (s *Service) validate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Statements   string `json:"statements"`
		ReplicateAll bool   `json:"replicate_all"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	_, ps := check("statements", in.Statements, in.ReplicateAll)
	writeJSON(w, http.StatusOK, map[string]any{"valid": len(ps) == 0, "problems": ps})
}

// runNow starts a run at once: 202 with the ids of its rows in the runs
// table (one per account, once the runner has created them), 409 when the
// job is running.
func (s *Service) runNow(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	j, ok := s.job(name)
	if !ok {
		s.noJob(w, name)
		return
	}
	d, err := s.o.Server.Destination(r.Context(), j.Destination)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "destination "+j.Destination+" does not answer; see the server's log")
		return
	}
	before := maxRunID(r.Context(), d, name)
	if err := s.RunNow(name); err != nil {
		if backlogsync.ErrorCode(err) == backlogsync.ECONFLICT {
			writeError(w, http.StatusConflict, backlogsync.ErrorMessage(err))
			return
		}
		writeError(w, http.StatusInternalServerError, backlogsync.ErrorMessage(err))
		return
	}
	// The runner records the run's rows within moments; wait briefly so
	// the answer can name them.
	var ids []int64
	deadline := time.Now().Add(5 * time.Second)
	for len(ids) < len(j.Accounts) && time.Now().Before(deadline) {
		ids = ids[:0]
		runs, _ := d.Runs(r.Context(), name, len(j.Accounts)+2)
		for _, run := range runs {
			if run.ID > before {
				ids = append(ids, run.ID)
			}
		}
		if len(ids) < len(j.Accounts) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	slices.Sort(ids)
	writeJSON(w, http.StatusAccepted, map[string]any{"job": name, "run_ids": ids,
		"events": "/api/jobs/" + name + "/events", "runs": "/api/runs?job=" + name})
}

func maxRunID(ctx context.Context, d backlogsync.Destination, job string) int64 {
	runs, err := d.Runs(ctx, job, 1)
	if err != nil || len(runs) == 0 {
		return 0
	}
	return runs[0].ID
}

func (s *Service) jobEvents(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, ok := s.job(name); !ok {
		s.noJob(w, name)
		return
	}
	s.serveEvents(w, r, name)
}

// runView is a row of the runs table with its per-table results.
type runView struct {
	ID       int64               `json:"id"`
	Job      string              `json:"job"`
	Account  string              `json:"account"`
	Started  time.Time           `json:"started"`
	Finished *time.Time          `json:"finished,omitempty"`
	Status   string              `json:"status"`
	Error    string              `json:"error,omitempty"`
	Requests map[string]int64    `json:"requests"`
	Waits429 int64               `json:"waits_429"`
	WaitSecs float64             `json:"wait_seconds"`
	Tables   []tableView         `json:"tables"`
	Warnings []map[string]string `json:"warnings,omitempty"`
}

type tableView struct {
	Table        string `json:"table"`
	Inserted     int64  `json:"inserted"`
	Updated      int64  `json:"updated"`
	Deleted      int64  `json:"deleted"`
	CursorBefore string `json:"cursor_before,omitempty"`
	CursorAfter  string `json:"cursor_after,omitempty"`
}

func (s *Service) runView(run backlogsync.Run) runView {
	v := runView{ID: run.ID, Job: run.Job, Account: run.Account, Started: run.Started, Status: string(run.Status),
		Error: s.notif.Scrub(run.Error), Waits429: run.Waits429, WaitSecs: run.WaitTime.Seconds(), Tables: []tableView{},
		Requests: map[string]int64{"read": run.Requests.Read, "update": run.Requests.Update, "search": run.Requests.Search, "icon": run.Requests.Icon}}
	if !run.Finished.IsZero() {
		f := run.Finished
		v.Finished = &f
	}
	for _, t := range run.Tables {
		v.Tables = append(v.Tables, tableView{Table: t.Table, Inserted: t.Inserted, Updated: t.Updated, Deleted: t.Deleted,
			CursorBefore: t.CursorBefore, CursorAfter: t.CursorAfter})
	}
	for _, w := range run.Warnings {
		v.Warnings = append(v.Warnings, map[string]string{"kind": w.Kind, "table": w.Table, "message": s.notif.Scrub(w.Message)})
	}
	return v
}

// listRuns lists runs newest first: ?job= (one job), ?status= (ok,
// failed, partial, cancelled, running, skipped), ?limit= (default 100).
func (s *Service) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	job, status := q.Get("job"), q.Get("status")
	limit := 100
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, "limit "+strconv.Quote(l)+": give a number from 1 to 10000")
			return
		}
		limit = n
	}
	valid := []string{"running", "ok", "partial", "failed", "cancelled", "skipped"}
	if status != "" && !slices.Contains(valid, status) {
		writeError(w, http.StatusBadRequest, "status "+strconv.Quote(status)+": use one of "+strings.Join(valid, ", "))
		return
	}
	names := s.jobNames()
	if job != "" {
		if _, ok := s.job(job); !ok {
			s.noJob(w, job)
			return
		}
		names = []string{job}
	}
	out := []runView{}
	for _, n := range names {
		jn, _ := s.job(n)
		d, err := s.o.Server.Destination(r.Context(), jn.Destination)
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "destination "+jn.Destination+" does not answer; see the server's log")
			return
		}
		runs, err := d.Runs(r.Context(), n, 0)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "runs of job "+n+": "+s.notif.Scrub(backlogsync.ErrorMessage(err)))
			return
		}
		for _, run := range runs {
			if status == "" || string(run.Status) == status {
				out = append(out, s.runView(run))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b runView) int { return b.Started.Compare(a.Started) })
	if len(out) > limit {
		out = out[:limit]
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) getRun(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	j, ok := s.job(name)
	if !ok {
		s.noJob(w, name)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "run id "+strconv.Quote(r.PathValue("id"))+": give the number from /api/runs")
		return
	}
	d, err := s.o.Server.Destination(r.Context(), j.Destination)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "destination "+j.Destination+" does not answer; see the server's log")
		return
	}
	run, err := d.Run(r.Context(), id)
	if backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND || (err == nil && run.Job != name) {
		writeError(w, http.StatusNotFound, "job "+name+" has no run "+strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, s.notif.Scrub(backlogsync.ErrorMessage(err)))
		return
	}
	writeJSON(w, http.StatusOK, s.runView(run))
}

// getRunLog answers the log of a run that serve ran, as text/plain
// (scrubbed of secrets; X-Log-Truncated: true when its middle was cut).
func (s *Service) getRunLog(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, ok := s.job(name); !ok { // under jmu: SyncStored may change the jobs
		s.noJob(w, name)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "run id "+strconv.Quote(r.PathValue("id"))+": give the number from /api/runs")
		return
	}
	l, err := s.o.Store.RunLog(r.Context(), name, id)
	if err != nil {
		storeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Log-Truncated", strconv.FormatBool(l.Truncated))
	_, _ = io.WriteString(w, s.scrubLog(l.Text))
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeError writes {"error": {"status": N, "message": msg}}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"status": status, "message": msg}})
}

// readJSON decodes a request body of at most 1 MiB into v, answering 400
// when it is not the JSON asked for.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not the JSON this route takes: "+err.Error()+"; see docs/api.md")
		return false
	}
	return true
}

// storeError maps a store error to a status.
func storeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch backlogsync.ErrorCode(err) {
	case backlogsync.ENOTFOUND:
		status = http.StatusNotFound
	case backlogsync.EINVALID:
		status = http.StatusBadRequest
	case backlogsync.ECONFLICT:
		status = http.StatusConflict
	}
	msg := backlogsync.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		msg = "the state database failed; see the server's log"
	}
	writeError(w, status, msg)
}
