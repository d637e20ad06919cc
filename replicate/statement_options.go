package replicate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

// optionPos returns the position of the named WITH option, or the
// statement's.
func optionPos(r *jobsql.Replicate, name string) jobsql.Pos {
	for _, o := range r.Options {
		if strings.EqualFold(o.Name, name) {
			return o.Pos
		}
	}
	return r.Pos
}

func hasOption(r *jobsql.Replicate, name string) bool {
	for _, o := range r.Options {
		if strings.EqualFold(o.Name, name) {
			return true
		}
	}
	return false
}

// tablesWith lists the catalog tables with a column of that name and type.
func tablesWith(col string, typ backlogsync.Type) []string {
	var out []string
	for _, t := range catalog.Tables() {
		if c, i := t.Column(col); i >= 0 && c.Type == typ {
			out = append(out, t.Name)
		}
	}
	return out
}

// cursor resolves IncrementalCheckColumns against the catalog's change
// strategy.
func (c *compiled) cursor(r *jobsql.Replicate) error {
	src := c.Source
	c.Cursor = src.Change.Cursor
	want := r.Settings.IncrementalCheckColumns
	if len(want) == 0 {
		return nil
	}
	pos := optionPos(r, "IncrementalCheckColumns")
	if src.Change.Cursor == "" {
		return posErr(pos, "table %s has no incremental check column: it is re-read %s on each run; remove IncrementalCheckColumns",
			src.Name, map[bool]string{true: "with its parent (" + src.Parent + ")", false: "in full and diffed by key"}[src.Change.Kind == catalog.ChangeParent])
	}
	allowed := src.Change.Cursor
	for _, w := range want {
		name := w
		if _, i := src.Column(w); i < 0 {
			// An alias of the SELECT list names the same column.
			if _, j := c.Table.Column(w); j >= 0 {
				name = src.Columns[c.from[j]].Name
			}
		}
		if !strings.EqualFold(name, allowed) || len(want) > 1 {
			return posErr(pos, "IncrementalCheckColumns=%s: the Backlog API can serve table %s incrementally only by %s: write IncrementalCheckColumns='%s' or remove the option",
				strings.Join(want, ","), src.Name, allowed, allowed)
		}
	}
	return nil
}

// window sets Step and Window from ReplicateInterval/ReplicateIntervalUnit.
func (c *compiled) window(r *jobsql.Replicate) error {
	if !hasOption(r, "ReplicateInterval") && !hasOption(r, "ReplicateIntervalUnit") {
		return nil
	}
	set := r.Settings
	n, u := set.ReplicateInterval, set.ReplicateIntervalUnit
	if !windowed(c.Source) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: ReplicateInterval has no effect on %s: only tables read in created-date windows (Issues) use it",
			optionPos(r, "ReplicateInterval"), c.Source.Name))
		return nil
	}
	switch u {
	case jobsql.UnitMinutes, jobsql.UnitHours:
		d := time.Duration(n) * time.Minute
		if u == jobsql.UnitHours {
			d = time.Duration(n) * time.Hour
		}
		if d < 24*time.Hour {
			pos := optionPos(r, "ReplicateIntervalUnit")
			if !hasOption(r, "ReplicateIntervalUnit") {
				pos = optionPos(r, "ReplicateInterval")
			}
			return posErr(pos, "ReplicateInterval=%d %s is shorter than a day, and Backlog filters %s by created date only: use ReplicateIntervalUnit=days (or weeks, months, years)",
				n, u, c.Source.Name)
		}
		c.Window = d
	case jobsql.UnitDays:
		c.Window = time.Duration(n) * 24 * time.Hour
	case jobsql.UnitWeeks:
		c.Window = time.Duration(n) * 7 * 24 * time.Hour
	}
	c.Step = func(t time.Time) time.Time { return u.Add(t, n) }
	return nil
}

// windowed reports whether t can be read in created-date windows: it
// pushes Created ranges down to the API.
func windowed(t *catalog.Table) bool {
	for _, p := range t.Pushdown {
		if p.Column == "Created" {
			for _, op := range p.Ops {
				if op == catalog.OpGE {
					return true
				}
			}
		}
	}
	return false
}

// SnapshotColumn is the column a table replicated WITH UpdateMode=Append
// gains: the run's start time (UTC, second precision), the same for every
// row of one run's snapshot. It ends the table's primary key (the source
// key, then SnapshotTime), so one run's snapshot holds each row once. No
// catalog table has a column of that name (TestSnapshotColumnIsFree), and a
// SELECT alias that takes it is refused.
const SnapshotColumn = "SnapshotTime"

// mode applies UpdateMode: Replace and Append read the full selection on
// every run, so the options of incremental reads do not apply to them;
// Append adds SnapshotColumn to the table and its key.
func (c *compiled) mode(r *jobsql.Replicate) error {
	c.Mode = r.Settings.UpdateMode
	if c.Mode == "" {
		c.Mode = jobsql.ModeMerge
	}
	if c.Mode == jobsql.ModeMerge {
		return nil
	}
	if hasOption(r, "IncrementalCheckColumns") {
		return posErr(optionPos(r, "IncrementalCheckColumns"), "IncrementalCheckColumns does not apply to UpdateMode=%s, which reads every selected row on each run: remove it", c.Mode)
	}
	if c.Mode == jobsql.ModeReplace && r.Settings.SkipDeleted {
		return posErr(optionPos(r, "SkipDeleted"), "SkipDeleted contradicts UpdateMode=Replace (the table becomes exactly the rows read, so rows the source no longer has go): remove one of them")
	}
	if c.Mode == jobsql.ModeReplace && r.Settings.TruncateTable {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: TruncateTable empties %s before it is read, so a failed run leaves it empty; UpdateMode=Replace alone keeps the previous rows until the new ones are written in one transaction",
			optionPos(r, "TruncateTable"), c.Table.Name))
	}
	if c.Mode == jobsql.ModeAppend && r.Settings.SkipDeleted {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: SkipDeleted has no effect with UpdateMode=Append: a snapshot holds the rows that exist when it is taken, earlier snapshots are never changed",
			optionPos(r, "SkipDeleted")))
	}
	if c.Step != nil {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: ReplicateInterval has no effect with UpdateMode=%s: the selection is read in one pass",
			optionPos(r, "ReplicateInterval"), c.Mode))
		c.Step, c.Window = nil, 0
	}
	c.Cursor = ""
	if c.Mode != jobsql.ModeAppend {
		return nil
	}
	if col, i := c.Table.Column(SnapshotColumn); i >= 0 {
		at := r.Pos
		if r.Select != nil {
			for _, it := range r.Select.Columns {
				if strings.EqualFold(it.Alias, col.Name) {
					at = it.Pos
				}
			}
		}
		return posErr(at, "column %s is the snapshot time UpdateMode=Append adds: give the column another name (… AS Other%s)", col.Name, col.Name)
	}
	t := c.Table
	t.Columns = append(slices.Clone(t.Columns), backlogsync.Column{Name: SnapshotColumn, Type: backlogsync.TypeTimestamp,
		Description: "The time of the run that took this snapshot of the row (UpdateMode=Append), UTC."})
	t.PrimaryKey = append(slices.Clone(t.PrimaryKey), SnapshotColumn)
	if err := backlogsync.ValidateTable(t); err != nil {
		return posErr(r.Dest.Pos, "%s", backlogsync.ErrorMessage(err))
	}
	return nil
}
