package config

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
)

// DSN is a destination connection string taken apart. ParseDSN reads every
// form users know; DriverDSN renders the one form the Go driver of the
// destination type expects.
type DSN struct {
	Type DestType `json:"type"`
	// Form is the syntax it was written in: "url" (postgres://, mysql://,
	// sqlite:), "ado" (CData / ADO.NET Server=…;Database=…; or Data Source=…),
	// "mysql" (go-sql-driver user:pass@tcp(host)/db), "libpq"
	// (host=… dbname=…) or "path" (a SQLite file name).
	Form string `json:"form"`
	// Host and Port of a network server (Port "" for the driver's default);
	// Socket is a Unix socket path or directory instead of Host.
	Host   string `json:"host,omitempty"`
	Port   string `json:"port,omitempty"`
	Socket string `json:"socket,omitempty"`
	// Database is the PostgreSQL database or the MySQL default database.
	Database string `json:"database,omitempty"`
	User     string `json:"user,omitempty"`
	Password Secret `json:"password,omitzero"`
	// Path is the SQLite database file (absolute), or ":memory:".
	Path string `json:"path,omitempty"`
	// Params are driver parameters, in the driver's spelling, in the order
	// written (sslmode, connect_timeout for pgx; tls, charset for MySQL;
	// mode, _pragma for SQLite).
	Params []Property `json:"params,omitempty"`
	// Ignored are the keys of a CData/ADO.NET connection string that have no
	// equivalent for the driver and were dropped.
	Ignored []string `json:"ignored,omitempty"`
}

// DestTypes lists the accepted destination type names and their aliases.
var destTypeNames = map[string]DestType{
	"sqlite": SQLite, "sqlite3": SQLite,
	"postgres": Postgres, "postgresql": Postgres, "pg": Postgres,
	"mysql": MySQL, "mariadb": MySQL,
}

// ParseDestType reads a destination type name: sqlite (sqlite3), postgres
// (postgresql, pg) or mysql (mariadb), case-insensitively.
func ParseDestType(s string) (DestType, error) {
	if t, ok := destTypeNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return t, nil
	}
	return "", fmt.Errorf("%q is not a destination type; use sqlite, postgres or mysql (mariadb)", s)
}

// errDSN builds a DSN error. It never includes the DSN itself, which may
// carry a password.
func errDSN(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// ParseDSN reads a connection string for a destination of type t. Relative
// SQLite paths are taken from dir (the config file's directory; the
// working directory when dir is ""). Errors name what is wrong without
// quoting the connection string, so a password never reaches a log.
func ParseDSN(t DestType, raw, dir string) (DSN, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return DSN{}, errDSN("empty connection string")
	}
	var (
		d   DSN
		err error
	)
	switch t {
	case SQLite:
		d, err = parseSQLiteDSN(s, dir)
	case Postgres, MySQL:
		d, err = parseServerDSN(t, s)
	default:
		return DSN{}, errDSN("unknown destination type %q", t)
	}
	if err != nil {
		return DSN{}, err
	}
	d.Type = t
	return d, nil
}

// parseServerDSN reads the forms accepted for PostgreSQL and MySQL.
func parseServerDSN(t DestType, s string) (DSN, error) {
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://"):
		if t != Postgres {
			return DSN{}, errDSN("a postgres:// URL cannot be used for a %s destination; write mysql://user:pass@host:3306/db, user:pass@tcp(host:3306)/db or Server=…;Database=…;", t)
		}
		return parseURLDSN(t, s)
	case strings.HasPrefix(lower, "mysql://") || strings.HasPrefix(lower, "mariadb://"):
		if t != MySQL {
			return DSN{}, errDSN("a mysql:// URL cannot be used for a %s destination; write postgres://user:pass@host:5432/db, host=… dbname=… or Server=…;Database=…;", t)
		}
		return parseURLDSN(t, s)
	case strings.Contains(lower, "://"):
		scheme := lower[:strings.Index(lower, "://")]
		if len(scheme) < 20 && !strings.ContainsAny(scheme, "@:/;= ") {
			return DSN{}, errDSN("unsupported URL scheme %q for a %s destination; use %s://", scheme, t, map[DestType]string{Postgres: "postgres", MySQL: "mysql"}[t])
		}
	}
	if t == Postgres && looksLibpq(s) && !strings.Contains(s, ";") {
		return parseLibpq(s)
	}
	if cs, err := ParseConnString(s); err == nil && cs.hasAny(adoServerKeys...) {
		return parseADOServer(t, cs)
	}
	if looksGoMySQL(s) {
		return parseGoMySQL(s)
	}
	return DSN{}, errDSN("not a connection string this %s destination understands; write %s", t, dsnForms[t])
}

