package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/internal/destutil"
)

// maxRowsPerStatement caps the rows of one multi-row INSERT; MaxParams caps
// it further for wide tables.
const maxRowsPerStatement = 500

// Write implements backlogsync.Destination. Upserts go, in key order, in
// multi-row INSERT … ON CONFLICT statements of up to 500 rows; rows are checked and
// encoded one statement at a time, so a bad row late in a large batch fails
// after earlier statements ran and the transaction is rolled back.
func (x *DB) Write(ctx context.Context, b bs.Batch) (bs.WriteResult, error) {
	res, err := x.WriteAll(ctx, []bs.Batch{b})
	if err != nil {
		return bs.WriteResult{}, err
	}
	return res[0], nil
}

// WriteAll implements backlogsync.MultiWriter: the batches are applied in
// order in one transaction, each as Write applies it.
func (x *DB) WriteAll(ctx context.Context, batches []bs.Batch) ([]bs.WriteResult, error) {
	out := make([]bs.WriteResult, len(batches))
	if len(batches) == 0 {
		return out, nil
	}
	// Check every batch and look its table up before the transaction.
	writers := make([]*writer, len(batches))
	bulk := make([]bool, len(batches)) // upserts through the BulkWriter
	bw, canBulk := x.d.(BulkWriter)
	first := "" // the first table, for messages
	anyBulk, anyCheckpoint := false, false
	for i, b := range batches {
		anyCheckpoint = anyCheckpoint || b.Checkpoint != nil
		if b.Table == nil {
			if len(b.Upserts) > 0 || len(b.Deletes) > 0 {
				return nil, bs.Errorf(bs.EINVALID, "batch has rows but no table")
			}
			continue
		}
		def, err := x.describe(ctx, b.Table.Name)
		if err != nil {
			return nil, err
		}
		if writers[i], err = x.newWriter(def, b.Table); err != nil {
			return nil, err
		}
		if first == "" {
			first = def.Name
		}
		bulk[i] = canBulk && len(b.Upserts) >= bw.BulkMinRows()
		anyBulk = anyBulk || bulk[i]
	}
	if first == "" && !anyCheckpoint {
		return out, nil // nothing to write
	}
	what := "write checkpoint"
	if first != "" {
		what = "write " + first
	}
	if len(batches) > 1 {
		what += fmt.Sprintf(" (and %d more batches)", len(batches)-1)
	}
	var conn *sql.Conn
	var tx *sql.Tx
	var err error
	if anyBulk {
		// The bulk path needs the driver connection under the transaction.
		if conn, err = x.db.Conn(ctx); err != nil {
			return nil, fmt.Errorf("%s: connect: %w", what, err)
		}
		defer conn.Close()
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = x.db.BeginTx(ctx, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: begin: %w", what, err)
	}
	defer tx.Rollback()
	for i, b := range batches {
		if w := writers[i]; w != nil {
			var res bs.WriteResult
			if bulk[i] {
				res, err = w.bulkUpsert(ctx, bw, conn, tx, b.Upserts)
			} else {
				res, err = w.upsert(ctx, tx, b.Upserts)
			}
			if err != nil {
				return nil, err
			}
			if res.Deleted, err = w.delete(ctx, tx, b.Deletes); err != nil {
				return nil, err
			}
			res.Altered = w.altered
			out[i] = res
		}
		if err := x.putCheckpoint(ctx, tx, b.Checkpoint); err != nil {
			return nil, err
		}
	}
	if err := commit(tx, what); err != nil {
		return nil, err
	}
	return out, nil
}

// writer writes one batch's rows into one table.
type writer struct {
	x      *DB
	def    *bs.Table   // as stored
	src    *bs.Table   // the batch's table
	cols   []bs.Column // stored columns in batch order
	keyPos []int       // positions of the key columns in a batch row
	ref    string
	qcols  []string  // quoted, batch order
	types  []bs.Type // stored types, batch order (for TypedUpsert)
	qkey   []string  // quoted key columns
	keyIn  string    // "k" or "(a, b)" for IN lists
	// laterPos are the positions in a batch row of the columns set after
	// the upsert (see SetLater), qlater their quoted names.
	laterPos []int
	qlater   []string
	// hasOther is whether the table has a column outside its key and the
	// columns set later.
	hasOther bool
	// altered counts the values the storable-text policy changed.
	altered int64
}

func (x *DB) newWriter(def, src *bs.Table) (*writer, error) {
	w := &writer{x: x, def: def, src: src, ref: x.d.TableRef(bs.ParseTableName(def.Name))}
	for _, c := range src.Columns {
		dc, i := def.Column(c.Name)
		if i < 0 {
			return nil, bs.Errorf(bs.EINVALID, "table %s has no column %s; migrate the table first", def.Name, c.Name)
		}
		if dc.Type != c.Type && !bs.CanWiden(c.Type, dc.Type) && !x.d.SameStorage(c.Type, dc.Type) {
			return nil, bs.Errorf(bs.EINVALID, "table %s: column %s is %s; a batch cannot write %s into it", def.Name, c.Name, dc.Type, c.Type)
		}
		w.cols = append(w.cols, dc)
		w.qcols = append(w.qcols, x.q(dc.Name))
		w.types = append(w.types, dc.Type)
	}
	for _, k := range def.PrimaryKey {
		_, i := src.Column(k)
		if i < 0 {
			return nil, bs.Errorf(bs.EINVALID, "batch for table %s lacks key column %s", def.Name, k)
		}
		w.keyPos = append(w.keyPos, i)
		w.qkey = append(w.qkey, x.q(w.cols[i].Name))
	}
	w.laterPos = w.setLaterColumns()
	for _, p := range w.laterPos {
		w.qlater = append(w.qlater, w.qcols[p])
	}
	for i := range w.cols {
		if !slices.Contains(w.keyPos, i) && !slices.Contains(w.laterPos, i) {
			w.hasOther = true
		}
	}
	w.keyIn = w.qkey[0]
	if len(w.qkey) > 1 {
		w.keyIn = "(" + strings.Join(w.qkey, ", ") + ")"
	}
	return w, nil
}

// convert checks one batch row and appends its values, converted to the
// stored column types, to args: as driver arguments (Dialect.Encode) when
// driver is true, as normalised Go values (see backlogsync.Row) otherwise.
// It returns the row's key string too.
func (w *writer) convert(r bs.Row, args []any, driver bool) ([]any, string, error) {
	if len(r) != len(w.cols) {
		return nil, "", bs.Errorf(bs.EINVALID, "table %s: row has %d values for %d columns", w.def.Name, len(r), len(w.cols))
	}
	for i, v := range r {
		v, altered, err := destutil.Cell(w.def.Name, w.src.Columns[i], v, r, w.keyPos)
		if err != nil {
			return nil, "", err
		}
		if altered {
			w.altered++
		}
		if v != nil {
			v = bs.Widen(v, w.src.Columns[i].Type, w.cols[i].Type)
			if driver {
				v = w.x.d.Encode(w.cols[i].Type, v)
			}
		}
		args = append(args, v)
	}
	var key strings.Builder
	for _, p := range w.keyPos {
		v := args[len(args)-len(r)+p]
		if v == nil {
			return nil, "", bs.Errorf(bs.EINVALID, "table %s: key column %s is NULL", w.def.Name, w.cols[p].Name)
		}
		fmt.Fprintf(&key, "%T:%v\x00", v, v)
	}
	return args, key.String(), nil
}

func (w *writer) rowsPerStatement(width int) int {
	return max(1, min(maxRowsPerStatement, w.x.d.MaxParams()/width))
}

// lastPerKey checks and converts rows (see convert; driver arguments when
// driver is true), keeping the last row of each key as stored: keys that
// differ only in what storage drops, such as sub-second times, are one.
func (w *writer) lastPerKey(rows []bs.Row, driver bool) ([][]any, error) {
	out := make([][]any, 0, len(rows))
	pos := make(map[string]int, len(rows)) // key → index in out
	for _, r := range rows {
		vals, key, err := w.convert(r, make([]any, 0, len(w.cols)), driver)
		if err != nil {
			return nil, err
		}
		if p, dup := pos[key]; dup {
			out[p] = vals
			continue
		}
		pos[key] = len(out)
		out = append(out, vals)
	}
	return out, nil
}

func (w *writer) upsert(ctx context.Context, tx *sql.Tx, rows []bs.Row) (bs.WriteResult, error) {
	var res bs.WriteResult
	// One row per stored key (the last), written in the order of the keys.
	recs, err := w.lastPerKey(rows, true)
	if err != nil {
		return res, err
	}
	sortByKey(recs, w.keyPos) // recs is lastPerKey's own slice
	per := w.rowsPerStatement(len(w.cols))
	for start := 0; start < len(recs); {
		// Statements of a few fixed sizes only, so a handful of prepared
		// statements per table serve every batch size.
		n := stmtRows(per, len(recs)-start)
		chunk := recs[start : start+n]
		start += n
		args := make([]any, 0, n*len(w.cols))
		for _, a := range chunk {
			args = append(args, a...)
		}
		var existing int64
		var changed []int // rows whose columns set later differ
		var err error
		if len(w.laterPos) > 0 {
			existing, changed, err = w.probe(ctx, tx, args, n)
		} else {
			existing, err = w.count(ctx, tx, w.keysOf(chunk))
		}
		if err != nil {
			return res, err
		}
		inserted := int64(n) - existing
		res.Inserted += inserted
		var st *sql.Stmt
		if st, err = w.x.stmt(ctx, tx, w.upsertSQL(n)); err != nil {
			return res, fmt.Errorf("write %s: prepare: %w", w.def.Name, err)
		}
		r, err := st.ExecContext(ctx, args...)
		if err != nil {
			return res, fmt.Errorf("write %s: upsert: %w", w.def.Name, err)
		}
		affected, err := r.RowsAffected()
		if err != nil {
			return res, fmt.Errorf("write %s: upsert: rows affected: %w", w.def.Name, err)
		}
		updated := w.x.changedRows(inserted, affected)
		if updated < 0 || updated > existing {
			return res, fmt.Errorf("write %s: upsert: the database reports %d rows affected for %d rows inserted and %d existing, which cannot be (a server or driver setting that counts affected rows differently?); nothing was written: check the connection string's options, or report this with the database's version", w.def.Name, affected, inserted, existing)
		}
		laterSet, err := w.setLater(ctx, tx, args, changed)
		if err != nil {
			return res, err
		}
		if !w.hasOther {
			// The upsert did nothing to existing rows: the columns
			// set later are all they have.
			updated = laterSet
		}
		res.Updated += updated
	}
	return res, nil
}

// ChangedRows is an optional Dialect method for databases whose upsert
// does not count one affected row per row it inserted or changed, as
// SQLite's and PostgreSQL's do (a row written again unchanged counts
// nothing in all of them: their updates have a WHERE that compares every
// column, or the database compares itself).
type ChangedRows interface {
	// ChangedRows returns how many existing rows an upsert changed, given
	// how many it inserted and the rows affected it reported.
	ChangedRows(inserted, affected int64) int64
}

// changedRows returns how many existing rows an upsert that inserted
// inserted rows and reported affected rows affected changed.
func (x *DB) changedRows(inserted, affected int64) int64 {
	if c, ok := x.d.(ChangedRows); ok {
		return c.ChangedRows(inserted, affected)
	}
	return affected - inserted
}

// BulkWriter is an optional Dialect method set for loading large batches
// faster than multi-row INSERTs can (PostgreSQL's COPY into a staging
// table). Write uses it for batches of at least BulkMinRows upserts, inside
// the transaction that also applies the batch's deletes and checkpoint.
type BulkWriter interface {
	// BulkMinRows is the number of upserts from which a batch takes the
	// bulk path.
	BulkMinRows() int
	// BulkUpsert inserts rows into the table named n or, for rows whose key
	// exists, updates the non-key columns, inside tx, which runs on conn.
	// cols are the stored columns the rows hold, in row order; key names
	// the primary-key columns. Each row holds normalised Go values of its
	// column's stored type (see backlogsync.Row) or nil, and no two rows
	// have the same key. It returns how many rows were inserted (their key
	// was absent) and how many existing rows it changed (a row whose
	// values all equal the stored ones is left alone and counted in
	// neither).
	BulkUpsert(ctx context.Context, conn *sql.Conn, tx *sql.Tx, n bs.TableName, cols []bs.Column, key []string, rows [][]any) (inserted, updated int64, err error)
}

// bulkUpsert checks and converts every row, keeps the last row of each
// key, and hands them to the dialect's BulkUpsert.
func (w *writer) bulkUpsert(ctx context.Context, bw BulkWriter, conn *sql.Conn, tx *sql.Tx, rows []bs.Row) (bs.WriteResult, error) {
	var res bs.WriteResult
	out, err := w.lastPerKey(rows, false)
	if err != nil {
		return res, err
	}
	inserted, updated, err := bw.BulkUpsert(ctx, conn, tx, bs.ParseTableName(w.def.Name), w.cols, w.def.PrimaryKey, out)
	if err != nil {
		return res, fmt.Errorf("write %s: bulk upsert: %w", w.def.Name, err)
	}
	res.Inserted, res.Updated = inserted, updated
	return res, nil
}

// KeyLister is an optional Dialect method for composite keys, for databases
// where "(a, b) IN (VALUES (…), …)" does not work (PostgreSQL types VALUES
// parameters as text; MySQL 8 wants VALUES ROW(…)).
type KeyLister interface {
	// KeyListSQL returns the condition selecting the rows whose quoted
	// key columns equal one of n keys; placeholders number from 1, key
	// by key.
	KeyListSQL(qkey []string, n int) string
}

// keyList returns the condition "key IN (…)" for n keys.
func (w *writer) keyList(n int) string {
	var b strings.Builder
	b.WriteString(w.keyIn)
	if len(w.qkey) == 1 {
		b.WriteString(" IN (" + w.x.placeholders(1, n) + ")")
		return b.String()
	}
	if kl, ok := w.x.d.(KeyLister); ok {
		return kl.KeyListSQL(w.qkey, n)
	}
	b.WriteString(" IN (VALUES ")
	k := len(w.qkey)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + w.x.placeholders(1+i*k, k) + ")")
	}
	b.WriteString(")")
	return b.String()
}

