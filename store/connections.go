package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
)

// Connection is a Backlog space the web admin connects to. Secret is the
// API key or OAuth token as sealed by the caller (the web package encrypts
// it before it reaches the store); the store never sees it in clear.
//
// MaxShare, Concurrency and Pacing are the connection's rate-limit
// settings, the rate_limit of a config file's account (max_share,
// concurrency, pacing), checked by the caller (service.ConnectionInput).
type Connection struct {
	ID         int64
	Name       string
	SpaceURL   string
	AuthScheme string // "apikey" or "oauth"
	Secret     string // sealed
	// MaxShare is the share of each rate-limit window the connection may
	// use, in (0, 1]; 0 is stored as 1 (all of it).
	MaxShare float64
	// Concurrency is how many requests may be in flight at once, 1 to 16;
	// 0 for the client's default.
	Concurrency int
	// Pacing is "window" or "even"; "" for the client's default (window).
	Pacing  string
	Created time.Time
	Updated time.Time
}

// migrationConnectionRateLimit adds the rate-limit settings to the
// connections; the defaults keep what stored connections did before
// (the whole budget, the client's concurrency and pacing).
var migrationConnectionRateLimit = migration{6, []string{
	`ALTER TABLE connections ADD COLUMN max_share DOUBLE PRECISION NOT NULL DEFAULT 1`,
	`ALTER TABLE connections ADD COLUMN concurrency INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE connections ADD COLUMN pacing TEXT NOT NULL DEFAULT ''`,
}}

// connectionColumns are the columns scanned by scanConnection, in order.
const connectionColumns = `id, name, space_url, auth_scheme, secret, max_share, concurrency, pacing, created_at, updated_at`

// scanConnection reads a row of connectionColumns.
func scanConnection(row interface{ Scan(...any) error }) (Connection, error) {
	var c Connection
	var cr, up int64
	err := row.Scan(&c.ID, &c.Name, &c.SpaceURL, &c.AuthScheme, &c.Secret, &c.MaxShare, &c.Concurrency, &c.Pacing, &cr, &up)
	c.Created, c.Updated = time.Unix(cr, 0).UTC(), time.Unix(up, 0).UTC()
	return c, err
}

// maxShare is the share to store: 0 (not set) is all of it.
func (c *Connection) maxShare() float64 {
	if c.MaxShare == 0 {
		return 1
	}
	return c.MaxShare
}

// AddConnection stores a new connection. ECONFLICT when the name is taken.
func (s *Store) AddConnection(ctx context.Context, c *Connection) error {
	if c.Name == "" || c.SpaceURL == "" || c.Secret == "" {
		return backlogsync.Errorf(backlogsync.EINVALID, "a connection needs a name, a space URL and a secret")
	}
	now := s.now().UTC().Truncate(time.Second)
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO connections (name, space_url, auth_scheme, secret, max_share, concurrency, pacing, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), c.Name, c.SpaceURL, c.AuthScheme, c.Secret, c.maxShare(), c.Concurrency, c.Pacing, now.Unix(), now.Unix()).Scan(&c.ID)
	if isUnique(err) {
		return backlogsync.Errorf(backlogsync.ECONFLICT, "a connection named %s already exists; pick another name or edit it", c.Name)
	}
	if err != nil {
		return fmt.Errorf("add connection: %w", err)
	}
	c.MaxShare, c.Created, c.Updated = c.maxShare(), now, now
	return nil
}

// UpdateConnection rewrites the connection with c.ID, its rate-limit
// settings included. An empty Secret keeps the stored one. On success c
// is the connection as stored (as AddConnection leaves it): its share,
// secret, Created and Updated filled in, so the caller need not read it
// again.
func (s *Store) UpdateConnection(ctx context.Context, c *Connection) error {
	old, err := s.Connection(ctx, c.ID)
	if err != nil {
		return err
	}
	if old.Name != c.Name {
		// The connection's name is the account of its jobs' runs and
		// checkpoints: renaming it under a job would start them over.
		if jobs, err := s.ConnectionJobs(ctx, c.ID); err != nil {
			return err
		} else if len(jobs) > 0 {
			return backlogsync.Errorf(backlogsync.ECONFLICT, "connection %s is read by job(s) %s; it cannot be renamed (its name is the account in their runs)", old.Name, strings.Join(jobs, ", "))
		}
	}
	now := s.now().UTC().Truncate(time.Second)
	q := `UPDATE connections SET name = ?, space_url = ?, auth_scheme = ?, max_share = ?, concurrency = ?, pacing = ?, updated_at = ?`
	args := []any{c.Name, c.SpaceURL, c.AuthScheme, c.maxShare(), c.Concurrency, c.Pacing, now.Unix()}
	if c.Secret != "" {
		q += `, secret = ?`
		args = append(args, c.Secret)
	}
	q += ` WHERE id = ?`
	args = append(args, c.ID)
	res, err := s.db.ExecContext(ctx, s.q(q), args...)
	if isUnique(err) {
		return backlogsync.Errorf(backlogsync.ECONFLICT, "a connection named %s already exists; pick another name", c.Name)
	}
	if err != nil {
		return fmt.Errorf("update connection: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "no connection %d", c.ID)
	}
	c.MaxShare, c.Created, c.Updated = c.maxShare(), old.Created, now
	if c.Secret == "" {
		c.Secret = old.Secret
	}
	return nil
}

// Connections lists the connections by name.
func (s *Store) Connections(ctx context.Context) ([]Connection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+connectionColumns+` FROM connections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Connection returns the connection with that id; ENOTFOUND when none.
func (s *Store) Connection(ctx context.Context, id int64) (*Connection, error) {
	c, err := scanConnection(s.db.QueryRowContext(ctx, s.q(`SELECT `+connectionColumns+` FROM connections WHERE id = ?`), id))
	if isNoRows(err) {
		return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no connection %d; it may have been deleted", id)
	}
	if err != nil {
		return nil, fmt.Errorf("connection: %w", err)
	}
	return &c, nil
}

// RemoveConnection deletes the connection with that id; ECONFLICT while
// a stored job reads it.
func (s *Store) RemoveConnection(ctx context.Context, id int64) error {
	if jobs, err := s.ConnectionJobs(ctx, id); err != nil {
		return err
	} else if len(jobs) > 0 {
		return backlogsync.Errorf(backlogsync.ECONFLICT, "connection %d is used by job(s) %s; remove it from them first", id, strings.Join(jobs, ", "))
	}
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM connections WHERE id = ?`), id)
	if err != nil {
		return fmt.Errorf("remove connection: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "no connection %d", id)
	}
	return nil
}
