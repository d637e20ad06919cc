package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
)

// Personal access tokens look like
//
//	bsp_k3m9q2xa_<52 characters>
//
// "bsp_" marks them as backlogsync personal tokens (so secret scanners and
// people recognise them); the next 8 characters (40 random bits) are the
// token's public prefix, stored in clear to find the token's row and shown
// by "tokens list"; the last 52 characters are 32 bytes (256 bits) from
// crypto/rand. The store keeps only SHA-256 of the whole token.
//
// Why SHA-256 and not bcrypt or argon2: those are slow on purpose so that
// guessing a low-entropy password from its hash is expensive. A token's
// secret part is 256 random bits; no amount of hashing speed makes
// guessing it feasible, while a slow hash would cost every OData request
// (Excel sends many) tens of milliseconds of CPU. The stored hash is
// compared with subtle.ConstantTimeCompare.

// TokenPrefix starts every personal access token.
const TokenPrefix = "bsp_"

// tokenEncoding is lower-case base32 without padding (letters and digits,
// easy to copy, no characters that need escaping in URLs or shells).
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var tokenRE = regexp.MustCompile(`^bsp_([a-z2-7]{8})_[a-z2-7]{52}$`)

// lastUsedEvery is how stale Token.LastUsed may get: Authenticate writes
// it at most once a minute per token, not on every request.
const lastUsedEvery = time.Minute

// Token is a personal access token as stored: never the token itself.
type Token struct {
	ID       int64
	User     string // e-mail
	Name     string
	Prefix   string // "bsp_k3m9q2xa": identifies the token, grants nothing
	Created  time.Time
	LastUsed time.Time // zero: never used
	Expires  time.Time // zero: never expires
	Revoked  time.Time // zero: not revoked
}

// Active reports whether the token authenticates at now.
func (t *Token) Active(now time.Time) bool {
	return t.Revoked.IsZero() && (t.Expires.IsZero() || now.Before(t.Expires))
}

// hashToken is the stored form of a token.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// CreateToken makes a new token for the user with that e-mail, valid for
// ttl (forever when ttl is 0). It returns the token, which is not stored
// and cannot be shown again, and its record.
func (s *Store) CreateToken(ctx context.Context, email, name string, ttl time.Duration) (string, *Token, error) {
	if ttl < 0 {
		return "", nil, backlogsync.Errorf(backlogsync.EINVALID, "token expiry %s is in the past; give a positive duration like 90d", ttl)
	}
	u, err := s.User(ctx, email)
	if err != nil {
		return "", nil, err
	}
	var raw [5 + 32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	id := tokenEncoding.EncodeToString(raw[:5])
	token := TokenPrefix + id + "_" + tokenEncoding.EncodeToString(raw[5:])
	now := s.now().UTC().Truncate(time.Second)
	t := &Token{User: u.Email, Name: name, Prefix: TokenPrefix + id, Created: now}
	if t.Name == "" {
		t.Name = "token-" + now.Format("20060102-150405")
	}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	err = s.db.QueryRowContext(ctx, s.q(`INSERT INTO tokens (user_id, name, prefix, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		u.ID, t.Name, t.Prefix, hashToken(token), unix(now), nullTime(t.Expires)).Scan(&t.ID)
	if err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return token, t, nil
}

const tokenCols = `t.id, u.email, t.name, t.prefix, t.created_at, t.last_used_at, t.expires_at, t.revoked_at`

func scanToken(sc interface{ Scan(...any) error }, extra ...any) (*Token, error) {
	var t Token
	var created int64
	var used, expires, revoked sql.NullInt64
	if err := sc.Scan(append([]any{&t.ID, &t.User, &t.Name, &t.Prefix, &created, &used, &expires, &revoked}, extra...)...); err != nil {
		return nil, err
	}
	t.Created = time.Unix(created, 0).UTC()
	t.LastUsed, t.Expires, t.Revoked = fromUnix(used), fromUnix(expires), fromUnix(revoked)
	return &t, nil
}

// Tokens lists the tokens of the user with that e-mail (every user's when
// email is ""), by user then id.
func (s *Store) Tokens(ctx context.Context, email string) ([]Token, error) {
	query := `SELECT ` + tokenCols + ` FROM tokens t JOIN users u ON u.id = t.user_id`
	var args []any
	if email != "" {
		u, err := s.User(ctx, email)
		if err != nil {
			return nil, err
		}
		query += ` WHERE t.user_id = ?`
		args = append(args, u.ID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+` ORDER BY u.email, t.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// RevokeToken revokes the token with that id (a number, or its prefix
// bsp_xxxxxxxx); it stops authenticating at once. ENOTFOUND when there is
// no such token; revoking twice keeps the first time.
func (s *Store) RevokeToken(ctx context.Context, ref string) (*Token, error) {
	where, arg := `t.prefix = ?`, any(ref)
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		where, arg = `t.id = ?`, n
	} else if !strings.HasPrefix(ref, TokenPrefix) {
		return nil, backlogsync.Errorf(backlogsync.EINVALID, "%q is not a token id; give the ID or PREFIX column of backlogsync tokens list", ref)
	} else if m := tokenRE.FindStringSubmatch(ref); m != nil {
		// A whole token was pasted: revoke it by its prefix, which is fine
		// (revoking needs no proof of possession beyond admin access).
		arg = TokenPrefix + m[1]
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q(`SELECT `+tokenCols+` FROM tokens t JOIN users u ON u.id = t.user_id WHERE `+where), arg))
	if isNoRows(err) {
		return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no token %s; see the ids with backlogsync tokens list", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("revoke token: %w", err)
	}
	if t.Revoked.IsZero() {
		t.Revoked = s.now().UTC().Truncate(time.Second)
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), unix(t.Revoked), t.ID); err != nil {
			return nil, fmt.Errorf("revoke token: %w", err)
		}
	}
	return t, nil
}