var dsnForms = map[DestType]string{
	SQLite:   "a file name (backlog.db), file:backlog.db?mode=rwc, sqlite:///abs/backlog.db or Data Source=backlog.db;",
	Postgres: "postgres://user:pass@host:5432/db, host=… port=5432 dbname=… user=…, Server=…;Port=5432;Database=…;User=…;Password=…; or user:pass@tcp(host:5432)/db",
	MySQL:    "user:pass@tcp(host:3306)/db, mysql://user:pass@host:3306/db or Server=…;Port=3306;Database=…;User=…;Password=…;",
}

func (c ConnString) hasAny(keys ...string) bool {
	_, ok := c.Get(keys...)
	return ok
}

// DriverDSN returns the connection string for the destination's Go driver:
// a postgres:// URL for pgx, user:pass@tcp(host:port)/db?… for
// go-sql-driver/mysql, a file path (or file: URI with parameters) for
// modernc.org/sqlite. Destination.Password, when set, replaces the DSN's.
func (d Destination) DriverDSN() (string, error) {
	p, err := d.ParseDSN()
	if err != nil {
		return "", err
	}
	return p.DriverDSN()
}

// ParseDSN takes the destination's connection string apart.
func (d Destination) ParseDSN() (DSN, error) {
	p, err := ParseDSN(d.Type, d.DSN, d.dir)
	if err != nil {
		return DSN{}, err
	}
	if !d.Password.IsZero() {
		if d.Type == SQLite {
			return DSN{}, errDSN("a SQLite destination takes no password")
		}
		p.Password = d.Password
	}
	return p, nil
}

// Redacted is the driver connection string with the password replaced by
// "****", for logs and `backlogsync check`.
func (d Destination) Redacted() string {
	p, err := d.ParseDSN()
	if err != nil {
		return "(invalid connection string)"
	}
	return p.Redacted()
}

// String is Redacted prefixed with the name and type.
func (d Destination) String() string {
	return fmt.Sprintf("%s (%s) %s", d.Name, d.Type, d.Redacted())
}

// MarshalJSON shows the redacted driver DSN instead of the raw one.
func (d Destination) MarshalJSON() ([]byte, error) {
	type plain Destination
	return json.Marshal(struct {
		plain
		DSN string `json:"dsn"`
	}{plain(d), d.Redacted()})
}

// Redacted is DriverDSN with the password replaced by "****".
func (p DSN) Redacted() string {
	// A placeholder that no encoding alters, swapped for the mask afterwards
	// (a URL would percent-encode "*").
	const placeholder = "REDACTEDxPASSWORD"
	if !p.Password.IsZero() {
		p.Password = NewSecret(placeholder)
	}
	s, err := p.DriverDSN()
	if err != nil {
		return "(invalid connection string)"
	}
	return strings.Replace(s, placeholder, mask, 1)
}

// DriverDSN renders p in the form its type's Go driver expects.
func (p DSN) DriverDSN() (string, error) {
	switch p.Type {
	case SQLite:
		return p.sqliteDriverDSN(), nil
	case Postgres:
		return p.pgxDriverDSN()
	case MySQL:
		return p.mysqlDriverDSN()
	}
	return "", errDSN("unknown destination type %q", p.Type)
}

