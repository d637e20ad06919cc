package config

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

// CData Sync XML config → Config
//
// A CData config describes one Backlog account replicated into one
// database (CData's guidance is one file per account). It becomes:
//
//	<ConnectionString>          → Accounts[0]: URL, AuthScheme (APIToken → api_key,
//	                              OAuth → oauth), APIKey, OAuthClientId,
//	                              OAuthClientSecret, OAuthAccessToken,
//	                              OAuthRefreshToken, CallbackURL,
//	                              OAuthSettingsLocation (→ token_store),
//	                              InitiateOAuth; other properties are kept in
//	                              Properties with a warning. The account is
//	                              named after the space (example for
//	                              example.backlog.com), "default" for other hosts.
//	<DatabaseType>              → Destinations[0].Type: SQLite → sqlite,
//	                              PostgreSQL → postgres, MySQL/MariaDB → mysql
//	<DatabaseConnectionString>  → Destinations[0].DSN (named "default")
//	<DatabaseProvider>          → Destinations[0].Provider (informational)
//	<ReplicateAll>              → Jobs[0].ReplicateAll
//	<TaskSchedulerInterval>     → Jobs[0].Schedule (Never, Minute, Hourly, Daily,
//	<TaskSchedulerStartTime>      Weekly, Monthly, "N Minutes", cron) and Start
//	<NotificationUserName>      → Jobs[0].NotifyUser and, as e-mail addresses, Notify
//	<EmailErrorOnly>            → Notifications.ErrorsOnly
//	anything else               → Extra, with a warning
//
// CData's connection string has no property for backlogsync's rate_limit
// (max_share, concurrency, pacing): an XML config takes the defaults, and
// the command line's --concurrency and --pacing set the latter two.
//
// Jobs[0] is named after the file (jobs for jobs.xml), binds the account to
// the destination without prefix or schema, and has no statements: the
// REPLICATE statements come from the -f file on the command line.
// Values are read literally: CData has no ${ENV} or file: references.

// cdataElements are the elements backlogsync reads.
var cdataElements = []string{"DatabaseType", "DatabaseProvider", "ConnectionString", "ReplicateAll",
	"NotificationUserName", "DatabaseConnectionString", "TaskSchedulerStartTime", "TaskSchedulerInterval",
	"EmailErrorOnly"}

