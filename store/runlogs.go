package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/backlogsync/backlogsync"
)

// MaxRunLog is the most bytes of a run's log the store keeps; a longer log
// keeps its first and last halves around a line saying how much was cut.
const MaxRunLog = 256 << 10

// RunLogRetention is how long run logs are kept: SaveRunLog deletes the
// logs saved longer ago.
const RunLogRetention = 90 * 24 * time.Hour

// RunLog is the log of one run of a job: Job and RunID name the row of the
// job destination's runs table. The text is scrubbed of secrets by the
// caller before it is saved.
type RunLog struct {
	Job       string
	RunID     int64
	Text      string
	Truncated bool // bytes were cut from the middle (see MaxRunLog)
	Saved     time.Time
}

// migrationRunLogs keeps each run's log (service.Service saves them, the
// web admin and GET /api/jobs/{name}/runs/{id}/log read them).
var migrationRunLogs = migration{3, []string{
	`CREATE TABLE run_logs (
		job TEXT NOT NULL,
		run_id BIGINT NOT NULL,
		log TEXT NOT NULL,
		truncated BOOLEAN NOT NULL,
		saved_at BIGINT NOT NULL,
		PRIMARY KEY (job, run_id))`,
	`CREATE INDEX run_logs_saved ON run_logs(saved_at)`,
}}

// CapLog bounds text to max bytes: a longer text keeps its first and last
// parts (cut at line ends where possible, never inside a UTF-8 sequence)
// around a line naming how many bytes were left out. It reports whether
// it cut.
func CapLog(text string, max int) (string, bool) {
	if len(text) <= max {
		return text, false
	}
	const room = 100 // for the marker line
	half := (max - room) / 2
	if half <= 0 {
		return "", true
	}
	head := text[:half]
	if i := strings.LastIndexByte(head, '\n'); i > half/2 {
		head = head[:i+1]
	}
	for len(head) > 0 && !utf8.ValidString(head[len(head)-min(len(head), utf8.UTFMax):]) {
		head = head[:len(head)-1]
	}
	tail := text[len(text)-half:]
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i < half/2 {
		tail = tail[i+1:]
	}
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	cut := len(text) - len(head) - len(tail)
	if !strings.HasSuffix(head, "\n") {
		head += "\n"
	}
	return head + "… " + strconv.Itoa(cut) + " bytes of the log left out (it is longer than " + strconv.Itoa(max>>10) + " KiB) …\n" + tail, true
}

// SaveRunLog stores (or replaces) the log of a job's run, capped at
// MaxRunLog, and deletes the logs older than RunLogRetention.
func (s *Store) SaveRunLog(ctx context.Context, job string, runID int64, text string) error {
	if job == "" || runID <= 0 {
		return backlogsync.Errorf(backlogsync.EINVALID, "a run log needs a job and a run id")
	}
	text, cut := CapLog(text, MaxRunLog)
	now := s.now().UTC()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save run log: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO run_logs (job, run_id, log, truncated, saved_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (job, run_id) DO UPDATE SET log = excluded.log, truncated = excluded.truncated, saved_at = excluded.saved_at`),
		job, runID, text, cut, now.Unix()); err != nil {
		return fmt.Errorf("save run log: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM run_logs WHERE saved_at < ?`), now.Add(-RunLogRetention).Unix()); err != nil {
		return fmt.Errorf("prune run logs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save run log: %w", err)
	}
	return nil
}

// RunLog returns the log of a job's run: ENOTFOUND when none was saved
// (the run predates serve, ran from the CLI, or its log was pruned).
func (s *Store) RunLog(ctx context.Context, job string, runID int64) (*RunLog, error) {
	l := RunLog{Job: job, RunID: runID}
	var saved int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT log, truncated, saved_at FROM run_logs WHERE job = ? AND run_id = ?`), job, runID).
		Scan(&l.Text, &l.Truncated, &saved)
	if isNoRows(err) {
		return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no log kept for run %d of job %s (runs from the command line, and logs older than %d days, have none)",
			runID, job, int(RunLogRetention/(24*time.Hour)))
	}
	if err != nil {
		return nil, fmt.Errorf("read run log: %w", err)
	}
	l.Saved = time.Unix(saved, 0).UTC()
	return &l, nil
}
