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

// storedFingerprints returns the fingerprint of each of this account's
// rows in p's destination table, by key (empty when the table does not
// exist yet).
func (e *Engine) storedFingerprints(ctx context.Context, p *plan) (map[string]fingerprint, error) {
	out := map[string]fingerprint{}
	cols := make([]string, len(p.table.Columns))
	for i, c := range p.table.Columns {
		cols[i] = c.Name
	}
	keys := keyIndexes(p.table)
	err := e.Dest.Query(ctx, p.dest, backlogsync.Query{Columns: cols,
		Filter: backlogsync.Cmp{Column: cols[0], Op: backlogsync.OpEq, Value: e.account()}},
		func(r backlogsync.Row) error {
			out[keyString(pick(r, keys))] = rowFingerprint(p.table, r)
			return nil
		})
	if backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND {
		err = nil
	}
	return out, err
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
