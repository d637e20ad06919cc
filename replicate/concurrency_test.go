package replicate

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
	httpinflight "github.com/backlogsync/backlogsync/internal/inflight"
)

// TestRunConcurrency: the account's concurrency (rate_limit.concurrency,
// backlog.WithConcurrency) bounds the requests a run has in flight at the
// emulator, where every request takes 5 ms: with 1 never more than one,
// even where an issue page's comments, participants and related issues are
// fetched together; with 4 up to 4 (the default, seen above 1).
func TestRunConcurrency(t *testing.T) {
	for _, conc := range []int{1, 4} {
		var pt *httpinflight.Transport
		e := newEnvWith(t, emulator.Options{Seed: 7, Size: testSize}, Options{}, func(srv *emulator.Server) []backlog.Option {
			pt = &httpinflight.Transport{Next: srv.Client().Transport}
			return []backlog.Option{backlog.WithHTTPClient(&http.Client{Transport: pt}),
				backlog.WithGovernor(backlog.NewGovernor(backlog.GovernorConfig{})), backlog.WithConcurrency(conc)}
		})
		if _, err := e.srv.AddFault(emulator.FaultRule{Path: "/api/v2/**", Kind: emulator.FaultLatency, Delay: 5 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		c, eng := e.client, e.eng
		res, err := eng.Run(context.Background(), parse(t, "REPLICATE Issues; REPLICATE IssueComments;"))
		if err != nil || res.Status != backlogsync.RunOK || res.Moved() == 0 {
			t.Fatalf("concurrency %d: status %s, moved %d, %v", conc, res.Status, res.Moved(), err)
		}
		peak := pt.Peak()
		t.Logf("concurrency %d: %d requests, peak %d in flight", conc, c.Stats().Total().Requests, peak)
		if peak > conc || (conc > 1 && peak < 2) {
			t.Errorf("concurrency %d: peak %d requests in flight at the emulator", conc, peak)
		}
	}
}
