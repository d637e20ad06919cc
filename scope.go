package backlogsync

import "strings"

// Scope names what a checkpoint belongs to: a table replicated by one
// account of one job. Its string form "job/account/table" is the
// Checkpoint.Scope the engine stores; the table is the destination table
// name, with the account's prefix and schema applied (e.g.
// "nightly/acme/PROD.acme_Issues").
type Scope struct {
	Job, Account, Table string
}

// String returns "job/account/table".
func (s Scope) String() string { return s.Job + "/" + s.Account + "/" + s.Table }

// ParseScope splits "job/account/table" (the table may contain "/"); ok is
// false for a scope with fewer parts or an empty one, which the engine
// never writes.
func ParseScope(s string) (sc Scope, ok bool) {
	p := strings.SplitN(s, "/", 3)
	if len(p) != 3 || p[0] == "" || p[1] == "" || p[2] == "" {
		return Scope{}, false
	}
	return Scope{p[0], p[1], p[2]}, true
}
