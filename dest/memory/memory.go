// Package memory is the reference Destination: tables, checkpoints and runs
// held in Go maps. It passes the conformance suite in dest/desttest and is
// meant for tests and for checking what the SQL destinations should do.
package memory

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/internal/destutil"
)

// DB is an in-memory Destination. The zero value is not usable; call New.
type DB struct {
	mu          sync.RWMutex
	closed      bool
	tables      map[string]*table // by name as created
	checkpoints map[[2]string]string
	runs        []bs.Run // index = id-1
	leases      map[string]*lease
}

type table struct {
	def  *bs.Table // Name, Columns (as stored), PrimaryKey, CursorColumn
	key  []int     // indexes of the key columns
	rows map[string]bs.Row
}

var _ bs.Destination = (*DB)(nil)

// New returns an empty destination.
func New() *DB {
	return &DB{tables: map[string]*table{}, checkpoints: map[[2]string]string{}}
}

func (db *DB) check(ctx context.Context) error {
	if db.closed {
		return bs.Errorf(bs.EINVALID, "destination is closed")
	}
	return ctx.Err()
}

func (db *DB) table(name string) (*table, error) {
	t, ok := db.tables[name]
	if !ok {
		return nil, bs.Errorf(bs.ENOTFOUND, "table %s does not exist", name)
	}
	return t, nil
}

// Migrate implements backlogsync.Destination.
func (db *DB) Migrate(ctx context.Context, want *bs.Table) error {
	if err := bs.ValidateTable(want); err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.check(ctx); err != nil {
		return err
	}
	t, ok := db.tables[want.Name]
	if !ok {
		def := &bs.Table{Name: want.Name, PrimaryKey: slices.Clone(want.PrimaryKey), CursorColumn: want.CursorColumn}
		for _, c := range want.Columns {
			// Like the SQL destinations, only key columns are NOT NULL.
			def.Columns = append(def.Columns, bs.Column{Name: c.Name, Type: c.Type, Nullable: !inKey(want, c.Name)})
		}
		db.tables[want.Name] = newTable(def, nil)
		return nil
	}
	add, widen, err := destutil.PlanMigration(t.def, want, func(a, b bs.Type) bool { return false })
	if err != nil {
		return err
	}
	if len(add) == 0 && len(widen) == 0 {
		return nil
	}
	def := &bs.Table{Name: t.def.Name, PrimaryKey: t.def.PrimaryKey, CursorColumn: t.def.CursorColumn,
		Columns: slices.Clone(t.def.Columns)}
	for i, ty := range widen {
		def.Columns[i].Type = ty
	}
	for _, c := range add {
		def.Columns = append(def.Columns, bs.Column{Name: c.Name, Type: c.Type, Nullable: true})
	}
	rows := make(map[string]bs.Row, len(t.rows))
	for k, r := range t.rows {
		nr := make(bs.Row, len(def.Columns))
		for i, v := range r {
			nr[i] = bs.Widen(v, t.def.Columns[i].Type, def.Columns[i].Type)
		}
		rows[k] = nr
	}
	db.tables[want.Name] = newTable(def, rows)
	return nil
}

func inKey(t *bs.Table, col string) bool {
	for _, k := range t.PrimaryKey {
		if strings.EqualFold(k, col) {
			return true
		}
	}
	return false
}

func newTable(def *bs.Table, rows map[string]bs.Row) *table {
	t := &table{def: def, rows: rows}
	if t.rows == nil {
		t.rows = map[string]bs.Row{}
	}
	for _, k := range def.PrimaryKey {
		_, i := def.Column(k)
		t.key = append(t.key, i)
	}
	return t
}

// keyString encodes key values so that equal keys give equal strings.
func keyString(vals []any) string {
	var b strings.Builder
	for _, v := range vals {
		switch x := v.(type) {
		case int64:
			b.WriteString("i" + strconv.FormatInt(x, 10))
		case float64:
			b.WriteString("f" + strconv.FormatFloat(x, 'g', -1, 64))
		case bool:
			b.WriteString("b" + strconv.FormatBool(x))
		case string:
			b.WriteString("s" + strconv.Quote(x))
		case time.Time:
			b.WriteString("t" + strconv.FormatInt(x.Unix(), 10))
		}
		b.WriteByte(0)
	}
	return b.String()
}

