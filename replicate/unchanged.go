package replicate

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/backlogsync/backlogsync"
)

// fingerprint is a digest of a row's values as the destination holds
// them, to tell an unchanged row from a changed one without keeping the
// rows.
type fingerprint [16]byte

// storedSet is what a full refresh or a Replace run knows of this
// account's stored rows, read in one scan (storedRows).
type storedSet struct {
	// keys holds each row's primary key values by keyString.
	keys map[string][]any
	// objs holds each row's BIGINT value of the column asked for (absent
	// when NULL), by key; nil when none was asked for.
	objs map[string]int64
	// fps holds each row's fingerprint, by key.
	fps map[string]fingerprint
}

// storedRows reads this account's rows in p's destination table once: their
// keys, fingerprints and, when col is not "", their BIGINT value of col. A
// table not created yet has no rows.
func (e *Engine) storedRows(ctx context.Context, p *plan, col string) (storedSet, error) {
	set := storedSet{keys: map[string][]any{}, fps: map[string]fingerprint{}}
	cols := make([]string, len(p.table.Columns))
	for i, c := range p.table.Columns {
		cols[i] = c.Name
	}
	keys := keyIndexes(p.table)
	obj := -1
	if col != "" {
		set.objs = map[string]int64{}
		if obj = columnIndex(p.table, col); obj < 0 {
			return set, fmt.Errorf("replicate: %s has no column %s", p.dest, col)
		}
	}
	err := e.Dest.Query(ctx, p.dest, backlogsync.Query{Columns: cols,
		Filter: backlogsync.Cmp{Column: cols[0], Op: backlogsync.OpEq, Value: e.account()}},
		func(r backlogsync.Row) error {
			k := pick(r, keys)
			ks := keyString(k)
			set.keys[ks] = k
			set.fps[ks] = rowFingerprint(p.table, r)
			if obj >= 0 {
				if id, ok := r[obj].(int64); ok {
					set.objs[ks] = id
				}
			}
			return nil
		})
	if backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND {
		err = nil
	}
	return set, err
}

// rowFingerprint digests r's values in a form that does not depend on how
// a destination returns them (JSON as text, BOOLEAN as 0/1, timestamps in
// UTC). Values that differ only in a way this canonical form keeps (a
// float and an integer, a JSON re-spacing) make different fingerprints:
// the row is then written again, never wrongly skipped.
func rowFingerprint(t *backlogsync.Table, r backlogsync.Row) fingerprint {
	h := sha256.New()
	for i, v := range r {
		var ty backlogsync.Type
		if i < len(t.Columns) {
			ty = t.Columns[i].Type
		}
		h.Write([]byte(canonical(ty, v)))
		h.Write([]byte{0})
	}
	var f fingerprint
	copy(f[:], h.Sum(nil))
	return f
}

func canonical(ty backlogsync.Type, v any) string {
	switch x := v.(type) {
	case nil:
		return "N"
	case json.RawMessage:
		return "s" + string(x)
	case []byte:
		return "s" + string(x)
	case string:
		return "s" + x
	case time.Time:
		if ty == backlogsync.TypeDate {
			return "d" + x.Format(time.DateOnly)
		}
		return "t" + x.UTC().Format(time.RFC3339Nano)
	case bool:
		return "b" + strconv.FormatBool(x)
	case int64:
		if ty == backlogsync.TypeBool && (x == 0 || x == 1) {
			return "b" + strconv.FormatBool(x == 1)
		}
		return "i" + strconv.FormatInt(x, 10)
	case float64:
		if math.IsNaN(x) {
			return "fNaN"
		}
		return "f" + strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprintf("%T:%v", v, v)
}
