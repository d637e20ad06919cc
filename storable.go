package backlogsync

import (
	"strings"
	"unicode/utf8"
)

// The storable-text policy, the same on every destination: text a database
// cannot store is altered, not refused, so that one odd character in a
// Backlog comment does not stop the replication of a table.
//
//   - NUL (U+0000, valid in Backlog's JSON) is removed: PostgreSQL's text and
//     jsonb cannot hold it, and MySQL and SQLite drivers truncate or refuse
//     it in places.
//   - Invalid UTF-8 (never produced by a JSON decoder, but possible in
//     values built by hand) is replaced by U+FFFD: MySQL's strict mode and
//     PostgreSQL refuse it.
//   - In JSON values, the escape \u0000 inside a string is removed too
//     (PostgreSQL's jsonb refuses it).
//
// Destinations apply the policy to every text and JSON value they write
// and count the values it altered in WriteResult.Altered; the engine adds
// them to the runs table (RunTable.Altered) and logs a warning naming the
// table.

// StorableText returns s as destinations store it (see the policy above)
// and whether it had to be altered.
func StorableText(s string) (string, bool) {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s, false
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", ""), true
}

// StorableJSON is StorableText for a JSON document: it also removes the
// escape \u0000 from its strings (an escaped backslash followed by u0000
// is text, and stays).
func StorableJSON(s string) (string, bool) {
	out, altered := StorableText(s)
	if !strings.Contains(out, `\u0000`) {
		return out, altered
	}
	var b strings.Builder
	b.Grow(len(out))
	for i := 0; i < len(out); i++ {
		c := out[i]
		if c != '\\' || i+1 >= len(out) {
			b.WriteByte(c)
			continue
		}
		if strings.HasPrefix(out[i+1:], "u0000") {
			i += 5
			altered = true
			continue
		}
		b.WriteByte(c)
		b.WriteByte(out[i+1]) // an escape pair: \\ stays \\
		i++
	}
	return b.String(), altered
}
