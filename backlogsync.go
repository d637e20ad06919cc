// Package backlogsync holds the domain types shared by every part of
// backlogsync: the Backlog API client (package backlog), the emulator
// (package emulator), the table catalog, the replication engine, the
// destinations and the OData server.
//
// The root package imports only the standard library; each dependency lives
// in a sibling package that imports this one.
package backlogsync

// Version is the version of backlogsync, overridden at link time with
// -ldflags "-X github.com/backlogsync/backlogsync.Version=v1.2.3".
var Version = "dev"
