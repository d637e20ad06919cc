package replicate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/backlogsync/backlogsync"
)

// A source rollback (the space restored from a backup, or another space
// now answering at the account's URL) must not leave the replica silently
// diverged. Two signs are checked:
//
//   - the space's identity (key and creation time, GET /space), stored per
//     job and account (checkpoint scope job/account/_source, key "space"):
//     another space refuses the run with the command that starts over;
//   - the newest activity id below a cursor stored from the feed (the
//     Issues family's activity id, a version table's feed cursor, the
//     newest stored id of an activity table): the space went back in time.
//     The tables concerned are resynchronised in that run: the Issues
//     family reloads (every issue read again, upserted, the others
//     deleted), wiki pages and pull requests are read in full, and
//     activity tables are read in full with their stale rows deleted.

// errRolledBack is returned by an incremental run of the Issues family
// that found a source rollback before writing anything: the tables are
// reloaded instead.
var errRolledBack = errors.New("replicate: source rollback detected")

// sourceTable is the table part of the checkpoint scope holding what the
// engine knows of the source space.
const sourceTable = "_source"

// checkSpace compares the space the client reaches with the one this job
// and account replicated before, and records it on the first run.
func (e *Engine) checkSpace(ctx context.Context) error {
	sp, _, err := e.Client.Space.Get(ctx)
	if err != nil {
		return fmt.Errorf("replicate: reading the space: %w", err)
	}
	b, _ := json.Marshal(struct {
		SpaceKey string `json:"spaceKey"`
		Created  string `json:"created"`
	}{sp.SpaceKey, sp.Created.UTC().Format(time.RFC3339)})
	id := string(b)
	scope := e.job() + "/" + e.account() + "/" + sourceTable
	v, ok, err := e.Dest.Checkpoint(ctx, scope, "space")
	if err != nil {
		return fmt.Errorf("replicate: reading the source checkpoint: %w", err)
	}
	if !ok {
		_, err := e.Dest.Write(ctx, backlogsync.Batch{Checkpoint: &backlogsync.Checkpoint{Scope: scope, Key: "space", Value: id}})
		return err
	}
	if v == id {
		return nil
	}
	return backlogsync.Errorf(backlogsync.ECONFLICT,
		"account %s reaches space %s but job %s replicated space %s into this destination: the URL now points to another space. "+
			"Nothing was written. If that is intended, start over: backlogsync state reset -c CONFIG --job %s --account %s --yes "+
			"(the tables reload and rows of the old space are deleted by the next run; append-only tables keep theirs: replicate them once WITH DropTable=true)",
		e.account(), id, e.job(), v, e.job(), e.account())
}

// rollback logs a detected source rollback for a table.
func (r *run) rollback(table string, stored, newest int64) {
	r.log.Error("!!! SOURCE ROLLBACK: the newest activity of the space is older than what this destination already holds (space restored from a backup?); resynchronising the table in full",
		"table", table, "storedActivity", stored, "newestActivity", newest)
}

// rolledBack reports whether the space's newest activity is older than
// the Issues family's activity cursor id, logging the rollback if so.
func (f *family) rolledBack(ctx context.Context, id int64) (bool, error) {
	return f.r.rolledBack(ctx, f.plans[len(f.plans)-1].dest, id)
}

// rolledBack reports whether the space's newest activity is older than
// stored, the newest activity id table holds, logging the rollback if so.
func (r *run) rolledBack(ctx context.Context, table string, stored int64) (bool, error) {
	newest, err := r.newestActivity(ctx)
	if err != nil {
		return false, err
	}
	if stored > newest {
		r.rollback(table, stored, newest)
		return true, nil
	}
	return false, nil
}

// activityTables are the append-only tables whose ids are activity ids.
var activityTables = map[string]bool{"SpaceUpdates": true, "ProjectRecentUpdates": true, "UserRecentUpdates": true}

// activityRollback reports whether p is an activity table whose newest
// stored id (top) is above the newest activity of the space.
func (r *run) activityRollback(ctx context.Context, p *plan, top int64) (bool, error) {
	if !activityTables[p.src.Name] {
		return false, nil
	}
	return r.rolledBack(ctx, p.dest, top)
}