// Write implements backlogsync.Destination.
func (db *DB) Write(ctx context.Context, b bs.Batch) (bs.WriteResult, error) {
	res, err := db.WriteAll(ctx, []bs.Batch{b})
	if err != nil {
		return bs.WriteResult{}, err
	}
	return res[0], nil
}

// WriteAll implements backlogsync.MultiWriter: each batch is applied in
// turn, and on an error the ones applied are undone.
func (db *DB) WriteAll(ctx context.Context, batches []bs.Batch) ([]bs.WriteResult, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.check(ctx); err != nil {
		return nil, err
	}
	var undo []func()
	out := make([]bs.WriteResult, len(batches))
	for i, b := range batches {
		res, u, err := db.write(ctx, b)
		if err != nil {
			for j := len(undo) - 1; j >= 0; j-- {
				undo[j]()
			}
			return nil, err
		}
		out[i] = res
		undo = append(undo, u)
	}
	return out, nil
}

// write applies b and returns a function that undoes it; on an error
// nothing is applied.
func (db *DB) write(ctx context.Context, b bs.Batch) (bs.WriteResult, func(), error) {
	var res bs.WriteResult
	if b.Table == nil {
		if len(b.Upserts) > 0 || len(b.Deletes) > 0 {
			return res, nil, bs.Errorf(bs.EINVALID, "batch has rows but no table")
		}
		return res, db.putCheckpoint(b.Checkpoint), nil
	}
	t, err := db.table(b.Table.Name)
	if err != nil {
		return res, nil, err
	}
	// Map the batch's columns onto the stored ones.
	cols := make([]int, len(b.Table.Columns))
	for i, c := range b.Table.Columns {
		dc, j := t.def.Column(c.Name)
		if j < 0 {
			return res, nil, bs.Errorf(bs.EINVALID, "table %s has no column %s; migrate the table first", t.def.Name, c.Name)
		}
		if dc.Type != c.Type && !bs.CanWiden(c.Type, dc.Type) {
			return res, nil, bs.Errorf(bs.EINVALID, "table %s: column %s is %s; a batch cannot write %s into it", t.def.Name, c.Name, dc.Type, c.Type)
		}
		cols[i] = j
	}
	keyPos := make([]int, 0, len(t.key)) // the key columns' positions in a batch row
	for _, k := range t.key {
		if !slices.Contains(cols, k) {
			return res, nil, bs.Errorf(bs.EINVALID, "batch for table %s lacks key column %s", t.def.Name, t.def.Columns[k].Name)
		}
		keyPos = append(keyPos, slices.Index(cols, k))
	}
	staged := map[string]bs.Row{} // nil value: deleted
	existed := func(k string) bool {
		if r, ok := staged[k]; ok {
			return r != nil
		}
		_, ok := t.rows[k]
		return ok
	}
	seen := map[string]bool{}
	var order []string // keys in the order first seen
	for _, r := range b.Upserts {
		if err := ctx.Err(); err != nil {
			return bs.WriteResult{}, nil, err
		}
		if len(r) != len(cols) {
			return bs.WriteResult{}, nil, bs.Errorf(bs.EINVALID, "table %s: row has %d values for %d columns", t.def.Name, len(r), len(cols))
		}
		nr := make(bs.Row, len(t.def.Columns))
		for i, v := range r {
			v, altered, err := destutil.Cell(t.def.Name, b.Table.Columns[i], v, r, keyPos)
			if err != nil {
				return bs.WriteResult{}, nil, err
			}
			if altered {
				res.Altered++
			}
			nr[cols[i]] = bs.Widen(v, b.Table.Columns[i].Type, t.def.Columns[cols[i]].Type)
		}
		kv := make([]any, len(t.key))
		for i, k := range t.key {
			if nr[k] == nil {
				return bs.WriteResult{}, nil, bs.Errorf(bs.EINVALID, "table %s: key column %s is NULL", t.def.Name, t.def.Columns[k].Name)
			}
			kv[i] = nr[k]
		}
		ks := keyString(kv)
		// Columns absent from the batch keep the existing row's values.
		if len(cols) < len(nr) {
			old, ok := staged[ks]
			if !ok {
				old = t.rows[ks]
			}
			if old != nil {
				for i := range nr {
					if !slices.Contains(cols, i) {
						nr[i] = old[i]
					}
				}
			}
		}
		if !seen[ks] {
			seen[ks] = true
			order = append(order, ks)
		}
		staged[ks] = nr
	}
	// A key counts once, by its last row: inserted when it was absent,
	// updated when a value differs from the stored row's.
	for _, ks := range order {
		switch stored, ok := t.rows[ks]; {
		case !ok:
			res.Inserted++
		case !sameRow(stored, staged[ks]):
			res.Updated++
		}
	}
	for _, d := range b.Deletes {
		if len(d) != len(t.key) {
			return bs.WriteResult{}, nil, bs.Errorf(bs.EINVALID, "table %s: delete key has %d values for a %d-column key", t.def.Name, len(d), len(t.key))
		}
		kv := make([]any, len(d))
		for i, v := range d {
			c := t.def.Columns[t.key[i]]
			if v == nil {
				return bs.WriteResult{}, nil, bs.Errorf(bs.EINVALID, "table %s: delete key column %s is NULL", t.def.Name, c.Name)
			}
			v, err := destutil.Literal(c, v)
			if err != nil {
				return bs.WriteResult{}, nil, err
			}
			kv[i] = v
		}
		ks := keyString(kv)
		if existed(ks) {
			res.Deleted++
		}
		staged[ks] = nil
	}
	old := make(map[string]bs.Row, len(staged)) // nil: absent
	for k, r := range staged {
		old[k] = t.rows[k]
		if r == nil {
			delete(t.rows, k)
		} else {
			t.rows[k] = r
		}
	}
	undoCP := db.putCheckpoint(b.Checkpoint)
	return res, func() {
		undoCP()
		for k, r := range old {
			if r == nil {
				delete(t.rows, k)
			} else {
				t.rows[k] = r
			}
		}
	}, nil
}

