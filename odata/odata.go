// Package odata serves a workspace — a set of replicated tables in one
// destination — as a read-only OData 4.0 service for Excel, Power BI and
// other OData clients: the service document, $metadata (CSDL XML), entity
// sets with $select, $filter, $orderby, $top, $skip, $count, $expand, key
// lookup and navigation, and server-driven paging with keyset $skiptoken.
// Payloads are JSON (minimal metadata) or, when the client prefers it by
// Accept q-value or $format=atom, Atom (OData Atom Format 4.0); JSON wins
// ties. Errors are JSON OData error bodies in both cases.
//
// Every query option becomes a backlogsync.Query that the destination runs
// in SQL; rows stream from the database cursor into the response, so memory
// does not grow with the table. Anything the server cannot translate is
// answered 400 or 501 with an OData error naming the option and position,
// never with rows that ignore it. Authentication is the caller's: Resolve
// is called after it.
//
// URLs in payloads (@odata.context, @odata.nextLink, service-document
// urls) are absolute and keep the origin and path the client used: the
// scheme comes from X-Forwarded-Proto (else TLS or not), the host from
// X-Forwarded-Host (else Host), and the mount prefix ("/odata") from
// X-Forwarded-Prefix followed by what http.StripPrefix removed (the
// difference between the request URI and r.URL.Path).
//
// Freshness: every entity-set response carries the time its table was
// last replicated successfully (the newest run with status ok or partial
// that lists the table) in the Backlogsync-Last-Replicated response header
// and, for JSON collections, the instance annotation
// "@backlogsync.lastReplicated" (RFC 3339, UTC; Atom feeds use it as
// <updated>); both are absent when no
// run recorded the table.
package odata

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// Workspace is a named set of tables of one destination, published as one
// OData service.
type Workspace struct {
	Name   string // URL segment
	Dest   bs.Destination
	Tables []string // destination table names exposed (entity sets)
}

// Options configures NewHandler.
type Options struct {
	// Resolve returns the workspace for the first path segment. The caller
	// has already authenticated and authorised the request; a
	// *backlogsync.Error ENOTFOUND → 404, EUNAUTHORIZED → 403 (the user is
	// not granted the workspace), anything else → 500.
	Resolve func(r *http.Request, name string) (*Workspace, error)
	// MaxPageSize is the server-driven page size (default 1000); a client's
	// Prefer: odata.maxpagesize may lower it.
	MaxPageSize int
	// QueryTimeout bounds each request (default 60s).
	QueryTimeout time.Duration
	// Logger receives errors that are the server's fault (default: discard).
	Logger *slog.Logger
}

type handler struct {
	o Options

	mu     sync.Mutex
	models map[string]cachedModel // by workspace name, destination and tables
	fresh  map[string]cachedTime  // by destination and table
}

// cacheTTL bounds how long a workspace's model (its tables' columns, read
// with Destination.Tables) and a table's freshness (Destination.Runs) are
// reused: Power Query fetches $metadata and pages repeatedly, and listing
// tables costs PostgreSQL tens of milliseconds; a migration or a finished run
// shows after at most this long.
const cacheTTL = 10 * time.Second

type cachedModel struct {
	m   *model
	xml []byte
	at  time.Time
}

type cachedTime struct {
	t, at time.Time
}

func (h *handler) model(ctx context.Context, ws *Workspace) (*model, []byte, error) {
	key := fmt.Sprintf("%s\x00%p\x00%s", ws.Name, ws.Dest, strings.Join(ws.Tables, "\x00"))
	h.mu.Lock()
	c, ok := h.models[key]
	h.mu.Unlock()
	if ok && time.Since(c.at) < cacheTTL {
		return c.m, c.xml, nil
	}
	m, err := buildModel(ctx, ws)
	if err != nil {
		return nil, nil, err
	}
	c = cachedModel{m: m, xml: metadataXML(m), at: time.Now()}
	h.mu.Lock()
	if len(h.models) > 1000 {
		clear(h.models)
	}
	h.models[key] = c
	h.mu.Unlock()
	return c.m, c.xml, nil
}

