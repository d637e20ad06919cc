package emulator

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

func TestAttachments(t *testing.T) {
	f := newFixture(t)
	st, body := f.upload(f.alice, "報告 書.pdf", 1234)
	var up map[string]any
	if st != 200 || json.Unmarshal(body, &up) != nil {
		t.Fatalf("upload: %d %s", st, body)
	}
	if up["name"] != "報告 書.pdf" || up["size"] != 1234.0 || len(up) != 3 {
		t.Errorf("upload body %v", up)
	}
	upID := int64(up["id"].(float64))
	if st, body := f.upload(f.vic, "a.txt", 1); st != 403 {
		t.Errorf("viewer upload: %d %s", st, body)
	}
	// Missing part.
	f.wantError("POST", "/api/v2/space/attachment", f.alice, url.Values{"x": {"y"}}, 400, CodeInvalidRequest)

	is := f.issue(f.alice, f.p1, "with file", func(in *issueInput) { in.AttachmentIDs = []int64{upID} })
	path := "/api/v2/issues/P1-1/attachments"
	var list []map[string]any
	f.get(path, f.vic, &list)
	if len(list) != 1 || list[0]["name"] != "報告 書.pdf" || list[0]["size"] != 1234.0 ||
		list[0]["createdUser"].(map[string]any)["id"].(float64) != float64(f.alice.ID) || list[0]["created"] != "2024-03-10T09:00:00Z" {
		t.Errorf("attachments %v", list)
	}
	// Download: deterministic bytes of the declared size.
	code, h, data := f.do("GET", path+"/"+itoa(upID), f.vic, nil)
	if code != 200 || len(data) != 1234 {
		t.Fatalf("download: %d %d bytes", code, len(data))
	}
	if cd := h.Get("Content-Disposition"); cd != "attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A%20%E6%9B%B8.pdf" {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ct := h.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type %q", ct)
	}
	_, _, again := f.do("GET", path+"/"+itoa(upID), f.alice, nil)
	if !bytes.Equal(data, again) {
		t.Errorf("download not deterministic")
	}
	if n := len(attachmentBytes(1, 1<<30)); n != maxAttachmentBytes {
		t.Errorf("cap: %d", n)
	}
	f.wantError("GET", path+"/999", f.alice, nil, 404, CodeNoResource)
	f.wantError("GET", path+"/x", f.alice, nil, 404, CodeNoResource)
	f.wantError("GET", path, f.out, nil, 404, CodeNoResource)
	f.wantError("GET", path+"/"+itoa(upID), f.out, nil, 404, CodeNoResource)

	// Attach via a comment: changeLog "attachment" and activity 3 lists it.
	_, body = f.upload(f.bob, "b.log", 7)
	_ = json.Unmarshal(body, &up)
	mark := len(f.st.activities)
	code, _, body = f.do("POST", "/api/v2/issues/P1-1/comments", f.bob, url.Values{"content": {"see log"}, "attachmentId[]": {itoa(int64(up["id"].(float64)))}})
	if code != 201 {
		t.Fatalf("comment with file: %d %s", code, body)
	}
	var cm map[string]any
	_ = json.Unmarshal(body, &cm)
	cl := cm["changeLog"].([]any)
	if len(cl) != 1 || cl[0].(map[string]any)["field"] != "attachment" || cl[0].(map[string]any)["newValue"] != "b.log" ||
		cl[0].(map[string]any)["attachmentInfo"].(map[string]any)["name"] != "b.log" {
		t.Errorf("comment changeLog %v", cl)
	}
	if a := content(t, f.st.activities[mark])["attachments"].([]any); len(a) != 1 {
		t.Errorf("activity attachments %v", a)
	}
	if len(is.Attachments) != 2 {
		t.Errorf("issue attachments %d", len(is.Attachments))
	}

	// Delete: viewer refused; the removal is a change-log comment + activity 2.
	f.wantError("DELETE", path+"/"+itoa(upID), f.vic, nil, 403, CodeUnauthorizedOperation)
	mark = len(f.st.activities)
	code, _, body = f.do("DELETE", path+"/"+itoa(upID), f.bob, nil)
	var del map[string]any
	if code != 200 || json.Unmarshal(body, &del) != nil || del["id"].(float64) != float64(upID) || del["name"] != "報告 書.pdf" {
		t.Fatalf("delete: %d %s", code, body)
	}
	last := is.Comments[len(is.Comments)-1]
	if got := changeLogOf(last); !reflect.DeepEqual(got, map[string][2]any{"attachment": {nil, "報告 書.pdf"}}) {
		t.Errorf("delete changeLog %v", got)
	}
	if len(f.st.activities) != mark+1 || f.st.activities[mark].Type != ActIssueUpdated {
		t.Errorf("delete activity")
	}
	f.get(path, f.alice, &list)
	if len(list) != 1 {
		t.Errorf("after delete %v", list)
	}
	f.wantError("DELETE", path+"/"+itoa(upID), f.bob, nil, 404, CodeNoResource)
	// An upload is consumed once.
	f.wantError("POST", "/api/v2/issues/P1-1/comments", f.bob, url.Values{"content": {"again"}, "attachmentId[]": {itoa(int64(up["id"].(float64)))}}, 400, CodeInvalidRequest)
}
