package mysql

import (
	"database/sql"
	"math"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/internal/dbtest"
	driver "github.com/go-sql-driver/mysql"
)

// TestAppendLiteral reads every literal BulkUpsert writes back from the
// server (SELECT literal), under the default sql_mode and under
// NO_BACKSLASH_ESCAPES, where a backslash is no escape character.
func TestAppendLiteral(t *testing.T) {
	cfg, err := driver.ParseDSN(dbtest.ServerDSN(t, dbtest.MySQLVar))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ParseTime, cfg.Loc, cfg.Collation = true, time.UTC, "utf8mb4_general_ci"
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // the sql_mode is the session's
	strs := []string{"", "plain", "it's", "''", `back\slash`, `\'`, "nul\x00byte", "\r\n\x1a", "課題 🎉", `\N`}
	floats := []float64{0.1, 1.0 / 3, -0.5, 5e-324, math.MaxFloat64, -math.MaxFloat64, 1e21, 123456789.125}
	ints := []int64{0, -1, math.MaxInt64, math.MinInt64}
	tm := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	for _, mode := range []string{"STRICT_ALL_TABLES", "STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES"} {
		if _, err := db.Exec("SET sql_mode = '" + mode + "'"); err != nil {
			t.Fatal(err)
		}
		query := func(v any) *sql.Row {
			lit, err := appendLiteral(nil, v)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := v.(time.Time); ok { // a quoted string, as a DATETIME column reads it
				return db.QueryRow("SELECT CAST(" + string(lit) + " AS DATETIME)")
			}
			return db.QueryRow("SELECT " + string(lit))
		}
		for _, s := range strs {
			var got string
			if err := query(s).Scan(&got); err != nil || got != s {
				t.Errorf("%s: string %q read back as %q (%v)", mode, s, got, err)
			}
		}
		for _, f := range floats {
			var got float64
			if err := query(f).Scan(&got); err != nil || got != f {
				t.Errorf("%s: float %v read back as %v (%v)", mode, f, got, err)
			}
		}
		for _, n := range ints {
			var got int64
			if err := query(n).Scan(&got); err != nil || got != n {
				t.Errorf("%s: int %d read back as %d (%v)", mode, n, got, err)
			}
		}
		var got time.Time
		if err := query(tm).Scan(&got); err != nil || !got.Equal(tm) {
			t.Errorf("%s: time %v read back as %v (%v)", mode, tm, got, err)
		}
		var isNull sql.NullInt64
		if err := query(nil).Scan(&isNull); err != nil || isNull.Valid {
			t.Errorf("%s: NULL read back as %v (%v)", mode, isNull, err)
		}
	}
	if _, err := appendLiteral(nil, struct{}{}); err == nil {
		t.Error("appendLiteral(struct{}{}) succeeded; want an error")
	}
}

// TestCompareValues checks the key order BulkUpsert sorts rows in.
func TestCompareValues(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		a, b any
		want int
	}{
		{int64(2), int64(10), -1}, {"b", "a", 1}, {"a", "a", 0}, {"Z", "a", -1},
		{1.5, 0.5, 1}, {t0, t0.Add(time.Second), -1}, {false, true, -1},
	} {
		if got := compareValues(c.a, c.b); got != c.want {
			t.Errorf("compareValues(%v, %v) = %d; want %d", c.a, c.b, got, c.want)
		}
	}
}
