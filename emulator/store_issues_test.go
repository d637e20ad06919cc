package emulator

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"testing"
	"time"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestCreateIssueHTTP(t *testing.T) {
	f := newFixture(t)
	cf := func(typ int) string { return "customField_" + itoa(f.cf[typ].ID) }
	it := func(k string) string { return itoa(f.items[k].ID) }
	mark := len(f.st.activities)
	_, up := f.upload(f.alice, "shot.png", 42)
	var upl struct{ ID int64 }
	_ = json.Unmarshal(up, &upl)
	form := url.Values{
		"projectId": {itoa(f.p1.ID)}, "summary": {"Login fails"}, "issueTypeId": {itoa(f.bug.ID)},
		"priorityId": {"2"}, "description": {"steps…"}, "startDate": {"2024-03-01"}, "dueDate": {"2024-03-20"},
		"estimatedHours": {"1.5"}, "actualHours": {"0.25"}, "categoryId[]": {itoa(f.ui.ID), itoa(f.db.ID)},
		"versionId[]": {itoa(f.v1.ID)}, "milestoneId[]": {itoa(f.v2.ID)}, "assigneeId": {itoa(f.bob.ID)},
		"notifiedUserId[]": {itoa(f.pm.ID)}, "attachmentId[]": {itoa(upl.ID)},
		cf(CFText): {"hello"}, cf(CFTextArea): {"multi\nline"}, cf(CFNumeric): {"12.5"},
		cf(CFDate): {"2024-05-06"}, cf(CFSingleList): {it("5b")},
		cf(CFMultipleList) + "[0]": {it("6a")}, cf(CFMultipleList) + "[1]": {it("6c")},
		cf(CFCheckBox) + "[]": {it("7a")}, cf(CFCheckBox) + "_otherValue": {"misc"},
		cf(CFRadio): {it("8c")}, cf(CFRadio) + "_otherValue": {"radio other"},
	}
	st, h, body := f.do("POST", "/api/v2/issues", f.alice, form)
	if st != 201 {
		t.Fatalf("POST /issues: %d %s", st, body)
	}
	if got := h.Get("Location"); got != "https://demo.backlog.com/view/P1-1" {
		t.Errorf("Location %q", got)
	}
	var is map[string]any
	if err := json.Unmarshal(body, &is); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"issueKey": "P1-1", "keyId": 1.0, "summary": "Login fails", "description": "steps…",
		"startDate": "2024-03-01T00:00:00Z", "dueDate": "2024-03-20T00:00:00Z", "estimatedHours": 1.5,
		"actualHours": 0.25, "parentIssueId": nil, "resolution": nil, "created": "2024-03-10T09:00:00Z",
	}
	for k, want := range checks {
		if !reflect.DeepEqual(is[k], want) {
			t.Errorf("%s = %#v, want %#v", k, is[k], want)
		}
	}
	if is["status"].(map[string]any)["id"].(float64) != StatusOpen {
		t.Errorf("status %v", is["status"])
	}
	if is["assignee"].(map[string]any)["id"].(float64) != float64(f.bob.ID) {
		t.Errorf("assignee %v", is["assignee"])
	}
	if n := len(is["category"].([]any)); n != 2 {
		t.Errorf("category %v", is["category"])
	}
	if a := is["attachments"].([]any); len(a) != 1 || a[0].(map[string]any)["name"] != "shot.png" || a[0].(map[string]any)["size"].(float64) != 42 {
		t.Errorf("attachments %v", is["attachments"])
	}
	cfs := map[string]any{}
	others := map[string]any{}
	for _, v := range is["customFields"].([]any) {
		m := v.(map[string]any)
		cfs[m["name"].(string)] = m["value"]
		if o, ok := m["otherValue"]; ok {
			others[m["name"].(string)] = o
		}
	}
	if cfs["Text"] != "hello" || cfs["Notes"] != "multi\nline" || cfs["Points"] != 12.5 || cfs["Deadline"] != "2024-05-06T00:00:00Z" {
		t.Errorf("scalar custom fields %v", cfs)
	}
	if cfs["Severity"].(map[string]any)["name"] != "Severity-b" || cfs["Choice"].(map[string]any)["name"] != "Choice-c" {
		t.Errorf("single custom fields %v", cfs)
	}
	if l := cfs["Platforms"].([]any); len(l) != 2 || l[1].(map[string]any)["name"] != "Platforms-c" {
		t.Errorf("multi list %v", cfs["Platforms"])
	}
	if l := cfs["Checks"].([]any); len(l) != 1 || others["Checks"] != "misc" || others["Choice"] != "radio other" {
		t.Errorf("check boxes %v others %v", cfs["Checks"], others)
	}
	if _, ok := others["Text"]; ok {
		t.Errorf("otherValue on a text field")
	}
	// The upload was consumed.
	if len(f.st.uploads) != 0 {
		t.Errorf("upload not consumed")
	}
	acts := f.activitiesSince(mark)
	if len(acts) != 1 || acts[0].Type != ActIssueCreated || acts[0].CreatedUser != f.alice.ID || acts[0].ProjectID != f.p1.ID {
		t.Fatalf("activities %+v", acts)
	}
	c := content(t, acts[0])
	want := map[string]any{"id": is["id"], "key_id": 1.0, "summary": "Login fails", "description": "steps…",
		"attachments":  []any{map[string]any{"id": float64(upl.ID), "name": "shot.png", "size": 42.0}},
		"shared_files": []any{}, "external_file_links": []any{}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("activity content %v\nwant %v", c, want)
	}
	// Notified: assignee (reason 1) and pm (reason 3).
	var reasons []int
	for _, n := range acts[0].Notifications {
		reasons = append(reasons, n.Reason)
	}
	if !reflect.DeepEqual(reasons, []int{1, 3}) {
		t.Errorf("notification reasons %v", reasons)
	}
	// keyId sequence per project.
	second := f.issue(f.alice, f.p1, "second", nil)
	other := f.issue(f.admin, f.p2, "p2 first", nil)
	if second.KeyID != 2 || other.KeyID != 1 || f.p1.NextKeyID != 3 {
		t.Errorf("key ids %d %d next %d", second.KeyID, other.KeyID, f.p1.NextKeyID)
	}
}

