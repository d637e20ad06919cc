package jobsql

import (
	"fmt"
	"reflect"
	"strings"
)

// Dump renders statements as an indented tree, one node per line with its
// line:col, for debugging and golden tests.
// Settings are listed only where they differ from DefaultSettings.
func Dump(stmts []Statement) string {
	d := dumper{pos: true}
	for _, st := range stmts {
		d.stmt(st)
	}
	return d.b.String()
}

// dumper writes the tree; without pos it leaves positions out, so that two
// parses of differently laid out text compare equal.
type dumper struct {
	b     strings.Builder
	depth int
	pos   bool
}

func (d *dumper) line(p Pos, format string, args ...any) {
	d.b.WriteString(strings.Repeat("  ", d.depth))
	fmt.Fprintf(&d.b, format, args...)
	if d.pos {
		fmt.Fprintf(&d.b, " @%d:%d", p.Line, p.Col)
	}
	d.b.WriteByte('\n')
}

func (d *dumper) text(format string, args ...any) {
	d.b.WriteString(strings.Repeat("  ", d.depth))
	fmt.Fprintf(&d.b, format, args...)
	d.b.WriteByte('\n')
}

func (d *dumper) in(f func()) {
	d.depth++
	f()
	d.depth--
}

func (d *dumper) stmt(st Statement) {
	switch st := st.(type) {
	case *Replicate:
		d.line(st.Pos, "Replicate")
		d.in(func() {
			d.line(st.Dest.Pos, "Dest %s", st.Dest)
			for _, c := range st.Columns {
				nn := ""
				if c.NotNull {
					nn = " NOT NULL"
				}
				d.line(c.Pos, "Column %s %s (%s)%s", quoteIdent(c.Name), c.TypeName, c.Type, nn)
			}
			if st.PrimaryKey != nil {
				d.text("PrimaryKey %s", strings.Join(st.PrimaryKey, ", "))
			}
			for _, o := range st.Options {
				d.line(o.Pos, "Option %s = %s", o.Name, o.Value)
			}
			d.settings(st.Settings)
			if st.Select != nil {
				d.selectStmt(st.Select)
			}
			d.line(st.Source.Pos, "Source %s", st.Source)
		})
	case *CheckCache:
		d.line(st.Pos, "CheckCache")
		d.in(func() {
			d.line(st.Table.Pos, "Table %s", st.Table)
			if st.AgainstSelect != nil {
				d.text("Against")
				d.in(func() { d.selectStmt(st.AgainstSelect) })
			} else {
				d.line(st.Against.Pos, "Against %s", st.Against)
			}
			if st.Repair {
				d.text("Repair")
			}
			if st.Skip != SkipNone {
				d.text("Skip %s", st.Skip)
			}
			d.labelled("Start", st.Start)
			d.labelled("End", st.End)
			d.labelled("Where", st.Where)
		})
	default:
		d.text("%T", st)
	}
	if d.pos {
		d.in(func() { d.text("SQL %s", st) })
	}
}

// settings lists the fields of s that differ from the defaults.
func (d *dumper) settings(s Settings) {
	def := DefaultSettings()
	v, dv := reflect.ValueOf(s), reflect.ValueOf(def)
	for i := range v.NumField() {
		f := v.Field(i)
		if reflect.DeepEqual(f.Interface(), dv.Field(i).Interface()) {
			continue
		}
		d.text("Setting %s = %v", v.Type().Field(i).Name, f.Interface())
	}
}

func (d *dumper) labelled(label string, e Expr) {
	if e == nil {
		return
	}
	d.text("%s", label)
	d.in(func() { d.expr(e) })
}

func (d *dumper) selectStmt(s *Select) {
	d.line(s.Pos, "Select")
	d.in(func() {
		for _, it := range s.Columns {
			switch {
			case it.Star:
				d.line(it.Pos, "Star")
			case it.Alias != "":
				d.line(it.Pos, "Item AS %s", quoteIdent(it.Alias))
				d.in(func() { d.expr(it.Expr) })
			default:
				d.expr(it.Expr)
			}
		}
		d.line(s.From.Pos, "From %s", s.From)
		d.labelled("Where", s.Where)
	})
}

func (d *dumper) expr(e Expr) {
	kids := func(es ...Expr) {
		d.in(func() {
			for _, x := range es {
				d.expr(x)
			}
		})
	}
	neg := func(b bool) string {
		if b {
			return "Not"
		}
		return ""
	}
	switch e := e.(type) {
	case *ColumnRef:
		d.line(e.Pos, "Column %s", e)
	case *NumberLit:
		d.line(e.Pos, "Number %s", e.Text)
	case *StringLit:
		d.line(e.Pos, "String %q", e.Value)
	case *BoolLit:
		d.line(e.Pos, "Bool %v", e.Value)
	case *NullLit:
		d.line(e.Pos, "Null")
	case *FuncCall:
		d.line(e.Pos, "Call %s", e.Name)
		kids(e.Args...)
	case *Not:
		d.line(e.Pos, "Not")
		kids(e.X)
	case *Binary:
		d.line(e.Pos, "Binary %s", e.Op)
		kids(e.L, e.R)
	case *In:
		d.line(e.Pos, "%sIn", neg(e.Not))
		kids(append([]Expr{e.X}, e.List...)...)
	case *Between:
		d.line(e.Pos, "%sBetween", neg(e.Not))
		kids(e.X, e.Lo, e.Hi)
	case *IsNull:
		d.line(e.Pos, "Is%sNull", neg(e.Not))
		kids(e.X)
	case *Like:
		d.line(e.Pos, "%sLike", neg(e.Not))
		kids(e.X, e.Pattern)
	default:
		d.text("%T", e)
	}
}
