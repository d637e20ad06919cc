package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/canceltest"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// TestSaveDeleteJobCancelled: a SaveJob or DeleteJob call whose context
// ends while it writes (a client that goes away) leaves the stored job and
// the service's jobs in step, so the next call about the job works. A
// write the server applied while the call reported the cancellation would
// otherwise leave a job stored but not scheduled (a retried create then
// finds its name taken, and edit and delete answer "no stored job") or a
// job deleted from the store that still runs here (a retried delete finds
// nothing to delete). Cancellations at many points of each call, spread
// over 1.5 times an uncancelled call's duration.
func TestSaveDeleteJobCancelled(t *testing.T) {
	for _, d := range []store.Driver{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			f := newFixtureOn(t, d)
			ctx := t.Context()
			if err := f.st.AddConnection(ctx, &store.Connection{Name: "acme", SpaceURL: "https://acme.backlog.com", AuthScheme: "apikey", Secret: "sealed"}); err != nil {
				t.Fatal(err)
			}
			const name = "cancelled"
			in := service.JobInput{Name: name, Destination: f.cfg.Destinations[0].Name, Connections: []string{"acme"},
				Statements: "REPLICATE Issues;", Schedule: service.JobSchedule{Interval: "daily", Start: "02:30"}}
			// state says whether the job is in the store and in the
			// service's jobs, failing when only one has it.
			state := func(what string, i int) bool {
				t.Helper()
				_, serr := f.st.JobByName(ctx, name)
				if serr != nil && backlogsync.ErrorCode(serr) != backlogsync.ENOTFOUND {
					t.Fatal(serr)
				}
				j, merr := f.svc.Job(ctx, name)
				if merr != nil && backlogsync.ErrorCode(merr) != backlogsync.ENOTFOUND {
					t.Fatal(merr)
				}
				inStore, inMemory := serr == nil, merr == nil && j.Stored
				if inStore != inMemory || (merr == nil && !j.Stored) {
					t.Fatalf("attempt %d: a cancelled %s left the job in the store: %v, in the service: %v (stored %v)",
						i, what, inStore, merr == nil, merr == nil && j.Stored)
				}
				return inStore
			}
			timed := func(fn func() error) time.Duration {
				t0 := time.Now()
				if err := fn(); err != nil {
					t.Fatal(err)
				}
				return time.Since(t0)
			}
			saveTook := timed(func() error { return f.svc.SaveJob(ctx, "", in) })
			deleteTook := timed(func() error { return f.svc.DeleteJob(ctx, name) })
			// cancelled calls fn with a context cancelled after the i-th
			// of 150 steps of 1.5 × took.
			cancelled := func(i int, took time.Duration, fn func(context.Context) error) error {
				c, cancel := canceltest.At(ctx, i, 150, took*3/2)
				defer cancel()
				return fn(c)
			}
			saved, deleted := 0, 0
			for i := range 150 {
				err := cancelled(i, saveTook, func(c context.Context) error { return f.svc.SaveJob(c, "", in) })
				if state("SaveJob", i) {
					saved++
				} else if err == nil {
					t.Fatalf("attempt %d: SaveJob succeeded but the job is nowhere", i)
				} else if err := f.svc.SaveJob(ctx, "", in); err != nil {
					t.Fatalf("attempt %d: saving again after a cancelled SaveJob: %v", i, err)
				}
				err = cancelled(i, deleteTook, func(c context.Context) error { return f.svc.DeleteJob(c, name) })
				if !state("DeleteJob", i) {
					deleted++
				} else if err == nil {
					t.Fatalf("attempt %d: DeleteJob succeeded but the job is still there", i)
				} else if err := f.svc.DeleteJob(ctx, name); err != nil {
					t.Fatalf("attempt %d: deleting again after a cancelled DeleteJob: %v", i, err)
				}
			}
			t.Logf("SaveJob took %s, DeleteJob %s; of 150 cancelled calls %d saves and %d deletes went through",
				saveTook, deleteTook, saved, deleted)
		})
	}
}
