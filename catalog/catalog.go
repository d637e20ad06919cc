// Package catalog describes Backlog as typed SQL tables and fills them from
// the API.
//
// The catalog is data (cloudquery's "tables as data"): each Table is a
// backlogsync.Table (columns, key, parent, cursor) plus the metadata the
// engine, the docs and the live-SQL planner need: the API calls that fill it
// and their rate-limit class, the columns pushed down to API parameters, and
// how changes are detected. Fetch fills a table through a *backlog.Client.
//
// Conventions, the same in every table:
//   - Column names are PascalCase. Ids are BIGINT (document ids are TEXT),
//     hours DOUBLE, calendar dates DATE, instants TIMESTAMP in UTC, JSON only
//     where the structure is open (activity content, rich-text bodies).
//   - The first column is Account, the name of the Backlog space the row
//     comes from, and it is part of every primary key, so several spaces can
//     share one destination table.
//   - A single embedded object is flattened into <Role>Id and <Role>Name
//     columns (StatusId, StatusName, AssigneeId, AssigneeName, …); a
//     multi-valued member becomes a child table whose Parent is the table
//     it came from.
//   - A user's login id (the API's userId) is LoginId; a column ending in
//     UserId is always the numeric user id.
//
// Tables keep CData's names where CData has the table (peers.md §2.1–2.2),
// so queries written for CData's driver find the same tables.
package catalog

import (
	"slices"
	"strings"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
)

// Table is one catalog table: its schema as a backlogsync.Table and the
// metadata that says where its rows come from.
type Table struct {
	backlogsync.Table

	// Aliases are other names the table can be looked up by (case-insensitive).
	Aliases []string
	// Origin says which peer offers the same table: "CData table", "CData
	// view" or "" for tables only backlogsync has.
	Origin string
	// Domo lists the Domo connector reports the table covers (peers.md §4).
	Domo []string
	// Calls are the API calls that fill the table, in the order they are made.
	Calls []Call
	// Pushdown lists the columns whose predicates become API parameters.
	Pushdown []Pushdown
	// Change says how changes to the table are detected.
	Change Change

	// parentKeys maps this table's columns to the parent table's columns
	// they equal (e.g. IssueComments.IssueId → Issues.Id), so predicates on
	// them are pushed down through the parent.
	parentKeys map[string]string
	fetch      fetchFunc
	index      map[string]int // column name → position, for building rows
}

// Call is one kind of API call a table's fetch makes.
type Call struct {
	Method string            // "GET"
	Path   string            // API path below /api/v2, e.g. "/issues/:issueIdOrKey/comments"
	Class  backlog.RateClass // rate-limit class: read, search, …
	// Per says how often the call is made: "once", "per page of 100",
	// "per project", "per issue", …
	Per string
}

// Pushdown describes predicates on one column that become API parameters.
// Predicates that are not pushed are evaluated locally, so results are the
// same either way; pushing only saves API calls.
type Pushdown struct {
	Column string
	Ops    []Op   // operators pushed
	Param  string // the API parameter or the call narrowed
	Note   string // e.g. "widened to whole days (±1 day) and re-checked"
}

// ChangeKind names a change-detection strategy.
type ChangeKind string

// Change-detection strategies.
const (
	// ChangeCursor re-reads the rows whose CursorColumn is at or after the
	// last value seen, through a pushed-down predicate.
	ChangeCursor ChangeKind = "cursor"
	// ChangeAppend reads an append-only feed above the last id seen.
	ChangeAppend ChangeKind = "append"
	// ChangeParent re-reads the child rows of the parent rows that changed.
	ChangeParent ChangeKind = "parent"
	// ChangeFull re-reads the whole (small) table and diffs it by key.
	ChangeFull ChangeKind = "full"
)

// Change describes how changes to a table are detected.
type Change struct {
	Kind ChangeKind
	// Cursor is the column the strategy advances on (ChangeCursor, ChangeAppend).
	Cursor string
	// Signals are the activity types (SpaceUpdates.Type) that announce a
	// change of some row; Deletes those that announce a deletion, which a
	// cursor cannot see.
	Signals []backlog.ActivityType
	Deletes []backlog.ActivityType
	Note    string
}

// tables is the registry, built once by register (no init-time mutation:
// the list is a pure function of the code).
var tables = buildRegistry()

// Tables returns every table, parents before their children, in a stable
// order. The returned tables must not be modified.
func Tables() []*Table { return slices.Clone(tables) }

// MustLookup is Lookup for a name known to be in the catalog (tests,
// benchmarks); it panics for an unknown one.
func MustLookup(name string) *Table {
	t, ok := Lookup(name)
	if !ok {
		panic("catalog: no table " + name)
	}
	return t
}

// Lookup returns the table with the given name or alias (case-insensitive).
func Lookup(name string) (*Table, bool) {
	for _, t := range tables {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
		for _, a := range t.Aliases {
			if strings.EqualFold(a, name) {
				return t, true
			}
		}
	}
	return nil, false
}

// Names returns the table names in registry order.
func Names() []string {
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = t.Name
	}
	return out
}

// Children returns the tables whose Parent is name.
func Children(name string) []*Table {
	var out []*Table
	for _, t := range tables {
		if t.Parent == name {
			out = append(out, t)
		}
	}
	return out
}

// unknownTable is the error for a name that is not in the catalog, with the
// nearest name as a suggestion.
func unknownTable(name string) error {
	if s := Suggest(name); s != "" {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "unknown table %q: did you mean %q? (run 'backlogsync tables' for the list)", name, s)
	}
	return backlogsync.Errorf(backlogsync.ENOTFOUND, "unknown table %q (run 'backlogsync tables' for the list)", name)
}

// Suggest returns the table name nearest to name (edit distance, case
// folded), or "" when nothing is close.
func Suggest(name string) string {
	var names []string
	for _, t := range tables {
		names = append(append(names, t.Name), t.Aliases...)
	}
	if t, ok := Lookup(fuzzy.Nearest(name, names)); ok {
		return t.Name
	}
	return ""
}

// ParentKeys returns how this table's columns equal its parent's (e.g.
// IssueComments.IssueId → Issues.Id), without Account, which every table
// shares; nil for top-level tables. The OData server publishes them as
// navigation properties.
func (t *Table) ParentKeys() map[string]string {
	if len(t.parentKeys) == 0 {
		return nil
	}
	out := make(map[string]string, len(t.parentKeys))
	for k, v := range t.parentKeys {
		out[k] = v
	}
	return out
}
