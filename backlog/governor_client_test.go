package backlog

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/inflight"
)

// TestWithConcurrency: a client's WithConcurrency, not the governor's
// default of 4, bounds the requests of its user in flight at the emulator
// (every request takes 50 ms there; virtual time), down to one at a time
// and up to MaxConcurrency.
func TestWithConcurrency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts []Option
		want int
	}{
		{nil, DefaultConcurrency},
		{[]Option{WithConcurrency(1)}, 1},
		{[]Option{WithConcurrency(2)}, 2},
		{[]Option{WithConcurrency(MaxConcurrency)}, MaxConcurrency},
	} {
		synctest.Test(t, func(t *testing.T) {
			srv, err := emulator.New(emulator.Options{Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.AddFault(emulator.FaultRule{Path: "/api/v2/**", Kind: emulator.FaultLatency, Delay: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			pt := &inflight.Transport{Next: srv.Client().Transport}
			opts := append([]Option{WithAPIKey(srv.AdminAPIKey()), WithHTTPClient(&http.Client{Transport: pt}),
				WithGovernor(NewGovernor(GovernorConfig{}))}, tc.opts...)
			c, err := NewClient(emuBase, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Concurrency(); got != tc.want {
				t.Errorf("Concurrency() = %d, want %d", got, tc.want)
			}
			var wg sync.WaitGroup
			for range 2 * MaxConcurrency {
				wg.Go(func() {
					if _, _, err := c.Space.Get(t.Context()); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if got := pt.Peak(); got != tc.want {
				t.Errorf("concurrency %d: peak %d requests in flight at the emulator", tc.want, got)
			}
		})
	}
}

// TestConcurrency_smallestActiveWins: clients of one user asking for
// different concurrencies share the user's slots; while a request asking
// for 1 is waiting or in flight, and for a window after, nothing else of
// that user is sent beside it; a window later the others may again have 4
// in flight.
func TestConcurrency_smallestActiveWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGovernor(GovernorConfig{Concurrency: 4})
		const key = "user"
		take := func(conc int) *ticket {
			tk, err := g.acquire(t.Context(), key, RateRead, ask{conc: conc}, nil)
			if err != nil {
				t.Error(err)
			}
			return tk
		}
		a, b := take(4), take(4)
		got := make(chan *ticket, 3)
		go func() { got <- take(1) }()
		synctest.Wait()
		if len(got) != 0 {
			t.Fatal("a request asking for concurrency 1 was let in beside 2 others in flight")
		}
		go func() { got <- take(4) }()
		synctest.Wait()
		if len(got) != 0 {
			t.Fatal("a request asking for 4 was let in while one asking for 1 waits behind 2 in flight")
		}
		a.release()
		b.release()
		synctest.Wait()
		if len(got) != 1 {
			t.Fatalf("%d requests let in after the first two ended; want exactly 1", len(got))
		}
		first := <-got
		if first.ask.conc == 4 {
			// The request asking for 4 won the race: the one asking for 1
			// still waits, and holds it to one in flight.
			first.release()
			synctest.Wait()
			first = <-got
			if first.ask.conc != 1 {
				t.Fatalf("let in: concurrency %d, want the request asking for 1", first.ask.conc)
			}
		} else {
			synctest.Wait()
			if len(got) != 0 {
				t.Fatal("a second request was let in beside the one asking for concurrency 1")
			}
		}
		first.release()
		synctest.Wait()
		for len(got) > 0 {
			(<-got).release()
		}
		// For a window after the request asking for 1, the user's requests
		// stay one at a time.
		a = take(4)
		go func() { got <- take(4) }()
		synctest.Wait()
		if len(got) != 0 {
			t.Fatal("a second request was let in within a window of one asking for concurrency 1")
		}
		a.release()
		synctest.Wait()
		(<-got).release()
		// A window later, only requests asking for 4 are left: up to 4 in
		// flight again.
		time.Sleep(time.Minute)
		var held []*ticket
		for range 4 {
			held = append(held, take(4))
		}
		go func() { got <- take(4) }()
		synctest.Wait()
		if len(got) != 0 {
			t.Fatal("a fifth request was let in beside 4 in flight")
		}
		held[0].release()
		synctest.Wait()
		if len(got) != 1 {
			t.Fatal("a slot freed but the waiting request was not let in")
		}
		(<-got).release()
		for _, tk := range held[1:] {
			tk.release()
		}
		if ub := g.users[key]; ub.held != 0 || len(ub.active) != 0 || ub.even != 0 {
			t.Errorf("after every release: held %d, active %v, even %d; want none", ub.held, ub.active, ub.even)
		}
	})
}

// TestConcurrency_cancelWhileWaitingForSlot: a request waiting for a slot
// returns the context's error when it ends, and leaves no trace: its
// budget is refunded and it no longer holds the user's concurrency down.
func TestConcurrency_cancelWhileWaitingForSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGovernor(GovernorConfig{Concurrency: 2})
		const key = "user"
		a, err := g.acquire(t.Context(), key, RateRead, ask{conc: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() {
			_, err := g.acquire(ctx, key, RateRead, ask{conc: 1}, nil)
			errc <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-errc; err == nil {
			t.Fatal("a cancelled wait for a slot returned no error")
		}
		a.release()
		ub := g.users[key]
		if ub.held != 0 || len(ub.active) != 0 || ub.classes[classIndex(RateRead)].inflight != 0 {
			t.Errorf("after a cancelled wait: held %d, active %v, inflight %d; want none", ub.held, ub.active, ub.classes[classIndex(RateRead)].inflight)
		}
	})
}

// TestWithPacing: a client's WithPacing(PaceEven) on a governor that paces
// by window spreads its reads over each window (no tenth of a window holds
// much more than a tenth of the budget), where the same crawl with the
// governor's default bursts the budget at each window's start; and a
// second client of the same user asking for window pacing is paced evenly
// too while the first is active (the cautious request wins). "Spread" means
// no tenth of a window holds half the window's budget: a burst puts all of
// it there. Measured from the second window until the first client's crawl
// ends: two clients starting together sometimes crowd the end of the first
// window even when both ask for PaceEven (so before this option too; about
// 3 runs in 10). Virtual time, the paid profile scaled to a 2-second window.
func TestWithPacing(t *testing.T) {
	t.Parallel()
	const window = 2 * time.Second
	limits := scaled(window)
	size := emulator.Size{Projects: 2, Users: 5, Issues: 150, Comments: 200, Wikis: 4}
	for _, tc := range []struct {
		name    string
		pacings []Pacing // one client per entry, all of one user; -1: the governor's default
		even    bool
	}{
		{"default", []Pacing{-1}, false},
		{"even", []Pacing{PaceEven}, true},
		{"even and window", []Pacing{PaceEven, PaceWindow}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv, err := emulator.New(emulator.Options{Seed: 11, Size: size, RateLimits: limits, RateWindow: window})
				if err != nil {
					t.Fatal(err)
				}
				gov := NewGovernor(GovernorConfig{Window: window})
				var wg sync.WaitGroup
				start, firstDone := time.Now(), time.Time{}
				for i, p := range tc.pacings {
					var opts []Option
					if p >= 0 {
						opts = append(opts, WithPacing(p))
					}
					c := emuClient(t, srv, gov, opts...)
					if want := max(p, PaceWindow); c.Pacing() != want {
						t.Errorf("Pacing() = %s, want %s", c.Pacing(), want)
					}
					wg.Go(func() {
						if _, err := crawl(t.Context(), c); err != nil {
							t.Error(err)
						}
						if i == 0 {
							firstDone = time.Now()
						}
					})
				}
				wg.Wait()
				var log []emulator.LoggedRequest
				for _, r := range srv.Requests() {
					if !r.Time.Before(start.Add(window)) && !r.Time.After(firstDone) {
						log = append(log, r)
					}
				}
				read := useOf(log, "read", limits.Read, window)
				t.Logf("%s: read %s", tc.name, read)
				if read.Limited != 0 {
					t.Errorf("%d 429s", read.Limited)
				}
				if len(read.Windows) < 4 {
					t.Fatalf("the crawl spans %d windows; want several", len(read.Windows))
				}
				even := read.MaxBucket < limits.Read/2
				if even != tc.even {
					t.Errorf("%d reads within a tenth of a window (budget %d a window): paced evenly = %v, want %v",
						read.MaxBucket, limits.Read, even, tc.even)
				}
			})
		})
	}
}

// TestClientLimitOptionsInvalid: out-of-range values are refused with the
// range in the message.
func TestClientLimitOptionsInvalid(t *testing.T) {
	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{WithConcurrency(0), "concurrency 0: want a whole number from 1 (sequential) to 16"},
		{WithConcurrency(MaxConcurrency + 1), "concurrency 17: want"},
		{WithPacing(Pacing(7)), "pacing 7: want PaceWindow or PaceEven"},
	} {
		_, err := NewClient("https://x.backlog.com", WithAPIKey("k"), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want it to contain %q", err, tc.want)
		}
	}
	for in, want := range map[string]Pacing{"window": PaceWindow, "Even": PaceEven, " even ": PaceEven} {
		if got, err := ParsePacing(in); err != nil || got != want {
			t.Errorf("ParsePacing(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParsePacing("smooth"); err == nil || !strings.Contains(err.Error(), `pacing "smooth": want window`) {
		t.Errorf("ParsePacing(smooth): %v", err)
	}
	// The names are the root package's, and String gives them back.
	for _, name := range backlogsync.PacingNames() {
		if p, err := ParsePacing(name); err != nil || p.String() != name {
			t.Errorf("ParsePacing(%q) = %v, %v; want the pacing named so", name, p, err)
		}
	}
}
