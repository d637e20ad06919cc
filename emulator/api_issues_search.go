// Why this file is over 600 lines: it is one idea, the query language of
// GET /issues and /issues/count (every filter parameter, the sort keys and
// their orderings), which reads best in one place next to its cache.

package emulator

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The search behind GET /issues and /issues/count: parameters, filters,
// sort orders and the caches of filtered orderings.

// issueSortKeys are the accepted values of sort (besides customField_{id}).
var issueSortKeys = map[string]bool{
	"issueType": true, "category": true, "version": true, "milestone": true, "summary": true,
	"status": true, "priority": true, "attachment": true, "sharedFile": true, "created": true,
	"createdUser": true, "updated": true, "updatedUser": true, "assignee": true, "startDate": true,
	"dueDate": true, "estimatedHours": true, "actualHours": true, "childIssue": true,
}

// defaultIssueSort is the sort used when none is given. Backlog does not
// document its default; the emulator uses "updated" (with order's default
// desc: most recently updated first).
const defaultIssueSort = "updated"

var (
	cfParamRe = regexp.MustCompile(`^customField_([0-9]+)(_min|_max)?$`)
	cfSortRe  = regexp.MustCompile(`^customField_[0-9]+$`)
)

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

// parseIssueQuery validates every GET /issues parameter.
func (c *call) parseIssueQuery() (*issueQuery, error) {
	q := &issueQuery{}
	var e *apiError
	set := func(name string) (map[int64]bool, *apiError) {
		if !c.q.has(name) {
			return nil, nil
		}
		ids, e := c.q.ints(name)
		if e != nil {
			return nil, e
		}
		m := make(map[int64]bool, len(ids))
		for _, id := range ids {
			m[id] = true
		}
		return m, nil
	}
	if c.q.has("projectId") {
		if q.projectIDs, e = c.q.ints("projectId"); e != nil {
			return nil, e
		}
	}
	for _, f := range []struct {
		name string
		dst  *map[int64]bool
	}{
		{"issueTypeId", &q.issueTypes}, {"categoryId", &q.categories}, {"versionId", &q.versions},
		{"milestoneId", &q.milestones}, {"statusId", &q.statuses}, {"priorityId", &q.priorities},
		{"assigneeId", &q.assignees}, {"createdUserId", &q.createdUsers}, {"resolutionId", &q.resolutions},
		{"id", &q.ids}, {"parentIssueId", &q.parents},
	} {
		if *f.dst, e = set(f.name); e != nil {
			return nil, e
		}
	}
	pc, e := c.q.rangeInt("parentChild", 0, 0, 10)
	if e != nil {
		return nil, e
	}
	q.parentChild = int(pc)
	if q.attachment, e = c.q.optBool("attachment"); e != nil {
		return nil, e
	}
	if q.shared, e = c.q.optBool("sharedFile"); e != nil {
		return nil, e
	}
	for _, d := range []struct {
		name string
		dst  **time.Time
	}{
		{"createdSince", &q.createdSince}, {"createdUntil", &q.crUnt},
		{"updatedSince", &q.updatedSince}, {"updatedUntil", &q.upUnt},
		{"startDateSince", &q.startSince}, {"startDateUntil", &q.stUnt},
		{"dueDateSince", &q.dueSince}, {"dueDateUntil", &q.dueUnt},
	} {
		if *d.dst, e = c.q.optDate(d.name); e != nil {
			return nil, e
		}
	}
	hd, e := c.q.optBool("hasDueDate")
	if e != nil {
		return nil, e
	}
	if hd != nil {
		if *hd {
			return nil, badRequest("Invalid hasDueDate: only false is supported.")
		}
		q.noDueDate = true
	}
	q.keywords = strings.Fields(strings.ToLower(c.q.str("keyword")))
	// Custom-field filters, in a stable order.
	byID := map[int64]*cfFilter{}
	keys := make([]string, 0)
	for k := range c.q {
		if strings.HasPrefix(k, "customField_") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		m := cfParamRe.FindStringSubmatch(k)
		if m == nil {
			return nil, badRequest("Invalid parameter %s.", k)
		}
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return nil, badRequest("Invalid parameter %s.", k)
		}
		f := byID[id]
		if f == nil {
			f = &cfFilter{id: id}
			byID[id] = f
			q.cfs = append(q.cfs, f)
		}
		switch m[2] {
		case "_min":
			f.min = c.q.str(k)
		case "_max":
			f.max = c.q.str(k)
		default:
			for _, v := range c.q[k] {
				if v != "" {
					f.values = append(f.values, v)
				}
			}
		}
	}
	// Drop filters that carry no value at all (empty parameters).
	cfs := q.cfs[:0]
	for _, f := range q.cfs {
		if len(f.values) > 0 || f.min != "" || f.max != "" {
			cfs = append(cfs, f)
		}
	}
	q.cfs = cfs
	q.sortKey = c.q.str("sort")
	if q.sortKey == "" {
		q.sortKey = defaultIssueSort
	} else if !issueSortKeys[q.sortKey] && !cfSortRe.MatchString(q.sortKey) {
		return nil, badRequest("Invalid sort: %q.", q.sortKey)
	}
	if q.asc, e = c.q.order(); e != nil {
		return nil, e
	}
	q.sig = filterSignature(c.q)
	if q.offset, q.count, e = c.offsetPage(20, 100); e != nil {
		return nil, e
	}
	for _, x := range c.q["expand"] {
		switch x {
		case "childIssueSummary":
			q.expandChildSummaries = true
		case "":
		default:
			return nil, badRequest("Invalid expand[]: %q.", x)
		}
	}
	return q, nil
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

// filterSignature is a canonical string of the filter parameters of an
// issue search (everything but paging, order and expand).
func filterSignature(q params) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		switch k {
		case "offset", "count", "order", "sort", "expand", "apiKey":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		b.WriteString(strconv.Quote(k))
		for _, v := range vals {
			b.WriteByte('=')
			b.WriteString(strconv.Quote(v))
		}
		b.WriteByte('&')
	}
	return b.String()
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
