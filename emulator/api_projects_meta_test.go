package emulator

import (
	"encoding/json"
	"testing"
	"time"
)

// lastActivity returns the newest activity of BLG as the administrator sees it.
func (f *pfix) lastActivity() map[string]any {
	f.t.Helper()
	var acts []map[string]any
	f.ok("GET", "/api/v2/projects/BLG/activities?count=1", f.admin, "", 200, &acts)
	if len(acts) != 1 {
		f.t.Fatalf("no activity")
	}
	return acts[0]
}

// issueField decodes one field of an issue's rendering.
func (f *pfix) issueField(is *issue, field string) any {
	var j map[string]any
	f.locked(func(st *store) { _ = json.Unmarshal(st.issueJSON(is), &j) })
	return j[field]
}

func TestIssueTypes(t *testing.T) {
	f := newPFix(t)
	base := "/api/v2/projects/BLG/issueTypes"
	var it map[string]any
	f.ok("POST", base, f.padmin, pform("name", "Spike", "color", "#e30000", "templateSummary", "S:"), 200, &it)
	if it["name"] != "Spike" || it["color"] != "#e30000" || it["templateSummary"] != "S:" || it["templateDescription"] != nil ||
		it["displayOrder"].(float64) != 4 || it["projectId"].(float64) != float64(f.blg.ID) {
		t.Errorf("issue type %v", it)
	}
	id := pitoa(int64(it["id"].(float64)))
	for _, b := range []string{pform("name", "X", "color", "#000000"), pform("name", "Spike", "color", "#e30000"),
		pform("color", "#e30000"), pform("name", "Y")} {
		f.fail("POST", base, f.padmin, b, 400, CodeInvalidRequest)
	}
	f.fail("POST", base, f.member, pform("name", "Z", "color", "#e30000"), 403, CodeUnauthorizedOperation)
	f.fail("POST", "/api/v2/projects/SEC/issueTypes", f.member, pform("name", "Z", "color", "#e30000"), 404, CodeNoResource)

	is := f.issue(f.blg, "typed", f.member)
	f.locked(func(st *store) { is.IssueTypeID = int64(it["id"].(float64)); st.issueChanged(is) })
	f.ok("PATCH", base+"/"+id, f.padmin, pform("name", "Research", "color", "#666665", "templateSummary", ""), 200, &it)
	if it["name"] != "Research" || it["templateSummary"] != nil {
		t.Errorf("patched %v", it)
	}
	if f.issueField(is, "issueType").(map[string]any)["name"] != "Research" {
		t.Error("issue JSON not refreshed after issue-type rename")
	}
	f.fail("PATCH", base+"/"+id, f.padmin, pform("color", "red"), 400, CodeInvalidRequest)
	f.fail("PATCH", base+"/"+id, f.padmin, pform("name", "バグ"), 400, CodeInvalidRequest)
	f.fail("PATCH", base+"/999", f.padmin, pform("name", "x"), 404, CodeNoResource)
	f.fail("PATCH", base+"/x", f.padmin, pform("name", "x"), 404, CodeNoResource)
	f.fail("DELETE", base+"/"+id, f.padmin, "", 400, CodeInvalidRequest)
	f.fail("DELETE", base+"/"+id, f.padmin, pform("substituteIssueTypeId", id), 400, CodeInvalidRequest)
	f.fail("DELETE", base+"/"+id, f.padmin, pform("substituteIssueTypeId", "999"), 400, CodeInvalidRequest)
	f.ok("DELETE", base+"/"+id, f.padmin, pform("substituteIssueTypeId", pitoa(f.blg.IssueTypes[1].ID)), 200, &it)
	if it["name"] != "Research" {
		t.Errorf("deleted %v", it)
	}
	if f.issueField(is, "issueType").(map[string]any)["name"] != "タスク" {
		t.Error("issue not moved to the substitute issue type")
	}
	var list []map[string]any
	f.ok("GET", base, f.viewer, "", 200, &list)
	if len(list) != 4 {
		t.Errorf("issue types %v", list)
	}
}

