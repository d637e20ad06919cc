package emulator

import (
	"crypto/sha1"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ----------------------------------------------------------------- git

// repoActivity is the {id,name,description} of activities 12, 13, 18–21.
func repoActivity(r *repository) actRepository {
	return actRepository{ID: r.ID, Name: r.Name, Description: r.Description}
}

// validRepoName reports whether name is usable as a Git repository name.
func validRepoName(name string) bool {
	if name == "" || len(name) > 100 || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	_, err := strconv.ParseInt(name, 10, 64)
	return err != nil // a numeric name would be ambiguous with repoIdOrName
}

// createRepository adds a Git repository (activity 13).
func (s *store) createRepository(actor *user, at time.Time, p *project, name, description string) (*repository, error) {
	if !validRepoName(name) {
		return nil, badRequest("Invalid repository name: %q.", name)
	}
	for _, r := range p.Repositories {
		if strings.EqualFold(r.Name, name) {
			return nil, badRequest("A repository named %q already exists in this project.", name)
		}
	}
	r := &repository{ID: s.nextID("repo"), ProjectID: p.ID, Name: name, Description: description,
		DisplayOrder: 2147483646, CreatedUser: actor.ID, Created: at, UpdatedUser: actor.ID, Updated: at}
	s.repos[r.ID] = r
	p.Repositories = append(p.Repositories, r)
	s.addActivity(p.ID, ActGitRepositoryCreated, actor, at, map[string]any{"repository": repoActivity(r)})
	return r, nil
}

// gitRevision is one pushed commit.
type gitRevision struct {
	Rev     string // sha; "" derives one
	Comment string
}

// gitPush records a push of revisions to ref (e.g. "refs/heads/main")
// (activity 12) and sets the repository's pushedAt.
func (s *store) gitPush(actor *user, at time.Time, r *repository, ref string, revs []gitRevision) error {
	if ref == "" {
		return badRequest("Missing ref.")
	}
	if !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + ref
	}
	change := "update"
	if r.PushedAt == nil {
		change = "create"
	}
	c := actGitPush{Repository: repoActivity(r), ChangeType: change, RevisionType: "commit", Ref: ref,
		RevisionCount: len(revs), Revisions: []actRevision{}}
	for i, rv := range revs {
		if rv.Rev == "" {
			rv.Rev = fakeSHA(r.ID, at.UnixNano(), int64(i), rv.Comment)
		}
		c.Revisions = append(c.Revisions, actRevision{Rev: rv.Rev, Comment: rv.Comment})
	}
	t := at
	r.PushedAt = &t
	s.addActivity(r.ProjectID, ActGitPushed, actor, at, c)
	return nil
}

