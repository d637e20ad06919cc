package service

import (
	"bytes"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/internal/seal"
	"github.com/backlogsync/backlogsync/store"
)

// TestConnectionClientFollowsEdits: a stored connection's client is kept
// from run to run (its rate budget carries over) until the connection is
// edited, even within the second of its last edit, when updated_at does
// not change: the edited rate limit is the next run's.
func TestConnectionClientFollowsEdits(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	st, err := store.Open(ctx, store.SQLite, filepath.Join(t.TempDir(), "state.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sl, err := seal.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{o: Options{Store: st, HTTPClient: &http.Client{}}, seal: sl, conns: map[string]*connClient{}}
	sealed, err := sl.Seal("KEY0123456789", "acme")
	if err != nil {
		t.Fatal(err)
	}
	c := &store.Connection{Name: "acme", SpaceURL: "https://acme.backlog.com", AuthScheme: "apikey", Secret: sealed, Concurrency: 2}
	if err := st.AddConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	first, err := s.connectionClient(ctx, "acme")
	if err != nil || first.Concurrency() != 2 {
		t.Fatalf("client: %v; want concurrency 2", err)
	}
	if again, err := s.connectionClient(ctx, "acme"); err != nil || again != first {
		t.Errorf("the unchanged connection's client was built again (%v): its rate budget would start over", err)
	}
	up := &store.Connection{ID: c.ID, Name: "acme", SpaceURL: c.SpaceURL, AuthScheme: "apikey", Concurrency: 1} // secret kept
	if err := st.UpdateConnection(ctx, up); err != nil || !up.Updated.Equal(c.Updated) {
		t.Fatalf("update: %v; updated %v, want the same second as %v", err, up.Updated, c.Updated)
	}
	edited, err := s.connectionClient(ctx, "acme")
	if err != nil || edited == first || edited.Concurrency() != 1 {
		t.Errorf("after an edit within the same second: same client %v, %v; want a new client with concurrency 1", edited == first, err)
	}
}
