package store

import (
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
)

func TestPasswordsAndSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		u, err := s.AddUser(ctx, "Ana@Example.com", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckPassword(ctx, "ana@example.com", "anything-long"); code(err) != backlogsync.EUNAUTHORIZED {
			t.Fatalf("no password set: %v", err)
		}
		if err := s.SetPassword(ctx, "ana@example.com", "short"); code(err) != backlogsync.EINVALID {
			t.Fatalf("short password: %v", err)
		}
		if err := s.SetPassword(ctx, "ana@example.com", strings.Repeat("x", 73)); code(err) != backlogsync.EINVALID {
			t.Fatalf("73-byte password: %v", err)
		}
		if err := s.SetPassword(ctx, "nobody@example.com", "long-enough-pw"); code(err) != backlogsync.ENOTFOUND {
			t.Fatalf("unknown user: %v", err)
		}
		if err := s.SetPassword(ctx, "ana@example.com", "correct horse"); err != nil {
			t.Fatal(err)
		}
		var stored string
		s.db.QueryRowContext(ctx, `SELECT password_hash FROM users`).Scan(&stored)
		if !strings.HasPrefix(stored, "$2a$12$") || strings.Contains(stored, "correct horse") {
			t.Fatalf("stored hash %q is not bcrypt cost 12", stored)
		}
		for _, tc := range []struct{ email, pw string }{{"ana@example.com", "correct horsE"}, {"bob@example.com", "correct horse"}} {
			if _, err := s.CheckPassword(ctx, tc.email, tc.pw); code(err) != backlogsync.EUNAUTHORIZED || backlogsync.ErrorMessage(err) != "wrong e-mail or password" {
				t.Fatalf("CheckPassword(%s): %v", tc.email, err)
			}
		}
		got, err := s.CheckPassword(ctx, " ANA@example.com", "correct horse")
		if err != nil || got.ID != u.ID {
			t.Fatalf("right password: %v %v", got, err)
		}

		id, se, err := s.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 43 || len(se.CSRF) != 43 || id == se.CSRF {
			t.Fatalf("session id %d chars, csrf %d chars", len(id), len(se.CSRF))
		}
		var n int
		s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM sessions WHERE id_hash = ?`), id).Scan(&n)
		if n != 0 {
			t.Fatal("the session id is stored in clear")
		}
		got2, err := s.Session(ctx, id)
		if err != nil || got2.User.Email != "ana@example.com" || got2.CSRF != se.CSRF {
			t.Fatalf("Session: %+v %v", got2, err)
		}
		// Promotion counts at once.
		if err := s.SetAdmin(ctx, "ana@example.com", true); err != nil {
			t.Fatal(err)
		}
		if got2, _ := s.Session(ctx, id); !got2.User.Admin {
			t.Fatal("admin flag not seen by the live session")
		}
		if _, err := s.Session(ctx, id+"x"); code(err) != backlogsync.EUNAUTHORIZED {
			t.Fatalf("unknown session: %v", err)
		}
		c.add(time.Hour)
		if _, err := s.Session(ctx, id); code(err) != backlogsync.EUNAUTHORIZED {
			t.Fatalf("expired session: %v", err)
		}
		// Signing out, and a new password, end sessions.
		id2, _, _ := s.CreateSession(ctx, u.ID, time.Hour)
		if err := s.DeleteSession(ctx, id2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, id2); code(err) != backlogsync.EUNAUTHORIZED {
			t.Fatalf("signed-out session: %v", err)
		}
		id3, _, _ := s.CreateSession(ctx, u.ID, time.Hour)
		if err := s.SetPassword(ctx, "ana@example.com", "another password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, id3); code(err) != backlogsync.EUNAUTHORIZED {
			t.Fatalf("session after a password change: %v", err)
		}
		id4, _, _ := s.CreateSession(ctx, u.ID, time.Hour)
		if err := s.RemoveUser(ctx, "ana@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, id4); code(err) != backlogsync.EUNAUTHORIZED {
			t.Fatalf("session of a removed user: %v", err)
		}
	})
}

func TestConnections(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		cn := &Connection{Name: "demo", SpaceURL: "https://demo.backlog.com", AuthScheme: "apikey", Secret: "v1:sealed"}
		if err := s.AddConnection(ctx, cn); err != nil {
			t.Fatal(err)
		}
		if err := s.AddConnection(ctx, &Connection{Name: "demo", SpaceURL: "x", Secret: "y"}); code(err) != backlogsync.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		if err := s.AddConnection(ctx, &Connection{Name: "x", SpaceURL: "x"}); code(err) != backlogsync.EINVALID {
			t.Fatalf("no secret: %v", err)
		}
		c.add(time.Minute)
		if err := s.UpdateConnection(ctx, &Connection{ID: cn.ID, Name: "demo2", SpaceURL: "https://d.backlog.jp", AuthScheme: "oauth"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Connection(ctx, cn.ID)
		if err != nil || got.Name != "demo2" || got.Secret != "v1:sealed" || got.AuthScheme != "oauth" || !got.Updated.After(got.Created) {
			t.Fatalf("after update keeping the secret: %+v %v", got, err)
		}
		s.UpdateConnection(ctx, &Connection{ID: cn.ID, Name: "demo2", SpaceURL: "https://d.backlog.jp", AuthScheme: "oauth", Secret: "v1:new"})
		if got, _ := s.Connection(ctx, cn.ID); got.Secret != "v1:new" {
			t.Fatalf("secret not replaced: %q", got.Secret)
		}
		if err := s.UpdateConnection(ctx, &Connection{ID: 999, Name: "z"}); code(err) != backlogsync.ENOTFOUND {
			t.Fatalf("update unknown: %v", err)
		}
		if cs, _ := s.Connections(ctx); len(cs) != 1 {
			t.Fatalf("list: %d", len(cs))
		}
		if err := s.RemoveConnection(ctx, cn.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Connection(ctx, cn.ID); code(err) != backlogsync.ENOTFOUND {
			t.Fatalf("after remove: %v", err)
		}
	})
}