// fakeSHA derives a deterministic 40-hex commit id.
func fakeSHA(parts ...any) string {
	h := sha1.New()
	for _, p := range parts {
		switch v := p.(type) {
		case int64:
			h.Write([]byte(strconv.FormatInt(v, 10)))
		case string:
			h.Write([]byte(v))
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Pull request status ids (entities.md "PullRequest").
const (
	PROpen   = 1
	PRClosed = 2
	PRMerged = 3
)

// prStatusName is the (untranslated) name of a PR status.
func prStatusName(id int) string {
	switch id {
	case PROpen:
		return "Open"
	case PRClosed:
		return "Closed"
	case PRMerged:
		return "Merged"
	}
	return "Open"
}

// pullRequestInput carries add-/update-pull-request parameters.
type pullRequestInput struct {
	Summary, Description, Base, Branch *string
	IssueID                            opt[int64]
	AssigneeID                         opt[int64]
	StatusID                           *int // 2 closed, 3 merged (internal: the API cannot merge)
	NotifiedUserIDs                    []int64
	AttachmentIDs                      []int64
	Comment                            *string
}

// prActivity builds the content of activities 18–21.
func (s *store) prActivity(pr *pullRequest, c *pullRequestComment, changes []actPRChange) actPullRequest {
	a := actPullRequest{ID: pr.ID, Number: pr.Number, Summary: pr.Summary, Description: pr.Description,
		Changes: changes}
	if a.Changes == nil {
		a.Changes = []actPRChange{}
	}
	if c != nil {
		a.Comment = &actPRComment{ID: c.ID, Content: c.Content}
	}
	if pr.IssueID != nil {
		if is := s.issues[*pr.IssueID]; is != nil {
			a.Issue = &actPRIssue{ID: is.ID, KeyID: is.KeyID, IssueKey: s.issueKey(is), Summary: is.Summary,
				Description: is.Description}
		}
	}
	if r := s.repos[pr.RepositoryID]; r != nil {
		a.Repository = repoActivity(r)
	}
	return a
}

// checkPRRefs validates the issue and assignee of a pull request.
func (s *store) checkPRRefs(p *project, issueID, assigneeID *int64) error {
	if issueID != nil {
		if is := s.issues[*issueID]; is == nil || is.ProjectID != p.ID {
			return badRequest("Invalid issueId: %d is not an issue of this project.", *issueID)
		}
	}
	if assigneeID != nil {
		if u := s.users[*assigneeID]; u == nil || !p.isMember(u.ID) {
			return badRequest("Invalid assigneeId: %d is not a member of this project.", *assigneeID)
		}
	}
	return nil
}

// prNotify sends notifications for a pull request and returns the
// comment-notification entries for the explicitly notified users.
func (s *store) prNotify(actor *user, at time.Time, pr *pullRequest, c *pullRequestComment, recipients map[int64]int, notified []int64) []*commentNotification {
	ref := notificationRef{ProjectID: pr.ProjectID, PullRequestID: pr.ID}
	if c != nil {
		ref.PullRequestCommentID = c.ID
	}
	ids := make([]int64, 0, len(recipients))
	for id := range recipients {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []*commentNotification
	for _, id := range ids {
		if id == actor.ID || s.users[id] == nil {
			continue
		}
		s.notify(id, recipients[id], actor, at, ref)
		if ctContains(notified, id) || recipients[id] == 10 {
			out = append(out, &commentNotification{ID: s.nextID("notification"), Reason: recipients[id], UserID: id})
		}
	}
	return out
}

// createPullRequest adds a pull request (activity 18).
func (s *store) createPullRequest(actor *user, at time.Time, r *repository, in *pullRequestInput) (*pullRequest, error) {
	p := s.projects[r.ProjectID]
	if p == nil {
		return nil, notFound("project")
	}
	for name, v := range map[string]*string{"summary": in.Summary, "description": in.Description, "base": in.Base, "branch": in.Branch} {
		if v == nil || (name != "description" && strings.TrimSpace(*v) == "") {
			return nil, badRequest("Missing required parameter: %s.", name)
		}
	}
	if *in.Base == *in.Branch {
		return nil, badRequest("base and branch must differ.")
	}
	if err := s.checkPRRefs(p, in.IssueID.Value, in.AssigneeID.Value); err != nil {
		return nil, err
	}
	for _, id := range in.NotifiedUserIDs {
		if s.users[id] == nil {
			return nil, badRequest("Invalid notifiedUserId: %d.", id)
		}
	}
	atts, err := s.takeContentUploads(actor, at, in.AttachmentIDs)
	if err != nil {
		return nil, err
	}
	number := int64(1)
	if n := len(r.PullRequests); n > 0 {
		number = r.PullRequests[n-1].Number + 1
	}
	pr := &pullRequest{ID: s.nextID("pr"), ProjectID: p.ID, RepositoryID: r.ID, Number: number,
		Summary: *in.Summary, Description: *in.Description, Base: *in.Base, Branch: *in.Branch,
		StatusID: PROpen, AssigneeID: in.AssigneeID.Value, IssueID: in.IssueID.Value,
		CreatedUser: actor.ID, Created: at, UpdatedUser: actor.ID, Updated: at, Attachments: atts}
	s.pullReqs[pr.ID] = pr
	r.PullRequests = append(r.PullRequests, pr)
	rec := map[int64]int{}
	for _, id := range in.NotifiedUserIDs {
		rec[id] = 12
	}
	if pr.AssigneeID != nil {
		rec[*pr.AssigneeID] = 10
	}
	notes := s.prNotify(actor, at, pr, nil, rec, in.NotifiedUserIDs)
	s.addActivity(p.ID, ActPullRequestAdded, actor, at, s.prActivity(pr, nil, nil), notes...)
	return pr, nil
}

func ctStrp(s string) *string { return &s }

// prUserName renders a user reference for a change log.
func (s *store) prUserName(id *int64) *string {
	if id == nil {
		return nil
	}
	if u := s.users[*id]; u != nil {
		return ctStrp(u.Name)
	}
	return ctStrp(strconv.FormatInt(*id, 10))
}

// prIssueKey renders an issue reference for a change log.
func (s *store) prIssueKey(id *int64) *string {
	if id == nil {
		return nil
	}
	if is := s.issues[*id]; is != nil {
		return ctStrp(s.issueKey(is))
	}
	return ctStrp(strconv.FormatInt(*id, 10))
}

func eqInt64p(a, b *int64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// updatePullRequest changes a pull request (activity 19; merging is 21 per
// BJS naming) and records a comment with a changeLog when fields change.
func (s *store) updatePullRequest(actor *user, at time.Time, pr *pullRequest, in *pullRequestInput) error {
	p := s.projects[pr.ProjectID]
	if p == nil {
		return notFound("project")
	}
	if in.Summary != nil && strings.TrimSpace(*in.Summary) == "" {
		return badRequest("Invalid summary: must not be empty.")
	}
	if in.IssueID.Set || in.AssigneeID.Set {
		var iss, asg *int64
		if in.IssueID.Set {
			iss = in.IssueID.Value
		}
		if in.AssigneeID.Set {
			asg = in.AssigneeID.Value
		}
		if err := s.checkPRRefs(p, iss, asg); err != nil {
			return err
		}
	}
	if in.StatusID != nil && (*in.StatusID < PROpen || *in.StatusID > PRMerged) {
		return badRequest("Invalid statusId: %d.", *in.StatusID)
	}
	for _, id := range in.NotifiedUserIDs {
		if s.users[id] == nil {
			return badRequest("Invalid notifiedUserId: %d.", id)
		}
	}
	var log []changeLogEntry
	change := func(field string, oldV, newV *string) {
		log = append(log, changeLogEntry{Field: field, NewValue: newV, OriginalValue: oldV})
	}
	if in.Summary != nil && *in.Summary != pr.Summary {
		change("summary", ctStrp(pr.Summary), ctStrp(*in.Summary))
		pr.Summary = *in.Summary
	}
	if in.Description != nil && *in.Description != pr.Description {
		change("description", ctStrp(pr.Description), ctStrp(*in.Description))
		pr.Description = *in.Description
	}
	if in.Base != nil && *in.Base != pr.Base {
		change("base", ctStrp(pr.Base), ctStrp(*in.Base))
		pr.Base = *in.Base
	}
	if in.Branch != nil && *in.Branch != pr.Branch {
		change("branch", ctStrp(pr.Branch), ctStrp(*in.Branch))
		pr.Branch = *in.Branch
	}
	if in.IssueID.Set && !eqInt64p(in.IssueID.Value, pr.IssueID) {
		change("dependentIssue", s.prIssueKey(pr.IssueID), s.prIssueKey(in.IssueID.Value))
		pr.IssueID = in.IssueID.Value
	}
	newAssignee := false
	if in.AssigneeID.Set && !eqInt64p(in.AssigneeID.Value, pr.AssigneeID) {
		change("assignee", s.prUserName(pr.AssigneeID), s.prUserName(in.AssigneeID.Value))
		pr.AssigneeID = in.AssigneeID.Value
		newAssignee = pr.AssigneeID != nil
	}
	merged := false
	if in.StatusID != nil && *in.StatusID != pr.StatusID {
		change("status", ctStrp(strconv.Itoa(pr.StatusID)), ctStrp(strconv.Itoa(*in.StatusID)))
		pr.StatusID = *in.StatusID
		t := at
		switch pr.StatusID {
		case PRMerged:
			merged = true
			pr.MergeAt, pr.CloseAt = &t, &t
			sha := fakeSHA(pr.ID, at.UnixNano(), "merge")
			pr.MergeCommit = &sha
			pr.BaseCommit, pr.BranchCommit = prEndCommits(pr, at)
		case PRClosed:
			pr.CloseAt = &t
			pr.BaseCommit, pr.BranchCommit = prEndCommits(pr, at)
		case PROpen:
			pr.CloseAt, pr.MergeAt, pr.MergeCommit = nil, nil, nil
			pr.BaseCommit, pr.BranchCommit = nil, nil
		}
	}
	if len(log) == 0 && in.Comment == nil {
		return nil
	}
	c := &pullRequestComment{ID: s.nextID("prcomment"), PullRequestID: pr.ID, ChangeLog: log,
		CreatedUser: actor.ID, Created: at, Updated: at}
	if in.Comment != nil {
		c.Content = *in.Comment
	}
	if c.ChangeLog == nil {
		c.ChangeLog = []changeLogEntry{}
	}
	pr.Comments = append(pr.Comments, c)
	s.prComments[c.ID] = c
	pr.UpdatedUser, pr.Updated = actor.ID, at
	rec := map[int64]int{}
	for _, id := range in.NotifiedUserIDs {
		rec[id] = 13
	}
	if newAssignee {
		rec[*pr.AssigneeID] = 10
	}
	notes := s.prNotify(actor, at, pr, c, rec, in.NotifiedUserIDs)
	c.Notifications = notes
	changes := make([]actPRChange, 0, len(log))
	for _, e := range log {
		changes = append(changes, actPRChange{Field: e.Field, NewValue: e.NewValue, OldValue: e.OriginalValue})
	}
	typ := ActPullRequestUpdated
	if merged {
		typ = ActPullRequestMerged
	}
	s.addActivity(pr.ProjectID, typ, actor, at, s.prActivity(pr, c, changes), notes...)
	return nil
}

// addPullRequestComment comments on a pull request (activity 20). The
// notified users, the author, the assignee and earlier commenters are
// notified (reason 11).
func (s *store) addPullRequestComment(actor *user, at time.Time, pr *pullRequest, content string, notified []int64) (*pullRequestComment, error) {
	if strings.TrimSpace(content) == "" {
		return nil, badRequest("Missing required parameter: content.")
	}
	for _, id := range notified {
		if s.users[id] == nil {
			return nil, badRequest("Invalid notifiedUserId: %d.", id)
		}
	}
	c := &pullRequestComment{ID: s.nextID("prcomment"), PullRequestID: pr.ID, Content: content,
		ChangeLog: []changeLogEntry{}, CreatedUser: actor.ID, Created: at, Updated: at}
	rec := map[int64]int{pr.CreatedUser: 11}
	if pr.AssigneeID != nil {
		rec[*pr.AssigneeID] = 11
	}
	for _, x := range pr.Comments {
		rec[x.CreatedUser] = 11
	}
	for _, id := range notified {
		rec[id] = 11
	}
	pr.Comments = append(pr.Comments, c)
	s.prComments[c.ID] = c
	pr.UpdatedUser, pr.Updated = actor.ID, at
	notes := s.prNotify(actor, at, pr, c, rec, notified)
	c.Notifications = notes
	s.addActivity(pr.ProjectID, ActPullRequestCommented, actor, at, s.prActivity(pr, c, nil), notes...)
	return c, nil
}

// updatePullRequestComment changes a pull-request comment's text (no
// activity, as on Backlog).
func (s *store) updatePullRequestComment(actor *user, at time.Time, c *pullRequestComment, content string) error {
	if strings.TrimSpace(content) == "" {
		return badRequest("Missing required parameter: content.")
	}
	c.Content, c.Updated = content, at
	return nil
}

// addPullRequestAttachments attaches uploads to a pull request.
func (s *store) addPullRequestAttachments(actor *user, at time.Time, pr *pullRequest, uploadIDs []int64) ([]*attachment, error) {
	list, err := s.takeContentUploads(actor, at, uploadIDs)
	if err != nil {
		return nil, err
	}
	pr.Attachments = append(pr.Attachments, list...)
	return list, nil
}

// prEndCommits returns the heads of a pull request's base and branch when it
// is merged or closed: Backlog records them then (baseCommit, branchCommit)
// and leaves them null while the request is open.
func prEndCommits(pr *pullRequest, at time.Time) (base, branch *string) {
	b, h := fakeSHA(pr.ID, at.UnixNano(), pr.Base), fakeSHA(pr.ID, at.UnixNano(), pr.Branch)
	return &b, &h
}

// setRepositoryHook sets the URL Backlog calls after a push (hookUrl). The
// API has no call for it (Backlog's web UI sets it); the generator uses it.
func (s *store) setRepositoryHook(r *repository, url string) {
	r.HookURL = &url
	r.UpdatedUser, r.Updated = r.CreatedUser, r.Created
	s.touch()
}

// deletePullRequestAttachment removes an attachment of a pull request: the
// uploader, project administrators and space administrators may.
func (s *store) deletePullRequestAttachment(actor *user, pr *pullRequest, a *attachment) error {
	p := s.projects[pr.ProjectID]
	if err := s.writableProject(actor, p); err != nil {
		return err
	}
	if a.CreatedUser != actor.ID && actor.RoleType != RoleAdmin && !p.isAdmin(actor.ID) {
		return forbidden()
	}
	for i, x := range pr.Attachments {
		if x == a {
			pr.Attachments = append(pr.Attachments[:i:i], pr.Attachments[i+1:]...)
			break
		}
	}
	return nil
}
