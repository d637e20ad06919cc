package emulator

import (
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds request bodies (uploads included); Backlog's own per-file
// limit is 10 MiB on most plans.
const maxBody = 32 << 20

// params holds request parameters with Backlog's array spellings folded:
// "x[]", "x[0]", "x[1]" and repeated "x" all land under "x". Keys are decoded
// before folding, so percent-encoded brackets ("x%5B%5D") work too.
type params map[string][]string

// foldKey strips a trailing "[]" or "[N]".
func foldKey(k string) string {
	if !strings.HasSuffix(k, "]") {
		return k
	}
	i := strings.LastIndexByte(k, '[')
	if i <= 0 {
		return k
	}
	inner := k[i+1 : len(k)-1]
	if inner == "" {
		return k[:i]
	}
	if _, err := strconv.Atoi(inner); err == nil {
		return k[:i]
	}
	return k
}

// fold adds url.Values into p with folded keys. Indexed keys keep their index
// order.
func (p params) fold(v url.Values) {
	type kv struct {
		idx  int
		vals []string
	}
	indexed := map[string][]kv{}
	for k, vals := range v {
		fk := foldKey(k)
		if fk != k && !strings.HasSuffix(k, "[]") {
			n, _ := strconv.Atoi(k[strings.LastIndexByte(k, '[')+1 : len(k)-1])
			indexed[fk] = append(indexed[fk], kv{n, vals})
			continue
		}
		p[fk] = append(p[fk], vals...)
	}
	for fk, list := range indexed {
		// insertion sort: lists are tiny
		for i := 1; i < len(list); i++ {
			for j := i; j > 0 && list[j].idx < list[j-1].idx; j-- {
				list[j], list[j-1] = list[j-1], list[j]
			}
		}
		for _, e := range list {
			p[fk] = append(p[fk], e.vals...)
		}
	}
}

// parseParams reads the query string and, for requests with a body, a form,
// multipart or JSON body. Body values are appended after query values.
// Uploaded files are returned separately.
func parseParams(r *http.Request) (params, []uploadedFile, *apiError) {
	p := params{}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, nil, badRequest("Malformed query string: %v.", err)
	}
	p.fold(q)
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := http.MaxBytesReader(nil, r.Body, maxBody)
	switch ct {
	case "multipart/form-data":
		if ctParams["boundary"] == "" {
			return nil, nil, badRequest("Malformed multipart body: no boundary.")
		}
		r.Body = body
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, nil, badRequest("Malformed multipart body: %v.", err)
		}
		p.fold(r.MultipartForm.Value)
		var files []uploadedFile
		for name, fhs := range r.MultipartForm.File {
			for _, fh := range fhs {
				files = append(files, uploadedFile{Field: foldKey(name), Name: fh.Filename, Size: fh.Size})
			}
		}
		return p, files, nil
	case "application/json":
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, nil, badRequest("Request body too large or unreadable: %v.", err)
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			return p, nil, nil
		}
		var obj map[string]any
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, nil, badRequest("Malformed JSON body: %v.", err)
		}
		v := url.Values{}
		for k, val := range obj {
			addJSONValue(v, k, val)
		}
		p.fold(v)
		return p, nil, nil
	default:
		// Form bodies, also when the client sent no Content-Type.
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, nil, badRequest("Request body too large or unreadable: %v.", err)
		}
		f, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, nil, badRequest("Malformed form body: %v.", err)
		}
		p.fold(f)
		return p, nil, nil
	}
}

// addJSONValue flattens a JSON body value into form values.
func addJSONValue(v url.Values, k string, val any) {
	switch x := val.(type) {
	case nil:
	case string:
		v.Add(k, x)
	case bool:
		v.Add(k, strconv.FormatBool(x))
	case float64:
		v.Add(k, strconv.FormatFloat(x, 'f', -1, 64))
	case []any:
		for _, e := range x {
			addJSONValue(v, k, e)
		}
	default:
		b, _ := json.Marshal(x)
		v.Add(k, string(b))
	}
}

// uploadedFile describes a multipart file part.
type uploadedFile struct {
	Field string
	Name  string
	Size  int64
}

// has reports whether the parameter was given.
func (p params) has(k string) bool { _, ok := p[k]; return ok }