// ParseCData reads a CData Sync XML config. file names it in messages and
// anchors relative paths ("" for the working directory).
func ParseCData(data []byte, file string, opts Options) (*Config, error) {
	p := &problems{file: file}
	data, err := toUTF8(data)
	if err != nil {
		return nil, &Error{[]Problem{{File: file, Message: err.Error()}}}
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var charsetErr error
	dec.CharsetReader = func(cs string, in io.Reader) (io.Reader, error) {
		r, err := charsetReader(cs, in)
		charsetErr = err
		return r, err
	}
	type elem struct {
		name, text string
		line       int
	}
	var elems []elem
	depth := 0
	rootSeen := false
	for {
		line, _ := dec.InputPos()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if charsetErr != nil {
				err = charsetErr
			}
			p.xmlErr(line, err)
			return nil, p.err()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if rootSeen {
					p.errAt(line, "", "a second root element <%s>; a config has one <CDataSync>", t.Name.Local)
					return nil, p.err()
				}
				rootSeen = true
				if t.Name.Local != "CDataSync" {
					p.errAt(line, "", "the root element is <%s>; a CData Sync config starts with <CDataSync>", t.Name.Local)
					return nil, p.err()
				}
				depth++
				continue
			}
			var v struct {
				Text string     `xml:",chardata"`
				Sub  []xml.Name `xml:",any"`
			}
			startLine, _ := dec.InputPos()
			if err := dec.DecodeElement(&v, &t); err != nil {
				p.xmlErr(startLine, err)
				return nil, p.err()
			}
			if len(v.Sub) > 0 {
				p.warnAt(startLine, t.Name.Local, "nested elements are ignored; only the text is read")
			}
			elems = append(elems, elem{t.Name.Local, strings.TrimSpace(v.Text), startLine})
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				line += bytes.Count(t[:len(t)-len(bytes.TrimLeft(t, " \t\r\n"))], []byte("\n"))
				if !rootSeen {
					p.errAt(line, "", "not XML; a CData Sync config starts with <CDataSync>")
				} else {
					p.errAt(line, "", "text outside <CDataSync>")
				}
				return nil, p.err()
			}
		}
	}
	if !rootSeen {
		p.errAt(0, "", "no <CDataSync> element; this is not a CData Sync config")
		return nil, p.err()
	}

	vals := map[string]elem{}
	cfg := &Config{File: file, Format: FormatCData}
	for _, e := range elems {
		canon := ""
		for _, k := range cdataElements {
			if strings.EqualFold(k, e.name) {
				canon = k
			}
		}
		if canon == "" {
			cfg.Extra = append(cfg.Extra, Property{e.name, e.text})
			p.warnAt(e.line, e.name, "unknown element, kept but not used by backlogsync%s", suggest(e.name, cdataElements))
			continue
		}
		if prev, ok := vals[canon]; ok {
			p.warnAt(e.line, canon, "given twice (also on line %d); the last one is used", prev.line)
		}
		vals[canon] = e
	}
	get := func(k string) (string, int, bool) {
		e, ok := vals[k]
		return e.text, e.line, ok
	}
	dir := configDir(file)
	p.lines = map[string]int{}

	// Account.
	acct := Account{Name: "default", MaxShare: 1}
	if cs, line, ok := get("ConnectionString"); !ok || cs == "" {
		p.errAt(line, "ConnectionString", "missing; add <ConnectionString>URL=https://example.backlog.com;AuthScheme=APIToken;APIKey=…;</ConnectionString>")
	} else {
		acct = cdataAccount(p, cs, line)
	}
	cfg.Accounts = []Account{acct}

	// Destination.
	dest := Destination{Name: "default", dir: dir}
	if v, line, ok := get("DatabaseType"); !ok || v == "" {
		p.errAt(line, "DatabaseType", "missing; add <DatabaseType>SQLite</DatabaseType> (or PostgreSQL, MySQL)")
	} else if t, ok := cdataDBTypes[strings.ToLower(v)]; ok {
		dest.Type = t
	} else {
		p.errAt(line, "DatabaseType", "%q is not supported; use SQLite, PostgreSQL or MySQL (MariaDB)", v)
	}
	dest.Provider, _, _ = get("DatabaseProvider")
	if v, line, ok := get("DatabaseConnectionString"); !ok || v == "" {
		p.errAt(line, "DatabaseConnectionString", "missing; add <DatabaseConnectionString>Data Source=backlog.db;</DatabaseConnectionString> for SQLite or Server=…;Port=…;Database=…;User=…;Password=…; for PostgreSQL/MySQL")
	} else {
		dest.DSN = v
		p.lines["destinations[0].dsn"] = line
		if dest.Type != "" {
			if d, err := dest.ParseDSN(); err != nil {
				p.errAt(line, "DatabaseConnectionString", "%v", err)
			} else {
				for _, w := range d.warnings() {
					p.warnAt(line, "DatabaseConnectionString", "%s", w)
				}
			}
		}
	}
	cfg.Destinations = []Destination{dest}

	// Job.
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	if checkName(name) != nil {
		name = "default"
	}
	job := Job{Name: name, Destination: dest.Name, Accounts: []JobAccount{{Account: acct.Name}}}
	if v, line, ok := get("ReplicateAll"); ok && v != "" {
		b, err := parseBool(v)
		if err != nil {
			p.errAt(line, "ReplicateAll", "%v", err)
		}
		job.ReplicateAll = b
	}
	if v, line, ok := get("TaskSchedulerInterval"); ok {
		s, err := ParseSchedule(v)
		if err != nil {
			p.errAt(line, "TaskSchedulerInterval", "%v", err)
		}
		job.Schedule = s
	}
	if v, line, ok := get("TaskSchedulerStartTime"); ok && v != "" {
		t, err := ParseTimeOfDay(v)
		if err != nil {
			p.errAt(line, "TaskSchedulerStartTime", "%v", err)
		}
		job.Schedule.Start = t
		if job.Schedule.Interval == "" {
			job.Schedule.Interval = Never
		}
	}
	if v, line, ok := get("NotificationUserName"); ok && v != "" {
		job.NotifyUser = v
		if a, err := ParseAddresses(v); err != nil {
			p.warnAt(line, "NotificationUserName", "%v; no mail is sent for this job", err)
		} else {
			job.Notify = a
		}
	}
	if v, line, ok := get("EmailErrorOnly"); ok && v != "" {
		b, err := parseBool(v)
		if err != nil {
			p.errAt(line, "EmailErrorOnly", "%v", err)
		}
		cfg.Notifications.ErrorsOnly = b
	}
	cfg.Jobs = []Job{job}
	cfg.Server = defaultServer(file, configDir(file))

	cfg.lines = p.lines
	if len(p.errs) == 0 {
		cfg.validate(p, false)
	}
	cfg.Warnings = sortProblems(p.warns)
	if len(p.errs) > 0 {
		return nil, p.err()
	}
	return cfg, nil
}

