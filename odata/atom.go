package odata

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	bs "github.com/backlogsync/backlogsync"
)

// Atom (OASIS "OData Atom Format Version 4.0") for clients that ask for it
// by Accept or $format=atom. Entity sets stream exactly like JSON: one
// <entry> per row as it is read, the next link after the last one.

const (
	atomType    = "application/atom+xml;type=feed;charset=utf-8"
	atomEntry   = "application/atom+xml;type=entry;charset=utf-8"
	atomSvcType = "application/atomsvc+xml;charset=utf-8"
	nsAtom      = `xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://docs.oasis-open.org/odata/ns/data" xmlns:m="http://docs.oasis-open.org/odata/ns/metadata"`
)

// format is the payload format a request is answered in.
type format int

const (
	fmtNone format = iota // nothing acceptable: 406
	fmtJSON
	fmtAtom
)

// negotiateFormat picks JSON or Atom from the Accept header: JSON whenever
// its best q-value is at least Atom's (wildcards count for JSON), Atom when
// only Atom is preferred. xmlToo lets application/xml and
// application/atomsvc+xml select Atom (the service document). ieee reports
// IEEE754Compatible=true on the chosen JSON range.
func negotiateFormat(accept string, xmlToo bool) (f format, ieee bool) {
	accept = strings.TrimSpace(accept)
	if accept == "" {
		return fmtJSON, false
	}
	jq, aq := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		v, q := mediaQ(part)
		mt, params, _ := strings.Cut(v, ";")
		switch mt {
		case "application/json", "application/*", "*/*":
			if q > jq {
				jq = q
				ieee = strings.Contains(params, "ieee754compatible=true")
			}
		case "application/atom+xml":
			aq = max(aq, q)
		case "application/xml", "application/atomsvc+xml":
			if xmlToo {
				aq = max(aq, q)
			}
		}
	}
	switch {
	case jq > 0 && jq >= aq:
		return fmtJSON, ieee
	case aq > 0:
		return fmtAtom, false
	}
	return fmtNone, false
}

// appendXML appends s escaped as XML character data or attribute value.
// Characters XML 1.0 forbids (control characters, invalid UTF-8) become
// U+FFFD; CR is written as a reference so that parsers keep it.
func appendXML(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '"':
				b = append(b, "&quot;"...)
			case c == '\r':
				b = append(b, "&#xD;"...)
			case c == '\n' || c == '\t':
				b = append(b, c)
			case c < 0x20 || c == 0x7f:
				b = append(b, "\uFFFD"...)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// atomTypeName is the m:type of a column type ("" for Edm.String, which
// needs none).
func atomTypeName(t bs.Type) string {
	if e := edmType(t); e != "Edm.String" {
		return strings.TrimPrefix(e, "Edm.")
	}
	return ""
}

// appendAtomValue appends a value as the text of a d: element.
func appendAtomValue(b []byte, t bs.Type, v any) []byte {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		switch {
		case math.IsInf(x, 1):
			return append(b, "INF"...)
		case math.IsInf(x, -1):
			return append(b, "-INF"...)
		case math.IsNaN(x):
			return append(b, "NaN"...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return appendXML(b, x)
	case time.Time:
		return appendTime(b, t, x)
	}
	return append(b, '?')
}

// keyLiteral is the key predicate of a row, e.g. (Account='acme',Id=1),
// with vals in the order of the set's primary key.
func keyLiteral(set *entitySet, vals []any) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		if len(vals) > 1 {
			b.WriteString(set.Def.PrimaryKey[i] + "=")
		}
		switch x := v.(type) {
		case string:
			b.WriteString("'" + url.PathEscape(strings.ReplaceAll(x, "'", "''")) + "'")
		case time.Time:
			b.WriteString(x.UTC().Format(time.RFC3339))
		case nil:
			b.WriteString("null")
		default:
			b.Write(appendAtomValue(nil, 0, x))
		}
	}
	b.WriteByte(')')
	return b.String()
}

