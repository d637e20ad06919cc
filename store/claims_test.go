package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/dbtest"
)

// TestClaimSlotOneWinner: of many instances claiming one slot at once,
// exactly one wins and the others learn its name; another slot is another
// claim.
func TestClaimSlotOneWinner(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		slot := time.Date(2026, 3, 1, 9, 15, 0, 0, time.UTC)
		var mu sync.Mutex
		var winners []string
		holders := map[string]bool{}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				me := fmt.Sprintf("node%d", i)
				won, holder, err := s.ClaimSlot(ctx, "hourly", slot, me, "schedule", time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if won {
					winners = append(winners, me)
					if holder != me {
						t.Errorf("winner %s told holder %s", me, holder)
					}
				} else {
					holders[holder] = true
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("winners %v; want exactly one", winners)
		}
		if len(holders) != 1 || !holders[winners[0]] {
			t.Errorf("losers were told holders %v; want %s", holders, winners[0])
		}
		won, _, err := s.ClaimSlot(ctx, "hourly", slot.Add(time.Hour), "node7", "schedule", time.Minute)
		if err != nil || !won {
			t.Fatalf("next slot: %v, %v", won, err)
		}
		won, _, err = s.ClaimSlot(ctx, "daily", slot, "node7", "schedule", time.Minute)
		if err != nil || !won {
			t.Fatalf("another job's slot: %v, %v", won, err)
		}
		cs, err := s.Claims(ctx, "hourly", 0)
		if err != nil || len(cs) != 2 || !cs[0].Slot.Equal(slot.Add(time.Hour)) || cs[1].Instance != winners[0] || !cs[1].Finished.IsZero() {
			t.Fatalf("claims %+v, %v", cs, err)
		}
	})
}

