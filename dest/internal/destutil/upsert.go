package destutil

import (
	"slices"
	"strings"
)

// Upsert is how a SQL dialect spells a multi-row insert that updates the
// rows whose key exists: SQLite and PostgreSQL write
// "ON CONFLICT (key) DO UPDATE SET c = excluded.c" (or "DO NOTHING" when
// every column is a key column), MySQL and MariaDB
// "ON DUPLICATE KEY UPDATE c = VALUES(c)". UpsertSQL builds the statement
// from it, so the dialects share everything they agree on.
type Upsert struct {
	// Placeholder returns the n-th (1-based) parameter: "?" or "$n".
	Placeholder func(n int) string
	// Conflict is the clause after the VALUES lists, given the key
	// columns: " ON CONFLICT (k1, k2) DO " or " ON DUPLICATE KEY UPDATE ".
	Conflict func(key []string) string
	// SetPrefix starts the list of assignments ("UPDATE SET " after DO,
	// "" for MySQL).
	SetPrefix string
	// Set assigns the new value to column c: "c = excluded.c",
	// "c = VALUES(c)".
	Set func(c string) string
	// NoUpdate is written instead of the assignments when every column is
	// a key column: "NOTHING", or "k = k" for MySQL.
	NoUpdate func(key []string) string
}

// UpsertSQL returns a statement inserting rows rows of the quoted columns
// into the table ref, updating the non-key columns of rows whose quoted key
// exists.
func (u Upsert) UpsertSQL(ref string, columns, key []string, rows int) string {
	var b strings.Builder
	b.Grow(64 + rows*(4+6*len(columns)) + 40*len(columns))
	b.WriteString("INSERT INTO " + ref + " (" + strings.Join(columns, ", ") + ") VALUES ")
	p := 0
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range columns {
			if j > 0 {
				b.WriteString(", ")
			}
			p++
			b.WriteString(u.Placeholder(p))
		}
		b.WriteByte(')')
	}
	b.WriteString(u.Conflict(key))
	n := 0
	for _, c := range columns {
		if slices.Contains(key, c) {
			continue
		}
		if n == 0 {
			b.WriteString(u.SetPrefix)
		} else {
			b.WriteString(", ")
		}
		n++
		b.WriteString(u.Set(c))
	}
	if n == 0 {
		b.WriteString(u.NoUpdate(key))
	}
	return b.String()
}

// OnConflict is the Upsert of SQLite and PostgreSQL (INSERT … ON CONFLICT
// (key) DO UPDATE SET c = excluded.c) with the given placeholders.
func OnConflict(placeholder func(n int) string) Upsert {
	return Upsert{
		Placeholder: placeholder,
		Conflict:    func(key []string) string { return " ON CONFLICT (" + strings.Join(key, ", ") + ") DO " },
		SetPrefix:   "UPDATE SET ",
		Set:         func(c string) string { return c + " = excluded." + c },
		NoUpdate:    func([]string) string { return "NOTHING" },
	}
}

// QuestionMark is the "?" placeholder of SQLite and MySQL.
func QuestionMark(int) string { return "?" }