func TestCategories(t *testing.T) {
	f := newPFix(t)
	base := "/api/v2/projects/BLG/categories"
	var c map[string]any
	f.ok("POST", base, f.padmin, pform("name", "UI"), 200, &c)
	if c["name"] != "UI" || c["displayOrder"].(float64) != 2147483646 {
		t.Errorf("category %v", c)
	}
	id := int64(c["id"].(float64))
	f.fail("POST", base, f.padmin, pform("name", "UI"), 400, CodeInvalidRequest)
	f.fail("POST", base, f.padmin, "", 400, CodeInvalidRequest)
	f.fail("POST", base, f.viewer, pform("name", "V"), 403, CodeUnauthorizedOperation)
	is := f.issue(f.blg, "categorised", f.member)
	f.locked(func(st *store) { is.CategoryIDs = []int64{id}; st.issueChanged(is) })
	f.ok("PATCH", base+"/"+pitoa(id), f.padmin, pform("name", "Frontend"), 200, &c)
	if cats := f.issueField(is, "category").([]any); cats[0].(map[string]any)["name"] != "Frontend" {
		t.Errorf("issue categories %v", cats)
	}
	f.fail("PATCH", base+"/"+pitoa(id), f.padmin, "", 400, CodeInvalidRequest)
	f.ok("DELETE", base+"/"+pitoa(id), f.padmin, "", 200, nil)
	if cats := f.issueField(is, "category").([]any); len(cats) != 0 {
		t.Errorf("issue categories after delete %v", cats)
	}
	f.fail("DELETE", base+"/"+pitoa(id), f.padmin, "", 404, CodeNoResource)
	var list []map[string]any
	f.ok("GET", base, f.member, "", 200, &list)
	if len(list) != 0 {
		t.Errorf("categories %v", list)
	}
}

func TestVersions(t *testing.T) {
	f := newPFix(t)
	base := "/api/v2/projects/BLG/versions"
	var v map[string]any
	f.ok("POST", base, f.padmin, pform("name", "1.0", "description", "first", "startDate", "2026-01-01", "releaseDueDate", "2026-02-01"), 200, &v)
	if v["name"] != "1.0" || v["description"] != "first" || v["startDate"] != "2026-01-01T00:00:00Z" ||
		v["releaseDueDate"] != "2026-02-01T00:00:00Z" || v["archived"] != false {
		t.Errorf("version %v", v)
	}
	id := int64(v["id"].(float64))
	a := f.lastActivity()
	content := a["content"].(map[string]any)
	if a["type"].(float64) != ActMilestoneCreated || content["name"] != "1.0" || content["start_date"] != "2026-01-01" ||
		content["reference_date"] != "2026-02-01" || content["description"] != "first" || content["id"].(float64) != float64(id) {
		t.Errorf("activity 22 %v", a)
	}
	for _, b := range []string{pform("name", "1.0"), pform("description", "x"), pform("name", "2", "startDate", "2026/01/01"),
		pform("name", "2", "startDate", "2026-03-01", "releaseDueDate", "2026-02-01")} {
		f.fail("POST", base, f.padmin, b, 400, CodeInvalidRequest)
	}
	f.fail("POST", base, f.member, pform("name", "2"), 403, CodeUnauthorizedOperation)

	is := f.issue(f.blg, "versioned", f.member)
	f.locked(func(st *store) { is.MilestoneIDs = []int64{id}; st.issueChanged(is) })
	f.ok("PATCH", base+"/"+pitoa(id), f.padmin, pform("name", "1.0.1", "releaseDueDate", "", "archived", "true"), 200, &v)
	if v["name"] != "1.0.1" || v["releaseDueDate"] != nil || v["archived"] != true || v["startDate"] != "2026-01-01T00:00:00Z" {
		t.Errorf("patched %v", v)
	}
	a = f.lastActivity()
	changes := a["content"].(map[string]any)["changes"].([]any)
	if a["type"].(float64) != ActMilestoneUpdated || len(changes) != 3 {
		t.Fatalf("activity 23 %v", a)
	}
	if c := changes[1].(map[string]any); c["field"] != "reference_date" || c["new_value"] != nil || c["old_value"] != "2026-02-01" {
		t.Errorf("change %v", c)
	}
	if ms := f.issueField(is, "milestone").([]any); ms[0].(map[string]any)["name"] != "1.0.1" {
		t.Errorf("issue milestone %v", ms)
	}
	f.fail("PATCH", base+"/"+pitoa(id), f.padmin, pform("description", "no name"), 400, CodeInvalidRequest)
	f.fail("PATCH", base+"/999", f.padmin, pform("name", "x"), 404, CodeNoResource)
	var vs []map[string]any
	f.ok("GET", base, f.viewer, "", 200, &vs)
	if len(vs) != 1 || vs[0]["name"] != "1.0.1" {
		t.Errorf("versions %v", vs)
	}
	f.ok("DELETE", base+"/"+pitoa(id), f.padmin, "", 200, nil)
	if a := f.lastActivity(); a["type"].(float64) != ActMilestoneDeleted || a["content"].(map[string]any)["name"] != "1.0.1" {
		t.Errorf("activity 24 %v", a)
	}
	if ms := f.issueField(is, "milestone").([]any); len(ms) != 0 {
		t.Errorf("issue milestone after delete %v", ms)
	}
}

