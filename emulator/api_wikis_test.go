package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestWikiLifecycle(t *testing.T) {
	f := newCT(t, Options{})
	var w map[string]any
	if st := f.call(t, "POST", "/api/v2/wikis", "km", form("projectId", strconv.FormatInt(f.p.ID, 10),
		"name", "Home", "content", "line1\nline2", "mailNotify", "false"), &w); st != 200 {
		t.Fatalf("POST /wikis: %d", st)
	}
	if got := keysOf(w); got != "attachments,content,created,createdUser,id,name,projectId,sharedFiles,stars,tags,updated,updatedUser" {
		t.Errorf("wiki keys %s", got)
	}
	if w["content"] != "line1\nline2" || len(w["tags"].([]any)) != 0 || len(w["stars"].([]any)) != 0 {
		t.Errorf("wiki %v", w)
	}
	id := int64(w["id"].(float64))
	path := fmt.Sprintf("/api/v2/wikis/%d", id)

	a5 := f.acts(ActWikiCreated)
	if len(a5) != 1 || keysOf(a5[0]) != "attachments,content,diff,id,name,shared_files,version" ||
		a5[0]["version"] != 1.0 || a5[0]["diff"] != nil || a5[0]["name"] != "Home" {
		t.Errorf("activity 5: %v", a5)
	}

	f.tick()
	var u map[string]any
	if st := f.call(t, "PATCH", path, "kp", form("content", "line1\nLINE2"), &u); st != 200 {
		t.Fatalf("PATCH: %d", st)
	}
	if u["content"] != "line1\nLINE2" || u["name"] != "Home" || u["updatedUser"].(map[string]any)["userId"] != "padmin" ||
		u["updated"] == w["updated"] {
		t.Errorf("after PATCH: %v", u)
	}
	a6 := f.acts(ActWikiUpdated)
	if len(a6) != 1 || a6[0]["version"] != 2.0 || a6[0]["diff"] != "- line2\n+ LINE2" {
		t.Errorf("activity 6: %v", a6)
	}
	// Renaming only.
	if st := f.call(t, "PATCH", path, "km", form("name", "Start"), &u); st != 200 || u["name"] != "Start" {
		t.Errorf("rename: %d %v", st, u)
	}

	var list []map[string]any
	if st := f.call(t, "GET", "/api/v2/wikis?projectIdOrKey=CNT", "km", "", &list); st != 200 || len(list) != 1 {
		t.Fatalf("list: %d %v", st, list)
	}
	if got := keysOf(list[0]); got != "created,createdUser,id,name,projectId,tags,updated,updatedUser" {
		t.Errorf("list item keys %s", got)
	}
	var cnt map[string]int
	if f.call(t, "GET", fmt.Sprintf("/api/v2/wikis/count?projectIdOrKey=%d", f.p.ID), "km", "", &cnt); cnt["count"] != 1 {
		t.Errorf("count %v", cnt)
	}
	for kw, n := range map[string]int{"star": 1, "LINE2": 1, "line2": 1, "nothing": 0} {
		if f.call(t, "GET", "/api/v2/wikis?projectIdOrKey=CNT&keyword="+kw, "km", "", &list); len(list) != n {
			t.Errorf("keyword %q: %d pages", kw, len(list))
		}
	}

	var del map[string]any
	if st := f.call(t, "DELETE", path, "km", "", &del); st != 200 || del["name"] != "Start" {
		t.Fatalf("DELETE: %d %v", st, del)
	}
	if a7 := f.acts(ActWikiDeleted); len(a7) != 1 || a7[0]["id"] != float64(id) || a7[0]["version"] != 3.0 {
		t.Errorf("activity 7: %v", a7)
	}
	f.wantErr(t, "GET", path, "km", "", 404, CodeNoResource, "No wiki.")
	if f.call(t, "GET", "/api/v2/wikis/count?projectIdOrKey=CNT", "km", "", &cnt); cnt["count"] != 0 {
		t.Errorf("count after delete %v", cnt)
	}
}

