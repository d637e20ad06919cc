package backlog

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/emulator"
)

// TestEveryReadEndpointIsReachable calls every read method of the client
// against a generated emulator space and checks, from the emulator's request
// log, that every GET route the emulator serves (Backlog API v2 §1–13) was
// reached with a 200: a read endpoint without a client method fails here.
func TestEveryReadEndpointIsReachable(t *testing.T) {
	srv, c := newEmulator(t, emulator.Options{Seed: 11, AdminAPIKey: "adm", Size: emulator.Size{Projects: 2, Users: 8,
		Teams: 2, Issues: 120, Comments: 300, Wikis: 10, Documents: 6, Repositories: 2, PullRequests: 10, SharedFiles: 12}})
	ctx := t.Context()
	// A webhook and a watching are not part of generated spaces: add them
	// through the API as a user would.
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	projects, _, err := c.Projects.List(ctx, &ProjectListOptions{All: true})
	must("projects", err)
	p := projects[0].ProjectKey
	post(t, srv, "/api/v2/projects/"+p+"/webhooks", url.Values{"name": {"hook"}, "hookUrl": {"https://example.com/h"}, "allEvent": {"true"}})
	issues, _, err := c.Issues.List(ctx, &IssueListOptions{ProjectIDs: []int64{projects[0].ID}, ListOptions: ListOptions{Count: 100}})
	must("issues", err)
	// The administrator already watches some generated issues: watch the
	// first one it does not.
	for _, is := range issues {
		if postStatus(t, srv, "/api/v2/watchings", url.Values{"issueIdOrKey": {is.IssueKey}, "note": {"n"}}) < 300 {
			break
		}
	}
	// Generated spaces have no wiki or pull-request attachments either.
	wl, _, err := c.Wikis.List(ctx, &WikiListOptions{ProjectIDOrKey: p})
	must("wikis", err)
	post(t, srv, "/api/v2/wikis/"+id(wl[0].ID)+"/attachments", url.Values{"attachmentId[]": {upload(t, srv, "w.txt")}})
	for _, pr := range projects {
		repos, _, err := c.Git.ListRepositories(ctx, pr.ProjectKey)
		must("repositories", err)
		if len(repos) > 0 {
			post(t, srv, "/api/v2/projects/"+pr.ProjectKey+"/git/repositories/"+repos[0].Name+"/pullRequests",
				url.Values{"summary": {"s"}, "description": {"d"}, "base": {"main"}, "branch": {"feature/x"},
					"attachmentId[]": {upload(t, srv, "p.txt")}})
			break
		}
	}

	var buf bytes.Buffer
	sink := func() *bytes.Buffer { buf.Reset(); return &buf }

	// Space, users, teams, rate limit.
	_, _, err = c.Space.Get(ctx)
	must("space", err)
	_, _, err = c.Space.GetLicence(ctx)
	must("licence", err)
	_, _, err = c.Space.GetDiskUsage(ctx)
	must("disk usage", err)
	_, _, err = c.Space.GetNotification(ctx)
	must("space notification", err)
	f, _, err := c.Space.GetLogo(ctx, sink())
	must("logo", err)
	if f.Size == 0 || f.Size != int64(buf.Len()) || f.ContentType != "image/png" || f.Name == "" {
		t.Errorf("logo %+v (%d bytes)", f, buf.Len())
	}
	_, _, err = c.Issues.ListPriorities(ctx)
	must("priorities", err)
	_, _, err = c.Issues.ListResolutions(ctx)
	must("resolutions", err)
	_, _, err = c.RateLimit.Get(ctx)
	must("rate limit", err)
	me, _, err := c.Users.GetMyself(ctx)
	must("myself", err)
	users, _, err := c.Users.List(ctx)
	must("users", err)
	_, _, err = c.Users.Get(ctx, users[1].ID)
	must("user", err)
	_, _, err = c.Users.GetIcon(ctx, users[1].ID, sink())
	must("user icon", err)
	_, _, err = c.Users.ListActivities(ctx, users[1].ID, nil)
	must("user activities", err)
	_, _, err = c.Users.ListRecentlyViewedIssues(ctx, nil)
	must("recent issues", err)
	_, _, err = c.Users.ListRecentlyViewedProjects(ctx, nil)
	must("recent projects", err)
	_, _, err = c.Users.ListRecentlyViewedWikis(ctx, nil)
	must("recent wikis", err)
	for _, u := range users {
		_, _, err = c.Stars.ListReceived(ctx, u.ID, nil)
		must("stars", err)
		_, _, err = c.Stars.CountReceived(ctx, u.ID, Date{}, Date{})
		must("star count", err)
		ws, _, err := c.Watchings.List(ctx, u.ID, nil)
		must("watchings", err)
		_, _, err = c.Watchings.Count(ctx, u.ID, nil)
		must("watching count", err)
		for _, w := range ws {
			_, _, err = c.Watchings.Get(ctx, w.ID)
			must("watching", err)
		}
	}
	_ = me
	teams, _, err := c.Teams.List(ctx, nil)
	must("teams", err)
	_, _, err = c.Teams.Get(ctx, teams[0].ID)
	must("team", err)
	_, _, err = c.Teams.GetIcon(ctx, teams[0].ID, sink())
	must("team icon", err)
	_, _, err = c.Notifications.List(ctx, nil)
	must("notifications", err)
	_, _, err = c.Notifications.Count(ctx, nil)
	must("notification count", err)

	// Activities.
	acts, _, err := c.Activities.ListSpace(ctx, nil)
	must("space activities", err)
	_, _, err = c.Activities.Get(ctx, acts[0].ID)
	must("activity", err)

	// Projects and their lists.
	_, _, err = c.Projects.Get(ctx, p)
	must("project", err)
	for what, call := range map[string]func() error{
		"users":         func() error { _, _, err := c.Projects.ListUsers(ctx, p, nil); return err },
		"admins":        func() error { _, _, err := c.Projects.ListAdministrators(ctx, p); return err },
		"teams":         func() error { _, _, err := c.Projects.ListTeams(ctx, p); return err },
		"issue types":   func() error { _, _, err := c.Projects.ListIssueTypes(ctx, p); return err },
		"categories":    func() error { _, _, err := c.Projects.ListCategories(ctx, p); return err },
		"versions":      func() error { _, _, err := c.Projects.ListVersions(ctx, p); return err },
		"statuses":      func() error { _, _, err := c.Projects.ListStatuses(ctx, p); return err },
		"custom fields": func() error { _, _, err := c.Projects.ListCustomFields(ctx, p); return err },
		"disk usage":    func() error { _, _, err := c.Projects.GetDiskUsage(ctx, p); return err },
		"activities":    func() error { _, _, err := c.Projects.ListActivities(ctx, p, nil); return err },
		"icon":          func() error { _, _, err := c.Projects.GetIcon(ctx, p, sink()); return err },
		"webhook": func() error {
			hooks, _, err := c.Projects.ListWebhooks(ctx, p)
			if err == nil {
				_, _, err = c.Projects.GetWebhook(ctx, p, hooks[0].ID)
			}
			return err
		},
	} {
		must("project "+what, call())
	}

	// Issues and comments: find one with attachments and comments.
	_, _, err = c.Issues.Count(ctx, nil)
	must("issue count", err)
	var withAttachment, withComment *Issue
	for _, is := range issues {
		if withAttachment == nil && len(is.Attachments) > 0 {
			withAttachment = is
		}
		if withComment == nil {
			if n, _, err := c.Issues.CountComments(ctx, is.IssueKey); err == nil && n > 0 {
				withComment = is
			}
		}
	}
	if withAttachment == nil || withComment == nil {
		t.Fatal("the generated space has no issue with an attachment or with comments")
	}
	k := withAttachment.IssueKey
	_, _, err = c.Issues.Get(ctx, k, nil)
	must("issue", err)
	_, _, err = c.Issues.ListAttachments(ctx, k)
	must("issue attachments", err)
	f, _, err = c.Issues.DownloadAttachment(ctx, k, withAttachment.Attachments[0].ID, sink())
	must("issue attachment", err)
	if f.Name != withAttachment.Attachments[0].Name || f.Size != withAttachment.Attachments[0].Size {
		t.Errorf("attachment download %+v, want %q of %d bytes", f, withAttachment.Attachments[0].Name, withAttachment.Attachments[0].Size)
	}
	_, _, err = c.Issues.ListSharedFiles(ctx, k)
	must("issue shared files", err)
	_, _, err = c.Issues.ListParticipants(ctx, k)
	must("participants", err)
	_, _, err = c.Issues.ListRelated(ctx, k)
	must("related", err)
	comments, _, err := c.Issues.ListComments(ctx, withComment.IssueKey, nil)
	must("comments", err)
	_, _, err = c.Issues.GetComment(ctx, withComment.IssueKey, comments[0].ID)
	must("comment", err)
	_, _, err = c.Issues.ListCommentNotifications(ctx, withComment.IssueKey, comments[0].ID)
	must("comment notifications", err)

	// Wikis.
	wikis, _, err := c.Wikis.List(ctx, &WikiListOptions{ProjectIDOrKey: p})
	must("wikis", err)
	_, _, err = c.Wikis.Count(ctx, p)
	must("wiki count", err)
	_, _, err = c.Wikis.ListTags(ctx, p)
	must("wiki tags", err)
	wikiAttachment := false
	for _, w := range wikis {
		full, _, err := c.Wikis.Get(ctx, w.ID)
		must("wiki", err)
		_, _, err = c.Wikis.ListHistory(ctx, w.ID, nil)
		must("wiki history", err)
		_, _, err = c.Wikis.ListAttachments(ctx, w.ID)
		must("wiki attachments", err)
		_, _, err = c.Wikis.ListSharedFiles(ctx, w.ID)
		must("wiki shared files", err)
		_, _, err = c.Wikis.ListStars(ctx, w.ID)
		must("wiki stars", err)
		if len(full.Attachments) > 0 && !wikiAttachment {
			_, _, err = c.Wikis.DownloadAttachment(ctx, w.ID, full.Attachments[0].ID, sink())
			must("wiki attachment", err)
			wikiAttachment = true
		}
	}

	// Shared files: walk every project and download one file.
	downloaded := false
	for _, pr := range projects {
		for sf, err := range c.Files.Walk(ctx, pr.ProjectKey, "") {
			must("walk", err)
			if sf.Type == "file" && !downloaded {
				_, _, err = c.Files.Download(ctx, pr.ProjectKey, sf.ID, sink())
				must("shared file", err)
				downloaded = true
			}
		}
	}

	// Documents.
	docs, _, err := c.Documents.List(ctx, &DocumentListOptions{ProjectIDs: []int64{projects[0].ID, projects[1].ID}, ListOptions: ListOptions{Count: 100}})
	must("documents", err)
	_, _, err = c.Documents.Count(ctx, p)
	must("document count", err)
	_, _, err = c.Documents.GetTree(ctx, p)
	must("document tree", err)
	docAttachment := false
	for _, d := range docs {
		full, _, err := c.Documents.Get(ctx, d.ID)
		must("document", err)
		_, _, err = c.Documents.ListComments(ctx, d.ID)
		must("document comments", err)
		if len(full.Attachments) > 0 && !docAttachment {
			_, _, err = c.Documents.DownloadAttachment(ctx, d.ID, full.Attachments[0].ID, sink())
			must("document attachment", err)
			docAttachment = true
		}
	}

	// Git and pull requests.
	prAttachment := false
	for _, pr := range projects {
		repos, _, err := c.Git.ListRepositories(ctx, pr.ProjectKey)
		must("repositories", err)
		for _, r := range repos {
			_, _, err = c.Git.GetRepository(ctx, pr.ProjectKey, r.Name)
			must("repository", err)
			_, _, err = c.Git.CountPullRequests(ctx, pr.ProjectKey, r.Name, nil)
			must("PR count", err)
			prs, _, err := c.Git.ListPullRequests(ctx, pr.ProjectKey, r.Name, nil)
			must("PRs", err)
			for _, x := range prs {
				_, _, err = c.Git.GetPullRequest(ctx, pr.ProjectKey, r.Name, x.Number)
				must("PR", err)
				_, _, err = c.Git.ListPullRequestComments(ctx, pr.ProjectKey, r.Name, x.Number, nil)
				must("PR comments", err)
				_, _, err = c.Git.CountPullRequestComments(ctx, pr.ProjectKey, r.Name, x.Number)
				must("PR comment count", err)
				atts, _, err := c.Git.ListPullRequestAttachments(ctx, pr.ProjectKey, r.Name, x.Number)
				must("PR attachments", err)
				if len(atts) > 0 && !prAttachment {
					_, _, err = c.Git.DownloadPullRequestAttachment(ctx, pr.ProjectKey, r.Name, x.Number, atts[0].ID, sink())
					must("PR attachment", err)
					prAttachment = true
				}
			}
		}
	}

	// Every GET route must have been reached with a 200.
	reached := map[string]bool{}
	log := srv.Requests()
	var getRoutes []string
	for _, r := range srv.Routes() {
		// The OAuth consent page is for browsers (tested in oauth_test.go);
		// files/metadata without a trailing slash is an alias of the root
		// directory, which the client lists as files/metadata/.
		if r == "GET /OAuth2AccessRequest.action" || strings.HasSuffix(r, "/files/metadata") {
			continue
		}
		if strings.HasPrefix(r, "GET ") {
			getRoutes = append(getRoutes, strings.TrimPrefix(r, "GET "))
		}
	}
	for _, pat := range getRoutes {
		re := routeRegexp(pat)
		for _, e := range log {
			if e.Method == http.MethodGet && e.Status == http.StatusOK && re.MatchString(e.Path) {
				reached[pat] = true
				break
			}
		}
	}
	var missing []string
	for _, pat := range getRoutes {
		if !reached[pat] {
			missing = append(missing, pat)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d GET endpoints never reached with a 200 by the client:\n  %s", len(missing), len(getRoutes), strings.Join(missing, "\n  "))
	}
	if len(getRoutes) < 60 {
		t.Errorf("only %d GET routes listed by the emulator", len(getRoutes))
	}
}

// routeRegexp turns a ServeMux pattern into an anchored regexp: {x} matches
// one segment, {x...} the rest of the path. A more specific pattern that
// also matches (e.g. /issues/count for /issues/{id}) is fine here: every
// pattern only needs one matching 200.
func routeRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, part := range regexp.MustCompile(`\{[A-Za-z]+(\.\.\.)?\}|[^{]+`).FindAllString(pat, -1) {
		switch {
		case strings.HasSuffix(part, "...}"):
			b.WriteString(".*")
		case strings.HasPrefix(part, "{"):
			b.WriteString("[^/]+")
		default:
			b.WriteString(regexp.QuoteMeta(part))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// upload posts a file to /space/attachment and returns its id.
func upload(t *testing.T, srv *emulator.Server, name string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte("attachment body"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://emu/api/v2/space/attachment", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Backlog-API-Key", srv.AdminAPIKey())
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct{ ID int64 }
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.ID == 0 {
		t.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	return id(a.ID)
}

// post sends a form POST as the administrator and fails the test unless it
// succeeds.
func post(t *testing.T, srv *emulator.Server, path string, form url.Values) {
	t.Helper()
	if code := postStatus(t, srv, path, form); code >= 300 {
		t.Fatalf("POST %s: %d", path, code)
	}
}

// postStatus posts a form as the administrator and returns the status.
func postStatus(t *testing.T, srv *emulator.Server, path string, form url.Values) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://emu"+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Backlog-API-Key", srv.AdminAPIKey())
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
