package emulator

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCreateProjectDefaults(t *testing.T) {
	f := newPFix(t)
	var p map[string]any
	st, h, body := do(t, f.s, "POST", "/api/v2/projects", "admin-key", pform("name", "New", "key", "NEW_1", "subtaskingEnabled", "true", "grandchildIssueEnabled", "true"))
	if st != 201 || h.Get("Location") != "https://demo.backlog.com/projects/NEW_1" {
		t.Fatalf("POST /projects: %d %v %s", st, h, body)
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p["projectKey"] != "NEW_1" || p["displayOrder"].(float64) != 2147483646 || p["subtaskingEnabled"] != true ||
		p["grandchildIssueEnabled"] != true || p["archived"] != false || p["textFormattingRule"] != "markdown" || p["useWiki"] != true {
		t.Errorf("project %v", p)
	}
	var types []map[string]any
	f.ok("GET", "/api/v2/projects/NEW_1/issueTypes", f.admin, "", 200, &types)
	want := [][2]string{{"バグ", "#990000"}, {"タスク", "#7ea800"}, {"要望", "#ff9200"}, {"その他", "#2779ca"}}
	if len(types) != 4 {
		t.Fatalf("issue types %v", types)
	}
	for i, w := range want {
		if types[i]["name"] != w[0] || types[i]["color"] != w[1] || types[i]["displayOrder"].(float64) != float64(i) ||
			types[i]["templateSummary"] != nil {
			t.Errorf("issue type %d = %v, want %v", i, types[i], w)
		}
	}
	var statuses []map[string]any
	f.ok("GET", "/api/v2/projects/NEW_1/statuses", f.admin, "", 200, &statuses)
	if got := pids(statuses); !pjEqualIDs(got, []int64{1, 2, 3, 4}) || statuses[0]["name"] != "未対応" {
		t.Errorf("statuses %v", statuses)
	}
	var admins []map[string]any
	f.ok("GET", "/api/v2/projects/NEW_1/administrators", f.admin, "", 200, &admins)
	if len(admins) != 1 || admins[0]["userId"] != "admin" {
		t.Errorf("administrators %v", admins)
	}
	// English space: English issue-type names.
	f.locked(func(st *store) {
		st.space.Lang = "en"
		p, err := st.createProject(f.admin, f.now, &projectInput{Name: pptr("E"), Key: pptr("ENG")})
		if err != nil || p.IssueTypes[0].Name != "Bug" || p.IssueTypes[3].Name != "Other" {
			t.Errorf("english project: %v %+v", err, p)
		}
	})

	bad := []string{
		pform("name", "x"),
		pform("key", "X"),
		pform("name", "x", "key", "lower"),
		pform("name", "x", "key", "1ABC"),
		pform("name", "x", "key", "A-B"),
		pform("name", "x", "key", "BLG"),
		pform("name", "x", "key", "XX", "textFormattingRule", "html"),
		pform("name", "x", "key", "XX", "useWiki", "yes"),
	}
	for _, b := range bad {
		f.fail("POST", "/api/v2/projects", f.admin, b, 400, CodeInvalidRequest)
	}
	f.fail("POST", "/api/v2/projects", f.padmin, pform("name", "x", "key", "XX"), 403, CodeUnauthorizedOperation)
}

func TestProjectReads(t *testing.T) {
	f := newPFix(t)
	f.locked(func(st *store) {
		if _, err := st.createProject(f.admin, f.now, &projectInput{Name: pptr("Old"), Key: pptr("OLD")}); err != nil {
			t.Fatal(err)
		}
		if err := st.updateProject(f.admin, f.now, st.projectKeys["OLD"], &projectInput{Archived: pptr(true)}); err != nil {
			t.Fatal(err)
		}
		st.projectKeys["OLD"].Users = append(st.projectKeys["OLD"].Users, f.member.ID)
	})
	keys := func(list []map[string]any) []string {
		var out []string
		for _, p := range list {
			out = append(out, p["projectKey"].(string))
		}
		return out
	}
	cases := []struct {
		u     *user
		query string
		want  string
	}{
		{f.member, "", "[BLG OLD]"},
		{f.member, "?archived=false", "[BLG]"},
		{f.member, "?archived=true", "[OLD]"},
		{f.member, "?all=true", "[BLG OLD]"}, // all is for administrators only
		{f.outsider, "", "[]"},
		{f.admin, "", "[BLG SEC OLD]"},
		{f.padmin, "", "[BLG]"},
	}
	for _, c := range cases {
		var list []map[string]any
		f.ok("GET", "/api/v2/projects"+c.query, c.u, "", 200, &list)
		if got := pjFmt(keys(list)); got != c.want {
			t.Errorf("GET /projects%s as %s = %s, want %s", c.query, c.u.UserID, got, c.want)
		}
	}
	// An administrator who left a project still sees it with all=true.
	f.locked(func(st *store) { f.sec.Users = removeID(f.sec.Users, f.admin.ID) })
	var list []map[string]any
	f.ok("GET", "/api/v2/projects", f.admin, "", 200, &list)
	if pjFmt(keys(list)) != "[BLG OLD]" {
		t.Errorf("admin joined projects: %v", keys(list))
	}
	f.ok("GET", "/api/v2/projects?all=true", f.admin, "", 200, &list)
	if pjFmt(keys(list)) != "[BLG SEC OLD]" {
		t.Errorf("admin all projects: %v", keys(list))
	}
	f.fail("GET", "/api/v2/projects?archived=maybe", f.member, "", 400, CodeInvalidRequest)
	f.fail("GET", "/api/v2/projects?all=1", f.member, "", 400, CodeInvalidRequest)

	var p map[string]any
	f.ok("GET", "/api/v2/projects/"+pitoa(f.blg.ID), f.viewer, "", 200, &p)
	if p["projectKey"] != "BLG" {
		t.Errorf("project %v", p)
	}
	for _, path := range []string{"/api/v2/projects/SEC", "/api/v2/projects/NOPE", "/api/v2/projects/1",
		"/api/v2/projects/SEC/users", "/api/v2/projects/SEC/issueTypes", "/api/v2/projects/SEC/statuses",
		"/api/v2/projects/SEC/image", "/api/v2/projects/SEC/activities", "/api/v2/projects/SEC/customFields",
		"/api/v2/projects/SEC/teams", "/api/v2/projects/SEC/administrators", "/api/v2/projects/SEC/versions",
		"/api/v2/projects/SEC/categories", "/api/v2/projects/SEC/webhooks"} {
		st, data := f.call("GET", path, f.member, "")
		if st != 404 || backlogError(t, data) != CodeNoResource || !strings.Contains(string(data), "No project.") {
			t.Errorf("GET %s as member: %d %s", path, st, data)
		}
	}
	f.ok("GET", "/api/v2/projects/SEC", f.admin, "", 200, nil)
	f.ok("GET", "/api/v2/projects/BLG/image", f.member, "", 200, nil)

	var du map[string]any
	f.ok("GET", "/api/v2/projects/BLG/diskUsage", f.admin, "", 200, &du)
	if du["projectId"].(float64) != float64(f.blg.ID) {
		t.Errorf("disk usage %v", du)
	}
	f.fail("GET", "/api/v2/projects/BLG/diskUsage", f.padmin, "", 403, CodeUnauthorizedOperation)
}

func TestProjectUpdateDelete(t *testing.T) {
	f := newPFix(t)
	is := f.issue(f.blg, "first", f.member)
	var p map[string]any
	f.ok("PATCH", "/api/v2/projects/BLG", f.padmin, pform("name", "Blog 2", "key", "BLOG", "archived", "true", "chartEnabled", "true"), 200, &p)
	if p["name"] != "Blog 2" || p["projectKey"] != "BLOG" || p["archived"] != true || p["chartEnabled"] != true {
		t.Errorf("patched %v", p)
	}
	f.fail("GET", "/api/v2/projects/BLG", f.padmin, "", 404, CodeNoResource)
	f.ok("GET", "/api/v2/projects/BLOG", f.padmin, "", 200, nil)
	f.locked(func(st *store) {
		var j map[string]any
		_ = json.Unmarshal(st.issueJSON(is), &j)
		if j["issueKey"] != "BLOG-1" {
			t.Errorf("issue key after project key change: %v", j["issueKey"])
		}
	})
	f.fail("PATCH", "/api/v2/projects/BLOG", f.member, pform("name", "x"), 403, CodeUnauthorizedOperation)
	f.fail("PATCH", "/api/v2/projects/BLOG", f.padmin, pform("key", "SEC"), 400, CodeInvalidRequest)
	f.fail("PATCH", "/api/v2/projects/BLOG", f.padmin, pform("name", ""), 400, CodeInvalidRequest)
	f.ok("POST", "/api/v2/stars", f.padmin, pform("issueId", pitoa(is.ID)), 204, nil)
	f.ok("POST", "/api/v2/watchings", f.padmin, pform("issueIdOrKey", "BLOG-1"), 200, nil)
	f.fail("DELETE", "/api/v2/projects/BLOG", f.padmin, "", 403, CodeUnauthorizedOperation)
	f.ok("DELETE", "/api/v2/projects/BLOG", f.admin, "", 200, &p)
	if p["projectKey"] != "BLOG" {
		t.Errorf("deleted %v", p)
	}
	f.fail("GET", "/api/v2/projects/BLOG", f.admin, "", 404, CodeNoResource)
	f.locked(func(st *store) {
		if st.issues[is.ID] != nil || len(st.issueList) != 0 {
			t.Error("issues of a deleted project remain")
		}
		for _, a := range st.activities {
			if a.ProjectID == f.blg.ID {
				t.Error("activities of a deleted project remain")
			}
		}
		if len(st.stars) != 0 || len(st.starsByUser[f.member.ID]) != 0 || len(st.watchList) != 0 || len(st.notifByUser[f.member.ID]) != 0 {
			t.Errorf("stars/watchings/notifications of a deleted project remain: %d %d %d", len(st.stars), len(st.watchList), len(st.notifByUser[f.member.ID]))
		}
	})
}

func TestProjectMembers(t *testing.T) {
	f := newPFix(t)
	// Outsider joins directly: activity 15 and a reason-6 notification.
	var u map[string]any
	f.ok("POST", "/api/v2/projects/BLG/users", f.padmin, pform("userId", pitoa(f.outsider.ID)), 200, &u)
	if u["userId"] != "outsider" {
		t.Errorf("added %v", u)
	}
	f.fail("POST", "/api/v2/projects/BLG/users", f.padmin, pform("userId", pitoa(f.outsider.ID)), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/projects/BLG/users", f.padmin, pform("userId", "999"), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/projects/BLG/users", f.padmin, "", 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/projects/BLG/users", f.member, pform("userId", pitoa(f.outsider.ID)), 403, CodeUnauthorizedOperation)
	f.fail("POST", "/api/v2/projects/SEC/users", f.padmin, pform("userId", pitoa(f.outsider.ID)), 404, CodeNoResource)
	var acts []map[string]any
	f.ok("GET", "/api/v2/projects/BLG/activities?count=1", f.outsider, "", 200, &acts)
	if len(acts) != 1 || acts[0]["type"].(float64) != ActProjectUserAdded {
		t.Fatalf("activities %v", acts)
	}
	content := acts[0]["content"].(map[string]any)
	if users := content["users"].([]any); len(users) != 1 || users[0].(map[string]any)["userId"] != "outsider" ||
		content["comment"] != "" || len(content["group_project_activities"].([]any)) != 0 {
		t.Errorf("activity 15 content %v", content)
	}
	if n := acts[0]["notifications"].([]any); len(n) != 0 {
		t.Errorf("list notifications %v", n)
	}
	var one map[string]any
	f.ok("GET", "/api/v2/activities/"+pitoa(int64(acts[0]["id"].(float64))), f.outsider, "", 200, &one)
	if n := one["notifications"].([]any); len(n) != 1 || n[0].(map[string]any)["reason"].(float64) != 6 {
		t.Errorf("activity notifications %v", one["notifications"])
	}
	var notes []map[string]any
	f.ok("GET", "/api/v2/notifications", f.outsider, "", 200, &notes)
	if len(notes) != 1 || notes[0]["reason"].(float64) != 6 || notes[0]["sender"].(map[string]any)["userId"] != "padmin" ||
		notes[0]["project"].(map[string]any)["projectKey"] != "BLG" || notes[0]["issue"] != nil {
		t.Errorf("notifications %v", notes)
	}

	f.ok("DELETE", "/api/v2/projects/BLG/users", f.padmin, pform("userId", pitoa(f.outsider.ID)), 200, nil)
	f.fail("DELETE", "/api/v2/projects/BLG/users", f.padmin, pform("userId", pitoa(f.outsider.ID)), 400, CodeInvalidRequest)
	f.fail("GET", "/api/v2/projects/BLG", f.outsider, "", 404, CodeNoResource)
	f.ok("GET", "/api/v2/projects/BLG/activities?count=1", f.admin, "", 200, &acts)
	if acts[0]["type"].(float64) != ActProjectUserRemoved {
		t.Errorf("activity %v", acts[0])
	}

	// Administrators.
	f.fail("POST", "/api/v2/projects/BLG/administrators", f.padmin, pform("userId", pitoa(f.viewer.ID)), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/projects/BLG/administrators", f.padmin, pform("userId", pitoa(f.outsider.ID)), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/projects/BLG/administrators", f.member, pform("userId", pitoa(f.member.ID)), 403, CodeUnauthorizedOperation)
	f.ok("POST", "/api/v2/projects/BLG/administrators", f.padmin, pform("userId", pitoa(f.member.ID)), 200, nil)
	f.fail("POST", "/api/v2/projects/BLG/administrators", f.padmin, pform("userId", pitoa(f.member.ID)), 400, CodeInvalidRequest)
	var admins []map[string]any
	f.ok("GET", "/api/v2/projects/BLG/administrators", f.viewer, "", 200, &admins)
	if len(admins) != 3 {
		t.Errorf("administrators %v", admins)
	}
	f.ok("DELETE", "/api/v2/projects/BLG/administrators", f.member, pform("userId", pitoa(f.member.ID)), 200, nil)
	f.fail("DELETE", "/api/v2/projects/BLG/administrators", f.padmin, pform("userId", pitoa(f.member.ID)), 400, CodeInvalidRequest)
}

func TestProjectTeams(t *testing.T) {
	f := newPFix(t)
	var tm *team
	f.locked(func(st *store) {
		var err error
		if tm, err = st.createTeam(f.admin, f.now, "devs", []int64{f.outsider.ID, f.member.ID}); err != nil {
			t.Fatal(err)
		}
	})
	f.fail("POST", "/api/v2/projects/BLG/teams", f.member, pform("teamId", pitoa(tm.ID)), 403, CodeUnauthorizedOperation)
	f.fail("POST", "/api/v2/projects/BLG/teams", f.padmin, pform("teamId", "1"), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/projects/BLG/teams", f.padmin, "", 400, CodeInvalidRequest)
	var got map[string]any
	f.ok("POST", "/api/v2/projects/BLG/teams", f.padmin, pform("teamId", pitoa(tm.ID)), 200, &got)
	if got["name"] != "devs" {
		t.Errorf("team %v", got)
	}
	f.fail("POST", "/api/v2/projects/BLG/teams", f.padmin, pform("teamId", pitoa(tm.ID)), 400, CodeInvalidRequest)
	// The outsider joined through the team.
	f.ok("GET", "/api/v2/projects/BLG", f.outsider, "", 200, nil)
	var users []map[string]any
	f.ok("GET", "/api/v2/projects/BLG/users", f.member, "", 200, &users)
	if len(users) != 5 {
		t.Errorf("users %d", len(users))
	}
	f.ok("GET", "/api/v2/projects/BLG/users?excludeGroupMembers=true", f.member, "", 200, &users)
	for _, u := range users {
		if u["userId"] == "outsider" {
			t.Error("excludeGroupMembers kept a team-only member")
		}
	}
	if len(users) != 4 {
		t.Errorf("direct users %d", len(users))
	}
	f.fail("GET", "/api/v2/projects/BLG/users?excludeGroupMembers=x", f.member, "", 400, CodeInvalidRequest)
	var teams []map[string]any
	f.ok("GET", "/api/v2/projects/BLG/teams", f.viewer, "", 200, &teams)
	if len(teams) != 1 {
		t.Errorf("project teams %v", teams)
	}
	var acts []map[string]any
	f.ok("GET", "/api/v2/projects/BLG/activities?count=1", f.admin, "", 200, &acts)
	parties := acts[0]["content"].(map[string]any)["parties"].([]any)
	if acts[0]["type"].(float64) != ActProjectTeamAdded || len(parties) != 1 || parties[0].(map[string]any)["name"] != "devs" {
		t.Errorf("activity 25 %v", acts[0])
	}
	// Changing the team's members changes the project's team-only members.
	f.ok("PATCH", "/api/v2/teams/"+pitoa(tm.ID), f.admin, pform("members[]", pitoa(f.member.ID)), 200, nil)
	f.fail("GET", "/api/v2/projects/BLG", f.outsider, "", 404, CodeNoResource)
	f.ok("PATCH", "/api/v2/teams/"+pitoa(tm.ID), f.admin, pform("members[]", pitoa(f.outsider.ID)), 200, nil)
	f.ok("GET", "/api/v2/projects/BLG", f.outsider, "", 200, nil)
	f.ok("GET", "/api/v2/projects/BLG/users", f.admin, "", 200, &users)
	if len(users) != 5 {
		t.Errorf("member (direct) must stay after leaving the team: %d users", len(users))
	}
	f.ok("DELETE", "/api/v2/projects/BLG/teams", f.padmin, pform("teamId", pitoa(tm.ID)), 200, nil)
	f.fail("DELETE", "/api/v2/projects/BLG/teams", f.padmin, pform("teamId", pitoa(tm.ID)), 400, CodeInvalidRequest)
	f.fail("GET", "/api/v2/projects/BLG", f.outsider, "", 404, CodeNoResource)
	f.ok("GET", "/api/v2/projects/BLG/activities?count=1&activityTypeId[]=26", f.admin, "", 200, &acts)
	if len(acts) != 1 || acts[0]["type"].(float64) != ActProjectTeamRemoved {
		t.Errorf("activity 26 %v", acts)
	}
}

func pjFmt(v []string) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if s == "null" {
		return "[]"
	}
	out := []byte{}
	for _, c := range []byte(s) {
		switch c {
		case '"':
		case ',':
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return string(out)
}
