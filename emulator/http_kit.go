package emulator

import "net/http"

// The handler kit: the one implementation of what most API handlers share
// (take the store lock, resolve the entity the path names, check the
// caller's rights, answer), so that a handler states only what differs —
// which entity, and what to answer or change.

// reading answers a read request for one entity named by the path: find
// resolves it under the store's read lock (a missing or invisible entity is
// find's 404; so is anything else that can fail, e.g. a directory inside a
// project) and answer builds the response body.
func reading[T, J any](c *call, find func() (T, error), answer func(st *store, x T) J) error {
	st := c.s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	x, err := find()
	if err != nil {
		return err
	}
	return c.ok(answer(st, x))
}

// writing runs a change to one entity named by the path: find resolves it
// under the store's write lock and change applies the change and returns
// the response body (nil answers 204 No Content).
func writing[T any](c *call, find func() (T, error), change func(st *store, x T) (any, error)) error {
	return locked(c, find, func(st *store, x T) error {
		v, err := change(st, x)
		if err != nil {
			return err
		}
		if v == nil {
			return c.noContent()
		}
		return c.ok(v)
	})
}

// creating runs a create under the store's write lock: find resolves what
// the path names (or checks the caller's rights), and create makes the new
// entity and returns its web URL and the response body; the answer is 201
// Created with that URL as Location (add-issue, add-comment, add-project).
func creating[T any](c *call, find func() (T, error),
	create func(st *store, x T) (location string, body any, err error)) error {
	return locked(c, find, func(st *store, x T) error {
		loc, v, err := create(st, x)
		if err != nil {
			return err
		}
		c.w.Header().Set("Location", loc)
		return c.json(http.StatusCreated, v)
	})
}

// locked is what writing and creating share: take the store's write lock,
// resolve find, and run do (which answers) with the lock still held.
func locked[T any](c *call, find func() (T, error), do func(st *store, x T) error) error {
	st := c.s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	x, err := find()
	if err != nil {
		return err
	}
	return do(st, x)
}

// inProject is writing for entities inside a project: the caller must also
// be allowed to change that project (writableProject), which projectOf
// names.
func inProject[T any](c *call, find func() (T, error), projectOf func(x T) int64,
	change func(st *store, x T) (any, error)) error {
	return writing(c, find, func(st *store, x T) (any, error) {
		if err := st.writableProject(c.u, st.projects[projectOf(x)]); err != nil {
			return nil, err
		}
		return change(st, x)
	})
}

// counted is Backlog's answer to a count request: {"count": n}.
func counted(n int) map[string]int { return map[string]int{"count": n} }

// caller is find for routes about the caller's own data (notifications)
// or that name nothing in the path (creates): it never fails.
func (c *call) caller() (*user, error) { return c.u, nil }

// adminOnly is find for routes only space administrators may use: anyone
// else is 403 before the path is resolved.
func adminOnly[T any](c *call, find func() (T, error)) func() (T, error) {
	return func() (T, error) {
		if err := c.requireAdmin(); err != nil {
			var zero T
			return zero, err
		}
		return find()
	}
}
