package backlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/emulator"
)

// The fast decoder (fastjson.go) must give exactly what encoding/json gives
// through the types' UnmarshalJSON methods: the same values (Extra, explicit
// nulls, empty slices, dates, times), and an error exactly when encoding/json
// reports one, with the same message. These tests compare both paths; the
// reference is computed with fastOff set, so they must not run in parallel
// with each other (they do not call t.Parallel).

// decodeTargets are the shapes the client decodes hot entities into.
var decodeTargets = []struct {
	name string
	new  func() any
}{
	{"[]*Issue", func() any { return new([]*Issue) }},
	{"*Issue", func() any { return new(*Issue) }},
	{"Issue", func() any { return new(Issue) }},
	{"[]*Comment", func() any { return new([]*Comment) }},
	{"*Comment", func() any { return new(*Comment) }},
	{"Comment", func() any { return new(Comment) }},
	{"User", func() any { return new(User) }},
	{"[]Issue", func() any { return new([]Issue) }},
	{"[]*Watching", func() any { return new([]*Watching) }},
	{"prefilled Issue", func() any {
		// A non-zero target takes encoding/json's merge path.
		return &Issue{ID: 9, Summary: "old", Assignee: &User{ID: 3, Name: "x"}, Extra: Extra{"a": json.RawMessage("1")}}
	}},
}

