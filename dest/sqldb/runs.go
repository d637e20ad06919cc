package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// Names of the destination's own tables.
const (
	checkpointsName = bs.ReservedPrefix + "checkpoints"
	runsName        = bs.ReservedPrefix + "runs"
	runTablesName   = bs.ReservedPrefix + "run_tables"
	runWarningsName = bs.ReservedPrefix + "run_warnings"
)

func col(name string, t bs.Type) bs.Column { return bs.Column{Name: name, Type: t, Nullable: true} }

// internalTables are created by New. Their columns are snake_case so that
// they read naturally in SQL.
var internalTables = []*bs.Table{
	{
		Name: checkpointsName,
		Columns: []bs.Column{col("scope", bs.TypeText), col("key", bs.TypeText), col("value", bs.TypeText),
			col("updated", bs.TypeTimestamp)},
		PrimaryKey: []string{"scope", "key"},
	},
	{
		Name: runsName,
		Columns: []bs.Column{col("id", bs.TypeInt), col("job", bs.TypeText), col("account", bs.TypeText),
			col("started", bs.TypeTimestamp), col("finished", bs.TypeTimestamp), col("status", bs.TypeText),
			col("error", bs.TypeText), col("requests_read", bs.TypeInt), col("requests_update", bs.TypeInt),
			col("requests_search", bs.TypeInt), col("requests_icon", bs.TypeInt), col("waits_429", bs.TypeInt),
			col("wait_seconds", bs.TypeFloat)},
		PrimaryKey:   []string{"id"},
		CursorColumn: "job",
	},
	{
		Name: runTablesName,
		Columns: []bs.Column{col("run_id", bs.TypeInt), col("table_name", bs.TypeText), col("rows_inserted", bs.TypeInt),
			col("rows_updated", bs.TypeInt), col("rows_deleted", bs.TypeInt), col("cursor_before", bs.TypeText),
			col("cursor_after", bs.TypeText), col("values_altered", bs.TypeInt)},
		PrimaryKey: []string{"run_id", "table_name"},
	},
	{
		// One row per Run.Warnings entry, seq its index.
		Name: runWarningsName,
		Columns: []bs.Column{col("run_id", bs.TypeInt), col("seq", bs.TypeInt), col("table_name", bs.TypeText),
			col("kind", bs.TypeText), col("message", bs.TypeText)},
		PrimaryKey: []string{"run_id", "seq"},
	},
	leasesTable,
}

func (x *DB) ref(name string) string { return x.d.TableRef(bs.TableName{Name: name}) }

func (x *DB) quoteAll(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = x.q(n)
	}
	return out
}

// StartRun implements backlogsync.Destination. The id is MAX(id)+1, taken
// inside the inserting transaction. Concurrent calls (the accounts of one
// job start together) are serialised: under READ COMMITTED two
// transactions would read the same MAX and the second insert would fail
// on the primary key.
func (x *DB) StartRun(ctx context.Context, r bs.Run) (int64, error) {
	x.startMu.Lock()
	defer x.startMu.Unlock()
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("start run: begin: %w", err)
	}
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf("SELECT COALESCE(MAX(%s), 0) + 1 FROM %s", x.q("id"), x.ref(runsName))).Scan(&id); err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	cols := x.quoteAll("id", "job", "account", "started", "status", "error", "requests_read", "requests_update",
		"requests_search", "requests_icon", "waits_429", "wait_seconds")
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", x.ref(runsName), strings.Join(cols, ", "), x.placeholders(1, len(cols)))
	started := x.d.Encode(bs.TypeTimestamp, r.Started.UTC().Truncate(time.Second))
	if _, err := tx.ExecContext(ctx, q, id, r.Job, r.Account, started, string(bs.RunRunning), "", 0, 0, 0, 0, 0, 0.0); err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	return id, commit(tx, "start run")
}