func (p DSN) pgxDriverDSN() (string, error) {
	if p.Database == "" {
		return "", errDSN("no database name; add Database=… (or dbname=…, or /db at the end of the URL)")
	}
	if p.Password.Reveal() != "" && p.User == "" {
		return "", errDSN("a password without a user name; add User=…")
	}
	u := url.URL{Scheme: "postgres", Path: "/" + p.Database}
	if p.User != "" {
		if p.Password.Reveal() != "" {
			u.User = url.UserPassword(p.User, p.Password.Reveal())
		} else {
			u.User = url.User(p.User)
		}
	}
	switch {
	case p.Host != "" && strings.Contains(p.Host, ","):
		u.Host = p.Host // several hosts, as written
	case p.Host != "" && p.Port != "":
		u.Host = net.JoinHostPort(p.Host, p.Port)
	case p.Host != "":
		u.Host = p.Host
		if strings.Contains(p.Host, ":") {
			u.Host = "[" + p.Host + "]"
		}
	case p.Port != "":
		u.Host = ":" + p.Port
	}
	params := p.Params
	if p.Socket != "" {
		params = append([]Property{{"host", p.Socket}}, params...)
	}
	u.RawQuery = encodeParams(params)
	return u.String(), nil
}

func (p DSN) mysqlDriverDSN() (string, error) {
	if p.Database == "" {
		return "", errDSN("no database name; add Database=… (or /db after the address)")
	}
	if strings.ContainsRune(p.Database, '/') {
		return "", errDSN("database name %q contains '/', which go-sql-driver/mysql cannot express", p.Database)
	}
	if strings.ContainsRune(p.User, ':') {
		return "", errDSN("user name contains ':', which go-sql-driver/mysql cannot express")
	}
	pw := p.Password.Reveal()
	if pw != "" && p.User == "" {
		return "", errDSN("a password without a user name; add User=…")
	}
	var b strings.Builder
	if p.User != "" {
		b.WriteString(p.User)
		if pw != "" {
			b.WriteByte(':')
			b.WriteString(pw)
		}
		b.WriteByte('@')
	}
	switch {
	case p.Socket != "":
		b.WriteString("unix(" + p.Socket + ")")
	case p.Host != "" && p.Port != "":
		b.WriteString("tcp(" + net.JoinHostPort(p.Host, p.Port) + ")")
	case p.Host != "":
		h := p.Host
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		b.WriteString("tcp(" + h + ")")
	case p.Port != "":
		b.WriteString("tcp(" + net.JoinHostPort("127.0.0.1", p.Port) + ")")
	}
	b.WriteByte('/')
	b.WriteString(p.Database)
	if q := encodeParams(p.Params); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String(), nil
}

func (p DSN) sqliteDriverDSN() string {
	if len(p.Params) == 0 {
		return p.Path
	}
	path := p.Path
	if path != ":memory:" {
		path = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(filepath.ToSlash(path))
	}
	return "file:" + path + "?" + encodeParams(p.Params)
}

// encodeParams renders params as a query string in their order.
func encodeParams(params []Property) string {
	var b strings.Builder
	for i, kv := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv.Value))
	}
	return b.String()
}

// setParam sets key in params, replacing an earlier value.
func setParam(params []Property, key, value string) []Property {
	for i := range params {
		if params[i].Key == key {
			params[i].Value = value
			return params
		}
	}
	return append(params, Property{key, value})
}

// windowsPath reports whether p looks like a Windows absolute path (C:\x,
// C:/x or \\server\share), which is what CData's Windows edition writes.
func windowsPath(p string) bool {
	if strings.HasPrefix(p, `\\`) {
		return true
	}
	return len(p) >= 3 && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// absPath makes a SQLite path absolute against dir. Windows paths are kept
// as they are (they are absolute on Windows and meaningless elsewhere).
func absPath(p, dir string) string {
	if p == ":memory:" || filepath.IsAbs(p) || windowsPath(p) {
		return p
	}
	if dir == "" {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	return filepath.Join(dir, p)
}

// dsnWarnings are the non-fatal remarks about a parsed DSN.
func (p DSN) warnings() []string {
	var w []string
	for _, k := range p.Ignored {
		w = append(w, fmt.Sprintf("connection property %s has no %s driver equivalent and is ignored", k, p.Type))
	}
	if p.Type == SQLite && windowsPath(p.Path) && runtime.GOOS != "windows" {
		w = append(w, fmt.Sprintf("Data Source %s is a Windows path; on this system write a local path such as backlog.db", p.Path))
	}
	return w
}