// putCheckpoint stores c, if any, and returns a function that restores
// the previous value.
func (db *DB) putCheckpoint(c *bs.Checkpoint) (undo func()) {
	if c == nil {
		return func() {}
	}
	k := [2]string{c.Scope, c.Key}
	old, had := db.checkpoints[k]
	db.checkpoints[k] = c.Value
	return func() {
		if had {
			db.checkpoints[k] = old
		} else {
			delete(db.checkpoints, k)
		}
	}
}

// Checkpoint implements backlogsync.Destination.
func (db *DB) Checkpoint(ctx context.Context, scope, key string) (string, bool, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if err := db.check(ctx); err != nil {
		return "", false, err
	}
	v, ok := db.checkpoints[[2]string{scope, key}]
	return v, ok, nil
}

// Checkpoints implements backlogsync.Destination.
func (db *DB) Checkpoints(ctx context.Context, scope string) ([]bs.Checkpoint, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if err := db.check(ctx); err != nil {
		return nil, err
	}
	var out []bs.Checkpoint
	for k, v := range db.checkpoints {
		if scope == "" || k[0] == scope {
			out = append(out, bs.Checkpoint{Scope: k[0], Key: k[1], Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope < out[j].Scope
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// ResetCheckpoints implements backlogsync.Destination.
func (db *DB) ResetCheckpoints(ctx context.Context, scope string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.check(ctx); err != nil {
		return err
	}
	for k := range db.checkpoints {
		if scope == "" || k[0] == scope {
			delete(db.checkpoints, k)
		}
	}
	return nil
}

// Truncate implements backlogsync.Destination.
func (db *DB) Truncate(ctx context.Context, name string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.check(ctx); err != nil {
		return err
	}
	t, err := db.table(name)
	if err != nil {
		return err
	}
	t.rows = map[string]bs.Row{}
	return nil
}

// Drop implements backlogsync.Destination.
func (db *DB) Drop(ctx context.Context, name string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.check(ctx); err != nil {
		return err
	}
	if _, err := db.table(name); err != nil {
		return err
	}
	delete(db.tables, name)
	return nil
}

// Tables implements backlogsync.Destination.
func (db *DB) Tables(ctx context.Context) ([]*bs.Table, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if err := db.check(ctx); err != nil {
		return nil, err
	}
	out := make([]*bs.Table, 0, len(db.tables))
	for _, t := range db.tables {
		out = append(out, &bs.Table{Name: t.def.Name, Columns: slices.Clone(t.def.Columns), PrimaryKey: slices.Clone(t.def.PrimaryKey)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Query implements backlogsync.Destination.
func (db *DB) Query(ctx context.Context, name string, q bs.Query, fn func(bs.Row) error) error {
	rows, err := db.query(ctx, name, q)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// query selects, sorts, pages and projects under the read lock, so that fn
// runs without it (and may call the destination).
func (db *DB) query(ctx context.Context, name string, q bs.Query) ([]bs.Row, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if err := db.check(ctx); err != nil {
		return nil, err
	}
	t, err := db.table(name)
	if err != nil {
		return nil, err
	}
	proj, err := destutil.Columns(t.def, q.Columns)
	if err != nil {
		return nil, err
	}
	qf, err := destutil.QueryFilter(t.def, q)
	if err != nil {
		return nil, err
	}
	f, err := destutil.Resolve(t.def, qf)
	if err != nil {
		return nil, err
	}
	type key struct {
		col  int
		desc bool
	}
	var order []key
	for _, o := range q.OrderBy {
		_, i := t.def.Column(o.Column)
		if i < 0 {
			return nil, bs.Errorf(bs.EINVALID, "table %s has no column %q", t.def.Name, o.Column)
		}
		order = append(order, key{i, o.Desc})
	}
	for _, i := range t.key {
		order = append(order, key{i, false})
	}
	if q.Limit < 0 || q.Offset < 0 {
		return nil, bs.Errorf(bs.EINVALID, "negative limit or offset")
	}
	var sel []bs.Row
	for _, r := range t.rows {
		if eval(f, r) == yes {
			sel = append(sel, r)
		}
	}
	sort.Slice(sel, func(i, j int) bool {
		for _, k := range order {
			c := destutil.CompareNullsFirst(sel[i][k.col], sel[j][k.col])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	sel = sel[min(q.Offset, len(sel)):]
	if q.Limit > 0 && len(sel) > q.Limit {
		sel = sel[:q.Limit]
	}
	out := make([]bs.Row, len(sel))
	for i, r := range sel {
		pr := make(bs.Row, len(proj))
		for j, c := range proj {
			pr[j] = r[c]
		}
		out[i] = pr
	}
	return out, nil
}

// tri is a value of SQL's three-valued logic.
type tri int

const (
	no tri = iota
	unknown
	yes
)

func truth(b bool) tri {
	if b {
		return yes
	}
	return no
}

func eval(e destutil.Resolved, r bs.Row) tri {
	switch e.Kind {
	case destutil.KIsNull:
		return truth(r[e.Col] == nil)
	case destutil.KCmp:
		v := r[e.Col]
		if v == nil {
			return unknown
		}
		switch e.Op {
		case bs.OpContains:
			return truth(strings.Contains(v.(string), e.Value.(string)))
		case bs.OpStartsWith:
			return truth(strings.HasPrefix(v.(string), e.Value.(string)))
		case bs.OpEndsWith:
			return truth(strings.HasSuffix(v.(string), e.Value.(string)))
		}
		return cmpTruth(e.Op, destutil.Compare(v, e.Value))
	case destutil.KIn:
		v := r[e.Col]
		if len(e.Values) == 0 {
			return no
		}
		if v == nil {
			return unknown
		}
		for _, x := range e.Values {
			if destutil.Compare(v, x) == 0 {
				return yes
			}
		}
		return no
	case destutil.KCompare:
		l, rv := destutil.EvalTerm(e.Args[0], r), destutil.EvalTerm(e.Args[1], r)
		if l == nil || rv == nil {
			return unknown
		}
		switch e.Op {
		case bs.OpContains:
			return truth(strings.Contains(l.(string), rv.(string)))
		case bs.OpStartsWith:
			return truth(strings.HasPrefix(l.(string), rv.(string)))
		case bs.OpEndsWith:
			return truth(strings.HasSuffix(l.(string), rv.(string)))
		}
		return cmpTruth(e.Op, destutil.CompareTerms(l, rv))
	case destutil.KInTerms:
		if len(e.Values) == 0 {
			return no
		}
		v := destutil.EvalTerm(e.Args[0], r)
		if v == nil {
			return unknown
		}
		for _, x := range e.Values {
			if destutil.CompareTerms(v, x) == 0 {
				return yes
			}
		}
		return no
	case destutil.KIsNullTerm:
		return truth(destutil.EvalTerm(e.Args[0], r) == nil)
	case destutil.KAnd:
		res := yes
		for _, t := range e.Terms {
			res = min(res, eval(t, r))
		}
		return res
	case destutil.KOr:
		res := no
		for _, t := range e.Terms {
			res = max(res, eval(t, r))
		}
		return res
	case destutil.KNot:
		return yes - eval(e.Terms[0], r)
	}
	return no
}

func cmpTruth(op bs.Op, c int) tri {
	switch op {
	case bs.OpEq:
		return truth(c == 0)
	case bs.OpNe:
		return truth(c != 0)
	case bs.OpLt:
		return truth(c < 0)
	case bs.OpLe:
		return truth(c <= 0)
	case bs.OpGt:
		return truth(c > 0)
	case bs.OpGe:
		return truth(c >= 0)
	}
	return no
}

// Count implements backlogsync.Destination.
func (db *DB) Count(ctx context.Context, name string, filter bs.Expr) (int64, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if err := db.check(ctx); err != nil {
		return 0, err
	}
	t, err := db.table(name)
	if err != nil {
		return 0, err
	}
	f, err := destutil.Resolve(t.def, filter)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, r := range t.rows {
		if eval(f, r) == yes {
			n++
		}
	}
	return n, nil
}

// StartRun implements backlogsync.Destination.
func (db *DB) StartRun(ctx context.Context, r bs.Run) (int64, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.check(ctx); err != nil {
		return 0, err
	}
	id := int64(len(db.runs) + 1)
	db.runs = append(db.runs, bs.Run{ID: id, Job: r.Job, Account: r.Account,
		Started: r.Started.UTC().Truncate(time.Second), Status: bs.RunRunning})
	return id, nil
}

// FinishRun implements backlogsync.Destination.
func (db *DB) FinishRun(ctx context.Context, r bs.Run) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := db.check(ctx); err != nil {
		return err
	}
	if r.ID < 1 || r.ID > int64(len(db.runs)) {
		return bs.Errorf(bs.ENOTFOUND, "run %d does not exist", r.ID)
	}
	old := &db.runs[r.ID-1]
	r.Job, r.Account, r.Started = old.Job, old.Account, old.Started
	if !r.Finished.IsZero() {
		r.Finished = r.Finished.UTC().Truncate(time.Second)
	}
	r.WaitTime = r.WaitTime.Truncate(time.Millisecond)
	r.Tables = slices.Clone(r.Tables)
	r.Warnings = slices.Clone(r.Warnings)
	sort.Slice(r.Tables, func(i, j int) bool { return r.Tables[i].Table < r.Tables[j].Table })
	*old = r
	return nil
}

// Runs implements backlogsync.Destination.
func (db *DB) Runs(ctx context.Context, job string, limit int) ([]bs.Run, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if err := db.check(ctx); err != nil {
		return nil, err
	}
	var out []bs.Run
	for i := len(db.runs) - 1; i >= 0; i-- {
		if job != "" && db.runs[i].Job != job {
			continue
		}
		r := db.runs[i]
		r.Tables = slices.Clone(r.Tables)
		r.Warnings = slices.Clone(r.Warnings)
		out = append(out, r)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// Run implements backlogsync.Destination.
func (db *DB) Run(ctx context.Context, id int64) (bs.Run, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if err := db.check(ctx); err != nil {
		return bs.Run{}, err
	}
	for _, r := range db.runs {
		if r.ID == id {
			r.Tables = slices.Clone(r.Tables)
			r.Warnings = slices.Clone(r.Warnings)
			return r, nil
		}
	}
	return bs.Run{}, bs.Errorf(bs.ENOTFOUND, "no run %d in the runs table", id)
}

// Close implements backlogsync.Destination.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.closed = true
	return nil
}

// sameRow reports whether two rows of a table hold the same values.
func sameRow(a, b bs.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if destutil.CompareNullsFirst(a[i], b[i]) != 0 {
			return false
		}
	}
	return true
}
