package emulator

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/internal/cputime"
)

// benchSize is the size of the benchmark target: 100,000 issues and 500,000
// comments (to generate in under 60 s and 3 GiB).
var benchSize = Size{Projects: 20, Users: 200, Teams: 10, Issues: 100000, Comments: 500000, Wikis: 2000,
	Documents: 1000, Repositories: 30, PullRequests: 3000, SharedFiles: 2000}

// peakSampler records the largest heap in use while running.
type peakSampler struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

func startPeakSampler() *peakSampler {
	p := &peakSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		var ms runtime.MemStats
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			p.peak = max(p.peak, ms.HeapAlloc)
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) finish() uint64 {
	close(p.stop)
	<-p.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return max(p.peak, ms.HeapAlloc)
}

// peakRSS returns the process's peak resident set size (VmHWM) in bytes, or 0.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkGenerate generates the 100,000-issue, 500,000-comment space
// (run with -benchtime=1x). It reports issues/s and comments/s of wall time,
// the CPU seconds used, the peak heap sampled through runtime.MemStats and
// the process's peak RSS.
func BenchmarkGenerate(b *testing.B) {
	size := benchSize
	if testing.Short() {
		size.Issues, size.Comments = 10000, 50000
	}
	var peak uint64
	var cpu time.Duration
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		ps := startPeakSampler()
		cpu0 := cputime.Self()
		st, err := generate(1, size, "demo", "k", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		cpu += cputime.Self() - cpu0
		peak = max(peak, ps.finish())
		if len(st.issueList) != size.Issues || len(st.comments) != size.Comments {
			b.Fatalf("%d issues, %d comments", len(st.issueList), len(st.comments))
		}
		for i := 1; i < len(st.activities); i++ {
			if st.activities[i].Created.Before(st.activities[i-1].Created) {
				b.Fatalf("activity %d at %s after one at %s", st.activities[i].ID, st.activities[i].Created,
					st.activities[i-1].Created)
			}
		}
		runtime.KeepAlive(st)
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(size.Issues)/sec, "issues/s")
	b.ReportMetric(float64(size.Comments)/sec, "comments/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-rss-MiB")
}

var (
	benchServerOnce sync.Once
	benchServer     *Server
	benchServerErr  error
)

// bigServer returns a server over the benchmark-sized space, generated once
// per process, with rate limits off.
func bigServer(b *testing.B) *Server {
	benchServerOnce.Do(func() {
		benchServer, benchServerErr = New(Options{Seed: 1, AdminAPIKey: "k", Size: benchSize})
	})
	if benchServerErr != nil {
		b.Fatal(benchServerErr)
	}
	return benchServer
}

// countingWriter is a ResponseWriter that keeps only the status, the first
// bytes and the length of the body, as a socket would (a recorder's growing
// buffer would dominate the measurement).
type countingWriter struct {
	h    http.Header
	code int
	head []byte
	n    int
}

func (w *countingWriter) Header() http.Header  { return w.h }
func (w *countingWriter) WriteHeader(code int) { w.code = code }
func (w *countingWriter) Write(p []byte) (int, error) {
	if len(w.head) < 256 {
		w.head = append(w.head, p[:min(len(p), 256-len(w.head))]...)
	}
	w.n += len(p)
	return len(p), nil
}

// BenchmarkIssuesPage serves GET /api/v2/issues?count=100&offset=N over the
// 100,000-issue space in-process (ServeHTTP) on one goroutine, walking the whole list.
// "warm" serves from the per-issue JSON cache; "cold" invalidates every
// cached rendering before each request, the worst case. pages/cpu-s divides
// by the process's CPU time instead of wall time (run with -cpu 1 for the
// one-core figure).
func BenchmarkIssuesPage(b *testing.B) {
	s := bigServer(b)
	for _, mode := range []string{"warm", "cold"} {
		b.Run(mode, func(b *testing.B) {
			req := func(offset int) *countingWriter {
				r := httptest.NewRequest(http.MethodGet, "/api/v2/issues?count=100&offset="+strconv.Itoa(offset), nil)
				r.Header.Set("Backlog-API-Key", "k")
				w := &countingWriter{h: http.Header{}, code: http.StatusOK}
				s.ServeHTTP(w, r)
				return w
			}
			if w := req(0); w.code != http.StatusOK || !bytes.HasPrefix(w.head, []byte(`[{"id":`)) {
				b.Fatalf("GET /issues: %d %.200s", w.code, w.head)
			}
			if mode == "warm" {
				// List pages do not fill the per-issue cache (see
				// appendIssuesJSON); single-issue renderings do.
				s.store.mu.RLock()
				for _, is := range s.store.issueList {
					s.store.issueJSON(is)
				}
				s.store.mu.RUnlock()
			}
			pages := benchSize.Issues / 100
			bytesOut := 0
			cpu0 := cputime.Self()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if mode == "cold" {
					s.store.touch()
				}
				w := req(i % pages * 100)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
				bytesOut += w.n
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
			// CPU time (all threads, GC included) is what a busy machine
			// does not distort.
			b.ReportMetric(float64(b.N)/(cputime.Self()-cpu0).Seconds(), "pages/cpu-s")
			b.ReportMetric(float64(bytesOut)/float64(b.N), "bytes/page")
		})
	}
}
