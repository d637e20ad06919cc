package config

import (
	"strings"
	"testing"
)

func TestDriverDSN(t *testing.T) {
	const dir = "/etc/backlogsync"
	tests := []struct {
		typ  DestType
		in   string
		pw   string // Destination.Password
		want string
		form string
	}{
		// SQLite → modernc.org/sqlite: a path, or a file: URI when there are parameters.
		{SQLite, "backlog.db", "", "/etc/backlogsync/backlog.db", "path"},
		{SQLite, "./data/b.db", "", "/etc/backlogsync/data/b.db", "path"},
		{SQLite, "/var/lib/b.db", "", "/var/lib/b.db", "path"},
		{SQLite, ":memory:", "", ":memory:", "path"},
		{SQLite, "Data Source=backlog.db", "", "/etc/backlogsync/backlog.db", "ado"},
		{SQLite, "Data Source=C:\\my.db;Version=3;", "", `C:\my.db`, "ado"},
		{SQLite, "data source = 'my file.db' ; Read Only=True", "", "file:/etc/backlogsync/my file.db?mode=ro", "ado"},
		{SQLite, "Data Source=b.db;Journal Mode=Wal;Foreign Keys=true;Default Timeout=5", "",
			"file:/etc/backlogsync/b.db?_pragma=journal_mode%28WAL%29&_pragma=foreign_keys%281%29&_pragma=busy_timeout%285000%29", "ado"},
		{SQLite, "file:b.db?mode=rwc&_pragma=busy_timeout(1000)", "", "file:/etc/backlogsync/b.db?mode=rwc&_pragma=busy_timeout%281000%29", "url"},
		{SQLite, "file:/abs/b%3Fx.db?mode=ro", "", "file:/abs/b%3Fx.db?mode=ro", "url"},
		{SQLite, "sqlite:///var/lib/b.db", "", "/var/lib/b.db", "url"},
		{SQLite, "sqlite://rel.db", "", "/etc/backlogsync/rel.db", "url"},
		{SQLite, "sqlite3:rel.db", "", "/etc/backlogsync/rel.db", "url"},

		// PostgreSQL → pgx: a postgres:// URL.
		{Postgres, "postgres://sync:S3cr%40t@db:5432/backlog?sslmode=disable", "", "postgres://sync:S3cr%40t@db:5432/backlog?sslmode=disable", "url"},
		{Postgres, "postgresql://db/backlog", "", "postgres://db/backlog", "url"},
		{Postgres, "postgres://u@[::1]:5433/b", "", "postgres://u@[::1]:5433/b", "url"},
		{Postgres, "postgres://u@h1:5432,h2:5433/b", "", "postgres://u@h1:5432,h2:5433/b", "url"},
		{Postgres, "postgres:///b?host=/var/run/postgresql", "", "postgres:///b?host=%2Fvar%2Frun%2Fpostgresql", "url"},
		{Postgres, "postgres://u:old@db/b", "n3w/pw", "postgres://u:n3w%2Fpw@db/b", "url"},
		{Postgres, "Server=db.internal;Port=5432;Database=backlog;User=sync;Password=p@ss;", "", "postgres://sync:p%40ss@db.internal:5432/backlog", "ado"},
		{Postgres, "Host=db;Database=b;Username=u;Password='a;b';SSL Mode=VerifyFull;Timeout=10;Application Name=bls", "",
			"postgres://u:a;b@db/b?sslmode=verify-full&connect_timeout=10&application_name=bls", "ado"},
		{Postgres, "Server=db:6432;Database=b;User Id=u", "", "postgres://u@db:6432/b", "ado"},
		{Postgres, "Server=/var/run/postgresql;Database=b;User=u", "", "postgres://u@/b?host=%2Fvar%2Frun%2Fpostgresql", "ado"},
		{Postgres, "Server=::1;Database=b", "", "postgres://[::1]/b", "ado"},
		{Postgres, "Server=db;Database=b;User=u", "fr0m env", "postgres://u:fr0m%20env@db/b", "ado"},
		{Postgres, "host=db port=5432 dbname=backlog user=sync password='a b\\'c' sslmode=require", "", "postgres://sync:a%20b%27c@db:5432/backlog?sslmode=require", "libpq"},
		{Postgres, "host=/tmp dbname=b", "", "postgres:///b?host=%2Ftmp", "libpq"},
		{Postgres, "sync:pw@tcp(db:5432)/backlog", "", "postgres://sync:pw@db:5432/backlog", "mysql"},

		// MySQL / MariaDB → go-sql-driver/mysql.
		{MySQL, "sync:p@ss:w/rd@tcp(maria:3306)/backlog?charset=utf8mb4&parseTime=true", "", "sync:p@ss:w/rd@tcp(maria:3306)/backlog?charset=utf8mb4&parseTime=true", "mysql"},
		{MySQL, "root@unix(/run/mysqld/mysqld.sock)/b", "", "root@unix(/run/mysqld/mysqld.sock)/b", "mysql"},
		{MySQL, "u:p@/b", "", "u:p@/b", "mysql"},
		{MySQL, "/b", "", "/b", "mysql"},
		{MySQL, "u@tcp([::1]:3306)/b", "", "u@tcp([::1]:3306)/b", "mysql"},
		{MySQL, "u:old@tcp(h)/b", "new", "u:new@tcp(h)/b", "mysql"},
		{MySQL, "mysql://sync:S%3Bx@maria:3307/backlog?tls=true", "", "sync:S;x@tcp(maria:3307)/backlog?tls=true", "url"},
		{MySQL, "mariadb://maria/backlog", "", "tcp(maria)/backlog", "url"},
		{MySQL, "Server=127.0.0.1;Port=3306;Database=backlog;Uid=root;Pwd=r00t;CharSet=utf8mb4;SslMode=Required;Connect Timeout=5", "",
			"root:r00t@tcp(127.0.0.1:3306)/backlog?tls=skip-verify&timeout=5s&charset=utf8mb4", "ado"},
		{MySQL, "Server=maria;Database=b;User=u;SslMode=None", "", "u@tcp(maria)/b?tls=false", "ado"},
		{MySQL, "Server=/run/mysqld/mysqld.sock;Database=b;User=u", "", "u@unix(/run/mysqld/mysqld.sock)/b", "ado"},
		{MySQL, "Port=3307;Server=h;Database=b", "", "tcp(h:3307)/b", "ado"},
	}
	for _, tt := range tests {
		d := Destination{Name: "d", Type: tt.typ, DSN: tt.in, dir: dir}
		if tt.pw != "" {
			d.Password = NewSecret(tt.pw)
		}
		got, err := d.DriverDSN()
		if err != nil {
			t.Errorf("%s %q: %v", tt.typ, tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tt.typ, tt.in, got, tt.want)
		}
		p, _ := d.ParseDSN()
		if p.Form != tt.form {
			t.Errorf("%s %q: form %q, want %q", tt.typ, tt.in, p.Form, tt.form)
		}
		// The redacted form never holds the password.
		if pw := p.Password.Reveal(); pw != "" && strings.Contains(d.Redacted(), pw) {
			t.Errorf("%s %q: Redacted %q shows the password", tt.typ, tt.in, d.Redacted())
		}
	}
}

