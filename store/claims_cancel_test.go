package store

import (
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/internal/canceltest"
)

// TestClaimSlotCancelled: a ClaimSlot call whose context ends (serve
// stopping as a slot comes due) never makes the slot unrunnable. It either
// reports the claim won, or leaves no claim (another instance's claim
// wins), or — the server applied the INSERT when the call gave up — an
// unfinished claim of the instance, which nothing renews, so that once it
// expires it is taken over and the slot runs elsewhere, as for an instance
// that died mid-run. (Deleting that claim or finishing it would lose the
// slot: the instances that lost to it already gave it up.) Cancellations
// at many points of the call, spread over 1.5 times an uncancelled call.
func TestClaimSlotCancelled(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		ttl := time.Minute
		if s.Driver() == Postgres {
			ttl = time.Second // expiry by the server's clock: real time
		}
		base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		t0 := time.Now()
		if won, _, err := s.ClaimSlot(ctx, "j", base, "a", "schedule", ttl); err != nil || !won {
			t.Fatal(won, err)
		}
		took := time.Since(t0)
		if err := s.FinishClaim(ctx, "j", base, "a", "succeeded", nil); err != nil {
			t.Fatal(err)
		}
		var orphans []time.Time
		won, free := 0, 0
		for i := range 150 {
			slot := base.Add(time.Duration(i+1) * time.Minute)
			cc, cancel := canceltest.At(ctx, i, 150, took*3/2)
			ok, _, err := s.ClaimSlot(cc, "j", slot, "a", "schedule", ttl)
			cancel()
			cs, cerr := s.claims(ctx, `WHERE job = ? AND slot_ms = ?`, "j", slot.UnixMilli())
			if cerr != nil {
				t.Fatal(cerr)
			}
			switch {
			case err == nil:
				if !ok || len(cs) != 1 || cs[0].Instance != "a" {
					t.Fatalf("attempt %d: won %v, claims %+v; want a's claim", i, ok, cs)
				}
				won++
				if err := s.FinishClaim(ctx, "j", slot, "a", "canceled", nil); err != nil {
					t.Fatal(err)
				}
			case len(cs) == 0:
				free++
				if ok, holder, err := s.ClaimSlot(ctx, "j", slot, "b", "schedule", ttl); err != nil || !ok {
					t.Fatalf("attempt %d: another instance's claim of the slot a left free: %v, %s, %v", i, ok, holder, err)
				}
				if err := s.FinishClaim(ctx, "j", slot, "b", "succeeded", nil); err != nil {
					t.Fatal(err)
				}
			case len(cs) == 1 && cs[0].Instance == "a" && cs[0].Finished.IsZero():
				orphans = append(orphans, slot)
			default:
				t.Fatalf("attempt %d: the cancelled call (%v) left %+v", i, err, cs)
			}
		}
		c.add(2 * ttl)
		if s.Driver() == Postgres {
			time.Sleep(2 * ttl)
		}
		ex, err := s.ExpiredClaims(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex) != len(orphans) {
			t.Fatalf("%d expired claims, want the %d the cancelled calls left", len(ex), len(orphans))
		}
		for _, slot := range orphans {
			if ok, err := s.TakeOverClaim(ctx, "j", slot, "b", time.Minute); err != nil || !ok {
				t.Fatalf("the claim a cancelled call left at %s was not taken over: %v, %v", slot, ok, err)
			}
		}
		t.Logf("a claim took %s; of 150 cancelled calls %d won, %d left the slot free, %d left a claim that was taken over once expired",
			took, won, free, len(orphans))
	})
}
