package store

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
)

// User is a person who may read workspaces through the server.
type User struct {
	ID      int64
	Email   string // lower-case; the Basic-auth user name
	Admin   bool   // admins read every workspace
	Created time.Time
}

// NormalizeEmail checks an e-mail address and returns it lower-cased.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", backlogsync.Errorf(backlogsync.EINVALID, "%q is not an e-mail address; give one like ana@example.com", email)
	}
	return e, nil
}

// AddUser creates a user. ECONFLICT when the e-mail is taken.
func (s *Store) AddUser(ctx context.Context, email string, admin bool) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	u := &User{Email: e, Admin: admin, Created: s.now().UTC().Truncate(time.Second)}
	err = s.db.QueryRowContext(ctx, s.q(`INSERT INTO users (email, admin, created_at) VALUES (?, ?, ?) RETURNING id`),
		e, admin, unix(u.Created)).Scan(&u.ID)
	if isUnique(err) {
		return nil, backlogsync.Errorf(backlogsync.ECONFLICT, "user %s already exists; see it with backlogsync users list", e)
	}
	if err != nil {
		return nil, fmt.Errorf("add user: %w", err)
	}
	return u, nil
}

// User returns the user with that e-mail (any letter case). ENOTFOUND,
// naming the nearest existing e-mail, when there is none.
func (s *Store) User(ctx context.Context, email string) (*User, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	var u User
	var created int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, email, admin, created_at FROM users WHERE email = ?`), e).
		Scan(&u.ID, &u.Email, &u.Admin, &created)
	if isNoRows(err) {
		return nil, s.noUser(ctx, email)
	}
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", e, err)
	}
	u.Created = time.Unix(created, 0).UTC()
	return &u, nil
}

// noUser is the ENOTFOUND error for an unknown e-mail, with the nearest
// known one.
func (s *Store) noUser(ctx context.Context, email string) error {
	users, _ := s.Users(ctx)
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Email
	}
	return backlogsync.Errorf(backlogsync.ENOTFOUND, "no user %s%s; add it with backlogsync users add %s, or see backlogsync users list",
		email, fuzzy.DidYouMean(email, names), email)
}

// Users lists the users by e-mail.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, email, admin, created_at FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.ID, &u.Email, &u.Admin, &created); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.Created = time.Unix(created, 0).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// RemoveUser deletes a user with their tokens and grants. ENOTFOUND when
// there is no such user.
func (s *Store) RemoveUser(ctx context.Context, email string) error {
	u, err := s.User(ctx, email)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("remove user: %w", err)
	}
	defer tx.Rollback()
	// Explicit deletes rather than relying on ON DELETE CASCADE, which
	// SQLite applies only when foreign keys are enabled on the connection.
	for _, st := range []string{`DELETE FROM tokens WHERE user_id = ?`, `DELETE FROM sessions WHERE user_id = ?`, `DELETE FROM grants WHERE user_id = ?`, `DELETE FROM users WHERE id = ?`} {
		if _, err := tx.ExecContext(ctx, s.q(st), u.ID); err != nil {
			return fmt.Errorf("remove user: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remove user: %w", err)
	}
	return nil
}
