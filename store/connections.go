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
type Connection struct {
	ID         int64
	Name       string
	SpaceURL   string
	AuthScheme string // "apikey" or "oauth"
	Secret     string // sealed
	Created    time.Time
	Updated    time.Time
}

// AddConnection stores a new connection. ECONFLICT when the name is taken.
func (s *Store) AddConnection(ctx context.Context, c *Connection) error {
	if c.Name == "" || c.SpaceURL == "" || c.Secret == "" {
		return backlogsync.Errorf(backlogsync.EINVALID, "a connection needs a name, a space URL and a secret")
	}
	now := s.now().UTC().Truncate(time.Second)
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO connections (name, space_url, auth_scheme, secret, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), c.Name, c.SpaceURL, c.AuthScheme, c.Secret, now.Unix(), now.Unix()).Scan(&c.ID)
	if isUnique(err) {
		return backlogsync.Errorf(backlogsync.ECONFLICT, "a connection named %s already exists; pick another name or edit it", c.Name)
	}
	if err != nil {
		return fmt.Errorf("add connection: %w", err)
	}
	c.Created, c.Updated = now, now
	return nil
}

// UpdateConnection rewrites the connection with c.ID. An empty Secret
// keeps the stored one.
func (s *Store) UpdateConnection(ctx context.Context, c *Connection) error {
	if old, err := s.Connection(ctx, c.ID); err != nil {
		return err
	} else if old.Name != c.Name {
		// The connection's name is the account of its jobs' runs and
		// checkpoints: renaming it under a job would start them over.
		if jobs, err := s.ConnectionJobs(ctx, c.ID); err != nil {
			return err
		} else if len(jobs) > 0 {
			return backlogsync.Errorf(backlogsync.ECONFLICT, "connection %s is read by job(s) %s; it cannot be renamed (its name is the account in their runs)", old.Name, strings.Join(jobs, ", "))
		}
	}
	now := s.now().UTC().Truncate(time.Second)
	q := `UPDATE connections SET name = ?, space_url = ?, auth_scheme = ?, updated_at = ? WHERE id = ?`
	args := []any{c.Name, c.SpaceURL, c.AuthScheme, now.Unix(), c.ID}
	if c.Secret != "" {
		q = `UPDATE connections SET name = ?, space_url = ?, auth_scheme = ?, updated_at = ?, secret = ? WHERE id = ?`
		args = []any{c.Name, c.SpaceURL, c.AuthScheme, now.Unix(), c.Secret, c.ID}
	}
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
	return nil
}

// Connections lists the connections by name.
func (s *Store) Connections(ctx context.Context) ([]Connection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, space_url, auth_scheme, secret, created_at, updated_at FROM connections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		var c Connection
		var cr, up int64
		if err := rows.Scan(&c.ID, &c.Name, &c.SpaceURL, &c.AuthScheme, &c.Secret, &cr, &up); err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		c.Created, c.Updated = time.Unix(cr, 0).UTC(), time.Unix(up, 0).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Connection returns the connection with that id; ENOTFOUND when none.
func (s *Store) Connection(ctx context.Context, id int64) (*Connection, error) {
	var c Connection
	var cr, up int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, name, space_url, auth_scheme, secret, created_at, updated_at FROM connections WHERE id = ?`), id).
		Scan(&c.ID, &c.Name, &c.SpaceURL, &c.AuthScheme, &c.Secret, &cr, &up)
	if isNoRows(err) {
		return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no connection %d; it may have been deleted", id)
	}
	if err != nil {
		return nil, fmt.Errorf("connection: %w", err)
	}
	c.Created, c.Updated = time.Unix(cr, 0).UTC(), time.Unix(up, 0).UTC()
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
