package backlog

//go:generate go run ./internal/cmd/genfastjson

import (
	"encoding/json"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the runtime of a single-pass JSON decoder for the entities a replication
// reads by the hundred thousand: issues and comments with what they embed
// (users, statuses, versions, custom-field values, stars, change logs…).
//
// encoding/json decodes an issue page several times over: it validates the
// page, then each Issue.UnmarshalJSON validates and decodes its object again
// and scans it a third time for unknown members, and every embedded User
// does the same one level down. The decoder here reads each byte once,
// fills the structs directly and collects the unknown members (Extra) in
// the same pass.
//
// It must give exactly what the encoding/json path gives. It therefore only
// handles the ordinary case — valid JSON, keys that match a field exactly
// and appear once, values of the field's JSON type — and gives up ("bails")
// on anything else: a syntax error, an escaped or non-ASCII key, a key that
// matches a field only case-insensitively, a repeated field, a type
// mismatch, a number out of range, nesting deeper than maxFastDepth. The
// caller then decodes the same bytes with encoding/json into an untouched
// value, so unusual input (and every error message) behaves exactly as
// before. fastjson_test.go and FuzzFastDecode check the equivalence.
//
// The per-type decoders (fastIssue, fastUser, …: one switch over the member
// names of each struct) are in fastjson_gen.go, which go generate writes from
// the struct types marked //fastjson:decode and the types they reach (see
// package backlog/internal/fastjsongen). After changing such a type, run
// go generate ./backlog; TestFastJSONGenerated fails while the file is stale.

// maxFastDepth bounds the nesting of skipped (unknown) values; deeper input
// goes to encoding/json, whose own limit is 10000.
const maxFastDepth = 512

// fastDec is the decoder state. After a failure (bad) every method returns
// at once with zero values; callers check bad at the end.
type fastDec struct {
	data []byte
	i    int
	bad  bool
	// strs interns short strings (names, colors, keys, mail addresses)
	// for the length of one decode: an issue page repeats the same users,
	// statuses and types a hundred times. Sharing immutable strings is
	// invisible to callers.
	strs map[string]string
	// arena is the current block of copyBytes.
	arena []byte
}

// newFastDec returns a decoder of data; intern turns string interning on
// (worth it for whole pages, not for one embedded object).
func newFastDec(data []byte, intern bool) *fastDec {
	d := &fastDec{data: data}
	if intern {
		d.strs = make(map[string]string, 64)
	}
	return d
}

func (d *fastDec) fail() { d.bad = true }

// peek skips white space and returns the next byte (0 at the end).
func (d *fastDec) peek() byte {
	for d.i < len(d.data) {
		switch c := d.data[d.i]; c {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return c
		}
	}
	return 0
}

// end reports whether only white space is left.
func (d *fastDec) end() bool { return d.peek() == 0 && d.i == len(d.data) }

// null consumes a null literal if one comes next.
func (d *fastDec) null() bool {
	if d.bad {
		return true
	}
	if d.peek() != 'n' {
		return false
	}
	if d.i+4 <= len(d.data) && string(d.data[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	d.fail()
	return true
}

// object reads a JSON object, calling member for each key with the decoder
// at the member's value, which member must consume.
func (d *fastDec) object(member func(key []byte)) {
	if d.bad {
		return
	}
	if d.peek() != '{' {
		d.fail()
		return
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return
	}
	for !d.bad {
		key := d.key()
		if d.bad {
			return
		}
		member(key)
		if d.bad {
			return
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return
		default:
			d.fail()
			return
		}
	}
}

// key reads `"name" :`; names with escapes or non-ASCII bytes bail (their
// matching rules are encoding/json's business).
func (d *fastDec) key() []byte {
	if d.peek() != '"' {
		d.fail()
		return nil
	}
	start := d.i + 1
	j := start
	for ; j < len(d.data); j++ {
		c := d.data[j]
		if c == '"' {
			break
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			d.fail()
			return nil
		}
	}
	if j >= len(d.data) {
		d.fail()
		return nil
	}
	key := d.data[start:j]
	d.i = j + 1
	if d.peek() != ':' {
		d.fail()
		return nil
	}
	d.i++
	return key
}

// array reads a JSON array (not null), calling elem for each element with
// the decoder at the element, which elem must consume.
func (d *fastDec) array(elem func()) {
	if d.bad {
		return
	}
	if d.peek() != '[' {
		d.fail()
		return
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return
	}
	for !d.bad {
		elem()
		if d.bad {
			return
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return
		default:
			d.fail()
			return
		}
	}
}

// rawString scans the string at d.i and returns its content without the
// quotes, whether it holds escapes, and whether it is plain (no escapes,
// valid UTF-8). It validates escapes and rejects control characters.
func (d *fastDec) rawString() (content []byte, plain bool) {
	if d.bad {
		return nil, false
	}
	if d.peek() != '"' {
		d.fail()
		return nil, false
	}
	start := d.i + 1
	plain = true
	ascii := true
	for j := start; j < len(d.data); j++ {
		c := d.data[j]
		switch {
		case c == '"':
			d.i = j + 1
			content = d.data[start:j]
			if plain && !ascii && !utf8.Valid(content) {
				plain = false
			}
			return content, plain
		case c == '\\':
			plain = false
			j++
			if j >= len(d.data) {
				d.fail()
				return nil, false
			}
			switch d.data[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(d.data) || !isHex(d.data[j+1]) || !isHex(d.data[j+2]) || !isHex(d.data[j+3]) || !isHex(d.data[j+4]) {
					d.fail()
					return nil, false
				}
				j += 4
			default:
				d.fail()
				return nil, false
			}
		case c < 0x20:
			d.fail()
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	d.fail()
	return nil, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// maxIntern is the longest string interned.
const maxIntern = 40

// str reads a string value; null leaves the field as it is (the zero
// string in a fresh struct).
func (d *fastDec) str() string {
	if d.null() {
		return ""
	}
	content, plain := d.rawString()
	if d.bad {
		return ""
	}
	if !plain {
		return unquoteJSON(content)
	}
	if d.strs != nil && len(content) <= maxIntern {
		if s, ok := d.strs[string(content)]; ok {
			return s
		}
		s := string(content)
		d.strs[s] = s
		return s
	}
	return string(content)
}

// strPtr reads a nullable string.
func (d *fastDec) strPtr() *string {
	if d.null() {
		return nil
	}
	s := d.str()
	return &s
}

// unquoteJSON decodes the content of a JSON string that holds escapes or
// invalid UTF-8, with encoding/json's rules: invalid bytes and unpaired
// surrogates become U+FFFD. The escapes were validated by rawString.
func unquoteJSON(s []byte) string {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch s[r+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s[r+2:])
				r += 6
				if utf16.IsSurrogate(rr) {
					if r+6 <= len(s) && s[r] == '\\' && s[r+1] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(s[r+2:])); dec != utf8.RuneError {
							r += 6
							b = utf8.AppendRune(b, dec)
							continue
						}
					}
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // '"', '\\', '/'
				b = append(b, s[r+1])
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return string(b)
}

// hex4 decodes four validated hex digits.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r*16 + rune(c)
	}
	return r
}

// number scans a JSON number and returns its text; integer reports that it
// has no fraction or exponent.
func (d *fastDec) number() (text []byte, integer bool) {
	if d.bad {
		return nil, false
	}
	d.peek()
	start, j, n := d.i, d.i, len(d.data)
	if j < n && d.data[j] == '-' {
		j++
	}
	switch {
	case j < n && d.data[j] == '0':
		j++
	case j < n && '1' <= d.data[j] && d.data[j] <= '9':
		for j < n && '0' <= d.data[j] && d.data[j] <= '9' {
			j++
		}
	default:
		d.fail()
		return nil, false
	}
	integer = true
	if j < n && d.data[j] == '.' {
		integer = false
		j++
		if j >= n || d.data[j] < '0' || d.data[j] > '9' {
			d.fail()
			return nil, false
		}
		for j < n && '0' <= d.data[j] && d.data[j] <= '9' {
			j++
		}
	}
	if j < n && (d.data[j] == 'e' || d.data[j] == 'E') {
		integer = false
		j++
		if j < n && (d.data[j] == '+' || d.data[j] == '-') {
			j++
		}
		if j >= n || d.data[j] < '0' || d.data[j] > '9' {
			d.fail()
			return nil, false
		}
		for j < n && '0' <= d.data[j] && d.data[j] <= '9' {
			j++
		}
	}
	d.i = j
	return d.data[start:j], integer
}

// int64 reads an integer; null leaves the field as it is. Fractions,
// exponents and overflow bail (encoding/json reports them as errors).
func (d *fastDec) int64() int64 {
	if d.null() {
		return 0
	}
	text, integer := d.number()
	if d.bad {
		return 0
	}
	if !integer {
		d.fail()
		return 0
	}
	digits := text
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	if len(digits) > 18 { // may not fit: let strconv decide
		v, err := strconv.ParseInt(string(text), 10, 64)
		if err != nil {
			d.fail()
		}
		return v
	}
	var v int64
	for _, c := range digits {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v
}

// int64Ptr reads a nullable integer.
func (d *fastDec) int64Ptr() *int64 {
	if d.null() {
		return nil
	}
	v := d.int64()
	return &v
}

// float64Ptr reads a nullable number.
func (d *fastDec) float64Ptr() *float64 {
	if d.null() {
		return nil
	}
	text, _ := d.number()
	if d.bad {
		return nil
	}
	v, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		d.fail()
		return nil
	}
	return &v
}

// bool reads true or false; null leaves the field as it is.
func (d *fastDec) bool() bool {
	if d.null() {
		return false
	}
	switch {
	case d.i+4 <= len(d.data) && string(d.data[d.i:d.i+4]) == "true":
		d.i += 4
		return true
	case d.i+5 <= len(d.data) && string(d.data[d.i:d.i+5]) == "false":
		d.i += 5
		return false
	}
	d.fail()
	return false
}

// time reads a timestamp into *t with time.Time's own UnmarshalJSON (null
// leaves *t as it is, as encoding/json does).
func (d *fastDec) time(t *time.Time) {
	if d.null() {
		return
	}
	d.peek()
	start := d.i
	d.rawString()
	if d.bad {
		return
	}
	if err := t.UnmarshalJSON(d.data[start:d.i]); err != nil {
		d.fail()
	}
}

// timePtr reads a nullable timestamp.
func (d *fastDec) timePtr() *time.Time {
	if d.null() {
		return nil
	}
	t := new(time.Time)
	d.time(t)
	return t
}

// datePtr reads a nullable Date with Date.UnmarshalJSON's rules.
func (d *fastDec) datePtr() *Date {
	if d.null() {
		return nil
	}
	content, plain := d.rawString()
	if d.bad {
		return nil
	}
	var s string
	if plain {
		s = string(content)
	} else {
		s = unquoteJSON(content)
	}
	v, err := parseDateValue(s)
	if err != nil {
		d.fail()
		return nil
	}
	return &v
}

// raw reads any value and returns a copy of its bytes (what
// json.RawMessage.UnmarshalJSON keeps; null is kept as "null").
func (d *fastDec) raw() json.RawMessage {
	d.peek()
	start := d.i
	d.skip(0)
	if d.bad {
		return nil
	}
	return d.copyBytes(d.data[start:d.i])
}

// rawSlice reads null (nil) or an array of any values; [] gives an empty
// non-nil slice, as encoding/json does.
func (d *fastDec) rawSlice() []json.RawMessage {
	if d.null() {
		return nil
	}
	vals := []json.RawMessage{}
	d.array(func() { vals = append(vals, d.raw()) })
	return vals
}

// arenaChunk is the size of the blocks raw values are copied into.
const arenaChunk = 8 << 10

// copyBytes returns a copy of b. Small copies share blocks of arenaChunk
// bytes; each is capped (a[i:j:j]) so that appending to one reallocates
// instead of overwriting its neighbour.
func (d *fastDec) copyBytes(b []byte) json.RawMessage {
	if len(b) > arenaChunk/8 {
		return append(json.RawMessage(nil), b...)
	}
	if len(d.arena)+len(b) > cap(d.arena) {
		d.arena = make([]byte, 0, arenaChunk)
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return d.arena[start:len(d.arena):len(d.arena)]
}

// skip validates and skips any value.
func (d *fastDec) skip(depth int) {
	if d.bad {
		return
	}
	if depth > maxFastDepth {
		d.fail()
		return
	}
	switch c := d.peek(); {
	case c == '{':
		d.object(func([]byte) { d.skip(depth + 1) })
	case c == '[':
		d.array(func() { d.skip(depth + 1) })
	case c == '"':
		d.rawString()
	case c == 't' || c == 'f':
		d.bool()
	case c == 'n':
		d.null()
	case c == '-' || '0' <= c && c <= '9':
		d.number()
	default:
		d.fail()
	}
}

// unknown handles a member the struct has no field for: a key that
// matches a field case-insensitively bails (encoding/json would decode it
// into the field); others are skipped, and kept in *extra when extra is not
// nil.
func (d *fastDec) unknown(key []byte, known fieldSet, extra *Extra) {
	var buf [64]byte
	lower := buf[:0]
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	if _, ok := known[string(lower)]; ok {
		d.fail()
		return
	}
	d.peek()
	start := d.i
	d.skip(0)
	if d.bad || extra == nil {
		return
	}
	if *extra == nil {
		*extra = Extra{}
	}
	(*extra)[string(key)] = append(json.RawMessage(nil), d.data[start:d.i]...)
}

// seen marks field bit f as read and bails on a repeat (encoding/json would
// merge the second value into the first).
func (d *fastDec) seen(set *uint64, f uint) {
	if *set&(1<<f) != 0 {
		d.fail()
	}
	*set |= 1 << f
}

// ptrSlice reads null (nil), or an array of objects or nulls; [] gives an
// empty non-nil slice, as encoding/json does. The elements share one
// backing array (one allocation instead of one per element).
func ptrSlice[T any](d *fastDec, elem func(*fastDec, *T)) []*T {
	if d.null() {
		return nil
	}
	var vals []T
	var nils []int
	d.array(func() {
		var zero T
		if d.null() {
			nils = append(nils, len(vals))
			vals = append(vals, zero)
			return
		}
		vals = append(vals, zero)
		elem(d, &vals[len(vals)-1])
	})
	if d.bad {
		return nil
	}
	out := make([]*T, len(vals))
	for i := range vals {
		out[i] = &vals[i]
	}
	for _, i := range nils {
		out[i] = nil
	}
	return out
}

// ptrList is ptrSlice with one allocation per element, for the top-level
// lists of a response: the caller may keep a few elements of a page (and
// should not keep the whole page alive by doing so).
func ptrList[T any](d *fastDec, elem func(*fastDec, *T)) []*T {
	if d.null() {
		return nil
	}
	out := make([]*T, 0, 100)
	d.array(func() {
		if d.null() {
			out = append(out, nil)
			return
		}
		v := new(T)
		elem(d, v)
		out = append(out, v)
	})
	if d.bad {
		return nil
	}
	return out
}

// ptrObj reads null (nil) or an object into a new T.
func ptrObj[T any](d *fastDec, dec func(*fastDec, *T)) *T {
	if d.null() {
		return nil
	}
	v := new(T)
	dec(d, v)
	return v
}

// fastOff turns the fast path off; the differential tests set it to
// compute the encoding/json reference.
var fastOff atomic.Bool

// fastInto is the fast path of an UnmarshalJSON method: it decodes data
// into *p when *p is the zero value (a fresh element or pointer, the usual
// case) and reports whether it did. A non-zero *p gets encoding/json's
// merge semantics from the caller instead.
func fastInto[T any](data []byte, p *T, dec func(*fastDec, *T)) bool {
	if fastOff.Load() || !reflect.ValueOf(p).Elem().IsZero() {
		return false
	}
	v, ok := fastWhole(data, false, dec)
	if ok {
		*p = v
	}
	return ok
}

// fastWhole decodes data, which must hold one value and nothing else, with
// dec; ok is false when the fast path gave up.
func fastWhole[T any](data []byte, intern bool, dec func(*fastDec, *T)) (v T, ok bool) {
	d := newFastDec(data, intern)
	dec(d, &v)
	if d.bad || !d.end() {
		var zero T
		return zero, false
	}
	return v, true
}

// decodeJSON is json.Unmarshal with the fast path for the types it knows.
func decodeJSON(data []byte, v any) error {
	if fastDecode(data, v) {
		return nil
	}
	return json.Unmarshal(data, v)
}

// fastDecode decodes data into v with the fast path when v is one of the
// types it knows and still empty; handled is false otherwise (and when the
// fast path gave up), and v is then untouched.
func fastDecode(data []byte, v any) (handled bool) {
	if fastOff.Load() {
		return false
	}
	switch v := v.(type) {
	case *[]*Issue:
		if len(*v) != 0 {
			return false
		}
		s, ok := fastWhole(data, true, func(d *fastDec, s *[]*Issue) { *s = ptrList(d, fastIssue) })
		if ok {
			*v = s
		}
		return ok
	case *[]*Comment:
		if len(*v) != 0 {
			return false
		}
		s, ok := fastWhole(data, true, func(d *fastDec, s *[]*Comment) { *s = ptrList(d, fastComment) })
		if ok {
			*v = s
		}
		return ok
	case **Issue:
		if *v != nil {
			return false
		}
		p, ok := fastWhole(data, true, func(d *fastDec, p **Issue) { *p = ptrObj(d, fastIssue) })
		if ok {
			*v = p
		}
		return ok
	case **Comment:
		if *v != nil {
			return false
		}
		p, ok := fastWhole(data, true, func(d *fastDec, p **Comment) { *p = ptrObj(d, fastComment) })
		if ok {
			*v = p
		}
		return ok
	}
	return false
}
