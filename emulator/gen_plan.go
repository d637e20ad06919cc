package emulator

import (
	"math"
	"sort"
)

// The plans of issues and of content (wikis, documents, repositories, pull
// requests, shared files) that gen.go's plan draws before replaying the
// history.

// planIssues draws issue creation times, comment counts, lifecycles and
// deletions.
func (g *gen) planIssues(pw []float64) {
	sz := g.size
	if sz.Issues <= 0 {
		return
	}
	deleted := sz.Issues / 100
	if deleted == 0 && sz.Issues >= 10 {
		deleted = 1
	}
	perProj := apportion(sz.Issues, pw)
	for k := range deleted {
		perProj[k%len(perProj)]++
	}
	delLeft := make([]int, len(perProj))
	for k := range deleted {
		delLeft[k%len(perProj)]++
	}
	g.issues = make([]issuePlan, 0, sz.Issues+deleted)
	for j, n := range perProj {
		pp := g.projects[j]
		from, to := pp.at+86400, g.end-7200
		times := make([]int64, n)
		for k := range times {
			times[k] = g.between(from, to)
		}
		sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
		// Deleted issues are spread through the project's history.
		del := map[int]bool{}
		for len(del) < delLeft[j] {
			del[g.r.IntN(n)] = true
		}
		for k, t := range times {
			g.issues = append(g.issues, issuePlan{proj: int32(j), at: t, deleted: del[k]})
		}
	}
	// Comments: heavy-tailed per issue (Pareto), none for ~40% of issues,
	// fewer for young issues.
	w := make([]float64, len(g.issues))
	for k := range g.issues {
		ip := &g.issues[k]
		if ip.deleted || g.r.IntN(100) < 40 {
			continue
		}
		x := math.Min(math.Pow(1/(1-g.r.Float64()), 1/1.3), 60)
		age := float64(g.end-ip.at) / (60 * 86400)
		w[k] = x * math.Min(1, math.Max(age, 0.02))
	}
	if sz.Comments > 0 {
		has := false
		for k := range w {
			if w[k] > 0 {
				has = true
				break
			}
		}
		if !has {
			for k := range g.issues {
				if !g.issues[k].deleted {
					w[k] = 1
					break
				}
			}
		}
	}
	counts := apportion(sz.Comments, w)
	for k := range g.issues {
		ip := &g.issues[k]
		ip.comments, ip.left = int32(counts[k]), int32(counts[k])
		if ip.comments > 0 {
			dur := float64(7*86400+20*86400*int64(ip.comments)) * (0.3 + 1.2*g.r.Float64())
			ip.deadline = min(ip.at+int64(dur), g.end-60)
			age := float64(g.end-ip.at) / (180 * 86400)
			ip.closeIt = g.r.Float64() < 0.85*math.Min(1, age)
		}
		g.schedule(ip.at, evIssue, int32(k), nil)
	}
}

// planContent draws wikis, documents, repositories, pull requests and shared
// files over the projects that use them.
func (g *gen) planContent(pw []float64) {
	sz := g.size
	uses := func(f func(in *projectInput) *bool) func(int) bool {
		return func(j int) bool { return *f(&g.projects[j].in) }
	}
	wikiOK := uses(func(in *projectInput) *bool { return in.UseWiki })
	docOK := uses(func(in *projectInput) *bool { return in.UseDocument })
	gitOK := uses(func(in *projectInput) *bool { return in.UseGit })
	fileOK := uses(func(in *projectInput) *bool { return in.UseFileSharing })
	life := func(j int, lo, hi float64) int64 {
		a := g.projects[j].at + 3600
		return g.between(a+int64(float64(g.end-a)*lo), a+int64(float64(g.end-a)*hi))
	}

	nWiki := max(sz.Wikis, 0)
	nDeleted := nWiki / 20
	if nDeleted == 0 && nWiki >= 5 {
		nDeleted = 1
	}
	for k := range nWiki + nDeleted {
		j := g.weighted(pw, wikiOK)
		if j < 0 {
			break
		}
		wp := wikiPlan{proj: int32(j), at: life(j, 0, 0.95), deleted: k >= nWiki}
		if g.r.IntN(10) >= 4 {
			wp.edits = 1 + int32(g.r.IntN(3))
			for wp.edits < 12 && g.r.IntN(3) == 0 {
				wp.edits++
			}
		}
		g.wikis = append(g.wikis, wp)
		g.schedule(wp.at, evWiki, int32(len(g.wikis)-1), nil)
	}
	for range max(sz.Documents, 0) {
		j := g.weighted(pw, docOK)
		if j < 0 {
			break
		}
		n := int32(0)
		for n < 8 && g.r.IntN(2) == 0 {
			n++
		}
		g.docs = append(g.docs, struct {
			proj     int32
			at       int64
			comments int32
		}{int32(j), life(j, 0, 0.98), n})
		g.schedule(g.docs[len(g.docs)-1].at, evDoc, int32(len(g.docs)-1), nil)
	}
	for k := range max(sz.Repositories, 0) {
		j := g.weighted(pw, gitOK)
		if j < 0 {
			break
		}
		// The first repositories are created early in their project's life.
		hi := 0.2
		if k >= len(g.projects) {
			hi = 0.7
		}
		g.repos = append(g.repos, struct {
			proj int32
			at   int64
		}{int32(j), life(j, 0, hi)})
		g.schedule(g.repos[len(g.repos)-1].at, evRepo, int32(len(g.repos)-1), nil)
	}
	g.repoObjs = make([]*repository, len(g.repos))
	if len(g.repos) > 0 {
		rw := skewWeights(len(g.repos), 0.7)
		for range max(sz.PullRequests, 0) {
			ri := g.weighted(rw, func(int) bool { return true })
			ra := g.repos[ri].at + 3600
			pr := prPlan{repo: int32(ri), at: g.between(ra, g.end-86400), outcome: 1}
			for pr.comments < 10 && g.r.IntN(5) < 3 {
				pr.comments++
			}
			switch v := g.r.IntN(100); {
			case float64(g.end-pr.at) < 14*86400:
			case v < 65:
				pr.outcome = 3
			case v < 80:
				pr.outcome = 2
			}
			g.prs = append(g.prs, pr)
			g.schedule(pr.at, evPR, int32(len(g.prs)-1), nil)
		}
	}
	for range max(sz.SharedFiles, 0) {
		j := g.weighted(pw, fileOK)
		if j < 0 {
			break
		}
		g.files = append(g.files, struct {
			proj int32
			at   int64
		}{int32(j), life(j, 0, 1)})
		g.schedule(g.files[len(g.files)-1].at, evFile, int32(len(g.files)-1), nil)
	}
}
