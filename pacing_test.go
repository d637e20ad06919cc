package backlogsync

import (
	"strings"
	"testing"
)

// TestParsePacing: a pacing's name is read in any case with spaces around
// it, and String gives the name back; anything else is no pacing, and the
// error names the choices.
func TestParsePacing(t *testing.T) {
	for in, want := range map[string]Pacing{"window": PaceWindow, " Even ": PaceEven, "EVEN": PaceEven} {
		if got, err := ParsePacing(in); err != nil || got != want {
			t.Errorf("ParsePacing(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, name := range PacingNames() {
		if p, err := ParsePacing(name); err != nil || p.String() != name {
			t.Errorf("ParsePacing(%q) = %v, %v; want the pacing named so", name, p, err)
		}
	}
	if got := PacingNames(); len(got) != 2 || got[0] != PaceWindow.String() {
		t.Errorf("PacingNames() = %q; want two, the default (window) first", got)
	}
	for _, in := range []string{"", "evenly", "smooth", "window even"} {
		if got, err := ParsePacing(in); err == nil || !strings.Contains(err.Error(), "want window (") || ErrorCode(err) != EINVALID {
			t.Errorf("ParsePacing(%q) = %v, %v; want an EINVALID error naming the choices", in, got, err)
		}
	}
	if got := Pacing(7).String(); got != "Pacing(7)" {
		t.Errorf("Pacing(7).String() = %q", got)
	}
}
