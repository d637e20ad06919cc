package emulator

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// The orderings of an issue search (every sort key of GET /issues) and the
// cache of filtered, sorted lists that makes repeated pages cheap.

// sorted returns the issues of the search scope ordered ascending by the
// sort key (ties by id). The cached list holds every issue with the
// in-scope ones first, so the scope is the prefix [0:n).
func (se *issueSearch) sorted() ([]*issue, int) {
	st := se.st
	scope := se.scope
	cmp := st.issueComparator(se.q.sortKey)
	list := st.issuesSorted(se.q.sortKey+"|"+se.scopeKey, func(a, b *issue) int {
		ia, ib := scope[a.ProjectID], scope[b.ProjectID]
		if ia != ib {
			if ia {
				return -1
			}
			return 1
		}
		return cmp(a, b)
	})
	n := sort.Search(len(list), func(i int) bool { return !scope[list[i].ProjectID] })
	return list, n
}

// maxFilterCache bounds how many filtered result lists are cached.
const maxFilterCache = 64

// cachedIssues returns a cached issue list for key, building it when the
// cache is empty or stale (any issue changed since). It shares the store's
// sort cache and evicts stale filtered entries when there are too many.
func (st *store) cachedIssues(key string, build func() []*issue) []*issue {
	st.sortMu.Lock()
	if c, ok := st.sortCache[key]; ok && c.version == st.issueVersion {
		st.sortMu.Unlock()
		return c.list
	}
	st.sortMu.Unlock()
	list := build() // outside sortMu: matching may be slow
	st.sortMu.Lock()
	defer st.sortMu.Unlock()
	n := 0
	for k, c := range st.sortCache {
		if strings.HasPrefix(k, "filter|") {
			if c.version != st.issueVersion {
				delete(st.sortCache, k)
				continue
			}
			n++
		}
	}
	if n >= maxFilterCache {
		for k := range st.sortCache {
			if strings.HasPrefix(k, "filter|") {
				delete(st.sortCache, k)
			}
		}
	}
	st.sortCache[key] = sortedIssues{version: st.issueVersion, list: list}
	return list
}

// issueComparator returns the three-way comparison for a sort key.
func (st *store) issueComparator(key string) func(a, b *issue) int {
	str := func(f func(*issue) string) func(a, b *issue) int {
		return func(a, b *issue) int { return strings.Compare(f(a), f(b)) }
	}
	num := func(f func(*issue) float64) func(a, b *issue) int {
		return func(a, b *issue) int {
			x, y := f(a), f(b)
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	// Null values sort first in ascending order.
	nullable := func(f func(*issue) (float64, bool)) func(a, b *issue) int {
		return func(a, b *issue) int {
			x, okx := f(a)
			y, oky := f(b)
			switch {
			case !okx && !oky:
				return 0
			case !okx:
				return -1
			case !oky:
				return 1
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	userName := func(id int64) string {
		if u := st.users[id]; u != nil {
			return u.Name
		}
		return ""
	}
	firstName := func(ids []int64, p *project, cat bool) string {
		if len(ids) == 0 {
			return ""
		}
		if cat {
			if c := findCategory(p, ids[0]); c != nil {
				return c.Name
			}
		} else if v := findVersion(p, ids[0]); v != nil {
			return v.Name
		}
		return ""
	}
	datep := func(t *time.Time) (float64, bool) {
		if t == nil {
			return 0, false
		}
		return float64(t.Unix()), true
	}
	floatp := func(f *float64) (float64, bool) {
		if f == nil {
			return 0, false
		}
		return *f, true
	}
	switch key {
	case "issueType":
		return num(func(is *issue) float64 {
			if t := findIssueType(st.projects[is.ProjectID], is.IssueTypeID); t != nil {
				return float64(t.DisplayOrder)
			}
			return 0
		})
	case "category":
		return str(func(is *issue) string { return firstName(is.CategoryIDs, st.projects[is.ProjectID], true) })
	case "version":
		return str(func(is *issue) string { return firstName(is.VersionIDs, st.projects[is.ProjectID], false) })
	case "milestone":
		return str(func(is *issue) string { return firstName(is.MilestoneIDs, st.projects[is.ProjectID], false) })
	case "summary":
		return str(func(is *issue) string { return is.Summary })
	case "status":
		return num(func(is *issue) float64 {
			p := st.projects[is.ProjectID]
			def := is.StatusID * 1000
			for _, cs := range p.Statuses {
				if cs.ID == is.StatusID {
					def = cs.DisplayOrder
				}
			}
			return float64(st.statusDisplayOrder(p, is.StatusID, def))
		})
	case "priority":
		return num(func(is *issue) float64 { return float64(is.PriorityID) })
	case "attachment":
		return num(func(is *issue) float64 { return float64(len(is.Attachments)) })
	case "sharedFile":
		return num(func(is *issue) float64 { return float64(len(is.SharedFileIDs)) })
	case "created":
		return func(a, b *issue) int { return a.Created.Compare(b.Created) }
	case "updated":
		return func(a, b *issue) int { return a.Updated.Compare(b.Updated) }
	case "createdUser":
		return str(func(is *issue) string { return userName(is.CreatedUser) })
	case "updatedUser":
		return str(func(is *issue) string { return userName(is.UpdatedUser) })
	case "assignee":
		return str(func(is *issue) string {
			if is.AssigneeID == nil {
				return ""
			}
			return userName(*is.AssigneeID)
		})
	case "startDate":
		return nullable(func(is *issue) (float64, bool) { return datep(is.StartDate) })
	case "dueDate":
		return nullable(func(is *issue) (float64, bool) { return datep(is.DueDate) })
	case "estimatedHours":
		return nullable(func(is *issue) (float64, bool) { return floatp(is.EstimatedHours) })
	case "actualHours":
		return nullable(func(is *issue) (float64, bool) { return floatp(is.ActualHours) })
	case "childIssue":
		var counts map[int64]int
		return num(func(is *issue) float64 {
			if counts == nil {
				counts = map[int64]int{}
				for _, c := range st.issueList {
					if c.ParentIssueID != nil {
						counts[*c.ParentIssueID]++
					}
				}
			}
			return float64(counts[is.ID])
		})
	}
	// customField_{id}
	id, _ := strconv.ParseInt(strings.TrimPrefix(key, "customField_"), 10, 64)
	def := st.customFieldAnywhere(id)
	if def == nil {
		return func(a, b *issue) int { return 0 }
	}
	switch def.TypeID {
	case CFNumeric:
		return nullable(func(is *issue) (float64, bool) {
			if v := cfByField(is.CustomFields, id); v != nil {
				return floatp(v.Number)
			}
			return 0, false
		})
	case CFDate:
		return nullable(func(is *issue) (float64, bool) {
			if v := cfByField(is.CustomFields, id); v != nil {
				return datep(v.Date)
			}
			return 0, false
		})
	}
	return str(func(is *issue) string {
		if v := cfDisplay(def, cfByField(is.CustomFields, id)); v != nil {
			return *v
		}
		return ""
	})
}
