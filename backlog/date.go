package backlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date without a time zone, used for issue start and due
// dates, version dates, date custom fields and the yyyy-MM-dd filters.
//
// Backlog sends dates as timestamps. Current servers send midnight UTC
// ("2017-11-16T00:00:00Z"); older ones send midnight Japan time expressed in
// UTC ("2013-08-29T15:00:00Z", which is 2013-08-30 00:00 JST). The decoding
// rule is: round the instant to the nearest UTC midnight and take that day
// (times from 12:00:00Z on count as the next day). Both forms above decode to
// the intended date (2017-11-16 and 2013-08-30), and so does midnight in any
// zone from UTC-11 to UTC+12. A plain "2006-01-02" string is accepted too, and
// JSON null leaves the Date unchanged (use *Date for nullable fields).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// dateLayout is the request format of dates.
const dateLayout = "2006-01-02"

// NewDate returns the date year-month-day, normalised like time.Date.
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("backlog: invalid date %q, want yyyy-MM-dd", s)
	}
	return DateOf(t), nil
}

// dateFromTimestamp applies the nearest-UTC-midnight rule.
func dateFromTimestamp(t time.Time) Date {
	return DateOf(t.UTC().Add(12 * time.Hour))
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns d as "2006-01-02", the form Backlog's filters take.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// MarshalJSON encodes d as "2006-01-02", or null when zero.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON decodes a timestamp or "yyyy-MM-dd" string by the rule in
// the type's documentation.
func (d *Date) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("backlog: date must be a string, got %.40s", b)
	}
	v, err := parseDateValue(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parseDateValue accepts an RFC 3339 timestamp or a plain date.
func parseDateValue(s string) (Date, error) {
	if len(s) == len(dateLayout) {
		return ParseDate(s)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return Date{}, fmt.Errorf("backlog: invalid date %q, want a timestamp or yyyy-MM-dd", s)
	}
	d := dateFromTimestamp(t)
	if d.Year < 1 || d.Year > 9999 {
		return Date{}, fmt.Errorf("backlog: date %q is out of range", s)
	}
	return d, nil
}
