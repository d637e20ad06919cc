package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
)

// Schedule claims let several serve instances share one PostgreSQL state
// database: before a scheduled (or catch-up) run starts, the instance
// inserts the row (job, slot); the primary key lets exactly one insert
// win, and the losers record nothing (the winner's run is the slot's run).
// The winner renews the claim's expiry while the run goes on and marks it
// finished at the end. A claim that expired unfinished is an instance that
// died mid-run: another instance takes it over (TakeOverClaim) and runs the
// slot again.
//
// Expiry is judged by the database server's clock on PostgreSQL, so the
// instances' clocks need not agree; on SQLite (one machine) by the store's
// clock.

// Claim is one scheduled slot of a job as an instance claimed it.
type Claim struct {
	Job string
	// Slot is the scheduled time the claim is for (millisecond precision).
	Slot time.Time
	// Instance is the instance running (or that ran) the slot.
	Instance string
	// Trigger is why the run started: schedule, catch_up or takeover.
	Trigger string
	Claimed time.Time
	// Expires is when the claim lapses unless renewed.
	Expires time.Time
	// Finished is zero while the run goes on.
	Finished time.Time
	// Status is the run's status once finished ("" before).
	Status string
	// TakeOvers counts the instances that took the slot over from one
	// that stopped renewing it.
	TakeOvers int
	// RunIDs are the rows of the destination's runs table the slot's
	// (last) run wrote, one per account.
	RunIDs []int64
}

// ClaimRetention is how long a finished claim is kept after it finished:
// FinishClaim deletes the claims that finished longer ago. While kept, a
// finished claim keeps other instances from running its slot again.
const ClaimRetention = 90 * 24 * time.Hour

// migrationClaims is the table of schedule claims (claims.go).
var migrationClaims = migration{5, []string{
	`CREATE TABLE schedule_claims (
		job TEXT NOT NULL,
		slot_ms BIGINT NOT NULL,
		instance TEXT NOT NULL,
		run_trigger TEXT NOT NULL,
		claimed_ms BIGINT NOT NULL,
		expires_ms BIGINT NOT NULL,
		finished_ms BIGINT,
		status TEXT NOT NULL DEFAULT '',
		takeovers INTEGER NOT NULL DEFAULT 0,
		run_ids TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (job, slot_ms))`,
	`CREATE INDEX schedule_claims_open ON schedule_claims(finished_ms, expires_ms)`,
}}

// nowMS is the SQL of the current time in Unix milliseconds (the server's
// clock on PostgreSQL), or a placeholder with its argument.
func (s *Store) nowMS() (string, []any) { return s.epochMS(`clock_timestamp()`) }

// epochMS is the SQL of the PostgreSQL time function fn in Unix
// milliseconds, or on SQLite a placeholder with the store's clock as its
// argument.
func (s *Store) epochMS(fn string) (string, []any) {
	if s.driver == Postgres {
		return `CAST(EXTRACT(EPOCH FROM ` + fn + `) * 1000 AS BIGINT)`, nil
	}
	return `?`, []any{s.now().UnixMilli()}
}

func checkClaim(job, instance string, ttl time.Duration) error {
	if job == "" || instance == "" {
		return backlogsync.Errorf(backlogsync.EINVALID, "a schedule claim needs a job and an instance")
	}
	if ttl < time.Millisecond {
		return backlogsync.Errorf(backlogsync.EINVALID, "schedule claim ttl %s is too short", ttl)
	}
	return nil
}

// ClaimSlot claims slot of job for instance, for ttl. It reports whether
// this instance won; when it did not, holder is the instance that did.
func (s *Store) ClaimSlot(ctx context.Context, job string, slot time.Time, instance, trigger string, ttl time.Duration) (won bool, holder string, err error) {
	if err := checkClaim(job, instance, ttl); err != nil {
		return false, "", err
	}
	now, nargs := s.nowMS()
	args := []any{job, slot.UnixMilli(), instance, trigger}
	args = append(args, nargs...)
	args = append(args, nargs...)
	args = append(args, ttl.Milliseconds())
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO schedule_claims (job, slot_ms, instance, run_trigger, claimed_ms, expires_ms)
		VALUES (?, ?, ?, ?, `+now+`, `+now+` + ?) ON CONFLICT (job, slot_ms) DO NOTHING`), args...)
	if err != nil {
		return false, "", fmt.Errorf("claim %s at %s: %w", job, slot.UTC().Format(time.RFC3339), err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, instance, nil
	}
	err = s.db.QueryRowContext(ctx, s.q(`SELECT instance FROM schedule_claims WHERE job = ? AND slot_ms = ?`), job, slot.UnixMilli()).Scan(&holder)
	if err != nil {
		return false, "", fmt.Errorf("claim %s at %s: %w", job, slot.UTC().Format(time.RFC3339), err)
	}
	return false, holder, nil
}

// errLost says that a claim is no longer the instance's.
func errLost(job string, slot time.Time, instance string) error {
	return backlogsync.Errorf(backlogsync.ECONFLICT, "the claim of job %s at %s is no longer held by %s (finished, or taken over by another instance)",
		job, slot.UTC().Format(time.RFC3339), instance)
}

// RenewClaim extends the expiry of instance's unfinished claim to ttl
// from now. ECONFLICT when the claim is no longer instance's (another
// instance took it over after it expired) or is finished.
func (s *Store) RenewClaim(ctx context.Context, job string, slot time.Time, instance string, ttl time.Duration) error {
	if err := checkClaim(job, instance, ttl); err != nil {
		return err
	}
	now, nargs := s.nowMS()
	args := append(nargs, ttl.Milliseconds(), job, slot.UnixMilli(), instance)
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE schedule_claims SET expires_ms = `+now+` + ?
		WHERE job = ? AND slot_ms = ? AND instance = ? AND finished_ms IS NULL`), args...)
	if err != nil {
		return fmt.Errorf("renew the claim of %s: %w", job, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLost(job, slot, instance)
	}
	return nil
}

