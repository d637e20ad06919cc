package destutil

import (
	"strconv"
	"testing"
)

func TestUpsertSQL(t *testing.T) {
	dollar := func(n int) string { return "$" + strconv.Itoa(n) }
	mysql := Upsert{Placeholder: QuestionMark, Conflict: func([]string) string { return " ON DUPLICATE KEY UPDATE " },
		Set: func(c string) string { return c + " = VALUES(" + c + ")" }, NoUpdate: func(k []string) string { return k[0] + " = " + k[0] }}
	for _, tc := range []struct {
		u         Upsert
		cols, key []string
		rows      int
		want      string
	}{
		{OnConflict(QuestionMark), []string{"a", "b", "c"}, []string{"a"}, 2,
			"INSERT INTO t (a, b, c) VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b, c = excluded.c"},
		{OnConflict(dollar), []string{"a", "b"}, []string{"a", "b"}, 2,
			"INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT (a, b) DO NOTHING"},
		{mysql, []string{"a", "b"}, []string{"a"}, 1, "INSERT INTO t (a, b) VALUES (?, ?) ON DUPLICATE KEY UPDATE b = VALUES(b)"},
		{mysql, []string{"a"}, []string{"a"}, 1, "INSERT INTO t (a) VALUES (?) ON DUPLICATE KEY UPDATE a = a"},
	} {
		if got := tc.u.UpsertSQL("t", tc.cols, tc.key, tc.rows); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
