package backlogsync

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// MultiWriter is implemented by destinations that can apply several
// batches in one transaction. The replication engine writes all the tables
// filled from a page of issues, with their checkpoints, through it when the
// destination has it, and through one Write per batch otherwise.
type MultiWriter interface {
	// WriteAll applies batches in order, each as Write applies one, in one
	// transaction: either all of them or, on any error, none (neither rows
	// nor checkpoints). The results are per batch, in order.
	WriteAll(ctx context.Context, batches []Batch) ([]WriteResult, error)
}

// Leaser is the part of the Destination contract that keeps two runs from
// writing one scope (a job and account) at once, from two terminals, a cron
// job overlapping a manual run, or two machines sharing a server database.
// The lease lives in the destination itself (a row of its leases table), so
// it holds across processes and machines. Every destination of this module
// implements it; dest/desttest checks it.
type Leaser interface {
	// Lease takes the lease on scope for ttl, or fails at once with an
	// *Error EBUSY naming the holder (host, process, since when) when
	// another holder's lease has not expired. The lease is renewed every
	// ttl/3 until release is called (which gives it back) or ctx ends
	// (renewal stops: the lease expires after ttl, as the lease of a killed
	// process does). Expiry is judged by the database server's clock, so
	// the hosts of the holders need not agree on the time.
	Lease(ctx context.Context, scope string, ttl time.Duration) (release func() error, err error)
}

