package emulator

import (
	"strconv"
	"time"

	"github.com/backlogsync/backlogsync/internal/jsonstr"
)

// jw appends JSON without reflection. The issue list is the emulator's hot
// path (a 100-issue page is about 250 KB); building it with encoding/json
// costs several times more than appending bytes directly.
type jw struct{ b []byte }

// key writes `"k":` preceded by a comma unless it opens the object.
func (w *jw) key(k string) {
	if n := len(w.b); n > 0 && w.b[n-1] != '{' && w.b[n-1] != '[' {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

// elem writes the comma between array elements.
func (w *jw) elem() {
	if n := len(w.b); n > 0 && w.b[n-1] != '[' {
		w.b = append(w.b, ',')
	}
}

func (w *jw) open()        { w.b = append(w.b, '{') }
func (w *jw) close()       { w.b = append(w.b, '}') }
func (w *jw) openArr()     { w.b = append(w.b, '[') }
func (w *jw) closeArr()    { w.b = append(w.b, ']') }
func (w *jw) null()        { w.b = append(w.b, "null"...) }
func (w *jw) raw(b []byte) { w.b = append(w.b, b...) }

func (w *jw) int(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }

func (w *jw) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

// float writes a number the way encoding/json does for float64.
func (w *jw) float(f float64) {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	start := len(w.b)
	w.b = strconv.AppendFloat(w.b, f, fmt, -1, 64)
	if fmt == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		if n := len(w.b) - start; n >= 4 && w.b[len(w.b)-4] == 'e' && w.b[len(w.b)-3] == '-' && w.b[len(w.b)-2] == '0' {
			w.b[len(w.b)-2] = w.b[len(w.b)-1]
			w.b = w.b[:len(w.b)-1]
		}
	}
}

func (w *jw) floatp(f *float64) {
	if f == nil {
		w.null()
		return
	}
	w.float(*f)
}

func (w *jw) int64p(n *int64) {
	if n == nil {
		w.null()
		return
	}
	w.int(*n)
}

// time writes a timestamp as "2006-01-02T15:04:05Z".
func (w *jw) time(t time.Time) {
	w.b = append(w.b, '"')
	w.b = t.UTC().AppendFormat(w.b, "2006-01-02T15:04:05Z")
	w.b = append(w.b, '"')
}

func (w *jw) timep(t *time.Time) {
	if t == nil {
		w.null()
		return
	}
	w.time(*t)
}

func (w *jw) strp(s *string) {
	if s == nil {
		w.null()
		return
	}
	w.str(*s)
}

// str writes a JSON string byte-identical to json.Marshal's (jsonstr.Append
// with HTML escaping).
func (w *jw) str(s string) { w.b = jsonstr.Append(w.b, s, true) }