func TestCreateIssueErrors(t *testing.T) {
	f := newFixture(t)
	parent := f.issue(f.alice, f.p1, "parent", nil)
	child := f.issue(f.alice, f.p1, "child", func(in *issueInput) { in.ParentIssueID = opt[int64]{true, &parent.ID} })
	p2issue := f.issue(f.admin, f.p2, "p2", nil)
	f.cf[CFText].Required = true
	cfText := "customField_" + itoa(f.cf[CFText].ID)
	base := func(kv ...string) url.Values {
		v := url.Values{"projectId": {itoa(f.p1.ID)}, "summary": {"s"}, "issueTypeId": {itoa(f.bug.ID)},
			"priorityId": {"3"}, cfText: {"t"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "<del>" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	cases := []struct {
		name         string
		u            *user
		form         url.Values
		status, code int
	}{
		{"no projectId", f.alice, base("projectId", "<del>"), 400, CodeInvalidRequest},
		{"no summary", f.alice, base("summary", "<del>"), 400, CodeInvalidRequest},
		{"blank summary", f.alice, base("summary", "   "), 400, CodeInvalidRequest},
		{"no issue type", f.alice, base("issueTypeId", "<del>"), 400, CodeInvalidRequest},
		{"no priority", f.alice, base("priorityId", "<del>"), 400, CodeInvalidRequest},
		{"bad priority", f.alice, base("priorityId", "9"), 400, CodeInvalidRequest},
		{"malformed projectId", f.alice, base("projectId", "x"), 400, CodeInvalidRequest},
		{"unknown project", f.alice, base("projectId", "99"), 404, CodeNoResource},
		{"invisible project", f.out, base(), 404, CodeNoResource},
		{"viewer", f.vic, base(), 403, CodeUnauthorizedOperation},
		{"issue type of other project", f.alice, base("issueTypeId", itoa(f.p2type.ID)), 400, CodeInvalidRequest},
		{"category of nothing", f.alice, base("categoryId[]", "12345"), 400, CodeInvalidRequest},
		{"version of nothing", f.alice, base("versionId[]", "12345"), 400, CodeInvalidRequest},
		{"milestone of nothing", f.alice, base("milestoneId[]", "12345"), 400, CodeInvalidRequest},
		{"assignee not member", f.alice, base("assigneeId", itoa(f.out.ID)), 400, CodeInvalidRequest},
		{"notified not member", f.alice, base("notifiedUserId[]", itoa(f.loner.ID)), 400, CodeInvalidRequest},
		{"parent in other project", f.alice, base("parentIssueId", itoa(p2issue.ID)), 400, CodeInvalidRequest},
		{"grandchild disabled", f.alice, base("parentIssueId", itoa(child.ID)), 400, CodeInvalidRequest},
		{"unknown parent", f.alice, base("parentIssueId", "5"), 400, CodeInvalidRequest},
		{"required custom field", f.alice, base(cfText, "<del>"), 400, CodeInvalidRequest},
		{"numeric out of range", f.alice, base("customField_"+itoa(f.cf[CFNumeric].ID), "101"), 400, CodeInvalidRequest},
		{"numeric malformed", f.alice, base("customField_"+itoa(f.cf[CFNumeric].ID), "abc"), 400, CodeInvalidRequest},
		{"date malformed", f.alice, base("customField_"+itoa(f.cf[CFDate].ID), "2024/01/01"), 400, CodeInvalidRequest},
		{"date out of range", f.alice, base("customField_"+itoa(f.cf[CFDate].ID), "2019-12-31"), 400, CodeInvalidRequest},
		{"unknown list item", f.alice, base("customField_"+itoa(f.cf[CFSingleList].ID), "1"), 400, CodeInvalidRequest},
		{"otherValue not allowed", f.alice, base("customField_"+itoa(f.cf[CFSingleList].ID)+"_otherValue", "x"), 400, CodeInvalidRequest},
		{"unknown custom field", f.alice, base("customField_777", "x"), 400, CodeInvalidRequest},
		{"malformed custom field key", f.alice, base("customField_x", "x"), 400, CodeInvalidRequest},
		{"bad start date", f.alice, base("startDate", "03/01/2024"), 400, CodeInvalidRequest},
		{"due before start", f.alice, base("startDate", "2024-03-02", "dueDate", "2024-03-01"), 400, CodeInvalidRequest},
		{"negative hours", f.alice, base("estimatedHours", "-1"), 400, CodeInvalidRequest},
		{"malformed hours", f.alice, base("actualHours", "one"), 400, CodeInvalidRequest},
		{"unknown upload", f.alice, base("attachmentId[]", "4242"), 400, CodeInvalidRequest},
	}
	before := len(f.st.issueList)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.t = t
			f.wantError("POST", "/api/v2/issues", c.u, c.form, c.status, c.code)
		})
	}
	f.t = t
	if len(f.st.issueList) != before || f.p1.NextKeyID != 3 {
		t.Errorf("failed creates changed the store: %d issues, next key %d", len(f.st.issueList), f.p1.NextKeyID)
	}
	// Someone else's upload and an expired upload are refused.
	_, up := f.upload(f.bob, "b.txt", 3)
	var upl struct{ ID int64 }
	_ = json.Unmarshal(up, &upl)
	f.wantError("POST", "/api/v2/issues", f.alice, base("attachmentId[]", itoa(upl.ID)), 400, CodeInvalidRequest)
	f.tick(61 * time.Minute)
	f.wantError("POST", "/api/v2/issues", f.bob, base("attachmentId[]", itoa(upl.ID)), 400, CodeInvalidRequest)
	// The reporter may create; P2 allows grandchildren.
	if st, _, body := f.do("POST", "/api/v2/issues", f.rep, base()); st != 201 {
		t.Errorf("reporter create: %d %s", st, body)
	}
	a := f.issue(f.admin, f.p2, "a", nil)
	b := f.issue(f.admin, f.p2, "b", func(in *issueInput) { in.ParentIssueID = opt[int64]{true, &a.ID} })
	c := f.issue(f.admin, f.p2, "c", func(in *issueInput) { in.ParentIssueID = opt[int64]{true, &b.ID} })
	f.wantError("POST", "/api/v2/issues", f.admin, url.Values{"projectId": {itoa(f.p2.ID)}, "summary": {"d"},
		"issueTypeId": {itoa(f.p2type.ID)}, "priorityId": {"3"}, "parentIssueId": {itoa(c.ID)}}, 400, CodeInvalidRequest)
	// Subtasking disabled.
	f.p2.SubtaskingEnabled = false
	f.wantError("POST", "/api/v2/issues", f.admin, url.Values{"projectId": {itoa(f.p2.ID)}, "summary": {"d"},
		"issueTypeId": {itoa(f.p2type.ID)}, "priorityId": {"3"}, "parentIssueId": {itoa(a.ID)}}, 400, CodeInvalidRequest)
}

