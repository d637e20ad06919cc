package desttest

import (
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

// storableTests check the storable-text policy (backlogsync.StorableText),
// the same on every destination: NUL removed, invalid UTF-8 replaced by
// U+FFFD, the escape \u0000 removed from JSON strings, each altered value
// counted in WriteResult.Altered; on the plain path and on the bulk path
// (PostgreSQL's COPY).
func (s *suite) storableTests(t *testing.T) {
	for _, c := range []struct {
		name string
		rows int
	}{{"Small", 0}, {"Bulk", s.bulkRows()}} {
		s.test(t, c.name, func(t *testing.T, d bs.Destination) {
			tb := everyType(s.name("Storable"))
			migrate(t, d, tb)
			in := []bs.Row{
				{int64(1), nil, nil, nil, "NUL \x00 in \x00 text", nil, nil, `{"a":"x\u0000y","b":"\\u0000 stays"}`},
				{int64(2), nil, nil, nil, "bad UTF-8 \xff\xfe end", nil, nil, "{\"raw\":\"nul\x00\"}"},
				{int64(3), nil, nil, nil, "plain 課題", nil, nil, `{"plain":true}`},
			}
			want := []bs.Row{
				{int64(1), nil, nil, nil, "NUL  in  text", nil, nil, `{"a":"xy","b":"\\u0000 stays"}`},
				{int64(2), nil, nil, nil, "bad UTF-8 \uFFFD end", nil, nil, `{"raw":"nul"}`},
				{int64(3), nil, nil, nil, "plain 課題", nil, nil, `{"plain":true}`},
			}
			rows := append([]bs.Row(nil), in...)
			for i := len(rows); i < c.rows; i++ {
				rows = append(rows, bs.Row{int64(i + 1), nil, nil, nil, "pad", nil, nil, nil})
			}
			res := write(t, d, bs.Batch{Table: tb, Upserts: rows})
			if res.Altered != 4 || res.Inserted != int64(len(rows)) {
				t.Errorf("write: %+v; want %d inserted and 4 values altered", res, len(rows))
			}
			got := query(t, d, tb.Name, bs.Query{Limit: 3})
			checkRows(t, "stored", got, wantJSON(tb, want))
			// Written again, the same values are altered again, to what is
			// stored: the rows do not change, nor count as updated.
			res = write(t, d, bs.Batch{Table: tb, Upserts: in})
			if res.Altered != 4 || res.Updated != 0 || res.Inserted != 0 {
				t.Errorf("rewrite: %+v; want 4 values altered, nothing inserted or updated", res)
			}
			checkRows(t, "rewritten", query(t, d, tb.Name, bs.Query{Limit: 3}), wantJSON(tb, want))
		})
	}
}
