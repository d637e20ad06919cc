package main

import (
	"os"
	"strings"
	"testing"
)

// TestDevNullIsNotATerminal: /dev/null is a character device, so a check on
// the file's mode took it for a terminal, and `state reset </dev/null` (cron,
// systemd) asked a question nobody could answer instead of refusing.
func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("isTerminal(%s) = true", os.DevNull)
	}
	if isTerminal(strings.NewReader("y\n")) || isTerminal((*os.File)(nil)) {
		t.Error("a non-file or nil reader counted as a terminal")
	}
}
