package backlogsync

import "testing"

// TestPacingName: a pacing's name is read in any case with spaces around
// it; anything else is no pacing.
func TestPacingName(t *testing.T) {
	for in, want := range map[string]string{"window": "window", " Even ": "even", "EVEN": "even"} {
		if got, ok := PacingName(in); !ok || got != want {
			t.Errorf("PacingName(%q) = %q, %v; want %q, true", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "evenly", "smooth", "window even"} {
		if got, ok := PacingName(in); ok {
			t.Errorf("PacingName(%q) = %q, true; want false", in, got)
		}
	}
}
