package config

import (
	"net/url"
	"strconv"
	"strings"
)

// parseSQLiteDSN reads a SQLite file name, a file: URI, a sqlite: URL or
// CData's Data Source=…; connection string.
func parseSQLiteDSN(s, dir string) (DSN, error) {
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"),
		strings.HasPrefix(lower, "mysql://"), strings.HasPrefix(lower, "mariadb://"):
		return DSN{}, errDSN("a server URL cannot be used for a sqlite destination; write %s", dsnForms[SQLite])
	case strings.HasPrefix(lower, "sqlite3://"), strings.HasPrefix(lower, "sqlite://"),
		strings.HasPrefix(lower, "sqlite3:"), strings.HasPrefix(lower, "sqlite:"):
		rest := s[strings.IndexByte(s, ':')+1:]
		if strings.HasPrefix(rest, "//") {
			rest = rest[2:] // sqlite:///abs → /abs, sqlite://rel → rel
		}
		return sqliteFile(rest, dir, "url")
	case strings.HasPrefix(lower, "file:"):
		return sqliteFile(s[len("file:"):], dir, "url")
	}
	if cs, err := ParseConnString(s); err == nil && cs.hasAny("Data Source", "DataSource", "Filename", "Uri") {
		return parseADOSQLite(cs, dir)
	}
	if strings.Contains(s, ";") && strings.Contains(s, "=") {
		return DSN{}, errDSN("connection string without Data Source; write Data Source=backlog.db;")
	}
	return DSN{Form: "path", Path: absPath(s, dir)}, nil
}

// sqliteFile reads "path[?params]" (the part after file: or sqlite:).
func sqliteFile(rest, dir, form string) (DSN, error) {
	path, query, _ := strings.Cut(rest, "?")
	p, err := url.PathUnescape(path)
	if err != nil {
		return DSN{}, errDSN("malformed file URI: a %% must be followed by two hex digits")
	}
	if p == "" {
		return DSN{}, errDSN("no file name; write %s", dsnForms[SQLite])
	}
	d := DSN{Form: form, Path: absPath(p, dir)}
	if query != "" {
		vals, err := url.ParseQuery(query)
		if err != nil {
			return DSN{}, errDSN("malformed file URI parameters")
		}
		for _, kv := range strings.Split(query, "&") {
			k, _, _ := strings.Cut(kv, "=")
			k, _ = url.QueryUnescape(k)
			if vs, ok := vals[k]; ok {
				for _, v := range vs {
					d.Params = append(d.Params, Property{k, v})
				}
				delete(vals, k)
			}
		}
	}
	return d, nil
}

// parseADOSQLite reads System.Data.SQLite's connection string.
func parseADOSQLite(cs ConnString, dir string) (DSN, error) {
	d := DSN{Form: "ado"}
	src, _ := cs.Get("Data Source", "DataSource", "Filename")
	if src == "" {
		if uri, ok := cs.Get("Uri"); ok {
			src = strings.TrimPrefix(uri, "file:")
		}
	}
	if src == "" {
		return DSN{}, errDSN("Data Source is empty; write Data Source=backlog.db;")
	}
	d.Path = absPath(src, dir)
	for _, p := range cs {
		switch normKey(p.Key) {
		case "datasource", "filename", "uri", "version", "pooling", "maxpoolsize", "synchronous", "pagesize", "cachesize":
			// Version=3 and pooling/caching knobs have nothing to carry over.
		case "readonly":
			if b, err := parseBool(p.Value); err != nil {
				return DSN{}, errDSN("Read Only: %v", err)
			} else if b {
				d.Params = setParam(d.Params, "mode", "ro")
			}
		case "journalmode":
			d.Params = append(d.Params, Property{"_pragma", "journal_mode(" + strings.ToUpper(p.Value) + ")"})
		case "foreignkeys":
			b, err := parseBool(p.Value)
			if err != nil {
				return DSN{}, errDSN("Foreign Keys: %v", err)
			}
			v := "0"
			if b {
				v = "1"
			}
			d.Params = append(d.Params, Property{"_pragma", "foreign_keys(" + v + ")"})
		case "busytimeout", "defaulttimeout":
			n, err := strconv.Atoi(p.Value)
			if err != nil || n < 0 {
				return DSN{}, errDSN("%s: want a whole number", p.Key)
			}
			if normKey(p.Key) == "defaulttimeout" {
				n *= 1000 // seconds → milliseconds
			}
			d.Params = append(d.Params, Property{"_pragma", "busy_timeout(" + strconv.Itoa(n) + ")"})
		case "password":
			return DSN{}, errDSN("encrypted SQLite databases (Password=) are not supported; remove Password")
		default:
			d.Ignored = append(d.Ignored, p.Key)
		}
	}
	return d, nil
}
