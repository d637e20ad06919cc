package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/dbtest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// postgresDSN returns a DSN for a fresh schema of the test PostgreSQL
// database, dropped after the test (dbtest.Postgres: skipped without the
// server, failed under CI=true).
func postgresDSN(t *testing.T) string { return dbtest.Postgres(t) }

// forEachDB runs fn on a fresh store in SQLite and in PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, s *Store, c *clock)) {
	for _, d := range []Driver{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) {
			c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
			s, err := Open(t.Context(), d, testDSN(t, d), Options{Now: c.now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			fn(t, s, c)
		})
	}
}

// testDSN is a fresh database of driver d: a file in the test's temporary
// directory or a schema of the test PostgreSQL database.
func testDSN(t *testing.T, d Driver) string {
	if d == SQLite {
		return filepath.Join(t.TempDir(), "state.db")
	}
	return postgresDSN(t)
}

func code(err error) string { return backlogsync.ErrorCode(err) }

func TestMigrationsIdempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		if err := s.migrate(t.Context()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		v, err := s.SchemaVersion(t.Context())
		if err != nil || v != len(migrations) {
			t.Fatalf("version %d, %v; want %d", v, err, len(migrations))
		}
		var n int
		s.db.QueryRow(`SELECT COUNT(*) FROM store_migrations`).Scan(&n)
		if n != len(migrations) {
			t.Errorf("%d migration rows; want %d", n, len(migrations))
		}
	})
}

