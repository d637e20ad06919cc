package desttest

import (
	"context"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/canceltest"
)

// leaseTests check backlogsync.Leaser, which every destination implements:
// a held scope is refused to another holder with EBUSY naming the scope,
// other scopes are free, release frees it, and the lease of a holder that
// stopped renewing (a killed process) expires after its ttl.
func (s *suite) leaseTests(t *testing.T) {
	s.test(t, "Exclusive", func(t *testing.T, d bs.Destination) {
		l, ok := d.(bs.Leaser)
		if !ok {
			t.Fatalf("%T does not implement backlogsync.Leaser", d)
		}
		scope := s.name("job") + "/acme"
		release, err := l.Lease(ctx, scope, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Lease(ctx, scope, 2*time.Second)
		wantCode(t, "second lease on a held scope", err, bs.EBUSY, scope)
		other, err := l.Lease(ctx, scope+"-other", 2*time.Second)
		if err != nil {
			t.Fatalf("lease on another scope: %v", err)
		}
		other()
		// Held past its ttl while renewed.
		time.Sleep(2500 * time.Millisecond)
		_, err = l.Lease(ctx, scope, 2*time.Second)
		wantCode(t, "lease renewed past its ttl", err, bs.EBUSY, scope)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		again, err := l.Lease(ctx, scope, 2*time.Second)
		if err != nil {
			t.Fatalf("lease after release: %v", err)
		}
		again()
	})
	// A Lease call whose context ends while it takes the lease either
	// returns a lease to release or leaves none behind: the server may
	// have applied the statement when the call gave up, and that row,
	// never renewed nor released, would keep the scope busy until it
	// expired. Cancellations at many points of the call, on a held-free
	// scope each time.
	s.test(t, "CancelledWhileTaking", func(t *testing.T, d bs.Destination) {
		l, ok := d.(bs.Leaser)
		if !ok {
			t.Fatalf("%T does not implement backlogsync.Leaser", d)
		}
		scope := s.name("job") + "/cancelled"
		taken, failed := 0, 0
		for i := range 150 {
			c, cancel := canceltest.At(ctx, i%30, 30, 1500*time.Microsecond)
			release, err := l.Lease(c, scope, time.Minute)
			cancel()
			if err == nil {
				taken++
				if err := release(); err != nil {
					t.Fatalf("attempt %d: release: %v", i, err)
				}
			} else {
				failed++
			}
			again, err := l.Lease(ctx, scope, time.Minute)
			if err != nil {
				t.Fatalf("attempt %d: a cancelled Lease call left the scope held: %v", i, err)
			}
			if err := again(); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%d leases taken before the cancellation, %d calls cancelled", taken, failed)
	})
	s.test(t, "ExpiresWhenNotRenewed", func(t *testing.T, d bs.Destination) {
		l, ok := d.(bs.Leaser)
		if !ok {
			t.Fatalf("%T does not implement backlogsync.Leaser", d)
		}
		scope := s.name("job") + "/killed"
		dead, cancel := context.WithCancel(ctx)
		if _, err := l.Lease(dead, scope, time.Second); err != nil {
			t.Fatal(err)
		}
		cancel() // the holder dies: no renewal, no release
		_, err := l.Lease(ctx, scope, time.Second)
		wantCode(t, "lease of a dead holder before its expiry", err, bs.EBUSY, scope)
		time.Sleep(1300 * time.Millisecond)
		release, err := l.Lease(ctx, scope, time.Second)
		if err != nil {
			t.Fatalf("lease after the dead holder's expired: %v", err)
		}
		release()
	})
}
