package odata

import (
	"math"
	"strconv"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/jsonstr"
)

// appendString appends s as a JSON string (jsonstr.Append: invalid UTF-8
// becomes U+FFFD, U+2028 and U+2029 are escaped; <, > and & are not).
func appendString(b []byte, s string) []byte { return jsonstr.Append(b, s, false) }

// appendValue appends a column value in OData JSON: Int64 as a number (a
// string under IEEE754Compatible=true), Double as a number or "INF"/"-INF",
// Date as "YYYY-MM-DD", DateTimeOffset as RFC 3339 UTC, JSON as its text in
// a string, NULL as null.
func appendValue(b []byte, t bs.Type, v any, ieee bool) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	switch x := v.(type) {
	case int64:
		if ieee {
			b = append(b, '"')
			b = strconv.AppendInt(b, x, 10)
			return append(b, '"')
		}
		return strconv.AppendInt(b, x, 10)
	case float64:
		switch {
		case math.IsInf(x, 1):
			return append(b, `"INF"`...)
		case math.IsInf(x, -1):
			return append(b, `"-INF"`...)
		case math.IsNaN(x):
			return append(b, `"NaN"`...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return appendString(b, x)
	case time.Time:
		b = append(b, '"')
		b = appendTime(b, t, x)
		return append(b, '"')
	}
	return appendString(b, "?")
}

// appendTime appends a Date as YYYY-MM-DD (in x's own location) and a
// DateTimeOffset as RFC 3339 in UTC, to the second, as
// x.AppendFormat("2006-01-02") and x.UTC().AppendFormat(
// "2006-01-02T15:04:05Z") do, without their layout parsing (a tenth of
// the server's time per row when every row has four timestamps).
func appendTime(b []byte, t bs.Type, x time.Time) []byte {
	if t != bs.TypeDate {
		x = x.UTC()
	}
	year, month, day := x.Date()
	if year < 0 || year > 9999 {
		if t == bs.TypeDate {
			return x.AppendFormat(b, "2006-01-02")
		}
		return x.AppendFormat(b, "2006-01-02T15:04:05Z")
	}
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10))
	if t == bs.TypeDate {
		return b
	}
	h, m, sec := x.Clock()
	return append(b, 'T', byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), 'Z')
}