func TestSQLiteFileCreatedAndReopened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	if _, err := Open(t.Context(), SQLite, path, Options{}); err == nil {
		t.Fatal("opened a file in a missing directory")
	}
	path = filepath.Join(t.TempDir(), "state ?#%20.db")
	s, err := Open(t.Context(), SQLite, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(t.Context(), "ana@example.com", true); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(t.Context(), SQLite, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if u, err := s.User(t.Context(), "ANA@example.com"); err != nil || !u.Admin {
		t.Fatalf("after reopening: %+v, %v", u, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the file is not where asked: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(t.Context(), SQLite, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.db.Exec(`INSERT INTO store_migrations VALUES (99, 0)`)
	s.Close()
	_, err = Open(t.Context(), SQLite, path, Options{})
	if code(err) != backlogsync.EINVALID || !strings.Contains(err.Error(), "upgrade backlogsync") {
		t.Fatalf("got %v", err)
	}
}

func TestUsers(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		if _, err := s.AddUser(ctx, "Ana@Example.com", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddUser(ctx, "bo@example.com", false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddUser(ctx, "ana@example.com", false); code(err) != backlogsync.ECONFLICT {
			t.Errorf("duplicate: %v", err)
		}
		if _, err := s.AddUser(ctx, "not an address", false); code(err) != backlogsync.EINVALID {
			t.Errorf("bad e-mail: %v", err)
		}
		us, err := s.Users(ctx)
		if err != nil || len(us) != 2 || us[0].Email != "ana@example.com" || !us[0].Admin || us[1].Admin ||
			!us[0].Created.Equal(c.now()) {
			t.Fatalf("users %+v, %v", us, err)
		}
		_, err = s.User(ctx, "ana@exmple.com")
		if code(err) != backlogsync.ENOTFOUND || !strings.Contains(err.Error(), `did you mean "ana@example.com"`) {
			t.Errorf("unknown user: %v", err)
		}
		if err := s.RemoveUser(ctx, "bo@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveUser(ctx, "bo@example.com"); code(err) != backlogsync.ENOTFOUND {
			t.Errorf("remove twice: %v", err)
		}
	})
}

func TestTokenLifecycle(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		s.AddUser(ctx, "ana@example.com", false)
		s.AddUser(ctx, "bo@example.com", false)
		tok, rec, err := s.CreateToken(ctx, "ana@example.com", "excel", 90*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !tokenRE.MatchString(tok) || !strings.HasPrefix(tok, rec.Prefix+"_") || len(tok) != 4+8+1+52 {
			t.Fatalf("token %q (prefix %q) has the wrong shape", tok, rec.Prefix)
		}
		// Only the hash is stored.
		var stored string
		s.db.QueryRow(s.q(`SELECT hash FROM tokens WHERE id = ?`), rec.ID).Scan(&stored)
		if stored != hashToken(tok) || strings.Contains(stored, tok[13:]) {
			t.Fatalf("stored %q", stored)
		}
		tok2, _, _ := s.CreateToken(ctx, "ana@example.com", "", 0)
		if tok2 == tok {
			t.Fatal("two tokens alike")
		}

		u, got, err := s.Authenticate(ctx, "ANA@example.com", tok)
		if err != nil || u.Email != "ana@example.com" || got.ID != rec.ID || !got.LastUsed.Equal(c.now()) {
			t.Fatalf("authenticate: %+v %+v %v", u, got, err)
		}
		for name, try := range map[string][2]string{
			"other user":  {"bo@example.com", tok},
			"wrong bits":  {"ana@example.com", tok[:len(tok)-1] + flip(tok[len(tok)-1])},
			"not a token": {"ana@example.com", "hunter2"},
			"unknown":     {"ana@example.com", "bsp_aaaaaaaa_" + strings.Repeat("a", 52)},
		} {
			_, _, err := s.Authenticate(ctx, try[0], try[1])
			if code(err) != backlogsync.EUNAUTHORIZED || strings.Contains(err.Error(), tok[13:]) {
				t.Errorf("%s: %v", name, err)
			}
		}

		// last used moves at most once a minute.
		first := c.now()
		c.add(30 * time.Second)
		s.Authenticate(ctx, "ana@example.com", tok)
		ts, _ := s.Tokens(ctx, "ana@example.com")
		if len(ts) != 2 || !ts[0].LastUsed.Equal(first) || !ts[1].LastUsed.IsZero() || !ts[1].Expires.IsZero() {
			t.Fatalf("tokens after 30s: %+v", ts)
		}
		c.add(31 * time.Second)
		s.Authenticate(ctx, "ana@example.com", tok)
		ts, _ = s.Tokens(ctx, "")
		if !ts[0].LastUsed.Equal(c.now()) {
			t.Errorf("last used %v; want %v", ts[0].LastUsed, c.now())
		}

		// Expiry, effective at once.
		c.add(90 * 24 * time.Hour)
		if _, _, err := s.Authenticate(ctx, "ana@example.com", tok); code(err) != backlogsync.EUNAUTHORIZED || !strings.Contains(err.Error(), "expired") {
			t.Errorf("expired: %v", err)
		}
		// Revocation by id and by prefix.
		if _, _, err := s.Authenticate(ctx, "ana@example.com", tok2); err != nil {
			t.Fatal(err)
		}
		all, _ := s.Tokens(ctx, "")
		if _, err := s.RevokeToken(ctx, all[1].Prefix); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, "ana@example.com", tok2); code(err) != backlogsync.EUNAUTHORIZED || !strings.Contains(err.Error(), "revoked") {
			t.Errorf("revoked: %v", err)
		}
		if _, err := s.RevokeToken(ctx, "999"); code(err) != backlogsync.ENOTFOUND {
			t.Errorf("unknown id: %v", err)
		}
		if _, err := s.RevokeToken(ctx, "abc"); code(err) != backlogsync.EINVALID {
			t.Errorf("bad id: %v", err)
		}
		if _, err := s.Tokens(ctx, "nobody@example.com"); code(err) != backlogsync.ENOTFOUND {
			t.Errorf("tokens of unknown user: %v", err)
		}
		// Removing the user removes the tokens.
		s.RemoveUser(ctx, "ana@example.com")
		if ts, _ := s.Tokens(ctx, ""); len(ts) != 0 {
			t.Errorf("tokens left: %+v", ts)
		}
	})
}

func flip(b byte) string {
	if b == 'a' {
		return "b"
	}
	return "a"
}

func TestWorkspaces(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		ana, _ := s.AddUser(ctx, "ana@example.com", false)
		boss, _ := s.AddUser(ctx, "boss@example.com", true)
		if _, err := s.AddWorkspace(ctx, "sales", "db", []string{"Issues", "Projects", "Issues"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddWorkspace(ctx, "all", "db", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddWorkspace(ctx, "sales", "db", nil); code(err) != backlogsync.ECONFLICT {
			t.Errorf("duplicate: %v", err)
		}
		if _, err := s.AddWorkspace(ctx, "a/b", "db", nil); code(err) != backlogsync.EINVALID {
			t.Errorf("bad name: %v", err)
		}
		if err := s.Grant(ctx, "sales", "ana@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := s.Grant(ctx, "sales", "ana@example.com"); err != nil {
			t.Errorf("grant twice: %v", err)
		}
		if err := s.Grant(ctx, "sale", "ana@example.com"); code(err) != backlogsync.ENOTFOUND || !strings.Contains(err.Error(), `"sales"`) {
			t.Errorf("unknown workspace: %v", err)
		}
		if err := s.Grant(ctx, "sales", "ann@example.com"); code(err) != backlogsync.ENOTFOUND {
			t.Errorf("unknown user: %v", err)
		}
		ws, err := s.Workspaces(ctx)
		if err != nil || len(ws) != 2 || ws[0].Name != "all" || !ws[0].AllTables || len(ws[0].Users) != 0 ||
			ws[1].AllTables || strings.Join(ws[1].Tables, ",") != "Issues,Projects" || strings.Join(ws[1].Users, ",") != "ana@example.com" {
			t.Fatalf("workspaces %+v, %v", ws, err)
		}
		sales, _ := s.Workspace(ctx, "sales")
		all, _ := s.Workspace(ctx, "all")
		for _, c := range []struct {
			u    *User
			w    *Workspace
			want bool
		}{{ana, sales, true}, {ana, all, false}, {boss, all, true}} {
			if ok, err := s.Granted(ctx, c.u, c.w.ID); ok != c.want || err != nil {
				t.Errorf("%s on %s: %v %v", c.u.Email, c.w.Name, ok, err)
			}
		}
		if err := s.Revoke(ctx, "sales", "ana@example.com"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Granted(ctx, ana, sales.ID); ok {
			t.Error("still granted after revoke")
		}
		if err := s.Revoke(ctx, "sales", "ana@example.com"); code(err) != backlogsync.ENOTFOUND {
			t.Errorf("revoke twice: %v", err)
		}
		s.Grant(ctx, "sales", "ana@example.com")
		if err := s.RemoveUser(ctx, "ana@example.com"); err != nil {
			t.Fatal(err)
		}
		if w, _ := s.Workspace(ctx, "sales"); len(w.Users) != 0 {
			t.Errorf("grant of a removed user: %v", w.Users)
		}
		if err := s.RemoveWorkspace(ctx, "sales"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Workspace(ctx, "sales"); !errors.Is(err, err) || code(err) != backlogsync.ENOTFOUND {
			t.Errorf("removed workspace: %v", err)
		}
	})
}

func TestParseTTL(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, "never": 0} {
		if d, err := ParseTTL(in); err != nil || d != want {
			t.Errorf("%s: %v %v", in, d, err)
		}
	}
	for _, in := range []string{"", "-1d", "0d", "x", "-5h"} {
		if _, err := ParseTTL(in); code(err) != backlogsync.EINVALID {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestConcurrentOpenPostgres(t *testing.T) {
	dsn := postgresDSN(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := Open(ctx, Postgres, dsn, Options{})
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent migrate: %v", err)
		}
	}
}
