package odata

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
)

// systemOptions are the system query options this service reads, named in
// the message about an unknown one.
var systemOptions = []string{"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$expand", "$skiptoken", "$format"}

// optionNames are systemOptions without the $.
var optionNames = func() []string {
	names := make([]string, len(systemOptions))
	for i, o := range systemOptions {
		names[i] = o[1:]
	}
	return names
}()

type queryOption struct{ name, value string }

// splitQuery splits a raw query string. Values are decoded as forms are
// ('+' is a space, as most HTTP clients and servers read it); the $filter
// lexer reads a date-time followed by " hh:mm" as the +hh:mm offset whose
// '+' a client did not encode. System option names are matched
// case-insensitively (OData 4.01 allows $FILTER) and may appear once.
func splitQuery(raw string) ([]queryOption, error) {
	var out []queryOption
	seen := map[string]bool{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, &optionError{Status: 400, Option: k, Msg: "bad percent-encoding in the option name"}
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, &optionError{Status: 400, Option: name, Msg: "bad percent-encoding in the value"}
		}
		if strings.HasPrefix(name, "$") {
			name = strings.ToLower(name)
			if seen[name] {
				return nil, &optionError{Status: 400, Option: name, Msg: "given more than once"}
			}
			seen[name] = true
		}
		out = append(out, queryOption{name, value})
	}
	return out, nil
}

// options are the parsed system query options of a collection request.
type options struct {
	raw     []queryOption // as given, for the next link
	filter  *node
	filterS string
	sel     []string // column names; nil means all
	order   []bs.Order
	top     int // -1: none
	skip    int
	count   bool
	after   []any
	expand  []*nav
	format  string
	page    int    // effective page size
	applied string // Preference-Applied value
}

// parseOptions reads the query options for a request on set (single is
// true for one entity, where only $select, $expand and $format apply).
func (rq *request) parseOptions(set *entitySet, single bool) (*options, error) {
	opts, err := splitQuery(rq.r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	o := &options{raw: opts, top: -1, page: rq.h.o.MaxPageSize}
	var token string
	for _, kv := range opts {
		if !strings.HasPrefix(kv.name, "$") {
			if strings.HasPrefix(kv.name, "@") {
				return nil, &optionError{Status: 501, Option: kv.name, Msg: "parameter aliases are not supported"}
			}
			continue // custom query options are allowed and ignored
		}
		bad := func(format string, args ...any) error {
			return &optionError{Status: 400, Option: kv.name, Msg: fmt.Sprintf(format, args...)}
		}
		if single {
			switch kv.name {
			case "$select", "$expand", "$format":
			default:
				return nil, bad("not allowed when addressing one entity")
			}
		}
		switch kv.name {
		case "$filter":
			if o.filter, err = parseFilter("$filter", kv.value); err != nil {
				return nil, err
			}
			o.filterS = kv.value
		case "$select":
			if o.sel, err = parseSelect(set, kv.value); err != nil {
				return nil, err
			}
		case "$orderby":
			if o.order, err = parseOrderBy(set, kv.value); err != nil {
				return nil, err
			}
		case "$top", "$skip":
			v := strings.TrimSpace(kv.value)
			n, err := strconv.Atoi(v)
			if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") { // a huge negative is out of range too, but not too large
				return nil, bad("%s is too large; the largest is %d", kv.value, math.MaxInt)
			}
			if err != nil || n < 0 {
				return nil, bad("want a non-negative integer, got %q", kv.value)
			}
			if kv.name == "$top" {
				o.top = n
			} else {
				o.skip = n
			}
		case "$count":
			switch strings.ToLower(kv.value) {
			case "true":
				o.count = true
			case "false":
			default:
				return nil, bad("want true or false, got %q", kv.value)
			}
		case "$expand":
			if o.expand, err = parseExpand(set, kv.value); err != nil {
				return nil, err
			}
		case "$skiptoken":
			token = kv.value
		case "$format":
			f := strings.ToLower(strings.TrimSpace(kv.value))
			mt, _, _ := strings.Cut(f, ";")
			switch mt {
			case "json", "application/json":
				o.format = f
			case "atom", "application/atom+xml":
				o.format = "atom"
			case "xml", "application/xml":
				return nil, &optionError{Status: 501, Option: "$format", Msg: "entity data is served as JSON or Atom; use $format=json or $format=atom"}
			default:
				return nil, bad("unknown format %q; use json or atom", kv.value)
			}
		case "$apply", "$search", "$compute", "$levels", "$index", "$schemaversion", "$deltatoken", "$id":
			return nil, &optionError{Status: 501, Option: kv.name, Msg: "not supported by this service"}
		default:
			hint := ""
			if n := fuzzy.Nearest(kv.name[1:], optionNames); n != "" { // without the $, which all share
				hint = fmt.Sprintf(" (did you mean %q?)", "$"+n)
			}
			return nil, bad("unknown system query option%s; use one of %s", hint, strings.Join(systemOptions, ", "))
		}
	}
	if token != "" {
		if o.after, err = decodeToken(set, o.order, token); err != nil {
			return nil, err
		}
		o.skip = 0 // the token already lies beyond the skipped rows
	}
	if n := preferMaxPageSize(rq.r); n > 0 {
		o.page = min(n, rq.h.o.MaxPageSize)
		o.applied = "odata.maxpagesize=" + strconv.Itoa(o.page)
	}
	return o, nil
}

