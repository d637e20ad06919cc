package config

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"
)

// cdataXML builds a config from elements, each a full <X>…</X> line.
func cdataXML(elems ...string) string {
	return "<CDataSync>\n" + strings.Join(elems, "\n") + "\n</CDataSync>\n"
}

const (
	okType = "<DatabaseType>SQLite</DatabaseType>"
	okConn = "<ConnectionString>APIKey=KEYsecret;URL=https://example.backlog.com;</ConnectionString>"
	okDB   = "<DatabaseConnectionString>Data Source=b.db</DatabaseConnectionString>"
)

func TestCDataErrors(t *testing.T) {
	tests := []struct {
		name, xml string
		want      []string // Problem.String() of every error
	}{
		{"not xml", "APIKey=x", []string{"c.xml:1: not XML; a CData Sync config starts with <CDataSync>"}},
		{"no root", "<?xml version=\"1.0\"?>\n<!-- nothing -->\n", []string{"c.xml: no <CDataSync> element; this is not a CData Sync config"}},
		{"malformed child", "<CDataSync>\n<DatabaseType>SQLite<x></DatabaseType>\n</CDataSync>",
			[]string{"c.xml:2: malformed XML: element <x> closed by </DatabaseType>"}},
		{"malformed", "<CDataSync>\n<DatabaseType>SQLite</DatabaseTyp>\n</CDataSync>",
			[]string{"c.xml:2: malformed XML: element <DatabaseType> closed by </DatabaseTyp>"}},
		{"wrong root", "<?xml version=\"1.0\"?>\n<Config><DatabaseType>SQLite</DatabaseType></Config>",
			[]string{"c.xml:2: the root element is <Config>; a CData Sync config starts with <CDataSync>"}},
		{"second root", cdataXML(okType, okConn, okDB) + "<CDataSync/>",
			[]string{"c.xml:6: a second root element <CDataSync>; a config has one <CDataSync>"}},
		{"text outside", cdataXML(okType, okConn, okDB) + "junk",
			[]string{"c.xml:6: text outside <CDataSync>"}},
		{"bad encoding", "<?xml version=\"1.0\" encoding=\"shift_jis\"?><CDataSync/>",
			[]string{`c.xml:1: encoding "shift_jis" is not supported; save the file as UTF-8`}},
		{"empty", cdataXML(), []string{
			"c.xml: ConnectionString: missing; add <ConnectionString>URL=https://example.backlog.com;AuthScheme=APIToken;APIKey=…;</ConnectionString>",
			"c.xml: DatabaseType: missing; add <DatabaseType>SQLite</DatabaseType> (or PostgreSQL, MySQL)",
			"c.xml: DatabaseConnectionString: missing; add <DatabaseConnectionString>Data Source=backlog.db;</DatabaseConnectionString> for SQLite or Server=…;Port=…;Database=…;User=…;Password=…; for PostgreSQL/MySQL",
		}},
		{"unsupported db", cdataXML("<DatabaseType>SQLServer</DatabaseType>", okConn, okDB),
			[]string{`c.xml:2: DatabaseType: "SQLServer" is not supported; use SQLite, PostgreSQL or MySQL (MariaDB)`}},
		{"bad conn syntax", cdataXML(okType, "<ConnectionString>APIKey=KEYsecret;moreKEY;URL=x</ConnectionString>", okDB),
			[]string{"c.xml:3: ConnectionString: connection string: the text at offset 17 is not key=value (a value containing ';' must be quoted with ' or \")"}},
		{"no url", cdataXML(okType, "<ConnectionString>APIKey=KEYsecret</ConnectionString>", okDB),
			[]string{"c.xml:3: ConnectionString.URL: missing; write the space's address, e.g. https://example.backlog.com"}},
		{"http url", cdataXML(okType, "<ConnectionString>APIKey=KEYsecret;URL=http://example.backlog.com</ConnectionString>", okDB),
			[]string{"c.xml:3: ConnectionString.URL: uses plain http, allowed only for loopback hosts (the emulator); write https://example.backlog.com"}},
		{"no key", cdataXML(okType, "<ConnectionString>URL=https://x.backlog.com;AuthScheme=APIToken</ConnectionString>", okDB),
			[]string{"c.xml:3: ConnectionString.APIKey: missing; add APIKey=… (Backlog: Personal Settings → API) or use AuthScheme=OAuth"}},
		{"bad scheme", cdataXML(okType, "<ConnectionString>URL=https://x.backlog.com;AuthScheme=Basic;APIKey=KEYsecret</ConnectionString>", okDB),
			[]string{`c.xml:3: ConnectionString.AuthScheme: "Basic" is not an auth scheme; use APIToken or OAuth`}},
		{"oauth incomplete", cdataXML(okType, "<ConnectionString>URL=https://x.backlog.com;AuthScheme=OAuth</ConnectionString>", okDB), []string{
			"c.xml:3: ConnectionString.OAuthClientId: missing; add the client ID of the OAuth application registered in Backlog (Space settings → Apps)",
			"c.xml:3: ConnectionString.OAuthClientSecret: missing; add the OAuth application's client secret",
		}},
		{"bad dsn", cdataXML("<DatabaseType>PostgreSQL</DatabaseType>", okConn, "<DatabaseConnectionString>Server=db;User=u;Password=PWsecret</DatabaseConnectionString>"),
			[]string{"c.xml:4: DatabaseConnectionString: no database; add Database=…"}},
		{"bad replicate all", cdataXML(okType, okConn, okDB, "<ReplicateAll>Yes please</ReplicateAll>"),
			[]string{`c.xml:5: ReplicateAll: "Yes please" is not a boolean; write True or False`}},
		{"bad interval", cdataXML(okType, okConn, okDB, "<TaskSchedulerInterval>Fortnightly</TaskSchedulerInterval>"),
			[]string{`c.xml:5: TaskSchedulerInterval: "Fortnightly" is not a schedule; write Never, Hourly, Daily, Weekly, Monthly, "15 Minutes" (or 15m), or a cron expression such as "*/15 * * * *"`}},
		{"bad start", cdataXML(okType, okConn, okDB, "<TaskSchedulerStartTime>25:00</TaskSchedulerStartTime>"),
			[]string{`c.xml:5: TaskSchedulerStartTime: "25:00" is not a time of day; write HH:MM, e.g. 09:51`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCData([]byte(tt.xml), "c.xml", Options{})
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			var got []string
			for _, p := range ce.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if strings.Contains(err.Error(), "KEYsecret") || strings.Contains(err.Error(), "PWsecret") {
				t.Errorf("error echoes a secret: %v", err)
			}
		})
	}
}