// TestClaimTakeOver: a claim renewed stays its holder's; one left to
// expire unfinished is taken over by one instance (the holder's renewal
// and finish then fail with ECONFLICT); a finished claim is never taken
// over.
func TestClaimTakeOver(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		// PostgreSQL judges expiry by its own clock, so there the claim
		// is live for ttl of real time: long enough for the four
		// statements that must see it live (ClaimSlot to TakeOverClaim)
		// on two loaded cores under -race.
		ttl := 300 * time.Millisecond
		if s.Driver() == Postgres {
			ttl = time.Second
		}
		slot := time.Date(2026, 3, 1, 9, 15, 0, 0, time.UTC)
		// Taken before the claims: they expire by claimed+ttl.
		claimed := time.Now()
		// wait lets the claims' ttl pass.
		wait := func() {
			c.add(2 * ttl)
			if s.Driver() == Postgres {
				time.Sleep(time.Until(claimed.Add(2 * ttl)))
			}
		}
		if won, _, err := s.ClaimSlot(ctx, "j", slot, "a", "schedule", ttl); err != nil || !won {
			t.Fatal(won, err)
		}
		done := slot.Add(-time.Hour)
		if won, _, err := s.ClaimSlot(ctx, "j", done, "a", "schedule", ttl); err != nil || !won {
			t.Fatal(won, err)
		}
		if err := s.FinishClaim(ctx, "j", done, "a", "succeeded", []int64{4, 5}); err != nil {
			t.Fatal(err)
		}
		if ex, err := s.ExpiredClaims(ctx, 10); err != nil || len(ex) != 0 {
			t.Fatalf("expired before the ttl: %+v, %v", ex, err)
		}
		if ok, err := s.TakeOverClaim(ctx, "j", slot, "b", ttl); err != nil || ok {
			t.Fatalf("took over a live claim: %v, %v", ok, err)
		}
		wait()
		ex, err := s.ExpiredClaims(ctx, 10)
		if err != nil || len(ex) != 1 || ex[0].Job != "j" || !ex[0].Slot.Equal(slot) || ex[0].Instance != "a" {
			t.Fatalf("expired claims %+v, %v; want the unfinished one", ex, err)
		}
		var mu sync.Mutex
		var took []string
		var wg sync.WaitGroup
		for _, me := range []string{"b", "c", "d"} {
			wg.Go(func() {
				ok, err := s.TakeOverClaim(ctx, "j", slot, me, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					took = append(took, me)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(took) != 1 {
			t.Fatalf("taken over by %v; want one instance", took)
		}
		if err := s.RenewClaim(ctx, "j", slot, "a", ttl); code(err) != backlogsync.ECONFLICT {
			t.Errorf("the old holder renewed: %v", err)
		}
		if err := s.FinishClaim(ctx, "j", slot, "a", "succeeded", nil); code(err) != backlogsync.ECONFLICT {
			t.Errorf("the old holder finished: %v", err)
		}
		if err := s.RenewClaim(ctx, "j", slot, took[0], time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishClaim(ctx, "j", slot, took[0], "succeeded", []int64{9}); err != nil {
			t.Fatal(err)
		}
		if err := s.RenewClaim(ctx, "j", slot, took[0], time.Minute); code(err) != backlogsync.ECONFLICT {
			t.Errorf("renewed a finished claim: %v", err)
		}
		wait()
		if ex, err := s.ExpiredClaims(ctx, 10); err != nil || len(ex) != 0 {
			t.Fatalf("finished claims listed as expired: %+v, %v", ex, err)
		}
		cs, err := s.Claims(ctx, "", 0)
		if err != nil || len(cs) != 2 {
			t.Fatal(cs, err)
		}
		if c := cs[0]; c.Instance != took[0] || c.Trigger != "takeover" || c.TakeOvers != 1 || c.Status != "succeeded" ||
			!slices.Equal(c.RunIDs, []int64{9}) || c.Finished.IsZero() {
			t.Errorf("taken-over claim %+v", c)
		}
		if c := cs[1]; c.Instance != "a" || c.TakeOvers != 0 || !slices.Equal(c.RunIDs, []int64{4, 5}) {
			t.Errorf("finished claim %+v", c)
		}
	})
}

// BenchmarkFinishClaim measures claims/s (ClaimSlot then FinishClaim, the
// scheduler's path for one scheduled run) with 50,000 finished claims in
// the table, all within ClaimRetention: FinishClaim's pruning finds
// nothing to delete, and must not read the whole table to learn that.
func BenchmarkFinishClaim(b *testing.B) {
	for _, d := range []Driver{SQLite, Postgres} {
		b.Run(string(d), func(b *testing.B) {
			dsn := filepath.Join(b.TempDir(), "state.db")
			if d == Postgres {
				dsn = dbtest.Postgres(b)
			}
			start := time.Now().Add(-60 * 24 * time.Hour).Truncate(time.Minute)
			s, err := Open(b.Context(), d, dsn, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			const kept = 50000
			fillFinishedClaims(b, s, start, kept)
			slot := start.Add(kept * time.Minute)
			n := 0
			for b.Loop() {
				slot = slot.Add(time.Minute)
				if won, _, err := s.ClaimSlot(b.Context(), "bench", slot, "a", "schedule", time.Minute); err != nil || !won {
					b.Fatal(won, err)
				}
				if err := s.FinishClaim(b.Context(), "bench", slot, "a", "succeeded", []int64{1}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "claims/s")
			var left int
			if err := s.db.QueryRow(`SELECT COUNT(*) FROM schedule_claims`).Scan(&left); err != nil || left != kept+n {
				b.Fatalf("%d claims left, %v; want %d (none pruned)", left, err, kept+n)
			}
		})
	}
}

// fillFinishedClaims inserts n finished claims of 50 jobs, one a minute
// from start, each finished a second after its slot.
func fillFinishedClaims(tb testing.TB, s *Store, start time.Time, n int) {
	tb.Helper()
	tx, err := s.db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for i := range n {
		slot := start.Add(time.Duration(i) * time.Minute).UnixMilli()
		if _, err := tx.Exec(s.q(`INSERT INTO schedule_claims (job, slot_ms, instance, run_trigger, claimed_ms, expires_ms, finished_ms, status)
			VALUES (?, ?, 'a', 'schedule', ?, ?, ?, 'succeeded')`), fmt.Sprintf("job%d", i%50), slot, slot, slot+45000, slot+1000); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if s.driver == Postgres {
		if _, err := s.db.Exec(`ANALYZE schedule_claims`); err != nil {
			tb.Fatal(err)
		}
	}
}