// FinishRun implements backlogsync.Destination.
func (x *DB) FinishRun(ctx context.Context, r bs.Run) error {
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish run: begin: %w", err)
	}
	defer tx.Rollback()
	var one int
	err = tx.QueryRowContext(ctx, fmt.Sprintf("SELECT 1 FROM %s WHERE %s = %s", x.ref(runsName), x.q("id"), x.d.Placeholder(1)), r.ID).Scan(&one)
	if err == sql.ErrNoRows {
		return bs.Errorf(bs.ENOTFOUND, "run %d does not exist", r.ID)
	} else if err != nil {
		return fmt.Errorf("finish run %d: %w", r.ID, err)
	}
	var finished any
	if !r.Finished.IsZero() {
		finished = x.d.Encode(bs.TypeTimestamp, r.Finished.UTC().Truncate(time.Second))
	}
	sets := []string{"finished", "status", "error", "requests_read", "requests_update", "requests_search", "requests_icon", "waits_429", "wait_seconds"}
	var b strings.Builder
	for i, s := range sets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s", x.q(s), x.d.Placeholder(i+1))
	}
	q := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", x.ref(runsName), b.String(), x.q("id"), x.d.Placeholder(len(sets)+1))
	wait := r.WaitTime.Truncate(time.Millisecond).Seconds()
	if _, err := tx.ExecContext(ctx, q, finished, string(r.Status), r.Error, r.Requests.Read, r.Requests.Update,
		r.Requests.Search, r.Requests.Icon, r.Waits429, wait, r.ID); err != nil {
		return fmt.Errorf("finish run %d: %w", r.ID, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = %s", x.ref(runTablesName), x.q("run_id"), x.d.Placeholder(1)), r.ID); err != nil {
		return fmt.Errorf("finish run %d: %w", r.ID, err)
	}
	cols := x.quoteAll("run_id", "table_name", "rows_inserted", "rows_updated", "rows_deleted", "cursor_before", "cursor_after", "values_altered")
	ins := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", x.ref(runTablesName), strings.Join(cols, ", "), x.placeholders(1, len(cols)))
	for _, t := range r.Tables {
		if _, err := tx.ExecContext(ctx, ins, r.ID, t.Table, t.Inserted, t.Updated, t.Deleted, t.CursorBefore, t.CursorAfter, t.Altered); err != nil {
			return fmt.Errorf("finish run %d: table %s: %w", r.ID, t.Table, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = %s", x.ref(runWarningsName), x.q("run_id"), x.d.Placeholder(1)), r.ID); err != nil {
		return fmt.Errorf("finish run %d: %w", r.ID, err)
	}
	wcols := x.quoteAll("run_id", "seq", "table_name", "kind", "message")
	wins := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", x.ref(runWarningsName), strings.Join(wcols, ", "), x.placeholders(1, len(wcols)))
	for i, w := range r.Warnings {
		if _, err := tx.ExecContext(ctx, wins, r.ID, i, w.Table, w.Kind, w.Message); err != nil {
			return fmt.Errorf("finish run %d: warning: %w", r.ID, err)
		}
	}
	return commit(tx, "finish run")
}

// Runs implements backlogsync.Destination.
func (x *DB) Runs(ctx context.Context, job string, limit int) ([]bs.Run, error) {
	if job == "" {
		return x.runs(ctx, "", nil, limit)
	}
	return x.runs(ctx, "job", job, limit)
}

// Run implements backlogsync.Destination.
func (x *DB) Run(ctx context.Context, id int64) (bs.Run, error) {
	runs, err := x.runs(ctx, "id", id, 1)
	if err != nil {
		return bs.Run{}, err
	}
	if len(runs) == 0 {
		return bs.Run{}, bs.Errorf(bs.ENOTFOUND, "no run %d in the runs table", id)
	}
	return runs[0], nil
}

// runs lists the runs whose column col equals v (every run when col is
// ""), newest first, at most limit of them, with their tables and warnings.
func (x *DB) runs(ctx context.Context, col string, v any, limit int) ([]bs.Run, error) {
	cols := x.quoteAll("id", "job", "account", "started", "finished", "status", "error", "requests_read",
		"requests_update", "requests_search", "requests_icon", "waits_429", "wait_seconds")
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(cols, ", "), x.ref(runsName))
	var args []any
	if col != "" {
		q += fmt.Sprintf(" WHERE %s = %s", x.q(col), x.d.Placeholder(1))
		args = append(args, v)
	}
	q += " ORDER BY " + x.q("id") + " DESC"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []bs.Run
	byID := map[int64]int{}
	for rows.Next() {
		var r bs.Run
		var started, finished any
		var errText sql.NullString
		var status string
		var wait float64
		if err := rows.Scan(&r.ID, &r.Job, &r.Account, &started, &finished, &status, &errText, &r.Requests.Read,
			&r.Requests.Update, &r.Requests.Search, &r.Requests.Icon, &r.Waits429, &wait); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		r.Status, r.Error = bs.RunStatus(status), errText.String
		r.WaitTime = time.Duration(wait*1000+0.5) * time.Millisecond
		for _, p := range []struct {
			dst *time.Time
			v   any
		}{{&r.Started, started}, {&r.Finished, finished}} {
			if p.v == nil {
				continue
			}
			t, err := x.d.Decode(bs.TypeTimestamp, p.v)
			if err != nil {
				return nil, fmt.Errorf("list runs: %w", err)
			}
			*p.dst = t.(time.Time)
		}
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	rows.Close()
	if len(out) == 0 {
		return nil, nil
	}
	// Per-table rows of the listed runs.
	ids := make([]any, 0, len(out))
	for _, r := range out {
		ids = append(ids, r.ID)
	}
	tcols := x.quoteAll("run_id", "table_name", "rows_inserted", "rows_updated", "rows_deleted", "cursor_before", "cursor_after", "values_altered")
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		q := fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (%s) ORDER BY %s, %s", strings.Join(tcols, ", "), x.ref(runTablesName),
			x.q("run_id"), x.placeholders(1, len(part)), x.q("run_id"), x.d.OrderTerm(x.q("table_name"), false))
		trows, err := x.db.QueryContext(ctx, q, part...)
		if err != nil {
			return nil, fmt.Errorf("list runs: tables: %w", err)
		}
		for trows.Next() {
			var id int64
			var t bs.RunTable
			var before, after sql.NullString
			var altered sql.NullInt64
			if err := trows.Scan(&id, &t.Table, &t.Inserted, &t.Updated, &t.Deleted, &before, &after, &altered); err != nil {
				trows.Close()
				return nil, fmt.Errorf("list runs: tables: %w", err)
			}
			t.CursorBefore, t.CursorAfter, t.Altered = before.String, after.String, altered.Int64
			out[byID[id]].Tables = append(out[byID[id]].Tables, t)
		}
		err = trows.Err()
		trows.Close()
		if err != nil {
			return nil, fmt.Errorf("list runs: tables: %w", err)
		}
		if err := x.runWarnings(ctx, out, byID, part); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runWarnings adds the warnings of the runs ids to out.
func (x *DB) runWarnings(ctx context.Context, out []bs.Run, byID map[int64]int, ids []any) error {
	cols := x.quoteAll("run_id", "table_name", "kind", "message")
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (%s) ORDER BY %s, %s", strings.Join(cols, ", "), x.ref(runWarningsName),
		x.q("run_id"), x.placeholders(1, len(ids)), x.q("run_id"), x.q("seq"))
	rows, err := x.db.QueryContext(ctx, q, ids...)
	if err != nil {
		return fmt.Errorf("list runs: warnings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var table, kind, msg sql.NullString
		if err := rows.Scan(&id, &table, &kind, &msg); err != nil {
			return fmt.Errorf("list runs: warnings: %w", err)
		}
		out[byID[id]].Warnings = append(out[byID[id]].Warnings, bs.RunWarning{Table: table.String, Kind: kind.String, Message: msg.String})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list runs: warnings: %w", err)
	}
	return nil
}