func (h *handler) lastReplicated(ctx context.Context, d bs.Destination, table string) time.Time {
	key := fmt.Sprintf("%p\x00%s", d, table)
	h.mu.Lock()
	c, ok := h.fresh[key]
	h.mu.Unlock()
	if ok && time.Since(c.at) < cacheTTL {
		return c.t
	}
	t := lastReplicated(ctx, d, table)
	h.mu.Lock()
	if len(h.fresh) > 10000 {
		clear(h.fresh)
	}
	h.fresh[key] = cachedTime{t: t, at: time.Now()}
	h.mu.Unlock()
	return t
}

// NewHandler returns the OData handler. It serves "/{workspace}/…"; mount it
// with http.StripPrefix("/odata", h).
func NewHandler(o Options) http.Handler {
	if o.MaxPageSize <= 0 {
		o.MaxPageSize = 1000
	}
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &handler{o: o, models: map[string]cachedModel{}, fresh: map[string]cachedTime{}}
}

// WriteError writes an OData error body ({"error":{"code","message"}}) with
// status and the OData-Version header.
func WriteError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeError(w, status, code, message, "")
}

func writeError(w http.ResponseWriter, status int, code, message, target string) {
	h := w.Header()
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	h.Set("OData-Version", "4.0")
	h.Set("Content-Type", "application/json;odata.metadata=minimal;charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	b := []byte(`{"error":{"code":`)
	b = appendString(b, code)
	b = append(b, `,"message":`...)
	b = appendString(b, message)
	if target != "" {
		b = append(b, `,"target":`...)
		b = appendString(b, target)
	}
	b = append(b, "}}\n"...)
	w.Write(b)
}

// statusCode names an HTTP status as an OData error code.
func statusCode(status int) string {
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// fail answers err: an *optionError with its status, a backlogsync.Error by
// its code, anything else 500 (logged, message generic).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *optionError
	if errors.As(err, &oe) {
		writeError(w, oe.Status, statusCode(oe.Status), oe.Error(), oe.Option)
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		writeError(w, http.StatusServiceUnavailable, "QueryTimeout",
			"the query took longer than "+h.o.QueryTimeout.String()+"; add a $filter or $select, or page with a smaller odata.maxpagesize", "")
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	var be *bs.Error
	if errors.As(err, &be) {
		switch be.Code {
		case bs.ENOTFOUND:
			writeError(w, http.StatusNotFound, "NotFound", be.Error(), "")
			return
		case bs.EINVALID:
			writeError(w, http.StatusBadRequest, "BadRequest", be.Error(), "")
			return
		}
		if s := statusFor(be.Code); s != 0 {
			writeError(w, s, statusCode(s), be.Error(), "")
			return
		}
	}
	h.o.Logger.Error("odata request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "InternalServerError", "internal error; the server log has the details", "")
}

// statusFor maps the error codes other than ENOTFOUND and EINVALID. Resolve
// runs after authentication, so EUNAUTHORIZED from it means "not granted":
// 403.
func statusFor(code string) int {
	switch code {
	case bs.EUNAUTHORIZED:
		return http.StatusForbidden
	case bs.ERATELIMIT:
		return http.StatusTooManyRequests
	case bs.ECONFLICT:
		return http.StatusConflict
	}
	return 0
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("OData-Version", "4.0")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "this OData service is read-only: use GET", "")
		return
	}
	if v := r.Header.Get("OData-MaxVersion"); v != "" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f < 4 {
			writeError(w, http.StatusNotAcceptable, "NotAcceptable", "this service speaks OData 4.0; OData-MaxVersion "+v+" is too low", "")
			return
		}
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	wsName, rest, _ := strings.Cut(path, "/")
	if wsName == "" {
		writeError(w, http.StatusNotFound, "NotFound", "no workspace in the URL: use …/odata/{workspace}", "")
		return
	}
	ws, err := h.o.Resolve(r, wsName)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ws == nil {
		writeError(w, http.StatusNotFound, "NotFound", "no workspace "+strconv.Quote(wsName), "")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.QueryTimeout)
	defer cancel()
	m, xml, err := h.model(ctx, ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rq := &request{h: h, w: w, r: r, ctx: ctx, ws: ws, m: m, xml: xml, base: baseURL(r, wsName)}
	switch rest {
	case "":
		rq.serviceDocument()
	case "$metadata":
		rq.metadata()
	case "$batch":
		writeError(w, http.StatusNotImplemented, "NotImplemented", "$batch is not supported; send one GET per request", "")
	default:
		rq.resource(rest)
	}
}

// request is one OData request being answered.
type request struct {
	h    *handler
	w    http.ResponseWriter
	r    *http.Request
	ctx  context.Context
	ws   *Workspace
	m    *model
	xml  []byte // m's $metadata
	base string // absolute service root, without a trailing slash
}

// baseURL is the service root as the client addressed it.
func baseURL(r *http.Request, ws string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if fh := firstValue(r.Header.Get("X-Forwarded-Host")); fh != "" {
		host = fh
	}
	prefix := ""
	if ruri := r.RequestURI; ruri != "" {
		p, _, _ := strings.Cut(ruri, "?")
		if i := strings.Index(p, "://"); i >= 0 { // absolute-form request target
			if j := strings.IndexByte(p[i+3:], '/'); j >= 0 {
				p = p[i+3+j:]
			}
		}
		if esc := r.URL.EscapedPath(); strings.HasSuffix(p, esc) {
			prefix = strings.TrimSuffix(p, esc)
		}
	}
	if fp := firstValue(r.Header.Get("X-Forwarded-Prefix")); strings.HasPrefix(fp, "/") {
		prefix = strings.TrimSuffix(fp, "/") + prefix
	}
	return scheme + "://" + host + prefix + "/" + escapeSegment(ws)
}

func firstValue(s string) string {
	s, _, _ = strings.Cut(s, ",")
	return strings.TrimSpace(s)
}

func escapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isIdentStart(c) || isDigit(c) || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)>>4, 16)+strconv.FormatInt(int64(c)&15, 16)))
		}
	}
	return b.String()
}

