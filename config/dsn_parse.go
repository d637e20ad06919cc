package config

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// CData / ADO.NET keys (Npgsql, MySQL Connector/NET, System.Data.SQLite),
// matched case-insensitively ignoring spaces and underscores.
var (
	adoHostKeys     = []string{"Server", "Host", "Data Source", "Address", "Addr", "Network Address"}
	adoPortKeys     = []string{"Port"}
	adoDatabaseKeys = []string{"Database", "Initial Catalog", "DB", "Dbname"}
	adoUserKeys     = []string{"User", "User Id", "UserId", "Username", "User Name", "Uid"}
	adoPasswordKeys = []string{"Password", "Pwd"}
	adoServerKeys   = concat(adoHostKeys, adoDatabaseKeys)
)

func concat(a ...[]string) []string {
	var out []string
	for _, x := range a {
		out = append(out, x...)
	}
	return out
}

// parseADOServer reads Server=…;Port=…;Database=…;User=…;Password=…; as
// CData Sync writes DatabaseConnectionString for PostgreSQL and MySQL.
func parseADOServer(t DestType, cs ConnString) (DSN, error) {
	d := DSN{Form: "ado"}
	used := map[string]bool{}
	get := func(keys []string) string {
		for _, k := range keys {
			used[normKey(k)] = true
		}
		v, _ := cs.Get(keys...)
		return v
	}
	host := get(adoHostKeys)
	d.Port = get(adoPortKeys)
	d.Database = get(adoDatabaseKeys)
	d.User = get(adoUserKeys)
	d.Password = NewSecret(get(adoPasswordKeys))
	if host == "" {
		return DSN{}, errDSN("no server; add Server=host (and Port=…)")
	}
	if strings.HasPrefix(host, "/") {
		d.Socket = host
	} else {
		h, port, err := splitHostPort(host)
		if err != nil {
			return DSN{}, err
		}
		d.Host = h
		if port != "" {
			if d.Port != "" && d.Port != port {
				return DSN{}, errDSN("Server has port %s but Port=%s; give the port once", port, d.Port)
			}
			d.Port = port
		}
	}
	if err := checkPort(d.Port); err != nil {
		return DSN{}, err
	}
	if d.Database == "" {
		return DSN{}, errDSN("no database; add Database=…")
	}
	// Options with a driver equivalent.
	type opt struct {
		keys []string
		conv func(string) (string, string, error) // value → driver key, value
	}
	var opts []opt
	switch t {
	case Postgres:
		opts = []opt{
			{[]string{"SSL Mode", "SslMode", "SSL"}, pgSSLMode},
			{[]string{"Timeout", "Connect Timeout", "Connection Timeout"}, seconds("connect_timeout", false)},
			{[]string{"Application Name", "ApplicationName"}, rename("application_name")},
			{[]string{"Search Path", "SearchPath"}, rename("search_path")},
		}
	case MySQL:
		opts = []opt{
			{[]string{"SSL Mode", "SslMode"}, mysqlSSLMode},
			{[]string{"Connect Timeout", "Connection Timeout", "Timeout"}, seconds("timeout", true)},
			{[]string{"Character Set", "CharSet"}, rename("charset")},
			{[]string{"Allow Public Key Retrieval", "AllowPublicKeyRetrieval"}, boolParam("allowPublicKeyRetrieval")},
		}
	}
	for _, o := range opts {
		v := get(o.keys)
		if v == "" {
			continue
		}
		k, dv, err := o.conv(v)
		if err != nil {
			return DSN{}, errDSN("%s: %v", o.keys[0], err)
		}
		d.Params = setParam(d.Params, k, dv)
	}
	for _, p := range cs {
		if !used[normKey(p.Key)] {
			d.Ignored = append(d.Ignored, p.Key)
		}
	}
	return d, nil
}

func rename(k string) func(string) (string, string, error) {
	return func(v string) (string, string, error) { return k, v, nil }
}

func seconds(k string, unit bool) func(string) (string, string, error) {
	return func(v string) (string, string, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return "", "", errors.New("want a whole number of seconds")
		}
		if unit {
			return k, v + "s", nil
		}
		return k, v, nil
	}
}

func boolParam(k string) func(string) (string, string, error) {
	return func(v string) (string, string, error) {
		b, err := parseBool(v)
		if err != nil {
			return "", "", err
		}
		return k, strconv.FormatBool(b), nil
	}
}

