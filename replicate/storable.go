package replicate

import "log/slog"

// warnAltered logs the values of a write that the destinations'
// storable-text policy altered (backlogsync.StorableText: NUL removed,
// invalid UTF-8 replaced); the runs table counts them per table.
func warnAltered(log *slog.Logger, table string, n int64) {
	if n > 0 {
		log.Warn("values altered to be storable: NUL characters removed or invalid UTF-8 replaced (docs/replication.md, \"Text a database cannot store\")",
			"table", table, "values", n)
	}
}
