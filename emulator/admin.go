package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// adminPrefix is the reserved path prefix of the emulator's admin routes.
//
// Every admin route except GET /_emulator/health requires the space
// administrator's API key in the Backlog-API-Key header (the apiKey query
// parameter is not accepted, so the key stays out of logs); without it the
// answer is Backlog's 401 / code 11. An emulator served on a LAN address is
// therefore not open to whoever can reach it — though its API keys are
// printed at start and the data is synthetic, so it is still not meant to
// face the Internet. Bodies are JSON; unknown fields are errors.
//
//	GET    /_emulator/health               {"status":"ok"} (no key needed)
//	GET    /_emulator/space                Summary: seed, sizes, counts
//	GET    /_emulator/users                users with their API keys
//	POST   /_emulator/reset                forget rate counts, faults and the request log
//	POST   /_emulator/reseed               {"seed":2,"size":{"issues":500,…},"empty":false}
//	GET    /_emulator/faults               the fault rules with their counters
//	POST   /_emulator/faults               a FaultRule or an array of them → 201 with ids
//	DELETE /_emulator/faults               remove every rule
//	DELETE /_emulator/faults/{id}          remove one rule
//	GET    /_emulator/ratelimit            {"profile","window","limits":{read,update,search,icon}}
//	PUT    /_emulator/ratelimit            {"profile":"free"} or {"limits":{…}}, optional "window":"5s"
//	GET    /_emulator/requests             {"total":N,"requests":[LoggedRequest…]} (?limit=N keeps the newest N)
//	DELETE /_emulator/requests             empty the request log
//	POST   /_emulator/issues/move          {"issue":"BLG-1","project":"DST"} → {"issueKey":"DST-9"} (the web UI's move; admin_move.go)
//	POST   /_emulator/oauth/autoapprove    {"userId": 1000001 | "admin" | null} (null turns it off)
//	DELETE /_emulator/oauth/autoapprove    turn auto-approval off
const adminPrefix = "/_emulator/"

// maxAdminBody bounds admin request bodies.
const maxAdminBody = 1 << 20

// routesAdmin registers the admin routes on a mux of their own under
// adminPrefix: they are not Backlog API routes (no rate limit, not in the
// request log).
func (s *Server) routesAdmin() {
	m := http.NewServeMux()
	open := func(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				s.writeAdminError(w, err)
			}
		})
	}
	admin := func(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
		open(pattern, func(w http.ResponseWriter, r *http.Request) error {
			if err := s.checkAdmin(r); err != nil {
				return err
			}
			return h(w, r)
		})
	}
	open("GET /_emulator/health", s.adminHealth)
	admin("GET /_emulator/space", s.adminSpace)
	admin("GET /_emulator/users", s.adminUsers)
	admin("POST /_emulator/reset", s.adminReset)
	admin("POST /_emulator/reseed", s.adminReseed)
	admin("GET /_emulator/faults", s.adminListFaults)
	admin("POST /_emulator/faults", s.adminAddFaults)
	admin("DELETE /_emulator/faults", s.adminClearFaults)
	admin("DELETE /_emulator/faults/{id}", s.adminRemoveFault)
	admin("GET /_emulator/ratelimit", s.adminGetRate)
	admin("PUT /_emulator/ratelimit", s.adminPutRate)
	admin("GET /_emulator/requests", s.adminRequests)
	admin("DELETE /_emulator/requests", s.adminClearRequests)
	admin("POST /_emulator/churn", s.adminChurn)
	admin("POST /_emulator/issues/move", s.adminMoveIssue)
	admin("POST /_emulator/oauth/autoapprove", s.adminAutoApprove)
	admin("DELETE /_emulator/oauth/autoapprove", s.adminAutoApproveOff)
	admin("/_emulator/", func(w http.ResponseWriter, r *http.Request) error {
		return errorf(CodeNoResource, "No such emulator route: %s %s.", r.Method, r.URL.Path)
	})
	s.mux.Handle(adminPrefix, m)
}

