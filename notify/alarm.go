package notify

import "fmt"

// Warning is a problem of a run that succeeded, such as a table that lost
// its rows.
type Warning struct {
	// Kind is "zero_rows" or "row_drop".
	Kind    string `json:"kind"`
	Table   string `json:"table"`
	Message string `json:"message"`
}

// The warning kinds.
const (
	KindZeroRows = "zero_rows" // a full refresh returned no rows; the previous run had some
	KindRowDrop  = "row_drop"  // a table's row count fell by more than the allowed share
)

// DefaultRowDropShare is the share of a table's rows a run may lose before
// Alarms warns, when the config sets none.
const DefaultRowDropShare = 0.5

// Alarms compares a run's per-table results with the previous run's and
// returns the zero-row warnings, in the order of cur:
//
//   - a full refresh that wrote no rows where the previous run of the table
//     wrote some (a revoked permission, a filter that matches nothing, an
//     emptied project: runs that "succeed" while moving nothing);
//   - a table whose row count fell by more than dropShare (0 means
//     DefaultRowDropShare) of the previous run's count.
//
// Tables absent from prev (new tables) and unknown totals (-1) are not
// compared. Tables are matched by Account and Table.
func Alarms(cur, prev []TableResult, dropShare float64) []Warning {
	if dropShare <= 0 || dropShare > 1 {
		dropShare = DefaultRowDropShare
	}
	type key struct{ account, table string }
	before := make(map[key]TableResult, len(prev))
	for _, p := range prev {
		before[key{p.Account, p.Table}] = p
	}
	var out []Warning
	for _, c := range cur {
		p, ok := before[key{c.Account, c.Table}]
		if !ok {
			continue
		}
		name := c.Table
		if c.Account != "" {
			name = c.Account + ": " + c.Table
		}
		if c.Full && c.Rows == 0 && p.Rows > 0 {
			out = append(out, Warning{Kind: KindZeroRows, Table: c.Table,
				Message: fmt.Sprintf("%s: a full refresh returned no rows; the previous run wrote %d", name, p.Rows)})
			continue
		}
		if c.Total >= 0 && p.Total > 0 && c.Total < p.Total {
			lost := p.Total - c.Total
			if float64(lost) > dropShare*float64(p.Total) {
				out = append(out, Warning{Kind: KindRowDrop, Table: c.Table,
					Message: fmt.Sprintf("%s: the table has %d rows, %d fewer than after the previous run (%d, -%.0f%%; warning above %.0f%%)",
						name, c.Total, lost, p.Total, 100*float64(lost)/float64(p.Total), 100*dropShare)})
			}
		}
	}
	return out
}
