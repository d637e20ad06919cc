package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
)

// Job is a job created at run time (REST API or web admin), as opposed to
// the jobs of the config file, which the store never holds. Its Backlog
// accounts are stored connections, named in Connections in the job's
// order (the connection's name is the account name in the runs table).
// Schedule is opaque to the store: the service keeps it as JSON.
type Job struct {
	ID           int64
	Name         string
	Destination  string
	Connections  []string
	Statements   string
	ReplicateAll bool
	Schedule     string
	Notify       []string // e-mail addresses told about its runs
	Created      time.Time
	Updated      time.Time
}

// AddJob stores a new job. ECONFLICT when the name is taken, ENOTFOUND
// when a connection it names does not exist.
func (s *Store) AddJob(ctx context.Context, j *Job) error {
	if err := checkJob(j); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Second)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add job: %w", err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO jobs (name, destination, statements, replicate_all, schedule, notify, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), j.Name, j.Destination, j.Statements, j.ReplicateAll, j.Schedule,
		strings.Join(j.Notify, "\n"), now.Unix(), now.Unix()).Scan(&j.ID)
	if isUnique(err) {
		return backlogsync.Errorf(backlogsync.ECONFLICT, "a job named %s already exists; pick another name or edit it", j.Name)
	}
	if err != nil {
		return fmt.Errorf("add job: %w", err)
	}
	if err := s.setJobConnections(ctx, tx, j); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add job: %w", err)
	}
	j.Created, j.Updated = now, now
	return nil
}

// UpdateJob rewrites the job with j.ID (its name may change).
func (s *Store) UpdateJob(ctx context.Context, j *Job) error {
	if err := checkJob(j); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Second)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update job: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.q(`UPDATE jobs SET name = ?, destination = ?, statements = ?, replicate_all = ?, schedule = ?,
		notify = ?, updated_at = ? WHERE id = ?`), j.Name, j.Destination, j.Statements, j.ReplicateAll, j.Schedule,
		strings.Join(j.Notify, "\n"), now.Unix(), j.ID)
	if isUnique(err) {
		return backlogsync.Errorf(backlogsync.ECONFLICT, "a job named %s already exists; pick another name", j.Name)
	}
	if err != nil {
		return fmt.Errorf("update job: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "no job %d; it may have been deleted", j.ID)
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM job_connections WHERE job_id = ?`), j.ID); err != nil {
		return fmt.Errorf("update job: %w", err)
	}
	if err := s.setJobConnections(ctx, tx, j); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update job: %w", err)
	}
	j.Updated = now
	return nil
}

func checkJob(j *Job) error {
	switch {
	case strings.TrimSpace(j.Name) == "":
		return backlogsync.Errorf(backlogsync.EINVALID, "a job needs a name")
	case j.Destination == "":
		return backlogsync.Errorf(backlogsync.EINVALID, "job %s needs a destination", j.Name)
	case len(j.Connections) == 0:
		return backlogsync.Errorf(backlogsync.EINVALID, "job %s needs at least one connection (a Backlog account to read)", j.Name)
	}
	return nil
}

// setJobConnections links the job to its connections, by name, in order.
func (s *Store) setJobConnections(ctx context.Context, tx *sql.Tx, j *Job) error {
	seen := map[string]bool{}
	for i, name := range j.Connections {
		if seen[name] {
			return backlogsync.Errorf(backlogsync.EINVALID, "job %s names connection %s twice", j.Name, name)
		}
		seen[name] = true
		var id int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM connections WHERE name = ?`), name).Scan(&id)
		if isNoRows(err) {
			return backlogsync.Errorf(backlogsync.ENOTFOUND, "job %s: no connection named %s; add it on the Connections page first", j.Name, name)
		}
		if err != nil {
			return fmt.Errorf("job connections: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO job_connections (job_id, position, connection_id) VALUES (?, ?, ?)`), j.ID, i, id); err != nil {
			return fmt.Errorf("job connections: %w", err)
		}
	}
	return nil
}

const jobColumns = `id, name, destination, statements, replicate_all, schedule, notify, created_at, updated_at`

func scanJob(sc interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var notify string
	var cr, up int64
	if err := sc.Scan(&j.ID, &j.Name, &j.Destination, &j.Statements, &j.ReplicateAll, &j.Schedule, &notify, &cr, &up); err != nil {
		return nil, err
	}
	if notify != "" {
		j.Notify = strings.Split(notify, "\n")
	}
	j.Created, j.Updated = time.Unix(cr, 0).UTC(), time.Unix(up, 0).UTC()
	return &j, nil
}

// Jobs lists the stored jobs by name, each with its connections: two
// queries however many jobs there are.
func (s *Store) Jobs(ctx context.Context) ([]Job, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, *j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	conns, err := s.namesByID(ctx, "job connections", jobConnectionsQuery+` ORDER BY jc.job_id, jc.position`)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Connections = conns[out[i].ID]
	}
	return out, nil
}

// JobByName returns the stored job of that name; ENOTFOUND when none.
func (s *Store) JobByName(ctx context.Context, name string) (*Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, s.q(`SELECT `+jobColumns+` FROM jobs WHERE name = ?`), name))
	if isNoRows(err) {
		return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no stored job named %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("job: %w", err)
	}
	conns, err := s.namesByID(ctx, "job connections", jobConnectionsQuery+` WHERE jc.job_id = ? ORDER BY jc.position`, j.ID)
	if err != nil {
		return nil, err
	}
	j.Connections = conns[j.ID]
	return j, nil
}

// jobConnectionsQuery selects (job id, connection name) pairs; the caller
// adds its WHERE and ORDER BY (the job's order is jc.position).
const jobConnectionsQuery = `SELECT jc.job_id, c.name FROM job_connections jc JOIN connections c ON c.id = jc.connection_id`

// connectionJobsQuery selects (connection id, job name) pairs; the caller
// adds its WHERE and ORDER BY.
const connectionJobsQuery = `SELECT jc.connection_id, j.name FROM job_connections jc JOIN jobs j ON j.id = jc.job_id`

// namesByID runs a query of (id, name) rows and groups the names by id,
// each group in the rows' order. what names the query in errors.
func (s *Store) namesByID(ctx context.Context, what, query string, args ...any) (map[int64][]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out[id] = append(out[id], n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// RemoveJob deletes the stored job with that id.
func (s *Store) RemoveJob(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM jobs WHERE id = ?`), id)
	if err != nil {
		return fmt.Errorf("remove job: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "no job %d", id)
	}
	return nil
}

// ConnectionJobs names the stored jobs that read the connection, by name.
func (s *Store) ConnectionJobs(ctx context.Context, connectionID int64) ([]string, error) {
	jobs, err := s.namesByID(ctx, "connection jobs", connectionJobsQuery+` WHERE jc.connection_id = ? ORDER BY j.name`, connectionID)
	return jobs[connectionID], err
}

// JobsByConnection names, by connection id, the stored jobs that read
// each connection (by name; a connection no job reads is absent): one
// query however many connections there are.
func (s *Store) JobsByConnection(ctx context.Context) (map[int64][]string, error) {
	return s.namesByID(ctx, "connection jobs", connectionJobsQuery+` ORDER BY j.name`)
}
