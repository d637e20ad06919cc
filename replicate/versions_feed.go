package replicate

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
)

// Object versions (Session.Unchanged) compare an object's Updated with the
// one stored, but Updated has a one-second resolution: a wiki page edited
// twice in the same second, the second edit after the run read the first,
// keeps its Updated, and the stored content would stay stale forever. So
// an object is trusted at its stored version only when the activity feed
// does not name it: each run reads the newest activity id before it reads
// any object, and stores it (checkpoint key versionFeedKey of the version
// table's scope) in the transaction that writes the version table; the
// next run reads the feed above it and reads every object it names again.
// An edit made after the id was read has a larger id, so the next run sees
// it. Without a stored id (a destination written by an older version) no
// version is trusted for one run.

// versionFeedKey is the checkpoint key of the activity id above which the
// next run reads the feed for changed objects of a version table.
const versionFeedKey = "versionFeed"

// versionSignals are the activity types that announce a change of an
// object kind of Session.Unchanged (content.id is the object's id).
var versionSignals = map[string][]backlog.ActivityType{
	catalog.KindWiki: {backlog.ActivityWikiCreated, backlog.ActivityWikiUpdated},
	catalog.KindPullRequest: {backlog.ActivityPullRequestAdded, backlog.ActivityPullRequestUpdated,
		backlog.ActivityPullRequestCommented, backlog.ActivityPullRequestMerged},
}

// newestActivity returns the id of the newest space activity, read once
// per run (0 when the feed is empty).
func (r *run) newestActivity(ctx context.Context) (int64, error) {
	if r.newest != nil {
		return *r.newest, nil
	}
	acts, _, err := r.e.Client.Activities.ListSpace(ctx, &backlog.ActivityListOptions{CursorOptions: backlog.CursorOptions{Count: 1, Order: backlog.OrderDesc}})
	if err != nil {
		return 0, fmt.Errorf("reading the newest activity: %w", err)
	}
	var id int64
	if len(acts) > 0 {
		id = acts[0].ID
	}
	r.newest = &id
	return id, nil
}

// changedObjects returns the ids of the objects of kind the activity feed
// names above the id stored with vp's table, and false when no id is
// stored (then no stored version may be trusted). It records the newest
// activity id, to be stored with vp's rows (versionCheckpoint).
func (r *run) changedObjects(ctx context.Context, vp *plan, kind string) (map[string]bool, bool, error) {
	newest, err := r.newestActivity(ctx)
	if err != nil {
		return nil, false, err
	}
	if r.feedCursor == nil {
		r.feedCursor = map[*plan]int64{}
	}
	r.feedCursor[vp] = newest
	v, ok, err := r.e.Dest.Checkpoint(ctx, vp.scope, versionFeedKey)
	if err != nil {
		return nil, false, err
	}
	from, perr := strconv.ParseInt(v, 10, 64)
	if !ok || perr != nil {
		return nil, false, nil
	}
	if from > newest {
		r.rollback(vp.dest, from, newest)
		return nil, false, nil
	}
	out := map[string]bool{}
	if from >= newest {
		return out, true, nil
	}
	for a, err := range r.e.Client.Activities.SpaceIter(ctx, &backlog.ActivityListOptions{
		TypeIDs:       versionSignals[kind],
		CursorOptions: backlog.CursorOptions{MinID: from, Count: 100, Order: backlog.OrderAsc}}) {
		if err != nil {
			return nil, false, fmt.Errorf("reading the activity feed: %w", err)
		}
		if a.ID <= from {
			continue
		}
		var c struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(a.Content, &c) == nil && c.ID > 0 {
			out[strconv.FormatInt(c.ID, 10)] = true
		}
	}
	return out, true, nil
}

// versionCheckpoint is the checkpoint written with the rows of p when p is
// a version table whose objects were checked against the feed (nil
// otherwise).
func (r *run) versionCheckpoint(p *plan) *backlogsync.Checkpoint {
	id, ok := r.feedCursor[p]
	if !ok {
		return nil
	}
	return &backlogsync.Checkpoint{Scope: p.scope, Key: versionFeedKey, Value: strconv.FormatInt(id, 10)}
}