// changeLogOf returns field → [new, old] of a comment's change log.
func changeLogOf(c *comment) map[string][2]any {
	out := map[string][2]any{}
	for _, e := range c.ChangeLog {
		var n, o any
		if e.NewValue != nil {
			n = *e.NewValue
		}
		if e.OriginalValue != nil {
			o = *e.OriginalValue
		}
		out[e.Field] = [2]any{n, o}
	}
	return out
}

func TestUpdateIssueChangeLog(t *testing.T) {
	f := newFixture(t)
	parent := f.issue(f.alice, f.p1, "parent", nil)
	is := f.issue(f.alice, f.p1, "before", func(in *issueInput) {
		in.Description = ptr("old text")
		in.CategoryIDs = &[]int64{f.ui.ID}
		in.AssigneeID = opt[int64]{true, &f.alice.ID}
		in.DueDate = opt[time.Time]{true, ptr(day(2024, 4, 1))}
		in.EstimatedHours = opt[float64]{true, ptr(2.0)}
		in.CustomFields = map[int64]cfInput{f.cf[CFNumeric].ID: {Values: []string{"3"}}}
	})
	f.tick(time.Hour)
	mark := len(f.st.activities)
	cf := func(typ int) string { return "customField_" + itoa(f.cf[typ].ID) }
	form := url.Values{
		"summary": {"after"}, "description": {"new text"}, "statusId": {itoa(f.review.ID)},
		"resolutionId": {"0"}, "assigneeId": {itoa(f.bob.ID)}, "issueTypeId": {itoa(f.task.ID)},
		"priorityId": {"2"}, "categoryId[]": {itoa(f.ui.ID), itoa(f.db.ID)}, "versionId[]": {itoa(f.v1.ID)},
		"milestoneId[]": {itoa(f.v2.ID)}, "startDate": {"2024-03-15"}, "dueDate": {""},
		"estimatedHours": {"2.5"}, "actualHours": {"1"}, "parentIssueId": {itoa(parent.ID)},
		cf(CFNumeric): {"7"}, cf(CFMultipleList) + "[]": {itoa(f.items["6a"].ID), itoa(f.items["6b"].ID)},
		cf(CFDate): {"2024-12-24"}, "comment": {"moving on"}, "notifiedUserId[]": {itoa(f.pm.ID)},
	}
	st, _, body := f.do("PATCH", "/api/v2/issues/P1-2", f.bob, form)
	if st != 200 {
		t.Fatalf("PATCH: %d %s", st, body)
	}
	var got map[string]any
	_ = json.Unmarshal(body, &got)
	if got["summary"] != "after" || got["dueDate"] != nil || got["updated"] != "2024-03-10T10:00:00Z" ||
		got["updatedUser"].(map[string]any)["id"].(float64) != float64(f.bob.ID) {
		t.Errorf("updated issue %v", got)
	}
	if len(is.Comments) != 1 {
		t.Fatalf("comments %d", len(is.Comments))
	}
	c := is.Comments[0]
	if *c.Content != "moving on" || c.CreatedUser != f.bob.ID {
		t.Errorf("comment %+v", c)
	}
	want := map[string][2]any{
		"summary": {"after", "before"}, "description": {"new text", "old text"},
		"component": {"UI,DB", "UI"}, "version": {"v1", nil}, "milestone": {"v2", nil},
		"status": {"Review", "未対応"}, "assigner": {"Bob", "Alice"}, "issueType": {"Task", "Bug"},
		"startDate": {"2024-03-15", nil}, "limitDate": {nil, "2024-04-01"}, "priority": {"高", "中"},
		"resolution": {"対応済み", nil}, "estimatedHours": {"2.5", "2"}, "actualHours": {"1", nil},
		"parentIssue": {"P1-1", nil}, "Points": {"7", "3"}, "Platforms": {"Platforms-a,Platforms-b", nil},
		"Deadline": {"2024-12-24", nil},
	}
	if gl := changeLogOf(c); !reflect.DeepEqual(gl, want) {
		t.Errorf("changeLog\n got %v\nwant %v", gl, want)
	}
	order := []string{}
	for _, e := range c.ChangeLog {
		order = append(order, e.Field)
		if e.Field == "Points" && (e.AttributeInfo == nil || e.AttributeInfo.ID != f.cf[CFNumeric].ID || e.AttributeInfo.TypeID != CFNumeric) {
			t.Errorf("attributeInfo %+v", e.AttributeInfo)
		}
		if e.Field == "summary" && e.AttributeInfo != nil {
			t.Errorf("standard field with attributeInfo")
		}
	}
	if order[0] != "summary" || order[len(order)-1] != "Platforms" {
		t.Errorf("change order %v", order)
	}
	acts := f.activitiesSince(mark)
	if len(acts) != 1 || acts[0].Type != ActIssueUpdated {
		t.Fatalf("activities %+v", acts)
	}
	ac := content(t, acts[0])
	if ac["key_id"] != 2.0 || ac["summary"] != "after" || ac["comment"].(map[string]any)["id"].(float64) != float64(c.ID) ||
		ac["comment"].(map[string]any)["content"] != "moving on" {
		t.Errorf("activity content %v", ac)
	}
	changes := ac["changes"].([]any)
	if len(changes) != len(want) {
		t.Errorf("activity changes %v", changes)
	}
	first := changes[0].(map[string]any)
	if first["field"] != "summary" || first["new_value"] != "after" || first["old_value"] != "before" || first["type"] != "standard" {
		t.Errorf("first change %v", first)
	}
	for _, k := range []string{"attachments", "shared_files", "external_file_links"} {
		if _, ok := ac[k].([]any); !ok {
			t.Errorf("activity content lacks %s: %v", k, ac)
		}
	}
	// GET the comment over HTTP: changeLog with attributeInfo and nulls.
	var jc map[string]any
	f.get(fmt.Sprintf("/api/v2/issues/P1-2/comments/%d", c.ID), f.alice, &jc)
	for _, e := range jc["changeLog"].([]any) {
		m := e.(map[string]any)
		for _, k := range []string{"field", "newValue", "originalValue", "attachmentInfo", "attributeInfo", "notificationInfo"} {
			if _, ok := m[k]; !ok {
				t.Errorf("changeLog entry lacks %s: %v", k, m)
			}
		}
	}
	// The notified user is listed on the comment.
	if len(c.Notifications) != 2 || c.Notifications[0].UserID != f.bob.ID && c.Notifications[1].UserID != f.pm.ID {
		t.Errorf("comment notifications %+v", c.Notifications)
	}

	// A no-op update changes nothing.
	mark = len(f.st.activities)
	f.tick(time.Hour)
	if st, _, body := f.do("PATCH", "/api/v2/issues/P1-2", f.bob, url.Values{"summary": {"after"}, "priorityId": {"2"}}); st != 200 {
		t.Fatalf("no-op PATCH: %d %s", st, body)
	}
	if len(is.Comments) != 1 || len(f.st.activities) != mark || !is.Updated.Equal(fixtureStart.Add(time.Hour)) {
		t.Errorf("no-op update changed things: %d comments, %d activities, updated %v", len(is.Comments), len(f.st.activities)-mark, is.Updated)
	}
	// A comment-only update adds a comment with an empty change log.
	if st, _, body := f.do("PATCH", "/api/v2/issues/P1-2", f.bob, url.Values{"comment": {"just words"}}); st != 200 {
		t.Fatalf("comment PATCH: %d %s", st, body)
	}
	if len(is.Comments) != 2 || len(is.Comments[1].ChangeLog) != 0 || is.Comments[1].ChangeLog == nil || len(f.st.activities) != mark+1 {
		t.Errorf("comment-only update: %+v", is.Comments)
	}
	// Clearing values.
	c3 := f.update(f.bob, is, &issueInput{AssigneeID: opt[int64]{Set: true}, CategoryIDs: &[]int64{},
		CustomFields: map[int64]cfInput{f.cf[CFNumeric].ID: {Values: []string{""}}}})
	if gl := changeLogOf(c3); !reflect.DeepEqual(gl, map[string][2]any{"assigner": {nil, "Bob"}, "component": {nil, "UI,DB"}, "Points": {nil, "7"}}) {
		t.Errorf("clearing changeLog %v", gl)
	}
	if is.AssigneeID != nil || len(is.CategoryIDs) != 0 || cfByField(is.CustomFields, f.cf[CFNumeric].ID) != nil {
		t.Errorf("values not cleared")
	}
}