// keysOf returns the key values of rows, row by row, as count takes them.
func (w *writer) keysOf(rows [][]any) []any {
	keys := make([]any, 0, len(rows)*len(w.keyPos))
	for _, r := range rows {
		for _, kp := range w.keyPos {
			keys = append(keys, r[kp])
		}
	}
	return keys
}

// count returns how many of the keys (flattened) exist.
func (w *writer) count(ctx context.Context, tx *sql.Tx, keys []any) (int64, error) {
	var total int64
	k := len(w.qkey)
	per := max(1, w.x.d.MaxParams()/k)
	for start := 0; start < len(keys); start += per * k {
		part := keys[start:min(start+per*k, len(keys))]
		var n int64
		q := "SELECT COUNT(*) FROM " + w.ref + " WHERE " + w.keyList(len(part)/k)
		st, err := w.x.stmt(ctx, tx, q)
		if err != nil {
			return 0, fmt.Errorf("write %s: count existing keys: prepare: %w", w.def.Name, err)
		}
		if err := st.QueryRowContext(ctx, part...).Scan(&n); err != nil {
			return 0, fmt.Errorf("write %s: count existing keys: %w", w.def.Name, err)
		}
		total += n
	}
	return total, nil
}

func (w *writer) delete(ctx context.Context, tx *sql.Tx, keys [][]any) (int64, error) {
	k := len(w.qkey)
	per := max(1, min(maxRowsPerStatement, w.x.d.MaxParams()/k))
	var deleted int64
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		args := make([]any, 0, len(chunk)*k)
		for _, key := range chunk {
			if len(key) != k {
				return 0, bs.Errorf(bs.EINVALID, "table %s: delete key has %d values for a %d-column key", w.def.Name, len(key), k)
			}
			for i, v := range key {
				c := w.def.Columns[w.defKey(i)]
				if v == nil {
					return 0, bs.Errorf(bs.EINVALID, "table %s: delete key column %s is NULL", w.def.Name, c.Name)
				}
				v, err := destutil.Literal(c, v)
				if err != nil {
					return 0, err
				}
				args = append(args, w.x.d.Encode(c.Type, v))
			}
		}
		r, err := tx.ExecContext(ctx, "DELETE FROM "+w.ref+" WHERE "+w.keyList(len(chunk)), args...)
		if err != nil {
			return 0, fmt.Errorf("write %s: delete: %w", w.def.Name, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("write %s: delete: %w", w.def.Name, err)
		}
		deleted += n
	}
	return deleted, nil
}

