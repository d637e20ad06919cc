package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseConnString(t *testing.T) {
	tests := []struct {
		in   string
		want ConnString
	}{
		{"", nil},
		{";;  ;", nil},
		{"APIKey=abc;URL=https://x.backlog.com;", ConnString{{"APIKey", "abc"}, {"URL", "https://x.backlog.com"}}},
		{"  APIKey = abc ; URL= u  ", ConnString{{"APIKey", "abc"}, {"URL", "u"}}},
		{`Password="a;b=c";User=u`, ConnString{{"Password", "a;b=c"}, {"User", "u"}}},
		{`Password='it''s;x'`, ConnString{{"Password", "it's;x"}}},
		{`Password="say ""hi"""`, ConnString{{"Password", `say "hi"`}}},
		{`Password='a"b'`, ConnString{{"Password", `a"b`}}},
		{`Password = 'q' ; X=1`, ConnString{{"Password", "q"}, {"X", "1"}}},
		{"Data Source=C:\\my.db", ConnString{{"Data Source", `C:\my.db`}}},
		{"Key==Name=v", ConnString{{"Key=Name", "v"}}},
		{"A=1;a=2", ConnString{{"a", "2"}}},                             // last wins, case-insensitive
		{"Data Source=x;DataSource=y", ConnString{{"DataSource", "y"}}}, // spaces ignored
		{"Empty=;B=2", ConnString{{"Empty", ""}, {"B", "2"}}},
		{"V=a'b", ConnString{{"V", "a'b"}}}, // a quote inside an unquoted value is literal
		{"URL=https://x/?a=b", ConnString{{"URL", "https://x/?a=b"}}},
	}
	for _, tt := range tests {
		got, err := ParseConnString(tt.in)
		if err != nil {
			t.Errorf("ParseConnString(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseConnString(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		// Round trip.
		back, err := ParseConnString(got.String())
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("round trip of %q via %q = %#v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestParseConnStringErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"APIKey=abc;s3cretPart;URL=x", "connection string: the text at offset 11 is not key=value (a value containing ';' must be quoted with ' or \")"},
		{"justtext", "connection string: the text at offset 0 is not key=value (a value containing ';' must be quoted with ' or \")"},
		{"=v", "connection string: empty key at offset 0"},
		{"Password='unterminated;x", "connection string: the value of Password (quoted with ' at offset 9) has no closing quote"},
		{`Password="ab"cd;x=1`, "connection string: unexpected text after the quoted value of Password at offset 13; separate pairs with ';'"},
	}
	for _, tt := range tests {
		_, err := ParseConnString(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseConnString(%q) error = %v, want %q", tt.in, err, tt.want)
		}
		for _, secret := range []string{"s3cretPart", "unterminated", "abcd"} {
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q echoes the value", err)
			}
		}
	}
}

func TestConnStringGetAndRedacted(t *testing.T) {
	cs, err := ParseConnString(`URL=u;APIKey=k;OAuthClientSecret=s;User Id=me;PWD=p;Proxy Password=pp;Timeout=3`)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := cs.Get("apikey"); !ok || v != "k" {
		t.Errorf("Get(apikey) = %q, %v", v, ok)
	}
	if v, ok := cs.Get("User", "UserId"); !ok || v != "me" {
		t.Errorf("Get synonyms = %q, %v", v, ok)
	}
	if _, ok := cs.Get("Missing"); ok {
		t.Error("Get(Missing) found something")
	}
	want := `URL=u;APIKey=****;OAuthClientSecret=****;User Id=me;PWD=****;Proxy Password=****;Timeout=3`
	if got := cs.Redacted(); got != want {
		t.Errorf("Redacted = %q, want %q", got, want)
	}
}
