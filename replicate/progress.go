package replicate

import (
	"time"

	"github.com/backlogsync/backlogsync/backlog"
)

// Phase names a step of a table's replication in a Progress report.
type Phase string

// Phases of a table, in order. A table reports PhaseStart once, then
// PhaseLoad (a first load or reload) or PhaseIncremental after each batch
// written, then PhaseDone or PhaseFailed once.
const (
	PhaseStart       Phase = "start"
	PhaseLoad        Phase = "load"
	PhaseIncremental Phase = "incremental"
	PhaseDone        Phase = "done"
	PhaseFailed      Phase = "failed"
)

// Progress is one report of how a table's replication advances, for
// terminal progress bars and logs. The engine sends it to Engine.Progress
// from the goroutine running the table (never concurrently for one
// Engine).
type Progress struct {
	// Table is the destination table name.
	Table string
	// Phase is the step the table is in.
	Phase Phase
	// Rows is the number of rows written to the table so far in this run
	// (inserted + updated + deleted).
	Rows int64
	// Expected is the number of source rows the table is expected to
	// receive in this run when it is known (a first load of Issues counts
	// them with /issues/count), otherwise -1.
	Expected int64
	// Requests is the number of API requests this run has made so far,
	// for every table.
	Requests int64
	// Rate is the rate-limit state of the read class after the latest
	// response (zero when no response carried one).
	Rate backlog.Rate
	// Elapsed is the time since the table started.
	Elapsed time.Duration
}