// defKey returns the index in def.Columns of the i-th key column.
func (w *writer) defKey(i int) int {
	_, j := w.def.Column(w.def.PrimaryKey[i])
	return j
}

func (x *DB) putCheckpoint(ctx context.Context, tx *sql.Tx, c *bs.Checkpoint) error {
	if c == nil {
		return nil
	}
	cols := []string{x.q("scope"), x.q("key"), x.q("value"), x.q("updated")}
	q := x.d.UpsertSQL(x.d.TableRef(bs.TableName{Name: checkpointsName}), cols, cols[:2], 1)
	now := x.d.Encode(bs.TypeTimestamp, time.Now().UTC().Truncate(time.Second))
	if _, err := tx.ExecContext(ctx, q, c.Scope, c.Key, c.Value, now); err != nil {
		return fmt.Errorf("write checkpoint %s/%s: %w", c.Scope, c.Key, err)
	}
	return nil
}

// Checkpoint implements backlogsync.Destination.
func (x *DB) Checkpoint(ctx context.Context, scope, key string) (string, bool, error) {
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s AND %s = %s", x.q("value"), x.d.TableRef(bs.TableName{Name: checkpointsName}),
		x.q("scope"), x.d.Placeholder(1), x.q("key"), x.d.Placeholder(2))
	var v string
	switch err := x.db.QueryRowContext(ctx, q, scope, key).Scan(&v); err {
	case nil:
		return v, true, nil
	case sql.ErrNoRows:
		return "", false, nil
	default:
		return "", false, fmt.Errorf("read checkpoint %s/%s: %w", scope, key, err)
	}
}