// pgSSLMode maps Npgsql's SSL Mode values onto libpq's sslmode.
func pgSSLMode(v string) (string, string, error) {
	m := map[string]string{
		"disable": "disable", "allow": "allow", "prefer": "prefer", "require": "require",
		"verifyca": "verify-ca", "verify-ca": "verify-ca", "verifyfull": "verify-full", "verify-full": "verify-full",
	}
	if s, ok := m[strings.ToLower(v)]; ok {
		return "sslmode", s, nil
	}
	return "", "", errors.New("want Disable, Allow, Prefer, Require, VerifyCA or VerifyFull")
}

// mysqlSSLMode maps Connector/NET's SslMode onto go-sql-driver's tls
// parameter. Required encrypts without checking the certificate
// (skip-verify); VerifyCA and VerifyFull check it (true).
func mysqlSSLMode(v string) (string, string, error) {
	m := map[string]string{
		"none": "false", "disabled": "false", "preferred": "preferred", "required": "skip-verify",
		"verifyca": "true", "verifyfull": "true",
	}
	if s, ok := m[strings.ToLower(strings.ReplaceAll(v, "-", ""))]; ok {
		return "tls", s, nil
	}
	return "", "", errors.New("want None, Preferred, Required, VerifyCA or VerifyFull")
}

// splitHostPort splits "host", "host:port", "[v6]:port" or a bare IPv6
// address.
func splitHostPort(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		if strings.HasSuffix(s, "]") {
			return s[1 : len(s)-1], "", nil
		}
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return "", "", errDSN("malformed server address %q; write host, host:port or [ipv6]:port", s)
		}
		return h, p, nil
	}
	switch strings.Count(s, ":") {
	case 0:
		return s, "", nil
	case 1:
		i := strings.IndexByte(s, ':')
		return s[:i], s[i+1:], nil
	default: // bare IPv6
		return s, "", nil
	}
}

func checkPort(p string) error {
	if p == "" {
		return nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		if len(p) > 6 {
			// A port is at most five digits; a longer value is more
			// likely a shifted field (a password typed into Port=) than
			// a typo, so it is not echoed.
			return errDSN("port (%d characters) is not a number from 1 to 65535", len(p))
		}
		return errDSN("port %q is not a number from 1 to 65535", p)
	}
	return nil
}

// parseURLDSN reads postgres://, postgresql://, mysql:// and mariadb:// URLs.
func parseURLDSN(t DestType, s string) (DSN, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error quotes the whole URL, password included: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg := err.Error()
		switch {
		case strings.Contains(msg, "invalid URL escape") || strings.Contains(msg, "userinfo"):
			msg = "a character in the user name or password must be percent-encoded (%40 for @, %2F for /, %3A for :, %25 for %)"
		case strings.Contains(msg, "invalid port"):
			// Quotes the text after the last colon, which is the password
			// of "mysql://user:password" written without a host.
			msg = "the port after the host is not a number (a URL without @host reads user:password as host:port; write scheme://user:password@host:port/db)"
		}
		return DSN{}, errDSN("malformed URL: %s", msg)
	}
	d := DSN{Form: "url"}
	if u.User != nil {
		d.User = u.User.Username()
		pw, _ := u.User.Password()
		d.Password = NewSecret(pw)
	}
	if strings.Contains(u.Host, ",") {
		d.Host = u.Host
	} else if u.Host != "" {
		h, p, err := splitHostPort(u.Host)
		if err != nil {
			return DSN{}, err
		}
		d.Host, d.Port = h, p
		if err := checkPort(d.Port); err != nil {
			return DSN{}, err
		}
	}
	d.Database = strings.TrimPrefix(u.Path, "/")
	if d.Database == "" {
		return DSN{}, errDSN("no database in the URL; end it with /dbname")
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return DSN{}, errDSN("malformed URL query: a %% must be followed by two hex digits")
		}
		if (k == "host" || k == "socket") && strings.HasPrefix(v, "/") {
			d.Socket = v
			continue
		}
		d.Params = append(d.Params, Property{k, v})
	}
	_ = t
	return d, nil
}

