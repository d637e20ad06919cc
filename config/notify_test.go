package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const yamlScheduled = yamlBase + `    schedule:
      interval: weekly
      start: "02:30"
      day: sunday
      time_zone: Asia/Tokyo
      jitter: 2m
      catch_up: false
      retry: {count: 3, backoff: 30s, max_backoff: 10m}
    notify: "Ops <ops@example.com>, dev@example.com"
notifications:
  errors_only: true
  row_drop_share: 30%
  email:
    host: smtp.example.com
    user: sync
    password: ${PGPW}
    from: Sync <sync@example.com>
    to: [boss@example.com]
  webhook:
    url: https://hooks.example.com/bs
    secret: file:/run/secrets/key
`

func TestYAMLScheduleAndNotifications(t *testing.T) {
	cfg, err := parseTestYAML(yamlScheduled)
	if err != nil {
		t.Fatal(err)
	}
	want := Schedule{Interval: Weekly, Start: "02:30", Day: 7, TimeZone: "Asia/Tokyo", Jitter: 2 * time.Minute, NoCatchUp: true,
		Retry: Retry{Count: 3, Backoff: 30 * time.Second, MaxBackoff: 10 * time.Minute}}
	if got := cfg.Jobs[0].Schedule; got != want {
		t.Errorf("schedule = %+v\nwant %+v", got, want)
	}
	if got := strings.Join(cfg.Jobs[0].Notify, ","); got != "ops@example.com,dev@example.com" {
		t.Errorf("notify = %s", got)
	}
	n := cfg.Notifications
	if !n.ErrorsOnly || n.RowDropShare != 0.3 || n.Email == nil || n.Webhook == nil {
		t.Fatalf("notifications = %+v", n)
	}
	e := n.Email
	if e.Host != "smtp.example.com" || e.Port != 587 || e.TLS != SMTPStartTLS || e.User != "sync" || e.Password.Reveal() != "PGsecretPW" ||
		e.From != "sync@example.com" || strings.Join(e.To, ",") != "boss@example.com" {
		t.Errorf("email = %+v", e)
	}
	if n.Webhook.URL != "https://hooks.example.com/bs" || n.Webhook.Secret.Reveal() != "FILEsecretKEY" {
		t.Errorf("webhook = %+v", n.Webhook)
	}
	red := cfg.Redacted()
	for _, s := range []string{"PGsecretPW", "FILEsecretKEY"} {
		if strings.Contains(red, s) {
			t.Errorf("Redacted shows secret %s", s)
		}
	}
	for _, s := range []string{`"jitter": "2m0s"`, `"backoff": "30s"`, `"time_zone": "Asia/Tokyo"`, `"errors_only": true`} {
		if !strings.Contains(red, s) {
			t.Errorf("Redacted lacks %s:\n%s", s, red)
		}
	}
}