// Checkpoints implements backlogsync.Destination.
func (x *DB) Checkpoints(ctx context.Context, scope string) ([]bs.Checkpoint, error) {
	q := fmt.Sprintf("SELECT %s, %s, %s FROM %s", x.q("scope"), x.q("key"), x.q("value"), x.d.TableRef(bs.TableName{Name: checkpointsName}))
	var args []any
	if scope != "" {
		q += fmt.Sprintf(" WHERE %s = %s", x.q("scope"), x.d.Placeholder(1))
		args = append(args, scope)
	}
	q += fmt.Sprintf(" ORDER BY %s, %s", x.d.OrderTerm(x.q("scope"), false), x.d.OrderTerm(x.q("key"), false))
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	defer rows.Close()
	var out []bs.Checkpoint
	for rows.Next() {
		var c bs.Checkpoint
		if err := rows.Scan(&c.Scope, &c.Key, &c.Value); err != nil {
			return nil, fmt.Errorf("list checkpoints: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	return out, nil
}

// ResetCheckpoints implements backlogsync.Destination.
func (x *DB) ResetCheckpoints(ctx context.Context, scope string) error {
	q := "DELETE FROM " + x.d.TableRef(bs.TableName{Name: checkpointsName})
	var args []any
	if scope != "" {
		q += fmt.Sprintf(" WHERE %s = %s", x.q("scope"), x.d.Placeholder(1))
		args = append(args, scope)
	}
	if _, err := x.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("reset checkpoints %s: %w", strconv.Quote(scope), err)
	}
	return nil
}

// RowList returns "(a, b) IN ((p1, p2), (p3, p4), …)" for n keys of the
// quoted columns qkey, which PostgreSQL, MySQL and MariaDB all accept.
func RowList(d Dialect, qkey []string, n int) string {
	var b strings.Builder
	b.WriteString("(" + strings.Join(qkey, ", ") + ") IN (")
	p := 0
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range qkey {
			if j > 0 {
				b.WriteString(", ")
			}
			p++
			b.WriteString(d.Placeholder(p))
		}
		b.WriteByte(')')
	}
	b.WriteString(")")
	return b.String()
}

// stmtRows is the number of rows of the next upsert statement: per when
// that many remain, else the largest of 100, 25, 5 and 1 that fits.
func stmtRows(per, remaining int) int {
	if remaining >= per {
		return per
	}
	for _, n := range []int{100, 25, 5} {
		if n < per && remaining >= n {
			return n
		}
	}
	return 1
}