// Destination is a database that replication writes into and that the OData
// server reads from. Implementations live under dest/ (dest/sqlite,
// dest/memory, …) and all pass the conformance suite in dest/desttest.
//
// Table names. Every method that names a table takes the name a Table was
// migrated under: a TableName in its String form, "Issues" or "PROD.Issues"
// (see TableName). A TableNamePrefix is part of the name ("PROD_Issues").
// Names are used exactly as created; lookups in another letter case are
// destination-defined. Names beginning with "_backlogsync_" are reserved for
// the destination's own tables (checkpoints, runs) and are never listed by
// Tables.
//
// Errors. Methods return *Error values with code ENOTFOUND when the named
// table (or run) does not exist and EINVALID when the caller's input is
// malformed (an invalid Table, an unknown column in a Query, a literal of the
// wrong type, a narrowing migration). Failures of the underlying database are
// returned wrapped and count as EINTERNAL. A Destination is safe for
// concurrent use by multiple goroutines.
type Destination interface {
	// Migrate creates t, or brings an existing table of that name up to t:
	// columns missing from the destination are added (nullable) and column
	// types are widened (see CanWiden), converting the stored values.
	// Columns the destination has but t lacks are kept, never dropped, and
	// keep their values. Migrate is idempotent and atomic: on error the
	// table is unchanged.
	//
	// It returns EINVALID when t is not a valid table (see ValidateTable),
	// when t's primary key differs from the existing table's, or, naming the
	// column, when a change would narrow a type (TEXT → BIGINT, TIMESTAMP →
	// DATE, DOUBLE → BIGINT, …) or convert between unrelated types.
	Migrate(ctx context.Context, t *Table) error

	// Write applies b in one transaction: b.Upserts are inserted or, when a
	// row with the same primary key exists, replace it; then b.Deletes are
	// removed; then b.Checkpoint, if any, is stored. Either all of it is
	// applied or, on any error (a value of the wrong type, a NULL key, a
	// cancelled ctx, a database failure), none of it: neither rows nor the
	// checkpoint. Within one batch a later upsert of a key wins over an
	// earlier one.
	//
	// b.Table must have been migrated (ENOTFOUND otherwise); its columns must
	// be a subset of the destination table's and include the key. Columns
	// the batch lacks keep their values in replaced rows and are NULL in
	// new ones. A batch column may be of a type that widens to the stored
	// one (CanWiden); its values are converted. A batch with no rows may have
	// a nil Table and only move a checkpoint. Row values must match
	// b.Table's column types as documented on Row (EINVALID otherwise;
	// float NaN is refused, TIMESTAMP values are stored in UTC at second
	// precision, DATE values keep their calendar date).
	Write(ctx context.Context, b Batch) (WriteResult, error)

	// Checkpoint returns the value stored for (scope, key) by the last
	// successful Write that carried it, and ok=false (with a nil error) when
	// there is none.
	Checkpoint(ctx context.Context, scope, key string) (value string, ok bool, err error)

	// Checkpoints lists the stored checkpoints of scope (every scope when
	// scope is ""), ordered by scope then key.
	Checkpoints(ctx context.Context, scope string) ([]Checkpoint, error)

	// ResetCheckpoints deletes the checkpoints of scope (every checkpoint
	// when scope is ""), so that the next run starts from scratch.
	ResetCheckpoints(ctx context.Context, scope string) error

	// Truncate deletes every row of the named table and keeps its
	// definition. ENOTFOUND when the table does not exist. Checkpoints are
	// not touched.
	Truncate(ctx context.Context, table string) error

	// Drop deletes the named table. ENOTFOUND when it does not exist.
	// Checkpoints are not touched.
	Drop(ctx context.Context, table string) error

	// Tables lists the destination's tables (not its own _backlogsync_
	// tables) ordered by name, each with its name, columns in creation
	// order and primary key. Types are reported as stored: a destination
	// without a distinct JSON type reports JSON columns as TEXT. Non-key
	// columns may be reported nullable whatever they were declared;
	// Description, Parent and CursorColumn are not stored.
	Tables(ctx context.Context) ([]*Table, error)

	// Query calls fn with each row of the named table that q selects, with
	// values in the order of q.Columns (all columns in table order when q.Columns
	// is empty) and typed as the destination's columns (as in Tables).
	// Rows come in q.OrderBy order with ties, and every row when OrderBy is
	// empty, broken by the primary key ascending. Text orders and compares
	// by byte (Unicode code point); NULL sorts before every value ascending
	// and after every value descending.
	//
	// When fn returns an error Query stops and returns that error
	// unchanged. It returns ENOTFOUND for an unknown table and EINVALID for
	// an unknown column, an operator that does not apply to the column's
	// type, or a literal that does not fit the column (see Query).
	Query(ctx context.Context, table string, q Query, fn func(Row) error) error

	// Count returns how many rows of the named table filter selects (every
	// row when filter is nil), with the errors of Query.
	Count(ctx context.Context, table string, filter Expr) (int64, error)

	// StartRun records the start of a replication run from r.Job,
	// r.Account and r.Started (other fields are ignored), with status
	// RunRunning, and returns its id (positive and increasing).
	StartRun(ctx context.Context, r Run) (id int64, err error)

	// FinishRun records the outcome of run r.ID: Finished, Status, Error,
	// Requests, Waits429, WaitTime and the per-table rows (replacing any
	// recorded before). ENOTFOUND when no run has that id.
	FinishRun(ctx context.Context, r Run) error

	// Runs returns the recorded runs of job (of every job when job is ""),
	// newest first, at most limit of them (all when limit <= 0), each with
	// its per-table rows in table-name order.
	Runs(ctx context.Context, job string, limit int) ([]Run, error)

	// Run returns the recorded run with that id, with its per-table rows
	// and warnings as Runs gives them. ENOTFOUND when no run has that id.
	Run(ctx context.Context, id int64) (Run, error)

	// Close releases the destination's resources. Calling any other method
	// after Close is an error.
	Close() error
}

// TableName is a destination table name: an optional schema and a name.
// Its String form, "Schema.Name" or "Name", is what Table.Name holds when the
// table is migrated and what Destination methods take. A TableNamePrefix is
// applied by the caller to Name ("PROD_" + "Issues"); it is not a separate
// field.
//
// How a schema is stored is the destination's choice: PostgreSQL uses a
// schema, MySQL a database, SQLite a table whose name contains the dot
// (SELECT * FROM "PROD.Issues"); the in-memory destination keeps the string.
type TableName struct {
	Schema string // "" for the destination's default schema
	Name   string
}

// ParseTableName splits "PROD.Issues" at its first dot; a name without a dot
// has no schema.
func ParseTableName(s string) TableName {
	if schema, name, ok := strings.Cut(s, "."); ok {
		return TableName{Schema: schema, Name: name}
	}
	return TableName{Name: s}
}

// String returns "Schema.Name", or "Name" when there is no schema.
func (n TableName) String() string {
	if n.Schema == "" {
		return n.Name
	}
	return n.Schema + "." + n.Name
}

