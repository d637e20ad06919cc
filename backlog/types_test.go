package backlog

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeIssue(t *testing.T) {
	t.Parallel()
	var is Issue
	if err := json.Unmarshal(readFixture(t, "issue.json"), &is); err != nil {
		t.Fatal(err)
	}
	if is.ID != 1 || is.IssueKey != "BLG-1" || is.IssueType.Name != "Task" || is.Priority.ID != 3 || is.Status.DisplayOrder != 1000 {
		t.Errorf("basic fields: %+v", is)
	}
	if is.Resolution != nil || is.DueDate != nil || is.ActualHours != nil || is.ParentIssueID != nil {
		t.Error("nulls not nil")
	}
	if is.StartDate == nil || *is.StartDate != NewDate(2017, 11, 16) {
		t.Errorf("startDate = %v", is.StartDate)
	}
	if d := is.Milestone[0].ReleaseDueDate; d == nil || *d != NewDate(2013, 8, 30) {
		t.Errorf("JST-midnight releaseDueDate = %v", d)
	}
	if is.EstimatedHours == nil || *is.EstimatedHours != 1.5 {
		t.Errorf("estimatedHours = %v", is.EstimatedHours)
	}
	if is.Assignee == nil || is.Assignee.Lang != nil || is.Assignee.UserID == nil || *is.Assignee.UserID != "eguchi" {
		t.Errorf("assignee = %+v", is.Assignee)
	}
	if !is.Created.Equal(time.Date(2012, 7, 23, 6, 10, 15, 0, time.UTC)) || is.Created.Location() != time.UTC {
		t.Errorf("created = %v", is.Created)
	}
	if is.CreatedUser.LastLoginTime != nil {
		t.Error("lastLoginTime null not nil")
	}
	// limitDate is a known legacy member; newFeatureFlag is kept.
	if want := (Extra{"newFeatureFlag": json.RawMessage("true")}); !reflect.DeepEqual(is.Extra, want) {
		t.Errorf("Extra = %s", is.Extra)
	}
	if len(is.Stars) != 1 || is.Stars[0].Comment != nil || is.Stars[0].Presenter.Name != "eguchi" {
		t.Errorf("stars = %+v", is.Stars)
	}
	if len(is.Attachments) != 1 || is.Attachments[0].Size != 85079 || is.Attachments[0].Created != nil {
		t.Errorf("attachments = %+v", is.Attachments[0])
	}
}

func TestCustomFieldValues(t *testing.T) {
	t.Parallel()
	var is Issue
	if err := json.Unmarshal(readFixture(t, "issue.json"), &is); err != nil {
		t.Fatal(err)
	}
	cf := is.CustomFields
	if len(cf) != 8 {
		t.Fatalf("%d custom fields", len(cf))
	}
	if s, ok := cf[0].Text(); !ok || s != "hello" {
		t.Errorf("text = %q %v", s, ok)
	}
	if _, ok := cf[1].Text(); ok || !cf[1].IsNull() {
		t.Error("null textarea")
	}
	if f, ok := cf[2].Number(); !ok || f != 99.9 {
		t.Errorf("number = %v %v", f, ok)
	}
	if d, ok := cf[3].Date(); !ok || d != NewDate(2014, 8, 11) {
		t.Errorf("date = %v %v", d, ok)
	}
	if it, ok := cf[4].Item(); !ok || it.Name != "one" {
		t.Errorf("single = %v %v", it, ok)
	}
	if items, ok := cf[5].Items(); !ok || len(items) != 2 || items[1].ID != 2 {
		t.Errorf("multiple = %v %v", items, ok)
	}
	if items, ok := cf[6].Items(); !ok || len(items) != 0 || cf[6].OtherValue == nil || *cf[6].OtherValue != "other text" {
		t.Errorf("checkbox = %v %v %v", items, ok, cf[6].OtherValue)
	}
	if it, ok := cf[7].Item(); !ok || it.ID != 3 || cf[7].OtherValue != nil {
		t.Errorf("radio = %v %v", it, ok)
	}
	// Wrong accessors report false.
	if _, ok := cf[0].Number(); ok {
		t.Error("Number on text")
	}
	if _, ok := cf[2].Items(); ok {
		t.Error("Items on numeric")
	}
	// Interface for every type.
	wants := []any{"hello", nil, 99.9, NewDate(2014, 8, 11), CustomFieldItem{1, "one", 0},
		[]CustomFieldItem{{1, "one", 0}, {2, "two", 1}}, []CustomFieldItem{}, CustomFieldItem{3, "three", 2}}
	for i, w := range wants {
		got, err := cf[i].Interface()
		if err != nil || !reflect.DeepEqual(got, w) {
			t.Errorf("field %d: Interface = %#v, %v; want %#v", i+1, got, err, w)
		}
	}
	bad := CustomFieldValue{ID: 9, FieldTypeID: FieldNumeric, Value: json.RawMessage(`"12"`)}
	if _, err := bad.Interface(); err == nil {
		t.Error("mismatched value accepted")
	}
	future := CustomFieldValue{FieldTypeID: 99, Value: json.RawMessage(`{"x":1}`)}
	if v, err := future.Interface(); err != nil || string(v.(json.RawMessage)) != `{"x":1}` {
		t.Errorf("unknown type: %v %v", v, err)
	}
}