func TestUpdateIssueErrors(t *testing.T) {
	f := newFixture(t)
	parent := f.issue(f.alice, f.p1, "parent", nil)
	child := f.issue(f.alice, f.p1, "child", func(in *issueInput) { in.ParentIssueID = opt[int64]{true, &parent.ID} })
	other := f.issue(f.alice, f.p1, "other", nil)
	repIssue := f.issue(f.rep, f.p1, "mine", nil)
	f.cf[CFText].Required = true
	path := "/api/v2/issues/" + itoa(other.ID)
	cases := []struct {
		name         string
		path         string
		u            *user
		form         url.Values
		status, code int
	}{
		{"viewer", path, f.vic, url.Values{"summary": {"x"}}, 403, CodeUnauthorizedOperation},
		{"reporter on others' issue", path, f.rep, url.Values{"summary": {"x"}}, 403, CodeUnauthorizedOperation},
		{"outsider", path, f.out, url.Values{"summary": {"x"}}, 404, CodeNoResource},
		{"unknown issue", "/api/v2/issues/P1-99", f.alice, url.Values{"summary": {"x"}}, 404, CodeNoResource},
		{"unknown project key", "/api/v2/issues/NOPE-1", f.alice, url.Values{"summary": {"x"}}, 404, CodeNoResource},
		{"empty summary", path, f.alice, url.Values{"summary": {""}}, 400, CodeInvalidRequest},
		{"bad status", path, f.alice, url.Values{"statusId": {"99"}}, 400, CodeInvalidRequest},
		{"bad resolution", path, f.alice, url.Values{"resolutionId": {"9"}}, 400, CodeInvalidRequest},
		{"malformed status", path, f.alice, url.Values{"statusId": {"open"}}, 400, CodeInvalidRequest},
		{"self parent", path, f.alice, url.Values{"parentIssueId": {itoa(other.ID)}}, 400, CodeInvalidRequest},
		{"parent is a child", path, f.alice, url.Values{"parentIssueId": {itoa(child.ID)}}, 400, CodeInvalidRequest},
		{"parent with children becomes child", "/api/v2/issues/" + itoa(parent.ID), f.alice, url.Values{"parentIssueId": {itoa(other.ID)}}, 400, CodeInvalidRequest},
		{"clear required field", path, f.alice, url.Values{"customField_" + itoa(f.cf[CFText].ID): {""}}, 400, CodeInvalidRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.t = t
			f.wantError("PATCH", c.path, c.u, c.form, c.status, c.code)
		})
	}
	f.t = t
	if len(other.Comments) != 0 || other.Summary != "other" {
		t.Errorf("failed updates changed the issue")
	}
	// The reporter may edit their own issue.
	if st, _, body := f.do("PATCH", "/api/v2/issues/"+itoa(repIssue.ID), f.rep, url.Values{"summary": {"mine2"}}); st != 200 {
		t.Errorf("reporter own update: %d %s", st, body)
	}
	// Detaching a child from its parent.
	c := f.update(f.alice, child, &issueInput{ParentIssueID: opt[int64]{Set: true}})
	if child.ParentIssueID != nil || changeLogOf(c)["parentIssue"] != [2]any{nil, "P1-1"} {
		t.Errorf("detach: %v", changeLogOf(c))
	}
}

