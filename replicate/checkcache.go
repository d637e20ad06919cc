package replicate

// CHECKCACHE: compare a replicated table with its source and, WITH REPAIR,
// fix the differences.
//
// Semantics (CData Sync's statement, peers.md §1.2, made precise):
//
//   - The destination table is CHECKCACHE's table name as written
//     (schema and any prefix included: CHECKCACHE PROD.X_Issues AGAINST
//     Issues). The source is AGAINST's table or query, by default the
//     catalog table of the same name. Only this account's destination rows
//     (Account = Engine.Account) are read, repaired or deleted.
//   - Rows are matched by the destination table's primary key and compared
//     on the columns both sides have, each value converted to the wider of
//     its source and stored types (JSON stored as TEXT, a forced DOUBLE, …);
//     timestamps compare at second precision in UTC.
//   - Missing: in the source, not in the destination. Extra: in the
//     destination, not in the source. Different: in both with a different
//     value. SKIP MODIFIED checks Extra only (deletions); SKIP DELETED
//     checks Missing and Different only.
//   - START and END bound the check to rows whose Created is in
//     [START, END) — Created because it never changes, so both sides agree
//     on which rows are in the window (an Updated window would make a row
//     updated after END look deleted). Tables without Created refuse
//     START/END. WHERE narrows the rows checked on both sides (it names the
//     source's columns; they must be in the destination too).
//   - An AGAINST (SELECT … WHERE …) defines what the destination should
//     hold: destination rows its WHERE excludes are Extra.
//   - WITH REPAIR upserts the Missing and Different rows and deletes the
//     Extra ones, in batches of DefaultBatchSize through Destination.Write.
//
// Memory: the destination side is read first into an index of compact key
// → 64-bit hash of the compared values (about 60–80 bytes per row, whatever
// the width of the rows). Source rows are then streamed from the API and
// never held: each is hashed, compared and, when repairing, written at
// once. Extra rows are found by a second, local read of the destination.
// Missing keys are remembered (the API may repeat a row while paging), so
// a destination that is empty costs the same per source row.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

// CacheSampleKeys is the number of keys CacheReport lists for each kind of
// difference.
const CacheSampleKeys = 10

// CacheReport is what a CHECKCACHE found and, WITH REPAIR, fixed.
type CacheReport struct {
	// Table is the destination table checked; Source the catalog table.
	Table, Source string
	// Checked counts the distinct keys examined (source and destination).
	Checked int64
	// Missing, Extra and Different count the rows in the source only, in
	// the destination only, and in both with different values.
	Missing, Extra, Different int64
	// Repaired counts the rows written or deleted WITH REPAIR.
	Repaired int64
	// Inserted, Updated and Deleted are what the repair's writes did.
	Inserted, Updated, Deleted int64
	// MissingKeys, ExtraKeys and DifferentKeys are the first
	// CacheSampleKeys keys of each kind, as "Account=demo, Id=12".
	MissingKeys, ExtraKeys, DifferentKeys []string
}

// Clean reports whether the check found no difference.
func (r CacheReport) Clean() bool { return r.Missing == 0 && r.Extra == 0 && r.Different == 0 }

// RunTable returns the report as a row of the runs table.
func (r CacheReport) RunTable() backlogsync.RunTable {
	return backlogsync.RunTable{Table: r.Table, Inserted: r.Inserted, Updated: r.Updated, Deleted: r.Deleted}
}

// String summarises the report in one line.
func (r CacheReport) String() string {
	s := fmt.Sprintf("CHECKCACHE %s against %s: %d checked, %d missing, %d extra, %d different", r.Table, r.Source,
		r.Checked, r.Missing, r.Extra, r.Different)
	if r.Repaired > 0 {
		s += fmt.Sprintf(", %d repaired", r.Repaired)
	}
	return s
}