// Renamed returns a shallow copy of t named n, for migrating a catalog table
// under a destination name (a prefix or a schema).
func (t *Table) Renamed(n TableName) *Table {
	c := *t
	c.Name = n.String()
	return &c
}

// ReservedPrefix starts the names of a destination's own tables.
const ReservedPrefix = "_backlogsync_"

// maxIdentLen is the longest identifier every destination keeps intact
// (PostgreSQL truncates longer ones).
const maxIdentLen = 63

// ValidateTable reports, as an EINVALID error, why t cannot be migrated: a
// missing or malformed name (each of schema and name must be 1–63 bytes
// without '.' or NUL, and not start with "_backlogsync_"), no columns, an
// empty, over-long or duplicate (case-insensitive) column name, an unknown
// type, a primary key naming an unknown column or a column twice, or a
// cursor column that does not exist. A table needs a primary key.
func ValidateTable(t *Table) error {
	if t == nil {
		return Errorf(EINVALID, "no table")
	}
	n := ParseTableName(t.Name)
	if err := checkIdent("table name", t.Name, n.Name); err != nil {
		return err
	}
	if strings.Contains(n.Name, ".") {
		return Errorf(EINVALID, "table name %q has more than one '.'; write Schema.Name", t.Name)
	}
	if n.Schema != "" || strings.HasPrefix(t.Name, ".") {
		if err := checkIdent("schema name", t.Name, n.Schema); err != nil {
			return err
		}
	}
	if strings.HasPrefix(strings.ToLower(n.Name), ReservedPrefix) {
		return Errorf(EINVALID, "table name %q: names starting with %s are reserved", t.Name, ReservedPrefix)
	}
	if len(t.Columns) == 0 {
		return Errorf(EINVALID, "table %s has no columns", t.Name)
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if err := checkIdent("column name in table "+t.Name, c.Name, c.Name); err != nil {
			return err
		}
		if c.Type < TypeInt || c.Type > TypeJSON {
			return Errorf(EINVALID, "table %s: column %s has unknown type %v", t.Name, c.Name, c.Type)
		}
		k := strings.ToLower(c.Name)
		if seen[k] {
			return Errorf(EINVALID, "table %s: column %s appears twice", t.Name, c.Name)
		}
		seen[k] = true
	}
	if len(t.PrimaryKey) == 0 {
		return Errorf(EINVALID, "table %s has no primary key", t.Name)
	}
	inKey := map[string]bool{}
	for _, k := range t.PrimaryKey {
		if _, i := t.Column(k); i < 0 {
			return Errorf(EINVALID, "table %s: primary key column %s does not exist", t.Name, k)
		}
		if inKey[strings.ToLower(k)] {
			return Errorf(EINVALID, "table %s: primary key names %s twice", t.Name, k)
		}
		inKey[strings.ToLower(k)] = true
	}
	for _, c := range t.Indexes {
		if _, i := t.Column(c); i < 0 {
			return Errorf(EINVALID, "table %s: indexed column %s does not exist", t.Name, c)
		}
	}
	if t.CursorColumn != "" {
		if _, i := t.Column(t.CursorColumn); i < 0 {
			return Errorf(EINVALID, "table %s: cursor column %s does not exist", t.Name, t.CursorColumn)
		}
	}
	return nil
}

func checkIdent(what, full, s string) error {
	switch {
	case s == "":
		return Errorf(EINVALID, "%s %q: empty name", what, full)
	case len(s) > maxIdentLen:
		return Errorf(EINVALID, "%s %q: longer than %d bytes", what, full, maxIdentLen)
	case strings.ContainsRune(s, 0):
		return Errorf(EINVALID, "%s %q contains a NUL byte", what, full)
	}
	return nil
}

// Widen converts a value of a column of type from to type to, as CanWiden
// documents the conversion of stored values. A nil value, equal types or a
// value that has no conversion to to is returned unchanged.
func Widen(v any, from, to Type) any {
	if v == nil || from == to {
		return v
	}
	switch to {
	case TypeInt:
		if b, ok := v.(bool); ok {
			if b {
				return int64(1)
			}
			return int64(0)
		}
	case TypeFloat:
		switch x := v.(type) {
		case bool:
			if x {
				return 1.0
			}
			return 0.0
		case int64:
			return float64(x)
		}
	case TypeText:
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x)
		case int64:
			return strconv.FormatInt(x, 10)
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64)
		case time.Time:
			if from == TypeDate {
				return x.UTC().Format(time.DateOnly)
			}
			return x.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	return v // a DATE widened to TIMESTAMP is already midnight UTC
}