// checkAdmin requires the space administrator's key in Backlog-API-Key.
func (s *Server) checkAdmin(r *http.Request) error {
	key := r.Header.Get("Backlog-API-Key")
	s.storeMu.RLock()
	defer s.storeMu.RUnlock()
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	owner := st.users[st.space.OwnerID]
	if key == "" || owner == nil || !constantTimeHas(owner.APIKeys, key) {
		return errorf(CodeAuthentication,
			"Authentication failure. Admin routes need the administrator's API key in the Backlog-API-Key header.")
	}
	return nil
}

// writeAdminError writes an admin route's error as Backlog's error body.
func (s *Server) writeAdminError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = badRequest("%s", err.Error())
	}
	s.writeError(w, ae)
}

// writeJSON writes v as indented JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
	return nil
}

// readJSON decodes an admin body strictly; an empty body leaves v alone.
func readJSON(r *http.Request, v any) error {
	if r.Body == nil {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil {
		return badRequest("reading the body: %v", err)
	}
	if len(data) > maxAdminBody {
		return badRequest("the body is larger than %d bytes", maxAdminBody)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}

func (s *Server) adminHealth(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Summary describes the emulated space (GET /_emulator/space).
type Summary struct {
	SpaceKey     string `json:"spaceKey"`
	Seed         int64  `json:"seed"`
	Users        int    `json:"users"`
	Teams        int    `json:"teams"`
	Projects     int    `json:"projects"`
	Issues       int    `json:"issues"`
	Comments     int    `json:"comments"`
	Wikis        int    `json:"wikis"`
	Documents    int    `json:"documents"`
	SharedFiles  int    `json:"sharedFiles"`
	Repositories int    `json:"repositories"`
	PullRequests int    `json:"pullRequests"`
	Activities   int    `json:"activities"`
}

// Summary counts the objects of the space.
func (s *Server) Summary() Summary {
	s.storeMu.RLock()
	defer s.storeMu.RUnlock()
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	return Summary{SpaceKey: st.space.SpaceKey, Seed: s.opts.Seed, Users: len(st.users), Teams: len(st.teams),
		Projects: len(st.projects), Issues: len(st.issues), Comments: len(st.comments), Wikis: len(st.wikis),
		Documents: len(st.documents), SharedFiles: len(st.sharedFiles), Repositories: len(st.repos),
		PullRequests: len(st.pullReqs), Activities: len(st.activities)}
}

func (s *Server) adminSpace(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, s.Summary())
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	type row struct {
		ID       int64  `json:"id"`
		UserID   string `json:"userId"`
		Name     string `json:"name"`
		RoleType int    `json:"roleType"`
		APIKey   string `json:"apiKey"`
	}
	out := []row{}
	for _, u := range s.Users() {
		out = append(out, row{u.ID, u.UserID, u.Name, u.RoleType, u.APIKey})
	}
	return writeJSON(w, http.StatusOK, out)
}

// Reset forgets rate-limit counts, fault rules and the request log; the
// space is kept.
func (s *Server) Reset() {
	s.limiter.reset()
	s.faults.clear()
	s.reqlog.clear()
}

func (s *Server) adminReset(w http.ResponseWriter, r *http.Request) error {
	s.Reset()
	return writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

// Reseed replaces the space with one generated from seed and size (the zero
// Size means DefaultSize; empty generates only the administrator). The
// administrator's current API key is kept so that the caller is not locked
// out. In-flight requests finish on the old space; OAuth codes and tokens
// and rate-limit counts are forgotten (user ids change meaning), fault rules
// and the request log are kept.
func (s *Server) Reseed(seed int64, size Size, empty bool) error {
	s.reseedMu.Lock()
	defer s.reseedMu.Unlock()
	key := s.AdminAPIKey()
	if size == (Size{}) {
		size = DefaultSize
	}
	if err := validateSize(size); err != nil {
		return err
	}
	gen := size
	if empty {
		gen = Size{}
	}
	st, err := generate(seed, gen, s.opts.SpaceKey, key, s.now())
	if err != nil {
		return err
	}
	s.storeMu.Lock()
	s.store = st
	s.opts.Seed, s.opts.Size, s.opts.Empty = seed, size, empty
	s.storeMu.Unlock()
	s.oauth.forget()
	s.limiter.reset()
	return nil
}

// validateSize rejects negative sizes.
func validateSize(z Size) error {
	for name, n := range map[string]int{"projects": z.Projects, "users": z.Users, "teams": z.Teams,
		"issues": z.Issues, "comments": z.Comments, "wikis": z.Wikis, "documents": z.Documents,
		"repositories": z.Repositories, "pullRequests": z.PullRequests, "sharedFiles": z.SharedFiles} {
		if n < 0 {
			return badRequest("size %s is %d: sizes cannot be negative", name, n)
		}
	}
	return nil
}

// sizeJSON is the wire form of Size.
type sizeJSON struct {
	Projects     *int `json:"projects"`
	Users        *int `json:"users"`
	Teams        *int `json:"teams"`
	Issues       *int `json:"issues"`
	Comments     *int `json:"comments"`
	Wikis        *int `json:"wikis"`
	Documents    *int `json:"documents"`
	Repositories *int `json:"repositories"`
	PullRequests *int `json:"pullRequests"`
	SharedFiles  *int `json:"sharedFiles"`
}

// apply overrides the fields present.
func (j *sizeJSON) apply(z *Size) {
	for _, f := range []struct {
		v   *int
		dst *int
	}{{j.Projects, &z.Projects}, {j.Users, &z.Users}, {j.Teams, &z.Teams}, {j.Issues, &z.Issues},
		{j.Comments, &z.Comments}, {j.Wikis, &z.Wikis}, {j.Documents, &z.Documents},
		{j.Repositories, &z.Repositories}, {j.PullRequests, &z.PullRequests}, {j.SharedFiles, &z.SharedFiles}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
}

// adminReseed serves POST /_emulator/reseed. Absent fields keep their
// current value; size fields override the current size one by one.
func (s *Server) adminReseed(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Seed  *int64    `json:"seed"`
		Size  *sizeJSON `json:"size"`
		Empty *bool     `json:"empty"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	s.storeMu.RLock()
	seed, size, empty := s.opts.Seed, s.opts.Size, s.opts.Empty
	s.storeMu.RUnlock()
	if size == (Size{}) {
		size = DefaultSize
	}
	if body.Seed != nil {
		seed = *body.Seed
	}
	if body.Size != nil {
		body.Size.apply(&size)
	}
	if body.Empty != nil {
		empty = *body.Empty
	}
	start := time.Now()
	if err := s.Reseed(seed, size, empty); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"space": s.Summary(),
		"elapsed": time.Since(start).Round(time.Millisecond).String()})
}

func (s *Server) adminListFaults(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, s.Faults())
}

// adminAddFaults accepts one rule or an array; all are validated before any
// is added.
func (s *Server) adminAddFaults(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := readJSON(r, &raw); err != nil {
		return err
	}
	var rules []FaultRule
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0:
		return badRequest("the body must be a fault rule or an array of them")
	case trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &rules); err != nil {
			return badRequest("invalid fault rules: %v", err)
		}
	default:
		var one FaultRule
		if err := json.Unmarshal(trimmed, &one); err != nil {
			return badRequest("invalid fault rule: %v", err)
		}
		rules = []FaultRule{one}
	}
	for i := range rules {
		check := rules[i]
		if err := check.normalize(); err != nil {
			return badRequest("fault rule %d: %v", i, err)
		}
	}
	out := make([]FaultRule, 0, len(rules))
	for _, rule := range rules {
		added, err := s.AddFault(rule)
		if err != nil {
			return badRequest("%v", err)
		}
		out = append(out, added)
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) adminClearFaults(w http.ResponseWriter, r *http.Request) error {
	s.ClearFaults()
	return writeJSON(w, http.StatusOK, []FaultRule{})
}

func (s *Server) adminRemoveFault(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !s.RemoveFault(id) {
		return errorf(CodeNoResource, "No fault rule %s.", r.PathValue("id"))
	}
	return writeJSON(w, http.StatusOK, s.Faults())
}

// rateJSON is the wire form of RateSettings.
type rateJSON struct {
	Profile string         `json:"profile"`
	Window  string         `json:"window"`
	Limits  map[string]int `json:"limits"`
}

func rateToJSON(rs RateSettings) rateJSON {
	return rateJSON{Profile: rs.Profile, Window: rs.Window.String(), Limits: map[string]int{
		"read": rs.Limits.Read, "update": rs.Limits.Update, "search": rs.Limits.Search, "icon": rs.Limits.Icon}}
}

func (s *Server) adminGetRate(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, rateToJSON(s.RateSettings()))
}

// adminPutRate serves PUT /_emulator/ratelimit: a profile, or explicit
// limits (0 = unlimited; absent classes keep their limit), and an optional
// window. Counts in the current windows are kept.
func (s *Server) adminPutRate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Profile *string         `json:"profile"`
		Window  json.RawMessage `json:"window"`
		Limits  *struct {
			Read   *int `json:"read"`
			Update *int `json:"update"`
			Search *int `json:"search"`
			Icon   *int `json:"icon"`
		} `json:"limits"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	cur := s.RateSettings()
	limits := cur.Limits
	if body.Profile != nil {
		if *body.Profile == "custom" {
			return badRequest(`profile "custom": give "limits" instead`)
		}
		l, err := ParseRateProfile(*body.Profile)
		if err != nil {
			return badRequest("%v", err)
		}
		limits = l
	}
	if body.Limits != nil {
		for _, f := range []struct {
			name string
			v    *int
			dst  *int
		}{{"read", body.Limits.Read, &limits.Read}, {"update", body.Limits.Update, &limits.Update},
			{"search", body.Limits.Search, &limits.Search}, {"icon", body.Limits.Icon, &limits.Icon}} {
			if f.v == nil {
				continue
			}
			if *f.v < 0 {
				return badRequest("limits.%s is %d: use 0 for unlimited or a positive budget", f.name, *f.v)
			}
			*f.dst = *f.v
		}
	}
	var window time.Duration
	if len(body.Window) > 0 {
		d, err := parseJSONDuration(body.Window)
		if err != nil || d <= 0 {
			return badRequest("window %s: want a positive duration such as \"60s\"", body.Window)
		}
		window = d
	}
	s.SetRateLimits(limits, window)
	return writeJSON(w, http.StatusOK, rateToJSON(s.RateSettings()))
}

// adminRequests serves GET /_emulator/requests.
func (s *Server) adminRequests(w http.ResponseWriter, r *http.Request) error {
	list := s.reqlog.list()
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badRequest("limit %q: want a non-negative integer", v)
		}
		if n < len(list) {
			list = list[len(list)-n:]
		}
	}
	s.reqlog.mu.Lock()
	total := s.reqlog.total
	s.reqlog.mu.Unlock()
	return writeJSON(w, http.StatusOK, map[string]any{"total": total, "requests": list})
}

func (s *Server) adminClearRequests(w http.ResponseWriter, r *http.Request) error {
	s.ClearRequests()
	return writeJSON(w, http.StatusOK, map[string]any{"total": 0, "requests": []LoggedRequest{}})
}

// maxChurnEvents bounds one POST /_emulator/churn.
const maxChurnEvents = 1_000_000

// ChurnResponse is the JSON answer of POST /_emulator/churn: what ChurnWith
// did (ChurnReport with its error as text), for clients in other processes.
type ChurnResponse struct {
	Events              int               `json:"events"`
	Counts              map[ChurnKind]int `json:"counts"`
	Failed              int               `json:"failed"`
	Error               string            `json:"error,omitempty"`
	IssuesCreated       []int64           `json:"issuesCreated"`
	IssuesUpdated       []int64           `json:"issuesUpdated"`
	IssuesDeleted       []int64           `json:"issuesDeleted"`
	Comments            []int64           `json:"comments"`
	WikisCreated        []int64           `json:"wikisCreated"`
	WikisUpdated        []int64           `json:"wikisUpdated"`
	WikisDeleted        []int64           `json:"wikisDeleted"`
	PullRequests        []int64           `json:"pullRequests"`
	PullRequestComments []int64           `json:"pullRequestComments"`
	SharedFiles         []int64           `json:"sharedFiles"`
	IssuesMoved         []int64           `json:"issuesMoved"`
}

// adminChurn serves POST /_emulator/churn {"events": n, "seed": s}: it
// applies n churn events of DefaultChurnMix at once (ChurnWith) and answers
// what they did, so that a process outside the emulator can compute what a
// replica should contain.
func (s *Server) adminChurn(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Events int   `json:"events"`
		Seed   int64 `json:"seed"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if body.Events <= 0 || body.Events > maxChurnEvents {
		return badRequest(`events %d: give a number of events from 1 to %d, e.g. {"events": 200, "seed": 1}`, body.Events, maxChurnEvents)
	}
	rep := s.ChurnWith(body.Events, ChurnOptions{Seed: body.Seed})
	out := ChurnResponse{Events: rep.Events, Counts: rep.Counts, Failed: rep.Failed,
		IssuesCreated: rep.IssuesCreated, IssuesUpdated: rep.IssuesUpdated, IssuesDeleted: rep.IssuesDeleted,
		Comments: rep.Comments, WikisCreated: rep.WikisCreated, WikisUpdated: rep.WikisUpdated,
		WikisDeleted: rep.WikisDeleted, PullRequests: rep.PullRequests,
		PullRequestComments: rep.PullRequestComments, SharedFiles: rep.SharedFiles, IssuesMoved: rep.IssuesMoved}
	if rep.Err != nil {
		out.Error = rep.Err.Error()
	}
	return writeJSON(w, http.StatusOK, out)
}

// adminAutoApprove serves POST /_emulator/oauth/autoapprove {"userId": …}:
// a numeric user id or a login id ("admin"); null or 0 turns it off.
func (s *Server) adminAutoApprove(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserID json.RawMessage `json:"userId"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	raw := strings.TrimSpace(string(body.UserID))
	var uid int64
	switch {
	case raw == "":
		return badRequest(`give "userId": a user id, a login id, or null to turn auto-approval off`)
	case raw == "null":
		uid = 0
	case raw[0] == '"':
		var login string
		if err := json.Unmarshal(body.UserID, &login); err != nil {
			return badRequest("userId: %v", err)
		}
		found := false
		for _, u := range s.Users() {
			if u.UserID == login {
				uid, found = u.ID, true
				break
			}
		}
		if !found {
			return notFound("user")
		}
	default:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return badRequest("userId %s: want a user id, a login id or null", raw)
		}
		uid = n
	}
	if err := s.SetOAuthAutoApprove(uid); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"autoApprove": uid != 0, "userId": uid})
}

func (s *Server) adminAutoApproveOff(w http.ResponseWriter, r *http.Request) error {
	_ = s.SetOAuthAutoApprove(0)
	return writeJSON(w, http.StatusOK, map[string]any{"autoApprove": false, "userId": 0})
}

// String describes a fault rule for logs.
func (f FaultRule) String() string {
	return fmt.Sprintf("fault %d: %s %s %s", f.ID, f.Method, f.Path, f.Kind)
}
