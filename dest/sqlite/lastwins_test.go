package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// TestLastRowOfStoredKeyWins: of two rows of a batch whose keys are equal
// once stored (times are stored to the second), the batch's last is
// stored, whatever order their raw keys sort in; keys across statements
// (more rows than one statement takes) count once.
func TestLastRowOfStoredKeyWins(t *testing.T) {
	d := open(t, filepath.Join(t.TempDir(), "w.db"))
	defer d.Close()
	tb := &bs.Table{Name: "S", PrimaryKey: []string{"Account", "At"}, Columns: []bs.Column{
		{Name: "Account", Type: bs.TypeText}, {Name: "At", Type: bs.TypeTimestamp}, {Name: "V", Type: bs.TypeText, Nullable: true}}}
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := []bs.Row{{"a", t0.Add(900 * time.Millisecond), "first"}, {"a", t0.Add(100 * time.Millisecond), "last"}}
	res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows})
	if err != nil || res.Inserted != 1 || res.Updated != 0 {
		t.Fatalf("write: %+v, %v; want 1 inserted", res, err)
	}
	var v string
	if err := d.SQL().QueryRowContext(ctx, `SELECT V FROM "S"`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "last" {
		t.Errorf("stored %q; want the batch's last row (%q)", v, "last")
	}

	tc := &bs.Table{Name: "T", PrimaryKey: []string{"Account", "Id"}, CursorColumn: "U", Indexes: []string{"P"}, Columns: []bs.Column{
		{Name: "Account", Type: bs.TypeText}, {Name: "Id", Type: bs.TypeInt}, {Name: "P", Type: bs.TypeInt, Nullable: true},
		{Name: "U", Type: bs.TypeTimestamp, Nullable: true}}}
	if err := d.Migrate(ctx, tc); err != nil {
		t.Fatal(err)
	}
	var many []bs.Row
	for i := int64(0); i < 1200; i++ {
		many = append(many, bs.Row{"a", i, int64(1), t0})
	}
	many = append(many, bs.Row{"a", int64(499), int64(2), t0}, bs.Row{"a", int64(500), int64(3), t0})
	res, err = d.Write(ctx, bs.Batch{Table: tc, Upserts: many})
	if err != nil || res.Inserted != 1200 || res.Updated != 0 {
		t.Fatalf("write of 1,202 rows with 2 repeated keys: %+v, %v; want 1200 inserted", res, err)
	}
	for id, want := range map[int64]int64{498: 1, 499: 2, 500: 3, 501: 1} {
		var p int64
		if err := d.SQL().QueryRowContext(ctx, `SELECT P FROM "T" WHERE Id = ?`, id).Scan(&p); err != nil || p != want {
			t.Errorf("Id %d: P = %d (%v); want %d", id, p, err, want)
		}
	}
}
