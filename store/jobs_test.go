package store

import (
	"slices"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
)

func TestJobs(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		for _, n := range []string{"acme", "beta"} {
			if err := s.AddConnection(ctx, &Connection{Name: n, SpaceURL: "https://" + n + ".backlog.com", AuthScheme: "apikey", Secret: "v1:x"}); err != nil {
				t.Fatal(err)
			}
		}
		j := &Job{Name: "hourly", Destination: "main", Connections: []string{"beta", "acme"}, Statements: "REPLICATE Issues;",
			Schedule: `{"interval":"hourly"}`, Notify: []string{"a@example.com", "b@example.com"}}
		if err := s.AddJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		if err := s.AddJob(ctx, &Job{Name: "hourly", Destination: "main", Connections: []string{"acme"}}); code(err) != backlogsync.ECONFLICT {
			t.Fatalf("duplicate name: %v", err)
		}
		if err := s.AddJob(ctx, &Job{Name: "x", Destination: "main", Connections: []string{"nope"}}); code(err) != backlogsync.ENOTFOUND {
			t.Fatalf("unknown connection: %v", err)
		}
		if err := s.AddJob(ctx, &Job{Name: "x", Destination: "main"}); code(err) != backlogsync.EINVALID {
			t.Fatalf("no connection: %v", err)
		}
		if js, _ := s.Jobs(ctx); len(js) != 1 {
			t.Fatalf("a failed add left a job: %+v", js)
		}
		got, err := s.JobByName(ctx, "hourly")
		if err != nil || !slices.Equal(got.Connections, []string{"beta", "acme"}) || got.Statements != j.Statements ||
			got.Schedule != j.Schedule || !slices.Equal(got.Notify, j.Notify) || got.ID != j.ID {
			t.Fatalf("read back: %+v %v", got, err)
		}
		// A connection used by a job cannot be removed.
		acme := connID(t, s, "acme")
		if err := s.RemoveConnection(ctx, acme); code(err) != backlogsync.ECONFLICT {
			t.Fatalf("remove a used connection: %v", err)
		}
		if err := s.UpdateConnection(ctx, &Connection{ID: acme, Name: "acme2", SpaceURL: "https://acme.backlog.com", AuthScheme: "apikey"}); code(err) != backlogsync.ECONFLICT {
			t.Fatalf("rename a used connection: %v", err)
		}
		c.add(time.Minute)
		j.Name, j.Connections, j.ReplicateAll, j.Notify = "hourly2", []string{"acme"}, true, nil
		if err := s.UpdateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		js, err := s.Jobs(ctx)
		if err != nil || len(js) != 1 || js[0].Name != "hourly2" || !js[0].ReplicateAll || len(js[0].Notify) != 0 ||
			!slices.Equal(js[0].Connections, []string{"acme"}) || !js[0].Updated.After(js[0].Created) {
			t.Fatalf("after update: %+v %v", js, err)
		}
		if err := s.RemoveConnection(ctx, connID(t, s, "beta")); err != nil {
			t.Fatalf("beta is no longer used: %v", err)
		}
		if err := s.UpdateJob(ctx, &Job{ID: 999, Name: "z", Destination: "main", Connections: []string{"acme"}}); code(err) != backlogsync.ENOTFOUND {
			t.Fatalf("update unknown: %v", err)
		}
		if err := s.RemoveJob(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.JobByName(ctx, "hourly2"); code(err) != backlogsync.ENOTFOUND {
			t.Fatalf("after remove: %v", err)
		}
		if err := s.RemoveConnection(ctx, acme); err != nil {
			t.Fatalf("acme after its job went: %v", err)
		}
	})
}

func connID(t *testing.T, s *Store, name string) int64 {
	t.Helper()
	cs, err := s.Connections(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("no connection %s", name)
	return 0
}