func (rq *request) serviceDocument() {
	f, _ := negotiateFormat(rq.r.Header.Get("Accept"), true)
	if rq.r.URL.RawQuery != "" {
		format, err := rq.formatOnly()
		if err != nil {
			rq.h.fail(rq.w, rq.r, err)
			return
		}
		mt, _, _ := strings.Cut(format, ";")
		switch mt {
		case "":
		case "json", "application/json":
			f = fmtJSON
		case "atom", "xml", "application/atom+xml", "application/atomsvc+xml", "application/xml":
			f = fmtAtom
		default:
			rq.h.fail(rq.w, rq.r, &optionError{Status: 400, Option: "$format", Msg: fmt.Sprintf("unknown format %q; use json or atom", format)})
			return
		}
	}
	switch f {
	case fmtNone:
		rq.notAcceptable()
		return
	case fmtAtom:
		rq.atomServiceDocument()
		return
	}
	b := []byte(`{"@odata.context":`)
	b = appendString(b, rq.base+"/$metadata")
	b = append(b, `,"value":[`...)
	for i, s := range rq.m.Sets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, s.Name)
		b = append(b, `,"kind":"EntitySet","url":`...)
		b = appendString(b, rq.base+"/"+s.Name)
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	rq.writeSmall(jsonType(false), b)
}

func (rq *request) metadata() {
	if rq.r.URL.RawQuery != "" {
		if f, err := rq.formatOnly(); err != nil || (f != "" && f != "xml" && f != "application/xml") {
			if err == nil {
				err = &optionError{Status: 406, Option: "$format", Msg: "$metadata is served as XML (CSDL); JSON CSDL is not supported"}
			}
			rq.h.fail(rq.w, rq.r, err)
			return
		}
	}
	rq.writeSmall("application/xml;charset=utf-8", rq.xml)
}

// formatOnly accepts only $format on the service document and $metadata.
func (rq *request) formatOnly() (string, error) {
	opts, err := splitQuery(rq.r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	f := ""
	for _, kv := range opts {
		switch kv.name {
		case "$format":
			f = strings.ToLower(kv.value)
		default:
			if strings.HasPrefix(kv.name, "$") {
				return "", &optionError{Status: 400, Option: kv.name, Msg: "not allowed on this resource"}
			}
		}
	}
	return f, nil
}

func (rq *request) notAcceptable() {
	writeError(rq.w, http.StatusNotAcceptable, "NotAcceptable",
		"this service answers application/json (odata.metadata=minimal) or application/atom+xml; the Accept header allows neither", "")
}

// writeSmall writes a complete, small body (gzip when accepted).
func (rq *request) writeSmall(contentType string, body []byte) {
	o := newOutput(rq.w, rq.r, contentType)
	if rq.r.Method != http.MethodHead {
		o.Write(body)
	}
	o.Close()
}

func jsonType(ieee bool) string {
	if ieee {
		return "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=true;charset=utf-8"
	}
	return "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
}