// compareDecode decodes data into every target with the fast path and with
// encoding/json and fails on any difference.
func compareDecode(t *testing.T, data []byte) {
	t.Helper()
	for _, tg := range decodeTargets {
		ref, got := tg.new(), tg.new()
		fastOff.Store(true)
		refErr := json.Unmarshal(data, ref)
		fastOff.Store(false)
		gotErr := decodeJSON(data, got)
		if (refErr == nil) != (gotErr == nil) || (refErr != nil && refErr.Error() != gotErr.Error()) {
			t.Fatalf("%s: error %v, encoding/json %v\ninput: %.300s", tg.name, gotErr, refErr, data)
		}
		if refErr == nil && !reflect.DeepEqual(ref, got) {
			t.Fatalf("%s: decoded values differ\nfast: %s\nref:  %s\ninput: %.300s", tg.name, dump(got), dump(ref), data)
		}
		// And through json.Unmarshal (the UnmarshalJSON methods' fast path).
		got2 := tg.new()
		gotErr = json.Unmarshal(data, got2)
		if (refErr == nil) != (gotErr == nil) || (refErr != nil && refErr.Error() != gotErr.Error()) {
			t.Fatalf("%s via json.Unmarshal: error %v, encoding/json %v\ninput: %.300s", tg.name, gotErr, refErr, data)
		}
		if refErr == nil && !reflect.DeepEqual(ref, got2) {
			t.Fatalf("%s via json.Unmarshal: decoded values differ\nfast: %s\nref:  %s\ninput: %.300s", tg.name, dump(got2), dump(ref), data)
		}
	}
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// fastMutations are replacements applied to the fixtures: each exercises
// a rule the fast path must follow or a case where it must give up.
var fastMutations = [][2]string{
	{`"id": 1,`, `"id": 1.0,`},
	{`"id": 1,`, `"id": 1e0,`},
	{`"id": 1,`, `"id": "1",`},
	{`"id": 1,`, `"id": -0,`},
	{`"id": 1,`, `"id": 99999999999999999999,`},
	{`"id": 1,`, `"id": 9223372036854775807,`},
	{`"id": 1,`, `"id": -9223372036854775808,`},
	{`"id": 1,`, `"id": -9223372036854775809,`},
	{`"id": 1,`, `"id": 01,`},
	{`"id": 1,`, `"id": null,`},
	{`"id": 1,`, `"ID": 1,`},
	{`"id": 1,`, `"i\u0064": 1,`},
	{`"id": 1,`, `"id": 1, "id": 2,`},
	{`"summary"`, `"Summary"`},
	{`"summary"`, `"SUMMARY"`},
	{`"first issue"`, `"a\nb\u00e9\ud83d\ude00\ud800x\udc00\"\\\/\b\f\r\t"`},
	{`"first issue"`, "\"\xff\xfe ok \xed\xa0\x80\""},
	{`"first issue"`, "\"tab\there\""},
	{`"first issue"`, `"bad \x escape"`},
	{`"first issue"`, `"\u12"`},
	{`"first issue"`, `"日本語のテキスト"`},
	{`"first issue"`, `null`},
	{`"first issue"`, `12`},
	{`"newFeatureFlag": true`, `"newFeatureFlag": {"a":[1,2,{"b":null}]}, "other": [ 1 , "x" ]`},
	{`"newFeatureFlag": true`, `"nëw": 1`},
	{`"newFeatureFlag": true`, `"new\u0046lag": 1`},
	{`"newFeatureFlag": true`, `"Extra": 5`},
	{`"newFeatureFlag": true`, `"newFeatureFlag": true, "newFeatureFlag": false`},
	{`"newFeatureFlag": true`, `"LimitDate": 1`},
	{`"newFeatureFlag": true`, `"limitdate": 1`},
	{`"newFeatureFlag": true`, `"limitDate": "2020-01-01", "limitDate": 3`},
	{`"newFeatureFlag": true`, `"externalFileLinks": [null, {"a": 1}, "x"], "childIssueSummary": {"total": 3, "closed": 1, "x": 2}, "type": "RELATES"`},
	{`"newFeatureFlag": true`, `"externalFileLinks": null, "childIssueSummary": null`},
	{`"newFeatureFlag": true`, `"deep": ` + strings.Repeat("[", 600) + strings.Repeat("]", 600)},
	{`"newFeatureFlag": true`, `"deep": ` + strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)},
	{`"newFeatureFlag": true`, `"bad": tru`},
	{`"newFeatureFlag": true`, `"bad": nul`},
	{`"newFeatureFlag": true`, `"bad": -`},
	{`"newFeatureFlag": true`, `"bad": 1.`},
	{`"newFeatureFlag": true`, `"bad": 1e`},
	{`"newFeatureFlag": true`, `"ok": -1.5e+3`},
	{`"newFeatureFlag": true`, `"bad": [1,]`},
	{`"newFeatureFlag": true`, `"bad": {"a":1,}`},
	{`"newFeatureFlag": true`, `"bad": {"a" 1}`},
	{`"newFeatureFlag": true`, `"bad": 'x'`},
	{`"newFeatureFlag": true`, `"a\"b": 1`},
	{`"startDate": "2017-11-16T00:00:00Z"`, `"startDate": "2017-11-16"`},
	{`"startDate": "2017-11-16T00:00:00Z"`, `"startDate": "2017-11-16T12:00:00Z"`},
	{`"startDate": "2017-11-16T00:00:00Z"`, `"startDate": "2017-11-16T00:00:00+09:00"`},
	{`"startDate": "2017-11-16T00:00:00Z"`, `"startDate": "2017-11-1\u0036"`},
	{`"startDate": "2017-11-16T00:00:00Z"`, `"startDate": "bad"`},
	{`"startDate": "2017-11-16T00:00:00Z"`, `"startDate": 12`},
	{`"startDate": "2017-11-16T00:00:00Z"`, `"startDate": "0000-01-01T00:00:00Z"`},
	{`"created": "2012-07-23T06:10:15Z"`, `"created": null`},
	{`"created": "2012-07-23T06:10:15Z"`, `"created": "2012-07-23T06:10:15+09:00"`},
	{`"created": "2012-07-23T06:10:15Z"`, `"created": "2012-07-23T06:10:15.123456789Z"`},
	{`"created": "2012-07-23T06:10:15Z"`, `"created": "2012-07-23 06:10:15"`},
	{`"created": "2012-07-23T06:10:15Z"`, `"created": "2012-07-23T06:10:15\u005a"`},
	{`"created": "2012-07-23T06:10:15Z"`, `"created": 5`},
	{`"created": "2012-07-23T06:10:15Z"`, `"created": {}`},
	{`"estimatedHours": 1.5`, `"estimatedHours": 1e400`},
	{`"estimatedHours": 1.5`, `"estimatedHours": -0`},
	{`"estimatedHours": 1.5`, `"estimatedHours": 1E+2`},
	{`"estimatedHours": 1.5`, `"estimatedHours": "1.5"`},
	{`"estimatedHours": 1.5`, `"estimatedHours": .5`},
	{`"estimatedHours": 1.5`, `"estimatedHours": true`},
	{`"versions": []`, `"versions": null`},
	{`"versions": []`, `"versions": [null]`},
	{`"versions": []`, `"versions": [{}]`},
	{`"versions": []`, `"versions": {}`},
	{`"versions": []`, `"versions": [1]`},
	{`"versions": []`, `"versions": [{"id": 1, "Name": "x"}]`},
	{`"versions": []`, `"versions": [{"id": 1, "name": "x", "name": "y"}]`},
	{`"category": [`, `"category": [null, `},
	{`"value": "hello"`, `"value": {"x": [ 1 , 2 ]}`},
	{`"value": "hello"`, `"value":   null  `},
	{`"value": "hello"`, `"value": "h\u00e9llo"`},
	{`"roleType": 2`, `"roleType": true`},
	{`"roleType": 2`, `"roleType": 2.5`},
	{`"archived": false`, `"archived": null`},
	{`"archived": false`, `"archived": 0`},
	{`"archived": false`, `"archived": fals`},
	{`"nulabAccount": null`, `"nulabAccount": {"nulabId": "n", "name": "x", "uniqueId": "u", "iconUrl": "i", "extra": 1}`},
	{`"lastLoginTime": null`, `"lastLoginTime": "2020-01-01T00:00:00Z", "keyword": "k"`},
	{`"assignee": {`, `"assignee": null, "assignee": {`},
	{`"assignee": {`, `"assignee": 5, "x": {`},
	{`"priority": {"id": 3, "name": "Normal"}`, `"priority": {"id": 3, "name": "Normal", "extra": [1]}`},
	{`"priority": {"id": 3, "name": "Normal"}`, `"priority": {"id": 3, "NAME": "Normal"}`},
	{`"priority": {"id": 3, "name": "Normal"}`, `"priority": []`},
	{`"attachments": [{"id": 1, "name": "IMGP0088.JPG", "size": 85079}]`, `"attachments": [{"id": 1, "name": "a", "size": 1, "createdUser": null, "created": "2020-01-01T00:00:00Z"}]`},
	{`"sharedFiles": []`, `"sharedFiles": [{"id": 1, "projectId": 1, "type": "file", "dir": "/", "name": "a", "size": 3, "createdUser": null, "created": "2020-01-01T00:00:00Z", "updatedUser": null, "updated": null}]`},
	{`"comment": null`, `"comment": "nice"`},
	// Comment fixture shapes.
	{`"changeLog": [`, `"changeLog": [null, {"field": "x", "newValue": null, "attachmentInfo": {"id": 1, "name": "n", "type": "t"}, "attributeInfo": {"id": 2, "typeId": 3}, "notificationInfo": {"type": "issue.create"}}, `},
	{`"notifications": []`, `"notifications": [{"id": 1, "alreadyRead": true, "reason": 2, "user": null, "resourceAlreadyRead": false}]`},
	{`"content": `, `"content": null, "x": `},
}