// atomEntry appends one <entry> of set for row r; links, when not nil,
// appends the entry's expanded navigation properties (<link> with
// <m:inline>) for the entry's relative URL.
func (rq *request) appendAtomEntry(b []byte, set *entitySet, p *projection, keyIdx []int, r bs.Row, updated []byte, links func(b []byte, r bs.Row, rel string) []byte) []byte {
	vals := make([]any, len(keyIdx))
	for i, j := range keyIdx {
		vals[i] = r[j]
	}
	rel := set.Name + keyLiteral(set, vals)
	b = append(b, "<entry><id>"...)
	b = appendXML(b, rq.base+"/"+rel)
	b = append(b, `</id><category scheme="http://docs.oasis-open.org/odata/ns/scheme" term="#`...)
	b = appendXML(b, Namespace+"."+set.Name)
	b = append(b, `"/><link rel="edit" href="`...)
	b = appendXML(b, rel)
	b = append(b, `"/>`...)
	if links != nil {
		b = links(b, r, rel)
	}
	b = append(b, `<title/><updated>`...)
	b = append(b, updated...)
	b = append(b, `</updated><author><name/></author><content type="application/xml"><m:properties>`...)
	for i, j := range p.out {
		name := p.cols[i]
		b = append(b, "<d:"...)
		b = append(b, name...)
		if tn := atomTypeName(p.types[i]); tn != "" {
			b = append(b, ` m:type="`...)
			b = append(b, tn...)
			b = append(b, '"')
		}
		if r[j] == nil {
			b = append(b, ` m:null="true"/>`...)
			continue
		}
		b = append(b, '>')
		b = appendAtomValue(b, p.types[i], r[j])
		b = append(b, "</d:"...)
		b = append(b, name...)
		b = append(b, '>')
	}
	return append(b, "</m:properties></content></entry>\n"...)
}

// keyIndexes adds the key columns to p's fetched columns and returns their
// indexes.
func keyIndexes(set *entitySet, p *projection) []int {
	var out []int
	for _, k := range set.Def.PrimaryKey {
		out = append(out, index(&p.fetch, k))
	}
	return out
}

// atomCollection streams an Atom feed of set.
func (rq *request) atomCollection(set *entitySet, o *options, f bs.Expr) {
	pg, ok := rq.startPage(set, o, f)
	if !ok {
		return
	}
	p := pg.p
	keyIdx := keyIndexes(set, p)
	updated := []byte(time.Now().UTC().Format(time.RFC3339))
	if !pg.fresh.IsZero() {
		updated = []byte(pg.fresh.UTC().Format(time.RFC3339))
	}
	out := newOutput(rq.w, rq.r, atomType)
	b := make([]byte, 0, 4096)
	b = append(b, `<?xml version="1.0" encoding="utf-8"?>`+"\n<feed xml:base=\""...)
	b = appendXML(b, rq.base+"/")
	b = append(b, `" `+nsAtom+` m:context="`...)
	b = appendXML(b, rq.contextURL(set, o.sel))
	b = append(b, "\">\n"...)
	if o.count {
		b = append(b, "<m:count>"...)
		b = strconv.AppendInt(b, pg.total, 10)
		b = append(b, "</m:count>\n"...)
	}
	b = append(b, "<id>"...)
	b = appendXML(b, rq.base+"/"+strings.TrimPrefix(rq.resourcePath(), "/"))
	b = append(b, "</id><title type=\"text\">"...)
	b = appendXML(b, set.Name)
	b = append(b, "</title><updated>"...)
	b = append(b, updated...)
	b = append(b, "</updated><author><name/></author>\n"...)
	out.Write(b)

	page, err := pg.read(rq, set, o, f, func(r bs.Row) error {
		b = rq.appendAtomEntry(b[:0], set, p, keyIdx, r, updated, nil)
		_, err := out.Write(b)
		return err
	})
	if err == nil && len(page) > 0 {
		var links func([]byte, bs.Row, string) []byte
		if links, err = rq.atomExpansion(p, o.expand, page, updated); err == nil {
			for _, r := range page {
				b = rq.appendAtomEntry(b[:0], set, p, keyIdx, r, updated, links)
				if _, err = out.Write(b); err != nil {
					break
				}
			}
		}
	}
	if err != nil {
		rq.abandon(out, invalidFilter(err, o))
		return
	}
	b = b[:0]
	if next := pg.nextLink(rq, o); next != "" {
		b = append(b, `<link rel="next" href="`...)
		b = appendXML(b, next)
		b = append(b, "\"/>\n"...)
	}
	b = append(b, "</feed>\n"...)
	out.Write(b)
	if err := out.Close(); err != nil {
		rq.h.o.Logger.Debug("odata: writing the response failed", "path", rq.r.URL.Path, "err", err)
	}
}

