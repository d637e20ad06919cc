package replicate

import (
	"fmt"
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