func TestRedactedDSN(t *testing.T) {
	tests := []struct {
		typ      DestType
		in, want string
	}{
		{Postgres, "postgres://u:S3cret@db/b", "postgres://u:****@db/b"},
		{Postgres, "Server=db;Database=b;User=u;Password=S3cret", "postgres://u:****@db/b"},
		{MySQL, "u:S3cret@tcp(h)/b", "u:****@tcp(h)/b"},
		{MySQL, "u@tcp(h)/b", "u@tcp(h)/b"},
		{SQLite, "/x.db", "/x.db"},
		{Postgres, "Server=db;Database=b;User=u;Password='unterminated", "(invalid connection string)"},
	}
	for _, tt := range tests {
		d := Destination{Name: "d", Type: tt.typ, DSN: tt.in}
		if got := d.Redacted(); got != tt.want {
			t.Errorf("Redacted(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	d := Destination{Name: "pg", Type: Postgres, DSN: "postgres://u:S3cret@db/b"}
	if got, want := d.String(), "pg (postgres) postgres://u:****@db/b"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestDSNErrors(t *testing.T) {
	const pw = "Pw0rdSECRET"
	tests := []struct {
		typ  DestType
		in   string
		want string
	}{
		{SQLite, "  ", "empty connection string"},
		{SQLite, "postgres://u:" + pw + "@h/b", "a server URL cannot be used for a sqlite destination; write " + dsnForms[SQLite]},
		{SQLite, "Foo=1;Bar=" + pw, "connection string without Data Source; write Data Source=backlog.db;"},
		{SQLite, "Data Source=;Version=3", "Data Source is empty; write Data Source=backlog.db;"},
		{SQLite, "Data Source=x.db;Password=" + pw, "encrypted SQLite databases (Password=) are not supported; remove Password"},
		{SQLite, "Data Source=x.db;Read Only=maybe", `Read Only: "maybe" is not a boolean; write True or False`},
		{SQLite, "Data Source=x.db;Default Timeout=soon", "Default Timeout: want a whole number"},
		{SQLite, "file:?mode=ro", "no file name; write " + dsnForms[SQLite]},
		{SQLite, "file:a%zz.db", "malformed file URI: a % must be followed by two hex digits"},
		{Postgres, "mysql://u:" + pw + "@h/b", "a mysql:// URL cannot be used for a postgres destination; write postgres://user:pass@host:5432/db, host=… dbname=… or Server=…;Database=…;"},
		{MySQL, "postgres://u:" + pw + "@h/b", "a postgres:// URL cannot be used for a mysql destination; write mysql://user:pass@host:3306/db, user:pass@tcp(host:3306)/db or Server=…;Database=…;"},
		{Postgres, "redis://u:" + pw + "@h/b", `unsupported URL scheme "redis" for a postgres destination; use postgres://`},
		{Postgres, "postgres://u:" + pw + "@h/", "no database in the URL; end it with /dbname"},
		{Postgres, "postgres://u:" + pw + "@h:99999/b", `port "99999" is not a number from 1 to 65535`},
		{Postgres, "postgres://u:" + pw + "%zz@h/b", "malformed URL: a character in the user name or password must be percent-encoded (%40 for @, %2F for /, %3A for :, %25 for %)"},
		{Postgres, "postgres://u:" + pw + "@h/b?x=%zz", "malformed URL query: a % must be followed by two hex digits"},
		{Postgres, "Database=b;User=u;Password=" + pw, "no server; add Server=host (and Port=…)"},
		{Postgres, "Server=h;User=u;Password=" + pw, "no database; add Database=…"},
		{Postgres, "Server=h;Port=abc;Database=b;Password=" + pw, `port "abc" is not a number from 1 to 65535`},
		{Postgres, "Server=h:5432;Port=5433;Database=b;Password=" + pw, "Server has port 5432 but Port=5433; give the port once"},
		{Postgres, "Server=[::1;Database=b;Password=" + pw, `malformed server address "[::1"; write host, host:port or [ipv6]:port`},
		{Postgres, "Server=h;Database=b;Password=" + pw + ";SSL Mode=Maybe", "SSL Mode: want Disable, Allow, Prefer, Require, VerifyCA or VerifyFull"},
		{Postgres, "Server=h;Database=b;Password=" + pw + ";Timeout=ten", "Timeout: want a whole number of seconds"},
		{Postgres, "Server=h;Database=b;Password=" + pw, "a password without a user name; add User=…"},
		{Postgres, "host=h dbname=b password='" + pw, "libpq connection string: the value of password has no closing quote"},
		{Postgres, "host=h password=" + pw, "no database; add dbname=…"},
		{Postgres, "host=h port=0 dbname=b", `port "0" is not a number from 1 to 65535`},
		{Postgres, "just some text " + pw, "not a connection string this postgres destination understands; write " + dsnForms[Postgres]},
		{MySQL, "u:" + pw + "@tcp(h)/", "no database; end the address with /dbname"},
		{MySQL, "u:" + pw + "@tcp(h:x)/b", `port "x" is not a number from 1 to 65535`},
		{MySQL, "u:" + pw + "@tcp(h)/b?flag", `parameter "flag" has no value; write key=value`},
		{MySQL, "u:" + pw + "@tcp(h)/b?x=%zz", "parameter x: a % must be followed by two hex digits"},
		{MySQL, "Server=h;Database=a/b;Password=" + pw + ";User=u", `database name "a/b" contains '/', which go-sql-driver/mysql cannot express`},
		{MySQL, "Server=h;Database=b;User=a:b;Password=" + pw, "user name contains ':', which go-sql-driver/mysql cannot express"},
		{MySQL, "Server=h;Database=b;Password=" + pw, "a password without a user name; add User=…"},
		{MySQL, "Server=h;Database=b;User=u;SslMode=Sometimes;Password=" + pw, "SSL Mode: want None, Preferred, Required, VerifyCA or VerifyFull"},
		{MySQL, "Server=h;Database=b;User=u;AllowPublicKeyRetrieval=perhaps;Password=" + pw, `Allow Public Key Retrieval: "perhaps" is not a boolean; write True or False`},
		{MySQL, "mysql://u:" + pw + "@h/", "no database in the URL; end it with /dbname"},
		{MySQL, "host=h dbname=b password=" + pw, "no database; add Database=…"},
		{MySQL, "just some text " + pw, "not a connection string this mysql destination understands; write " + dsnForms[MySQL]},
	}
	for _, tt := range tests {
		d := Destination{Name: "d", Type: tt.typ, DSN: tt.in, dir: "/cfg"}
		_, err := d.DriverDSN()
		if err == nil {
			t.Errorf("%s %q: no error, want %q", tt.typ, tt.in, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tt.typ, tt.in, err, tt.want)
		}
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "Pw0rd") {
			t.Errorf("%s: error %q echoes the password", tt.typ, err)
		}
	}
}

// A password with an unquoted ';' splits into a segment that is not
// key=value; the value must not leak into the error.
func TestDSNUnquotedSemicolon(t *testing.T) {
	d := Destination{Name: "d", Type: Postgres, DSN: "Server=h;Database=b;User=u;Password=ab;SECRETTAIL"}
	_, err := d.DriverDSN()
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "SECRETTAIL") || strings.Contains(err.Error(), "ab;") {
		t.Errorf("error %q echoes the password", err)
	}
}

func TestSQLitePasswordRejected(t *testing.T) {
	d := Destination{Name: "d", Type: SQLite, DSN: "x.db", Password: NewSecret("pw")}
	if _, err := d.DriverDSN(); err == nil || err.Error() != "a SQLite destination takes no password" {
		t.Errorf("err = %v", err)
	}
}

func TestParseDestType(t *testing.T) {
	for in, want := range map[string]DestType{"SQLite": SQLite, "sqlite3": SQLite, "postgres": Postgres,
		"PostgreSQL": Postgres, "pg": Postgres, "mysql": MySQL, "MariaDB": MySQL} {
		if got, err := ParseDestType(in); err != nil || got != want {
			t.Errorf("ParseDestType(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseDestType("oracle"); err == nil || err.Error() != `"oracle" is not a destination type; use sqlite, postgres or mysql (mariadb)` {
		t.Errorf("oracle: %v", err)
	}
}

func TestDSNWarnings(t *testing.T) {
	p, err := ParseDSN(Postgres, "Server=h;Database=b;Pooling=true;Trust Server Certificate=true", "")
	if err != nil {
		t.Fatal(err)
	}
	w := p.warnings()
	want := []string{
		"connection property Pooling has no postgres driver equivalent and is ignored",
		"connection property Trust Server Certificate has no postgres driver equivalent and is ignored",
	}
	if strings.Join(w, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings = %q", w)
	}
}
