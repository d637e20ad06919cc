package main

import (
	"context"
	"fmt"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// openDestination opens the database a configuration's destination names.
// Its errors name the destination and never contain the password of the
// connection string.
func openDestination(ctx context.Context, d *config.Destination) (backlogsync.Destination, error) {
	dsn, err := d.DriverDSN()
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", d.Name, err)
	}
	switch d.Type {
	case config.SQLite:
		return sqlite.Open(ctx, dsn)
	}
	return nil, fmt.Errorf("destination %s is %s: only SQLite destinations are built yet", d.Name, d.Type)
}