func TestDecodeActivities(t *testing.T) {
	t.Parallel()
	var acts []*Activity
	if err := json.Unmarshal(readFixture(t, "activities.json"), &acts); err != nil {
		t.Fatal(err)
	}
	byType := map[ActivityType]*Activity{}
	for _, a := range acts {
		byType[a.Type] = a
		if _, err := a.DecodeContent(); err != nil {
			t.Errorf("activity %d type %d: %v", a.ID, a.Type, err)
		}
	}
	ic, err := byType[ActivityIssueUpdated].IssueContent()
	if err != nil || ic.KeyID != 121 || ic.Comment.ID != 7237 || len(ic.Changes) != 2 || ic.Changes[1].NewValue != "4" {
		t.Errorf("issue content = %+v, %v", ic, err)
	}
	if _, err := byType[ActivityIssueUpdated].WikiContent(); !errors.As(err, new(*ContentTypeError)) {
		t.Errorf("wrong family: %v", err)
	}
	wc, _ := byType[ActivityWikiCreated].WikiContent()
	if wc.Version != 3 || wc.SharedFiles[0].Dir != "/d/" {
		t.Errorf("wiki content = %+v", wc)
	}
	fc, _ := byType[ActivityFileAdded].FileContent()
	if fc.Dir != "/プレスリリース/20091130/" || fc.Size != 4836 {
		t.Errorf("file content = %+v", fc)
	}
	gc, _ := byType[ActivityGitPushed].GitContent()
	if gc.Repository.Name != "app" || gc.Repository.Description != nil || gc.Revisions[0].Rev != "1d2bd5d8" {
		t.Errorf("git content = %+v", gc)
	}
	bu, _ := byType[ActivityIssueMultiUpdated].BulkUpdateContent()
	if bu.TxID != 5 || bu.Link[0].Comment.ID != 9 {
		t.Errorf("bulk = %+v", bu)
	}
	pu, _ := byType[ActivityProjectUserAdded].ProjectUserContent()
	if pu.Users[0].ID != 5 || pu.GroupProjectActivities[0].Type != 25 {
		t.Errorf("project user = %+v", pu)
	}
	pr, _ := byType[ActivityPullRequestAdded].PullRequestContent()
	if pr.Number != 1 || pr.Comment != nil || pr.Issue.IssueKey != "SUB-1" {
		t.Errorf("pr = %+v", pr)
	}
	mc, _ := byType[ActivityMilestoneCreated].MilestoneContent()
	if *mc.StartDate != NewDate(2013, 8, 1) || *mc.ReferenceDate != NewDate(2013, 8, 30) {
		t.Errorf("milestone = %+v", mc)
	}
	tc, _ := byType[ActivityProjectTeamAdded].TeamContent()
	if tc.Parties[0].Name != "team" {
		t.Errorf("team = %+v", tc)
	}
	sd, _ := byType[ActivityStatusDeleted].StatusDeletedContent()
	if sd.DeletedStatus.Name != "Review" || sd.Change.NewValue != "Open" {
		t.Errorf("status deleted = %+v", sd)
	}
	dc, _ := byType[ActivityDocumentCreated].DocumentContent()
	if dc.ID != "01939983409c79d5a06a49859789e38f" {
		t.Errorf("document = %+v", dc)
	}
	bc, _ := byType[ActivityIssuesMultiCreated].BulkCreateContent()
	if len(bc.Link) != 2 {
		t.Errorf("bulk create = %+v", bc)
	}
	ds, _ := byType[ActivityDocumentsMultiCreated].DocumentsContent()
	if ds.Documents[0].Title != "A" {
		t.Errorf("documents = %+v", ds)
	}
	sv, _ := byType[ActivitySVNCommitted].SVNContent()
	if sv.Rev != 12 {
		t.Errorf("svn = %+v", sv)
	}
	unknown := byType[30]
	if v, err := unknown.DecodeContent(); err != nil || string(v.(json.RawMessage)) != `{"whatever":1}` {
		t.Errorf("unknown type: %v %v", v, err)
	}
	if string(unknown.Extra["newTopLevel"]) != `"x"` {
		t.Errorf("activity Extra = %s", unknown.Extra)
	}
	if acts[0].Project.ProjectKey != "SUB" || acts[0].CreatedUser.ID != 1 {
		t.Errorf("activity = %+v", acts[0])
	}
}