// checkPlan is a CHECKCACHE compiled against the destination's table.
type checkPlan struct {
	stmt *jobsql.CheckCache
	src  *compiled
	dest *backlogsync.Table
	// pairs are the compared columns: index in the projected source row,
	// in the destination row, and the type both are converted to.
	pairs []cmpPair
	// key are indexes into pairs of the destination's key columns.
	key []int
	// srcQuery narrows the Fetch; srcMatch filters catalog rows (nil: all).
	srcQuery []catalog.Predicate
	srcMatch func(backlogsync.Row) bool
	// destFilter narrows the destination Query; destMatch filters its rows.
	destFilter backlogsync.Expr
	destMatch  func(backlogsync.Row) bool
	// repair is the batch table of repairs (the compared columns).
	repair *backlogsync.Table
}

type cmpPair struct {
	src, dest          int
	srcType, destType  backlogsync.Type
	target             backlogsync.Type
	destName, srcName  string
	srcConv, destConv  bool
	destColumnNullable bool
}

// checkCache runs one CHECKCACHE statement for this engine's account.
// Errors in the statement are EINVALID and start with line:col.
func (e *Engine) checkCache(ctx context.Context, c *jobsql.CheckCache) (CacheReport, error) {
	name := backlogsync.TableName{Schema: c.Table.Schema, Name: c.Table.Name}.String()
	rep := CacheReport{Table: name}
	if e.Client == nil || e.Dest == nil {
		return rep, backlogsync.Errorf(backlogsync.EINVALID, "replicate: engine needs a Client and a Dest")
	}
	dest, err := findTable(ctx, e.Dest, name)
	if err != nil {
		return rep, fmt.Errorf("%s: CHECKCACHE %s: reading the destination's tables: %w", c.Pos, name, err)
	}
	if dest == nil {
		return rep, posErr(c.Table.Pos, "table %s does not exist in the destination: replicate it first (REPLICATE %s) or check the name", name, c.Table)
	}
	p, err := planCheck(c, dest, e.account(), e.now())
	if err != nil {
		return rep, err
	}
	rep.Table, rep.Source = dest.Name, p.src.Source.Name
	return rep, p.run(ctx, e, &rep)
}

// sourceOf compiles c's source (AGAINST's table or query, by default the
// catalog table named like c's table) as a REPLICATE into c's table.
func sourceOf(c *jobsql.CheckCache) (*compiled, error) {
	if c.AgainstSelect == nil && c.Against.Schema == "" && strings.EqualFold(c.Against.Name, c.Table.Name) {
		if _, ok := catalog.Lookup(c.Against.Name); !ok {
			msg, example := fmt.Sprintf("%s is not a catalog table", c.Against.Name), "Issues"
			if s := catalog.Suggest(c.Against.Name); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
				example = s
			}
			return nil, posErr(c.Table.Pos, "%s: name the source with AGAINST, e.g. CHECKCACHE %s AGAINST %s", msg, c.Table, example)
		}
	}
	return compile(&jobsql.Replicate{Pos: c.Pos, Dest: c.Table, Settings: jobsql.DefaultSettings(), Select: c.AgainstSelect, Source: c.Against})
}

// checkCacheStatic validates c without I/O, as if its table were the one a
// REPLICATE of its source creates: the source, AGAINST's SELECT, WHERE and
// START/END. For Engine.Check and resolve; checkCache also checks against
// the destination's actual table.
func checkCacheStatic(c *jobsql.CheckCache, now time.Time) error {
	cc, err := sourceOf(c)
	if err != nil {
		return err
	}
	_, err = planCheck(c, cc.Table, "", now)
	return err
}

