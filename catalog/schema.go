package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
)

// This file holds the small vocabulary the table files use to declare
// columns, calls and pushdowns, and the registry that assembles them.

type column = backlogsync.Column

// Column constructors: the name, then a description. The n-suffixed forms
// are nullable.
func cInt(name, desc string) column {
	return column{Name: name, Type: backlogsync.TypeInt, Description: desc}
}
func cText(name, desc string) column {
	return column{Name: name, Type: backlogsync.TypeText, Description: desc}
}
func cBool(name, desc string) column {
	return column{Name: name, Type: backlogsync.TypeBool, Description: desc}
}
func cTime(name, desc string) column {
	return column{Name: name, Type: backlogsync.TypeTimestamp, Description: desc}
}
func cJSON(name, desc string) column {
	return column{Name: name, Type: backlogsync.TypeJSON, Description: desc}
}
func nInt(name, desc string) column  { return nullable(cInt(name, desc)) }
func nText(name, desc string) column { return nullable(cText(name, desc)) }
func nTime(name, desc string) column { return nullable(cTime(name, desc)) }
func nFloat(name, desc string) column {
	return nullable(column{Name: name, Type: backlogsync.TypeFloat, Description: desc})
}
func nDate(name, desc string) column {
	return nullable(column{Name: name, Type: backlogsync.TypeDate, Description: desc})
}
func nullable(c column) column { c.Nullable = true; return c }

// cUser returns the two columns of a flattened embedded user: <role>Id and
// <role>Name, both nullable (Backlog sends null for deleted or absent users).
func cUser(role, desc string) []column {
	return []column{
		nInt(role+"Id", "numeric id of the "+desc),
		nText(role+"Name", "display name of the "+desc),
	}
}

// Standard audit columns: who created and updated the object, and when.
func cCreated(what string) []column {
	return append(cUser("CreatedUser", "user who created the "+what), cTime("Created", "when the "+what+" was created (UTC)"))
}

func cUpdated(what string) []column {
	return append(cUser("UpdatedUser", "user who last updated the "+what), cTime("Updated", "when the "+what+" was last updated (UTC)"))
}

// cols flattens columns and column lists.
func cols(parts ...any) []column {
	var out []column
	for _, p := range parts {
		switch v := p.(type) {
		case column:
			out = append(out, v)
		case []column:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("catalog: cols: unexpected %T", p))
		}
	}
	return out
}

// get returns a GET call with its rate-limit class derived from the path.
func get(path, per string) Call {
	// ClassOf wants the path relative to the API root with concrete
	// segments; placeholders do not change the class.
	rel := strings.TrimPrefix(path, "/")
	return Call{Method: "GET", Path: path, Class: backlog.ClassOf("GET", rel), Per: per}
}

// push declares a pushed-down column.
func push(column, param, note string, ops ...Op) Pushdown {
	return Pushdown{Column: column, Ops: ops, Param: param, Note: note}
}

// Common pushdown operator sets.
var (
	eqIn     = []Op{OpEq, OpIn}
	rangeOps = []Op{OpEq, OpGE, OpGT, OpLE, OpLT}
)

// accountColumn is the first column of every table.
var accountColumn = column{Name: "Account", Type: backlogsync.TypeText,
	Description: "name of the Backlog space (account) the row comes from; part of every primary key"}

// def declares a table. key omits Account, which is prepended, as is the
// Account column.
type def struct {
	name, desc string
	parent     string
	columns    []column
	key        []string
	origin     string
	domo       []string
	aliases    []string
	calls      []Call
	pushdown   []Pushdown
	change     Change
	parentKeys map[string]string
	fetch      fetchFunc
}

// build turns a def into a Table.
func (d def) build() *Table {
	t := &Table{
		Table: backlogsync.Table{
			Name:        d.name,
			Description: d.desc,
			Columns:     append([]column{accountColumn}, d.columns...),
			PrimaryKey:  append([]string{"Account"}, d.key...),
			Parent:      d.parent,
		},
		Aliases:    d.aliases,
		Origin:     d.origin,
		Domo:       d.domo,
		Calls:      d.calls,
		Pushdown:   d.pushdown,
		Change:     d.change,
		parentKeys: d.parentKeys,
		fetch:      d.fetch,
	}
	switch d.change.Kind {
	case ChangeCursor, ChangeAppend:
		t.CursorColumn = d.change.Cursor
	}
	// The columns that point at a parent row (and at other issues) are
	// looked up by the engine: destinations index them.
	for col := range d.parentKeys {
		t.Indexes = append(t.Indexes, col)
	}
	for _, c := range d.columns {
		if c.Name == "ParentIssueId" || c.Name == "RelatedIssueId" {
			t.Indexes = append(t.Indexes, c.Name)
		}
	}
	slices.Sort(t.Indexes)
	t.Indexes = slices.Compact(t.Indexes)
	t.index = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		t.index[c.Name] = i
	}
	return t
}

var pascal = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// buildRegistry assembles every table file's definitions, parents first.
func buildRegistry() []*Table {
	var defs []def
	for _, group := range [][]def{
		spaceDefs(), userDefs(), teamDefs(), projectDefs(), projectMetaDefs(), customFieldDefs(),
		webhookDefs(), issueDefs(), issueCustomFieldDefs(), issueDetailDefs(), commentDefs(),
		activityDefs(), wikiDefs(), sharedFileDefs(), gitDefs(), pullRequestCommentDefs(),
		documentDefs(), myselfDefs(),
	} {
		defs = append(defs, group...)
	}
	out := make([]*Table, 0, len(defs))
	for _, d := range defs {
		out = append(out, d.build())
	}
	return out
}
