package emulator

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// discardWriter is a minimal http.ResponseWriter that drops the body.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// benchSpace fills a store directly with n issues over 10 projects (the
// administrator joined them all), with categories, custom fields and
// comments on a tenth of the issues.
func benchSpace(b *testing.B, n int) *Server {
	f := newFixture(b)
	st := f.st
	projects := []*project{f.p1, f.p2}
	for i := 3; i <= 10; i++ {
		p := f.addProject(fmt.Sprintf("B%d", i), true, f.admin, f.alice)
		f.addIssueType(p, "Task", 1)
		projects = append(projects, p)
	}
	text := "benchmark text"
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		p := projects[i%len(projects)]
		at := start.Add(time.Duration(i) * time.Minute)
		is := &issue{ID: st.nextID("issue"), ProjectID: p.ID, KeyID: p.NextKeyID, IssueTypeID: p.IssueTypes[0].ID,
			Summary: fmt.Sprintf("Issue number %d with a realistic summary", i), Description: "A description\nwith two lines.",
			PriorityID: 3, StatusID: int64(1 + i%4), CategoryIDs: []int64{}, VersionIDs: []int64{}, MilestoneIDs: []int64{},
			CreatedUser: f.alice.ID, Created: at, UpdatedUser: f.bob.ID, Updated: at.Add(time.Duration(i%977) * time.Hour),
			SharedFileIDs: []int64{}}
		p.NextKeyID++
		if i%3 == 0 {
			is.AssigneeID = &f.bob.ID
		}
		if p == f.p1 {
			is.CategoryIDs = []int64{f.ui.ID}
			is.CustomFields = []*cfValue{{FieldID: f.cf[CFText].ID, Text: &text}}
		}
		if i%10 == 0 {
			c := &comment{ID: st.nextID("comment"), ProjectID: p.ID, IssueID: is.ID, Content: &text,
				ChangeLog: []changeLogEntry{}, CreatedUser: f.bob.ID, Created: is.Updated, Updated: is.Updated}
			st.appendComment(is, c)
		}
		st.insertIssue(is)
	}
	st.issueVersion++
	return f.s
}

func benchPages(b *testing.B, s *Server, cold bool, query func(i int) string) {
	w := &discardWriter{h: http.Header{}}
	get := func(q string) {
		req, _ := http.NewRequest("GET", "http://emulator/api/v2/issues?"+q, nil)
		req.Header.Set("Backlog-API-Key", "admin")
		w.h = http.Header{}
		w.status, w.n = 0, 0
		s.ServeHTTP(w, req)
		if w.status != 200 || w.n < 1000 {
			b.Fatalf("%s: status %d, %d bytes", q, w.status, w.n)
		}
	}
	// Warm the per-issue JSON cache and the sorted orderings.
	for i := range 1000 {
		get(query(i))
	}
	b.ResetTimer()
	start := time.Now()
	i := 0
	for b.Loop() {
		if cold {
			s.store.touch() // every issue is rendered again
		}
		get(query(i))
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "pages/s")
}

// BenchmarkIssuePages serves GET /issues?count=100 pages over a 100,000-issue
// space with rate limits off. Run with -cpu 1 for the one-core figure.
func BenchmarkIssuePages(b *testing.B) {
	s := benchSpace(b, 100_000)
	b.Run("default", func(b *testing.B) {
		benchPages(b, s, false, func(i int) string { return fmt.Sprintf("count=100&offset=%d", (i*100)%100_000) })
	})
	b.Run("project-created-asc", func(b *testing.B) {
		pid := s.store.projectList[0].ID
		benchPages(b, s, false, func(i int) string {
			return fmt.Sprintf("projectId[]=%d&sort=created&order=asc&count=100&offset=%d", pid, (i*100)%10_000)
		})
	})
	b.Run("default-cold-render", func(b *testing.B) {
		benchPages(b, s, true, func(i int) string { return fmt.Sprintf("count=100&offset=%d", (i*100)%100_000) })
	})
	b.Run("updatedSince-filter", func(b *testing.B) {
		benchPages(b, s, false, func(i int) string {
			return fmt.Sprintf("updatedSince=2020-02-01&sort=updated&order=asc&count=100&offset=%d", (i*100)%50_000)
		})
	})
}
