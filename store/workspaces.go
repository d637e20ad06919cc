package store

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
)

// Workspace is a named set of tables of one destination, served at
// /odata/{Name}/ to the users granted it.
type Workspace struct {
	ID          int64
	Name        string
	Destination string   // a destination name of the config
	AllTables   bool     // every table of the destination, now and later
	Tables      []string // when !AllTables: the destination table names, sorted
	Created     time.Time
	Users       []string // e-mails of the users granted it, sorted
}

var workspaceNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// CheckWorkspaceName checks a workspace name: it is a URL segment.
func CheckWorkspaceName(name string) error {
	if !workspaceNameRE.MatchString(name) {
		return backlogsync.Errorf(backlogsync.EINVALID,
			"workspace name %q: use a letter then letters, digits, - or _ (at most 64), e.g. sales", name)
	}
	return nil
}

// AddWorkspace creates a workspace over destination with tables (every
// table when tables is empty). ECONFLICT when the name is taken. Table
// names are the caller's to check against the destination.
func (s *Store) AddWorkspace(ctx context.Context, name, destination string, tables []string) (*Workspace, error) {
	if err := CheckWorkspaceName(name); err != nil {
		return nil, err
	}
	if destination == "" {
		return nil, backlogsync.Errorf(backlogsync.EINVALID, "workspace %s: no destination; give --destination NAME", name)
	}
	w := &Workspace{Name: name, Destination: destination, AllTables: len(tables) == 0, Created: s.now().UTC().Truncate(time.Second)}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("add workspace: %w", err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO workspaces (name, destination, all_tables, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
		name, destination, w.AllTables, unix(w.Created)).Scan(&w.ID)
	if isUnique(err) {
		return nil, backlogsync.Errorf(backlogsync.ECONFLICT, "workspace %s already exists; see backlogsync workspaces list", name)
	}
	if err != nil {
		return nil, fmt.Errorf("add workspace: %w", err)
	}
	seen := map[string]bool{}
	for _, t := range tables {
		if seen[t] {
			continue
		}
		seen[t] = true
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO workspace_tables (workspace_id, table_name) VALUES (?, ?)`), w.ID, t); err != nil {
			return nil, fmt.Errorf("add workspace: %w", err)
		}
		w.Tables = append(w.Tables, t)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("add workspace: %w", err)
	}
	return w, nil
}

// Workspace returns the workspace with that name (exact case, as in URLs),
// with its tables and users. ENOTFOUND, naming the nearest, when there is
// none.
func (s *Store) Workspace(ctx context.Context, name string) (*Workspace, error) {
	var w Workspace
	var created int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, name, destination, all_tables, created_at FROM workspaces WHERE name = ?`), name).
		Scan(&w.ID, &w.Name, &w.Destination, &w.AllTables, &created)
	if isNoRows(err) {
		all, _ := s.Workspaces(ctx)
		names := make([]string, len(all))
		for i, x := range all {
			names[i] = x.Name
		}
		return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no workspace %s%s; see backlogsync workspaces list", name, fuzzy.DidYouMean(name, names))
	}
	if err != nil {
		return nil, fmt.Errorf("workspace %s: %w", name, err)
	}
	w.Created = time.Unix(created, 0).UTC()
	if err := s.fill(ctx, []*Workspace{&w}); err != nil {
		return nil, err
	}
	return &w, nil
}

// Workspaces lists every workspace by name, with tables and users.
func (s *Store) Workspaces(ctx context.Context) ([]Workspace, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, destination, all_tables, created_at FROM workspaces ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	var out []Workspace
	for rows.Next() {
		var w Workspace
		var created int64
		if err := rows.Scan(&w.ID, &w.Name, &w.Destination, &w.AllTables, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list workspaces: %w", err)
		}
		w.Created = time.Unix(created, 0).UTC()
		out = append(out, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	ptrs := make([]*Workspace, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, s.fill(ctx, ptrs)
}

// fill reads the tables and users of ws (of one workspace with a WHERE,
// of several by reading the whole tables).
func (s *Store) fill(ctx context.Context, ws []*Workspace) error {
	byID := map[int64]*Workspace{}
	for _, w := range ws {
		byID[w.ID] = w
	}
	where, gwhere, args := "", "", []any{}
	if len(ws) == 1 {
		where, gwhere, args = ` WHERE workspace_id = ?`, ` WHERE g.workspace_id = ?`, []any{ws[0].ID}
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT workspace_id, table_name FROM workspace_tables`+where+` ORDER BY table_name`), args...)
	if err != nil {
		return fmt.Errorf("workspace tables: %w", err)
	}
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			rows.Close()
			return fmt.Errorf("workspace tables: %w", err)
		}
		if w := byID[id]; w != nil {
			w.Tables = append(w.Tables, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("workspace tables: %w", err)
	}
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT g.workspace_id, u.email FROM grants g JOIN users u ON u.id = g.user_id`+gwhere+` ORDER BY u.email`), args...)
	if err != nil {
		return fmt.Errorf("workspace grants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var e string
		if err := rows.Scan(&id, &e); err != nil {
			return fmt.Errorf("workspace grants: %w", err)
		}
		if w := byID[id]; w != nil {
			w.Users = append(w.Users, e)
		}
	}
	return rows.Err()
}

// RemoveWorkspace deletes a workspace and its grants.
func (s *Store) RemoveWorkspace(ctx context.Context, name string) error {
	w, err := s.Workspace(ctx, name)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("remove workspace: %w", err)
	}
	defer tx.Rollback()
	for _, st := range []string{`DELETE FROM grants WHERE workspace_id = ?`, `DELETE FROM workspace_tables WHERE workspace_id = ?`, `DELETE FROM workspaces WHERE id = ?`} {
		if _, err := tx.ExecContext(ctx, s.q(st), w.ID); err != nil {
			return fmt.Errorf("remove workspace: %w", err)
		}
	}
	return tx.Commit()
}

// Grant lets the user read the workspace. Granting twice is not an error.
func (s *Store) Grant(ctx context.Context, workspace, email string) error {
	w, err := s.Workspace(ctx, workspace)
	if err != nil {
		return err
	}
	u, err := s.User(ctx, email)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO grants (workspace_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
		w.ID, u.ID, unix(s.now()))
	if err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	return nil
}

// Revoke withdraws a user's grant of a workspace; effective on the user's
// next request. ENOTFOUND when the user had no grant.
func (s *Store) Revoke(ctx context.Context, workspace, email string) error {
	w, err := s.Workspace(ctx, workspace)
	if err != nil {
		return err
	}
	u, err := s.User(ctx, email)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM grants WHERE workspace_id = ? AND user_id = ?`), w.ID, u.ID)
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "%s has no grant of workspace %s (granted: %v)", u.Email, w.Name, w.Users)
	}
	return nil
}

// Granted reports whether the user may read the workspace: admins read
// every workspace, others the ones granted them.
func (s *Store) Granted(ctx context.Context, u *User, workspaceID int64) (bool, error) {
	if u.Admin {
		return true, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM grants WHERE workspace_id = ? AND user_id = ?`), workspaceID, u.ID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("grant check: %w", err)
	}
	return n > 0, nil
}
