package service

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/store"
)

// storedRoutes adds the REST routes that change connections and stored
// jobs (all admin-only).
func (s *Service) storedRoutes(admin func(string, http.HandlerFunc)) {
	admin("GET /api/connections", s.listConnections)
	admin("POST /api/connections", s.addConnection)
	admin("GET /api/connections/{id}", s.getConnection)
	admin("PUT /api/connections/{id}", s.updateConnection)
	admin("DELETE /api/connections/{id}", s.removeConnection)
	admin("POST /api/connections/test", s.testNewConnection)
	admin("POST /api/connections/{id}/test", s.testStoredConnection)
	admin("POST /api/jobs", s.createJob)
	admin("PUT /api/jobs/{name}", s.updateJob)
	admin("DELETE /api/jobs/{name}", s.deleteJob)
	admin("GET /api/jobs/{name}/progress", s.jobProgress)
}

// connectionView is a connection as the API shows it: never its secret.
type connectionView struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	SpaceURL   string `json:"space_url"`
	AuthScheme string `json:"auth_scheme"`
	// The rate-limit settings as stored: max_share 1 is the whole budget,
	// concurrency 0 and pacing "" the defaults (4, window).
	MaxShare    float64   `json:"max_share"`
	Concurrency int       `json:"concurrency"`
	Pacing      string    `json:"pacing"`
	Jobs        []string  `json:"jobs"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// viewConnection shows c with jobs, the names of the stored jobs that
// read it.
func viewConnection(c store.Connection, jobs []string) connectionView {
	if jobs == nil {
		jobs = []string{}
	}
	return connectionView{ID: c.ID, Name: c.Name, SpaceURL: c.SpaceURL, AuthScheme: c.AuthScheme,
		MaxShare: c.MaxShare, Concurrency: c.Concurrency, Pacing: c.Pacing, Jobs: jobs, Created: c.Created, Updated: c.Updated}
}

// writeConnection answers the view of one connection, with its jobs.
func (s *Service) writeConnection(w http.ResponseWriter, r *http.Request, status int, c store.Connection) {
	jobs, err := s.o.Store.ConnectionJobs(r.Context(), c.ID)
	if err != nil {
		s.storeFailed(w, err)
		return
	}
	writeJSON(w, status, viewConnection(c, jobs))
}

// listConnections answers every connection with its jobs: two queries
// however many connections there are.
func (s *Service) listConnections(w http.ResponseWriter, r *http.Request) {
	cs, err := s.o.Store.Connections(r.Context())
	if err != nil {
		s.storeFailed(w, err)
		return
	}
	jobs, err := s.o.Store.JobsByConnection(r.Context())
	if err != nil {
		s.storeFailed(w, err)
		return
	}
	out := []connectionView{}
	for _, c := range cs {
		out = append(out, viewConnection(c, jobs[c.ID]))
	}
	writeJSON(w, http.StatusOK, out)
}

// ConnectionInput is a connection as typed: the body of POST and PUT
// /api/connections, and the web admin's connection form.
type ConnectionInput struct {
	Name       string `json:"name"`
	SpaceURL   string `json:"space_url"`
	AuthScheme string `json:"auth_scheme"`
	// Secret is the API key or OAuth access token; on PUT, "" keeps the
	// stored one.
	Secret string `json:"secret"`
	// The rate-limit settings, as rate_limit of a config file's account
	// (same names, rules and messages; see rateLimit). Left out, a new
	// connection takes the defaults and PUT keeps the stored ones.
	//
	// MaxShare is the share of each rate-limit window the connection may
	// use, more than 0 and at most 1 (1: all of it).
	MaxShare *float64 `json:"max_share,omitempty"`
	// Concurrency is how many requests may be in flight at once, 1 to
	// config.MaxConcurrency; 0 for the default (4).
	Concurrency *int `json:"concurrency,omitempty"`
	// Pacing is "window" or "even" (any case); "" for the default (window).
	Pacing *string `json:"pacing,omitempty"`
}

// Check trims the input, defaults the scheme to "apikey" and validates it
// (a secret is required when needSecret, as on create): the zero
// FieldProblem when it is good, else the field and what to write. It
// never quotes the secret or the URL.
func (in *ConnectionInput) Check(needSecret bool) FieldProblem {
	in.Name, in.Secret = strings.TrimSpace(in.Name), strings.TrimSpace(in.Secret)
	in.SpaceURL = strings.TrimRight(strings.TrimSpace(in.SpaceURL), "/")
	if in.AuthScheme == "" {
		in.AuthScheme = "apikey"
	}
	switch {
	case in.Name == "" || len(in.Name) > 64:
		return FieldProblem{"name", "give the connection a name of at most 64 characters, e.g. the space key"}
	case in.AuthScheme != "apikey" && in.AuthScheme != "oauth":
		return FieldProblem{"auth_scheme", authSchemeFix}
	case needSecret && in.Secret == "":
		return FieldProblem{"secret", "give the API key (Backlog: Personal Settings > API) or the OAuth access token"}
	}
	u, err := url.Parse(in.SpaceURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return FieldProblem{"space_url", "write the space's address, like https://example.backlog.com (or .backlog.jp), with no key in it"}
	}
	return in.checkRateLimit()
}

// badInput answers 400 with the problem of a connection's input, naming
// the field by its JSON key, and the field it is in (error.fields, as for
// stored jobs).
func badInput(w http.ResponseWriter, p FieldProblem) {
	msg := p.API()
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"status": http.StatusBadRequest,
		"message": msg, "fields": map[string]string{p.Field: msg}}})
}

func (s *Service) addConnection(w http.ResponseWriter, r *http.Request) {
	var in ConnectionInput
	if !readJSON(w, r, &in) {
		return
	}
	if p := in.Check(true); !p.OK() {
		badInput(w, p)
		return
	}
	if s.seal == nil {
		writeError(w, http.StatusConflict, "the server has no key to encrypt secrets with; "+NoSecretKeyFix)
		return
	}
	sealed, err := s.seal.Seal(in.Secret, in.Name)
	if err != nil {
		s.storeFailed(w, err)
		return
	}
	c := &store.Connection{Name: in.Name, SpaceURL: in.SpaceURL, AuthScheme: in.AuthScheme, Secret: sealed}
	in.ApplyRateLimit(c)
	if err := s.o.Store.AddConnection(r.Context(), c); err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, viewConnection(*c, nil)) // new: no job reads it yet
}

// connection reads the {id} of the path; it answers the error itself.
func (s *Service) connection(w http.ResponseWriter, r *http.Request) *store.Connection {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "connection "+strconv.Quote(r.PathValue("id"))+": give the id from GET /api/connections")
		return nil
	}
	c, err := s.o.Store.Connection(r.Context(), id)
	if err != nil {
		storeError(w, err)
		return nil
	}
	return c
}

func (s *Service) getConnection(w http.ResponseWriter, r *http.Request) {
	if c := s.connection(w, r); c != nil {
		s.writeConnection(w, r, http.StatusOK, *c)
	}
}

// updateConnection replaces a connection's name, URL, scheme and (when
// given) secret and rate-limit settings. A kept secret is re-sealed under
// a new name.
func (s *Service) updateConnection(w http.ResponseWriter, r *http.Request) {
	c := s.connection(w, r)
	if c == nil {
		return
	}
	var in ConnectionInput
	if !readJSON(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.AuthScheme) == "" {
		in.AuthScheme = c.AuthScheme // left out: kept, as the secret and the rate limit are
	}
	if p := in.Check(false); !p.OK() {
		badInput(w, p)
		return
	}
	if s.seal == nil {
		writeError(w, http.StatusConflict, "the server has no key to encrypt secrets with; "+NoSecretKeyFix)
		return
	}
	secret := in.Secret
	if secret == "" {
		var err error
		if secret, err = s.seal.Open(c.Secret, c.Name); err != nil {
			writeError(w, http.StatusConflict, err.Error()+"; send the secret again")
			return
		}
	}
	sealed, err := s.seal.Seal(secret, in.Name)
	if err != nil {
		s.storeFailed(w, err)
		return
	}
	up := &store.Connection{ID: c.ID, Name: in.Name, SpaceURL: in.SpaceURL, AuthScheme: in.AuthScheme, Secret: sealed,
		MaxShare: c.MaxShare, Concurrency: c.Concurrency, Pacing: c.Pacing}
	in.ApplyRateLimit(up)
	if err := s.o.Store.UpdateConnection(r.Context(), up); err != nil {
		storeError(w, err)
		return
	}
	s.writeConnection(w, r, http.StatusOK, *up) // as stored: UpdateConnection fills it in
}

// testNewConnection tries a connection that is not saved (the body of POST
// /api/connections; the name may be left out): 200 with what the space
// answered, or 422 with the reason. Nothing is stored.
func (s *Service) testNewConnection(w http.ResponseWriter, r *http.Request) {
	var in ConnectionInput
	if !readJSON(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Name) == "" {
		in.Name = "test"
	}
	if p := in.Check(true); !p.OK() {
		badInput(w, p)
		return
	}
	c := store.Connection{SpaceURL: in.SpaceURL, AuthScheme: in.AuthScheme}
	in.ApplyRateLimit(&c)
	s.answerTest(w, r, ConnectionTestOf(c, in.Secret))
}

// testStoredConnection tries a stored connection with its sealed secret.
func (s *Service) testStoredConnection(w http.ResponseWriter, r *http.Request) {
	c := s.connection(w, r)
	if c == nil {
		return
	}
	if s.seal == nil {
		writeError(w, http.StatusConflict, "the server has no key to open stored secrets with; "+NoSecretKeyFix)
		return
	}
	secret, err := s.seal.Open(c.Secret, c.Name)
	if err != nil {
		writeError(w, http.StatusConflict, err.Error()+"; send the secret again with PUT /api/connections/"+r.PathValue("id"))
		return
	}
	s.answerTest(w, r, ConnectionTestOf(*c, secret))
}

func (s *Service) answerTest(w http.ResponseWriter, r *http.Request, in ConnectionTest) {
	hc := s.o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	rep, msg := TestConnection(r.Context(), hc, in)
	if rep == nil {
		writeError(w, http.StatusUnprocessableEntity, msg)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Service) removeConnection(w http.ResponseWriter, r *http.Request) {
	c := s.connection(w, r)
	if c == nil {
		return
	}
	if err := s.o.Store.RemoveConnection(r.Context(), c.ID); err != nil {
		storeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// storeFailed logs err and answers 500 without its details.
func (s *Service) storeFailed(w http.ResponseWriter, err error) {
	s.log.Error("api: state database", "err", err)
	writeError(w, http.StatusInternalServerError, "the state database failed; see the server's log")
}

// jobError answers a SaveJob/DeleteJob error: 400 with the fields and
// the statements' problems (with positions) for an invalid job.
func (s *Service) jobError(w http.ResponseWriter, err error) {
	var ie *InputError
	if errors.As(err, &ie) {
		problems := ie.Problems
		if problems == nil {
			problems = []Problem{}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"status": http.StatusBadRequest,
			"message": ie.Error(), "fields": ie.Fields, "problems": problems}})
		return
	}
	switch backlogsync.ErrorCode(err) {
	case backlogsync.EINVALID, backlogsync.ENOTFOUND, backlogsync.ECONFLICT:
		storeError(w, err)
	default:
		s.storeFailed(w, err)
	}
}

func (s *Service) createJob(w http.ResponseWriter, r *http.Request) {
	var in JobInput
	if !readJSON(w, r, &in) {
		return
	}
	if err := s.SaveJob(r.Context(), "", in); err != nil {
		s.jobError(w, err)
		return
	}
	s.writeJob(w, r, http.StatusCreated, strings.TrimSpace(in.Name))
}

func (s *Service) updateJob(w http.ResponseWriter, r *http.Request) {
	var in JobInput
	if !readJSON(w, r, &in) {
		return
	}
	if err := s.SaveJob(r.Context(), r.PathValue("name"), in); err != nil {
		s.jobError(w, err)
		return
	}
	s.writeJob(w, r, http.StatusOK, strings.TrimSpace(in.Name))
}

func (s *Service) writeJob(w http.ResponseWriter, r *http.Request, status int, name string) {
	st, _ := s.status(name)
	writeJSON(w, status, s.view(name, st, true))
}

func (s *Service) deleteJob(w http.ResponseWriter, r *http.Request) {
	if err := s.DeleteJob(r.Context(), r.PathValue("name")); err != nil {
		s.jobError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// progressView is Progress as JSON.
type progressView struct {
	Job      string                `json:"job"`
	State    string                `json:"state"`
	Attempt  int                   `json:"attempt,omitempty"`
	Started  *time.Time            `json:"started,omitempty"`
	Finished *time.Time            `json:"finished,omitempty"`
	Status   string                `json:"status,omitempty"`
	Error    string                `json:"error,omitempty"`
	Accounts []accountProgressView `json:"accounts"`
}

type accountProgressView struct {
	Account         string  `json:"account"`
	Tables          int     `json:"tables"`
	TablesDone      int     `json:"tables_done"`
	Table           string  `json:"table,omitempty"`
	Phase           string  `json:"phase,omitempty"`
	TableRows       int64   `json:"table_rows"`
	Expected        int64   `json:"expected,omitempty"`
	Rows            int64   `json:"rows"`
	Requests        int64   `json:"requests"`
	BudgetRemaining int     `json:"budget_remaining,omitempty"`
	BudgetLimit     int     `json:"budget_limit,omitempty"`
	ETASeconds      float64 `json:"eta_seconds,omitempty"`
	RunID           int64   `json:"run_id,omitempty"`
	Status          string  `json:"status,omitempty"`
}

// jobProgress answers the job's current or latest run since serve
// started: {"state": "idle"} when it has not run since.
func (s *Service) jobProgress(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, ok := s.job(name); !ok {
		s.noJob(w, name)
		return
	}
	v := progressView{Job: name, State: "idle", Accounts: []accountProgressView{}}
	if p, ok := s.JobProgress(name); ok {
		v.State, v.Attempt, v.Status, v.Error = p.State, p.Attempt, p.Status, p.Error
		if !p.Started.IsZero() {
			v.Started = &p.Started
		}
		if !p.Finished.IsZero() {
			v.Finished = &p.Finished
		}
		for _, a := range p.Accounts {
			v.Accounts = append(v.Accounts, accountProgressView{Account: a.Account, Tables: a.Tables, TablesDone: a.TablesDone,
				Table: a.Table, Phase: a.Phase, TableRows: a.TableRows, Expected: a.Expected, Rows: a.Rows, Requests: a.Requests,
				BudgetRemaining: a.BudgetRemaining, BudgetLimit: a.BudgetLimit, ETASeconds: a.ETA.Seconds(), RunID: a.RunID, Status: a.Status})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
}
