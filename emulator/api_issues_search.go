package emulator

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The parameters of GET /issues and /issues/count, read into an issueQuery;
// the search itself (filters, orderings, caches) is store_issues_search.go
// and store_issues_sort.go.

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