func (f *ctFixture) wiki(t testing.TB, by *user, name, content string, tags ...string) *wiki {
	t.Helper()
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	w, err := f.st.createWiki(by, f.tick(), f.p, name, content, tags)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWikiHistoryCursor(t *testing.T) {
	for _, inclusive := range []bool{false, true} {
		f := newCT(t, Options{InclusiveIDBounds: inclusive})
		w := f.wiki(t, f.member, "Page", "v1")
		for i := 2; i <= 6; i++ {
			c := fmt.Sprintf("v%d", i)
			f.st.mu.Lock()
			if err := f.st.updateWiki(f.member, f.tick(), w, nil, &c); err != nil {
				t.Fatal(err)
			}
			f.st.mu.Unlock()
		}
		base := fmt.Sprintf("/api/v2/wikis/%d/history", w.ID)
		cases := []struct {
			query string
			want  string
		}{
			{"", "6,5,4,3,2,1"},
			{"?count=2", "6,5"},
			{"?order=asc&count=2", "1,2"},
			{"?order=asc&count=6", "1,2,3,4,5,6"},
			{"?minId=2&maxId=5", map[bool]string{false: "4,3", true: "5,4,3,2"}[inclusive]},
			{"?order=asc&minId=4", map[bool]string{false: "5,6", true: "4,5,6"}[inclusive]},
			{"?maxId=2", map[bool]string{false: "1", true: "2,1"}[inclusive]},
			{"?order=asc&minId=6", map[bool]string{false: "", true: "6"}[inclusive]},
			{"?minId=100", ""},
		}
		for _, c := range cases {
			var hist []map[string]any
			if st := f.call(t, "GET", base+c.query, "km", "", &hist); st != 200 {
				t.Fatalf("%s: %d", c.query, st)
			}
			var got []string
			for _, h := range hist {
				got = append(got, strconv.Itoa(int(h["version"].(float64))))
				if h["pageId"] != float64(w.ID) || h["content"] != "v"+got[len(got)-1] {
					t.Errorf("entry %v", h)
				}
				if keysOf(h) != "content,created,createdUser,name,pageId,version" {
					t.Errorf("history keys %s", keysOf(h))
				}
			}
			if strings.Join(got, ",") != c.want {
				t.Errorf("inclusive=%v %s: versions %v, want %s", inclusive, c.query, got, c.want)
			}
		}
		for _, q := range []string{"?count=0", "?count=101", "?order=up", "?minId=x", "?maxId=-1"} {
			f.wantErr(t, "GET", base+q, "km", "", 400, CodeInvalidRequest, "")
		}
	}
}

func TestWikiErrors(t *testing.T) {
	f := newCT(t, Options{})
	w := f.wiki(t, f.member, "Mine", "x")
	wp := fmt.Sprintf("/api/v2/wikis/%d", w.ID)
	pid := strconv.FormatInt(f.p.ID, 10)
	// A wiki in the project without the wiki feature.
	f.st.mu.Lock()
	hidden, err := f.st.createWiki(f.member, f.now, f.off, "Hidden", "", nil)
	f.st.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, path, key, body string
		status, code            int
		msg                     string
	}{
		{"GET", "/api/v2/wikis", "km", "", 400, CodeInvalidRequest, "projectIdOrKey"},
		{"GET", "/api/v2/wikis/count", "km", "", 400, CodeInvalidRequest, "projectIdOrKey"},
		{"GET", "/api/v2/wikis/tags", "km", "", 400, CodeInvalidRequest, "projectIdOrKey"},
		{"GET", "/api/v2/wikis?projectIdOrKey=NOPE", "km", "", 404, CodeNoResource, "No project."},
		{"GET", "/api/v2/wikis?projectIdOrKey=CNT", "ko", "", 404, CodeNoResource, "No project."},
		{"GET", "/api/v2/wikis?projectIdOrKey=OFF", "km", "", 404, CodeNoResource, "No wiki."},
		{"GET", "/api/v2/wikis/count?projectIdOrKey=OFF", "km", "", 404, CodeNoResource, "No wiki."},
		{"GET", fmt.Sprintf("/api/v2/wikis/%d", hidden.ID), "km", "", 404, CodeNoResource, "No wiki."},
		{"GET", wp, "ko", "", 404, CodeNoResource, "No wiki."},
		{"GET", "/api/v2/wikis/abc", "km", "", 404, CodeNoResource, "No wiki."},
		{"GET", "/api/v2/wikis/999999", "km", "", 404, CodeNoResource, "No wiki."},
		{"GET", wp + "/attachments/123", "km", "", 404, CodeNoResource, "No attachment."},
		{"GET", wp + "/history", "ko", "", 404, CodeNoResource, "No wiki."},
		{"POST", "/api/v2/wikis", "km", form("name", "n", "content", "c"), 400, CodeInvalidRequest, "projectId"},
		{"POST", "/api/v2/wikis", "km", form("projectId", "x", "name", "n", "content", "c"), 400, CodeInvalidRequest, "projectId"},
		{"POST", "/api/v2/wikis", "km", form("projectId", pid, "content", "c"), 400, CodeInvalidRequest, "name"},
		{"POST", "/api/v2/wikis", "km", form("projectId", pid, "name", "n"), 400, CodeInvalidRequest, "content"},
		{"POST", "/api/v2/wikis", "km", form("projectId", pid, "name", "n", "content", "c", "mailNotify", "yes"), 400, CodeInvalidRequest, "mailNotify"},
		{"POST", "/api/v2/wikis", "km", form("projectId", pid, "name", "Mine", "content", "c"), 400, CodeInvalidRequest, "already exists"},
		{"POST", "/api/v2/wikis", "kv", form("projectId", pid, "name", "n", "content", "c"), 403, CodeUnauthorizedOperation, ""},
		{"POST", "/api/v2/wikis", "ko", form("projectId", pid, "name", "n", "content", "c"), 404, CodeNoResource, "No project."},
		{"POST", "/api/v2/wikis", "km", form("projectId", strconv.FormatInt(f.off.ID, 10), "name", "n", "content", "c"), 404, CodeNoResource, "No wiki."},
		{"PATCH", wp, "kv", form("content", "z"), 403, CodeUnauthorizedOperation, ""},
		{"PATCH", wp, "ko", form("content", "z"), 404, CodeNoResource, "No wiki."},
		{"PATCH", wp, "km", form("name", ""), 400, CodeInvalidRequest, "name"},
		{"DELETE", wp, "kv", "", 403, CodeUnauthorizedOperation, ""},
		{"POST", wp + "/attachments", "km", "", 400, CodeInvalidRequest, "attachmentId"},
		{"POST", wp + "/attachments", "km", form("attachmentId[]", "x"), 400, CodeInvalidRequest, "attachmentId"},
		{"POST", wp + "/attachments", "km", form("attachmentId[]", "424242"), 400, CodeInvalidRequest, "attachmentId"},
		{"PUT", wp, "km", "", 405, CodeInvalidRequest, ""},
	}
	for _, c := range cases {
		f.wantErr(t, c.method, c.path, c.key, c.body, c.status, c.code, c.msg)
	}
	// Another normal member may not delete someone else's page; the
	// project administrator may.
	other := f.wiki(t, f.padmin, "Theirs", "")
	f.wantErr(t, "DELETE", fmt.Sprintf("/api/v2/wikis/%d", other.ID), "km", "", 403, CodeUnauthorizedOperation, "")
	if st := f.call(t, "DELETE", wp, "kp", "", nil); st != 200 {
		t.Errorf("project admin delete: %d", st)
	}
	if st := f.call(t, "DELETE", fmt.Sprintf("/api/v2/wikis/%d", other.ID), "ka", "", nil); st != 200 {
		t.Errorf("space admin delete: %d", st)
	}
}

