package odata

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/postgres"
	"github.com/backlogsync/backlogsync/internal/cputime"
)

// benchRows is the size of the Issues table the paging benchmark reads.
const benchRows = 100_000

// BenchmarkPaging reads every row of a 100,000-row Issues table through
// OData, following @odata.nextLink with the server's default page size of
// 1000 (what Power Query's refresh does), gzip on, from SQLite and from
// PostgreSQL (when BACKLOGSYNC_TEST_POSTGRES_DSN is set). It reports rows/s
// and the process's peak RSS (server and client together; the table is
// filled in batches of 1000 first, so RSS covers that too).
//
//	go test ./odata -run '^$' -bench Paging -benchtime 3x
func BenchmarkPaging(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchPaging(b, demoDest(b, benchRows))
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := os.Getenv("BACKLOGSYNC_TEST_POSTGRES_DSN")
		if dsn == "" {
			if os.Getenv("CI") == "true" {
				b.Fatal("BACKLOGSYNC_TEST_POSTGRES_DSN is not set")
			}
			b.Skip("BACKLOGSYNC_TEST_POSTGRES_DSN is not set")
		}
		d, err := postgres.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		for _, n := range demoTables {
			d.Drop(ctx, n)
		}
		defer func() {
			for _, n := range demoTables {
				d.Drop(ctx, n)
			}
		}()
		fillDemo(b, d, benchRows)
		benchPaging(b, d)
	})
}

func benchPaging(b *testing.B, d bs.Destination) {
	srv := serve(b, d, Options{})
	client := &http.Client{Timeout: time.Minute}
	cpu0 := cputime.Self()
	b.ResetTimer()
	start := time.Now()
	total := 0
	for b.Loop() {
		n := 0
		u := srv.URL + "/odata/demo/Issues"
		for u != "" {
			resp, err := client.Get(u)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%s: %d %v", u, resp.StatusCode, err)
			}
			n += bytes.Count(body, []byte(`{"Account":`))
			u = ""
			if i := bytes.LastIndex(body, []byte(`"@odata.nextLink":`)); i >= 0 {
				var s string
				dec := json.NewDecoder(bytes.NewReader(body[i+len(`"@odata.nextLink":`):]))
				if err := dec.Decode(&s); err != nil {
					b.Fatal(err)
				}
				u = s
			}
		}
		if n != benchRows {
			b.Fatalf("read %d rows; want %d", n, benchRows)
		}
		total += n
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "rows/s")
	// CPU seconds of this process (server, client and, for SQLite, the
	// database): on a shared machine wall-clock rows/s measures the
	// neighbours; rows per CPU second does not.
	b.ReportMetric(float64(total)/(cputime.Self()-cpu0).Seconds(), "rows/cpu-s")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
	b.ReportMetric(0, "ns/op")
}