// planCheck compiles c against the destination table dest (as the
// destination reports it). It does no I/O.
func planCheck(c *jobsql.CheckCache, dest *backlogsync.Table, account string, now time.Time) (*checkPlan, error) {
	cc, err := sourceOf(c)
	if err != nil {
		return nil, err
	}
	for _, k := range dest.PrimaryKey {
		if strings.EqualFold(k, SnapshotColumn) {
			return nil, posErr(c.Table.Pos, "table %s holds snapshots (UpdateMode=Append: its key includes %s), not a replica: CHECKCACHE does not apply to it; check the Merge table of the same source instead",
				dest.Name, SnapshotColumn)
		}
	}
	p := &checkPlan{stmt: c, src: cc, dest: dest}
	fix := "re-replicate the table, or CHECKCACHE it AGAINST (SELECT …) naming its columns"
	// Compared columns: those of the source projection the destination has.
	for i, sc := range cc.Table.Columns {
		dc, j := dest.Column(sc.Name)
		if j < 0 {
			continue
		}
		pr := cmpPair{src: i, dest: j, srcType: sc.Type, destType: dc.Type, target: sc.Type, destName: dc.Name, srcName: sc.Name,
			destColumnNullable: dc.Nullable}
		switch {
		case sc.Type == dc.Type, sc.Type == backlogsync.TypeJSON && dc.Type == backlogsync.TypeText,
			sc.Type == backlogsync.TypeText && dc.Type == backlogsync.TypeJSON:
		case backlogsync.CanWiden(sc.Type, dc.Type):
			pr.target, pr.srcConv = dc.Type, true
		case backlogsync.CanWiden(dc.Type, sc.Type):
			pr.destConv = true
		default:
			return nil, posErr(c.Pos, "column %s is %s in %s and %s in the source: the values cannot be compared; %s", dc.Name, dc.Type, dest.Name, sc.Type, fix)
		}
		p.pairs = append(p.pairs, pr)
	}
	for _, k := range dest.PrimaryKey {
		at := -1
		for n, pr := range p.pairs {
			if strings.EqualFold(pr.destName, k) {
				at = n
			}
		}
		if at < 0 {
			return nil, posErr(c.Pos, "key column %s of %s is not in the source rows (%s): %s", k, dest.Name, cc.Source.Name, fix)
		}
		p.key = append(p.key, at)
	}
	acct, ai := dest.Column(cc.AccountColumn)
	if ai < 0 {
		return nil, posErr(c.Pos, "table %s has no %s column, so this account's rows cannot be told from others': %s", dest.Name, cc.AccountColumn, fix)
	}
	if c.Repair && !containsFold(dest.PrimaryKey, acct.Name) {
		return nil, posErr(c.Pos, "the primary key (%s) of %s does not include %s: WITH REPAIR could overwrite another account's rows; recreate the table with REPLICATE (the key then includes %s) or drop WITH REPAIR",
			strings.Join(dest.PrimaryKey, ", "), dest.Name, acct.Name, acct.Name)
	}
	destFilter := backlogsync.And{backlogsync.Cmp{Column: acct.Name, Op: backlogsync.OpEq, Value: account}}
	p.srcQuery = append(p.srcQuery, cc.Pushdown...)
	srcPreds := []pred{}
	if cc.Match != nil {
		m := cc.Match
		srcPreds = append(srcPreds, func(r backlogsync.Row) tri { return triOf(m(r)) })
	}
	// START / END on Created.
	if c.Start != nil || c.End != nil {
		pos := c.Pos
		if c.Start != nil {
			pos = c.Start.Position()
		} else {
			pos = c.End.Position()
		}
		col, ci := cc.Source.Column("Created")
		if ci < 0 || (col.Type != backlogsync.TypeTimestamp && col.Type != backlogsync.TypeDate) {
			return nil, posErr(pos, "START and END bound the Created column and table %s has none: remove them (tables with a Created column: %s)",
				cc.Source.Name, strings.Join(tablesWith("Created", backlogsync.TypeTimestamp), ", "))
		}
		dn := cc.destNameIn(cc.Table, "Created")
		dcol, di := dest.Column(dn)
		if dn == "" || di < 0 {
			return nil, posErr(pos, "START and END bound the Created column and %s does not have it: drop START/END or replicate Created", dest.Name)
		}
		bound := func(e jobsql.Expr, op jobsql.Op, cop catalog.Op, dop backlogsync.Op) error {
			t, err := evalTime(e, now)
			if err != nil {
				return err
			}
			p.srcQuery = append(p.srcQuery, catalog.Cmp(col.Name, cop, t))
			srcPreds = append(srcPreds, cmpConst(ci, col.Type, op, t))
			destFilter = append(destFilter, backlogsync.Cmp{Column: dcol.Name, Op: dop, Value: t})
			return nil
		}
		if c.Start != nil {
			if err := bound(c.Start, jobsql.OpGe, catalog.OpGE, backlogsync.OpGe); err != nil {
				return nil, err
			}
		}
		if c.End != nil {
			if err := bound(c.End, jobsql.OpLt, catalog.OpLT, backlogsync.OpLt); err != nil {
				return nil, err
			}
		}
	}
	p.destFilter = destFilter
	// WHERE on both sides.
	if c.Where != nil {
		src := cc.Source
		from := c.Against
		nowFn := func() time.Time { return now }
		sec := &exprCompiler{resolve: func(ref *jobsql.ColumnRef) (int, backlogsync.Column, error) {
			i, err := sourceColumn(src, from, ref)
			if err != nil {
				return -1, backlogsync.Column{}, err
			}
			return i, src.Columns[i], nil
		}, now: nowFn, context: "a CHECKCACHE WHERE"}
		sp, err := sec.cond(c.Where)
		if err != nil {
			return nil, err
		}
		srcPreds = append(srcPreds, sp)
		p.srcQuery = append(p.srcQuery, sec.pushdown(c.Where, src.Columns)...)
		dec := &exprCompiler{resolve: func(ref *jobsql.ColumnRef) (int, backlogsync.Column, error) {
			i, err := sourceColumn(src, from, ref)
			if err != nil {
				return -1, backlogsync.Column{}, err
			}
			dn := cc.destNameIn(cc.Table, src.Columns[i].Name)
			dcol, j := dest.Column(dn)
			if dn == "" || j < 0 {
				return -1, backlogsync.Column{}, posErr(ref.Pos, "WHERE column %s is not in %s, so its rows cannot be filtered the same way: drop the condition or replicate %s",
					src.Columns[i].Name, dest.Name, src.Columns[i].Name)
			}
			return j, dcol, nil
		}, now: nowFn, context: "a CHECKCACHE WHERE"}
		dp, err := dec.cond(c.Where)
		if err != nil {
			return nil, err
		}
		p.destMatch = func(r backlogsync.Row) bool { return dp(r) == triTrue }
	}
	p.srcMatch = matchAll(srcPreds)
	if c.Repair {
		t := &backlogsync.Table{Name: dest.Name, PrimaryKey: dest.PrimaryKey}
		for _, pr := range p.pairs {
			if !storable(pr.target, pr.destType) {
				return nil, posErr(c.Pos, "column %s is stored as %s and the source gives %s: WITH REPAIR cannot write it; %s", pr.destName, pr.destType, pr.target, fix)
			}
			t.Columns = append(t.Columns, backlogsync.Column{Name: pr.destName, Type: pr.target, Nullable: pr.destColumnNullable})
		}
		p.repair = t
	}
	return p, nil
}

