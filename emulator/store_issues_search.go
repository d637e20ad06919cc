package emulator

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// The search behind GET /issues and /issues/count: the query (parsed from
// the request in api_issues_search.go), resolved against the store, and the
// filters that match issues; orderings are store_issues_sort.go.

// cfFilter is one customField_{id}… filter of GET /issues.
type cfFilter struct {
	id       int64
	values   []string // customField_{id} / customField_{id}[]: keyword or item ids
	min, max string   // customField_{id}_min / _max
	// resolved under the lock
	def        *customField
	items      map[int64]bool
	numMin     *float64
	numMax     *float64
	dateMin    *time.Time
	dateMax    *time.Time
	textNeedle string
}

// issueQuery is a parsed GET /issues or /issues/count request.
type issueQuery struct {
	projectIDs []int64 // nil = the projects the caller joined

	issueTypes, categories, versions, milestones, statuses, priorities,
	assignees, createdUsers, resolutions, ids, parents map[int64]bool

	parentChild          int
	attachment, shared   *bool
	createdSince, crUnt  *time.Time
	updatedSince, upUnt  *time.Time
	startSince, stUnt    *time.Time
	dueSince, dueUnt     *time.Time
	noDueDate            bool
	keywords             []string
	cfs                  []*cfFilter
	sortKey              string
	sig                  string // canonical filter parameters (cache key)
	asc                  bool
	offset, count        int
	expandChildSummaries bool
}

// trivial reports whether the query filters by project only.
func (q *issueQuery) trivial() bool {
	return q.issueTypes == nil && q.categories == nil && q.versions == nil && q.milestones == nil &&
		q.statuses == nil && q.priorities == nil && q.assignees == nil && q.createdUsers == nil &&
		q.resolutions == nil && q.ids == nil && q.parents == nil && q.parentChild == 0 &&
		q.attachment == nil && q.shared == nil && q.createdSince == nil && q.crUnt == nil &&
		q.updatedSince == nil && q.upUnt == nil && q.startSince == nil && q.stUnt == nil &&
		q.dueSince == nil && q.dueUnt == nil && !q.noDueDate && len(q.keywords) == 0 && len(q.cfs) == 0
}

// issueSearch is an issueQuery resolved against the store (under the lock).
type issueSearch struct {
	q        *issueQuery
	st       *store
	scope    map[int64]bool
	scopeKey string
	children map[int64]int // direct-children counts, built on demand
}

// resolve checks projects and custom fields. Invisible project ids are
// ignored; when none of the given ids is visible the answer is 404
// "No project.".
func (st *store) resolveIssueQuery(u *user, q *issueQuery) (*issueSearch, error) {
	is := &issueSearch{q: q, st: st, scope: map[int64]bool{}}
	if q.projectIDs == nil {
		is.scope = st.joinedProjects(u)
	} else {
		for _, id := range q.projectIDs {
			if p := st.projects[id]; p != nil && st.canSee(u, p) {
				is.scope[id] = true
			}
		}
		if len(is.scope) == 0 {
			return nil, notFound("project")
		}
	}
	ids := make([]int64, 0, len(is.scope))
	for id := range is.scope {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strconv.FormatInt(id, 10))
		b.WriteByte(',')
	}
	is.scopeKey = b.String()
	for _, f := range q.cfs {
		f.def = st.customFieldAnywhere(f.id)
		if f.def == nil || !is.scope[f.def.ProjectID] {
			return nil, badRequest("No custom field %d in the searched projects.", f.id)
		}
		if err := f.resolve(); err != nil {
			return nil, err
		}
	}
	if strings.HasPrefix(q.sortKey, "customField_") {
		id, _ := strconv.ParseInt(strings.TrimPrefix(q.sortKey, "customField_"), 10, 64)
		if def := st.customFieldAnywhere(id); def == nil {
			return nil, badRequest("Invalid sort: no custom field %d.", id)
		}
	}
	return is, nil
}

// customFieldAnywhere finds a custom-field definition in any project.
func (st *store) customFieldAnywhere(id int64) *customField {
	for _, p := range st.projectList {
		if f := customFieldByID(p, id); f != nil {
			return f
		}
	}
	return nil
}