// looksLibpq reports whether s is libpq's "key=value key=value" form.
func looksLibpq(s string) bool {
	k, _, ok := strings.Cut(s, "=")
	if !ok || strings.ContainsAny(k, " \t@/()") {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(k)) {
	case "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "connect_timeout", "application_name", "options", "service":
		return true
	}
	return false
}

// parseLibpq reads libpq's keyword/value form: white-space separated
// key=value, values optionally single-quoted with \' and \\ escapes.
func parseLibpq(s string) (DSN, error) {
	d := DSN{Form: "libpq"}
	i, n := 0, len(s)
	for {
		for i < n && isSpace(s[i]) {
			i++
		}
		if i >= n {
			break
		}
		ks := i
		for i < n && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[ks:i]
		for i < n && isSpace(s[i]) {
			i++
		}
		if i >= n || s[i] != '=' {
			return DSN{}, errDSN("libpq connection string: %q at offset %d is not key=value", key, ks)
		}
		i++
		for i < n && isSpace(s[i]) {
			i++
		}
		var b strings.Builder
		if i < n && s[i] == '\'' {
			i++
			closed := false
			for i < n {
				c := s[i]
				if c == '\\' && i+1 < n {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == '\'' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return DSN{}, errDSN("libpq connection string: the value of %s has no closing quote", key)
			}
		} else {
			for i < n && !isSpace(s[i]) {
				if s[i] == '\\' && i+1 < n {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
		}
		v := b.String()
		switch key {
		case "host":
			if strings.HasPrefix(v, "/") {
				d.Socket = v
			} else {
				d.Host = v
			}
		case "port":
			d.Port = v
		case "dbname":
			d.Database = v
		case "user":
			d.User = v
		case "password":
			d.Password = NewSecret(v)
		default:
			d.Params = append(d.Params, Property{key, v})
		}
	}
	if err := checkPort(d.Port); err != nil {
		return DSN{}, err
	}
	if d.Database == "" {
		return DSN{}, errDSN("no database; add dbname=…")
	}
	return d, nil
}

// looksGoMySQL reports whether s is go-sql-driver/mysql's
// [user[:password]@][net[(addr)]]/dbname[?params] form.
func looksGoMySQL(s string) bool {
	slash := strings.LastIndexByte(s, '/')
	if slash < 0 {
		return false
	}
	head := s[:slash]
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		head = head[at+1:]
	} else if strings.ContainsAny(head, "=;") {
		return false
	}
	return head == "" || strings.HasSuffix(head, ")") && (strings.HasPrefix(head, "tcp(") || strings.HasPrefix(head, "tcp6(") || strings.HasPrefix(head, "unix(")) ||
		head == "tcp" || head == "unix"
}

// parseGoMySQL follows go-sql-driver/mysql's ParseDSN: the database is after
// the last '/', the credentials before the last '@' that precedes it, and
// the user name before the first ':' of those.
func parseGoMySQL(s string) (DSN, error) {
	d := DSN{Form: "mysql"}
	rest := s
	if q := strings.IndexByte(rest, '?'); q >= 0 && q > strings.LastIndexByte(rest, '/') {
		query := rest[q+1:]
		rest = rest[:q]
		for _, kv := range strings.Split(query, "&") {
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return DSN{}, errDSN("parameter %q has no value; write key=value", k)
			}
			uv, err := url.QueryUnescape(v)
			if err != nil {
				return DSN{}, errDSN("parameter %s: a %% must be followed by two hex digits", k)
			}
			d.Params = append(d.Params, Property{k, uv})
		}
	}
	slash := strings.LastIndexByte(rest, '/')
	d.Database = rest[slash+1:]
	head := rest[:slash]
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		cred := head[:at]
		head = head[at+1:]
		user, pw, _ := strings.Cut(cred, ":")
		d.User = user
		d.Password = NewSecret(pw)
	}
	switch {
	case head == "" || head == "tcp":
	case strings.HasPrefix(head, "unix("):
		d.Socket = head[len("unix(") : len(head)-1]
	default:
		addr := head[strings.IndexByte(head, '(')+1 : len(head)-1]
		h, p, err := splitHostPort(addr)
		if err != nil {
			return DSN{}, err
		}
		d.Host, d.Port = h, p
		if err := checkPort(d.Port); err != nil {
			return DSN{}, err
		}
	}
	if d.Database == "" {
		return DSN{}, errDSN("no database; end the address with /dbname")
	}
	return d, nil
}
