package emulator

import (
	"net/http"
	"testing"
)

func TestCreateUserMutation(t *testing.T) {
	f := newPFix(t)
	f.locked(func(st *store) {
		u, err := st.createUser(f.now, userInput{UserID: "derived", Name: "D", RoleType: RoleNormal})
		if err != nil {
			t.Fatal(err)
		}
		if len(u.APIKeys[0]) != 64 || u.APIKeys[0] != deriveAPIKey("derived") || deriveAPIKey("derived") == deriveAPIKey("other") {
			t.Errorf("derived key %q", u.APIKeys[0])
		}
		if st.apiKeys[u.APIKeys[0]] != u || u.MailAddress != "derived@example.com" {
			t.Errorf("key index or default mail wrong: %+v", u)
		}
		bad := []userInput{
			{UserID: "derived", Name: "dup", RoleType: RoleNormal},
			{UserID: "sp ace", Name: "x", RoleType: RoleNormal},
			{UserID: "", Name: "x", RoleType: RoleNormal},
			{UserID: "x1", Name: " ", RoleType: RoleNormal},
			{UserID: "x2", Name: "x", RoleType: 0},
			{UserID: "x3", Name: "x", RoleType: 5},
			{UserID: "x4", Name: "x", RoleType: RoleNormal, Lang: "fr"},
			{UserID: "x5", Name: "x", RoleType: RoleNormal, APIKey: "member-key"},
		}
		for _, in := range bad {
			if _, err := st.createUser(f.now, in); err == nil || err.(*apiError).Code != CodeInvalidRequest {
				t.Errorf("createUser(%+v) = %v, want code 7", in, err)
			}
		}
	})
	// The new user authenticates with its derived key.
	if st, _, body := do(t, f.s, "GET", "/api/v2/users/myself", deriveAPIKey("derived"), ""); st != 200 {
		t.Errorf("derived key: %d %s", st, body)
	}
}

func TestUserReads(t *testing.T) {
	f := newPFix(t)
	var me map[string]any
	f.ok("GET", "/api/v2/users/myself", f.viewer, "", 200, &me)
	if me["userId"] != "viewer" || me["roleType"].(float64) != RoleViewer || me["lang"] != nil || me["nulabAccount"] != nil || me["lastLoginTime"] != nil {
		t.Errorf("myself %v", me)
	}
	for _, u := range []*user{f.admin, f.padmin} {
		var list []map[string]any
		f.ok("GET", "/api/v2/users", u, "", 200, &list)
		if len(list) != 5 {
			t.Errorf("GET /users as %s: %d users", u.UserID, len(list))
		}
	}
	for _, u := range []*user{f.member, f.viewer, f.outsider} {
		f.fail("GET", "/api/v2/users", u, "", 403, CodeUnauthorizedOperation)
	}
	var one map[string]any
	f.ok("GET", "/api/v2/users/"+pitoa(f.member.ID), f.outsider, "", 200, &one)
	if one["userId"] != "member" || one["name"] != "MEMBER" {
		t.Errorf("user %v", one)
	}
	f.fail("GET", "/api/v2/users/999", f.member, "", 404, CodeNoResource)
	f.fail("GET", "/api/v2/users/abc", f.member, "", 404, CodeNoResource)
	st, h, body := do(t, f.s, "GET", "/api/v2/users/"+pitoa(f.member.ID)+"/icon", "member-key", "")
	if st != 200 || h.Get("Content-Type") != "image/png" || len(body) == 0 {
		t.Errorf("icon: %d %v", st, h)
	}
	f.fail("GET", "/api/v2/users/999/icon", f.member, "", 404, CodeNoResource)
}

