package store

import (
	"maps"
	"slices"
	"sync/atomic"
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

// TestListsLoadChildrenInBoundedQueries: Jobs (with each job's
// connections) and JobsByConnection read several jobs and connections in
// a fixed number of queries, not one more per job or connection (and
// JobByName reads one job in two), and
// group the children under the right parent in the right order.
func TestListsLoadChildrenInBoundedQueries(t *testing.T) {
	forEachCounted(t, func(t *testing.T, s *Store, queries *atomic.Int64) {
		ctx := t.Context()
		ids := map[string]int64{}
		for _, n := range []string{"c0", "c1", "c2", "c3", "unused"} {
			c := &Connection{Name: n, SpaceURL: "https://" + n + ".backlog.com", AuthScheme: "apikey", Secret: "v1:x"}
			if err := s.AddConnection(ctx, c); err != nil {
				t.Fatal(err)
			}
			ids[n] = c.ID
		}
		// Added out of name order, with connections out of name order.
		want := map[string][]string{
			"j3": {"c3", "c0"},
			"j0": {"c2", "c1", "c0"},
			"j4": {"c1"},
			"j1": {"c0", "c3"},
			"j2": {"c2"},
		}
		for _, n := range []string{"j3", "j0", "j4", "j1", "j2"} {
			if err := s.AddJob(ctx, &Job{Name: n, Destination: "main", Connections: want[n], Schedule: "{}"}); err != nil {
				t.Fatal(err)
			}
		}

		before := queries.Load()
		js, err := s.Jobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := queries.Load() - before; n != 2 {
			t.Errorf("Jobs of %d jobs ran %d queries, want 2 (the jobs, then all their connections)", len(js), n)
		}
		var names []string
		for _, j := range js {
			names = append(names, j.Name)
			if !slices.Equal(j.Connections, want[j.Name]) {
				t.Errorf("job %s: connections %v, want %v", j.Name, j.Connections, want[j.Name])
			}
		}
		if !slices.Equal(names, []string{"j0", "j1", "j2", "j3", "j4"}) {
			t.Errorf("jobs %v, want them by name", names)
		}

		// One job (the job page's read) costs the same two queries
		// however many jobs there are: its row and its connections.
		before = queries.Load()
		one, err := s.JobByName(ctx, "j0")
		if err != nil || !slices.Equal(one.Connections, want["j0"]) {
			t.Fatalf("JobByName(j0) = %+v, %v; want connections %v", one, err, want["j0"])
		}
		if n := queries.Load() - before; n != 2 {
			t.Errorf("JobByName ran %d queries, want 2 (the job, then its connections)", n)
		}

		before = queries.Load()
		byConn, err := s.JobsByConnection(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := queries.Load() - before; n != 1 {
			t.Errorf("JobsByConnection ran %d queries, want 1", n)
		}
		wantByConn := map[int64][]string{
			ids["c0"]: {"j0", "j1", "j3"},
			ids["c1"]: {"j0", "j4"},
			ids["c2"]: {"j0", "j2"},
			ids["c3"]: {"j1", "j3"},
		}
		if !maps.EqualFunc(byConn, wantByConn, slices.Equal) {
			t.Errorf("JobsByConnection = %v, want %v (no entry for the unused connection)", byConn, wantByConn)
		}
		for n, id := range ids {
			one, err := s.ConnectionJobs(ctx, id)
			if err != nil || !slices.Equal(one, wantByConn[id]) {
				t.Errorf("ConnectionJobs(%s) = %v, %v; want %v", n, one, err, wantByConn[id])
			}
		}
	})
}
