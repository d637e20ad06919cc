package emulator

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"testing"
)

// TestPathIssueNotFound drives every /issues/{issueIdOrKey}/… route through
// pathIssue's refusals: an unknown id, an unknown key, a key of an unknown
// project, and an issue (by id and by key) in a project the caller does not
// belong to. Each must answer 404 with Backlog's body {"errors":[{"message":
// "No issue.","code":6,…}]} and change nothing; the same call on a visible
// issue must get past the finder (its own status), so a finder that
// refused everything fails too.
func TestPathIssueNotFound(t *testing.T) {
	f := newFixture(t)
	is := f.issue(f.alice, f.p1, "visible", nil)
	other := f.issue(f.alice, f.p1, "other", nil)
	hidden := f.issue(f.admin, f.p2, "hidden", nil) // alice is no member of P2
	f.comment(f.admin, hidden, "hidden comment")
	visibleKey := fmt.Sprintf("%s-%d", f.p1.Key, is.KeyID)
	hiddenKey := fmt.Sprintf("%s-%d", f.p2.Key, hidden.KeyID)
	hiddenComments, hiddenSummary := len(hidden.Comments), hidden.Summary

	refused := []struct{ name, idOrKey string }{
		{"unknown id", "999999"},
		{"unknown key", fmt.Sprintf("%s-%d", f.p1.Key, 999)},
		{"unknown project key", "NOPE-1"},
		{"invisible by id", strconv.FormatInt(hidden.ID, 10)},
		{"invisible by key", hiddenKey},
	}
	// The visible calls run in this order on is; each one's status shows the
	// request got past the finder (DELETE: alice is no project administrator).
	endpoints := []struct {
		method, suffix string
		form           url.Values
		visible        int
	}{
		{"GET", "", nil, 200},
		{"GET", "/participants", nil, 200},
		{"GET", "/relatedIssues", nil, 200},
		{"POST", "/relatedIssues", url.Values{"targetIssueId": {strconv.FormatInt(other.ID, 10)}}, 200},
		{"DELETE", "/relatedIssues/" + strconv.FormatInt(other.ID, 10), nil, 200},
		{"GET", "/comments", nil, 200},
		{"POST", "/comments", url.Values{"content": {"hi"}}, 201},
		{"GET", "/comments/count", nil, 200},
		{"GET", "/attachments", nil, 200},
		{"GET", "/sharedFiles", nil, 200},
		{"PATCH", "", url.Values{"summary": {"renamed"}}, 200},
		{"DELETE", "", nil, 403},
	}
	for _, ep := range endpoints {
		for _, rc := range refused {
			t.Run(ep.method+ep.suffix+"/"+rc.name, func(t *testing.T) {
				path := "/api/v2/issues/" + rc.idOrKey + ep.suffix
				code, _, body := f.do(ep.method, path, f.alice, ep.form)
				var e struct {
					Errors []struct {
						Message string `json:"message"`
						Code    int    `json:"code"`
					} `json:"errors"`
				}
				if err := json.Unmarshal(body, &e); err != nil || code != 404 || len(e.Errors) != 1 ||
					e.Errors[0].Message != "No issue." || e.Errors[0].Code != CodeNoResource {
					t.Errorf("%s %s: %d %s, want 404 code %d \"No issue.\"", ep.method, path, code, body, CodeNoResource)
				}
			})
		}
		path := "/api/v2/issues/" + visibleKey + ep.suffix
		if code, _, body := f.do(ep.method, path, f.alice, ep.form); code != ep.visible {
			t.Errorf("%s %s on a visible issue: %d %s, want %d", ep.method, path, code, body, ep.visible)
		}
	}
	if len(hidden.Comments) != hiddenComments || hidden.Summary != hiddenSummary || len(hidden.Related) != 0 ||
		f.st.issues[hidden.ID] != hidden {
		t.Errorf("a refused call changed the hidden issue: %d comments, summary %q, related %v",
			len(hidden.Comments), hidden.Summary, hidden.Related)
	}
	if is.Summary != "renamed" || len(is.Comments) < 2 {
		t.Errorf("the visible calls did not apply: summary %q, %d comments", is.Summary, len(is.Comments))
	}
}