func TestDeleteIssue(t *testing.T) {
	f := newFixture(t)
	parent := f.issue(f.alice, f.p1, "parent", nil)
	child := f.issue(f.alice, f.p1, "child", func(in *issueInput) { in.ParentIssueID = opt[int64]{true, &parent.ID} })
	rel := f.issue(f.alice, f.p1, "related", nil)
	cm := f.comment(f.bob, parent, "a comment")
	if st, _, body := f.do("POST", "/api/v2/issues/P1-1/relatedIssues", f.alice, url.Values{"targetIssueId": {itoa(rel.ID)}}); st != 200 {
		t.Fatalf("relate: %d %s", st, body)
	}
	for _, u := range []*user{f.alice, f.rep} {
		f.wantError("DELETE", "/api/v2/issues/P1-1", u, nil, 403, CodeUnauthorizedOperation)
	}
	f.wantError("DELETE", "/api/v2/issues/P1-1", f.vic, nil, 403, CodeUnauthorizedOperation)
	f.wantError("DELETE", "/api/v2/issues/P1-1", f.out, nil, 404, CodeNoResource)
	mark := len(f.st.activities)
	st, _, body := f.do("DELETE", "/api/v2/issues/P1-1", f.pm, nil)
	if st != 200 {
		t.Fatalf("delete: %d %s", st, body)
	}
	var got map[string]any
	_ = json.Unmarshal(body, &got)
	if got["issueKey"] != "P1-1" {
		t.Errorf("deleted body %v", got)
	}
	acts := f.activitiesSince(mark)
	if len(acts) != 1 || acts[0].Type != ActIssueDeleted || !reflect.DeepEqual(content(t, acts[0]), map[string]any{"id": float64(parent.ID), "key_id": 1.0}) {
		t.Errorf("activities %+v", acts)
	}
	if child.ParentIssueID != nil || len(rel.Related) != 0 || f.st.comments[cm.ID] != nil {
		t.Errorf("leftovers: parent %v related %v comment %v", child.ParentIssueID, rel.Related, f.st.comments[cm.ID])
	}
	f.wantError("GET", "/api/v2/issues/P1-1", f.alice, nil, 404, CodeNoResource)
	f.wantError("GET", "/api/v2/issues/"+itoa(parent.ID), f.alice, nil, 404, CodeNoResource)
	var cnt map[string]int
	f.get("/api/v2/issues/count?projectId[]="+itoa(f.p1.ID), f.alice, &cnt)
	if cnt["count"] != 2 {
		t.Errorf("count after delete %v", cnt)
	}
	// The child's JSON shows parentIssueId null.
	var cj map[string]any
	f.get("/api/v2/issues/P1-2", f.alice, &cj)
	if cj["parentIssueId"] != nil {
		t.Errorf("child parentIssueId %v", cj["parentIssueId"])
	}
	// Space administrators may delete too; keys are not reused.
	if st, _, _ := f.do("DELETE", "/api/v2/issues/P1-2", f.admin, nil); st != 200 {
		t.Errorf("admin delete: %d", st)
	}
	if n := f.issue(f.alice, f.p1, "new", nil); n.KeyID != 4 {
		t.Errorf("key reused: %d", n.KeyID)
	}
}

