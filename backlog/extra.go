package backlog

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Extra holds the members of a JSON object that the Go struct does not know,
// keyed by their JSON name, with their raw values. Newer Backlog servers add
// fields over time; a replicator can store them instead of losing them. It is
// nil when every member was known.
type Extra = map[string]json.RawMessage

// fieldSet is the set of JSON member names a struct type claims, lower-cased
// (encoding/json matches names case-insensitively).
type fieldSet map[string]struct{}

// fieldsOf returns the JSON member names of struct type T.
func fieldsOf[T any]() fieldSet {
	fs := fieldSet{}
	addFields(fs, reflect.TypeFor[T]())
	return fs
}

func addFields(fs fieldSet, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(fs, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs[name] = struct{}{} // exact match, the common case
		fs[strings.ToLower(name)] = struct{}{}
	}
}

// decodeWithExtra unmarshals the JSON object data into v, a pointer to a type
// without an UnmarshalJSON method (usually a local alias of the real struct),
// and stores in *extra the members whose names are not in known. A JSON null
// leaves v and *extra unchanged.
func decodeWithExtra(data []byte, v any, known fieldSet, extra *Extra) error {
	if isNull(data) {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	*extra = nil
	return objectMembers(data, func(key []byte, raw []byte) {
		if _, ok := known[string(key)]; ok { // no allocation
			return
		}
		k := string(key)
		if _, ok := known[strings.ToLower(k)]; ok {
			return
		}
		if *extra == nil {
			*extra = Extra{}
		}
		(*extra)[k] = append(json.RawMessage(nil), raw...)
	})
}

func isNull(data []byte) bool {
	return len(data) == 4 && string(data) == "null"
}

var errNotObject = errors.New("backlog: JSON value is not an object")

// objectMembers calls fn for every member of the JSON object data with its
// (unescaped) name and raw value; both may alias data. It is a light scanner that relies on data
// being valid JSON but never panics or loops on invalid input.
func objectMembers(data []byte, fn func(key, raw []byte)) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errNotObject
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil
	}
	for i < len(data) {
		if data[i] != '"' {
			return errNotObject
		}
		end := skipString(data, i)
		if end < 0 {
			return errNotObject
		}
		rawKey := data[i:end]
		key := rawKey[1 : len(rawKey)-1]
		if hasByte(rawKey, '\\') || !utf8.Valid(rawKey) {
			var s string
			if err := json.Unmarshal(rawKey, &s); err != nil {
				return err
			}
			key = []byte(s)
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return errNotObject
		}
		i = skipSpace(data, i+1)
		vend := skipValue(data, i)
		if vend <= i {
			return errNotObject
		}
		fn(key, data[i:vend])
		i = skipSpace(data, vend)
		if i >= len(data) {
			return errNotObject
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return nil
		default:
			return errNotObject
		}
	}
	return errNotObject
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i] == '"',
// or -1.
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value starting at data[i], or -1.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				e := skipString(data, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
		for j < len(data) {
			switch data[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
}
