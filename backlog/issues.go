package backlog

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// IssuesService reads issues and their comments, attachments, shared files,
// participants and related issues, plus the space-wide priorities and
// resolutions.
type IssuesService service

// ParentChild filters issues by their place in a parent/child tree.
type ParentChild int

// ParentChild values (GET /issues parentChild).
const (
	ParentChildAll         ParentChild = 0  // default
	ParentChildNotChild    ParentChild = 1  // not a child
	ParentChildChild       ParentChild = 2  // second or third level
	ParentChildNoHierarchy ParentChild = 3  // neither parent nor child
	ParentChildParent      ParentChild = 4  // has children
	ParentChildThirdLevel  ParentChild = 5  // third level only
	ParentChildSecondLevel ParentChild = 6  // second level only
	ParentChildTopLevel    ParentChild = 7  // top level only
	ParentChildNotThird    ParentChild = 8  // not third level
	ParentChildNotTopLevel ParentChild = 9  // not top level (of three-level trees)
	ParentChildLeaves      ParentChild = 10 // leaves only
)

// CustomFieldFilter filters issues by one custom field. Set the member that
// fits the field's type: Keyword for text fields (customField_{id}), Min/Max
// for numeric and date fields (customField_{id}_min/_max; a number or
// yyyy-MM-dd), ItemIDs for list fields (customField_{id}[]).
type CustomFieldFilter struct {
	ID       int64
	Keyword  string
	Min, Max string
	ItemIDs  []int64
}

// IssueListOptions are the parameters of GET /issues (and, without sort,
// order and paging, of GET /issues/count). Zero values are not sent.
type IssueListOptions struct {
	ProjectIDs     []int64 // projectId[]; empty = every project the user joined
	IssueTypeIDs   []int64
	CategoryIDs    []int64
	VersionIDs     []int64
	MilestoneIDs   []int64
	StatusIDs      []int64
	PriorityIDs    []int64
	AssigneeIDs    []int64
	CreatedUserIDs []int64
	ResolutionIDs  []int64
	ParentChild    ParentChild
	Attachment     *bool // has attachments
	SharedFile     *bool // has linked shared files
	Sort           string
	Order          Order
	CreatedSince   Date
	CreatedUntil   Date
	UpdatedSince   Date
	UpdatedUntil   Date
	StartDateSince Date
	StartDateUntil Date
	DueDateSince   Date
	DueDateUntil   Date
	HasDueDate     *bool   // only false is supported by Backlog
	IDs            []int64 // id[]
	ParentIssueIDs []int64
	Keyword        string
	Expand         []string // expand[], e.g. "childIssueSummary"
	CustomFields   []CustomFieldFilter

	ListOptions
}

// Issue sort keys (IssueListOptions.Sort); custom fields sort by
// "customField_{id}".
const (
	SortIssueType      = "issueType"
	SortCategory       = "category"
	SortVersion        = "version"
	SortMilestone      = "milestone"
	SortSummary        = "summary"
	SortStatus         = "status"
	SortPriority       = "priority"
	SortAttachment     = "attachment"
	SortSharedFile     = "sharedFile"
	SortCreated        = "created"
	SortCreatedUser    = "createdUser"
	SortUpdated        = "updated"
	SortUpdatedUser    = "updatedUser"
	SortAssignee       = "assignee"
	SortStartDate      = "startDate"
	SortDueDate        = "dueDate"
	SortEstimatedHours = "estimatedHours"
	SortActualHours    = "actualHours"
	SortChildIssue     = "childIssue"
)

// values encodes the options; paging includes sort, order, offset, count.
func (o *IssueListOptions) values(paging bool) url.Values {
	if o == nil {
		return nil
	}
	q := query{}
	q.ids("projectId", o.ProjectIDs)
	q.ids("issueTypeId", o.IssueTypeIDs)
	q.ids("categoryId", o.CategoryIDs)
	q.ids("versionId", o.VersionIDs)
	q.ids("milestoneId", o.MilestoneIDs)
	q.ids("statusId", o.StatusIDs)
	q.ids("priorityId", o.PriorityIDs)
	q.ids("assigneeId", o.AssigneeIDs)
	q.ids("createdUserId", o.CreatedUserIDs)
	q.ids("resolutionId", o.ResolutionIDs)
	q.int("parentChild", int(o.ParentChild))
	q.boolp("attachment", o.Attachment)
	q.boolp("sharedFile", o.SharedFile)
	q.date("createdSince", o.CreatedSince)
	q.date("createdUntil", o.CreatedUntil)
	q.date("updatedSince", o.UpdatedSince)
	q.date("updatedUntil", o.UpdatedUntil)
	q.date("startDateSince", o.StartDateSince)
	q.date("startDateUntil", o.StartDateUntil)
	q.date("dueDateSince", o.DueDateSince)
	q.date("dueDateUntil", o.DueDateUntil)
	q.boolp("hasDueDate", o.HasDueDate)
	q.ids("id", o.IDs)
	q.ids("parentIssueId", o.ParentIssueIDs)
	q.str("keyword", o.Keyword)
	q.strs("expand", o.Expand)
	for _, f := range o.CustomFields {
		name := "customField_" + strconv.FormatInt(f.ID, 10)
		q.str(name, f.Keyword)
		q.str(name+"_min", f.Min)
		q.str(name+"_max", f.Max)
		q.ids(name, f.ItemIDs)
	}
	if paging {
		q.str("sort", o.Sort)
		q.str("order", string(o.Order))
		o.ListOptions.encode(url.Values(q))
	}
	return url.Values(q)
}

