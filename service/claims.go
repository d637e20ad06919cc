package service

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/backlogsync/backlogsync/replicate"
	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/store"
)

// Several instances. With a PostgreSQL state database the scheduler claims
// each scheduled start in the store (store.ClaimSlot) under the service's
// instance name, so that serve instances sharing the database run each
// start once; see package schedule's Claimer. A run that takes over the
// slot of an instance that died waits for the destination lease the dead
// run held (takeoverWait).

// takeoverWait is how long a takeover run waits for the destination lease
// of the run it replaces: the lease expires DefaultLeaseTTL after its
// holder's last renewal, and the dead run's claim (ClaimTTL) outlasts it.
const takeoverWait = replicate.DefaultLeaseTTL + 15*time.Second

// DefaultInstance names this process when serve is given no instance
// name: host name and process id.
func DefaultInstance() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "serve"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}

// storeClaimer is the schedule.Claimer of a store shared by instances.
type storeClaimer struct {
	st       *store.Store
	instance string
	ttl      time.Duration
}

func (c storeClaimer) Claim(ctx context.Context, s schedule.Slot) (bool, string, error) {
	return c.st.ClaimSlot(ctx, s.Job, s.Due, c.instance, string(s.Trigger), c.ttl)
}

func (c storeClaimer) Renew(ctx context.Context, s schedule.Slot) error {
	return c.st.RenewClaim(ctx, s.Job, s.Due, c.instance, c.ttl)
}

func (c storeClaimer) Finish(ctx context.Context, s schedule.Slot, r schedule.Run) error {
	var ids []int64
	if res, ok := r.Outcome.(*replicate.Result); ok && res != nil {
		for _, a := range res.Accounts {
			if a.RunID > 0 {
				ids = append(ids, a.RunID)
			}
		}
	}
	return c.st.FinishClaim(ctx, s.Job, s.Due, c.instance, string(r.Status), ids)
}

func (c storeClaimer) Expired(ctx context.Context) ([]schedule.Slot, error) {
	cs, err := c.st.ExpiredClaims(ctx, 50)
	if err != nil {
		return nil, err
	}
	out := make([]schedule.Slot, len(cs))
	for i, cl := range cs {
		out[i] = schedule.Slot{Job: cl.Job, Due: cl.Slot, Trigger: schedule.Trigger(cl.Trigger)}
	}
	return out, nil
}

func (c storeClaimer) TakeOver(ctx context.Context, s schedule.Slot) (bool, error) {
	return c.st.TakeOverClaim(ctx, s.Job, s.Due, c.instance, c.ttl)
}

// claimView is a schedule claim as the API shows it.
type claimView struct {
	Job       string     `json:"job"`
	Slot      time.Time  `json:"slot"`
	Instance  string     `json:"instance"`
	Trigger   string     `json:"trigger"`
	Claimed   time.Time  `json:"claimed"`
	Expires   time.Time  `json:"expires"`
	Finished  *time.Time `json:"finished,omitempty"`
	Status    string     `json:"status,omitempty"`
	TakeOvers int        `json:"takeovers"`
	RunIDs    []int64    `json:"run_ids,omitempty"`
}

// listClaims answers GET /api/claims[?job=NAME&limit=N]: which instance
// ran (or runs) each scheduled start, newest first (100 by default).
func (s *Service) listClaims(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, "limit "+strconv.Quote(v)+": give a number from 1 to 10000")
			return
		}
		limit = n
	}
	cs, err := s.o.Store.Claims(r.Context(), r.URL.Query().Get("job"), limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "schedule claims: "+s.scrub(err))
		return
	}
	out := make([]claimView, 0, len(cs))
	for _, c := range cs {
		v := claimView{Job: c.Job, Slot: c.Slot, Instance: c.Instance, Trigger: c.Trigger, Claimed: c.Claimed, Expires: c.Expires,
			Status: c.Status, TakeOvers: c.TakeOvers, RunIDs: c.RunIDs}
		if !c.Finished.IsZero() {
			f := c.Finished
			v.Finished = &f
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"instance": s.o.Instance, "claims": out})
}