// preferMaxPageSize reads odata.maxpagesize (or the older maxpagesize) from
// the Prefer headers; 0 when absent or invalid.
func preferMaxPageSize(r *http.Request) int {
	for _, h := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(h, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			k = strings.ToLower(strings.TrimSpace(k))
			if ok && (k == "odata.maxpagesize" || k == "maxpagesize") {
				if n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(v), `"`)); err == nil && n > 0 {
					return n
				}
			}
		}
	}
	return 0
}

// listItems splits a comma-separated option value, with each item's
// 1-based position.
func listItems(v string) (items []string, pos []int) {
	start := 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == ',' {
			item := v[start:i]
			lead := len(item) - len(strings.TrimLeft(item, " "))
			items = append(items, strings.TrimSpace(item))
			pos = append(pos, start+lead+1)
			start = i + 1
		}
	}
	return items, pos
}

func parseSelect(set *entitySet, v string) ([]string, error) {
	items, pos := listItems(v)
	var out []string
	seen := map[string]bool{}
	for i, it := range items {
		e := func(status int, format string, args ...any) error {
			return &optionError{Status: status, Option: "$select", Pos: pos[i], Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case it == "":
			return nil, e(400, "empty item")
		case it == "*":
			return nil, nil
		case strings.ContainsAny(it, "/()."):
			return nil, e(501, "%q: only property names are supported", it)
		}
		if c, ok := set.column(it); ok {
			if !seen[c.Name] {
				out = append(out, c.Name)
				seen[c.Name] = true
			}
			continue
		}
		if set.nav(it) != nil {
			return nil, e(400, "%s is a navigation property; use $expand=%s", it, it)
		}
		return nil, e(400, "%s has no property %q%s", set.Name, it, set.suggest(it))
	}
	return out, nil
}

func parseOrderBy(set *entitySet, v string) ([]bs.Order, error) {
	items, pos := listItems(v)
	var out []bs.Order
	for i, it := range items {
		e := func(status int, format string, args ...any) error {
			return &optionError{Status: status, Option: "$orderby", Pos: pos[i], Msg: fmt.Sprintf(format, args...)}
		}
		fields := strings.Fields(it)
		if len(fields) == 0 || len(fields) > 2 {
			if len(fields) > 2 || strings.ContainsAny(it, "()") {
				return nil, e(501, "%q: only property names (asc or desc) are supported", it)
			}
			return nil, e(400, "empty item")
		}
		desc := false
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "asc":
			case "desc":
				desc = true
			default:
				return nil, e(400, "want asc or desc after %s, got %q", fields[0], fields[1])
			}
		}
		c, ok := set.column(fields[0])
		if !ok {
			if strings.ContainsAny(fields[0], "/()") {
				return nil, e(501, "%q: only property names are supported", fields[0])
			}
			return nil, e(400, "%s has no property %q%s", set.Name, fields[0], set.suggest(fields[0]))
		}
		out = append(out, bs.Order{Column: c.Name, Desc: desc})
	}
	return out, nil
}

