package service_test

import (
	"testing"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/store"
)

// TestSyncStored: jobs another instance adds, changes and removes in the
// shared state database reach this instance's jobs and scheduler.
func TestSyncStored(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if err := f.st.AddConnection(ctx, &store.Connection{Name: "acme", SpaceURL: "https://acme.backlog.com", AuthScheme: "apikey", Secret: "sealed"}); err != nil {
		t.Fatal(err)
	}
	sync := func(want [3]int) {
		t.Helper()
		a, c, r, err := f.svc.SyncStored(ctx)
		if err != nil || [3]int{a, c, r} != want {
			t.Fatalf("SyncStored = %d added, %d changed, %d removed, %v; want %v", a, c, r, err, want)
		}
	}
	sj := &store.Job{Name: "elsewhere", Destination: f.cfg.Destinations[0].Name, Connections: []string{"acme"},
		Statements: "REPLICATE Issues;", Schedule: `{"interval":"daily","start":"02:30"}`}
	if err := f.st.AddJob(ctx, sj); err != nil {
		t.Fatal(err)
	}
	// A stored job named like a config job stays the config's.
	twin := &store.Job{Name: f.cfg.Jobs[0].Name, Destination: f.cfg.Destinations[0].Name, Connections: []string{"acme"},
		Statements: "REPLICATE Users;", Schedule: `{"interval":"hourly","start":"00:05"}`}
	if err := f.st.AddJob(ctx, twin); err != nil {
		t.Fatal(err)
	}
	sync([3]int{1, 0, 0})
	j, err := f.svc.Job(ctx, "elsewhere")
	if err != nil || !j.Stored || j.Next.IsZero() || j.Schedule.Interval != "daily" || j.Input == nil ||
		j.Input.Statements != sj.Statements || len(j.Input.Connections) != 1 || j.Input.Connections[0] != "acme" {
		t.Fatalf("after the sync: %+v, %v; want the stored job with its input, scheduled daily", j, err)
	}
	if cj, err := f.svc.Job(ctx, f.cfg.Jobs[0].Name); err != nil || cj.Stored {
		t.Errorf("the config job was replaced by a stored twin: %+v, %v", cj, err)
	}
	sync([3]int{0, 0, 0})

	sj.Schedule = `{"interval":"hourly","start":"00:15"}`
	if err := f.st.UpdateJob(ctx, sj); err != nil {
		t.Fatal(err)
	}
	sync([3]int{0, 1, 0})
	if j, _ := f.svc.Job(ctx, "elsewhere"); j.Schedule.Interval != "hourly" {
		t.Errorf("after the change: schedule %+v, want hourly", j.Schedule)
	}

	if err := f.st.RemoveJob(ctx, sj.ID); err != nil {
		t.Fatal(err)
	}
	// Removed from the store, not yet from memory: Job shows it as Jobs
	// does, still scheduled but without a stored input, and no error.
	j, err = f.svc.Job(ctx, "elsewhere")
	if err != nil || j.Name != "elsewhere" || j.Stored || j.Input != nil {
		t.Errorf("between the removal and the sync: %+v, %v; want the job, not stored, no input", j, err)
	}
	js, err := f.svc.Jobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range js {
		if x.Name == "elsewhere" && (x.Stored != j.Stored || (x.Input == nil) != (j.Input == nil) || x.Next != j.Next) {
			t.Errorf("Jobs shows %+v, Job %+v", x, j)
		}
	}
	sync([3]int{0, 0, 1})
	if _, err := f.svc.Job(ctx, "elsewhere"); backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
		t.Errorf("after the removal: %v, want ENOTFOUND", err)
	}
	if err := f.svc.RunNow("elsewhere"); backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
		t.Errorf("Run now of the removed job: %v, want ENOTFOUND", err)
	}
}
