package backlog

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/backlogsync/backlogsync/emulator"
)

// crawlSize is a space whose full crawl needs several windows of the paid
// read budget: ~1,200 issues → ~2,600 reads.
var crawlSize = emulator.Size{Projects: 4, Users: 12, Teams: 3, Issues: 1200, Comments: 2400, Wikis: 40,
	Documents: 0, Repositories: 1, PullRequests: 5, SharedFiles: 5}

// scaled divides the paid per-minute limits down to a window of w.
func scaled(w time.Duration) emulator.RateLimits {
	f := float64(w) / float64(time.Minute)
	p := emulator.PaidLimits
	return emulator.RateLimits{Read: int(float64(p.Read) * f), Update: int(float64(p.Update) * f),
		Search: int(float64(p.Search) * f), Icon: int(float64(p.Icon) * f)}
}

// TestGovernor_longCrawl is the issue's proof that a long crawl at the paid
// profile finishes with zero 429s and uses at least 95% of the budget, spent
// evenly. Virtual time (synctest): a real minute-long window and the paid
// profile scaled to a 2-second window, starting off the whole second so
// that X-RateLimit-Reset's rounding matters.
func TestGovernor_longCrawl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		window time.Duration
		limits emulator.RateLimits
		offset time.Duration // start this far into a second
		share  float64
	}{
		{name: "paid 1m", window: time.Minute, limits: emulator.PaidLimits, offset: 370 * time.Millisecond, share: 1},
		{name: "paid scaled to 2s", window: 2 * time.Second, limits: scaled(2 * time.Second), offset: 730 * time.Millisecond, share: 1},
		{name: "paid 1m, max share 0.8", window: time.Minute, limits: emulator.PaidLimits, offset: 100 * time.Millisecond, share: 0.8},
	}
	for _, tt := range tests {
		for _, pacing := range []Pacing{PaceWindow, PaceEven} {
			t.Run(tt.name+"/"+pacing.String(), func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					time.Sleep(tt.offset)
					srv, err := emulator.New(emulator.Options{Seed: 7, Size: crawlSize, RateLimits: tt.limits, RateWindow: tt.window})
					if err != nil {
						t.Fatal(err)
					}
					c := emuClient(t, srv, NewGovernor(GovernorConfig{Window: tt.window, Pacing: pacing}), WithMaxShare(tt.share))
					start := time.Now()
					res, err := crawl(t.Context(), c)
					if err != nil {
						t.Fatal(err)
					}
					elapsed := time.Since(start)
					log := srv.Requests()
					read := useOf(log, "read", tt.limits.Read, tt.window)
					search := useOf(log, "search", tt.limits.Search, tt.window)
					t.Logf("crawl: %d issues, %d requests in %s virtual", len(res.Issues), len(log), elapsed.Round(time.Millisecond))
					t.Logf("read:   %s", read)
					t.Logf("search: %s", search)
					t.Logf("client stats: %s", c.Stats())
					if read.Limited+search.Limited != 0 || c.Stats().Total().RateLimited != 0 {
						t.Errorf("429s: read %d, search %d", read.Limited, search.Limited)
					}
					if len(read.Windows) < 4 {
						t.Errorf("crawl spans %d windows; want a long crawl", len(read.Windows))
					}
					want := 0.95 * tt.share
					if read.Use < want {
						t.Errorf("read budget use %.1f%%, want ≥ %.0f%%", 100*read.Use, 100*want)
					}
					if tt.share < 1 {
						maxUse := float64(tt.limits.Read-reserve(tt.limits.Read, tt.share)) / float64(tt.limits.Read)
						for i, n := range read.Windows[:len(read.Windows)-1] {
							if float64(n) > maxUse*float64(tt.limits.Read)+0.5 {
								t.Errorf("window %d: %d reads, above the %.0f%% share", i, n, 100*tt.share)
							}
						}
					}
					if pacing == PaceEven {
						// Evenly: no tenth of a window holds much more than a tenth
						// of the budget (a burst would put the whole budget in one).
						if limit := tt.limits.Read/10 + tt.limits.Read/20 + 2; read.MaxBucket > limit {
							t.Errorf("%d reads within a tenth of a window, want ≤ %d (paced, not bursts)", read.MaxBucket, limit)
						}
						return
					}
					// By window: the crawl takes the fixed-window floor of its
					// requests (virtual time: the requests themselves take none),
					// plus at most the rounding of X-RateLimit-Reset's whole
					// seconds once per window.
					limits := map[RateClass]int{RateRead: tt.limits.Read, RateSearch: tt.limits.Search, RateUpdate: tt.limits.Update, RateIcon: tt.limits.Icon}
					floor := c.Stats().Floor(limits, tt.share, tt.window)
					ratio := float64(elapsed) / float64(floor)
					t.Logf("floor %s, elapsed/floor %.3f", floor, ratio)
					if floor <= 0 || ratio > 1.05 {
						t.Errorf("elapsed %s against the fixed-window floor %s: ratio %.3f, want ≤ 1.05", elapsed, floor, ratio)
					}
				})
			})
		}
	}
}

