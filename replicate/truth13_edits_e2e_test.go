package replicate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// stepClock is a test clock for the emulator that moves only when told.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// apiID sends a form to the scenario's emulator as the admin and returns
// the id of the entity in the answer.
func apiID(t *testing.T, s *scenario, method, path string, form url.Values) int64 {
	t.Helper()
	req, err := http.NewRequest(method, s.base+"/api/v2/"+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Backlog-API-Key", s.srv.AdminAPIKey())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.hc().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ ID int64 }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s %v", method, path, resp.Status, err)
	}
	return v.ID
}

// TestE2ETruthEditsIssue13 completes the truth test of issue 13 with the
// edits that move no timestamp, on every destination: a comment edited
// and another deleted (seen by incremental runs through
// CommentRecheckDays, the documented option), and a wiki page edited twice
// in one second with a run between the edits (seen through the activity
// feed, item 5). After each run every table equals the emulator's state
// row by row and column by column.
func TestE2ETruthEditsIssue13(t *testing.T) {
	t.Parallel()
	forEachDest(t, func(t *testing.T, open func(*testing.T) bs.Destination) {
		clk := &stepClock{t: time.Now().UTC().Truncate(time.Second)}
		size := emulator.Size{Projects: 2, Users: 6, Issues: 20, Comments: 40, Wikis: 6}
		s := newScenarioWith(t, emulator.Options{Seed: 131, Size: size, RateWindow: time.Second, Now: clk.now}, open, false)
		tables := []string{"Issues", "IssueComments", "IssueCommentChangeLog", "WikiPages", "WikiPageTags", "WikiPageHistory"}
		src := "REPLICATE Issues; REPLICATE IssueComments WITH CommentRecheckDays = 7; REPLICATE IssueCommentChangeLog;" +
			" REPLICATE WikiPages; REPLICATE WikiPageTags; REPLICATE WikiPageHistory;"
		stmts := parse(t, src)
		ctx := context.Background()
		c := truthClient(t, s.srv)

		issues, _, err := c.Issues.List(ctx, nil)
		if err != nil || len(issues) == 0 {
			t.Fatalf("issues: %v", err)
		}
		issue := issues[0].ID
		clk.add(time.Minute)
		keep := apiID(t, s, "POST", fmt.Sprintf("issues/%d/comments", issue), url.Values{"content": {"to be edited"}})
		gone := apiID(t, s, "POST", fmt.Sprintf("issues/%d/comments", issue), url.Values{"content": {"to be deleted"}})
		clk.add(time.Minute)
		s.mustRun(stmts, "first load")
		checkTruth(t, s.srv, s.dest, s.account, tables)

		// A comment edited and another deleted: neither moves the issue.
		clk.add(time.Hour)
		apiID(t, s, "PATCH", fmt.Sprintf("issues/%d/comments/%d", issue, keep), url.Values{"content": {"edited"}})
		apiID(t, s, "DELETE", fmt.Sprintf("issues/%d/comments/%d", issue, gone), nil)
		clk.add(time.Minute)
		s.mustRun(stmts, "run after a comment edit and deletion")
		counts := checkTruth(t, s.srv, s.dest, s.account, tables)
		if counts["IssueComments"] == 0 {
			t.Fatal("the truth has no comments: the scenario proves nothing")
		}

		// A wiki page edited, replicated, and edited again in the same second.
		projects, _, err := c.Projects.List(ctx, nil)
		if err != nil || len(projects) == 0 {
			t.Fatalf("projects: %v", err)
		}
		var wiki int64
		for _, p := range projects {
			ws, _, err := c.Wikis.List(ctx, &backlog.WikiListOptions{ProjectIDOrKey: strconv.FormatInt(p.ID, 10)})
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) > 0 {
				wiki = ws[0].ID
				break
			}
		}
		if wiki == 0 {
			t.Fatal("no wiki page in the generated space")
		}
		clk.add(time.Hour)
		apiID(t, s, "PATCH", fmt.Sprintf("wikis/%d", wiki), url.Values{"content": {"first edit"}})
		s.mustRun(stmts, "run after the first wiki edit")
		checkTruth(t, s.srv, s.dest, s.account, tables)
		apiID(t, s, "PATCH", fmt.Sprintf("wikis/%d", wiki), url.Values{"content": {"second edit, same second"}})
		s.mustRun(stmts, "run after the second wiki edit in the same second")
		checkTruth(t, s.srv, s.dest, s.account, tables)
	})
}