func TestWikiAttachmentsTagsStarsFiles(t *testing.T) {
	f := newCT(t, Options{})
	w := f.wiki(t, f.member, "Tagged", "x", "minutes", "議事録", "minutes")
	base := fmt.Sprintf("/api/v2/wikis/%d", w.ID)
	up1, up2 := f.upload(f.member, "report.pdf", 1234), f.upload(f.member, "b.txt", 5)
	foreign := f.upload(f.padmin, "p.txt", 1)

	f.wantErr(t, "POST", base+"/attachments", "km", form("attachmentId[]", strconv.FormatInt(foreign, 10)), 400, CodeInvalidRequest, "")
	var atts []map[string]any
	body := form("attachmentId[]", strconv.FormatInt(up1, 10), "attachmentId[]", strconv.FormatInt(up2, 10))
	if st := f.call(t, "POST", base+"/attachments", "km", body, &atts); st != 200 || len(atts) != 2 {
		t.Fatalf("attach: %d %v", st, atts)
	}
	if keysOf(atts[0]) != "created,createdUser,id,name,size" || atts[0]["name"] != "report.pdf" || atts[0]["size"] != 1234.0 {
		t.Errorf("attachment %v", atts[0])
	}
	// Consumed: a second attach of the same upload fails.
	f.wantErr(t, "POST", base+"/attachments", "km", form("attachmentId[]", strconv.FormatInt(up1, 10)), 400, CodeInvalidRequest, "")
	if f.call(t, "GET", base+"/attachments", "kv", "", &atts); len(atts) != 2 {
		t.Errorf("list attachments %v", atts)
	}
	st, h, data := do(t, f.s, "GET", fmt.Sprintf("%s/attachments/%d", base, up1), "km", "")
	if st != 200 || len(data) != 1234 || h.Get("Content-Type") != "application/pdf" ||
		h.Get("Content-Disposition") != "attachment; filename*=UTF-8''report.pdf" {
		t.Errorf("download: %d %d bytes %v", st, len(data), h)
	}

	var tags []map[string]any
	if f.call(t, "GET", "/api/v2/wikis/tags?projectIdOrKey=CNT", "km", "", &tags); len(tags) != 2 ||
		tags[0]["name"] != "minutes" || tags[1]["name"] != "議事録" {
		t.Errorf("tags %v", tags)
	}
	var page map[string]any
	f.call(t, "GET", base, "km", "", &page)
	if len(page["tags"].([]any)) != 2 || len(page["attachments"].([]any)) != 2 {
		t.Errorf("page %v", page)
	}

	// Stars and shared files are listed from the page.
	f.st.mu.Lock()
	star := &star{ID: f.st.nextID("star"), URL: "https://demo.backlog.com/alias/wiki/1", Title: "Tagged",
		Presenter: f.padmin.ID, Receiver: f.member.ID, Created: f.now, WikiID: w.ID}
	f.st.stars[star.ID] = star
	w.Stars = append(w.Stars, star)
	sf, err := f.st.addSharedFile(f.member, f.now, f.p, "/docs/", "spec.txt", 10, false)
	if err != nil {
		t.Fatal(err)
	}
	dirs := f.st.sharedFiles
	var dirID int64
	for id, x := range dirs {
		if x.Type == "directory" && x.Name == "docs" && x.ProjectID == f.p.ID {
			dirID = id
		}
	}
	f.st.mu.Unlock()
	var stars, files []map[string]any
	// Link through the API: directories and unknown ids are refused, viewers may not link.
	f.wantErr(t, "POST", base+"/sharedFiles", "km", form("fileId[]", strconv.FormatInt(dirID, 10)), 404, CodeNoResource, "No file.")
	f.wantErr(t, "POST", base+"/sharedFiles", "km", form("fileId[]", "999"), 404, CodeNoResource, "")
	f.wantErr(t, "POST", base+"/sharedFiles", "km", "", 400, CodeInvalidRequest, "fileId")
	f.wantErr(t, "POST", base+"/sharedFiles", "kv", form("fileId[]", strconv.FormatInt(sf.ID, 10)), 403, CodeUnauthorizedOperation, "")
	sfID := strconv.FormatInt(sf.ID, 10)
	if st := f.call(t, "POST", base+"/sharedFiles", "km", form("fileId[]", sfID, "fileId[]", sfID), &files); st != 200 ||
		len(files) != 1 || files[0]["name"] != "spec.txt" {
		t.Fatalf("link: %d %v", st, files)
	}
	if f.call(t, "GET", base+"/stars", "km", "", &stars); len(stars) != 1 || stars[0]["comment"] != nil ||
		stars[0]["presenter"].(map[string]any)["userId"] != "padmin" {
		t.Errorf("stars %v", stars)
	}
	if f.call(t, "GET", base+"/sharedFiles", "km", "", &files); len(files) != 1 || files[0]["dir"] != "/docs/" {
		t.Errorf("shared files %v", files)
	}
	// Unlink, then link again for the deletion check below.
	var one map[string]any
	if st := f.call(t, "DELETE", base+"/sharedFiles/"+sfID, "km", "", &one); st != 200 || one["name"] != "spec.txt" {
		t.Errorf("unlink: %d %v", st, one)
	}
	f.wantErr(t, "DELETE", base+"/sharedFiles/"+sfID, "km", "", 404, CodeNoResource, "")
	if f.call(t, "GET", base+"/sharedFiles", "km", "", &files); len(files) != 0 {
		t.Errorf("after unlink %v", files)
	}
	f.call(t, "POST", base+"/sharedFiles", "km", form("fileId[]", sfID), &files)
	// Deleting the shared file unlinks it from the page.
	f.st.mu.Lock()
	if err := f.st.deleteSharedFile(f.member, f.now, sf); err != nil {
		t.Fatal(err)
	}
	f.st.mu.Unlock()
	if f.call(t, "GET", base+"/sharedFiles", "km", "", &files); len(files) != 0 {
		t.Errorf("shared files after delete %v", files)
	}
}

func TestWikiRateClass(t *testing.T) {
	f := newCT(t, Options{RateLimits: PaidLimits})
	w := f.wiki(t, f.member, "P", "")
	for path, limit := range map[string]string{
		"/api/v2/wikis?projectIdOrKey=CNT":       "150",
		"/api/v2/wikis/count?projectIdOrKey=CNT": "150",
		"/api/v2/wikis/tags?projectIdOrKey=CNT":  "600",
		fmt.Sprintf("/api/v2/wikis/%d", w.ID):    "600",
	} {
		if _, h, _ := do(t, f.s, "GET", path, "km", ""); h.Get("X-RateLimit-Limit") != limit {
			t.Errorf("%s: limit %s, want %s", path, h.Get("X-RateLimit-Limit"), limit)
		}
	}
}