// TestGovernor_realTime runs a crawl over a real loopback connection with
// the paid profile scaled to a 2-second window, in real time.
func TestGovernor_realTime(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ~10s of real time")
	}
	t.Parallel()
	const window = 2 * time.Second
	limits := scaled(window)
	limits.Read *= 5 // 100 per 2s: enough requests per window to measure pacing
	size := emulator.Size{Projects: 2, Users: 5, Issues: 250, Comments: 400, Wikis: 4}
	srv, err := emulator.New(emulator.Options{Seed: 3, Size: size, RateLimits: limits, RateWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	base := srv.Start()
	t.Cleanup(srv.Close)
	c, err := NewClient(base, WithAPIKey(srv.AdminAPIKey()), WithGovernor(NewGovernor(GovernorConfig{Window: window})))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := crawl(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	log := srv.Requests()
	read := useOf(log, "read", limits.Read, window)
	t.Logf("real time: %d requests in %s; read: %s", len(log), time.Since(start).Round(time.Millisecond), read)
	if read.Limited != 0 {
		t.Errorf("%d 429s", read.Limited)
	}
	// Budget use in real time depends on how loaded the machine is (the
	// synctest variants above assert ≥ 95% deterministically); here it is
	// only reported, and only a collapse fails.
	if read.Use < 0.5 {
		t.Errorf("read budget use %.1f%%: pacing collapsed (want about 100%%)", 100*read.Use)
	}
}

// TestGovernor_429Burst: a burst of injected 429s (with reset headers) makes
// the client wait for the reset and complete the crawl.
func TestGovernor_429Burst(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const window = 2 * time.Second
		limits := scaled(window)
		srv, c := newEmulator(t, emulator.Options{Seed: 5, RateLimits: limits, RateWindow: window})
		clean, err := crawl(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		srv.ClearRequests()
		// Five 429s in a row on issue reads, from the 40th on.
		if _, err := srv.AddFault(emulator.FaultRule{Path: "/api/v2/issues/*", Kind: emulator.FaultStatus, Status: 429, After: 40, Times: 5}); err != nil {
			t.Fatal(err)
		}
		c2 := emuClient(t, srv, NewGovernor(GovernorConfig{Window: window}))
		start := time.Now()
		got, err := crawl(t.Context(), c2)
		if err != nil {
			t.Fatal(err)
		}
		st := c2.Stats()
		t.Logf("with a 429 burst: %s in %s virtual; statuses %v", st, time.Since(start).Round(time.Millisecond), countStatus(srv.Requests()))
		if n := st.Classes[RateRead].RateLimited; n != 5 {
			t.Errorf("client saw %d 429s, want 5", n)
		}
		if st.Classes[RateRead].Waited < 5*window {
			t.Errorf("waited only %s for five resets", st.Classes[RateRead].Waited)
		}
		if !equalCrawls(t, clean, got) {
			t.Error("crawl with 429s differs from the clean one")
		}
		// Nothing else was rejected: the real limiter never answered 429.
		if n := countStatus(srv.Requests())[429]; n != 5 {
			t.Errorf("emulator answered %d 429s, want the 5 injected", n)
		}
	})
}

// TestGovernor_twoJobsShareBudget: two Clients of the same user, crawling at
// the same time, share one budget: no 429s, the total stays within the
// limit, and they still use the budget fully. Both pacings: PaceEven must
// use ≥ 95% of the budget; PaceWindow ≥ 90%, because this scaled test's
// windows last 2 s while X-RateLimit-Reset has whole seconds, so a burst
// may wait up to a second past a window's real end (under 2% of Backlog's
// one-minute window).
func TestGovernor_twoJobsShareBudget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		separate bool
		pacing   Pacing
	}{{false, PaceWindow}, {false, PaceEven}, {true, PaceWindow}} {
		separate, pacing := tc.separate, tc.pacing
		name := "shared governor, " + pacing.String() + " pacing"
		if separate {
			name = "separate governors (control)"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				const window = 2 * time.Second
				limits := scaled(window)
				srv, err := emulator.New(emulator.Options{Seed: 9, RateLimits: limits, RateWindow: window})
				if err != nil {
					t.Fatal(err)
				}
				gov := NewGovernor(GovernorConfig{Window: window, Pacing: pacing})
				clients := []*Client{emuClient(t, srv, gov), emuClient(t, srv, gov)}
				if separate {
					clients[1] = emuClient(t, srv, NewGovernor(GovernorConfig{Window: window, Pacing: pacing}))
				}
				var wg sync.WaitGroup
				errs := make([]error, 2)
				for i, c := range clients {
					wg.Go(func() { _, errs[i] = crawl(t.Context(), c) })
				}
				wg.Wait()
				read := useOf(srv.Requests(), "read", limits.Read, window)
				t.Logf("%s: read %s; job stats %s | %s", name, read, clients[0].Stats(), clients[1].Stats())
				if separate {
					return // shows what sharing prevents; not asserted
				}
				for _, err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				if read.Limited != 0 {
					t.Errorf("%d 429s with a shared budget", read.Limited)
				}
				for i, n := range read.Windows {
					if n > limits.Read {
						t.Errorf("window %d: %d reads > limit %d", i, n, limits.Read)
					}
				}
				if want := map[Pacing]float64{PaceEven: 0.95, PaceWindow: 0.90}[pacing]; read.Use < want {
					t.Errorf("read budget use %.1f%%, want ≥ %.0f%%", 100*read.Use, 100*want)
				}
				if a, b := clients[0].Stats().Total().Requests, clients[1].Stats().Total().Requests; a == 0 || b == 0 {
					t.Errorf("requests per job: %d, %d", a, b)
				}
				if g, a, b := gov.Stats().Total().Requests, clients[0].Stats().Total().Requests, clients[1].Stats().Total().Requests; g != a+b {
					t.Errorf("governor counted %d requests, jobs %d + %d", g, a, b)
				}
			})
		})
	}
}