func TestStatuses(t *testing.T) {
	f := newPFix(t)
	base := "/api/v2/projects/BLG/statuses"
	var added []int64
	for i, c := range statusColors[:8] {
		var st map[string]any
		f.ok("POST", base, f.padmin, pform("name", "S"+pitoa(int64(i)), "color", c), 200, &st)
		added = append(added, int64(st["id"].(float64)))
	}
	f.fail("POST", base, f.padmin, pform("name", "S9", "color", "#393939"), 400, CodeInvalidRequest)
	var list []map[string]any
	f.ok("GET", base, f.member, "", 200, &list)
	got := pids(list)
	if len(got) != 12 || got[0] != 1 || got[11] != 4 || got[3] != added[0] {
		t.Fatalf("statuses %v", got)
	}
	for i, s := range list {
		if s["displayOrder"].(float64) != float64((i+1)*1000) {
			t.Errorf("status %v displayOrder", s)
		}
	}
	f.ok("DELETE", base+"/"+pitoa(added[7]), f.padmin, pform("substituteStatusId", "1"), 200, nil)
	for _, b := range []string{pform("name", "S0", "color", "#393939"), pform("name", "未対応", "color", "#393939"),
		pform("name", "X", "color", "#ed8077"), pform("name", "X")} {
		f.fail("POST", base, f.padmin, b, 400, CodeInvalidRequest)
	}
	f.fail("POST", base, f.member, pform("name", "X", "color", "#393939"), 403, CodeUnauthorizedOperation)

	is := f.issue(f.blg, "in review", f.member)
	other := f.issue(f.blg, "open", f.member)
	f.locked(func(st *store) { is.StatusID = added[0]; st.issueChanged(is) })
	var s map[string]any
	f.ok("PATCH", base+"/"+pitoa(added[0]), f.padmin, pform("name", "Review", "color", "#e87758"), 200, &s)
	if s["name"] != "Review" || s["color"] != "#e87758" {
		t.Errorf("patched %v", s)
	}
	if f.issueField(is, "status").(map[string]any)["name"] != "Review" {
		t.Error("issue status not refreshed")
	}
	f.fail("PATCH", base+"/1", f.padmin, pform("name", "Open!"), 400, CodeInvalidRequest)
	f.fail("PATCH", base+"/999", f.padmin, pform("name", "x"), 404, CodeNoResource)
	f.fail("PATCH", base+"/"+pitoa(added[1]), f.padmin, pform("name", "Review"), 400, CodeInvalidRequest)

	// Delete with substitute: issues move, activity 34 lists them.
	f.fail("DELETE", base+"/"+pitoa(added[0]), f.padmin, "", 400, CodeInvalidRequest)
	f.fail("DELETE", base+"/"+pitoa(added[0]), f.padmin, pform("substituteStatusId", pitoa(added[0])), 400, CodeInvalidRequest)
	f.fail("DELETE", base+"/"+pitoa(added[0]), f.padmin, pform("substituteStatusId", "999"), 400, CodeInvalidRequest)
	f.fail("DELETE", base+"/2", f.padmin, pform("substituteStatusId", "1"), 400, CodeInvalidRequest)
	f.now = f.now.Add(time.Hour)
	f.ok("DELETE", base+"/"+pitoa(added[0]), f.padmin, pform("substituteStatusId", "2"), 200, &s)
	if s["name"] != "Review" {
		t.Errorf("deleted %v", s)
	}
	if st := f.issueField(is, "status").(map[string]any); st["id"].(float64) != 2 || f.issueField(is, "updated") != "2026-01-02T04:04:05Z" {
		t.Errorf("issue status after delete %v", st)
	}
	if f.issueField(other, "status").(map[string]any)["id"].(float64) != 1 {
		t.Error("unrelated issue moved")
	}
	a := f.lastActivity()
	content := a["content"].(map[string]any)
	links := content["link"].([]any)
	if a["type"].(float64) != ActStatusDeleted || content["deletedStatus"].(map[string]any)["name"] != "Review" ||
		len(links) != 1 || links[0].(map[string]any)["key_id"].(float64) != float64(is.KeyID) ||
		links[0].(map[string]any)["title"] != "in review" || content["change"].(map[string]any)["new_value"] != "処理中" {
		t.Errorf("activity 34 %v", a)
	}

	// updateDisplayOrder.
	f.ok("GET", base, f.member, "", 200, &list)
	order := pids(list) // 1 2 3 S1..S6 4
	bad := [][]int64{
		order[:len(order)-1],
		append([]int64{order[1], order[0]}, order[2:]...),
		append(append([]int64{}, order[:len(order)-2]...), order[len(order)-1], order[len(order)-2]),
		append([]int64{1, 3, 2}, order[3:]...),
		append(append([]int64{}, order[:len(order)-1]...), 999),
	}
	for _, b := range bad {
		body := ""
		for _, id := range b {
			body += "&statusId[]=" + pitoa(id)
		}
		f.fail("PATCH", base+"/updateDisplayOrder", f.padmin, body[1:], 400, CodeInvalidRequest)
	}
	f.fail("PATCH", base+"/updateDisplayOrder", f.padmin, "", 400, CodeInvalidRequest)
	reordered := append([]int64{1}, order[3:len(order)-1]...)
	reordered = append(reordered, 2, 3, 4)
	body := ""
	for _, id := range reordered {
		body += "&statusId[]=" + pitoa(id)
	}
	f.ok("PATCH", base+"/updateDisplayOrder", f.padmin, body[1:], 200, &list)
	if got := pids(list); !pjEqualIDs(got, reordered) || list[1]["displayOrder"].(float64) != 2000 {
		t.Errorf("reordered %v, want %v", got, reordered)
	}
	f.fail("PATCH", base+"/updateDisplayOrder", f.member, body[1:], 403, CodeUnauthorizedOperation)
}

