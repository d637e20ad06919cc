package dest

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
)

// Open knows every kind it lists, opens a SQLite file and the in-memory
// destination, and names the kinds when given an unknown one.
func TestOpenKinds(t *testing.T) {
	ctx := context.Background()
	if got := strings.Join(Kinds(), ","); got != "memory,mysql,postgres,sqlite" {
		t.Errorf("Kinds() = %s", got)
	}
	for _, c := range []struct{ kind, dsn string }{{SQLite, filepath.Join(t.TempDir(), "x.db")}, {Memory, ""}} {
		d, err := Open(ctx, c.kind, c.dsn)
		if err != nil {
			t.Fatalf("Open(%s): %v", c.kind, err)
		}
		if _, err := d.Runs(ctx, "", 1); err != nil {
			t.Errorf("%s: Runs: %v", c.kind, err)
		}
		if err := d.Close(); err != nil {
			t.Errorf("%s: Close: %v", c.kind, err)
		}
	}
	_, err := Open(ctx, "oracle", "x")
	if backlogsync.ErrorCode(err) != backlogsync.EINVALID || !strings.Contains(err.Error(), "memory, mysql, postgres, sqlite") {
		t.Errorf("Open(oracle) = %v; want EINVALID naming the kinds", err)
	}
	if _, err := Open(ctx, Memory, "x"); backlogsync.ErrorCode(err) != backlogsync.EINVALID {
		t.Errorf("Open(memory, x) = %v; want EINVALID", err)
	}
}

// OpenConfig names the destination in its errors and never shows the
// password.
func TestOpenConfigScrubs(t *testing.T) {
	d := &config.Destination{Name: "wh", Type: config.Postgres, DSN: "postgres://u:s3cret-pw@127.0.0.1:1/db?connect_timeout=2"}
	_, err := OpenConfig(context.Background(), d)
	if err == nil {
		t.Fatal("opened a database on port 1")
	}
	if !strings.Contains(err.Error(), "destination wh (postgres)") || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error = %q; want the destination named, no password", err)
	}
}

// The password is removed from a driver message in every spelling a
// connection string could carry it in.
func TestScrub(t *testing.T) {
	pw := "p@ss w/rd;%"
	for _, s := range []string{pw, url.QueryEscape(pw), url.PathEscape(pw), url.UserPassword("u", pw).String()} {
		got := scrub("failed: "+s+" end", pw)
		if strings.Contains(got, "ss w") || strings.Contains(got, "ss%20w") || strings.Contains(got, "ss+w") {
			t.Errorf("scrub(%q) = %q", s, got)
		}
	}
	// The value is redacted where it stands, not inside other words.
	for in, want := range map[string]string{
		"server accepts p": "server accepts ****", "user u:p@host": "user u:****@host",
		"password=p;": "password=****;", "accepts": "accepts", "p": "****", "pp p": "pp ****",
	} {
		if got := scrub(in, "p"); got != want {
			t.Errorf("scrub(%q, p) = %q, want %q", in, got, want)
		}
	}
	if got := scrub("no secret here", ""); got != "no secret here" {
		t.Errorf("scrub without a password changed the text: %q", got)
	}
}