// xmlErr reports a decoding error with its line.
func (p *problems) xmlErr(line int, err error) {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		p.errAt(se.Line, "", "malformed XML: %s", se.Msg)
		return
	}
	p.errAt(line, "", "%v", err)
}

var cdataDBTypes = map[string]DestType{
	"sqlite": SQLite, "postgresql": Postgres, "postgres": Postgres, "mysql": MySQL, "mariadb": MySQL,
}

// cdataConnKeys are the Backlog connection properties backlogsync reads.
var cdataConnKeys = []string{"URL", "AuthScheme", "APIKey", "OAuthClientId", "OAuthClientSecret",
	"OAuthAccessToken", "OAuthRefreshToken", "CallbackURL", "OAuthSettingsLocation", "InitiateOAuth"}

// cdataAccount maps a Backlog connection string onto an Account.
func cdataAccount(p *problems, s string, line int) Account {
	a := Account{Name: "default", MaxShare: 1}
	cs, err := ParseConnString(s)
	if err != nil {
		p.errAt(line, "ConnectionString", "%v", err)
		return a
	}
	get := func(k string) string { v, _ := cs.Get(k); return v }
	path := func(k string) string { return "ConnectionString." + k }

	if u, err := NormalizeSpaceURL(get("URL")); err != nil {
		p.errAt(line, path("URL"), "%v", err)
	} else {
		a.URL = u
		if k := spaceKey(u); k != "" {
			a.Name = k
		}
	}
	scheme := get("AuthScheme")
	hasOAuth := get("OAuthClientId") != "" || get("OAuthAccessToken") != ""
	switch strings.ToLower(scheme) {
	case "":
		a.Auth.Scheme = AuthAPIKey
		if get("APIKey") == "" && hasOAuth {
			a.Auth.Scheme = AuthOAuth
		}
	case "apitoken", "apikey", "token":
		a.Auth.Scheme = AuthAPIKey
	case "oauth":
		a.Auth.Scheme = AuthOAuth
	default:
		p.errAt(line, path("AuthScheme"), "%q is not an auth scheme; use APIToken or OAuth", scheme)
	}
	switch a.Auth.Scheme {
	case AuthAPIKey:
		a.Auth.APIKey = NewSecret(get("APIKey"))
		if a.Auth.APIKey.IsZero() {
			p.errAt(line, path("APIKey"), "missing; add APIKey=… (Backlog: Personal Settings → API) or use AuthScheme=OAuth")
		}
		if hasOAuth {
			p.warnAt(line, "ConnectionString", "OAuth properties are ignored with AuthScheme=APIToken")
		}
	case AuthOAuth:
		o := &OAuth{
			ClientID:     get("OAuthClientId"),
			ClientSecret: NewSecret(get("OAuthClientSecret")),
			AccessToken:  NewSecret(get("OAuthAccessToken")),
			RefreshToken: NewSecret(get("OAuthRefreshToken")),
			CallbackURL:  get("CallbackURL"),
			TokenStore:   get("OAuthSettingsLocation"),
			Initiate:     get("InitiateOAuth"),
		}
		a.Auth.OAuth = o
		checkOAuth(p, line, "ConnectionString.", o, "OAuthClientId", "OAuthClientSecret", "OAuthAccessToken")
		if get("APIKey") != "" {
			p.warnAt(line, "ConnectionString", "APIKey is ignored with AuthScheme=OAuth")
		}
	}
	for _, prop := range cs {
		known := false
		for _, k := range cdataConnKeys {
			if normKey(k) == normKey(prop.Key) {
				known = true
			}
		}
		if !known {
			a.Properties = append(a.Properties, prop)
			p.warnAt(line, "ConnectionString."+prop.Key, "connection property not used by backlogsync, ignored%s", suggest(prop.Key, cdataConnKeys))
		}
	}
	return a
}

