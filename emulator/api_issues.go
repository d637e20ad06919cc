package emulator

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// routesIssues registers the issue routes (endpoints.md §5 and the issue
// writes of §14). Comments and attachments live in api_comments.go
// and api_attachments.go.
func (s *Server) routesIssues() {
	s.handle("GET /api/v2/issues", s.getIssues)
	s.handle("POST /api/v2/issues", s.postIssue)
	s.handle("GET /api/v2/issues/count", s.countIssues)
	s.handle("GET /api/v2/issues/{issueIdOrKey}", s.getIssue)
	s.handle("PATCH /api/v2/issues/{issueIdOrKey}", s.patchIssue)
	s.handle("DELETE /api/v2/issues/{issueIdOrKey}", s.deleteIssueHandler)
	s.handle("GET /api/v2/issues/{issueIdOrKey}/participants", s.getIssueParticipants)
	s.handle("GET /api/v2/issues/{issueIdOrKey}/relatedIssues", s.getRelatedIssues)
	s.handle("POST /api/v2/issues/{issueIdOrKey}/relatedIssues", s.postRelatedIssue)
	s.handle("DELETE /api/v2/issues/{issueIdOrKey}/relatedIssues/{relatedIssueId}", s.deleteRelatedIssue)
	s.routesAttachments()
}

// getIssues serves GET /issues (get-issue-list).
func (s *Server) getIssues(c *call) error {
	return s.searchIssues(c, func(st *store, q *issueQuery, se *issueSearch) error {
		page, _ := se.run(true)
		if q.expandChildSummaries {
			return c.raw(http.StatusOK, st.issuesWithChildSummary(page))
		}
		return withPage(func(b []byte) []byte { return st.appendIssuesJSON(b, page) },
			func(b []byte) error { return c.raw(http.StatusOK, b) })
	})
}

// countIssues serves GET /issues/count (count-issue).
func (s *Server) countIssues(c *call) error {
	return s.searchIssues(c, func(_ *store, _ *issueQuery, se *issueSearch) error {
		_, n := se.run(false)
		return c.ok(counted(n))
	})
}

// searchIssues reads the issue query of GET /issues and /issues/count,
// resolves it under the store's read lock and hands it to answer.
func (s *Server) searchIssues(c *call, answer func(st *store, q *issueQuery, se *issueSearch) error) error {
	q, err := c.parseIssueQuery()
	if err != nil {
		return err
	}
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	se, err := st.resolveIssueQuery(c.u, q)
	if err != nil {
		return err
	}
	return answer(st, q, se)
}

// mergeJSON appends extra members (`,"k":v…`) to a cached JSON object
// without touching the cache.
func mergeJSON(obj []byte, extra string) []byte {
	out := make([]byte, 0, len(obj)+len(extra))
	out = append(out, obj[:len(obj)-1]...)
	out = append(out, extra...)
	return append(out, '}')
}

func childSummaryJSON(v [2]int) string {
	return `,"childIssueSummary":{"total":` + strconv.Itoa(v[0]) + `,"closed":` + strconv.Itoa(v[1]) + `}`
}

// getIssue serves GET /issues/:issueIdOrKey (get-issue).
func (s *Server) getIssue(c *call) error {
	expand := false
	for _, x := range c.q["expand"] {
		switch x {
		case "childIssueSummary":
			expand = true
		case "":
		default:
			return badRequest("Invalid expand[]: %q.", x)
		}
	}
	return reading(c, c.pathIssue, func(st *store, is *issue) json.RawMessage {
		if expand {
			return mergeJSON(st.issueJSON(is), childSummaryJSON(st.childSummaries(map[int64]bool{is.ID: true})[is.ID]))
		}
		return st.issueJSON(is)
	})
}

// pathIssue resolves the path's issueIdOrKey for the caller (the store's
// lock is held): 404 "No issue." when there is no such issue or it is in a
// project the caller cannot see. It is the find of every
// /issues/{issueIdOrKey}/… route.
func (c *call) pathIssue() (*issue, error) {
	is, _, err := c.s.store.visibleIssue(c.u, c.path("issueIdOrKey"))
	return is, err
}

// parseIssueInput reads add-issue / update-issue parameters.
func parseIssueInput(q params, create bool) (*issueInput, error) {
	in := &issueInput{}
	var e *apiError
	if create {
		if in.ProjectID, e = q.requiredInt64("projectId"); e != nil {
			return nil, e
		}
		for _, k := range []string{"summary", "issueTypeId", "priorityId"} {
			if _, e := q.required(k); e != nil {
				return nil, e
			}
		}
	}
	in.Summary = q.optStr("summary")
	in.Description = q.optStr("description")
	if in.IssueTypeID, e = q.optInt64("issueTypeId"); e != nil {
		return nil, e
	}
	if in.PriorityID, e = q.optInt64("priorityId"); e != nil {
		return nil, e
	}
	if !create {
		if in.StatusID, e = q.optInt64("statusId"); e != nil {
			return nil, e
		}
		in.Comment = q.optStr("comment")
	}
	// The clearable fields, by kind of value (an empty value clears).
	if e = clearables(q, params.optInt64, map[string]*opt[int64]{"resolutionId": &in.ResolutionID,
		"assigneeId": &in.AssigneeID, "parentIssueId": &in.ParentIssueID}); e != nil {
		return nil, e
	}
	if e = clearables(q, params.optDate, map[string]*opt[time.Time]{"startDate": &in.StartDate,
		"dueDate": &in.DueDate}); e != nil {
		return nil, e
	}
	if e = clearables(q, params.optFloat, map[string]*opt[float64]{"estimatedHours": &in.EstimatedHours,
		"actualHours": &in.ActualHours}); e != nil {
		return nil, e
	}
	for _, o := range []struct {
		name string
		dst  **[]int64
	}{{"categoryId", &in.CategoryIDs}, {"versionId", &in.VersionIDs}, {"milestoneId", &in.MilestoneIDs}} {
		if q.has(o.name) {
			ids, e := q.ints(o.name)
			if e != nil {
				return nil, e
			}
			if ids == nil {
				ids = []int64{}
			}
			*o.dst = &ids
		}
	}
	if in.NotifiedUserIDs, e = q.ints("notifiedUserId"); e != nil {
		return nil, e
	}
	if in.AttachmentIDs, e = q.ints("attachmentId"); e != nil {
		return nil, e
	}
	for k, vals := range q {
		rest, ok := strings.CutPrefix(k, "customField_")
		if !ok {
			continue
		}
		other := false
		if r, ok := strings.CutSuffix(rest, "_otherValue"); ok {
			rest, other = r, true
		}
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return nil, badRequest("Invalid parameter %s.", k)
		}
		if in.CustomFields == nil {
			in.CustomFields = map[int64]cfInput{}
		}
		v := in.CustomFields[id]
		if other {
			o := ""
			if len(vals) > 0 {
				o = vals[0]
			}
			v.Other = &o
		} else {
			v.Values = append(v.Values, vals...)
		}
		in.CustomFields[id] = v
	}
	return in, nil
}

