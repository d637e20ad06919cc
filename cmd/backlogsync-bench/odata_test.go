package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/internal/dbtest"
)

// TestBenchODataScenario runs the odata scenario at a tiny size on every
// destination there is a database for (all three under CI): the server
// child pages the replicated Issues in pages of 50, every row once, and
// the report carries rows/s, rows per server CPU-second and the server's
// peak RSS for each pass.
func TestBenchODataScenario(t *testing.T) {
	benchAsChild(t)
	dests := []string{"sqlite"}
	for kind, open := range map[string]func(testing.TB) string{"postgres": dbtest.Postgres, "mysql": dbtest.MySQL} {
		if v := map[string]string{"postgres": dbtest.PostgresVar, "mysql": dbtest.MySQLVar}[kind]; os.Getenv(v) == "" && os.Getenv("CI") != "true" {
			t.Logf("%s is not set: %s not measured", v, kind)
			continue
		}
		t.Setenv(odataDSNEnvs[kind], open(t))
		dests = append(dests, kind)
	}
	slices.Sort(dests)
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "--issues", "120", "--scenario", "odata", "--odata-dests", strings.Join(dests, ","),
		"--odata-page-size", "50", "--odata-passes", "2", "--odata-cpuprofile", dir+"/srv.prof", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if len(rep.OData) != len(dests) || rep.Full != nil || rep.RSS != nil {
		t.Fatalf("odata scenario ran %d destinations (want %v) or other scenarios: %s", len(rep.OData), dests, out)
	}
	for i, r := range rep.OData {
		if r.Dest != dests[i] || r.Rows != 120 || r.Pages != 3 || r.PageSize != 50 || !r.Verified || len(r.Passes) != 2 {
			t.Errorf("%s: %+v", dests[i], r)
		}
		if r.MedianRowsPerS <= 0 || r.MinRowsPerS > r.MedianRowsPerS || r.MaxRowsPerS < r.MedianRowsPerS ||
			r.ServerPeakRSSMiB <= 0 || r.ServerStartRSSMiB > r.ServerPeakRSSMiB || r.WireBytes <= 0 || r.JSONBytes <= r.WireBytes {
			t.Errorf("%s: measures %+v", dests[i], r)
		}
		if st, err := os.Stat(dir + "/srv.prof." + dests[i]); err != nil || st.Size() == 0 {
			t.Errorf("server profile of %s not written: %v", dests[i], err)
		}
	}
	// The lines name the targets.
	code, out, errOut = runCLI(t, "--issues", "30", "--scenario", "odata", "--odata-passes", "1")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{"odata       sqlite", "30 rows in 1 pages of 1000", "complete: true", "rows/s", "rows per server CPU-second", "server peak RSS"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