// Authenticate checks an e-mail and token pair (HTTP Basic's user and
// password) and returns the user. Every failure — malformed or unknown
// token, another user's token, revoked, expired — is an EUNAUTHORIZED
// error whose message says which (for logs; it never contains the token).
// Revocation and expiry take effect on the next call: nothing is cached.
// The token's last-used time is updated at most once a minute.
func (s *Store) Authenticate(ctx context.Context, email, token string) (*User, *Token, error) {
	return s.authenticate(ctx, email, true, token)
}

// AuthenticateBearer is Authenticate for a token sent alone (HTTP Bearer):
// the token's prefix names its user, so there is no e-mail to compare.
func (s *Store) AuthenticateBearer(ctx context.Context, token string) (*User, *Token, error) {
	return s.authenticate(ctx, "", false, token)
}

func (s *Store) authenticate(ctx context.Context, email string, checkEmail bool, token string) (*User, *Token, error) {
	m := tokenRE.FindStringSubmatch(token)
	if m == nil {
		return nil, nil, backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "the password is not a backlogsync token (bsp_…)")
	}
	var hash string
	var u User
	var uCreated int64
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q(`SELECT `+tokenCols+`, t.hash, u.id, u.admin, u.created_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.prefix = ?`), TokenPrefix+m[1]), &hash, &u.ID, &u.Admin, &uCreated)
	if isNoRows(err) {
		return nil, nil, backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "unknown token %s%s", TokenPrefix, m[1])
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authenticate: %w", err)
	}
	want, _ := hex.DecodeString(hash)
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return nil, nil, backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "wrong secret for token %s", t.Prefix)
	}
	if checkEmail && !strings.EqualFold(strings.TrimSpace(email), t.User) {
		return nil, nil, backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "token %s belongs to another user than %q", t.Prefix, email)
	}
	now := s.now()
	if !t.Revoked.IsZero() {
		return nil, nil, backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "token %s was revoked", t.Prefix)
	}
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		return nil, nil, backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "token %s expired at %s", t.Prefix, t.Expires.Format(time.RFC3339))
	}
	if t.LastUsed.IsZero() || now.Sub(t.LastUsed) >= lastUsedEvery {
		t.LastUsed = now.UTC().Truncate(time.Second)
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE tokens SET last_used_at = ? WHERE id = ?`), unix(t.LastUsed), t.ID); err != nil {
			return nil, nil, fmt.Errorf("authenticate: record use: %w", err)
		}
	}
	u.Email = t.User
	u.Created = time.Unix(uCreated, 0).UTC()
	return &u, t, nil
}

// ParseTTL reads a token lifetime: "90d", "12w", "36h", "30m", a Go
// duration, or "never" (0).
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "never" || s == "0" {
		return 0, nil
	}
	bad := backlogsync.Errorf(backlogsync.EINVALID, "--expires %q: give a positive lifetime like 90d, 12w, 36h, or never", s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v <= 0 || v > 100*366 {
				return 0, bad
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}
