package odata

import (
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// TestAppendTime checks the hand-written formatting against the layouts it
// replaces, across years, zones, leap days and sub-second times.
func TestAppendTime(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("JST", 9*3600), time.FixedZone("W", -(11*3600 + 30*60))}
	for _, tm := range []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 3, 1, 1, 2, 3, 0, time.UTC),
		time.Date(1999, 12, 31, 22, 0, 0, 0, time.UTC),
		time.Unix(1700000000, 123),
	} {
		for _, z := range zones {
			x := tm.In(z)
			if got, want := string(appendTime(nil, bs.TypeTimestamp, x)), x.UTC().Format("2006-01-02T15:04:05Z"); got != want {
				t.Errorf("timestamp %v: %s; want %s", x, got, want)
			}
			if got, want := string(appendTime(nil, bs.TypeDate, x)), x.Format("2006-01-02"); got != want {
				t.Errorf("date %v: %s; want %s", x, got, want)
			}
		}
	}
}