// mutated returns the fixture, its mutations, and the generic mutations of
// addSeeds.
func mutated(b []byte) [][]byte {
	out := [][]byte{b,
		bytes.ReplaceAll(b, []byte("null"), []byte(`{"x":[1,"}"]}`)),
		bytes.ReplaceAll(b, []byte(`"2`), []byte(`"\u0032`)),
		append(append([]byte(" \n\t"), b...), " \r\n"...),
		append(append([]byte(nil), b...), " x"...),
		append(append([]byte(nil), b...), "{}"...),
	}
	for _, m := range fastMutations {
		if bytes.Contains(b, []byte(m[0])) {
			out = append(out, bytes.Replace(b, []byte(m[0]), []byte(m[1]), 1))
		}
	}
	return out
}

// asPage wraps objects in a JSON array.
func asPage(objs ...[]byte) []byte {
	return append(append([]byte("["), bytes.Join(objs, []byte(","))...), ']')
}

func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	for _, name := range []string{"issue.json", "comment.json", "user.json"} {
		fix := readFixture(t, name)
		for _, data := range mutated(fix) {
			compareDecode(t, data)
			compareDecode(t, asPage(data, fix))
			compareDecode(t, asPage(fix, data))
		}
	}
	for _, s := range []string{`null`, `{}`, `[]`, `[null]`, `[{}]`, `[{}, null]`, ``, ` `, `[`, `{`, `"x"`, `1`, `[1]`, `[{}]]`, `{"id": 1} {}`} {
		compareDecode(t, []byte(s))
	}
}

func TestUnquoteJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{`"plain"`, `"\n\t\"\\\/\b\f\r"`, `"\u00e9\u65e5"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`,
		`"\ude00\ud83d"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, "\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", `"\uFFFD\uffff"`} {
		compareString(t, []byte(s))
	}
}

// compareString checks the fast string decoding against encoding/json.
func compareString(t *testing.T, data []byte) {
	t.Helper()
	var want string
	refErr := json.Unmarshal(data, &want)
	d := newFastDec(data, true)
	got := d.str()
	ok := !d.bad && d.end()
	if (refErr == nil) != ok {
		t.Fatalf("%q: fast ok=%v, encoding/json error %v", data, ok, refErr)
	}
	if ok && got != want {
		t.Fatalf("%q: fast %q, encoding/json %q", data, got, want)
	}
}

// emulatorPages returns raw issue pages, comment pages and single issues
// served by the emulator.
func emulatorPages(t *testing.T) (issuePages, commentPages, single [][]byte) {
	t.Helper()
	srv, err := emulator.New(emulator.Options{Seed: 7, Size: emulator.Size{Projects: 2, Users: 6, Issues: 250, Comments: 900}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) []byte {
		req, _ := http.NewRequest("GET", "http://127.0.0.1/api/v2/"+path, nil)
		req.Header.Set("Backlog-API-Key", srv.AdminAPIKey())
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, err, b)
		}
		return b
	}
	for off := 0; off < 300; off += 100 {
		issuePages = append(issuePages, get(fmt.Sprintf("issues?count=100&offset=%d&sort=created&order=asc", off)))
	}
	var issues []struct{ ID int64 }
	if err := json.Unmarshal(issuePages[0], &issues); err != nil || len(issues) == 0 {
		t.Fatalf("issues page: %v", err)
	}
	for _, is := range issues[:20] {
		commentPages = append(commentPages, get(fmt.Sprintf("issues/%d/comments?count=100", is.ID)))
		single = append(single, get(fmt.Sprintf("issues/%d", is.ID)))
	}
	return issuePages, commentPages, single
}

func TestFastDecodeEmulatorPages(t *testing.T) {
	issuePages, commentPages, single := emulatorPages(t)
	// The fast path must actually be taken for what a server sends.
	for _, page := range issuePages {
		compareDecode(t, page)
		var v []*Issue
		if !fastDecode(page, &v) || len(v) == 0 {
			t.Fatalf("the fast path gave up on an issue page (%d issues): %.300s", len(v), page)
		}
	}
	for _, page := range commentPages {
		compareDecode(t, page)
		var v []*Comment
		if !fastDecode(page, &v) {
			t.Fatalf("the fast path gave up on a comment page: %.300s", page)
		}
	}
	for _, data := range single {
		compareDecode(t, data)
		var v *Issue
		if !fastDecode(data, &v) || v == nil {
			t.Fatalf("the fast path gave up on an issue: %.300s", data)
		}
	}
	// And for the fixtures.
	for _, tc := range []struct {
		name string
		v    any
	}{{"issue.json", new(*Issue)}, {"comment.json", new(*Comment)}} {
		if !fastDecode(readFixture(t, tc.name), tc.v) {
			t.Errorf("the fast path gave up on %s", tc.name)
		}
	}
	var u User
	if !fastInto(readFixture(t, "user.json"), &u, fastUser) {
		t.Error("the fast path gave up on user.json")
	}
}

// FuzzFastDecode compares the fast decoder with encoding/json on arbitrary
// input (seeded with the fixtures, their mutations and pages of them).
func FuzzFastDecode(f *testing.F) {
	for _, name := range []string{"issue.json", "comment.json", "user.json"} {
		fix := readFixture(f, name)
		for _, data := range mutated(fix) {
			f.Add(data)
		}
		f.Add(asPage(fix, fix))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareDecode(t, data)
		compareString(t, data)
	})
}