// TestGovernor_sequentialPerUser: with the default concurrency of 1, at most
// one request of a user is in flight, whatever the number of goroutines.
func TestGovernor_sequentialPerUser(t *testing.T) {
	t.Parallel()
	for _, conc := range []int{1, 3} {
		var mu sync.Mutex
		inflight, peak := 0, 0
		c, mux, _ := setup(t, WithGovernor(NewGovernor(GovernorConfig{Concurrency: conc})))
		mux.HandleFunc("GET /api/v2/space", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			inflight++
			peak = max(peak, inflight)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			inflight--
			mu.Unlock()
			writeJSON(w, 200, `{"spaceKey":"X"}`)
		})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, _, err := c.Space.Get(t.Context()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if peak != conc {
			t.Errorf("concurrency %d: peak %d requests in flight", conc, peak)
		}
	}
}

// TestGovernor_contextCancelWhileWaiting: a request waiting for a reset
// returns the context's error as soon as the context ends.
func TestGovernor_contextCancelWhileWaiting(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		gov := NewGovernor(GovernorConfig{})
		srv, c := newEmulator(t, emulator.Options{Seed: 1, RateLimits: emulator.RateLimits{Read: 2}, RateWindow: time.Minute}, WithGovernor(gov))
		for range 2 {
			if _, _, err := c.Space.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, _, err := c.Space.Get(ctx)
		if err != context.DeadlineExceeded {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("returned after %s, want 5s", d)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests reached the server, want 2 (the third waits for the reset)", n)
		}
		// After the reset the budget is back.
		time.Sleep(time.Minute)
		if _, _, err := c.Space.Get(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestGovernor_identity: budgets are keyed by base URL and a hash of the key
// (never the key), and by the user's id once GetMyself has run, so two keys
// of one user share a budget.
func TestGovernor_identity(t *testing.T) {
	t.Parallel()
	gov := NewGovernor(GovernorConfig{})
	c1, mux, base := setup(t, WithGovernor(gov))
	c2, err := NewClient(base+baseURLPath, WithAPIKey("anotherKeyOfTheSameUser"), WithGovernor(gov))
	if err != nil {
		t.Fatal(err)
	}
	c3, err := NewClient(base+baseURLPath, WithTokenSource(StaticTokenSource("tok")), WithGovernor(gov))
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET /api/v2/users/myself", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":77,"userId":"u","name":"U"}`)
	})
	if strings.Contains(c1.budgetKey(), testKey) || !strings.Contains(c1.budgetKey(), "key:") {
		t.Errorf("budget key %q", c1.budgetKey())
	}
	if c1.budgetKey() == c2.budgetKey() || c1.budgetKey() == c3.budgetKey() {
		t.Error("different keys share a budget before the user is known")
	}
	for _, c := range []*Client{c1, c2, c3} {
		if _, _, err := c.Users.GetMyself(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if k := c1.budgetKey(); k != c2.budgetKey() || k != c3.budgetKey() || !strings.HasSuffix(k, "user:77") {
		t.Errorf("after GetMyself: %q, %q, %q", k, c2.budgetKey(), c3.budgetKey())
	}
	other, _, _ := setup(t, WithGovernor(gov))
	if _, _, err := other.Users.GetMyself(t.Context()); err == nil || other.budgetKey() == c1.budgetKey() {
		t.Error("another space shares the budget") // (its mux has no handler: the error is expected)
	}
}

// TestGovernor_prime: PrimeRateLimits feeds GET /rateLimit into the budgets.
func TestGovernor_prime(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		_, c := newEmulator(t, emulator.Options{Seed: 1, RateLimits: emulator.PaidLimits})
		if _, _, err := c.Issues.Count(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		rl, err := c.PrimeRateLimits(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if rl.Search.Remaining != 149 {
			t.Errorf("search remaining %d", rl.Search.Remaining)
		}
		for class, want := range map[RateClass]int{RateRead: 600, RateUpdate: 150, RateSearch: 150, RateIcon: 60} {
			if b := c.Governor().Budget(c, class); b.Limit != want {
				t.Errorf("%s: %+v, want limit %d", class, b, want)
			}
		}
		if b := c.Governor().Budget(c, RateSearch); b.Remaining != 149 {
			t.Errorf("search budget %+v", b)
		}
	})
}

// TestGovernor_429WithoutHeaders: a 429 without rate-limit headers holds the
// class back for a window, then lets requests through at full speed again.
func TestGovernor_429WithoutHeaders(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, seen := script(t, []answer{{status: 429, body: `{"errors":[{"message":"Too many.","code":13,"moreInfo":""}]}`}, {status: 200, body: okSpace}})
		start := time.Now()
		for range 5 {
			if _, _, err := c.Space.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != time.Minute || len(seen()) != 6 {
			t.Errorf("took %s for %d requests, want one window (1m) and 6", d, len(seen()))
		}
	})
}

// TestGovernor_outOfOrderAnswers: the answers of concurrent requests arrive
// in any order. The first one seen in a window may have been counted after
// the others (Remaining 56 of 60 while three more are in flight); the
// estimate must rise again as their answers (59, 58, 57) arrive, so the
// whole window's budget is spent: before, Concurrency−1 requests of every
// window were left unused.
func TestGovernor_outOfOrderAnswers(t *testing.T) {
	g := NewGovernor(GovernorConfig{Window: time.Minute, Concurrency: 4})
	const key, limit = "k", 60
	reset := time.Now().Add(time.Minute).Truncate(time.Second).Add(time.Second)
	answer := func(tk *ticket, remaining int) {
		h := http.Header{}
		h.Set("X-RateLimit-Limit", "60")
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		tk.observe(h, http.StatusOK, time.Now())
		tk.release()
	}
	// Learn the limit from a first answer, then spend the window's budget
	// four at a time, answering each group in reverse order.
	sent := 0
	take := func() *ticket {
		tk, err := g.acquire(t.Context(), key, RateRead, ask{share: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tk.sentAt(time.Now())
		sent++
		return tk
	}
	answer(take(), limit-1)
	for sent+4 <= limit {
		group := []*ticket{take(), take(), take(), take()}
		for i := len(group) - 1; i >= 0; i-- {
			answer(group[i], limit-(sent-len(group)+1+i))
		}
	}
	left := g.users[key].classes[classIndex(RateRead)].remaining
	if want := limit - sent; left != want {
		t.Fatalf("after %d requests answered out of order the governor thinks %d are left; want %d", sent, left, want)
	}
}