// List returns a page of issues. GET /issues is in the stricter "search"
// rate-limit class.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-issue-list/
func (s *IssuesService) List(ctx context.Context, opts *IssueListOptions) ([]*Issue, *Response, error) {
	return get[[]*Issue](ctx, s.client, "issues", opts.values(true))
}

// ListIter iterates over all issues matching opts, in pages of opts.Count
// (default 100) from opts.Offset, until a short page. opts is copied. For a
// stable full read sort by "created" ascending; issues seen twice (when the
// list shifts during the read) are yielded once.
func (s *IssuesService) ListIter(ctx context.Context, opts *IssueListOptions) iter.Seq2[*Issue, error] {
	var o IssueListOptions
	if opts != nil {
		o = *opts
	}
	return offsetPages(ctx, o.ListOptions, maxCount, func(is *Issue) int64 { return is.ID },
		func(ctx context.Context, lo ListOptions) ([]*Issue, error) {
			page := o
			page.ListOptions = lo
			v, _, err := s.List(ctx, &page)
			return v, err
		})
}

// Count returns the number of issues matching opts (paging, sort and order
// are ignored). It is in the "search" rate-limit class.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/count-issue/
func (s *IssuesService) Count(ctx context.Context, opts *IssueListOptions) (int, *Response, error) {
	return getCount(ctx, s.client, "issues/count", opts.values(false))
}

// IssueGetOptions are the parameters of GET /issues/:issueIdOrKey.
type IssueGetOptions struct {
	// ChildIssueSummary adds Issue.ChildIssueSummary (expand[]=childIssueSummary).
	ChildIssueSummary bool
}

// Get returns an issue by id or key (e.g. "BLG-1").
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-issue/
func (s *IssuesService) Get(ctx context.Context, issueIDOrKey string, opts *IssueGetOptions) (*Issue, *Response, error) {
	var q url.Values
	if opts != nil && opts.ChildIssueSummary {
		q = url.Values{"expand[]": {"childIssueSummary"}}
	}
	return get[*Issue](ctx, s.client, "issues/"+seg(issueIDOrKey), q)
}

// ListAttachments returns the attachments of an issue.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-issue-attachments/
func (s *IssuesService) ListAttachments(ctx context.Context, issueIDOrKey string) ([]*Attachment, *Response, error) {
	return get[[]*Attachment](ctx, s.client, "issues/"+seg(issueIDOrKey)+"/attachments", nil)
}

// ListSharedFiles returns the shared files linked to an issue.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-linked-shared-files/
func (s *IssuesService) ListSharedFiles(ctx context.Context, issueIDOrKey string) ([]*SharedFile, *Response, error) {
	return get[[]*SharedFile](ctx, s.client, "issues/"+seg(issueIDOrKey)+"/sharedFiles", nil)
}

// ListParticipants returns the users who took part in an issue.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-issue-participant-list/
func (s *IssuesService) ListParticipants(ctx context.Context, issueIDOrKey string) ([]*User, *Response, error) {
	return get[[]*User](ctx, s.client, "issues/"+seg(issueIDOrKey)+"/participants", nil)
}

// ListRelated returns the issues related to an issue (each with Type "RELATES").
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-related-issues/
func (s *IssuesService) ListRelated(ctx context.Context, issueIDOrKey string) ([]*Issue, *Response, error) {
	return get[[]*Issue](ctx, s.client, "issues/"+seg(issueIDOrKey)+"/relatedIssues", nil)
}

// ListPriorities returns the space-wide priorities.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-priority-list/
func (s *IssuesService) ListPriorities(ctx context.Context) ([]*Priority, *Response, error) {
	return get[[]*Priority](ctx, s.client, "priorities", nil)
}

// ListResolutions returns the space-wide resolutions.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-resolution-list/
func (s *IssuesService) ListResolutions(ctx context.Context) ([]*Resolution, *Response, error) {
	return get[[]*Resolution](ctx, s.client, "resolutions", nil)
}