func TestCDataWarnings(t *testing.T) {
	x := cdataXML(okType,
		"<ConnectionString>URL=https://x.backlog.com;AuthScheme=APIToken;APIKey=k;OAuthClientId=c;ProxyServer=p;Verbosity=3;URl2=y</ConnectionString>",
		okDB, "<Databasetype>SQLite</Databasetype>", "<ReplicatAll>True</ReplicatAll>", "<Extra><Nested>1</Nested></Extra>")
	cfg, err := ParseCData([]byte(x), "w.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"w.xml:3: ConnectionString: OAuth properties are ignored with AuthScheme=APIToken",
		"w.xml:3: ConnectionString.ProxyServer: connection property not used by backlogsync, ignored",
		"w.xml:3: ConnectionString.Verbosity: connection property not used by backlogsync, ignored",
		`w.xml:3: ConnectionString.URl2: connection property not used by backlogsync, ignored (did you mean "URL"?)`,
		"w.xml:5: DatabaseType: given twice (also on line 2); the last one is used",
		`w.xml:6: ReplicatAll: unknown element, kept but not used by backlogsync (did you mean "ReplicateAll"?)`,
		"w.xml:7: Extra: nested elements are ignored; only the text is read",
		"w.xml:7: Extra: unknown element, kept but not used by backlogsync",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(cfg.Extra) != 2 || cfg.Extra[0] != (Property{"ReplicatAll", "True"}) {
		t.Errorf("Extra = %v", cfg.Extra)
	}
	if len(cfg.Accounts[0].Properties) != 3 {
		t.Errorf("Properties = %v", cfg.Accounts[0].Properties)
	}
}

func TestCDataEncodings(t *testing.T) {
	body := `<CDataSync><DatabaseType>SQLite</DatabaseType><ConnectionString>APIKey=k;URL=https://x.backlog.com</ConnectionString>` +
		`<DatabaseConnectionString>Data Source=/tmp/é.db</DatabaseConnectionString><NotificationUserName>Zoë€</NotificationUserName></CDataSync>`
	utf16le := func(s string, bom bool, big bool) []byte {
		var b []byte
		if bom {
			if big {
				b = []byte{0xFE, 0xFF}
			} else {
				b = []byte{0xFF, 0xFE}
			}
		}
		for _, u := range utf16.Encode([]rune(s)) {
			if big {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
		return b
	}
	cp := []byte(`<?xml version="1.0" encoding="windows-1252"?>` + strings.NewReplacer("é", "\xe9", "ë", "\xeb", "€", "\x80").Replace(body))
	latin := []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>` + strings.NewReplacer("é", "\xe9", "ë", "\xeb", "€", "").Replace(body))
	inputs := map[string][]byte{
		"utf8":     []byte(body),
		"utf8 bom": append([]byte{0xEF, 0xBB, 0xBF}, body...),
		"utf16le":  utf16le(`<?xml version="1.0" encoding="utf-16"?>`+body, true, false),
		"utf16be":  utf16le(body, true, true),
		"cp1252":   cp,
		"latin1":   latin,
	}
	for name, in := range inputs {
		cfg, err := ParseCData(in, "", Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want := "Zoë€"
		if name == "latin1" {
			want = "Zoë"
		}
		if cfg.Jobs[0].NotifyUser != want || cfg.Destinations[0].DSN != "Data Source=/tmp/é.db" {
			t.Errorf("%s: NotifyUser %q DSN %q", name, cfg.Jobs[0].NotifyUser, cfg.Destinations[0].DSN)
		}
	}
	if _, err := ParseCData([]byte{0xFF, 0xFE, '<'}, "odd.xml", Options{}); err == nil || err.Error() != "config: odd.xml: malformed UTF-16: odd number of bytes" {
		t.Errorf("odd UTF-16: %v", err)
	}
}

func TestCDataMapping(t *testing.T) {
	x := cdataXML("<DatabaseType>MariaDB</DatabaseType>",
		"<ConnectionString>OAuthClientId=c;OAuthClientSecret=s;URL=http://127.0.0.1:8080/api/v2</ConnectionString>",
		"<DatabaseConnectionString>Server=m;Database=b;User=u</DatabaseConnectionString>",
		"<TaskSchedulerStartTime>07:00</TaskSchedulerStartTime>")
	cfg, err := ParseCData([]byte(x), "/etc/bls/My Sync.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	if a.Name != "default" || a.URL != "http://127.0.0.1:8080" || a.Auth.Scheme != AuthOAuth || a.Auth.OAuth.ClientID != "c" {
		t.Errorf("account = %+v", a)
	}
	j := cfg.Jobs[0]
	if j.Name != "default" || j.Destination != "default" || j.Accounts[0].Account != "default" ||
		j.Schedule != (Schedule{Interval: Never, Start: "07:00"}) || j.ReplicateAll {
		t.Errorf("job = %+v", j)
	}
	if cfg.Destinations[0].Type != MySQL {
		t.Errorf("dest = %+v", cfg.Destinations[0])
	}
	if dsn, _ := cfg.Destinations[0].DriverDSN(); dsn != "u@tcp(m)/b" {
		t.Errorf("DriverDSN = %q", dsn)
	}
}

func TestCDataWindowsDataSource(t *testing.T) {
	cfg, err := ParseCData([]byte(cdataXML(okType, okConn, `<DatabaseConnectionString>Data Source=C:\my.db</DatabaseConnectionString>`)), "win.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if dsn, _ := cfg.Destinations[0].DriverDSN(); dsn != `C:\my.db` {
		t.Errorf("DriverDSN = %q", dsn)
	}
	if runtime.GOOS == "windows" {
		return
	}
	want := `win.xml:4: DatabaseConnectionString: Data Source C:\my.db is a Windows path; on this system write a local path such as backlog.db`
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].String() != want {
		t.Errorf("warnings = %v", cfg.Warnings)
	}
}
