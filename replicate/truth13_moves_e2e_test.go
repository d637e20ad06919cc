package replicate_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// moveTables are the tables the move scenario compares: the Issues family
// (every table that carries an issue's project or key), the feed, and the
// user tables that name issues.
var moveTables = []string{"Issues", "IssueComments", "IssueCommentChangeLog", "IssueCommentNotifications",
	"IssueCommentStars", "IssueCategories", "IssueVersions", "IssueMilestones", "IssueCustomFieldValues",
	"IssueCustomFieldItems", "IssueAttachments", "IssueLinkedSharedFiles", "IssueStars", "IssueParticipants",
	"IssueRelatedIssues", "SpaceUpdates", "Watchings", "Notifications"}

// TestE2ETruthMoves is issue 13's "moves between projects" on every
// destination: issues with comments and related issues are moved to the
// other project (Backlog's web UI move, emulator.Server.MoveIssue) after a
// first load, then during churn that moves issues too; after each
// incremental run every table equals the emulator's state (checkTruth).
func TestE2ETruthMoves(t *testing.T) {
	t.Parallel()
	forEachDest(t, func(t *testing.T, open func(*testing.T) bs.Destination) {
		size := emulator.Size{Projects: 2, Users: 8, Teams: 2, Issues: 60, Comments: 160, Wikis: 2,
			Documents: 1, Repositories: 1, PullRequests: 2, SharedFiles: 6}
		if raceEnabled {
			size.Issues, size.Comments = 30, 80
		}
		s := newScenario(t, size, 131, open, false)
		stmts := statements(t, moveTables)
		ctx := context.Background()
		c := truthClient(t, s.srv)
		issues, _, err := c.Issues.List(ctx, &backlog.IssueListOptions{ListOptions: backlog.ListOptions{Count: 100}})
		if err != nil {
			t.Fatal(err)
		}
		// Two movable issues with comments, each related to an issue that
		// stays (its IssueRelatedIssues rows name the moved one's key).
		var moving []*backlog.Issue
		for _, is := range issues {
			if len(moving) < 2 && is.ParentIssueID == nil && hasComments(t, c, is) && !isParent(issues, is) {
				moving = append(moving, is)
			}
		}
		if len(moving) < 2 {
			t.Fatalf("only %d movable issues with comments", len(moving))
		}
		for _, is := range moving {
			for _, o := range issues {
				if o.ID != is.ID && !containsIssue(moving, o) {
					apiForm(t, s, "POST", fmt.Sprintf("issues/%d/relatedIssues", is.ID),
						url.Values{"targetIssueId": {fmt.Sprint(o.ID)}})
					break
				}
			}
		}
		s.mustRun(stmts, "first load")
		checkTruth(t, s.srv, s.dest, s.account, moveTables)
		s.mustRun(stmts, "quiet run")
		// What a quiet run of the tables whose cost does not grow with the
		// data makes (Watchings and Notifications page through lists that
		// the timed churn below makes longer or shorter).
		fixed := statements(t, moveTables[:len(moveTables)-2])
		_, quiet := s.mustRun(fixed, "quiet run, fixed-cost tables")

		projects, _, err := c.Projects.List(ctx, nil)
		if err != nil || len(projects) < 2 {
			t.Fatalf("projects: %d %v", len(projects), err)
		}
		for _, is := range moving {
			to := projects[0]
			if to.ID == is.ProjectID {
				to = projects[1]
			}
			key, err := s.srv.MoveIssue(is.IssueKey, to.ProjectKey)
			if err != nil {
				t.Fatalf("move %s to %s: %v", is.IssueKey, to.ProjectKey, err)
			}
			t.Logf("moved %s → %s", is.IssueKey, key)
		}
		_, moved := s.mustRun(stmts, "run after moves")
		checkTruth(t, s.srv, s.dest, s.account, moveTables)
		t.Logf("requests: quiet run %d, run after %d moves %d", quiet, len(moving), moved)

		// A related issue renamed: the IssueRelatedIssues rows of the issue
		// related to it carry its summary, and that issue did not change.
		apiForm(t, s, "PATCH", fmt.Sprintf("issues/%d", moving[0].ID), url.Values{"summary": {"renamed while related"}})
		s.mustRun(stmts, "run after a rename")
		checkTruth(t, s.srv, s.dest, s.account, moveTables)

		// Churn that moves issues too, during a run, then a rerun.
		mix := emulator.ChurnMix{emulator.ChurnMoveIssue: 10}
		for k, w := range churnMix {
			mix[k] = w
		}
		rep := s.srv.ChurnWith(30, emulator.ChurnOptions{Seed: 17, Mix: mix})
		if rep.Counts[emulator.ChurnMoveIssue] == 0 {
			t.Fatalf("churn moved no issue: %v (failed %d: %v)", rep.Counts, rep.Failed, rep.Err)
		}
		stop := s.srv.StartChurn(ctx, emulator.ChurnOptions{Rate: 200, Seed: 19, Mix: mix})
		s.mustRun(stmts, "run under churn with moves")
		stop()
		s.mustRun(stmts, "rerun after churn with moves")
		checkTruth(t, s.srv, s.dest, s.account, moveTables)
		// Nothing moved since: the move rules cost no request.
		if _, n := s.mustRun(fixed, "quiet run after moves, fixed-cost tables"); n != quiet {
			t.Errorf("quiet run after moves made %d requests, %d before any move", n, quiet)
		}
	})
}

func hasComments(t *testing.T, c *backlog.Client, is *backlog.Issue) bool {
	t.Helper()
	n, _, err := c.Issues.CountComments(context.Background(), fmt.Sprint(is.ID))
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func isParent(list []*backlog.Issue, is *backlog.Issue) bool {
	for _, o := range list {
		if o.ParentIssueID != nil && *o.ParentIssueID == is.ID {
			return true
		}
	}
	return false
}

func containsIssue(list []*backlog.Issue, is *backlog.Issue) bool {
	for _, o := range list {
		if o.ID == is.ID {
			return true
		}
	}
	return false
}
