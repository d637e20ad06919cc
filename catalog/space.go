package catalog

import (
	"time"

	"github.com/backlogsync/backlogsync/backlog"
)

// Domo report names (peers.md §4).
const (
	domoSpace      = "Space info"
	domoProjects   = "Project list"
	domoUsers      = "User list"
	domoTeams      = "Team list"
	domoIssueTypes = "Issue types"
	domoCategories = "Categories"
	domoIssues     = "Issue list"
	domoUpdates    = "Recent updates"
	domoRateLimit  = "Rate-limit info"
)

var fullSmall = Change{Kind: ChangeFull, Note: "one small answer: re-read and diff by key"}

// spaceDefs: the space itself and the space-wide lists.
func spaceDefs() []def {
	return []def{
		{
			name: "Space", desc: "The Backlog space: one row per account.",
			origin: "CData view", domo: []string{domoSpace},
			columns: cols(
				cText("SpaceKey", "space key (the subdomain of the space URL)"),
				cText("Name", "space name"),
				cInt("OwnerId", "numeric id of the space owner"),
				cText("Lang", "default language, e.g. ja or en"),
				cText("Timezone", "IANA time zone, e.g. Asia/Tokyo"),
				cText("ReportSendTime", "time of day daily reports are sent (HH:mm:ss)"),
				cText("TextFormattingRule", "default text formatting rule: backlog or markdown"),
				cTime("Created", "when the space was created (UTC)"),
				cTime("Updated", "when the space was last updated (UTC)"),
			),
			calls:  []Call{get("/space", "once")},
			change: fullSmall,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				s, _, err := f.c.Space.Get(f.ctx)
				if err != nil {
					return err
				}
				return emit(f.row().set("SpaceKey", s.SpaceKey).set("Name", s.Name).set("OwnerId", s.OwnerID).
					set("Lang", s.Lang).set("Timezone", s.Timezone).set("ReportSendTime", s.ReportSendTime).
					set("TextFormattingRule", s.TextFormattingRule).set("Created", s.Created).set("Updated", s.Updated))
			},
		},
		{
			name: "SpaceNotifications", desc: "The space-wide announcement shown to every user: one row per account.",
			origin: "CData view",
			columns: cols(
				cText("Content", "announcement text (empty when none)"),
				nTime("Updated", "when the announcement was last changed (UTC); NULL if never"),
			),
			calls:  []Call{get("/space/notification", "once")},
			change: fullSmall,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				n, _, err := f.c.Space.GetNotification(f.ctx)
				if err != nil {
					return err
				}
				return emit(f.row().set("Content", n.Content).set("Updated", n.Updated))
			},
		},
		{
			name: "Licenses", desc: "The space's licence: plan features and limits (0 = unlimited). One row per account.",
			origin: "CData view", aliases: []string{"Licence"},
			columns: cols(
				cBool("Active", "the licence is active"),
				cInt("LicenceTypeId", "plan type id"),
				cBool("Attribute", "custom fields available"), cBool("Burndown", "burndown charts available"),
				cBool("FileSharing", "shared files available"), cBool("Gantt", "Gantt charts available"),
				cBool("Git", "Git available"), cBool("NulabAccount", "Nulab accounts can be linked"),
				cBool("ParentChildIssue", "parent and child issues available"),
				cBool("GrandchildIssueEnabled", "grandchild issues available"),
				cBool("PostIssueByMail", "issues can be created by mail"),
				cBool("RemoteAddress", "IP address restriction available"),
				cBool("Subversion", "Subversion available"), cBool("SubversionExternal", "external Subversion available"),
				cBool("WikiAttachment", "wiki attachments available"),
				cInt("AttachmentLimit", "total attachment size limit in bytes (0 = unlimited)"),
				cInt("AttachmentLimitPerFile", "attachment size limit per file in bytes"),
				cInt("AttachmentNumLimit", "attachments per issue limit"),
				cInt("AttributeLimit", "custom fields limit"), cInt("CommentLimit", "comments limit"),
				cInt("ComponentLimit", "categories limit"), cInt("IssueLimit", "issues limit"),
				cInt("ProjectLimit", "projects limit"),
				cInt("PullRequestAttachmentLimitPerFile", "pull-request attachment size limit per file in bytes"),
				cInt("PullRequestAttachmentNumLimit", "attachments per pull request limit"),
				cInt("RemoteAddressLimit", "allowed IP addresses limit"),
				cInt("StorageLimit", "storage limit in bytes"), cInt("UserLimit", "users limit"),
				cInt("VersionLimit", "versions limit"),
				cInt("WikiAttachmentLimitPerFile", "wiki attachment size limit per file in bytes"),
				cInt("WikiAttachmentNumLimit", "attachments per wiki page limit"),
				nDate("LimitDate", "last day of the licence; NULL if open-ended"),
				nDate("StartedOn", "first day of the licence"),
			),
			calls:  []Call{get("/space/licence", "once")},
			change: fullSmall,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				l, _, err := f.c.Space.GetLicence(f.ctx)
				if err != nil {
					return err
				}
				return emit(f.row().set("Active", l.Active).set("LicenceTypeId", l.LicenceTypeID).
					set("Attribute", l.Attribute).set("Burndown", l.Burndown).set("FileSharing", l.FileSharing).
					set("Gantt", l.Gantt).set("Git", l.Git).set("NulabAccount", l.NulabAccount).
					set("ParentChildIssue", l.ParentChildIssue).set("GrandchildIssueEnabled", l.GrandchildIssueEnabled).
					set("PostIssueByMail", l.PostIssueByMail).set("RemoteAddress", l.RemoteAddress).
					set("Subversion", l.Subversion).set("SubversionExternal", l.SubversionExternal).
					set("WikiAttachment", l.WikiAttachment).set("AttachmentLimit", l.AttachmentLimit).
					set("AttachmentLimitPerFile", l.AttachmentLimitPerFile).set("AttachmentNumLimit", l.AttachmentNumLimit).
					set("AttributeLimit", l.AttributeLimit).set("CommentLimit", l.CommentLimit).
					set("ComponentLimit", l.ComponentLimit).set("IssueLimit", l.IssueLimit).
					set("ProjectLimit", l.ProjectLimit).
					set("PullRequestAttachmentLimitPerFile", l.PullRequestAttachmentLimitPerFile).
					set("PullRequestAttachmentNumLimit", l.PullRequestAttachmentNumLimit).
					set("RemoteAddressLimit", l.RemoteAddressLimit).set("StorageLimit", l.StorageLimit).
					set("UserLimit", l.UserLimit).set("VersionLimit", l.VersionLimit).
					set("WikiAttachmentLimitPerFile", l.WikiAttachmentLimitPerFile).
					set("WikiAttachmentNumLimit", l.WikiAttachmentNumLimit).
					set("LimitDate", dateOf(l.LimitDate)).set("StartedOn", dateOf(l.StartedOn)))
			},
		},
		{
			name: "SpaceDiskUsage", desc: "The space's storage use in bytes: one row per account. Space administrators only.",
			origin: "CData view",
			columns: cols(
				cInt("Capacity", "storage capacity in bytes"),
				cInt("Issue", "bytes used by issue attachments"), cInt("Wiki", "bytes used by wiki attachments"),
				cInt("File", "bytes used by shared files"), cInt("Subversion", "bytes used by Subversion"),
				cInt("Git", "bytes used by Git"), cInt("GitLFS", "bytes used by Git LFS"),
			),
			calls:  []Call{get("/space/diskUsage", "once")},
			change: fullSmall,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				d, err := f.diskUsage()
				if err != nil {
					return err
				}
				return emit(f.row().set("Capacity", d.Capacity).set("Issue", d.Issue).set("Wiki", d.Wiki).
					set("File", d.File).set("Subversion", d.Subversion).set("Git", d.Git).set("GitLFS", d.GitLFS))
			},
		},
		{
			name: "SpaceDiskUsageDetails", desc: "Storage use per project in bytes. Space administrators only.",
			origin: "CData view", parent: "SpaceDiskUsage",
			columns: cols(
				cInt("ProjectId", "numeric id of the project"),
				cInt("Issue", "bytes used by issue attachments"), cInt("Wiki", "bytes used by wiki attachments"),
				cInt("Document", "bytes used by documents"), cInt("File", "bytes used by shared files"),
				cInt("Subversion", "bytes used by Subversion"), cInt("Git", "bytes used by Git"),
				cInt("GitLFS", "bytes used by Git LFS"),
			),
			key:    []string{"ProjectId"},
			calls:  []Call{get("/space/diskUsage", "once")},
			change: fullSmall,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				d, err := f.diskUsage()
				if err != nil {
					return err
				}
				for _, p := range d.Details {
					if err := emit(f.row().set("ProjectId", p.ProjectID).set("Issue", p.Issue).set("Wiki", p.Wiki).
						set("Document", p.Document).set("File", p.File).set("Subversion", p.Subversion).
						set("Git", p.Git).set("GitLFS", p.GitLFS)); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			name: "RateLimit", desc: "The caller's rate-limit budgets: one row per class (read, update, search, icon).",
			domo: []string{domoRateLimit},
			columns: cols(
				cText("Class", "rate-limit class: read, update, search or icon"),
				cInt("Limit", "requests allowed per window"),
				cInt("Remaining", "requests left in the current window"),
				nTime("Reset", "when the current window ends (UTC)"),
			),
			key:    []string{"Class"},
			calls:  []Call{get("/rateLimit", "once")},
			change: Change{Kind: ChangeFull, Note: "a live value: every read is a fresh snapshot"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				rl, _, err := f.c.RateLimit.Get(f.ctx)
				if err != nil {
					return err
				}
				for _, r := range []backlog.Rate{rl.Read, rl.Update, rl.Search, rl.Icon} {
					if err := emit(f.row().set("Class", string(r.Class)).set("Limit", r.Limit).
						set("Remaining", r.Remaining).set("Reset", r.Reset)); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			name: "Priorities", desc: "The space-wide issue priorities.", origin: "CData view",
			columns: cols(cInt("Id", "priority id (2 high, 3 normal, 4 low)"), cText("Name", "priority name")),
			key:     []string{"Id"},
			calls:   []Call{get("/priorities", "once")},
			change:  fullSmall,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				list, _, err := f.c.Issues.ListPriorities(f.ctx)
				if err != nil {
					return err
				}
				for _, p := range list {
					if err := emit(f.row().set("Id", p.ID).set("Name", p.Name)); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			name: "Resolutions", desc: "The space-wide issue resolutions.", origin: "CData view",
			columns: cols(cInt("Id", "resolution id (0 fixed, 1 won't fix, 2 invalid, 3 duplicate, 4 cannot reproduce)"), cText("Name", "resolution name")),
			key:     []string{"Id"},
			calls:   []Call{get("/resolutions", "once")},
			change:  fullSmall,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				list, _, err := f.c.Issues.ListResolutions(f.ctx)
				if err != nil {
					return err
				}
				for _, r := range list {
					if err := emit(f.row().set("Id", r.ID).set("Name", r.Name)); err != nil {
						return err
					}
				}
				return nil
			},
		},
	}
}

// dateOf returns the calendar date of a timestamp that stands for a date
// (licence dates are sent as midnight timestamps), by the client's
// nearest-UTC-midnight rule; nil stays NULL.
func dateOf(t *time.Time) any {
	if t == nil {
		return nil
	}
	u := t.UTC().Add(12 * time.Hour)
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// diskUsage returns GET /space/diskUsage (once per Session).
func (f *fetcher) diskUsage() (*backlog.SpaceDiskUsage, error) {
	return memo(f, "diskUsage", func() (*backlog.SpaceDiskUsage, error) {
		d, _, err := f.c.Space.GetDiskUsage(f.ctx)
		return d, err
	})
}
