package store

import (
	"strings"
	"testing"
	"time"
)

// dbNow is the clock FinishClaim stamps finished_ms with: the store's on
// SQLite, the server's on PostgreSQL (the test server runs on this host).
func dbNow(s *Store, c *clock) time.Time {
	if s.Driver() == Postgres {
		return time.Now()
	}
	return c.now()
}

// insertClaim stores a claim of job at slot as instance, finished at
// finished (zero: unfinished, expired at slot plus a minute).
func insertClaim(t *testing.T, s *Store, job string, slot, finished time.Time, instance string) {
	t.Helper()
	var fin any
	if !finished.IsZero() {
		fin = finished.UnixMilli()
	}
	if _, err := s.db.Exec(s.q(`INSERT INTO schedule_claims (job, slot_ms, instance, run_trigger, claimed_ms, expires_ms, finished_ms)
		VALUES (?, ?, ?, 'schedule', ?, ?, ?)`), job, slot.UnixMilli(), instance, slot.UnixMilli(), slot.Add(time.Minute).UnixMilli(), fin); err != nil {
		t.Fatal(err)
	}
}

// TestClaimRetention: finishing a claim deletes the claims that finished
// more than ClaimRetention ago, and no other: not one of an old slot that
// finished lately (a catch-up), nor an unfinished one (a takeover to be).
// The catch-up's own claim outlives its FinishClaim, so an instance that
// comes to the same slot later does not run it again.
func TestClaimRetention(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		now := dbNow(s, c)
		long := now.Add(-ClaimRetention - 200*24*time.Hour)
		insertClaim(t, s, "pruned", now.Add(-ClaimRetention-2*time.Hour), now.Add(-ClaimRetention-time.Hour), "a")
		insertClaim(t, s, "old-slot", long, now.Add(-time.Hour), "a")
		insertClaim(t, s, "unfinished", long, time.Time{}, "a")

		slot := now.Add(-ClaimRetention - 100*24*time.Hour).Truncate(time.Hour) // a yearly job caught up
		if won, _, err := s.ClaimSlot(ctx, "yearly", slot, "a", "catch_up", time.Minute); err != nil || !won {
			t.Fatal(won, err)
		}
		if err := s.FinishClaim(ctx, "yearly", slot, "a", "succeeded", []int64{1}); err != nil {
			t.Fatal(err)
		}
		won, holder, err := s.ClaimSlot(ctx, "yearly", slot, "b", "catch_up", time.Minute)
		if err != nil || won || holder != "a" {
			t.Errorf("a second catch-up of the slot: won %v, holder %q, %v; want the finished claim of a to stand", won, holder, err)
		}
		cs, err := s.Claims(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var jobs []string
		for _, c := range cs {
			jobs = append(jobs, c.Job)
		}
		if got := strings.Join(jobs, " "); got != "yearly old-slot unfinished" {
			t.Errorf("claims left %q; want yearly old-slot unfinished (pruned deleted)", got)
		}
	})
}

// TestClaimRetentionSkewedClocks: an instance whose clock runs far ahead
// prunes by the server's clock, so it does not delete the finished claim
// of a slot that another instance, whose clock is behind, is yet to come
// to (which would run the slot a second time).
func TestClaimRetentionSkewedClocks(t *testing.T) {
	dsn := postgresDSN(t)
	ctx := t.Context()
	right, err := Open(ctx, Postgres, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer right.Close()
	ahead := func() time.Time { return time.Now().Add(ClaimRetention + 10*24*time.Hour) }
	fast, err := Open(ctx, Postgres, dsn, Options{Now: ahead})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()

	slot := time.Now().Truncate(time.Minute)
	if won, _, err := right.ClaimSlot(ctx, "j", slot, "right", "schedule", time.Minute); err != nil || !won {
		t.Fatal(won, err)
	}
	if err := right.FinishClaim(ctx, "j", slot, "right", "succeeded", nil); err != nil {
		t.Fatal(err)
	}
	fastSlot := ahead().Truncate(time.Minute)
	if won, _, err := fast.ClaimSlot(ctx, "k", fastSlot, "fast", "schedule", time.Minute); err != nil || !won {
		t.Fatal(won, err)
	}
	if err := fast.FinishClaim(ctx, "k", fastSlot, "fast", "succeeded", nil); err != nil {
		t.Fatal(err)
	}
	won, holder, err := right.ClaimSlot(ctx, "j", slot, "slow", "schedule", time.Minute)
	if err != nil || won || holder != "right" {
		t.Errorf("the slot's finished claim was pruned by the fast instance: won %v, holder %q, %v", won, holder, err)
	}
}

// TestPruneClaimsUsesIndex: the pruning FinishClaim does at every finish
// reads the range of old claims from the index on finished_ms, not the
// whole table (EXPLAIN, with 5,000 finished claims kept).
func TestPruneClaimsUsesIndex(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		fillFinishedClaims(t, s, dbNow(s, c).Add(-10*24*time.Hour), 5000)
		query, args := s.pruneClaimsQuery()
		explain := "EXPLAIN "
		if s.Driver() == SQLite {
			explain = "EXPLAIN QUERY PLAN "
		}
		rows, err := s.db.QueryContext(t.Context(), explain+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var plan []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, planText(vals[len(vals)-1]))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(plan, "\n"); !strings.Contains(p, "schedule_claims_open") {
			t.Errorf("the pruning does not use the index schedule_claims_open:\n%s", p)
		}
	})
}

// planText is a plan row's text column as a string.
func planText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}
