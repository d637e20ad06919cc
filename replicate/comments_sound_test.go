package replicate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
)

// clock is an emulator clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newClockEnv is newEnv with an emulator whose clock the test moves.
func newClockEnv(t *testing.T, seed int64) (*env, *clock) {
	t.Helper()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	e := newEnvWith(t, emulator.Options{Seed: seed, Size: testSize, Now: clk.now}, Options{Now: clk.now}, nil)
	return e, clk
}

// post sends a form to the emulator's API as the admin and decodes the
// answer's id.
func (e *env) post(t *testing.T, path string, form url.Values) int64 {
	t.Helper()
	return e.send(t, "POST", path, form)
}

// send sends a form with method to the emulator's API as the admin and
// decodes the answer's id.
func (e *env) send(t *testing.T, method, path string, form url.Values) int64 {
	t.Helper()
	req, _ := http.NewRequest(method, "http://127.0.0.1/api/v2/"+path+"?apiKey="+e.srv.AdminAPIKey(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, err)
	}
	return out.ID
}

// sameSecondComment creates an issue and comments it in the same second
// (the emulator's clock does not move), so the issue keeps Updated ==
// Created, as on Backlog when a script or an e-mail does both at once.
func (e *env) sameSecondComment(t *testing.T, text string) (issue, comment int64) {
	t.Helper()
	ctx := context.Background()
	ps, _, err := e.client.Projects.List(ctx, nil)
	if err != nil || len(ps) == 0 {
		t.Fatalf("projects: %v", err)
	}
	types, _, err := e.client.Projects.ListIssueTypes(ctx, fmt.Sprint(ps[0].ID))
	if err != nil || len(types) == 0 {
		t.Fatalf("issue types: %v", err)
	}
	issue = e.post(t, "issues", url.Values{"projectId": {fmt.Sprint(ps[0].ID)}, "summary": {text},
		"issueTypeId": {fmt.Sprint(types[0].ID)}, "priorityId": {"3"}})
	comment = e.post(t, fmt.Sprintf("issues/%d/comments", issue), url.Values{"content": {text}})
	is, _, err := e.client.Issues.Get(ctx, fmt.Sprint(issue), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !is.Updated.Equal(is.Created) {
		t.Fatalf("issue %d: updated %s != created %s: the case is not produced", issue, is.Updated, is.Created)
	}
	return issue, comment
}

// storedComment reports whether the destination holds comment id.
func (e *env) storedComment(t *testing.T, id int64) bool {
	t.Helper()
	found := false
	err := e.dest.Query(context.Background(), "IssueComments", backlogsync.Query{Columns: []string{"Id"},
		Filter: backlogsync.Cmp{Column: "Id", Op: backlogsync.OpEq, Value: id}}, func(backlogsync.Row) error {
		found = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestSameSecondCommentIsNotLost is issue 13 item 1: an issue created and
// commented in the same second keeps Updated == Created; its comment
// reaches the replica whether the issue is older than the load (the load
// reads its comments: nothing in the feed proves it has none), created
// during the incremental window, or created after a load began.
func TestSameSecondCommentIsNotLost(t *testing.T) {
	ctx := context.Background()
	e, clk := newClockEnv(t, 77)
	stmts := parse(t, "REPLICATE Issues; REPLICATE IssueComments;")
	// 1. Before the first load, an hour before it: the old engine trusted
	// Updated == Created for issues older than ten minutes.
	_, old := e.sameSecondComment(t, "old same-second comment")
	clk.add(time.Hour)
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if !e.storedComment(t, old) {
		t.Errorf("first load: comment %d of an issue created and commented in the same second is missing", old)
	}
	// 2. Between two incremental runs.
	clk.add(time.Minute)
	_, mid := e.sameSecondComment(t, "incremental same-second comment")
	clk.add(time.Hour)
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if !e.storedComment(t, mid) {
		t.Errorf("incremental: comment %d missing", mid)
	}
	e.checkEqualTables(t, "Issues", "IssueComments")
}

// TestSameSecondCommentDuringLoad: an issue created and commented in the
// same second while a first load runs, after the load's feed horizon. The
// load may skip its comment call (the feed above the load's activity
// cursor names the comment); the incremental run that follows must store
// the comment.
func TestSameSecondCommentDuringLoad(t *testing.T) {
	ctx := context.Background()
	e, clk := newClockEnv(t, 78)
	withGroups(t, 10, 20000)
	var during int64
	hd := &hookDest{Destination: e.dest}
	hd.before = func(n int) error {
		if n == 1 {
			clk.add(2 * time.Second)
			_, during = e.sameSecondComment(t, "created during the load")
		}
		return nil
	}
	e.eng.Dest = hd
	stmts := parse(t, "REPLICATE Issues; REPLICATE IssueComments;")
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if during == 0 {
		t.Fatal("the load made no write")
	}
	t.Logf("after the load, comment %d stored: %v", during, e.storedComment(t, during))
	clk.add(time.Minute)
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if !e.storedComment(t, during) {
		t.Errorf("comment %d of an issue created and commented during the load is missing after the incremental run", during)
	}
	e.checkEqualTables(t, "Issues", "IssueComments")
}
