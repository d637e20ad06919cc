package desttest

import (
	"bytes"
	"encoding/json"
	"io"
	"math/big"

	bs "github.com/backlogsync/backlogsync"
)

// JSON columns are compared by meaning, not by text: a destination may
// store JSON in a form that rewrites the text (PostgreSQL's JSONB drops
// insignificant whitespace, orders object keys, keeps the last of duplicate
// keys and spells numbers its own way: 1e3 reads back as 1000), which
// keeps every value and is what makes the column queryable with operators
// and indexes. A JSON value must read back as JSON equal to what was
// written: same structure, same strings, numerically equal numbers.

// jsonText is an expected JSON value in a want row: the value read back
// must be a string holding equal JSON (see jsonEqual).
type jsonText string

// wantJSON returns a copy of rows in which the values of tb's JSON columns
// are jsonText, so that checkRows compares them as JSON.
func wantJSON(tb *bs.Table, rows []bs.Row) []bs.Row {
	out := make([]bs.Row, len(rows))
	for i, r := range rows {
		out[i] = append(bs.Row(nil), r...)
		for j, c := range tb.Columns {
			if j >= len(r) {
				break
			}
			if s, ok := r[j].(string); ok && c.Type == bs.TypeJSON {
				out[i][j] = jsonText(s)
			}
		}
	}
	return out
}

// jsonEqual reports whether a and b are equal JSON values; when either is
// not valid JSON, whether they are the same text.
func jsonEqual(a, b string) bool {
	va, errA := decodeJSON(a)
	vb, errB := decodeJSON(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return sameJSON(va, vb)
}

func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, io.ErrUnexpectedEOF // trailing data
	}
	return v, nil
}

func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		return okx && oky && rx.Cmp(ry) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b // string, bool, nil
}
