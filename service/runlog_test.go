package service

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/notify"
	"github.com/backlogsync/backlogsync/store"
)

// TestRunLogCapture: the run's logger writes to serve's log and to the
// run's log; the saved text has no config secret and no credential
// parameter; a huge log keeps its start and its end within the cap.
func TestRunLogCapture(t *testing.T) {
	var server bytes.Buffer
	s := &Service{log: slog.New(slog.NewTextHandler(&server, &slog.HandlerOptions{Level: slog.LevelWarn})),
		notif: notify.New(notify.Options{Secrets: []string{"XMLapiKEY42"}})}
	log, l := s.runLogger("nightly")
	log.Info("GET https://acme.backlog.com/api/v2/space?apiKey=abcdef123456&count=100", "key", "XMLapiKEY42")
	log.Debug("not kept")
	log.Warn("Authorization: Bearer tok.en-value", "header", "Backlog-API-Key: k9k9k9k9")
	text := s.scrubLog(l.String())
	for _, secret := range []string{"XMLapiKEY42", "abcdef123456", "tok.en-value", "k9k9k9k9"} {
		if strings.Contains(text, secret) {
			t.Errorf("the run log shows %q:\n%s", secret, text)
		}
	}
	if !strings.Contains(text, "job=nightly") || !strings.Contains(text, "count=100") || strings.Contains(text, "not kept") ||
		strings.Count(text, "\n") != 2 {
		t.Errorf("run log:\n%s", text)
	}
	if !strings.Contains(server.String(), "level=WARN") || strings.Contains(server.String(), "level=INFO") {
		t.Errorf("serve's own log keeps its level: %s", server.String())
	}

	log, l = s.runLogger("big")
	log.Info("FIRST")
	for i := range 5000 {
		log.Info("table replicated", "table", "Issues", "i", i, "pad", strings.Repeat("x", 120))
	}
	log.Error("LAST")
	text = l.String()
	if len(text) > store.MaxRunLog+200 || !strings.Contains(text[:200], "FIRST") || !strings.Contains(text[len(text)-100:], "msg=LAST") ||
		!strings.Contains(text, "bytes of the log left out") {
		t.Errorf("capped log: %d bytes, starts %q, ends %q", len(text), text[:100], text[len(text)-100:])
	}
	if got, cut := store.CapLog(text, store.MaxRunLog); cut && len(got) > store.MaxRunLog {
		t.Errorf("the store cuts again to %d bytes", len(got))
	}
}
