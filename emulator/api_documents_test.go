package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func (f *ctFixture) doc(t testing.TB, by *user, p *project, title, content, parent string, addLast bool) *document {
	t.Helper()
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	d, err := f.st.createDocument(by, f.tick(), &documentInput{ProjectID: p.ID, Title: title, Content: content,
		ParentID: parent, AddLast: addLast})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// titles lists the "title" fields of a JSON array of documents.
func titles(list []map[string]any) string {
	var out []string
	for _, m := range list {
		out = append(out, fmt.Sprint(m["title"]))
	}
	return strings.Join(out, ",")
}

func TestDocumentAddGetDelete(t *testing.T) {
	f := newCT(t, Options{})
	pid := strconv.FormatInt(f.p.ID, 10)
	var w map[string]any
	if st := f.call(t, "POST", "/api/v2/documents", "km", form("projectId", pid, "title", "Top",
		"content", "# head\nhello", "emoji", "👍"), &w); st != 200 {
		t.Fatalf("POST: %d", st)
	}
	if keysOf(w) != "created,createdUserId,emoji,id,json,plain,projectId,statusId,title,updated,updatedUserId" ||
		w["plain"] != "head\nhello" || w["emoji"] != "👍" || w["createdUserId"] != float64(f.member.ID) {
		t.Errorf("add-document answer %v", w)
	}
	if js, ok := w["json"].(map[string]any); !ok || js["type"] != "doc" {
		t.Errorf("json is not an object: %v", w["json"])
	}
	id := w["id"].(string)
	if len(id) != 32 {
		t.Errorf("id %q", id)
	}
	if a := f.acts(ActDocumentCreated); len(a) != 1 || a[0]["id"] != id || a[0]["title"] != "Top" || keysOf(a[0]) != "id,title" {
		t.Errorf("activity 36 %v", a)
	}

	var d map[string]any
	if st := f.call(t, "GET", "/api/v2/documents/"+id, "kv", "", &d); st != 200 {
		t.Fatalf("GET: %d", st)
	}
	if keysOf(d) != "attachments,created,createdUser,emoji,id,json,plain,projectId,statusId,tags,title,updated,updatedUser" {
		t.Errorf("document keys %s", keysOf(d))
	}
	var inner map[string]any
	if s, ok := d["json"].(string); !ok || json.Unmarshal([]byte(s), &inner) != nil || inner["type"] != "doc" {
		t.Errorf("json is not a rich-text string: %v", d["json"])
	}

	// Child, then delete the parent: both go to the trash.
	var child map[string]any
	f.call(t, "POST", "/api/v2/documents", "km", form("projectId", pid, "title", "Child", "parentId", id), &child)
	f.wantErr(t, "DELETE", "/api/v2/documents/"+id, "km", "", 403, CodeUnauthorizedOperation, "")
	f.wantErr(t, "DELETE", "/api/v2/documents/"+id, "ko", "", 404, CodeNoResource, "No document.")
	var del map[string]any
	if st := f.call(t, "DELETE", "/api/v2/documents/"+id, "kp", "", &del); st != 200 || del["json"] != nil || del["plain"] != nil || del["id"] != id {
		t.Fatalf("DELETE: %d %v", st, del)
	}
	if a := f.acts(ActDocumentDeleted); len(a) != 2 || a[0]["id"] != id || a[1]["id"] != child["id"] {
		t.Errorf("activity 37 %v", a)
	}
	var tree struct {
		ActiveTree, TrashTree struct {
			Children []struct {
				ID       string `json:"id"`
				Children []any  `json:"children"`
			} `json:"children"`
		}
	}
	f.call(t, "GET", "/api/v2/documents/tree?projectIdOrKey=CNT", "km", "", &tree)
	if len(tree.ActiveTree.Children) != 0 || len(tree.TrashTree.Children) != 1 ||
		tree.TrashTree.Children[0].ID != id || len(tree.TrashTree.Children[0].Children) != 1 {
		t.Errorf("tree after delete %+v", tree)
	}
	var cnt map[string]int
	if f.call(t, "GET", "/api/v2/documents/count?projectIdOrKey=CNT", "km", "", &cnt); cnt["count"] != 0 {
		t.Errorf("count %v", cnt)
	}
	// Trashed documents stay readable, cannot be deleted twice.
	if st := f.call(t, "GET", "/api/v2/documents/"+id, "km", "", nil); st != 200 {
		t.Errorf("GET trashed: %d", st)
	}
	f.wantErr(t, "DELETE", "/api/v2/documents/"+id, "ka", "", 404, CodeNoResource, "No document.")
}

func TestDocumentTree(t *testing.T) {
	f := newCT(t, Options{})
	a := f.doc(t, f.member, f.p, "A", "", "", false)
	b := f.doc(t, f.member, f.p, "B", "", "", false)    // first: B, A
	c := f.doc(t, f.member, f.p, "C", "", "", true)     // last: B, A, C
	a1 := f.doc(t, f.member, f.p, "A1", "", a.ID, true) // under A
	f.doc(t, f.member, f.p, "A2", "", a.ID, true)
	f.doc(t, f.member, f.p, "A0", "", a.ID, false)
	f.doc(t, f.member, f.p, "A1x", "", a1.ID, false)
	emoji := "🎉"
	b.Emoji = &emoji
	_ = c
	var tree map[string]any
	if st := f.call(t, "GET", "/api/v2/documents/tree?projectIdOrKey="+strconv.FormatInt(f.p.ID, 10), "km", "", &tree); st != 200 {
		t.Fatal(st)
	}
	if keysOf(tree) != "activeTree,projectId,trashTree" {
		t.Errorf("tree keys %s", keysOf(tree))
	}
	var render func(n map[string]any) string
	render = func(n map[string]any) string {
		s := fmt.Sprint(n["name"])
		if ch := n["children"].([]any); len(ch) > 0 {
			var parts []string
			for _, c := range ch {
				parts = append(parts, render(c.(map[string]any)))
			}
			s += "(" + strings.Join(parts, " ") + ")"
		}
		return s
	}
	active := tree["activeTree"].(map[string]any)
	if active["id"] != "Active" || render(active) != "<nil>(B A(A0 A1(A1x) A2) C)" {
		t.Errorf("active tree %s", render(active))
	}
	first := active["children"].([]any)[0].(map[string]any)
	if first["emoji"] != "🎉" || keysOf(first) != "children,emoji,id,name,statusId,updated" {
		t.Errorf("node %v", first)
	}
	if tree["trashTree"].(map[string]any)["id"] != "Trash" {
		t.Errorf("trash %v", tree["trashTree"])
	}
}

func TestDocumentList(t *testing.T) {
	f := newCT(t, Options{})
	for i := 1; i <= 5; i++ {
		f.doc(t, f.member, f.p, fmt.Sprintf("D%d", i), fmt.Sprintf("body %d", i), "", true)
	}
	f.doc(t, f.member, f.off, "Elsewhere", "x", "", true)
	// An update moves D2 to the top of the "updated" order.
	f.st.mu.Lock()
	d2 := f.st.docList[1]
	nt := "D2"
	if err := f.st.updateDocument(f.member, f.tick(), d2, &nt, nil); err != nil {
		t.Fatal(err)
	}
	body := "changed"
	if err := f.st.updateDocument(f.member, f.tick(), d2, nil, &body); err != nil {
		t.Fatal(err)
	}
	f.st.mu.Unlock()
	if len(f.acts(ActDocumentTitleUpdated)) != 0 || len(f.acts(ActDocumentUpdated)) != 1 {
		t.Errorf("unchanged title recorded an activity, or content change none")
	}
	p, off := strconv.FormatInt(f.p.ID, 10), strconv.FormatInt(f.off.ID, 10)
	cases := []struct {
		key, query, want string
	}{
		{"km", "offset=0", "D2,Elsewhere,D5,D4,D3,D1"},
		{"km", "offset=0&projectId[]=" + p, "D2,D5,D4,D3,D1"},
		{"km", "offset=0&sort=created&order=asc&projectId[]=" + p, "D1,D2,D3,D4,D5"},
		{"km", "offset=0&sort=created&count=2&projectId[]=" + p, "D5,D4"},
		{"km", "offset=2&sort=created&count=2&projectId[]=" + p, "D3,D2"},
		{"km", "offset=4&sort=created&count=2&projectId[]=" + p, "D1"},
		{"km", "offset=5&sort=created&count=5&projectId[]=" + p, ""},
		{"km", "offset=0&keyword=CHANGED", "D2"},
		{"km", "offset=0&keyword=body 4", "D4"},
		{"km", "offset=0&projectId[]=" + off, "Elsewhere"},
		{"kv", "offset=0&projectId[]=" + off, ""}, // not joined: silently left out
		{"ko", "offset=0", ""},
		{"ka", "offset=0&projectId[]=" + off, ""}, // administrators too
	}
	for _, c := range cases {
		var list []map[string]any
		if st := f.call(t, "GET", "/api/v2/documents?"+c.query, c.key, "", &list); st != 200 || titles(list) != c.want {
			t.Errorf("%s %s: %d %q, want %q", c.key, c.query, st, titles(list), c.want)
		}
	}
	for _, q := range []string{"", "count=5", "offset=-1", "offset=0&count=0", "offset=0&count=101",
		"offset=0&sort=title", "offset=0&order=up", "offset=0&projectId[]=x", "offset=x"} {
		f.wantErr(t, "GET", "/api/v2/documents?"+q, "km", "", 400, CodeInvalidRequest, "")
	}
	var cnt map[string]int
	if f.call(t, "GET", "/api/v2/documents/count?projectIdOrKey=CNT", "km", "", &cnt); cnt["count"] != 5 {
		t.Errorf("count %v", cnt)
	}
}

func TestDocumentErrors(t *testing.T) {
	f := newCT(t, Options{})
	d := f.doc(t, f.member, f.p, "T", "", "", false)
	other := f.doc(t, f.member, f.off, "O", "", "", false)
	pid := strconv.FormatInt(f.p.ID, 10)
	cases := []struct {
		method, path, key, body string
		status, code            int
		msg                     string
	}{
		{"GET", "/api/v2/documents/count", "km", "", 400, CodeInvalidRequest, "projectIdOrKey"},
		{"GET", "/api/v2/documents/tree", "km", "", 400, CodeInvalidRequest, "projectIdOrKey"},
		{"GET", "/api/v2/documents/count?projectIdOrKey=CNT", "ko", "", 404, CodeNoResource, "No project."},
		{"GET", "/api/v2/documents/tree?projectIdOrKey=NOPE", "km", "", 404, CodeNoResource, "No project."},
		{"GET", "/api/v2/documents/tree?projectIdOrKey=OFF", "ka", "", 404, CodeNoResource, "No project."},
		{"GET", "/api/v2/documents/" + d.ID, "ko", "", 404, CodeNoResource, "No document."},
		{"GET", "/api/v2/documents/" + other.ID, "ka", "", 404, CodeNoResource, "No document."},
		{"GET", "/api/v2/documents/0123456789abcdef0123456789abcdef", "km", "", 404, CodeNoResource, "No document."},
		{"GET", "/api/v2/documents/" + d.ID + "/comments", "ko", "", 404, CodeNoResource, "No document."},
		{"GET", "/api/v2/documents/" + d.ID + "/attachments/1", "km", "", 404, CodeNoResource, "No attachment."},
		{"POST", "/api/v2/documents", "km", form("title", "x"), 400, CodeInvalidRequest, "projectId"},
		{"POST", "/api/v2/documents", "km", form("projectId", pid, "addLast", "maybe"), 400, CodeInvalidRequest, "addLast"},
		{"POST", "/api/v2/documents", "km", form("projectId", pid, "parentId", other.ID), 400, CodeInvalidRequest, "parentId"},
		{"POST", "/api/v2/documents", "ko", form("projectId", pid), 404, CodeNoResource, "No project."},
		{"POST", "/api/v2/documents", "ka", form("projectId", strconv.FormatInt(f.off.ID, 10)), 404, CodeNoResource, "No project."},
		{"POST", "/api/v2/documents", "kv", form("projectId", pid), 403, CodeUnauthorizedOperation, ""},
		{"POST", "/api/v2/documents/" + d.ID + "/tags", "km", "", 400, CodeInvalidRequest, "tagNames"},
		{"DELETE", "/api/v2/documents/" + d.ID + "/tags", "km", form("tagNames[]", " "), 400, CodeInvalidRequest, "tagNames"},
		{"POST", "/api/v2/documents/" + d.ID + "/tags", "kv", form("tagNames[]", "a"), 403, CodeUnauthorizedOperation, ""},
		{"POST", "/api/v2/documents/" + d.ID + "/tags", "ko", form("tagNames[]", "a"), 404, CodeNoResource, "No document."},
	}
	for _, c := range cases {
		f.wantErr(t, c.method, c.path, c.key, c.body, c.status, c.code, c.msg)
	}
}

func TestDocumentTags(t *testing.T) {
	f := newCT(t, Options{})
	d := f.doc(t, f.member, f.p, "T", "", "", false)
	d2 := f.doc(t, f.member, f.p, "U", "", "", false)
	path := "/api/v2/documents/" + d.ID + "/tags"
	var tags []map[string]any
	if st := f.call(t, "POST", path, "km", form("tagNames[]", "tag1", "tagNames[]", "tag2"), &tags); st != 200 || names(tags) != "tag1,tag2" {
		t.Fatalf("add tags: %d %v", st, tags)
	}
	// Same name on another document of the project: same tag id.
	var tags2 []map[string]any
	f.call(t, "POST", "/api/v2/documents/"+d2.ID+"/tags", "km", form("tagNames[]", "tag2"), &tags2)
	if tags2[0]["id"] != tags[1]["id"] {
		t.Errorf("tag ids differ: %v %v", tags, tags2)
	}
	// Idempotent.
	f.call(t, "POST", path, "km", form("tagNames[]", "tag1"), &tags2)
	var doc map[string]any
	if f.call(t, "GET", "/api/v2/documents/"+d.ID, "km", "", &doc); len(doc["tags"].([]any)) != 2 {
		t.Errorf("tags %v", doc["tags"])
	}
	st, _, body := do(t, f.s, "DELETE", path, "km", form("tagNames[]", "tag1", "tagNames[]", "unknown"))
	if st != 204 || len(body) != 0 {
		t.Errorf("remove: %d %s", st, body)
	}
	if f.call(t, "GET", "/api/v2/documents/"+d.ID, "km", "", &doc); names(toMaps(doc["tags"])) != "tag2" {
		t.Errorf("after remove %v", doc["tags"])
	}
}

func toMaps(v any) []map[string]any {
	var out []map[string]any
	for _, x := range v.([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestDocumentCommentsAttachmentsBulk(t *testing.T) {
	f := newCT(t, Options{})
	d := f.doc(t, f.member, f.p, "T", "", "", false)
	st := f.st
	st.mu.Lock()
	c1, err := st.addDocumentComment(f.admin, f.tick(), d, "What's this?", "")
	if err != nil {
		t.Fatal(err)
	}
	r1, err := st.addDocumentComment(f.member, f.tick(), d, "The one we talked about.", c1.ID)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := st.addDocumentComment(f.member, f.tick(), d, "OK", "")
	if _, err := st.addDocumentComment(f.member, f.now, d, "x", r1.ID); err == nil {
		t.Error("reply to a reply accepted")
	}
	if _, err := st.addDocumentComment(f.member, f.now, d, " ", ""); err == nil {
		t.Error("empty comment accepted")
	}
	if err := st.updateDocumentComment(f.member, f.tick(), d, r1, "edited"); err != nil {
		t.Fatal(err)
	}
	if err := st.updateDocumentComment(f.member, f.tick(), d, c2, "OK!"); err != nil {
		t.Fatal(err)
	}
	up := st.addUpload(f.member, f.now, "a.png", 42)
	if _, err := st.addDocumentAttachments(f.member, f.tick(), d, []int64{up.ID}); err != nil {
		t.Fatal(err)
	}
	st.mu.Unlock()

	var list []map[string]any
	if code := f.call(t, "GET", "/api/v2/documents/"+d.ID+"/comments", "kv", "", &list); code != 200 || len(list) != 2 {
		t.Fatalf("comments: %d %v", code, list)
	}
	if keysOf(list[0]) != "commentType,content,created,createdUser,createdUserId,documentId,id,plain,replies,statusId,updated,updatedUserId" ||
		list[0]["commentType"] != "comment" || list[0]["plain"] != "What's this?" || list[0]["statusId"] != 0.0 {
		t.Errorf("comment %v", list[0])
	}
	cu := list[0]["createdUser"].(map[string]any)
	if keysOf(cu) != "icon,id,lang,mailAddress,name,roleType,uniqueId,userId" || cu["uniqueId"] != adminUniqueID(f.s) || cu["userId"] != "admin" {
		t.Errorf("light user %v", cu)
	}
	replies := toMaps(list[0]["replies"])
	if len(replies) != 1 || replies[0]["commentId"] != c1.ID || replies[0]["plain"] != "edited" ||
		keysOf(replies[0]) != "commentId,content,created,createdUser,createdUserId,documentId,id,plain,updated,updatedUserId" {
		t.Errorf("replies %v", replies)
	}
	if u := replies[0]["createdUser"].(map[string]any); u["uniqueId"] == nil {
		t.Errorf("nulab uniqueId missing: %v", u)
	}
	var content map[string]any
	if json.Unmarshal([]byte(list[0]["content"].(string)), &content) != nil || content["type"] != "doc" {
		t.Errorf("comment content %v", list[0]["content"])
	}
	if len(toMaps(list[1]["replies"])) != 0 {
		t.Errorf("replies of second comment %v", list[1]["replies"])
	}
	for typ, n := range map[int]int{ActDocumentCommentCreated: 2, ActDocumentReplyCreated: 1,
		ActDocumentReplyUpdated: 1, ActDocumentCommentUpdated: 1, ActDocumentAttachmentAdded: 1} {
		if got := len(f.acts(typ)); got != n {
			t.Errorf("activity %d: %d, want %d", typ, got, n)
		}
	}
	// Attachment download.
	code, _, data := do(t, f.s, "GET", fmt.Sprintf("/api/v2/documents/%s/attachments/%d", d.ID, up.ID), "km", "")
	if code != 200 || len(data) != 42 {
		t.Errorf("attachment: %d %d", code, len(data))
	}

	// Deletions.
	st.mu.Lock()
	if err := st.deleteDocumentComment(f.member, f.tick(), d, r1); err != nil {
		t.Fatal(err)
	}
	if err := st.deleteDocumentComment(f.member, f.tick(), d, c1); err != nil {
		t.Fatal(err)
	}
	if err := st.deleteDocumentComment(f.member, f.tick(), d, c1); err == nil {
		t.Error("double delete accepted")
	}
	st.mu.Unlock()
	if f.call(t, "GET", "/api/v2/documents/"+d.ID+"/comments", "km", "", &list); len(list) != 1 || list[0]["id"] != c2.ID {
		t.Errorf("after delete %v", list)
	}
	if len(f.acts(ActDocumentReplyDeleted)) != 1 || len(f.acts(ActDocumentCommentDeleted)) != 1 {
		t.Error("delete activities missing")
	}

	// Bulk creation: one activity 48 listing every document.
	st.mu.Lock()
	docs, err := st.createDocuments(f.member, f.tick(), []*documentInput{
		{ProjectID: f.p.ID, Title: "B1"}, {ProjectID: f.p.ID, Title: "B2", AddLast: true}})
	if err != nil || len(docs) != 2 {
		t.Fatal(err)
	}
	if _, err := st.createDocuments(f.member, f.now, []*documentInput{{ProjectID: f.p.ID}, {ProjectID: f.off.ID}}); err == nil {
		t.Error("bulk over two projects accepted")
	}
	st.mu.Unlock()
	a48 := f.acts(ActDocumentsBulkCreated)
	if len(a48) != 1 || len(a48[0]["documents"].([]any)) != 2 ||
		a48[0]["documents"].([]any)[1].(map[string]any)["title"] != "B2" {
		t.Errorf("activity 48 %v", a48)
	}
}

// adminUniqueID is the uniqueId of the administrator's Nulab account, or nil
// when the administrator has none.
func adminUniqueID(s *Server) any {
	for _, u := range s.store.userList {
		if u.RoleType == RoleAdmin && u.UserID == "admin" {
			if j := s.store.renderUser(u.ID); j.NulabAccount != nil {
				return j.NulabAccount.UniqueID
			}
			return nil
		}
	}
	return nil
}
