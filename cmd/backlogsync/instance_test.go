package main

import (
	"strings"
	"testing"
)

// TestInstanceNameErrorNamesItsSource: a bad instance name is refused
// with the flag or the environment variable it came from.
func TestInstanceNameErrorNamesItsSource(t *testing.T) {
	long := strings.Repeat("x", maxInstanceBytes+1)
	t.Setenv(envInstance, "")
	if _, err := multiFromEnv(long); err == nil || !strings.HasPrefix(err.Error(), "--instance: ") {
		t.Errorf("flag: %v; want an error starting --instance:", err)
	}
	t.Setenv(envInstance, long)
	if _, err := multiFromEnv(""); err == nil || !strings.HasPrefix(err.Error(), envInstance+": ") {
		t.Errorf("environment: %v; want an error starting %s:", err, envInstance)
	}
	if m, err := multiFromEnv("web-1"); err != nil || m.instance != "web-1" {
		t.Errorf("the flag wins over the environment: %+v, %v", m, err)
	}
}
