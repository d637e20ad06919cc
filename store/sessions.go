package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/backlogsync/backlogsync"
)

// Password rules. bcrypt reads at most 72 bytes, so longer passwords are
// refused rather than silently cut.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 72
	// BcryptCost is the work factor of password hashes (about 0.2 s per
	// check on a laptop core; the sign-in limiter bounds how often).
	BcryptCost = 12
)

// dummyHash is compared against when the e-mail is unknown, so that a
// sign-in takes as long whether or not the user exists.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("backlogsync-no-such-user"), BcryptCost)
	return h
})

// CheckPasswordRules returns EINVALID when p is too short or too long.
func CheckPasswordRules(p string) error {
	if n := utf8.RuneCountInString(p); n < MinPasswordLen {
		return backlogsync.Errorf(backlogsync.EINVALID, "the password has %d characters; give at least %d", n, MinPasswordLen)
	}
	if len(p) > MaxPasswordLen {
		return backlogsync.Errorf(backlogsync.EINVALID, "the password is %d bytes long; give at most %d (bcrypt reads no more)", len(p), MaxPasswordLen)
	}
	return nil
}

// SetPassword sets the web sign-in password of the user with that e-mail
// (stored as a bcrypt hash) and ends the user's sessions.
func (s *Store) SetPassword(ctx context.Context, email, password string) error {
	if err := CheckPasswordRules(password); err != nil {
		return err
	}
	u, err := s.User(ctx, email)
	if err != nil {
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET password_hash = ? WHERE id = ?`), string(h), u.ID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), u.ID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// CheckPassword returns the user when the e-mail and password match;
// EUNAUTHORIZED (the same message whether the e-mail is unknown, has no
// password or the password is wrong) otherwise.
func (s *Store) CheckPassword(ctx context.Context, email, password string) (*User, error) {
	bad := backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "wrong e-mail or password")
	e := strings.ToLower(strings.TrimSpace(email))
	var u User
	var created int64
	var hash sql.NullString
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, email, admin, created_at, password_hash FROM users WHERE email = ?`), e).
		Scan(&u.ID, &u.Email, &u.Admin, &created, &hash)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("check password: %w", err)
	}
	if err != nil || !hash.Valid || len(password) > MaxPasswordLen {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, bad
	}
	if bcrypt.CompareHashAndPassword([]byte(hash.String), []byte(password)) != nil {
		return nil, bad
	}
	u.Created = time.Unix(created, 0).UTC()
	return &u, nil
}

// SetAdmin makes the user with that e-mail an admin or not.
func (s *Store) SetAdmin(ctx context.Context, email string, admin bool) error {
	u, err := s.User(ctx, email)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`UPDATE users SET admin = ? WHERE id = ?`), admin, u.ID); err != nil {
		return fmt.Errorf("set admin: %w", err)
	}
	return nil
}

// Session is a signed-in web session.
type Session struct {
	User    *User
	CSRF    string // the token every form of the session carries
	Expires time.Time
}

func hashSession(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateSession starts a session of user userID that lasts ttl. It returns
// the session id for the cookie (256 random bits; only its SHA-256 is
// stored) and the session. Expired sessions of every user are deleted on
// the way.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, *Session, error) {
	id, err := randomToken()
	if err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	csrf, err := randomToken()
	if err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	now := s.now().UTC()
	exp := now.Add(ttl).Truncate(time.Second)
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE expires_at <= ?`), now.Unix()); err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		hashSession(id), userID, csrf, now.Unix(), exp.Unix()); err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	var u User
	var created int64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT id, email, admin, created_at FROM users WHERE id = ?`), userID).
		Scan(&u.ID, &u.Email, &u.Admin, &created); err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	u.Created = time.Unix(created, 0).UTC()
	return id, &Session{User: &u, CSRF: csrf, Expires: exp}, nil
}

// Session returns the live session with that id and its user as it is
// now (an admin flag changed since sign-in counts at once). EUNAUTHORIZED
// when the session is unknown, expired or signed out.
func (s *Store) Session(ctx context.Context, id string) (*Session, error) {
	bad := backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "no session: sign in again")
	if id == "" || len(id) > 100 {
		return nil, bad
	}
	var se Session
	var u User
	var created, exp int64
	var idHash string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT s.id_hash, s.csrf, s.expires_at, u.id, u.email, u.admin, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`), hashSession(id)).
		Scan(&idHash, &se.CSRF, &exp, &u.ID, &u.Email, &u.Admin, &created)
	if isNoRows(err) {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idHash), []byte(hashSession(id))) != 1 || !s.now().Before(time.Unix(exp, 0)) {
		return nil, bad
	}
	u.Created = time.Unix(created, 0).UTC()
	se.User = &u
	se.Expires = time.Unix(exp, 0).UTC()
	return &se, nil
}

// DeleteSession ends the session with that id (signing out). Unknown ids
// are not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE id_hash = ?`), hashSession(id)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