// CanWiden reports whether a column of type from may be changed to type to
// by Migrate without losing information: BOOLEAN → BIGINT → DOUBLE → TEXT,
// DATE → TIMESTAMP → TEXT, JSON → TEXT, and any type to TEXT. from == to is
// not a widening.
//
// Stored values convert as: false/true → 0/1 → 0.0/1.0; a number → its
// decimal text (a float's text parses back to the same float, its exact
// spelling is destination-defined); a boolean → "true"/"false"; a date →
// "YYYY-MM-DD" or, as a timestamp, midnight UTC; a timestamp →
// "YYYY-MM-DDTHH:MM:SSZ"; JSON → its text.
func CanWiden(from, to Type) bool {
	if from == to {
		return false
	}
	if to == TypeText {
		return true
	}
	switch from {
	case TypeBool:
		return to == TypeInt || to == TypeFloat
	case TypeInt:
		return to == TypeFloat
	case TypeDate:
		return to == TypeTimestamp
	}
	return false
}

// Batch is one unit of Destination.Write: rows to upsert and keys to delete
// in Table, and the checkpoint that records how far the source has been read
// once they are stored.
type Batch struct {
	Table   *Table
	Upserts []Row
	// Deletes are primary keys, each with one value per PrimaryKey column
	// in that order. Deleting a key that does not exist is not an error.
	Deletes [][]any
	// Checkpoint, when not nil, is stored in the same transaction.
	Checkpoint *Checkpoint
}

// Checkpoint is an opaque cursor string the replication engine stores with
// the rows it describes, keyed by a scope (a job and account, e.g.
// "issues-job/acme") and a key within it (a table or a finer cursor, e.g.
// "Issues" or "Issues/comments").
type Checkpoint struct {
	Scope string
	Key   string
	Value string
}

// WriteResult counts what a Write did. Inserted counts the distinct keys
// of Upserts that were absent before the batch; Updated those that were
// present and whose stored values changed (a row written again with the
// values it has counts in neither, and is left as it is); Deleted counts
// rows that existed and were deleted.
type WriteResult struct {
	Inserted, Updated, Deleted int64
	// Altered counts the values the storable-text policy changed
	// (StorableText: NUL removed, invalid UTF-8 replaced).
	Altered int64
}

// Query selects rows of one table: a projection, a filter, an order and a
// page. The zero Query selects every column of every row in key order.
type Query struct {
	// Columns names the columns to return, in that order; empty means all.
	Columns []string
	// Filter selects rows; nil selects all.
	Filter Expr
	// OrderBy sorts the rows; the primary key breaks ties.
	OrderBy []Order
	// Limit is the maximum number of rows to return; 0 means no limit.
	Limit int
	// Offset is the number of rows to skip first.
	Offset int
	// After, when not nil, selects only the rows that come strictly after
	// the row whose sort key it holds (keyset paging): one value per
	// OrderBy entry, then one per primary-key column, as the last row of
	// the previous page had them (nil for NULL). Rows inserted or deleted
	// between pages shift nothing, and destinations serve a page from an
	// index rather than by skipping rows. A wrong number of values or a
	// value that does not fit its column is EINVALID.
	After []any
}

// Order is one sort key of a Query.
type Order struct {
	Column string
	Desc   bool
}

// Expr is a filter expression of a Query: Cmp, In, IsNull, And, Or, Not,
// or the general Compare and InTerms over Terms (see Term).
//
// Filters follow SQL's three-valued logic: a comparison or IN with a NULL
// column value is unknown, unknown rows are not selected, NOT unknown is
// unknown, FALSE AND unknown is FALSE and TRUE OR unknown is TRUE. Test for
// NULL with IsNull.
//
// Literals are typed by their column: int or int64 (or an integral float64)
// for BIGINT; int, int64 or float64 for DOUBLE; bool for BOOLEAN; string for
// TEXT and JSON; time.Time for DATE (its calendar date) and TIMESTAMP (as UTC,
// truncated to the second). A nil or mistyped literal is EINVALID.
type Expr interface{ isExpr() }

// Op is the operator of a Cmp.
type Op int