func TestBulkUpdateIssues(t *testing.T) {
	f := newFixture(t)
	a := f.issue(f.alice, f.p1, "a", nil)
	b := f.issue(f.alice, f.p1, "b", nil)
	c := f.issue(f.alice, f.p1, "c", func(in *issueInput) { in.StatusID = ptr(int64(StatusClosed)) })
	mark := len(f.st.activities)
	f.st.mu.Lock()
	err := f.st.bulkUpdateIssues(f.bob, f.now, []*issue{a, b, c}, &issueInput{StatusID: ptr(int64(StatusClosed))})
	f.st.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	acts := f.activitiesSince(mark)
	if len(acts) != 1 || acts[0].Type != ActIssueMultiUpdated {
		t.Fatalf("activities %+v", acts)
	}
	ct := content(t, acts[0])
	links := ct["link"].([]any)
	if len(links) != 2 || ct["comment"].(map[string]any)["content"] != "" {
		t.Errorf("content %v", ct)
	}
	l0 := links[0].(map[string]any)
	if l0["id"].(float64) != float64(a.ID) || l0["key_id"] != 1.0 || l0["title"] != "a" ||
		l0["comment"].(map[string]any)["id"].(float64) != float64(a.Comments[0].ID) {
		t.Errorf("link %v", l0)
	}
	if ch := ct["changes"].([]any); len(ch) != 1 || ch[0].(map[string]any)["field"] != "status" || ch[0].(map[string]any)["new_value"] != "完了" {
		t.Errorf("changes %v", ch)
	}
	if ct["tx_id"] == nil || len(c.Comments) != 0 || a.StatusID != StatusClosed {
		t.Errorf("tx %v, c comments %d", ct["tx_id"], len(c.Comments))
	}
	// A failing issue aborts the whole batch.
	f.st.mu.Lock()
	err = f.st.bulkUpdateIssues(f.rep, f.now, []*issue{a, b}, &issueInput{Summary: ptr("zz")})
	f.st.mu.Unlock()
	if err == nil || a.Summary != "a" {
		t.Errorf("reporter bulk update: %v, summary %q", err, a.Summary)
	}
}