// cacheEntry is one destination row in the index.
type cacheEntry struct {
	hash uint64
	seen bool // the source has the key
}

// run compares and repairs.
func (p *checkPlan) run(ctx context.Context, e *Engine, rep *CacheReport) error {
	c := p.stmt
	seed := maphash.MakeSeed()
	var h maphash.Hash
	h.SetSeed(seed)
	var buf [9]byte
	keyBuf := make([]any, len(p.key))
	norm := make([]any, len(p.pairs))
	var kb []byte

	// hashRow normalises row values (of the source projection when src,
	// else of the destination row) into norm and returns their hash and
	// key string.
	hashRow := func(r backlogsync.Row, src bool) (uint64, string) {
		h.Reset()
		for n, pr := range p.pairs {
			var v any
			if src {
				v = r[pr.src]
				if pr.srcConv {
					v = backlogsync.Widen(v, pr.srcType, pr.target)
				}
			} else {
				v = r[pr.dest]
				if pr.destConv {
					v = backlogsync.Widen(v, pr.destType, pr.target)
				}
			}
			if t, ok := v.(time.Time); ok {
				v = t.UTC().Truncate(time.Second)
			}
			if str, ok := v.(string); ok {
				// The source's value as destinations store it (the
				// storable-text policy): NUL removed, bad UTF-8 replaced.
				if pr.srcType == backlogsync.TypeJSON || pr.target == backlogsync.TypeJSON {
					str, _ = backlogsync.StorableJSON(str)
					v = canonicalJSON(str)
				} else {
					v, _ = backlogsync.StorableText(str)
				}
			}
			norm[n] = v
			writeValue(&h, buf[:], v)
		}
		for k, n := range p.key {
			keyBuf[k] = norm[n]
		}
		kb = appendKey(kb[:0], keyBuf)
		return h.Sum64(), string(kb)
	}

	// 1. The destination: this account's rows in scope.
	index := map[string]cacheEntry{}
	readDest := func(fn func(r backlogsync.Row) error) error {
		return e.Dest.Query(ctx, p.dest.Name, backlogsync.Query{Filter: p.destFilter}, func(r backlogsync.Row) error {
			if p.destMatch != nil && !p.destMatch(r) {
				return nil
			}
			return fn(r)
		})
	}
	err := readDest(func(r backlogsync.Row) error {
		sum, ks := hashRow(r, false)
		index[ks] = cacheEntry{hash: sum}
		return nil
	})
	if err != nil {
		return posWrap(c.Pos, "CHECKCACHE "+p.dest.Name+": reading the destination", err)
	}

	w := &cacheWriter{d: e.Dest, t: p.repair, batch: DefaultBatchSize, rep: rep}
	sample := func(list *[]string, key []any) {
		if len(*list) < CacheSampleKeys {
			*list = append(*list, formatKey(p.dest.PrimaryKey, key))
		}
	}
	checkMod := c.Skip != jobsql.SkipModified
	checkDel := c.Skip != jobsql.SkipDeleted
	srcOnly := map[string]bool{} // Missing keys already counted (the API may repeat a row)

	// 2. The source, streamed.
	err = catalog.Fetch(ctx, e.Client, p.src.Source.Name, catalog.Query{Account: e.account(), Where: p.srcQuery}, func(r backlogsync.Row) error {
		if p.srcMatch != nil && !p.srcMatch(r) {
			return nil
		}
		if p.src.Project != nil {
			r = p.src.Project(r)
		}
		sum, ks := hashRow(r, true)
		ent, ok := index[ks]
		switch {
		case !ok && srcOnly[ks], ok && ent.seen:
			return nil
		case !ok:
			srcOnly[ks] = true
			rep.Checked++
			if !checkMod {
				return nil
			}
			rep.Missing++
			sample(&rep.MissingKeys, keyBuf)
		default:
			index[ks] = cacheEntry{hash: ent.hash, seen: true}
			rep.Checked++
			if !checkMod || ent.hash == sum {
				return nil
			}
			rep.Different++
			sample(&rep.DifferentKeys, keyBuf)
		}
		if c.Repair {
			return w.upsert(ctx, append(backlogsync.Row(nil), norm...))
		}
		return nil
	})
	if err != nil {
		if backlogsync.ErrorCode(err) == backlogsync.EINVALID {
			return posWrap(c.Pos, "CHECKCACHE "+p.dest.Name, err)
		}
		return fmt.Errorf("%s: CHECKCACHE %s: %w", c.Pos, p.dest.Name, err)
	}

	// 3. Destination rows the source does not have: a second read of the
	// destination (local, in key order) finds their keys.
	extras := 0
	for _, ent := range index {
		if !ent.seen {
			extras++
		}
	}
	rep.Checked += int64(extras)
	if extras > 0 && checkDel {
		keyCols := make([]int, len(p.dest.PrimaryKey))
		for k, name := range p.dest.PrimaryKey {
			_, keyCols[k] = p.dest.Column(name)
		}
		err := readDest(func(r backlogsync.Row) error {
			_, ks := hashRow(r, false)
			if ent, ok := index[ks]; !ok || ent.seen {
				return nil
			}
			key := make([]any, len(keyCols))
			for k, j := range keyCols {
				key[k] = r[j]
			}
			rep.Extra++
			sample(&rep.ExtraKeys, key)
			if c.Repair {
				return w.delete(ctx, key)
			}
			return nil
		})
		if err != nil {
			return posWrap(c.Pos, "CHECKCACHE "+p.dest.Name+": reading the destination", err)
		}
	}
	if err := w.flush(ctx); err != nil {
		return fmt.Errorf("%s: CHECKCACHE %s: repairing: %w", c.Pos, p.dest.Name, err)
	}
	return nil
}

