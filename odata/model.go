package odata

import (
	"context"
	"fmt"
	"sort"
	"strings"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
)

// model is a workspace as OData sees it: one entity set (and entity type of
// the same name) per exposed table, with navigation properties from the
// catalog's relationships.
type model struct {
	Sets   []*entitySet
	byName map[string]*entitySet
}

// entitySet is one exposed table.
type entitySet struct {
	Name  string    // OData identifier
	Table string    // destination table name
	Def   *bs.Table // as stored: columns, types, primary key
	Navs  []*nav
}

// nav is a navigation property: to one parent row, or to the many child
// rows that point at this one.
type nav struct {
	Name    string
	Target  *entitySet
	Many    bool
	Local   []string // this set's columns …
	Remote  []string // … equal to these of Target
	Partner string
	// Nullable is false when every local column is part of the key, so
	// the parent row is always named.
	Nullable bool
}

func (s *entitySet) column(name string) (bs.Column, bool) {
	for _, c := range s.Def.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return bs.Column{}, false
}

func (s *entitySet) nav(name string) *nav {
	for _, n := range s.Navs {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// suggest returns `; did you mean "X"?` for a near property name.
func (s *entitySet) suggest(name string) string {
	var names []string
	for _, c := range s.Def.Columns {
		names = append(names, c.Name)
	}
	for _, n := range s.Navs {
		names = append(names, n.Name)
	}
	best, bestD := "", len(name)/2+2
	for _, n := range names {
		if d := fuzzy.Distance(strings.ToLower(name), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

func (m *model) set(name string) *entitySet { return m.byName[name] }

// identifier turns a destination name into an OData SimpleIdentifier.
func identifier(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// catalogName finds the catalog table a destination table holds: the
// name itself, or the longest catalog name it ends with (a TableNamePrefix
// such as PROD_ or a schema). "" when none.
func catalogName(table string) string {
	n := bs.ParseTableName(table).Name
	if t, ok := catalog.Lookup(n); ok {
		return t.Name
	}
	best := ""
	for _, c := range catalog.Names() {
		if strings.HasSuffix(n, c) && len(c) > len(best) {
			best = c
		}
	}
	return best
}

// buildModel reads the workspace's tables from its destination.
func buildModel(ctx context.Context, ws *Workspace) (*model, error) {
	all, err := ws.Dest.Tables(ctx)
	if err != nil {
		return nil, err
	}
	defs := map[string]*bs.Table{}
	for _, t := range all {
		defs[t.Name] = t
	}
	m := &model{byName: map[string]*entitySet{}}
	byCatalog := map[string]*entitySet{}
	for _, name := range ws.Tables {
		def, ok := defs[name]
		if !ok {
			continue // not replicated yet: not published
		}
		s := &entitySet{Name: identifier(name), Table: name, Def: def}
		if m.byName[s.Name] != nil {
			return nil, bs.Errorf(bs.EINVALID, "workspace %s: tables %s and %s have the same OData name %s", ws.Name, m.byName[s.Name].Table, name, s.Name)
		}
		m.Sets = append(m.Sets, s)
		m.byName[s.Name] = s
		if c := catalogName(name); c != "" && byCatalog[c] == nil {
			byCatalog[c] = s
		}
	}
	sort.Slice(m.Sets, func(i, j int) bool { return m.Sets[i].Name < m.Sets[j].Name })
	for _, s := range m.Sets {
		ct, ok := catalog.Lookup(catalogName(s.Table))
		if !ok || catalogName(s.Table) == "" {
			continue
		}
		linked := map[string]bool{}
		if p := byCatalog[ct.Parent]; p != nil && ct.Parent != "" {
			// A parent without known key columns gets no navigation property:
			// Account alone would relate every child to every parent.
			if keys := ct.ParentKeys(); keys != nil {
				keys["Account"] = "Account"
				if link(s, p, keys) {
					linked[ct.Parent] = true
				}
			}
		}
		if proj := byCatalog["Projects"]; proj != nil && proj != s && !linked["Projects"] {
			link(s, proj, map[string]string{"Account": "Account", "ProjectId": "Id"})
		}
	}
	return m, nil
}

// link adds child → parent (to one) and parent → child (to many) navigation
// properties when keys (child column → parent column) cover the parent's
// primary key and every column exists.
func link(child, parent *entitySet, keys map[string]string) bool {
	var local, remote []string
	nullable := false
	inKey := map[string]bool{}
	for _, k := range child.Def.PrimaryKey {
		inKey[k] = true
	}
	for _, pk := range parent.Def.PrimaryKey {
		found := ""
		for c, pc := range keys {
			if pc == pk {
				found = c
			}
		}
		if found == "" {
			return false
		}
		if _, ok := child.column(found); !ok {
			return false
		}
		if !inKey[found] {
			nullable = true
		}
		local = append(local, found)
		remote = append(remote, pk)
	}
	one := ""
	for i, r := range remote {
		if r == "Id" && strings.HasSuffix(local[i], "Id") && len(local[i]) > 2 {
			one = strings.TrimSuffix(local[i], "Id")
		}
	}
	if one == "" {
		one = "Parent"
	}
	one = freeName(child, one)
	many := freeName(parent, child.Name)
	child.Navs = append(child.Navs, &nav{Name: one, Target: parent, Local: local, Remote: remote, Partner: many, Nullable: nullable})
	parent.Navs = append(parent.Navs, &nav{Name: many, Target: child, Many: true, Local: remote, Remote: local, Partner: one})
	return true
}

// freeName returns name, or name with a suffix when a column or another
// navigation property of s already has it.
func freeName(s *entitySet, name string) string {
	for try, n := 0, name; ; try++ {
		_, col := s.column(n)
		if !col && s.nav(n) == nil {
			return n
		}
		n = fmt.Sprintf("%sNav%d", name, try+1)
		if try == 0 {
			n = name + "Nav"
		}
	}
}