func parseExpand(set *entitySet, v string) ([]*nav, error) {
	items, pos := listItems(v)
	var out []*nav
	for i, it := range items {
		e := func(status int, format string, args ...any) error {
			return &optionError{Status: status, Option: "$expand", Pos: pos[i], Msg: fmt.Sprintf(format, args...)}
		}
		if strings.ContainsAny(it, "/(*$") {
			return nil, e(501, "%q: only single-level $expand of a navigation property, without nested options, is supported", it)
		}
		n := set.nav(it)
		if n == nil {
			return nil, e(400, "%s has no navigation property %q%s", set.Name, it, set.suggest(it))
		}
		out = append(out, n)
	}
	return out, nil
}

// sortColumns are the columns of a keyset position: the order, then the key.
func sortColumns(set *entitySet, order []bs.Order) []bs.Column {
	var cols []bs.Column
	for _, o := range order {
		c, _ := set.column(o.Column)
		cols = append(cols, c)
	}
	for _, k := range set.Def.PrimaryKey {
		c, _ := set.column(k)
		cols = append(cols, c)
	}
	return cols
}

// encodeToken encodes a sort-key position as an opaque $skiptoken: base64url
// of a JSON array (times as RFC 3339, everything else as itself).
func encodeToken(vals []any) string {
	b := []byte{'['}
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		switch x := v.(type) {
		case time.Time:
			b = appendString(b, x.UTC().Format(time.RFC3339))
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				b = appendString(b, strconv.FormatFloat(x, 'g', -1, 64))
			} else {
				b = strconv.AppendFloat(b, x, 'g', -1, 64)
			}
		default:
			b = appendValue(b, 0, v, false)
		}
	}
	b = append(b, ']')
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(set *entitySet, order []bs.Order, token string) ([]any, error) {
	bad := &optionError{Status: 400, Option: "$skiptoken", Msg: "not a token this server issued for this $orderby; follow @odata.nextLink as given"}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	var vals []json.RawMessage
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, bad
	}
	cols := sortColumns(set, order)
	if len(vals) != len(cols) {
		return nil, bad
	}
	out := make([]any, len(vals))
	for i, c := range cols {
		if string(vals[i]) == "null" {
			continue
		}
		var v any
		switch c.Type {
		case bs.TypeInt:
			var n int64
			err = json.Unmarshal(vals[i], &n)
			v = n
		case bs.TypeFloat:
			var f float64
			if err = json.Unmarshal(vals[i], &f); err != nil {
				var s string
				if json.Unmarshal(vals[i], &s) == nil {
					f, err = strconv.ParseFloat(s, 64)
				}
			}
			v = f
		case bs.TypeBool:
			var x bool
			err = json.Unmarshal(vals[i], &x)
			v = x
		case bs.TypeDate, bs.TypeTimestamp:
			var s string
			if err = json.Unmarshal(vals[i], &s); err == nil {
				var tm time.Time
				if c.Type == bs.TypeDate {
					tm, err = time.Parse("2006-01-02", s)
				} else {
					tm, err = time.Parse(time.RFC3339, s)
				}
				v = tm
			}
		default:
			var s string
			err = json.Unmarshal(vals[i], &s)
			v = s
		}
		if err != nil {
			return nil, bad
		}
		out[i] = v
	}
	return out, nil
}

// nextLinkQuery rebuilds the query string for the next page: the options as
// given except $skip, $top and $skiptoken, then $top (what remains of it)
// and the new $skiptoken. Spaces are %20, never '+'.
func nextLinkQuery(o *options, remaining int, token string) string {
	esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	var parts []string
	for _, kv := range o.raw {
		switch kv.name {
		case "$skip", "$top", "$skiptoken":
			continue
		}
		parts = append(parts, esc(kv.name)+"="+esc(kv.value))
	}
	if remaining >= 0 {
		parts = append(parts, "$top="+strconv.Itoa(remaining))
	}
	parts = append(parts, "$skiptoken="+token)
	q := strings.Join(parts, "&")
	return strings.ReplaceAll(q, "%24", "$")
}