// str returns the first value of k, or "".
func (p params) str(k string) string {
	if v := p[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// optStr returns the first value of k, or nil when absent.
func (p params) optStr(k string) *string {
	if v := p[k]; len(v) > 0 {
		return &v[0]
	}
	return nil
}

// required returns the first value of k or a code-7 error naming it.
func (p params) required(k string) (string, *apiError) {
	v := p[k]
	if len(v) == 0 || v[0] == "" {
		return "", badRequest("Missing required parameter: %s.", k)
	}
	return v[0], nil
}

// int64 parses k; absent gives def.
func (p params) int64(k string, def int64) (int64, *apiError) {
	s := p.str(k)
	if !p.has(k) || s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badRequest("Invalid %s: %q is not a number.", k, s)
	}
	return n, nil
}

// optInt64 parses k; absent or empty gives nil.
func (p params) optInt64(k string) (*int64, *apiError) {
	if !p.has(k) || p.str(k) == "" {
		return nil, nil
	}
	n, e := p.int64(k, 0)
	if e != nil {
		return nil, e
	}
	return &n, nil
}

// requiredInt64 parses a required numeric parameter.
func (p params) requiredInt64(k string) (int64, *apiError) {
	if _, e := p.required(k); e != nil {
		return 0, e
	}
	return p.int64(k, 0)
}

// rangeInt parses k within [lo, hi]; absent gives def.
func (p params) rangeInt(k string, def, lo, hi int64) (int64, *apiError) {
	n, e := p.int64(k, def)
	if e != nil {
		return 0, e
	}
	if n < lo || n > hi {
		return 0, badRequest("Invalid %s: %d is out of range (%d to %d).", k, n, lo, hi)
	}
	return n, nil
}

// ints parses every value of a multi-valued numeric parameter.
func (p params) ints(k string) ([]int64, *apiError) {
	var out []int64
	for _, s := range p[k] {
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, badRequest("Invalid %s[]: %q is not a number.", k, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// optFloat parses k as a number; absent or empty gives nil.
func (p params) optFloat(k string) (*float64, *apiError) {
	if !p.has(k) || p.str(k) == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(p.str(k), 64)
	if err != nil {
		return nil, badRequest("Invalid %s: %q is not a number.", k, p.str(k))
	}
	return &f, nil
}

// optBool parses k as true/false; absent gives nil.
func (p params) optBool(k string) (*bool, *apiError) {
	if !p.has(k) || p.str(k) == "" {
		return nil, nil
	}
	switch p.str(k) {
	case "true":
		t := true
		return &t, nil
	case "false":
		f := false
		return &f, nil
	}
	return nil, badRequest("Invalid %s: %q is not true or false.", k, p.str(k))
}

// bool parses k with a default.
func (p params) bool(k string, def bool) (bool, *apiError) {
	b, e := p.optBool(k)
	if e != nil || b == nil {
		return def, e
	}
	return *b, nil
}

// dateLayout is Backlog's request date format.
const dateLayout = "2006-01-02"

// optDate parses k as yyyy-MM-dd (midnight UTC); absent or empty gives nil.
func (p params) optDate(k string) (*time.Time, *apiError) {
	if !p.has(k) || p.str(k) == "" {
		return nil, nil
	}
	t, err := time.Parse(dateLayout, p.str(k))
	if err != nil {
		return nil, badRequest("Invalid %s: %q is not a date in yyyy-MM-dd format.", k, p.str(k))
	}
	return &t, nil
}

// order parses the order parameter (asc/desc, default desc) and reports
// whether it is ascending.
func (p params) order() (bool, *apiError) {
	switch p.str("order") {
	case "", "desc":
		return false, nil
	case "asc":
		return true, nil
	}
	return false, badRequest("Invalid order: %q (use asc or desc).", p.str("order"))
}

// contentDisposition builds attachment; filename*=UTF-8”<percent-encoded>.
func contentDisposition(name string) string {
	return "attachment; filename*=UTF-8''" + url.PathEscape(name)
}

// clearable reads an optional, clearable parameter with read: absent is
// the zero opt (not given), present is Set with read's value (nil for an
// empty value, which clears).
func clearable[T any](p params, k string, read func(params, string) (*T, *apiError)) (opt[T], *apiError) {
	if !p.has(k) {
		return opt[T]{}, nil
	}
	v, e := read(p, k)
	if e != nil {
		return opt[T]{}, e
	}
	return opt[T]{Set: true, Value: v}, nil
}

// clearables reads several clearable parameters of one kind into their
// destinations; with more than one bad value, the error names the first
// parameter in alphabetical order (deterministically).
func clearables[T any](p params, read func(params, string) (*T, *apiError), dst map[string]*opt[T]) *apiError {
	for _, k := range slices.Sorted(maps.Keys(dst)) {
		v, e := clearable(p, k, read)
		if e != nil {
			return e
		}
		*dst[k] = v
	}
	return nil
}