// postIssue serves POST /issues (add-issue): 201 with a Location header.
func (s *Server) postIssue(c *call) error {
	in, err := parseIssueInput(c.q, true)
	if err != nil {
		return err
	}
	return creating(c, c.caller, func(st *store, u *user) (string, any, error) {
		is, err := st.createIssue(u, s.now(), in)
		if err != nil {
			return "", nil, err
		}
		return s.opts.WebURL + "/view/" + st.issueKey(is), json.RawMessage(st.issueJSON(is)), nil
	})
}

// patchIssue serves PATCH /issues/:issueIdOrKey (update-issue).
func (s *Server) patchIssue(c *call) error {
	in, err := parseIssueInput(c.q, false)
	if err != nil {
		return err
	}
	return writing(c, c.pathIssue, func(st *store, is *issue) (any, error) {
		if _, err := st.updateIssue(c.u, s.now(), is, in); err != nil {
			return nil, err
		}
		return json.RawMessage(st.issueJSON(is)), nil
	})
}

// deleteIssueHandler serves DELETE /issues/:issueIdOrKey (delete-issue):
// the deleted issue.
func (s *Server) deleteIssueHandler(c *call) error {
	return writing(c, c.pathIssue, func(st *store, is *issue) (any, error) {
		data := st.issueJSON(is)
		if err := st.deleteIssue(c.u, s.now(), is); err != nil {
			return nil, err
		}
		return json.RawMessage(data), nil
	})
}

// getIssueParticipants serves GET /issues/:id/participants.
func (s *Server) getIssueParticipants(c *call) error {
	return reading(c, c.pathIssue, (*store).participants)
}

const relatesJSON = `,"type":"RELATES"`

// getRelatedIssues serves GET /issues/:id/relatedIssues: full issues with
// "type":"RELATES"; issues in projects the caller cannot see are left out.
func (s *Server) getRelatedIssues(c *call) error {
	return reading(c, c.pathIssue, func(st *store, is *issue) json.RawMessage {
		buf := []byte{'['}
		n := 0
		for _, id := range is.Related {
			r := st.issues[id]
			if r == nil || !st.canSee(c.u, st.projects[r.ProjectID]) {
				continue
			}
			if n > 0 {
				buf = append(buf, ',')
			}
			n++
			buf = append(buf, mergeJSON(st.issueJSON(r), relatesJSON)...)
		}
		return append(buf, ']')
	})
}

// postRelatedIssue serves POST /issues/:id/relatedIssues (targetIssueId):
// relations are symmetric; answers the related issue.
func (s *Server) postRelatedIssue(c *call) error {
	target, e := c.q.requiredInt64("targetIssueId")
	if e != nil {
		return e
	}
	return writing(c, c.pathIssue, func(st *store, is *issue) (any, error) {
		t, _, err := st.visibleIssue(c.u, strconv.FormatInt(target, 10))
		if err != nil {
			return nil, err
		}
		if err := st.checkEdit(c.u, is); err != nil {
			return nil, err
		}
		if t.ID == is.ID {
			return nil, badRequest("An issue cannot be related to itself.")
		}
		if containsID(is.Related, t.ID) {
			return nil, badRequest("Issue %s is already related to %s.", st.issueKey(t), st.issueKey(is))
		}
		st.relateIssues(is, t)
		return json.RawMessage(mergeJSON(st.issueJSON(t), relatesJSON)), nil
	})
}

// deleteRelatedIssue serves DELETE /issues/:id/relatedIssues/:relatedIssueId.
func (s *Server) deleteRelatedIssue(c *call) error {
	rid, perr := strconv.ParseInt(c.path("relatedIssueId"), 10, 64)
	return writing(c, c.pathIssue, func(st *store, is *issue) (any, error) {
		if perr != nil || !containsID(is.Related, rid) || st.issues[rid] == nil {
			return nil, notFound("issue")
		}
		if err := st.checkEdit(c.u, is); err != nil {
			return nil, err
		}
		t := st.issues[rid]
		is.Related = removeID(is.Related, rid)
		t.Related = removeID(t.Related, is.ID)
		st.issueChanged(is)
		st.issueChanged(t)
		return json.RawMessage(mergeJSON(st.issueJSON(t), relatesJSON)), nil
	})
}
