package replicate_test

import (
	"context"
	"regexp"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/memory"
)

// issueInStarURL finds the issue key in a star's URL (…/view/KEY-12, with
// #comment-N for a comment's star).
var issueInStarURL = regexp.MustCompile(`/view/([A-Z][A-Z0-9_]*-[0-9]+)`)

// A star disappears from its receiver's list when the issue it is on (or on
// one of whose comments) is deleted, and no feed reports it: the next run
// must drop the row, not keep it as an append-only table would.
func TestStarOfDeletedIssueLeavesTheReplica(t *testing.T) {
	t.Parallel()
	s := newScenario(t, e2eSize, 41, func(*testing.T) bs.Destination { return memory.New() }, false)
	tables := []string{"Users", "UserReceivedStars"}
	stmts := statements(t, tables)
	s.mustRun(stmts, "first load")
	before := checkTruth(t, s.srv, s.dest, s.account, tables)

	ctx := context.Background()
	tc := truthClient(t, s.srv)
	users, _, err := tc.Users.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := ""
	for _, u := range users {
		stars, _, err := tc.Stars.ListReceived(ctx, u.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stars {
			if m := issueInStarURL.FindStringSubmatch(st.URL); m != nil {
				key = m[1]
				break
			}
		}
		if key != "" {
			break
		}
	}
	if key == "" {
		t.Fatal("the generated space has no star on an issue or comment")
	}
	apiForm(t, s, "DELETE", "issues/"+key, nil)

	s.mustRun(stmts, "run after deleting a starred issue")
	after := checkTruth(t, s.srv, s.dest, s.account, tables)
	if after["UserReceivedStars"] >= before["UserReceivedStars"] {
		t.Errorf("UserReceivedStars: %d rows before deleting %s, %d after; want fewer", before["UserReceivedStars"], key, after["UserReceivedStars"])
	}
}
