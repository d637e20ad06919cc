package backlogsync

import (
	"fmt"
	"strings"
)

// Pacing is how the rate-limit budget of each Backlog window is spent: an
// account's setting (rate_limit.pacing in configuration files, --pacing, a
// stored connection's pacing) that the API client's governor applies
// (backlog.WithPacing).
type Pacing int

// Concurrency bounds, shared by the API client (backlog.WithConcurrency)
// and configuration files (rate_limit.concurrency) so that both accept the
// same numbers and messages name the client's default.
const (
	// DefaultConcurrency bounds the requests of one user in flight at once:
	// enough to hide 100-400 ms of latency at Backlog's paid limits (600
	// reads a minute is one every 100 ms), few enough to stay polite.
	DefaultConcurrency = 4
	// MaxConcurrency is the highest concurrency accepted. At the paid read
	// limit (600 a minute, one every 100 ms) 16 requests in flight cover
	// 1.6 s of latency; more would only queue inside the governor.
	MaxConcurrency = 16
)

// Pacings.
const (
	// PaceWindow spends the window's budget as fast as requests come and
	// then waits for the window to reset (the default): the shortest wall
	// time Backlog's fixed windows allow.
	PaceWindow Pacing = iota
	// PaceEven spreads what is left of the budget evenly until the window
	// resets (one request every Window/Limit at a full budget).
	PaceEven
)

// pacingNames are the pacings' names, indexed by Pacing.
var pacingNames = []string{PaceWindow: "window", PaceEven: "even"}

// PacingChoices names the pacings and says what each does, for the
// messages that refuse a pacing (ParsePacing, configuration files'
// rate_limit.pacing).
const PacingChoices = "window (spend each rate-limit window's budget as fast as the work goes, the default) or even (spread it over the window, for accounts shared with people or other tools)"

// PacingNames lists the names of the pacings, the default first.
func PacingNames() []string { return append([]string(nil), pacingNames...) }

// String returns the pacing's name: "window" or "even".
func (p Pacing) String() string {
	if p < 0 || int(p) >= len(pacingNames) {
		return fmt.Sprintf("Pacing(%d)", int(p))
	}
	return pacingNames[p]
}

// ParsePacing reads a pacing by name, in any case and with spaces around
// it; the error says which names there are.
func ParsePacing(s string) (Pacing, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for p, n := range pacingNames {
		if n == name {
			return Pacing(p), nil
		}
	}
	return 0, Errorf(EINVALID, "pacing %q: want %s", s, PacingChoices)
}