// resolve interprets a custom-field filter by the field's type.
func (f *cfFilter) resolve() error {
	name := "customField_" + strconv.FormatInt(f.id, 10)
	switch f.def.TypeID {
	case CFText, CFTextArea:
		if f.min != "" || f.max != "" {
			return badRequest("Invalid %s_min/_max: the field is not numeric or a date.", name)
		}
		f.textNeedle = strings.ToLower(strings.Join(f.values, " "))
	case CFNumeric:
		if len(f.values) > 0 {
			return badRequest("Invalid %s: use %s_min and %s_max for numeric fields.", name, name, name)
		}
		for _, b := range []struct {
			v   string
			dst **float64
		}{{f.min, &f.numMin}, {f.max, &f.numMax}} {
			if b.v == "" {
				continue
			}
			n, err := strconv.ParseFloat(b.v, 64)
			if err != nil {
				return badRequest("Invalid %s range: %q is not a number.", name, b.v)
			}
			*b.dst = &n
		}
	case CFDate:
		if len(f.values) > 0 {
			return badRequest("Invalid %s: use %s_min and %s_max for date fields.", name, name, name)
		}
		for _, b := range []struct {
			v   string
			dst **time.Time
		}{{f.min, &f.dateMin}, {f.max, &f.dateMax}} {
			if b.v == "" {
				continue
			}
			d, err := time.Parse(dateLayout, b.v)
			if err != nil {
				return badRequest("Invalid %s range: %q is not a date in yyyy-MM-dd format.", name, b.v)
			}
			*b.dst = &d
		}
	default:
		if f.min != "" || f.max != "" {
			return badRequest("Invalid %s_min/_max: the field is not numeric or a date.", name)
		}
		f.items = map[int64]bool{}
		for _, v := range f.values {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return badRequest("Invalid %s[]: %q is not an item id.", name, v)
			}
			f.items[id] = true
		}
	}
	return nil
}

// matchCF reports whether is passes a custom-field filter.
func (f *cfFilter) match(is *issue) bool {
	if is.ProjectID != f.def.ProjectID || !fieldApplies(f.def, is.IssueTypeID) {
		return false
	}
	v := cfByField(is.CustomFields, f.id)
	switch f.def.TypeID {
	case CFText, CFTextArea:
		return v != nil && v.Text != nil && strings.Contains(strings.ToLower(*v.Text), f.textNeedle)
	case CFNumeric:
		if v == nil || v.Number == nil {
			return false
		}
		return (f.numMin == nil || *v.Number >= *f.numMin) && (f.numMax == nil || *v.Number <= *f.numMax)
	case CFDate:
		if v == nil || v.Date == nil {
			return false
		}
		return (f.dateMin == nil || !v.Date.Before(*f.dateMin)) && (f.dateMax == nil || !v.Date.After(*f.dateMax))
	}
	if v == nil {
		return false
	}
	for _, id := range v.Items {
		if f.items[id] {
			return true
		}
	}
	return false
}

func inSet(m map[int64]bool, id int64) bool { return m == nil || m[id] }

func anyInSet(m map[int64]bool, ids []int64) bool {
	if m == nil {
		return true
	}
	for _, id := range ids {
		if m[id] {
			return true
		}
	}
	return false
}

func inDay(t *time.Time, since, until *time.Time) bool {
	if since == nil && until == nil {
		return true
	}
	if t == nil {
		return false
	}
	if since != nil && t.Before(*since) {
		return false
	}
	if until != nil && !t.Before(until.Add(24*time.Hour)) {
		return false
	}
	return true
}

// childCounts returns direct-children counts (computed once per search).
func (se *issueSearch) childCounts() map[int64]int {
	if se.children == nil {
		se.children = map[int64]int{}
		for _, c := range se.st.issueList {
			if c.ParentIssueID != nil {
				se.children[*c.ParentIssueID]++
			}
		}
	}
	return se.children
}