func TestCustomFields(t *testing.T) {
	f := newPFix(t)
	base := "/api/v2/projects/BLG/customFields"
	bug := pitoa(f.blg.IssueTypes[0].ID)
	cases := []struct {
		body  string
		check func(m map[string]any) bool
	}{
		{pform("typeId", "1", "name", "Text", "applicableIssueTypes[]", bug, "required", "true", "description", "d"),
			func(m map[string]any) bool {
				app := m["applicableIssueTypes"].([]any)
				return m["required"] == true && len(app) == 1 && m["useIssueType"] == true && m["description"] == "d" && m["items"] == nil
			}},
		{pform("typeId", "2", "name", "Area"), func(m map[string]any) bool { return len(m["applicableIssueTypes"].([]any)) == 0 }},
		{pform("typeId", "3", "name", "Num", "min", "1", "max", "10.5", "initialValue", "2", "unit", "h"),
			func(m map[string]any) bool {
				return m["min"].(float64) == 1 && m["max"].(float64) == 10.5 && m["initialValue"].(float64) == 2 && m["unit"] == "h"
			}},
		{pform("typeId", "3", "name", "Num2"), func(m map[string]any) bool {
			_, has := m["min"]
			return has && m["min"] == nil && m["unit"] == nil
		}},
		{pform("typeId", "4", "name", "Date", "min", "2026-01-01", "max", "2026-12-31", "initialValueType", "2", "initialShift", "3"),
			func(m map[string]any) bool {
				d := m["initialDate"].(map[string]any)
				return m["min"] == "2026-01-01T00:00:00Z" && d["id"].(float64) == 2 && d["shift"].(float64) == 3 && d["date"] == nil
			}},
		{pform("typeId", "5", "name", "Single", "items[]", "a", "items[]", "b", "allowAddItem", "true"),
			func(m map[string]any) bool {
				items := m["items"].([]any)
				_, hasInput := m["allowInput"]
				return len(items) == 2 && items[1].(map[string]any)["displayOrder"].(float64) == 1 && m["allowAddItem"] == true && !hasInput
			}},
		{pform("typeId", "6", "name", "Multi", "items[]", "x"), func(m map[string]any) bool { return len(m["items"].([]any)) == 1 }},
		{pform("typeId", "7", "name", "Check", "items[]", "x", "allowInput", "true"), func(m map[string]any) bool { return m["allowInput"] == true }},
		{pform("typeId", "8", "name", "Radio"), func(m map[string]any) bool { return m["allowInput"] == false && len(m["items"].([]any)) == 0 }},
	}
	fields := map[string]int64{}
	for _, c := range cases {
		var m map[string]any
		f.ok("POST", base, f.padmin, c.body, 200, &m)
		if !c.check(m) {
			t.Errorf("POST %s → %v", c.body, m)
		}
		fields[m["name"].(string)] = int64(m["id"].(float64))
	}
	var list []map[string]any
	f.ok("GET", base, f.viewer, "", 200, &list)
	if len(list) != len(cases) || list[0]["typeId"].(float64) != 1 || list[8]["typeId"].(float64) != 8 {
		t.Errorf("custom fields %v", list)
	}
	for _, b := range []string{pform("typeId", "9", "name", "x"), pform("typeId", "0", "name", "x"), pform("name", "x"),
		pform("typeId", "1"), pform("typeId", "1", "name", "Text"), pform("typeId", "1", "name", "y", "applicableIssueTypes[]", "999"),
		pform("typeId", "3", "name", "y", "min", "5", "max", "1"), pform("typeId", "3", "name", "y", "min", "a"),
		pform("typeId", "4", "name", "y", "min", "2026-13-01"), pform("typeId", "4", "name", "y", "initialValueType", "4"),
		pform("typeId", "4", "name", "y", "initialValueType", "3"), pform("typeId", "5", "name", "y", "items[]", "a", "items[]", "a"),
		pform("typeId", "1", "name", "y", "required", "nope")} {
		f.fail("POST", base, f.padmin, b, 400, CodeInvalidRequest)
	}
	f.fail("POST", base, f.member, pform("typeId", "1", "name", "m"), 403, CodeUnauthorizedOperation)

	// Updates.
	num := base + "/" + pitoa(fields["Num"])
	var m map[string]any
	f.ok("PATCH", num, f.padmin, pform("name", "Hours", "max", "", "unit", ""), 200, &m)
	if m["name"] != "Hours" || m["max"] != nil || m["unit"] != nil || m["min"].(float64) != 1 {
		t.Errorf("patched numeric %v", m)
	}
	f.fail("PATCH", num, f.padmin, pform("min", "100"), 400, CodeInvalidRequest) // initialValue 2 < min
	date := base + "/" + pitoa(fields["Date"])
	f.ok("PATCH", date, f.padmin, pform("max", "2027-01-01", "initialValueType", "3", "initialDate", "2026-06-01"), 200, &m)
	if m["max"] != "2027-01-01T00:00:00Z" || m["initialDate"].(map[string]any)["date"] != "2026-06-01T00:00:00Z" {
		t.Errorf("patched date %v", m)
	}
	f.fail("PATCH", date, f.padmin, pform("min", "2028-01-01"), 400, CodeInvalidRequest)
	f.fail("PATCH", base+"/999", f.padmin, pform("name", "x"), 404, CodeNoResource)
	f.fail("PATCH", num, f.padmin, pform("name", "Text"), 400, CodeInvalidRequest)

	// List items, and their removal from issue values.
	single := base + "/" + pitoa(fields["Single"])
	f.ok("POST", single+"/items", f.padmin, pform("name", "c"), 200, &m)
	items := m["items"].([]any)
	if len(items) != 3 || items[2].(map[string]any)["name"] != "c" || items[2].(map[string]any)["displayOrder"].(float64) != 2 {
		t.Errorf("items %v", items)
	}
	f.fail("POST", single+"/items", f.padmin, pform("name", "c"), 400, CodeInvalidRequest)
	f.fail("POST", single+"/items", f.padmin, "", 400, CodeInvalidRequest)
	f.fail("POST", num+"/items", f.padmin, pform("name", "c"), 400, CodeInvalidRequest)
	itemA := int64(items[0].(map[string]any)["id"].(float64))
	is := f.issue(f.blg, "with values", f.member)
	f.locked(func(st *store) {
		is.CustomFields = []*cfValue{{FieldID: fields["Single"], Items: []int64{itemA}}}
		st.issueChanged(is)
	})
	f.ok("PATCH", single+"/items/"+pitoa(itemA), f.padmin, pform("name", "A!"), 200, nil)
	cfValue := func() any {
		for _, v := range f.issueField(is, "customFields").([]any) {
			if v.(map[string]any)["name"] == "Single" {
				return v.(map[string]any)["value"]
			}
		}
		return "missing"
	}
	if v, ok := cfValue().(map[string]any); !ok || v["name"] != "A!" {
		t.Errorf("issue value after item rename %v", cfValue())
	}
	f.fail("PATCH", single+"/items/999", f.padmin, pform("name", "x"), 404, CodeNoResource)
	f.fail("PATCH", single+"/items/"+pitoa(itemA), f.padmin, pform("name", "b"), 400, CodeInvalidRequest)
	f.ok("DELETE", single+"/items/"+pitoa(itemA), f.padmin, "", 200, &m)
	if len(m["items"].([]any)) != 2 || cfValue() != nil {
		t.Errorf("after item delete: %v, issue value %v", m["items"], cfValue())
	}
	f.ok("DELETE", single, f.padmin, "", 200, nil)
	if cfValue() != "missing" {
		t.Error("deleted field still rendered on the issue")
	}
	f.fail("DELETE", single, f.padmin, "", 404, CodeNoResource)
}