// checkOAuth reports a missing client id or secret (not needed when an
// access token is given). A secret whose resolution was deferred
// (Options.DeferAccountSecrets) counts as given.
func checkOAuth(p *problems, line int, prefix string, o *OAuth, idKey, secretKey, tokenKey string) {
	given := func(set bool, key string) bool { return set || p.deferred[prefix+key] }
	id, secret, token := given(o.ClientID != "", idKey), given(!o.ClientSecret.IsZero(), secretKey), given(!o.AccessToken.IsZero(), tokenKey)
	if token && !id && !secret {
		return // a static access token: no refresh possible, but usable
	}
	if !id && !p.hasErr(prefix+idKey) {
		p.errAt(line, prefix+idKey, "missing; add the client ID of the OAuth application registered in Backlog (Space settings → Apps)")
	}
	if !secret && !p.hasErr(prefix+secretKey) {
		p.errAt(line, prefix+secretKey, "missing; add the OAuth application's client secret")
	}
}

// toUTF8 strips a UTF-8 byte-order mark and converts UTF-16 (with a BOM, as
// Windows Notepad's "Unicode" writes) to UTF-8.
func toUTF8(b []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		le := b[0] == 0xFF
		b = b[2:]
		if len(b)%2 != 0 {
			return nil, errors.New("malformed UTF-16: odd number of bytes")
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			if le {
				u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
			} else {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			}
		}
		return []byte(string(utf16.Decode(u))), nil
	}
	return b, nil
}

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF}) }

// charsetReader accepts the encodings a CData config is written in. The
// input is UTF-8 by then for UTF-16 (toUTF8 converted it); Latin-1 and
// Windows-1252 are converted here.
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf-16le", "utf-16be", "unicode":
		return in, nil
	case "iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		win := strings.HasPrefix(strings.ToLower(charset), "windows") || strings.HasPrefix(strings.ToLower(charset), "cp")
		var out strings.Builder
		for _, c := range b {
			if win && c >= 0x80 && c <= 0x9F {
				out.WriteRune(cp1252[c-0x80])
			} else {
				out.WriteRune(rune(c))
			}
		}
		return strings.NewReader(out.String()), nil
	}
	return nil, fmt.Errorf("encoding %q is not supported; save the file as UTF-8", charset)
}

// cp1252 maps Windows-1252's 0x80–0x9F to Unicode.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}
