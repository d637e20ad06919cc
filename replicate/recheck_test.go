package replicate

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
)

// commentText returns the stored content of comment id ("" and false when
// it is not stored).
func (e *env) commentText(t *testing.T, id int64) (string, bool) {
	t.Helper()
	var out string
	found := false
	err := e.dest.Query(context.Background(), "IssueComments", backlogsync.Query{Columns: []string{"Content"},
		Filter: backlogsync.Cmp{Column: "Id", Op: backlogsync.OpEq, Value: id}}, func(r backlogsync.Row) error {
		out, _ = r[0].(string)
		found = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, found
}

// TestCommentEditsAndDeletionsRechecked is issue 13 item 8: Backlog
// records no activity for a comment edit or deletion and neither moves the
// issue's Updated; with CommentRecheckDays an incremental run still
// stores the edit and drops the deleted comment (and its change log).
func TestCommentEditsAndDeletionsRechecked(t *testing.T) {
	ctx := context.Background()
	e, clk := newClockEnv(t, 44)
	stmts := parse(t, "REPLICATE Issues; REPLICATE IssueComments WITH CommentRecheckDays = 7; REPLICATE IssueCommentChangeLog;")
	issue, keep := e.sameSecondComment(t, "recheck")
	clk.add(time.Second)
	gone := e.post(t, fmt.Sprintf("issues/%d/comments", issue), url.Values{"content": {"to be deleted"}})
	clk.add(time.Minute)
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.commentText(t, gone); !ok {
		t.Fatal("comment not stored by the load")
	}
	clk.add(time.Hour)
	e.send(t, "PATCH", fmt.Sprintf("issues/%d/comments/%d", issue, keep), url.Values{"content": {"edited"}})
	e.send(t, "DELETE", fmt.Sprintf("issues/%d/comments/%d", issue, gone), nil)
	clk.add(time.Hour)
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.commentText(t, keep); got != "edited" {
		t.Errorf("edited comment stored as %q", got)
	}
	if _, ok := e.commentText(t, gone); ok {
		t.Errorf("deleted comment %d still stored", gone)
	}
	e.checkEqualTables(t, "Issues", "IssueComments", "IssueCommentChangeLog")
}