// FinishClaim marks instance's claim finished with the run's status and
// runs-table ids, and deletes the claims that finished more than
// ClaimRetention ago (pruneClaims). ECONFLICT when the claim is no longer
// instance's.
func (s *Store) FinishClaim(ctx context.Context, job string, slot time.Time, instance, status string, runIDs []int64) error {
	ids := make([]string, len(runIDs))
	for i, id := range runIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	now, nargs := s.nowMS()
	args := append(nargs, status, strings.Join(ids, ","), job, slot.UnixMilli(), instance)
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE schedule_claims SET finished_ms = `+now+`, status = ?, run_ids = ?
		WHERE job = ? AND slot_ms = ? AND instance = ? AND finished_ms IS NULL`), args...)
	if err != nil {
		return fmt.Errorf("finish the claim of %s: %w", job, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLost(job, slot, instance)
	}
	return s.pruneClaims(ctx)
}

// pruneClaims deletes the claims that finished more than ClaimRetention
// ago.
//
// It compares finished_ms, not slot_ms, with the clock that wrote it (the
// server's on PostgreSQL): the instances' clocks need not agree, and the
// claim of an old slot (a catch-up) that just finished is kept as long as
// any other. The cutoff is statement_timestamp(), not clock_timestamp():
// a stable function is computed once, so the range is read from the index
// schedule_claims_open (finished_ms first) instead of the whole table (a
// volatile one is computed for every row).
func (s *Store) pruneClaims(ctx context.Context) error {
	query, args := s.pruneClaimsQuery()
	if _, err := s.db.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("prune schedule claims: %w", err)
	}
	return nil
}

// pruneClaimsQuery is pruneClaims' statement and its arguments.
func (s *Store) pruneClaimsQuery() (string, []any) {
	now, args := s.epochMS(`statement_timestamp()`)
	return s.q(`DELETE FROM schedule_claims WHERE finished_ms < ` + now + ` - ?`), append(args, ClaimRetention.Milliseconds())
}

// ExpiredClaims returns the unfinished claims whose holder stopped
// renewing them (expired by now), oldest slot first, at most limit.
func (s *Store) ExpiredClaims(ctx context.Context, limit int) ([]Claim, error) {
	now, nargs := s.nowMS()
	return s.claims(ctx, `WHERE finished_ms IS NULL AND expires_ms < `+now+` ORDER BY slot_ms LIMIT ?`, append(nargs, limit)...)
}

// TakeOverClaim makes an expired unfinished claim instance's, for ttl, as
// a takeover: it reports false when the claim is not expired any more,
// finished, or another instance took it first.
func (s *Store) TakeOverClaim(ctx context.Context, job string, slot time.Time, instance string, ttl time.Duration) (bool, error) {
	if err := checkClaim(job, instance, ttl); err != nil {
		return false, err
	}
	now, nargs := s.nowMS()
	args := append([]any{instance}, nargs...)
	args = append(args, ttl.Milliseconds(), job, slot.UnixMilli())
	args = append(args, nargs...)
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE schedule_claims SET instance = ?, run_trigger = 'takeover', expires_ms = `+now+` + ?,
		takeovers = takeovers + 1 WHERE job = ? AND slot_ms = ? AND finished_ms IS NULL AND expires_ms < `+now), args...)
	if err != nil {
		return false, fmt.Errorf("take over the claim of %s: %w", job, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Claims returns the claims of job ("" every job), newest slot first; at
// most limit (0: all).
func (s *Store) Claims(ctx context.Context, job string, limit int) ([]Claim, error) {
	where, args := "WHERE 1 = 1", []any{}
	if job != "" {
		where, args = "WHERE job = ?", append(args, job)
	}
	where += " ORDER BY slot_ms DESC, job"
	if limit > 0 {
		where, args = where+" LIMIT ?", append(args, limit)
	}
	return s.claims(ctx, where, args...)
}

// claims reads the claims a WHERE (and ORDER/LIMIT) clause selects.
func (s *Store) claims(ctx context.Context, where string, args ...any) ([]Claim, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT job, slot_ms, instance, run_trigger, claimed_ms, expires_ms, finished_ms, status,
		takeovers, run_ids FROM schedule_claims `+where), args...)
	if err != nil {
		return nil, fmt.Errorf("schedule claims: %w", err)
	}
	defer rows.Close()
	ms := func(n int64) time.Time { return time.UnixMilli(n).UTC() }
	var out []Claim
	for rows.Next() {
		var c Claim
		var slot, claimed, expires int64
		var finished sql.NullInt64
		var ids string
		if err := rows.Scan(&c.Job, &slot, &c.Instance, &c.Trigger, &claimed, &expires, &finished, &c.Status, &c.TakeOvers, &ids); err != nil {
			return nil, fmt.Errorf("schedule claims: %w", err)
		}
		c.Slot, c.Claimed, c.Expires = ms(slot), ms(claimed), ms(expires)
		if finished.Valid {
			c.Finished = ms(finished.Int64)
		}
		for _, f := range strings.Split(ids, ",") {
			if id, err := strconv.ParseInt(f, 10, 64); err == nil {
				c.RunIDs = append(c.RunIDs, id)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