func TestCommentMutations(t *testing.T) {
	f := newFixture(t)
	is := f.issue(f.alice, f.p1, "talk", nil)
	f.tick(time.Minute)
	mark := len(f.st.activities)
	st, h, body := f.do("POST", "/api/v2/issues/P1-1/comments", f.bob, url.Values{"content": {"hi there"}, "notifiedUserId[]": {itoa(f.alice.ID)}})
	if st != 201 {
		t.Fatalf("POST comment: %d %s", st, body)
	}
	var cm map[string]any
	_ = json.Unmarshal(body, &cm)
	cid := int64(cm["id"].(float64))
	if got := h.Get("Location"); got != "https://demo.backlog.com/view/P1-1#comment-"+itoa(cid) {
		t.Errorf("Location %q", got)
	}
	if cm["content"] != "hi there" || cm["issueId"].(float64) != float64(is.ID) || cm["projectId"].(float64) != float64(f.p1.ID) {
		t.Errorf("comment %v", cm)
	}
	if ns := cm["notifications"].([]any); len(ns) != 1 || ns[0].(map[string]any)["reason"] != 2.0 {
		t.Errorf("notifications %v", cm["notifications"])
	}
	if !is.Updated.Equal(f.now) || is.UpdatedUser != f.bob.ID {
		t.Errorf("issue not bumped: %v %d", is.Updated, is.UpdatedUser)
	}
	acts := f.activitiesSince(mark)
	if len(acts) != 1 || acts[0].Type != ActIssueCommented {
		t.Fatalf("activities %+v", acts)
	}
	ac := content(t, acts[0])
	if ac["comment"].(map[string]any)["content"] != "hi there" || len(ac["changes"].([]any)) != 0 {
		t.Errorf("activity 3 content %v", ac)
	}
	// Errors.
	f.wantError("POST", "/api/v2/issues/P1-1/comments", f.bob, url.Values{}, 400, CodeInvalidRequest)
	f.wantError("POST", "/api/v2/issues/P1-1/comments", f.bob, url.Values{"content": {"  "}}, 400, CodeInvalidRequest)
	f.wantError("POST", "/api/v2/issues/P1-1/comments", f.vic, url.Values{"content": {"x"}}, 403, CodeUnauthorizedOperation)
	f.wantError("POST", "/api/v2/issues/P1-1/comments", f.out, url.Values{"content": {"x"}}, 404, CodeNoResource)
	f.wantError("POST", "/api/v2/issues/P1-1/comments", f.bob, url.Values{"content": {"x"}, "notifiedUserId[]": {itoa(f.out.ID)}}, 400, CodeInvalidRequest)
	f.wantError("POST", "/api/v2/issues/P1-1/comments", f.bob, url.Values{"content": {"x"}, "attachmentId[]": {"1"}}, 400, CodeInvalidRequest)
	// The reporter may comment.
	if st, _, _ := f.do("POST", "/api/v2/issues/P1-1/comments", f.rep, url.Values{"content": {"rep"}}); st != 201 {
		t.Errorf("reporter comment: %d", st)
	}

	cpath := fmt.Sprintf("/api/v2/issues/P1-1/comments/%d", cid)
	// PATCH: author only, content required, no activity.
	mark = len(f.st.activities)
	f.wantError("PATCH", cpath, f.alice, url.Values{"content": {"hijack"}}, 403, CodeUnauthorizedOperation)
	f.wantError("PATCH", cpath, f.bob, url.Values{}, 400, CodeInvalidRequest)
	f.tick(time.Minute)
	st, _, body = f.do("PATCH", cpath, f.bob, url.Values{"content": {"edited"}})
	_ = json.Unmarshal(body, &cm)
	if st != 200 || cm["content"] != "edited" || cm["updated"] != "2024-03-10T09:02:00Z" || cm["created"] != "2024-03-10T09:01:00Z" {
		t.Errorf("PATCH comment: %d %v", st, cm)
	}
	if len(f.st.activities) != mark {
		t.Errorf("comment edit recorded an activity")
	}
	// Notifications: author only; activity 17; GET lists them.
	f.wantError("POST", cpath+"/notifications", f.alice, url.Values{"notifiedUserId[]": {itoa(f.pm.ID)}}, 403, CodeUnauthorizedOperation)
	f.wantError("POST", cpath+"/notifications", f.bob, url.Values{}, 400, CodeInvalidRequest)
	f.wantError("POST", cpath+"/notifications", f.bob, url.Values{"notifiedUserId[]": {itoa(f.loner.ID)}}, 400, CodeInvalidRequest)
	st, _, body = f.do("POST", cpath+"/notifications", f.bob, url.Values{"notifiedUserId[]": {itoa(f.pm.ID), itoa(f.alice.ID)}})
	if st != 200 {
		t.Fatalf("POST notifications: %d %s", st, body)
	}
	acts = f.activitiesSince(mark)
	if len(acts) != 1 || acts[0].Type != ActCommentNotificationAdd || len(acts[0].Notifications) != 1 {
		t.Errorf("activity 17: %+v", acts)
	} else if ac := content(t, acts[0]); ac["comment"].(map[string]any)["id"].(float64) != float64(cid) {
		t.Errorf("activity 17 content %v", ac)
	}
	var ns []map[string]any
	f.get(cpath+"/notifications", f.vic, &ns)
	if len(ns) != 2 || ns[1]["user"].(map[string]any)["id"].(float64) != float64(f.pm.ID) {
		t.Errorf("notifications %v", ns)
	}
	// DELETE: author only, no activity, gone afterwards.
	mark = len(f.st.activities)
	f.wantError("DELETE", cpath, f.alice, nil, 403, CodeUnauthorizedOperation)
	if st, _, body := f.do("DELETE", cpath, f.bob, nil); st != 200 {
		t.Fatalf("DELETE comment: %d %s", st, body)
	}
	if len(f.st.activities) != mark || f.st.comments[cid] != nil {
		t.Errorf("delete left an activity or the comment")
	}
	f.wantError("GET", cpath, f.bob, nil, 404, CodeNoResource)
	f.wantError("DELETE", cpath, f.bob, nil, 404, CodeNoResource)
}
