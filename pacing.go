package backlogsync

import (
	"slices"
	"strings"
)

// PacingChoices says which rate-limit pacings there are and what each
// does, for the messages that refuse a pacing (backlog.ParsePacing,
// configuration files' rate_limit.pacing, the connection API).
const PacingChoices = "window (spend each rate-limit window's budget as fast as the work goes, the default) or even (spread it over the window, for accounts shared with people or other tools)"

// PacingNames lists the names of the rate-limit pacings, the default
// first; backlog.Pacing's String returns them.
func PacingNames() []string { return []string{"window", "even"} }

// PacingName reads the name of a pacing, in any case and with spaces
// around it, and returns it in lower case; ok is false (and name s
// trimmed and in lower case) when s names no pacing.
func PacingName(s string) (name string, ok bool) {
	name = strings.ToLower(strings.TrimSpace(s))
	return name, slices.Contains(PacingNames(), name)
}
