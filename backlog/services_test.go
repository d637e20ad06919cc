package backlog

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// TestServices_requestShape checks the exact method, path and query of
// every read method, and that its answer decodes.
func TestServices_requestShape(t *testing.T) {
	t.Parallel()
	type call func(ctx context.Context, c *Client) error
	ok := func(_ any, _ *Response, err error) error { return err }
	tests := []struct {
		name  string
		path  string // pattern path relative to the space root
		query url.Values
		body  string
		call  call
	}{
		{"Space.Get", "/api/v2/space", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Space.Get(ctx)) }},
		{"Space.GetLicence", "/api/v2/space/licence", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Space.GetLicence(ctx)) }},
		{"Space.GetDiskUsage", "/api/v2/space/diskUsage", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Space.GetDiskUsage(ctx)) }},
		{"Space.GetNotification", "/api/v2/space/notification", nil, `{"content":"x","updated":null}`, func(ctx context.Context, c *Client) error { return ok(c.Space.GetNotification(ctx)) }},
		{"Users.List", "/api/v2/users", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Users.List(ctx)) }},
		{"Users.Get", "/api/v2/users/1073936936", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Users.Get(ctx, 1073936936)) }},
		{"Users.GetMyself", "/api/v2/users/myself", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Users.GetMyself(ctx)) }},
		{"Users.ListActivities", "/api/v2/users/5/activities", url.Values{"activityTypeId[]": {"1", "2"}, "count": {"5"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Users.ListActivities(ctx, 5, &ActivityListOptions{TypeIDs: []ActivityType{1, 2}, CursorOptions: CursorOptions{Count: 5}}))
			}},
		{"Projects.List", "/api/v2/projects", url.Values{"archived": {"false"}, "all": {"true"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Projects.List(ctx, &ProjectListOptions{Archived: Bool(false), All: true}))
			}},
		{"Projects.List nil", "/api/v2/projects", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.List(ctx, nil)) }},
		{"Projects.Get", "/api/v2/projects/BLG", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Projects.Get(ctx, "BLG")) }},
		{"Projects.ListUsers", "/api/v2/projects/BLG/users", url.Values{"excludeGroupMembers": {"true"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Projects.ListUsers(ctx, "BLG", &ProjectUserListOptions{ExcludeGroupMembers: true}))
			}},
		{"Projects.ListAdministrators", "/api/v2/projects/12/administrators", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.ListAdministrators(ctx, "12")) }},
		{"Projects.ListTeams", "/api/v2/projects/BLG/teams", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.ListTeams(ctx, "BLG")) }},
		{"Projects.ListIssueTypes", "/api/v2/projects/BLG/issueTypes", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.ListIssueTypes(ctx, "BLG")) }},
		{"Projects.ListCategories", "/api/v2/projects/BLG/categories", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.ListCategories(ctx, "BLG")) }},
		{"Projects.ListVersions", "/api/v2/projects/BLG/versions", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.ListVersions(ctx, "BLG")) }},
		{"Projects.ListStatuses", "/api/v2/projects/BLG/statuses", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.ListStatuses(ctx, "BLG")) }},
		{"Projects.ListCustomFields", "/api/v2/projects/BLG/customFields", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.ListCustomFields(ctx, "BLG")) }},
		{"Projects.GetDiskUsage", "/api/v2/projects/BLG/diskUsage", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Projects.GetDiskUsage(ctx, "BLG")) }},
		{"Projects.ListWebhooks", "/api/v2/projects/BLG/webhooks", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Projects.ListWebhooks(ctx, "BLG")) }},
		{"Issues.Get", "/api/v2/issues/BLG-1", url.Values{"expand[]": {"childIssueSummary"}}, `{}`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Issues.Get(ctx, "BLG-1", &IssueGetOptions{ChildIssueSummary: true}))
			}},
		{"Issues.ListAttachments", "/api/v2/issues/BLG-1/attachments", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Issues.ListAttachments(ctx, "BLG-1")) }},
		{"Issues.ListSharedFiles", "/api/v2/issues/BLG-1/sharedFiles", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Issues.ListSharedFiles(ctx, "BLG-1")) }},
		{"Issues.ListParticipants", "/api/v2/issues/BLG-1/participants", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Issues.ListParticipants(ctx, "BLG-1")) }},
		{"Issues.ListRelated", "/api/v2/issues/BLG-1/relatedIssues", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Issues.ListRelated(ctx, "BLG-1")) }},
		{"Issues.ListPriorities", "/api/v2/priorities", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Issues.ListPriorities(ctx)) }},
		{"Issues.ListResolutions", "/api/v2/resolutions", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Issues.ListResolutions(ctx)) }},
		{"Issues.ListComments", "/api/v2/issues/BLG-1/comments", url.Values{"minId": {"10"}, "maxId": {"20"}, "count": {"100"}, "order": {"asc"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Issues.ListComments(ctx, "BLG-1", &CursorOptions{MinID: 10, MaxID: 20, Count: 100, Order: OrderAsc}))
			}},
		{"Issues.CountComments", "/api/v2/issues/BLG-1/comments/count", nil, `{"count":3}`, func(ctx context.Context, c *Client) error { return ok(c.Issues.CountComments(ctx, "BLG-1")) }},
		{"Issues.GetComment", "/api/v2/issues/BLG-1/comments/6586", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Issues.GetComment(ctx, "BLG-1", 6586)) }},
		{"Issues.ListCommentNotifications", "/api/v2/issues/BLG-1/comments/6586/notifications", nil, `[]`, func(ctx context.Context, c *Client) error {
			return ok(c.Issues.ListCommentNotifications(ctx, "BLG-1", 6586))
		}},
		{"Activities.ListSpace", "/api/v2/space/activities", url.Values{"minId": {"100"}, "order": {"asc"}, "count": {"100"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Activities.ListSpace(ctx, &ActivityListOptions{CursorOptions: CursorOptions{MinID: 100, Count: 100, Order: OrderAsc}}))
			}},
		{"Activities.ListProject", "/api/v2/projects/BLG/activities", url.Values{"activityTypeId[]": {"14"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Activities.ListProject(ctx, "BLG", &ActivityListOptions{TypeIDs: []ActivityType{ActivityIssueMultiUpdated}}))
			}},
		{"Activities.Get", "/api/v2/activities/3153", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Activities.Get(ctx, 3153)) }},
		{"Wikis.List", "/api/v2/wikis", url.Values{"projectIdOrKey": {"BLG"}, "keyword": {"a b"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Wikis.List(ctx, &WikiListOptions{ProjectIDOrKey: "BLG", Keyword: "a b"}))
			}},
		{"Wikis.Count", "/api/v2/wikis/count", url.Values{"projectIdOrKey": {"BLG"}}, `{"count":1}`, func(ctx context.Context, c *Client) error { return ok(c.Wikis.Count(ctx, "BLG")) }},
		{"Wikis.ListTags", "/api/v2/wikis/tags", url.Values{"projectIdOrKey": {"BLG"}}, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Wikis.ListTags(ctx, "BLG")) }},
		{"Wikis.Get", "/api/v2/wikis/7", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Wikis.Get(ctx, 7)) }},
		{"Wikis.ListHistory", "/api/v2/wikis/7/history", url.Values{"maxId": {"3"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Wikis.ListHistory(ctx, 7, &CursorOptions{MaxID: 3}))
			}},
		{"Wikis.ListAttachments", "/api/v2/wikis/7/attachments", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Wikis.ListAttachments(ctx, 7)) }},
		{"Wikis.ListSharedFiles", "/api/v2/wikis/7/sharedFiles", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Wikis.ListSharedFiles(ctx, 7)) }},
		{"Wikis.ListStars", "/api/v2/wikis/7/stars", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Wikis.ListStars(ctx, 7)) }},
		{"RateLimit.Get", "/api/v2/rateLimit", nil, `{"rateLimit":{}}`, func(ctx context.Context, c *Client) error { return ok(c.RateLimit.Get(ctx)) }},
		{"Files.ListDir root", "/api/v2/projects/BLG/files/metadata/", url.Values{"order": {"asc"}, "offset": {"1000"}, "count": {"1000"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Files.ListDir(ctx, "BLG", "/", &FileListOptions{Order: OrderAsc, ListOptions: ListOptions{Offset: 1000, Count: 1000}}))
			}},
		{"Files.ListDir sub", "/api/v2/projects/BLG/files/metadata/a/b", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Files.ListDir(ctx, "BLG", "/a/b/", nil)) }},
		{"Teams.List", "/api/v2/teams", url.Values{"order": {"asc"}, "count": {"100"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Teams.List(ctx, &TeamListOptions{Order: OrderAsc, ListOptions: ListOptions{Count: 100}}))
			}},
		{"Teams.Get", "/api/v2/teams/3", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Teams.Get(ctx, 3)) }},
		{"Documents.List", "/api/v2/documents", url.Values{"projectId[]": {"1"}, "offset": {"0"}, "sort": {"updated"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Documents.List(ctx, &DocumentListOptions{ProjectIDs: []int64{1}, Sort: "updated"}))
			}},
		{"Documents.List nil sends offset", "/api/v2/documents", url.Values{"offset": {"0"}}, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Documents.List(ctx, nil)) }},
		{"Documents.Count", "/api/v2/documents/count", url.Values{"projectIdOrKey": {"BLG"}}, `{"count":0}`, func(ctx context.Context, c *Client) error { return ok(c.Documents.Count(ctx, "BLG")) }},
		{"Documents.GetTree", "/api/v2/documents/tree", url.Values{"projectIdOrKey": {"BLG"}}, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Documents.GetTree(ctx, "BLG")) }},
		{"Documents.Get", "/api/v2/documents/01939983409c79d5a06a49859789e38f", nil, `{}`, func(ctx context.Context, c *Client) error {
			return ok(c.Documents.Get(ctx, "01939983409c79d5a06a49859789e38f"))
		}},
		{"Documents.ListComments", "/api/v2/documents/0a/comments", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Documents.ListComments(ctx, "0a")) }},
		{"Git.ListRepositories", "/api/v2/projects/BLG/git/repositories", nil, `[]`, func(ctx context.Context, c *Client) error { return ok(c.Git.ListRepositories(ctx, "BLG")) }},
		{"Git.GetRepository", "/api/v2/projects/BLG/git/repositories/app", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Git.GetRepository(ctx, "BLG", "app")) }},
		{"Git.ListPullRequests", "/api/v2/projects/BLG/git/repositories/app/pullRequests", url.Values{"statusId[]": {"1", "2"}, "issueId[]": {"9"}, "offset": {"20"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Git.ListPullRequests(ctx, "BLG", "app", &PullRequestListOptions{StatusIDs: []int64{1, 2}, IssueIDs: []int64{9}, ListOptions: ListOptions{Offset: 20}}))
			}},
		{"Git.CountPullRequests", "/api/v2/projects/BLG/git/repositories/app/pullRequests/count", url.Values{"assigneeId[]": {"4"}}, `{"count":2}`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Git.CountPullRequests(ctx, "BLG", "app", &PullRequestListOptions{AssigneeIDs: []int64{4}, ListOptions: ListOptions{Count: 5}}))
			}},
		{"Git.GetPullRequest", "/api/v2/projects/BLG/git/repositories/app/pullRequests/12", nil, `{}`, func(ctx context.Context, c *Client) error { return ok(c.Git.GetPullRequest(ctx, "BLG", "app", 12)) }},
		{"Git.ListPullRequestComments", "/api/v2/projects/BLG/git/repositories/app/pullRequests/12/comments", url.Values{"order": {"asc"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Git.ListPullRequestComments(ctx, "BLG", "app", 12, &CursorOptions{Order: OrderAsc}))
			}},
		{"Stars.ListReceived", "/api/v2/users/5/stars", url.Values{"count": {"100"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Stars.ListReceived(ctx, 5, &CursorOptions{Count: 100}))
			}},
		{"Watchings.List", "/api/v2/users/5/watchings", url.Values{"sort": {"created"}, "resourceAlreadyRead": {"false"}, "issueId[]": {"1"}, "count": {"100"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Watchings.List(ctx, 5, &WatchingListOptions{Sort: "created", ResourceAlreadyRead: Bool(false), IssueIDs: []int64{1}, ListOptions: ListOptions{Count: 100}}))
			}},
		{"Notifications.List", "/api/v2/notifications", url.Values{"senderId": {"3"}, "minId": {"1"}}, `[]`,
			func(ctx context.Context, c *Client) error {
				return ok(c.Notifications.List(ctx, &NotificationListOptions{SenderID: 3, CursorOptions: CursorOptions{MinID: 1}}))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			called := false
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				called = true
				testMethod(t, r, http.MethodGet)
				testQuery(t, r, tt.query)
				testHeader(t, r, apiKeyHeader, testKey)
				writeJSON(w, 200, tt.body)
			})
			if err := tt.call(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			if !called {
				t.Error("handler not called")
			}
		})
	}
}

// Path arguments are escaped, so a key cannot change the path.
func TestServices_pathEscaping(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /api/v2/issues/{key}", func(w http.ResponseWriter, r *http.Request) {
		if got := r.PathValue("key"); got != "../x?y#z" {
			t.Errorf("key = %q", got)
		}
		if r.URL.RawQuery != "" {
			t.Errorf("query = %q", r.URL.RawQuery)
		}
		writeJSON(w, 200, `{"id":1}`)
	})
	if _, _, err := c.Issues.Get(t.Context(), "../x?y#z", nil); err != nil {
		t.Fatal(err)
	}
}

func TestCounts(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /api/v2/issues/BLG-1/comments/count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"count":42}`)
	})
	n, _, err := c.Issues.CountComments(t.Context(), "BLG-1")
	if err != nil || n != 42 {
		t.Errorf("count = %d, %v", n, err)
	}
}