// Comparison operators. OpContains, OpStartsWith and OpEndsWith apply to TEXT
// and JSON columns only and are case-sensitive; the others apply to every
// type (false < true for booleans).
const (
	OpEq Op = iota + 1
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpContains
	OpStartsWith
	OpEndsWith
)

// String returns the operator's SQL (or OData function) spelling.
func (o Op) String() string {
	switch o {
	case OpEq:
		return "="
	case OpNe:
		return "<>"
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	case OpContains:
		return "contains"
	case OpStartsWith:
		return "startswith"
	case OpEndsWith:
		return "endswith"
	}
	return "Op(?)"
}

// Cmp is `Column Op Value`.
type Cmp struct {
	Column string
	Op     Op
	Value  any
}

// In is `Column IN (Values…)`; an empty list selects nothing.
type In struct {
	Column string
	Values []any
}

// IsNull is `Column IS NULL`; wrap it in Not for IS NOT NULL.
type IsNull struct {
	Column string
}

// And is the conjunction of its terms; an empty And is true.
type And []Expr

// Or is the disjunction of its terms; an empty Or is false.
type Or []Expr

// Not negates X.
type Not struct {
	X Expr
}

func (Cmp) isExpr()    {}
func (In) isExpr()     {}
func (IsNull) isExpr() {}
func (And) isExpr()    {}
func (Or) isExpr()     {}
func (Not) isExpr()    {}

// RunStatus is the state of a replication run.
type RunStatus string

// Run statuses. A run that was killed stays RunRunning.
const (
	RunRunning   RunStatus = "running"
	RunOK        RunStatus = "ok"
	RunPartial   RunStatus = "partial"   // some tables failed
	RunFailed    RunStatus = "failed"    // the run stopped on an error
	RunCancelled RunStatus = "cancelled" // interrupted by the user
	// RunSkipped is a scheduled run that did not start because the job's
	// previous run was still going (serve's scheduler; Error says why).
	// Started and Finished are both the time it was due.
	RunSkipped RunStatus = "skipped"
)

// Run is one replication run as recorded in the destination's runs table.
type Run struct {
	ID       int64
	Job      string
	Account  string
	Started  time.Time // UTC, second precision
	Finished time.Time // zero while running
	Status   RunStatus
	Error    string
	Requests Requests
	Waits429 int64         // how many times the run waited after a 429
	WaitTime time.Duration // total time spent in those waits (millisecond precision)
	Tables   []RunTable
	// Warnings are the run's problems that did not fail it, in the order
	// they were found (a table that lost its rows, values the
	// storable-text policy altered…). Recorded by FinishRun.
	Warnings []RunWarning
}

// RunWarning is a problem of a run that did not fail it, recorded with
// the run in the runs table.
type RunWarning struct {
	// Table is the destination table concerned ("" for the whole run).
	Table string `json:"table,omitempty"`
	// Kind is one of the Warn* kinds.
	Kind string `json:"kind"`
	// Message says what happened and what to check, with no secrets.
	Message string `json:"message"`
}

// The kinds of RunWarning.
const (
	// WarnZeroRows: a full refresh read no rows of a table that held rows
	// (a revoked permission, a filter that matches nothing): the stored
	// rows were deleted.
	WarnZeroRows = "zero_rows"
	// WarnRowDrop: a table lost more than the allowed share of its rows.
	WarnRowDrop = "row_drop"
	// WarnNoRows: a first load of the run's tables wrote no rows at all.
	WarnNoRows = "no_rows"
	// WarnAltered: values were written altered by the storable-text
	// policy (StorableText).
	WarnAltered = "altered_values"
	// WarnStatement: a statement option has no effect or a statement
	// does something the user may not expect (the statement's position
	// starts the message).
	WarnStatement = "statement"
	// WarnSkipped: a statement failed under ContinueOnError and was
	// skipped.
	WarnSkipped = "skipped_statement"
)

// Requests counts API requests by Backlog rate-limit class.
type Requests struct {
	Read, Update, Search, Icon int64
}

// RunTable is what a run did to one table.
type RunTable struct {
	Table                      string
	Inserted, Updated, Deleted int64
	// Altered counts the values written altered by the storable-text
	// policy (StorableText).
	Altered                   int64
	CursorBefore, CursorAfter string
}