// atomEntity answers one entity as an Atom <entry> document.
func (rq *request) atomEntity(set *entitySet, o *options, key bs.Expr) {
	p := newProjection(set, o.sel, nil, o.expand)
	keyIdx := keyIndexes(set, p)
	var row bs.Row
	err := rq.ws.Dest.Query(rq.ctx, set.Table, bs.Query{Columns: p.fetch, Filter: key, Limit: 1}, func(r bs.Row) error {
		row = r
		return nil
	})
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	if row == nil {
		writeError(rq.w, 404, "NotFound", "no "+set.Name+" entity with that key", "")
		return
	}
	fresh := rq.freshness(set)
	if fresh.IsZero() {
		fresh = time.Now()
	}
	updated := []byte(fresh.UTC().Format(time.RFC3339))
	var links func([]byte, bs.Row, string) []byte
	if len(o.expand) > 0 {
		if links, err = rq.atomExpansion(p, o.expand, []bs.Row{row}, updated); err != nil {
			rq.h.fail(rq.w, rq.r, err)
			return
		}
	}
	b := []byte(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	e := rq.appendAtomEntry(nil, set, p, keyIdx, row, updated, links)
	// Put the namespaces and context on the document's root <entry>.
	b = append(b, `<entry xml:base="`...)
	b = appendXML(b, rq.base+"/")
	b = append(b, `" `+nsAtom+` m:context="`...)
	b = appendXML(b, rq.contextURL(set, o.sel)+"/$entity")
	b = append(b, `">`...)
	b = append(b, e[len("<entry>"):]...)
	rq.writeSmall(atomEntry, b)
}

// atomServiceDocument answers the service document as an AtomPub service.
func (rq *request) atomServiceDocument() {
	b := []byte(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<app:service xmlns:app="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:m="http://docs.oasis-open.org/odata/ns/metadata" xml:base="`)
	b = appendXML(b, rq.base+"/")
	b = append(b, `" m:context="`...)
	b = appendXML(b, rq.base+"/$metadata")
	b = append(b, "\">\n<app:workspace><atom:title type=\"text\">"...)
	b = appendXML(b, rq.ws.Name)
	b = append(b, "</atom:title>\n"...)
	for _, s := range rq.m.Sets {
		b = append(b, `<app:collection href="`...)
		b = appendXML(b, s.Name)
		b = append(b, `"><atom:title type="text">`...)
		b = appendXML(b, s.Name)
		b = append(b, "</atom:title></app:collection>\n"...)
	}
	b = append(b, "</app:workspace>\n</app:service>\n"...)
	rq.writeSmall(atomSvcType, b)
}

// atomExpansion reads the rows that expand's navigation properties relate
// to the page's rows (one query per property, as for JSON) and returns
// what appends them to an entry: per property a <link> whose <m:inline>
// holds the related <entry> (empty when there is none) or a <feed> of them.
func (rq *request) atomExpansion(p *projection, expand []*nav, page []bs.Row, updated []byte) (func(b []byte, r bs.Row, rel string) []byte, error) {
	related, targets, keys, err := rq.expandPage(p, expand, page, true)
	if err != nil {
		return nil, err
	}
	return func(b []byte, r bs.Row, rel string) []byte {
		for i, n := range expand {
			var rows []bs.Row
			if key, ok := tupleKey(r, p.navCol[n]); ok {
				rows = related[i][key]
			}
			b = append(b, `<link rel="http://docs.oasis-open.org/odata/ns/related/`...)
			b = appendXML(b, n.Name)
			if n.Many {
				b = append(b, `" type="application/atom+xml;type=feed`...)
			} else {
				b = append(b, `" type="application/atom+xml;type=entry`...)
			}
			b = append(b, `" title="`...)
			b = appendXML(b, n.Name)
			b = append(b, `" href="`...)
			b = appendXML(b, rel+"/"+n.Name)
			b = append(b, `"><m:inline>`...)
			if n.Many {
				b = append(b, "<feed><id>"...)
				b = appendXML(b, rq.base+"/"+rel+"/"+n.Name)
				b = append(b, "</id><title/><updated>"...)
				b = append(b, updated...)
				b = append(b, "</updated><author><name/></author>"...)
				for _, x := range rows {
					b = rq.appendAtomEntry(b, n.Target, targets[i], keys[i], x, updated, nil)
				}
				b = append(b, "</feed>"...)
			} else if len(rows) > 0 {
				b = rq.appendAtomEntry(b, n.Target, targets[i], keys[i], rows[0], updated, nil)
			}
			b = append(b, "</m:inline></link>"...)
		}
		return b
	}, nil
}