// match applies every filter except the project scope.
func (se *issueSearch) match(is *issue) bool {
	q := se.q
	if !inSet(q.issueTypes, is.IssueTypeID) || !inSet(q.statuses, is.StatusID) ||
		!inSet(q.priorities, is.PriorityID) || !inSet(q.createdUsers, is.CreatedUser) ||
		!inSet(q.ids, is.ID) || !anyInSet(q.categories, is.CategoryIDs) ||
		!anyInSet(q.versions, is.VersionIDs) || !anyInSet(q.milestones, is.MilestoneIDs) {
		return false
	}
	if q.assignees != nil && (is.AssigneeID == nil || !q.assignees[*is.AssigneeID]) {
		return false
	}
	if q.resolutions != nil && (is.ResolutionID == nil || !q.resolutions[*is.ResolutionID]) {
		return false
	}
	if q.parents != nil && (is.ParentIssueID == nil || !q.parents[*is.ParentIssueID]) {
		return false
	}
	if q.attachment != nil && (len(is.Attachments) > 0) != *q.attachment {
		return false
	}
	if q.shared != nil && (len(is.SharedFileIDs) > 0) != *q.shared {
		return false
	}
	if q.noDueDate && is.DueDate != nil {
		return false
	}
	created, updated := is.Created, is.Updated
	if !inDay(&created, q.createdSince, q.crUnt) || !inDay(&updated, q.updatedSince, q.upUnt) ||
		!inDay(is.StartDate, q.startSince, q.stUnt) || !inDay(is.DueDate, q.dueSince, q.dueUnt) {
		return false
	}
	if q.parentChild != 0 && !se.matchParentChild(is) {
		return false
	}
	for _, f := range q.cfs {
		if !f.match(is) {
			return false
		}
	}
	if len(q.keywords) > 0 && !se.matchKeywords(is) {
		return false
	}
	return true
}

// matchParentChild implements parentChild 1–10 (endpoints.md §5).
func (se *issueSearch) matchParentChild(is *issue) bool {
	hasChildren := se.childCounts()[is.ID] > 0
	depth := se.st.issueDepth(is)
	top := is.ParentIssueID == nil
	switch se.q.parentChild {
	case 1: // not a child
		return top
	case 2: // second or third level
		return !top
	case 3: // neither parent nor child
		return top && !hasChildren
	case 4: // has children
		return hasChildren
	case 5: // third level only
		return depth == 3
	case 6: // second level only
		return depth == 2
	case 7: // top level of a tree: no parent, has children
		return top && hasChildren
	case 8: // not third level
		return depth != 3
	case 9: // not the top level of a tree
		return !(top && hasChildren)
	case 10: // leaves
		return !hasChildren
	}
	return true
}

// matchKeywords: every whitespace-separated term must occur (case-insensitive)
// in the summary, description, issue key or a comment.
func (se *issueSearch) matchKeywords(is *issue) bool {
	hay := []string{strings.ToLower(is.Summary), strings.ToLower(is.Description), strings.ToLower(se.st.issueKey(is))}
	for _, c := range is.Comments {
		if c.Content != nil && *c.Content != "" {
			hay = append(hay, strings.ToLower(*c.Content))
		}
	}
	for _, k := range se.q.keywords {
		found := false
		for _, h := range hay {
			if strings.Contains(h, k) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// run returns the requested page (or, with page=false, only the count).
// Filtered searches keep their ascending match list in the store's sort
// cache until the next issue change, so that paging through a filtered
// result (updatedSince=…&offset=N) costs O(count) per page.
func (se *issueSearch) run(page bool) ([]*issue, int) {
	list, n := se.sorted()
	q := se.q
	if !q.trivial() {
		list = se.st.cachedIssues("filter|"+q.sortKey+"|"+se.scopeKey+"|"+q.sig, func() []*issue {
			out := []*issue{}
			for _, is := range list[:n] {
				if se.match(is) {
					out = append(out, is)
				}
			}
			return out
		})
		n = len(list)
	}
	if !page {
		return nil, n
	}
	out := make([]*issue, 0, min(q.count, max(n-q.offset, 0)))
	for i := q.offset; i < n && len(out) < q.count; i++ {
		if q.asc {
			out = append(out, list[i])
		} else {
			out = append(out, list[n-1-i])
		}
	}
	return out, n
}
