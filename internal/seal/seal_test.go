package seal

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestSealer(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Seal("the-api-key", "demo")
	b, _ := s.Seal("the-api-key", "demo")
	if a == b || strings.Contains(a, "the-api-key") || !strings.HasPrefix(a, "v1:") {
		t.Fatalf("sealed %q / %q: want distinct, prefixed, not in clear", a, b)
	}
	if got, err := s.Open(a, "demo"); err != nil || got != "the-api-key" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.Open(a, "other"); err == nil {
		t.Error("opened under another connection's name")
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "v1:"))
	raw[len(raw)-1] ^= 1
	if _, err := s.Open("v1:"+base64.StdEncoding.EncodeToString(raw), "demo"); err == nil {
		t.Error("opened a tampered secret")
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(a, "demo"); err == nil || !strings.Contains(err.Error(), EnvKey) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("a 5-byte key was accepted")
	}
	t.Setenv(EnvKey, base64.StdEncoding.EncodeToString(key))
	if k, err := KeyFromEnv(); err != nil || !bytes.Equal(k, key) {
		t.Errorf("KeyFromEnv: %v", err)
	}
	t.Setenv(EnvKey, "not base64!")
	if _, err := KeyFromEnv(); err == nil || !strings.Contains(err.Error(), "openssl rand -base64 32") {
		t.Errorf("bad env key: %v", err)
	}
}
