package replicate

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/emulator"
)

// peakTransport counts the requests in flight at the emulator, from the
// start of a round trip until its response body is read to its end or
// closed (as the governor counts them).
type peakTransport struct {
	next           http.RoundTripper
	mu             sync.Mutex
	inflight, peak int
}

func (p *peakTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.inflight++
	p.peak = max(p.peak, p.inflight)
	p.mu.Unlock()
	resp, err := p.next.RoundTrip(r)
	if err != nil {
		p.done()
		return nil, err
	}
	resp.Body = &peakBody{ReadCloser: resp.Body, done: sync.OnceFunc(p.done)}
	return resp, nil
}

func (p *peakTransport) done() {
	p.mu.Lock()
	p.inflight--
	p.mu.Unlock()
}

type peakBody struct {
	io.ReadCloser
	done func()
}

func (b *peakBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.done()
	}
	return n, err
}

func (b *peakBody) Close() error {
	b.done()
	return b.ReadCloser.Close()
}

// TestRunConcurrency: the account's concurrency (rate_limit.concurrency,
// backlog.WithConcurrency) bounds the requests a run has in flight at the
// emulator, where every request takes 5 ms: with 1 never more than one,
// even where an issue page's comments, participants and related issues are
// fetched together; with 4 up to 4 (the default, seen above 1).
func TestRunConcurrency(t *testing.T) {
	for _, conc := range []int{1, 4} {
		srv, err := emulator.New(emulator.Options{Seed: 7, Size: testSize})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.AddFault(emulator.FaultRule{Path: "/api/v2/**", Kind: emulator.FaultLatency, Delay: 5 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		pt := &peakTransport{next: srv.Client().Transport}
		c, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(srv.AdminAPIKey()), backlog.WithHTTPClient(&http.Client{Transport: pt}),
			backlog.WithGovernor(backlog.NewGovernor(backlog.GovernorConfig{})), backlog.WithConcurrency(conc))
		if err != nil {
			t.Fatal(err)
		}
		d, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		eng := newEngine(&Job{Name: "test"}, Account{Name: "demo", Client: c}, d, Options{Logger: newLogger(testWriter{t})})
		res, err := eng.Run(context.Background(), parse(t, "REPLICATE Issues; REPLICATE IssueComments;"))
		if err != nil || res.Status != backlogsync.RunOK || res.Moved() == 0 {
			t.Fatalf("concurrency %d: status %s, moved %d, %v", conc, res.Status, res.Moved(), err)
		}
		pt.mu.Lock()
		peak := pt.peak
		pt.mu.Unlock()
		t.Logf("concurrency %d: %d requests, peak %d in flight", conc, c.Stats().Total().Requests, peak)
		if peak > conc || (conc > 1 && peak < 2) {
			t.Errorf("concurrency %d: peak %d requests in flight at the emulator", conc, peak)
		}
	}
}
