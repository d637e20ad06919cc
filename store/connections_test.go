package store

import (
	"database/sql"
	"testing"
	"time"
)

// TestConnectionRateLimit: a connection keeps its rate-limit settings
// through add, update (with and without a new secret) and both reads; a
// share left at 0 is stored as 1, the whole budget.
func TestConnectionRateLimit(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		cn := &Connection{Name: "shared", SpaceURL: "https://s.backlog.com", AuthScheme: "apikey", Secret: "v1:sealed",
			MaxShare: 0.5, Concurrency: 1, Pacing: "even"}
		if err := s.AddConnection(ctx, cn); err != nil {
			t.Fatal(err)
		}
		plain := &Connection{Name: "plain", SpaceURL: "https://p.backlog.com", AuthScheme: "apikey", Secret: "v1:x"}
		if err := s.AddConnection(ctx, plain); err != nil {
			t.Fatal(err)
		}
		if plain.MaxShare != 1 {
			t.Errorf("added without a share: MaxShare %v, want 1", plain.MaxShare)
		}
		got, err := s.Connection(ctx, cn.ID)
		if err != nil || got.MaxShare != 0.5 || got.Concurrency != 1 || got.Pacing != "even" {
			t.Fatalf("after add: %+v %v", got, err)
		}
		if got, _ := s.Connection(ctx, plain.ID); got.MaxShare != 1 || got.Concurrency != 0 || got.Pacing != "" {
			t.Errorf("defaults: %+v", got)
		}
		c.add(time.Minute)
		up := &Connection{ID: cn.ID, Name: "shared", SpaceURL: "https://s.backlog.com", AuthScheme: "apikey", MaxShare: 0.8, Concurrency: 2, Pacing: "window"}
		if err := s.UpdateConnection(ctx, up); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Connection(ctx, cn.ID); got.MaxShare != 0.8 || got.Concurrency != 2 || got.Pacing != "window" || got.Secret != "v1:sealed" {
			t.Errorf("after update keeping the secret: %+v", got)
		} else if *up != *got {
			t.Errorf("UpdateConnection left %+v; want the connection as stored, %+v (callers answer with it)", *up, *got)
		}
		up = &Connection{ID: cn.ID, Name: "shared", SpaceURL: "https://s.backlog.com", AuthScheme: "apikey", Secret: "v1:new"}
		if err := s.UpdateConnection(ctx, up); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Connection(ctx, cn.ID); *up != *got {
			t.Errorf("UpdateConnection left %+v; want the connection as stored, %+v", *up, *got)
		}
		cs, err := s.Connections(ctx)
		if err != nil || len(cs) != 2 || cs[1].Name != "shared" || cs[1].MaxShare != 1 || cs[1].Concurrency != 0 || cs[1].Pacing != "" || cs[1].Secret != "v1:new" {
			t.Errorf("after update back to the defaults, with a new secret: %+v %v", cs, err)
		}
	})
}

// TestConnectionRateLimitMigration: connections stored before migration 6
// read as they behaved: the whole budget (max_share 1), the default
// concurrency (0) and pacing (""), on SQLite and PostgreSQL.
func TestConnectionRateLimitMigration(t *testing.T) {
	for _, d := range []Driver{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := t.Context()
			dsn := testDSN(t, d)
			name, source, err := dataSource(d, dsn)
			if err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open(name, source)
			if err != nil {
				t.Fatal(err)
			}
			old := &Store{db: db, driver: d, now: time.Now, cost: 4}
			if err := old.migrateTo(ctx, 5); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, old.q(`INSERT INTO connections (name, space_url, auth_scheme, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
				"old", "https://o.backlog.com", "apikey", "v1:s", 1, 1); err != nil {
				t.Fatal(err)
			}
			db.Close()
			s, err := Open(ctx, d, dsn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v, _ := s.SchemaVersion(ctx); v != 6 {
				t.Errorf("schema version %d, want 6", v)
			}
			cs, err := s.Connections(ctx)
			if err != nil || len(cs) != 1 || cs[0].Name != "old" || cs[0].MaxShare != 1 || cs[0].Concurrency != 0 || cs[0].Pacing != "" {
				t.Fatalf("a connection from before the migration: %+v %v", cs, err)
			}
		})
	}
}
