package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/notify/notifytest"
)

const apiKey = "APIkeyFROMconfig123"

// testConfig is a YAML config whose secrets the notifier must scrub.
func testConfig(t *testing.T) *config.Config {
	t.Helper()
	src := `accounts:
  - {name: prod, url: https://example.backlog.com, auth: {api_key: ` + apiKey + `}}
destinations:
  - {name: pg, type: postgres, dsn: "postgres://sync:DBsecretPW@db/backlog"}
jobs:
  - {name: nightly, destination: pg, accounts: [prod], statements: "REPLICATE Issues;", notify: job-owner@example.com}
notifications:
  email: {host: 127.0.0.1, user: sync, password: SMTPsecretPW, from: sync@example.com, to: [ops@example.com]}
  webhook: {url: "https://hooks.example.com/T0KEN/path", secret: HOOKsecret}
`
	cfg, err := config.ParseYAML([]byte(src), "", config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var start = time.Date(2026, 12, 6, 2, 30, 0, 0, time.UTC)

func failedReport() Report {
	return Report{
		Job: "nightly", Accounts: []string{"prod"}, Status: "failed", Trigger: "schedule", Attempts: 3,
		Started: start, Finished: start.Add(95 * time.Second),
		Tables: []TableResult{{Table: "Issues", Account: "prod", Rows: 120, Total: 5000}, {Table: "Projects", Account: "prod", Full: true, Rows: 0, Total: 0}},
		// An error that (wrongly) quotes the API key and the DB password.
		Err: &backlogsync.Error{Code: backlogsync.EUNAUTHORIZED, Message: "GET /api/v2/space?apiKey=" + apiKey + " returned 401; dsn postgres://sync:DBsecretPW@db"},
		Warnings: Alarms([]TableResult{{Table: "Projects", Account: "prod", Full: true, Rows: 0, Total: 0}},
			[]TableResult{{Table: "Projects", Account: "prod", Full: true, Rows: 7, Total: 7}}, 0),
	}
}

// readMail parses a message the sink got: subject and decoded body.
func readMail(t *testing.T, data string) (subject, body string, hdr mail.Header) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("the sink got an unparseable message: %v\n%s", err, data)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b), m.Header
}

func emailOptions(t *testing.T, cfg *config.Config, sink *notifytest.SMTP, mode string, clientTLS any) Options {
	o := FromConfig(cfg)
	e := *o.Email
	e.Port, e.TLS = sink.Port(), mode
	o.Email, o.Webhook = &e, nil
	o.Now = func() time.Time { return start.Add(2 * time.Minute) }
	return o
}

