package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// openBench opens a fresh database file and migrates t in it. Extra DSN
// parameters come from $BENCH_SQLITE_PARAMS, e.g.
// BENCH_SQLITE_PARAMS='_pragma=cache_size(-32768)' to try a larger page cache.
// With BENCH_SQLITE_FRAMES=1 the destination counts the WAL frames its
// Writes append (see frameCounter).
func openBench(b *testing.B, t *bs.Table) bs.Destination {
	ctx := context.Background()
	file := filepath.Join(b.TempDir(), "bench.db")
	d, err := sqlite.Open(ctx, "file:"+file+"?"+os.Getenv("BENCH_SQLITE_PARAMS"))
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Migrate(ctx, t); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if os.Getenv("BENCH_SQLITE_FRAMES") == "1" {
		return &frameCounter{Destination: d, shm: file + "-shm", fatalf: b.Fatalf}
	}
	return d
}

// walFrames is the number of WAL frames (one per page written, 4 KiB each
// by default) that the frameCounters of this process have seen appended.
var walFrames float64

// frameCounter is a destination that counts the WAL frames each Write
// appends, read from the WAL index header in the -shm file before and
// after it: mxFrame (offset 16) is the number of valid frames, and the salt
// (offset 32) changes when a writer restarts the WAL from its start after
// a complete checkpoint, in which case all mxFrame frames are new.
type frameCounter struct {
	bs.Destination
	shm    string
	fatalf func(format string, args ...any)
}

func (f *frameCounter) Write(ctx context.Context, batch bs.Batch) (bs.WriteResult, error) {
	frames0, salt0 := f.walIndex()
	res, err := f.Destination.Write(ctx, batch)
	frames, salt := f.walIndex()
	if salt != salt0 || frames < frames0 {
		frames0 = 0
	}
	walFrames += float64(frames - frames0)
	return res, err
}

// walIndex reads mxFrame and the salt from the first copy of the WAL index
// header (the layout is SQLite's WalIndexHdr, in native byte order).
func (f *frameCounter) walIndex() (mxFrame uint32, salt [8]byte) {
	fh, err := os.Open(f.shm)
	if err != nil {
		f.fatalf("WAL index: %v (BENCH_SQLITE_FRAMES needs journal_mode=WAL)", err)
	}
	defer fh.Close()
	var hdr [48]byte
	if _, err := io.ReadFull(fh, hdr[:]); err != nil {
		f.fatalf("WAL index header: %v", err)
	}
	copy(salt[:], hdr[32:40])
	return binary.NativeEndian.Uint32(hdr[16:20]), salt
}

// benchCounters returns, with BENCH_SQLITE_FRAMES=1, a counter of the WAL
// frames appended (reported as wal-frames/row); else nil.
func benchCounters() desttest.BenchCounters {
	if os.Getenv("BENCH_SQLITE_FRAMES") != "1" {
		return nil
	}
	return func(*testing.B) map[string]float64 { return map[string]float64{"wal-frames": walFrames} }
}

// TestFrameCounter checks the WAL frame probe the benchmarks use: new rows
// append frames, the same rows written again unchanged append none (they
// are not written), and the count stays exact when a writer restarts the
// WAL after a complete checkpoint, even with more frames than before.
func TestFrameCounter(t *testing.T) {
	ctx := context.Background()
	tb := desttest.BenchTable(&catalog.MustLookup("Issues").Table, "Bench_Frames")
	file := filepath.Join(t.TempDir(), "frames.db")
	d, err := sqlite.Open(ctx, "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	f := &frameCounter{Destination: d, shm: file + "-shm", fatalf: t.Fatalf}
	rows := func(from, n int64) []bs.Row {
		var out []bs.Row
		for i := from; i < from+n; i++ {
			out = append(out, desttest.BenchRow(tb, i, 0))
		}
		return out
	}
	write := func(rs []bs.Row) float64 {
		t.Helper()
		before := walFrames
		if _, err := f.Write(ctx, bs.Batch{Table: tb, Upserts: rs}); err != nil {
			t.Fatal(err)
		}
		return walFrames - before
	}
	if n := write(rows(1, 100)); n < 100/4 {
		t.Fatalf("100 new rows of ~1 KB appended %v frames; want at least 25 (4 KiB pages)", n)
	}
	if n := write(rows(1, 100)); n != 0 {
		t.Fatalf("100 unchanged rows appended %v frames; want 0", n)
	}
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var busy, logFrames, done int
	if err := db.QueryRow("PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &logFrames, &done); err != nil || busy != 0 {
		t.Fatalf("checkpoint: busy %d, %v", busy, err)
	}
	n := write(rows(101, 400))
	mx, _ := f.walIndex()
	if n != float64(mx) || mx <= uint32(logFrames) {
		t.Fatalf("after a WAL restart: counted %v frames, the WAL holds %d (it held %d before the restart); want the count equal to the WAL's frames, more than before", n, mx, logFrames)
	}
}

// BenchmarkWriteFull: desttest.BenchWriteFull (100,000 rows, batches of
// 1,000); with BENCH_SQLITE_FRAMES=1 it also reports wal-frames/row.
func BenchmarkWriteFull(b *testing.B) {
	desttest.BenchWriteFullCounting(b, &catalog.MustLookup("Issues").Table, openBench, benchCounters())
}

// BenchmarkWriteIncremental: desttest.BenchWriteIncremental; with
// BENCH_SQLITE_FRAMES=1 it also reports wal-frames/row.
func BenchmarkWriteIncremental(b *testing.B) {
	desttest.BenchWriteIncrementalCounting(b, &catalog.MustLookup("Issues").Table, openBench, benchCounters())
}