func TestYAMLScheduleAndNotificationErrors(t *testing.T) {
	tests := []struct{ old, new, want string }{
		{"time_zone: Asia/Tokyo", "time_zone: Asia/Tokio", `/cfg/c.yaml:23: jobs[0].schedule.time_zone: "Asia/Tokio" is not a time zone; write an IANA name such as Asia/Tokyo, Europe/Berlin or UTC`},
		{"day: sunday", "day: someday", `/cfg/c.yaml:22: jobs[0].schedule.day: "someday" is not a weekday; write monday … sunday (or mon, or 1 for Monday … 7 for Sunday)`},
		{"interval: weekly", "interval: daily", `/cfg/c.yaml:22: jobs[0].schedule.day: day applies to weekly and monthly schedules only; remove it or write interval: weekly`},
		{"jitter: 2m", "jitter: soon", `/cfg/c.yaml:24: jobs[0].schedule.jitter: "soon" is not a duration; write e.g. 30s, 5m or 1h`},
		{"catch_up: false", "catch_up: maybe", `/cfg/c.yaml:25: jobs[0].schedule.catch_up: "maybe" is not a boolean; write True or False`},
		{"count: 3", "count: -1", `/cfg/c.yaml:26: jobs[0].schedule.retry.count: "-1" is not a retry count; write a whole number from 0 to 100, e.g. count: 3`},
		{"max_backoff: 10m", "max_backoff: 10s", `/cfg/c.yaml:26: jobs[0].schedule.retry.max_backoff: 10s is shorter than backoff 30s; make it at least as long`},
		{"retry: {count", "retry: {cuont", `/cfg/c.yaml:26: jobs[0].schedule.retry.cuont: unknown key (did you mean "count"?); known keys here: count, backoff, max_backoff`},
		{`notify: "Ops <ops@example.com>, dev@example.com"`, "notify: [ops]", `/cfg/c.yaml:27: jobs[0].notify: "ops" is not an e-mail address (or a comma-separated list); write e.g. ops@example.com`},
		{"row_drop_share: 30%", "row_drop_share: 2", `/cfg/c.yaml:30: notifications.row_drop_share: 2 is out of range; the share must be more than 0 and at most 1 (100%)`},
		{"    host: smtp.example.com\n", "", "/cfg/c.yaml:31: notifications.email: host: missing; add host: smtp.example.com"},
		{"    user: sync\n", "", "/cfg/c.yaml:31: notifications.email: give both user and password for SMTP authentication, or neither"},
		{"    user: sync\n", "    user: sync\n    tls: none\n", "/cfg/c.yaml:34: notifications.email.tls: none would send the SMTP password unencrypted; use starttls or tls"},
		{"    user: sync\n", "    user: sync\n    tls: ssl\n", `/cfg/c.yaml:34: notifications.email.tls: "ssl" is not a TLS mode; write starttls (port 587), tls (port 465) or none (a local relay)`},
		{"    user: sync\n", "    user: sync\n    port: smtp\n", `/cfg/c.yaml:34: notifications.email.port: "smtp" is not a port; write a number such as 587`},
		{"from: Sync <sync@example.com>", "from: sync", `/cfg/c.yaml:35: notifications.email.from: "sync" is not an e-mail address; write e.g. backlogsync@example.com`},
		{"url: https://hooks.example.com/bs", "url: hooks.example.com", `/cfg/c.yaml:38: notifications.webhook.url: "hooks.example.com" is not an http(s) URL; write e.g. https://hooks.example.com/backlogsync`},
		{"    secret: file:/run/secrets/key\n", "", "/cfg/c.yaml:37: notifications.webhook: secret: missing; add secret: ${WEBHOOK_SECRET} (the key of the HMAC-SHA256 signature the receiver checks)"},
	}
	for _, tt := range tests {
		if !strings.Contains(yamlScheduled, tt.old) {
			t.Fatalf("no %q", tt.old)
		}
		_, err := parseTestYAML(strings.Replace(yamlScheduled, tt.old, tt.new, 1))
		var ce *Error
		if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].String() != tt.want {
			t.Errorf("%s → %s:\n got %v\nwant %s", tt.old, tt.new, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), "PGsecretPW") || strings.Contains(err.Error(), "FILEsecretKEY")) {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}

func TestYAMLNotifyWithoutServerWarns(t *testing.T) {
	cfg, err := parseTestYAML(yamlBase + "    notify: ops@example.com\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0].String(), "jobs[0].notify: no mail is sent: add notifications:") {
		t.Errorf("warnings = %v", cfg.Warnings)
	}
}

func TestCDataNotificationAndSchedule(t *testing.T) {
	x := `<CDataSync>
  <DatabaseType>SQLite</DatabaseType>
  <ConnectionString>URL=https://example.backlog.com;APIKey=XMLsecret;</ConnectionString>
  <DatabaseConnectionString>Data Source=b.db</DatabaseConnectionString>
  <TaskSchedulerStartTime>09:51</TaskSchedulerStartTime>
  <TaskSchedulerInterval>every 15 minutes</TaskSchedulerInterval>
  <NotificationUserName>ops@example.com</NotificationUserName>
  <EmailErrorOnly>True</EmailErrorOnly>
</CDataSync>`
	cfg, err := ParseCData([]byte(x), "/cfg/sync.xml", Options{Env: yamlTestEnv()})
	if err != nil {
		t.Fatal(err)
	}
	j := cfg.Jobs[0]
	if j.Schedule != (Schedule{Interval: Minutes, Every: 15 * time.Minute, Start: "09:51"}) || strings.Join(j.Notify, ",") != "ops@example.com" ||
		!cfg.Notifications.ErrorsOnly || len(cfg.Warnings) != 0 {
		t.Errorf("job %+v notifications %+v warnings %v", j, cfg.Notifications, cfg.Warnings)
	}
	x = strings.Replace(x, "ops@example.com", "Ops Team", 1)
	x = strings.Replace(x, "True", "sometimes", 1)
	_, err = ParseCData([]byte(x), "/cfg/sync.xml", Options{Env: yamlTestEnv()})
	if err == nil || err.Error() != `config: /cfg/sync.xml:8: EmailErrorOnly: "sometimes" is not a boolean; write True or False` {
		t.Errorf("err = %v", err)
	}
	x = strings.Replace(x, "sometimes", "false", 1)
	cfg, err = ParseCData([]byte(x), "/cfg/sync.xml", Options{Env: yamlTestEnv()})
	if err != nil || len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0].String(), `NotificationUserName: "Ops Team" is not an e-mail address`) {
		t.Errorf("warnings %v, err %v", cfg.Warnings, err)
	}
}