func TestWebhooks(t *testing.T) {
	f := newPFix(t)
	base := "/api/v2/projects/BLG/webhooks"
	var w map[string]any
	f.ok("POST", base, f.padmin, pform("name", "hook", "hookUrl", "https://example.com/h", "allEvent", "false",
		"activityTypeIds[]", "3", "activityTypeIds[]", "1", "activityTypeIds[]", "3"), 200, &w)
	if w["name"] != "hook" || w["description"] != "" || w["allEvent"] != false || w["createdUser"].(map[string]any)["userId"] != "padmin" {
		t.Errorf("webhook %v", w)
	}
	if got := w["activityTypeIds"].([]any); len(got) != 2 || got[0].(float64) != 1 {
		t.Errorf("activityTypeIds %v", got)
	}
	id := pitoa(int64(w["id"].(float64)))
	for _, b := range []string{pform("hookUrl", "https://x", "allEvent", "true"), pform("name", "n", "allEvent", "true"),
		pform("name", "n", "hookUrl", "https://x"), pform("name", "n", "hookUrl", "ftp://x", "allEvent", "true"),
		pform("name", "n", "hookUrl", "https://x", "allEvent", "yes"),
		pform("name", "n", "hookUrl", "https://x", "allEvent", "false", "activityTypeIds[]", "50")} {
		f.fail("POST", base, f.padmin, b, 400, CodeInvalidRequest)
	}
	for _, u := range []*user{f.member, f.viewer} {
		f.fail("GET", base, u, "", 403, CodeUnauthorizedOperation)
		f.fail("GET", base+"/"+id, u, "", 403, CodeUnauthorizedOperation)
		f.fail("POST", base, u, pform("name", "n", "hookUrl", "https://x", "allEvent", "true"), 403, CodeUnauthorizedOperation)
	}
	var list []map[string]any
	f.ok("GET", base, f.admin, "", 200, &list)
	if len(list) != 1 {
		t.Errorf("webhooks %v", list)
	}
	f.now = f.now.Add(time.Minute)
	f.ok("PATCH", base+"/"+id, f.admin, pform("allEvent", "true", "description", "all", "activityTypeIds[]", ""), 200, &w)
	if w["allEvent"] != true || w["description"] != "all" || len(w["activityTypeIds"].([]any)) != 0 ||
		w["updatedUser"].(map[string]any)["userId"] != "admin" || w["updated"] == w["created"] {
		t.Errorf("patched %v", w)
	}
	f.fail("PATCH", base+"/"+id, f.admin, pform("hookUrl", "nope"), 400, CodeInvalidRequest)
	f.fail("GET", base+"/999", f.admin, "", 404, CodeNoResource)
	f.fail("GET", "/api/v2/projects/SEC/webhooks/"+id, f.admin, "", 404, CodeNoResource)
	f.ok("DELETE", base+"/"+id, f.padmin, "", 200, &w)
	f.fail("DELETE", base+"/"+id, f.padmin, "", 404, CodeNoResource)
}
