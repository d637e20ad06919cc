package replicate

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

// snapshotKey is the checkpoint key under which a Replace or Append table
// records the time of the run that last wrote it, in the same transaction.
const snapshotKey = "snapshot"

// snapshot replicates p under UpdateMode Replace or Append. Both read the
// whole current selection from the API, through a session the run's
// snapshot tables share (no object is trusted unchanged, no append-only
// feed is read above its stored id; tables filled from the same calls read
// them once), with the statement's filter pushed down, and write it in ONE
// transaction with the checkpoint recording the run's time:
//
//   - Replace: the rows read are upserted (rows equal to the stored ones
//     are not written again) and this account's stored rows not read are
//     deleted, so the table becomes exactly the rows read. A run that fails
//     or is killed before the write leaves the previous rows untouched.
//   - Append: the rows read, each with SnapshotColumn set to the run's start
//     time, are inserted. A snapshot is therefore visible whole or not at
//     all; a rerun after a kill takes a new snapshot (and a second write of
//     the same snapshot time overwrites its rows: the time is in the key).
//
// The selection is held in memory until it is written. first reports that
// the account had no rows in the table before.
func (r *run) snapshot(ctx context.Context, p *plan) (rt backlogsync.RunTable, first bool, err error) {
	rt.Table = p.dest
	e := r.e
	_, end := r.track(p, &rt)
	defer end(&err)
	if err := r.prepare(ctx, p); err != nil {
		return rt, false, err
	}
	mode := p.c.Mode
	var stored map[string][]any
	var unchanged map[string]fingerprint
	held := int64(0)
	if mode == jobsql.ModeReplace {
		set, err := e.storedRows(ctx, p, "")
		if err != nil {
			return rt, false, err
		}
		stored, unchanged, held = set.keys, set.fps, int64(len(set.keys))
	} else {
		held, err = e.Dest.Count(ctx, p.dest, backlogsync.Cmp{Column: p.c.AccountColumn, Op: backlogsync.OpEq, Value: e.account()})
		if err != nil && backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
			return rt, false, err
		}
	}
	first = held == 0
	at := r.snapshotTime
	q := catalog.Query{Account: e.account(), Where: slices.Clone(p.c.Pushdown)}
	var rows []backlogsync.Row
	seen := map[string]bool{}
	fetched := 0
	if r.snapSession == nil {
		r.snapSession = &catalog.Session{}
	}
	err = catalog.FetchWith(ctx, e.Client, p.src.Name, q, r.snapSession, func(row backlogsync.Row) error {
		out, key, ok := p.row(row)
		if !ok {
			return nil
		}
		fetched++
		if mode == jobsql.ModeAppend {
			rows = append(rows, append(out[:len(out):len(out)], at))
			return nil
		}
		k := keyString(key)
		seen[k] = true
		if fp, ok := unchanged[k]; ok && fp == rowFingerprint(p.table, out) {
			return nil
		}
		rows = append(rows, out)
		return nil
	})
	if err != nil {
		return rt, first, err
	}
	var dels [][]any
	for k, v := range stored {
		if !seen[k] {
			dels = append(dels, v)
		}
	}
	switch mode {
	case jobsql.ModeReplace:
		r.alarm(p, len(stored), fetched, len(dels))
	case jobsql.ModeAppend:
		if fetched == 0 && held > 0 {
			r.warn(p.dest, backlogsync.WarnZeroRows, fmt.Sprintf("%s: the snapshot of %s is empty although account %s has %d rows in earlier snapshots; check the account's permissions and the statement's filter",
				p.dest, at.Format(time.RFC3339), e.account(), held))
		}
	}
	cp := &backlogsync.Checkpoint{Scope: p.scope, Key: snapshotKey, Value: at.Format(time.RFC3339)}
	res, err := e.Dest.Write(ctx, backlogsync.Batch{Table: p.table, Upserts: rows, Deletes: dels, Checkpoint: cp})
	if err != nil {
		return rt, first, err
	}
	rt.Inserted, rt.Updated, rt.Deleted, rt.Altered = res.Inserted, res.Updated, res.Deleted, res.Altered
	warnAltered(e.log(), p.dest, res.Altered)
	r.log.Info("table replicated", "table", p.dest, "mode", string(mode), "fetched", fetched, "inserted", rt.Inserted,
		"updated", rt.Updated, "deleted", rt.Deleted)
	return rt, first, nil
}