// writeValue feeds a normalised value to h with a type tag, so that values
// of different types never hash alike.
func writeValue(h *maphash.Hash, buf []byte, v any) {
	switch x := v.(type) {
	case nil:
		h.WriteByte(0)
	case int64:
		buf[0] = 1
		binary.LittleEndian.PutUint64(buf[1:], uint64(x))
		h.Write(buf[:9])
	case float64:
		if x == 0 {
			x = 0 // -0 == 0
		}
		buf[0] = 2
		binary.LittleEndian.PutUint64(buf[1:], math.Float64bits(x))
		h.Write(buf[:9])
	case bool:
		buf[0], buf[1] = 3, 0
		if x {
			buf[1] = 1
		}
		h.Write(buf[:2])
	case string:
		buf[0] = 4
		binary.LittleEndian.PutUint64(buf[1:], uint64(len(x)))
		h.Write(buf[:9])
		h.WriteString(x)
	case time.Time:
		buf[0] = 5
		binary.LittleEndian.PutUint64(buf[1:], uint64(x.Unix()))
		h.Write(buf[:9])
	default:
		h.WriteByte(6)
		h.WriteString(fmt.Sprintf("%T:%v", v, v))
	}
}

// appendKey appends a compact, unambiguous encoding of key values.
func appendKey(b []byte, key []any) []byte {
	for _, v := range key {
		switch x := v.(type) {
		case nil:
			b = append(b, 0)
		case int64:
			b = append(b, 1)
			b = binary.AppendVarint(b, x)
		case string:
			b = append(b, 2)
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		case time.Time:
			b = append(b, 3)
			b = binary.AppendVarint(b, x.Unix())
		case float64:
			b = append(b, 4)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		case bool:
			b = append(b, 5)
			if x {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		default:
			b = append(b, 6)
			s := fmt.Sprintf("%T:%v", v, v)
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	return b
}

// formatKey renders a key as "Account=demo, Id=12".
func formatKey(cols []string, key []any) string {
	var b strings.Builder
	for i, v := range key {
		if i > 0 {
			b.WriteString(", ")
		}
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "%s=%v", cols[i], v)
	}
	return b.String()
}

// cacheWriter batches repairs.
type cacheWriter struct {
	d     backlogsync.Destination
	t     *backlogsync.Table
	batch int
	rep   *CacheReport
	rows  []backlogsync.Row
	dels  [][]any
}

func (w *cacheWriter) upsert(ctx context.Context, r backlogsync.Row) error {
	w.rows = append(w.rows, r)
	if len(w.rows) >= w.batch {
		return w.flush(ctx)
	}
	return nil
}

func (w *cacheWriter) delete(ctx context.Context, key []any) error {
	w.dels = append(w.dels, key)
	if len(w.dels) >= w.batch {
		return w.flush(ctx)
	}
	return nil
}

func (w *cacheWriter) flush(ctx context.Context) error {
	if len(w.rows) == 0 && len(w.dels) == 0 {
		return nil
	}
	res, err := w.d.Write(ctx, backlogsync.Batch{Table: w.t, Upserts: w.rows, Deletes: w.dels})
	if err != nil {
		return err
	}
	w.rep.Repaired += int64(len(w.rows) + len(w.dels))
	w.rep.Inserted += res.Inserted
	w.rep.Updated += res.Updated
	w.rep.Deleted += res.Deleted
	w.rows, w.dels = nil, nil
	return nil
}

// canonicalJSON rewrites a JSON text with sorted keys and no spaces, the
// last of duplicate keys kept and numbers as float64, so a value stored by
// a destination that normalises JSON (PostgreSQL's JSONB) compares equal
// to the source's text. Text that is not JSON is returned unchanged.
func canonicalJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return s
	}
	return string(b)
}