func TestUserWrites(t *testing.T) {
	f := newPFix(t)
	add := pform("userId", "newbie", "password", "secret123", "name", "Newbie", "mailAddress", "n@example.com", "roleType", "2")
	f.fail("POST", "/api/v2/users", f.padmin, add, 403, CodeUnauthorizedOperation)
	for _, drop := range []string{"userId", "password", "name", "mailAddress", "roleType"} {
		v := map[string]string{"userId": "x9", "password": "p", "name": "n", "mailAddress": "m@x", "roleType": "2"}
		delete(v, drop)
		var kv []string
		for k, x := range v {
			kv = append(kv, k, x)
		}
		f.fail("POST", "/api/v2/users", f.admin, pform(kv...), 400, CodeInvalidRequest)
	}
	f.fail("POST", "/api/v2/users", f.admin, pform("userId", "x", "password", "p", "name", "n", "mailAddress", "m@x", "roleType", "7"), 400, CodeInvalidRequest)
	var u map[string]any
	f.ok("POST", "/api/v2/users", f.admin, add, 200, &u)
	if u["userId"] != "newbie" || u["mailAddress"] != "n@example.com" {
		t.Errorf("created %v", u)
	}
	f.fail("POST", "/api/v2/users", f.admin, add, 400, CodeInvalidRequest) // duplicate userId
	id := pitoa(int64(u["id"].(float64)))
	f.fail("PATCH", "/api/v2/users/"+id, f.member, pform("name", "X"), 403, CodeUnauthorizedOperation)
	f.ok("PATCH", "/api/v2/users/"+id, f.admin, pform("name", "Renamed", "roleType", "4"), 200, &u)
	if u["name"] != "Renamed" || u["roleType"].(float64) != 4 {
		t.Errorf("patched %v", u)
	}
	f.fail("PATCH", "/api/v2/users/"+pitoa(f.admin.ID), f.admin, pform("roleType", "2"), 400, CodeInvalidRequest)
	// Deleting the member: its key stops working, it leaves BLG, and its
	// embedded renderings stay.
	f.fail("DELETE", "/api/v2/users/"+pitoa(f.member.ID), f.padmin, "", 403, CodeUnauthorizedOperation)
	f.fail("DELETE", "/api/v2/users/"+pitoa(f.admin.ID), f.admin, "", 400, CodeInvalidRequest)
	f.ok("DELETE", "/api/v2/users/"+pitoa(f.member.ID), f.admin, "", 200, &u)
	if st, _, _ := do(t, f.s, "GET", "/api/v2/users/myself", "member-key", ""); st != http.StatusUnauthorized {
		t.Errorf("deleted user's key: %d", st)
	}
	f.fail("GET", "/api/v2/users/"+pitoa(f.member.ID), f.admin, "", 404, CodeNoResource)
	var members []map[string]any
	f.ok("GET", "/api/v2/projects/BLG/users", f.admin, "", 200, &members)
	for _, m := range members {
		if m["userId"] == "member" {
			t.Error("deleted user still a project member")
		}
	}
}

func TestTeams(t *testing.T) {
	f := newPFix(t)
	var created []int64
	for i, name := range []string{"t1", "t2", "t3", "t4"} {
		var tm map[string]any
		body := pform("name", name, "members[]", pitoa(f.member.ID), "members[]", pitoa(f.viewer.ID), "members[]", pitoa(f.member.ID))
		f.ok("POST", "/api/v2/teams", f.admin, body, 200, &tm)
		created = append(created, int64(tm["id"].(float64)))
		if i == 0 {
			if ms := tm["members"].([]any); len(ms) != 2 || tm["displayOrder"] != nil || tm["createdUser"].(map[string]any)["userId"] != "admin" {
				t.Errorf("team %v", tm)
			}
		}
	}
	f.fail("POST", "/api/v2/teams", f.admin, pform("name", "t1"), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/teams", f.admin, pform("name", "t9", "members[]", "999"), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/teams", f.admin, pform("members[]", "1"), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/teams", f.padmin, pform("name", "t9"), 403, CodeUnauthorizedOperation)

	cases := []struct {
		query string
		want  []int64
	}{
		{"", []int64{created[3], created[2], created[1], created[0]}},
		{"?order=asc", created},
		{"?order=asc&count=2", created[:2]},
		{"?order=asc&count=2&offset=2", created[2:]},
		{"?order=asc&count=2&offset=4", []int64{}},
		{"?count=4&offset=3", []int64{created[0]}},
	}
	for _, c := range cases {
		var list []map[string]any
		f.ok("GET", "/api/v2/teams"+c.query, f.padmin, "", 200, &list)
		if got := pids(list); !pjEqualIDs(got, c.want) {
			t.Errorf("GET /teams%s = %v, want %v", c.query, got, c.want)
		}
	}
	for _, q := range []string{"?count=0", "?count=101", "?offset=-1", "?order=up", "?count=x"} {
		f.fail("GET", "/api/v2/teams"+q, f.admin, "", 400, CodeInvalidRequest)
	}
	f.fail("GET", "/api/v2/teams", f.member, "", 403, CodeUnauthorizedOperation)

	one := "/api/v2/teams/" + pitoa(created[0])
	f.ok("GET", one, f.admin, "", 200, nil)
	f.fail("GET", one, f.padmin, "", 403, CodeUnauthorizedOperation)
	f.fail("GET", "/api/v2/teams/1", f.admin, "", 404, CodeNoResource)
	f.ok("GET", one+"/icon", f.member, "", 200, nil)
	var tm map[string]any
	f.ok("PATCH", one, f.admin, pform("name", "renamed", "members[]", pitoa(f.outsider.ID)), 200, &tm)
	if tm["name"] != "renamed" || len(tm["members"].([]any)) != 1 {
		t.Errorf("patched %v", tm)
	}
	f.fail("PATCH", one, f.admin, pform("name", "t2"), 400, CodeInvalidRequest)
	f.fail("PATCH", one, f.member, pform("name", "zz"), 403, CodeUnauthorizedOperation)
	f.ok("DELETE", one, f.admin, "", 200, nil)
	f.fail("GET", one, f.admin, "", 404, CodeNoResource)
}

func pjEqualIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