func TestEmailSTARTTLS(t *testing.T) {
	srvTLS, cliTLS := notifytest.Cert(t)
	sink := notifytest.StartSMTP(t, notifytest.SMTPOptions{TLS: srvTLS, Implicit: false, NoTLS: false, User: "sync", Password: "SMTPsecretPW"})
	cfg := testConfig(t)
	o := emailOptions(t, cfg, sink, config.SMTPStartTLS, nil)
	o.TLSConfig = cliTLS
	n := New(o)
	if err := n.Notify(context.Background(), failedReport(), cfg.Jobs[0].Notify); err != nil {
		t.Fatal(err)
	}
	got := sink.Mails()
	if len(got) != 1 {
		t.Fatalf("the sink got %d mails, want 1", len(got))
	}
	m := got[0]
	if !m.TLS || m.User != "sync" || m.Password != "SMTPsecretPW" || m.From != "sync@example.com" ||
		strings.Join(m.To, ",") != "job-owner@example.com,ops@example.com" {
		t.Errorf("envelope %+v", m)
	}
	subject, body, hdr := readMail(t, m.Data)
	if subject != "[backlogsync] job nightly FAILED" {
		t.Errorf("subject %q", subject)
	}
	if hdr.Get("Content-Type") != "text/plain; charset=utf-8" || hdr.Get("Date") == "" || hdr.Get("Message-ID") == "" {
		t.Errorf("headers %v", hdr)
	}
	for _, want := range []string{
		"Job:       nightly", "Status:    failed after 3 attempts", "Accounts:  prod", "Duration:  1m35s",
		"Rows:      120 written in 2 tables", "returned 401", "Backlog refused the account's credentials",
		"prod: Projects: a full refresh returned no rows; the previous run wrote 7",
		"Issues                                120 rows (incremental, 5000 in the table)",
		"apiKey=**** returned", "sync:****@db",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	for _, secret := range []string{apiKey, "DBsecretPW", "SMTPsecretPW", "HOOKsecret"} {
		if strings.Contains(m.Data, secret) || strings.Contains(body, secret) {
			t.Errorf("the mail shows secret %s", secret)
		}
	}
}

func TestEmailImplicitTLS(t *testing.T) {
	srvTLS, cliTLS := notifytest.Cert(t)
	sink := notifytest.StartSMTP(t, notifytest.SMTPOptions{TLS: srvTLS, Implicit: true, NoTLS: false, User: "sync", Password: "SMTPsecretPW"})
	o := emailOptions(t, testConfig(t), sink, config.SMTPTLS, nil)
	o.TLSConfig = cliTLS
	r := failedReport()
	r.Status, r.Err, r.Warnings = "succeeded", nil, nil
	if err := New(o).Notify(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	got := sink.Mails()
	if len(got) != 1 || !got[0].TLS {
		t.Fatalf("mails %+v", got)
	}
	if subject, body, _ := readMail(t, got[0].Data); subject != "[backlogsync] job nightly succeeded: 120 rows" || strings.Contains(body, "What to do") {
		t.Errorf("subject %q body:\n%s", subject, body)
	}
}

func TestEmailRefusesWithoutSTARTTLS(t *testing.T) {
	srvTLS, cliTLS := notifytest.Cert(t)
	sink := notifytest.StartSMTP(t, notifytest.SMTPOptions{TLS: srvTLS, Implicit: false, NoTLS: true, User: "sync", Password: "SMTPsecretPW"})
	o := emailOptions(t, testConfig(t), sink, config.SMTPStartTLS, nil)
	o.TLSConfig = cliTLS
	err := New(o).Notify(context.Background(), failedReport(), nil)
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS; set notifications.email.tls") {
		t.Errorf("err = %v", err)
	}
	if len(sink.Mails()) != 0 {
		t.Error("a mail was sent over a plain connection")
	}
}

func TestEmailUntrustedCertificate(t *testing.T) {
	srvTLS, _ := notifytest.Cert(t)
	sink := notifytest.StartSMTP(t, notifytest.SMTPOptions{TLS: srvTLS, Implicit: false, NoTLS: false, User: "sync", Password: "SMTPsecretPW"})
	o := emailOptions(t, testConfig(t), sink, config.SMTPStartTLS, nil) // system roots: the sink's cert is not trusted
	err := New(o).Notify(context.Background(), failedReport(), nil)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || len(sink.Mails()) != 0 {
		t.Errorf("err = %v, mails %d", err, len(sink.Mails()))
	}
}

func TestEmailWrongPassword(t *testing.T) {
	srvTLS, cliTLS := notifytest.Cert(t)
	sink := notifytest.StartSMTP(t, notifytest.SMTPOptions{TLS: srvTLS, Implicit: false, NoTLS: false, User: "sync", Password: "SMTPsecretPW"})
	o := emailOptions(t, testConfig(t), sink, config.SMTPStartTLS, nil)
	o.TLSConfig = cliTLS
	e := *o.Email
	e.Password = config.NewSecret("wrongPASSWORD")
	o.Email = &e
	err := New(o).Notify(context.Background(), failedReport(), nil)
	if err == nil || !strings.Contains(err.Error(), "login as sync refused") || strings.Contains(err.Error(), "wrongPASSWORD") {
		t.Errorf("err = %v", err)
	}
}

// hookSink records webhook deliveries; it answers the statuses in order,
// then 204.
type hookSink struct {
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	statuses []int
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bodies = append(h.bodies, b)
	h.headers = append(h.headers, r.Header.Clone())
	if len(h.statuses) > 0 {
		s := h.statuses[0]
		h.statuses = h.statuses[1:]
		w.WriteHeader(s)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func webhookOptions(cfg *config.Config, url string) Options {
	o := FromConfig(cfg)
	w := *o.Webhook
	w.URL = url
	o.Email, o.Webhook = nil, &w
	o.WebhookRetryWaits = []time.Duration{time.Millisecond, time.Millisecond}
	return o
}

func TestWebhook(t *testing.T) {
	sink := &hookSink{statuses: []int{503}}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	cfg := testConfig(t)
	if err := New(webhookOptions(cfg, srv.URL+"/hook")).Notify(context.Background(), failedReport(), nil); err != nil {
		t.Fatal(err)
	}
	if len(sink.bodies) != 2 {
		t.Fatalf("%d deliveries, want 2 (a 503, then a retry)", len(sink.bodies))
	}
	body, h := sink.bodies[1], sink.headers[1]
	if err := Verify([]byte("HOOKsecret"), h.Get(HeaderTimestamp), h.Get(HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := Verify([]byte("other"), h.Get(HeaderTimestamp), h.Get(HeaderSignature), body, time.Now(), 5*time.Minute); err == nil {
		t.Error("a wrong secret verified")
	}
	if err := Verify([]byte("HOOKsecret"), h.Get(HeaderTimestamp), h.Get(HeaderSignature), append(body, ' '), time.Now(), 5*time.Minute); err == nil {
		t.Error("a changed body verified")
	}
	if err := Verify([]byte("HOOKsecret"), h.Get(HeaderTimestamp), h.Get(HeaderSignature), body, time.Now().Add(time.Hour), 5*time.Minute); err == nil {
		t.Error("an old delivery verified")
	}
	if h.Get("Content-Type") != "application/json" || h.Get(HeaderEvent) != "run" {
		t.Errorf("headers %v", h)
	}
	var p struct {
		Job             string          `json:"job"`
		Status          string          `json:"status"`
		Accounts        []string        `json:"accounts"`
		Rows            int64           `json:"rows"`
		DurationSeconds float64         `json:"duration_seconds"`
		Error           string          `json:"error"`
		Advice          string          `json:"advice"`
		Tables          []TableResult   `json:"tables"`
		Warnings        []Warning       `json:"warnings"`
		Extra           json.RawMessage `json:"extra"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Job != "nightly" || p.Status != "failed" || p.Rows != 120 || p.DurationSeconds != 95 || len(p.Tables) != 2 ||
		len(p.Warnings) != 1 || p.Warnings[0].Kind != KindZeroRows || !strings.Contains(p.Error, "apiKey=**** returned 401") || p.Advice == "" {
		t.Errorf("payload %s", body)
	}
	for _, secret := range []string{apiKey, "DBsecretPW", "SMTPsecretPW", "HOOKsecret"} {
		if strings.Contains(string(body), secret) {
			t.Errorf("the payload shows secret %s", secret)
		}
	}
}

func TestWebhookFailure(t *testing.T) {
	sink := &hookSink{statuses: []int{400}}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	err := New(webhookOptions(testConfig(t), srv.URL+"/T0KEN/x")).Notify(context.Background(), failedReport(), nil)
	if err == nil || !strings.Contains(err.Error(), "answered 400 Bad Request") || strings.Contains(err.Error(), "T0KEN") {
		t.Errorf("err = %v (want the status, not the URL's token)", err)
	}
	if len(sink.bodies) != 1 {
		t.Errorf("a 400 was retried: %d deliveries", len(sink.bodies))
	}
	sink.statuses = []int{500, 500, 500}
	if err := New(webhookOptions(testConfig(t), srv.URL)).Notify(context.Background(), failedReport(), nil); err == nil || len(sink.bodies) != 4 {
		t.Errorf("err = %v after %d deliveries; want an error after 3 attempts", err, len(sink.bodies)-1)
	}
}

func TestErrorsOnly(t *testing.T) {
	srvTLS, cliTLS := notifytest.Cert(t)
	smtp := notifytest.StartSMTP(t, notifytest.SMTPOptions{TLS: srvTLS, Implicit: false, NoTLS: false, User: "sync", Password: "SMTPsecretPW"})
	hook := &hookSink{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	cfg := testConfig(t)
	o := emailOptions(t, cfg, smtp, config.SMTPStartTLS, nil)
	o.TLSConfig = cliTLS
	w := *cfg.Notifications.Webhook
	w.URL = srv.URL
	o.Webhook = &w
	o.ErrorsOnly = true
	n := New(o)
	ok := failedReport()
	ok.Status, ok.Err, ok.Warnings = "succeeded", nil, nil
	warned := ok
	warned.Warnings = failedReport().Warnings
	for _, r := range []Report{ok, warned, failedReport()} {
		if err := n.Notify(context.Background(), r, nil); err != nil {
			t.Fatal(err)
		}
	}
	mails := smtp.Mails()
	if len(mails) != 2 || len(hook.bodies) != 2 {
		t.Fatalf("errors-only sent %d mails and %d webhooks, want 2 each (warning, failure; not the success)", len(mails), len(hook.bodies))
	}
	if s, _, _ := readMail(t, mails[0].Data); s != "[backlogsync] job nightly succeeded: 120 rows, 1 warning" {
		t.Errorf("subject %q", s)
	}
	o.ErrorsOnly = false
	if err := New(o).Notify(context.Background(), ok, nil); err != nil || len(smtp.Mails()) != 3 {
		t.Errorf("every-run mode: err %v, %d mails", err, len(smtp.Mails()))
	}
}

func TestAdvice(t *testing.T) {
	for code, want := range map[string]string{
		backlogsync.ERATELIMIT: "rate limit", backlogsync.EINVALID: "backlogsync check", backlogsync.ENOTFOUND: "does not exist",
		backlogsync.ECONFLICT: "held the destination", backlogsync.EINTERNAL: "next scheduled run tries again",
	} {
		r := Report{Status: "failed", Err: fmt.Errorf("wrapped: %w", backlogsync.Errorf(code, "x"))}
		if a := Advice(r); !strings.Contains(a, want) {
			t.Errorf("%s: advice %q lacks %q", code, a, want)
		}
	}
	if a := Advice(Report{Status: "skipped", Err: errors.New("x")}); !strings.Contains(a, "still going") {
		t.Errorf("skipped: %q", a)
	}
	if a := Advice(Report{Status: "succeeded"}); a != "" {
		t.Errorf("success: %q", a)
	}
}

func TestSecrets(t *testing.T) {
	got := strings.Join(Secrets(testConfig(t)), ",")
	for _, s := range []string{apiKey, "DBsecretPW", "SMTPsecretPW", "HOOKsecret"} {
		if !strings.Contains(got, s) {
			t.Errorf("Secrets lacks %s: %s", s, got)
		}
	}
	if s := scrub("k=abcdef abc", []string{"abc", "abcdef"}); s != "k=**** abc" {
		t.Errorf("scrub = %q (longest first; values under 4 characters kept)", s)
	}
}
