package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/canceltest"
	"github.com/backlogsync/backlogsync/internal/dbtest"
	"github.com/backlogsync/backlogsync/store"
)

// TestSignoutCancelled: a sign-out whose request context ends (the
// browser closed right after the click) still ends the session: its
// cookie stays in the browser, and a session left alive would let whoever
// opens it next in until it expires. Cancellations at many points of the
// handler, spread over 1.5 times an uncancelled sign-out, on SQLite and
// PostgreSQL.
func TestSignoutCancelled(t *testing.T) {
	for _, d := range []store.Driver{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := t.Context()
			dsn := filepath.Join(t.TempDir(), "state.db")
			if d == store.Postgres {
				dsn = dbtest.Postgres(t)
			}
			st, err := store.Open(ctx, d, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			u, err := st.AddUser(ctx, userEmail, false)
			if err != nil {
				t.Fatal(err)
			}
			a := &app{o: Options{Store: st, SessionTTL: time.Hour}, log: slog.New(slog.DiscardHandler)}
			if err := a.parse(); err != nil {
				t.Fatal(err)
			}
			signout := func(c context.Context) (id string) {
				t.Helper()
				id, se, err := st.CreateSession(ctx, u.ID, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				r := httptest.NewRequestWithContext(c, http.MethodPost, "/signout", nil)
				r.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
				a.signout(httptest.NewRecorder(), r, se)
				return id
			}
			t0 := time.Now()
			signout(ctx)
			took := time.Since(t0)
			for i := range 150 {
				c, cancel := canceltest.At(ctx, i, 150, took*3/2)
				id := signout(c)
				cancel()
				if _, err := st.Session(ctx, id); backlogsync.ErrorCode(err) != backlogsync.EUNAUTHORIZED {
					t.Fatalf("attempt %d: after a cancelled sign-out the session is %v, want it ended (EUNAUTHORIZED)", i, err)
				}
			}
			t.Logf("an uncancelled sign-out took %s", took)
		})
	}
}
