package backlog

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// addSeeds adds every fixture and a few mutations of shape as seeds.
func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		b := readFixture(f, name)
		f.Add(b)
		f.Add(bytes.ReplaceAll(b, []byte("null"), []byte(`{"x":[1,"}"]}`)))
		f.Add(bytes.ReplaceAll(b, []byte(`"2`), []byte(`"\u0032`)))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"id":1,"extra\"key":{"a":"]"}}`))
}

// checkExtra asserts that every top-level member the struct does not know
// is in extra, byte for byte.
func checkExtra(t *testing.T, data []byte, known fieldSet, extra Extra) {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return
	}
	for k, v := range m {
		if _, ok := known[strings.ToLower(k)]; ok {
			continue
		}
		// With duplicate keys encoding/json keeps the last; so do we.
		if got, ok := extra[k]; !ok || !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(v)) {
			t.Fatalf("unknown member %q: Extra has %s, want %s", k, got, v)
		}
	}
}

func FuzzDecodeIssue(f *testing.F) {
	addSeeds(f, "issue.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		var is Issue
		if err := json.Unmarshal(data, &is); err != nil {
			return
		}
		checkExtra(t, data, issueFields, is.Extra)
		for _, cf := range is.CustomFields {
			if cf == nil {
				continue
			}
			cf.Text()
			cf.Number()
			cf.Date()
			cf.Item()
			cf.Items()
			cf.Interface()
		}
		// What decodes must encode.
		if _, err := json.Marshal(&is); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}

func FuzzDecodeActivity(f *testing.F) {
	var acts []json.RawMessage
	if err := json.Unmarshal(readFixture(f, "activities.json"), &acts); err != nil {
		f.Fatal(err)
	}
	for _, a := range acts {
		f.Add([]byte(a))
	}
	addSeeds(f, "comment.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Activity
		if err := json.Unmarshal(data, &a); err != nil {
			return
		}
		checkExtra(t, data, activityFields, a.Extra)
		a.DecodeContent()
		// Every typed decoder, whatever the type: no panics.
		for typ := ActivityType(0); typ <= 50; typ++ {
			a.Type = typ
			a.DecodeContent()
		}
	})
}

func FuzzDecodeEntities(f *testing.F) {
	addSeeds(f, "comment.json", "wiki.json", "pull_request.json", "document.json", "project.json", "user.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Comment
		if json.Unmarshal(data, &c) == nil {
			checkExtra(t, data, commentFields, c.Extra)
		}
		var w Wiki
		if json.Unmarshal(data, &w) == nil {
			checkExtra(t, data, wikiFields, w.Extra)
		}
		var pr PullRequest
		if json.Unmarshal(data, &pr) == nil {
			checkExtra(t, data, pullRequestFields, pr.Extra)
		}
		var d Document
		if json.Unmarshal(data, &d) == nil {
			checkExtra(t, data, documentFields, d.Extra)
		}
		var p Project
		if json.Unmarshal(data, &p) == nil {
			checkExtra(t, data, projectFields, p.Extra)
		}
		var u User
		if json.Unmarshal(data, &u) == nil {
			checkExtra(t, data, userFields, u.Extra)
		}
	})
}

func FuzzDate(f *testing.F) {
	for _, s := range []string{`"2017-11-16T00:00:00Z"`, `"2013-08-29T15:00:00Z"`, `"2017-11-16"`, `null`, `"2013-08-30T00:00:00+09:00"`, `"9999-12-31T23:59:59Z"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Date
		if err := json.Unmarshal(data, &d); err != nil || d.IsZero() {
			return
		}
		// A decoded date round-trips through its yyyy-MM-dd form.
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back Date
		if err := json.Unmarshal(out, &back); err != nil || back != d {
			t.Fatalf("%s -> %s -> %v (%v)", data, out, back, err)
		}
	})
}

func FuzzCheckResponse(f *testing.F) {
	f.Add(401, `Bearer error="invalid_token", error_description="The access token expired"`, []byte(`{"errors":[{"message":"Authentication failure.","code":11,"moreInfo":""}]}`))
	f.Add(429, "", []byte(`{"errors":[{"message":"Too many requests.","code":13}]}`))
	f.Add(404, "", []byte(`<html>apiKey=`+testKey+`</html>`))
	f.Fuzz(func(t *testing.T, status int, wwwAuth string, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		r := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		r.Header.Set("WWW-Authenticate", wwwAuth)
		req, _ := http.NewRequest("GET", "https://x.backlog.com/api/v2/space?apiKey="+testKey, nil)
		r.Request = req
		err := CheckResponse(r)
		if (status >= 200 && status <= 299) != (err == nil) {
			t.Fatalf("status %d: err %v", status, err)
		}
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "apiKey="+testKey) {
				t.Fatalf("key leaked: %s", msg)
			}
		}
	})
}