func TestDecodeOthers(t *testing.T) {
	t.Parallel()
	var w Wiki
	if err := json.Unmarshal(readFixture(t, "wiki.json"), &w); err != nil {
		t.Fatal(err)
	}
	if w.Tags[0].Name != "proceedings" || w.SharedFiles[0].UpdatedUser != nil || w.SharedFiles[0].Path() != "/ユーザ/01_サンプル.xls" || w.Extra != nil {
		t.Errorf("wiki = %+v", w)
	}
	var pr PullRequest
	if err := json.Unmarshal(readFixture(t, "pull_request.json"), &pr); err != nil {
		t.Fatal(err)
	}
	if pr.Issue == nil || pr.Issue.ID != 31 || pr.MergeAt != nil || string(pr.Extra["draft"]) != "false" {
		t.Errorf("pr = %+v", pr)
	}
	var d Document
	if err := json.Unmarshal(readFixture(t, "document.json"), &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != "01939983409c79d5a06a49859789e38f" || d.Emoji != nil || d.Extra != nil {
		t.Errorf("document = %+v", d)
	}
	var c Comment
	if err := json.Unmarshal(readFixture(t, "comment.json"), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.ChangeLog) != 2 || *c.ChangeLog[0].NewValue != "処理中" || c.ChangeLog[1].AttributeInfo.TypeID != FieldNumeric ||
		c.ChangeLog[1].NotificationInfo.Type != "issue.update" || c.ChangeLog[1].OriginalValue != nil {
		t.Errorf("comment = %+v", c)
	}
	var p Project
	if err := json.Unmarshal(readFixture(t, "project.json"), &p); err != nil {
		t.Fatal(err)
	}
	if p.ProjectKey != "TEST" || !p.UseDocument || p.DisplayOrder != 2147483646 || p.Extra != nil {
		t.Errorf("project = %+v", p)
	}
	var u User
	if err := json.Unmarshal(readFixture(t, "user.json"), &u); err != nil {
		t.Fatal(err)
	}
	if u.ID != 1073936936 || u.NulabAccount.NulabID != "Bo9sDvbM" || string(u.Extra["futureField"]) != `{"a":[1,2]}` {
		t.Errorf("user = %+v", u)
	}
	var rl RateLimits
	if err := json.Unmarshal([]byte(`{"rateLimit":{"read":{"limit":600,"remaining":599,"reset":1603881873},"update":{"limit":150,"remaining":150,"reset":1603881873},"search":{"limit":150,"remaining":150,"reset":1603881873},"icon":{"limit":60,"remaining":60,"reset":1603881873}}}`), &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Read.Remaining != 599 || rl.ByClass(RateIcon).Limit != 60 || rl.Search.Class != RateSearch || !rl.Update.Reset.Equal(time.Unix(1603881873, 0)) {
		t.Errorf("rate limits = %+v", rl)
	}
	var cf CustomField
	if err := json.Unmarshal([]byte(`{"id":1,"typeId":4,"name":"d","min":"2024-01-01T00:00:00Z","max":null,"initialDate":{"id":3,"shift":5}}`), &cf); err != nil {
		t.Fatal(err)
	}
	if mn, mx := cf.DateRange(); mn == nil || *mn != NewDate(2024, 1, 1) || mx != nil || *cf.InitialDate.Shift != 5 {
		t.Errorf("custom field = %+v", cf)
	}
	var nf CustomField
	if err := json.Unmarshal([]byte(`{"id":2,"typeId":3,"min":1.5,"max":10,"initialValue":null,"unit":"h"}`), &nf); err != nil {
		t.Fatal(err)
	}
	if mn, mx := nf.NumericRange(); *mn != 1.5 || *mx != 10 || *nf.Unit != "h" {
		t.Errorf("numeric field = %+v", nf)
	}
}
