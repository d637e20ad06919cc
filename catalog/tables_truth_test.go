package catalog

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/backlogsync/backlogsync/backlog"
)

// truthFunc reads the expected rows of one table from the API.
type truthFunc func(tr *truth) []obj

// truths holds a truth reader for every table.
var truths = map[string]truthFunc{
	"Space": func(tr *truth) []obj {
		return []obj{pick(tr.get("/space", nil).(obj), "SpaceKey=spaceKey Name=name OwnerId=ownerId Lang=lang Timezone=timezone "+
			"ReportSendTime=reportSendTime TextFormattingRule=textFormattingRule Created=created Updated=updated")}
	},
	"SpaceNotifications": func(tr *truth) []obj {
		return []obj{pick(tr.get("/space/notification", nil).(obj), "Content=content Updated=updated")}
	},
	"Licenses": func(tr *truth) []obj {
		return []obj{lowerFirstPick("Licenses", tr.get("/space/licence", nil).(obj))}
	},
	"SpaceDiskUsage": func(tr *truth) []obj {
		return []obj{lowerFirstPick("SpaceDiskUsage", tr.get("/space/diskUsage", nil).(obj))}
	},
	"SpaceDiskUsageDetails": func(tr *truth) []obj {
		var out []obj
		for _, d := range objs(tr.get("/space/diskUsage", nil).(obj)["details"]) {
			out = append(out, lowerFirstPick("SpaceDiskUsageDetails", d))
		}
		return out
	},
	"RateLimit": func(tr *truth) []obj {
		rl := tr.get("/rateLimit", nil).(obj)
		var out []obj
		for _, class := range []string{"read", "update", "search", "icon"} {
			out = append(out, pick(rl, "Limit=rateLimit."+class+".limit", "Class", class, "Remaining", anyValue{}, "Reset", anyValue{}))
		}
		return out
	},
	"Priorities":  func(tr *truth) []obj { return pickAll(tr.list("/priorities", nil), "Id=id Name=name") },
	"Resolutions": func(tr *truth) []obj { return pickAll(tr.list("/resolutions", nil), "Id=id Name=name") },
	"Users":       func(tr *truth) []obj { return pickAll(tr.users(), "Id=id "+userFullSpec) },
	"UserReceivedStars": func(tr *truth) []obj {
		var out []obj
		for _, u := range tr.users() {
			for _, s := range tr.cursorAll("/users/"+str(u["id"])+"/stars", nil, "id") {
				out = append(out, pick(s, starSpec, "UserId", u["id"]))
			}
		}
		return out
	},
	"Watchings": func(tr *truth) []obj {
		var out []obj
		for _, u := range tr.users() {
			for _, w := range tr.offsetAll("/users/"+str(u["id"])+"/watchings", nil) {
				out = append(out, pick(w, "Id=id Type=type IssueId=issue.id IssueKey=issue.issueKey IssueSummary=issue.summary "+
					"ProjectId=issue.projectId Note=note ResourceAlreadyRead=resourceAlreadyRead LastContentUpdated=lastContentUpdated "+
					"Created=created Updated=updated", "UserId", u["id"]))
			}
		}
		return out
	},
	"Teams": func(tr *truth) []obj {
		return pickAll(tr.offsetAll("/teams", nil), "Id=id Name=name DisplayOrder=displayOrder "+createdSpec+" "+updatedSpec)
	},
	"TeamMembers": func(tr *truth) []obj {
		var out []obj
		for _, tm := range tr.offsetAll("/teams", nil) {
			for _, u := range objs(tm["members"]) {
				out = append(out, pick(u, "UserId=id UserName=name", "TeamId", tm["id"]))
			}
		}
		return out
	},
	"Projects": func(tr *truth) []obj {
		var out []obj
		for _, p := range tr.projects() {
			out = append(out, lowerFirstPick("Projects", p))
		}
		return out
	},
	"ProjectUsers": func(tr *truth) []obj {
		return perProjectTruth(tr, "users", func(pid any, u obj) obj { return pick(u, "UserId=id "+userFullSpec, "ProjectId", pid) })
	},
	"ProjectAdministrators": func(tr *truth) []obj {
		return perProjectTruth(tr, "administrators", func(pid any, u obj) obj { return pick(u, "UserId=id "+userFullSpec, "ProjectId", pid) })
	},
	"ProjectTeams": func(tr *truth) []obj {
		return perProjectTruth(tr, "teams", func(pid any, tm obj) obj {
			return pick(tm, "Id=id Name=name DisplayOrder=displayOrder "+createdSpec+" "+updatedSpec, "ProjectId", pid)
		})
	},
	"ProjectTeamMembers": func(tr *truth) []obj {
		var out []obj
		for _, p := range tr.projects() {
			for _, tm := range tr.list("/projects/"+str(p["id"])+"/teams", nil) {
				for _, u := range objs(tm["members"]) {
					out = append(out, pick(u, "UserId=id UserName=name", "ProjectId", p["id"], "TeamId", tm["id"]))
				}
			}
		}
		return out
	},
	"ProjectIssueTypes": func(tr *truth) []obj {
		return perProjectTruth(tr, "issueTypes", func(_ any, v obj) obj {
			return pick(v, "ProjectId=projectId Id=id Name=name Color=color DisplayOrder=displayOrder TemplateSummary=templateSummary TemplateDescription=templateDescription")
		})
	},
	"ProjectCategories": func(tr *truth) []obj {
		return perProjectTruth(tr, "categories", func(_ any, v obj) obj {
			return pick(v, "ProjectId=projectId Id=id Name=name DisplayOrder=displayOrder")
		})
	},
	"ProjectVersionMilestones": func(tr *truth) []obj {
		return perProjectTruth(tr, "versions", func(_ any, v obj) obj {
			return pick(v, "ProjectId=projectId Id=id Name=name Description=description StartDate=startDate ReleaseDueDate=releaseDueDate Archived=archived DisplayOrder=displayOrder")
		})
	},
	"ProjectStatuses": func(tr *truth) []obj {
		return perProjectTruth(tr, "statuses", func(_ any, v obj) obj {
			return pick(v, "ProjectId=projectId Id=id Name=name Color=color DisplayOrder=displayOrder")
		})
	},
	"ProjectCustomFields": func(tr *truth) []obj {
		return perProjectTruth(tr, "customFields", func(_ any, v obj) obj {
			r := pick(v, "ProjectId=projectId Id=id TypeId=typeId Name=name Description=description Required=required "+
				"UseIssueType=useIssueType DisplayOrder=displayOrder InitialValue=initialValue Unit=unit AllowAddItem=allowAddItem "+
				"AllowInput=allowInput InitialDateType=initialDate.id InitialDateShift=initialDate.shift InitialDate=initialDate.date",
				"NumericMin", nil, "NumericMax", nil, "DateMin", nil, "DateMax", nil)
			switch str(v["typeId"]) {
			case "3":
				r["NumericMin"], r["NumericMax"] = v["min"], v["max"]
			case "4":
				r["DateMin"], r["DateMax"] = v["min"], v["max"]
			}
			return r
		})
	},
	"ProjectCustomFieldItems": func(tr *truth) []obj {
		var out []obj
		perProjectTruth(tr, "customFields", func(pid any, f obj) obj {
			for _, it := range objs(f["items"]) {
				out = append(out, pick(it, "Id=id Name=name DisplayOrder=displayOrder", "ProjectId", pid, "CustomFieldId", f["id"]))
			}
			return nil
		})
		return out
	},
	"ProjectCustomFieldIssueTypes": func(tr *truth) []obj {
		var out []obj
		perProjectTruth(tr, "customFields", func(pid any, f obj) obj {
			for _, it := range f["applicableIssueTypes"].([]any) {
				out = append(out, obj{"ProjectId": pid, "CustomFieldId": f["id"], "IssueTypeId": it})
			}
			return nil
		})
		return out
	},
	"Webhooks": func(tr *truth) []obj {
		return perProjectTruth(tr, "webhooks", func(pid any, w obj) obj {
			return pick(w, "Id=id Name=name Description=description HookUrl=hookUrl AllEvent=allEvent "+createdSpec+" "+updatedSpec, "ProjectId", pid)
		})
	},
	"WebhookActivityTypes": func(tr *truth) []obj {
		var out []obj
		perProjectTruth(tr, "webhooks", func(pid any, w obj) obj {
			for _, t := range w["activityTypeIds"].([]any) {
				out = append(out, obj{"ProjectId": pid, "WebhookId": w["id"], "ActivityTypeId": t})
			}
			return nil
		})
		return out
	},
	"Issues": func(tr *truth) []obj {
		return pickAll(tr.issues(), "Id=id ProjectId=projectId IssueKey=issueKey KeyId=keyId IssueTypeId=issueType.id "+
			"IssueTypeName=issueType.name Summary=summary Description=description ResolutionId=resolution.id "+
			"ResolutionName=resolution.name PriorityId=priority.id PriorityName=priority.name StatusId=status.id "+
			"StatusName=status.name "+userSpec("Assignee", "assignee")+" StartDate=startDate DueDate=dueDate "+
			"EstimatedHours=estimatedHours ActualHours=actualHours ParentIssueId=parentIssueId "+createdSpec+" "+updatedSpec)
	},
	"IssueCategories": issueMemberTruth("category", "CategoryId=id CategoryName=name"),
	"IssueVersions":   issueMemberTruth("versions", "VersionId=id VersionName=name"),
	"IssueMilestones": issueMemberTruth("milestone", "MilestoneId=id MilestoneName=name"),
	"IssueAttachments": func(tr *truth) []obj {
		// Read through the per-issue endpoint, not the embedded copy.
		return perIssueTruth(tr, "attachments", attachmentSpec)
	},
	"IssueLinkedSharedFiles": func(tr *truth) []obj { return perIssueTruth(tr, "sharedFiles", sharedFileSpec) },
	"IssueStars":             issueMemberTruth("stars", starSpec),
	"IssueParticipants":      func(tr *truth) []obj { return perIssueTruth(tr, "participants", "UserId=id UserName=name") },
	"IssueRelatedIssues": func(tr *truth) []obj {
		return perIssueTruth(tr, "relatedIssues", "RelatedIssueId=id RelatedIssueKey=issueKey RelatedProjectId=projectId RelatedIssueSummary=summary")
	},
	"IssueCustomFieldValues": func(tr *truth) []obj {
		var out []obj
		for _, is := range tr.issues() {
			for _, cf := range objs(is["customFields"]) {
				r := pick(cf, "CustomFieldId=id FieldTypeId=fieldTypeId Name=name OtherValue=otherValue", "IssueId", is["id"],
					"ProjectId", is["projectId"], "TextValue", nil, "NumberValue", nil, "DateValue", nil, "ItemId", nil, "ItemName", nil)
				switch str(cf["fieldTypeId"]) {
				case "1", "2":
					r["TextValue"] = cf["value"]
				case "3":
					r["NumberValue"] = cf["value"]
				case "4":
					r["DateValue"] = cf["value"]
				case "5", "8":
					r["ItemId"], r["ItemName"] = at(cf, "value.id"), at(cf, "value.name")
				case "6", "7":
					var names []string
					for _, it := range objs(cf["value"]) {
						names = append(names, it["name"].(string))
					}
					if len(names) > 0 {
						r["ItemName"] = strings.Join(names, ", ")
					}
				}
				out = append(out, r)
			}
		}
		return out
	},
	"IssueCustomFieldItems": func(tr *truth) []obj {
		var out []obj
		for _, is := range tr.issues() {
			for _, cf := range objs(is["customFields"]) {
				var items []obj
				switch str(cf["fieldTypeId"]) {
				case "5", "8":
					if it, ok := cf["value"].(obj); ok {
						items = append(items, it)
					}
				case "6", "7":
					items = objs(cf["value"])
				}
				for _, it := range items {
					out = append(out, pick(it, "ItemId=id ItemName=name DisplayOrder=displayOrder", "IssueId", is["id"],
						"ProjectId", is["projectId"], "CustomFieldId", cf["id"]))
				}
			}
		}
		return out
	},
	"IssueComments": func(tr *truth) []obj {
		var out []obj
		eachComment(tr, func(is, c obj) {
			out = append(out, pick(c, "Id=id IssueId=issueId ProjectId=projectId Content=content "+createdSpec+" Updated=updated"))
		})
		return out
	},
	"IssueCommentChangeLog": func(tr *truth) []obj {
		var out []obj
		eachComment(tr, func(is, c obj) {
			out = append(out, changeLogTruth(c, "IssueId", is["id"], "ProjectId", is["projectId"])...)
		})
		return out
	},
	"IssueCommentNotifications": func(tr *truth) []obj {
		var out []obj
		eachComment(tr, func(is, c obj) {
			out = append(out, pickAll(objs(c["notifications"]), notificationSpec, "CommentId", c["id"], "IssueId", is["id"], "ProjectId", is["projectId"])...)
		})
		return out
	},
	"IssueCommentStars": func(tr *truth) []obj {
		var out []obj
		eachComment(tr, func(is, c obj) {
			out = append(out, pickAll(objs(c["stars"]), starSpec, "CommentId", c["id"], "IssueId", is["id"], "ProjectId", is["projectId"])...)
		})
		return out
	},
	"SpaceUpdates": func(tr *truth) []obj { return activityTruth(tr.cursorAll("/space/activities", nil, "id")) },
	"ProjectRecentUpdates": func(tr *truth) []obj {
		var out []obj
		for _, pid := range tr.projectIDs() {
			out = append(out, activityTruth(tr.cursorAll("/projects/"+pid+"/activities", nil, "id"))...)
		}
		return out
	},
	"UserRecentUpdates": func(tr *truth) []obj {
		var out []obj
		for _, u := range tr.users() {
			for _, r := range activityTruth(tr.cursorAll("/users/"+str(u["id"])+"/activities", nil, "id")) {
				r["UserId"] = u["id"]
				out = append(out, r)
			}
		}
		return out
	},
	"WikiPages": func(tr *truth) []obj {
		var out []obj
		for _, w := range tr.wikis() {
			full := tr.get("/wikis/"+str(w["id"]), nil).(obj)
			out = append(out, pick(full, "Id=id ProjectId=projectId Name=name Content=content "+createdSpec+" "+updatedSpec))
		}
		return out
	},
	"WikiPageTags": func(tr *truth) []obj {
		var out []obj
		for _, w := range tr.wikis() {
			out = append(out, pickAll(objs(w["tags"]), "TagId=id TagName=name", "WikiId", w["id"], "ProjectId", w["projectId"])...)
		}
		return out
	},
	"WikiPageAttachments":       wikiSubTruth("attachments", attachmentSpec),
	"WikiPageLinkedSharedFiles": wikiSubTruth("sharedFiles", sharedFileSpec),
	"WikiPageStars":             wikiSubTruth("stars", starSpec),
	"WikiPageHistory": func(tr *truth) []obj {
		var out []obj
		for _, w := range tr.wikis() {
			for _, h := range tr.cursorAll("/wikis/"+str(w["id"])+"/history", nil, "version") {
				out = append(out, pick(h, "WikiId=pageId Version=version Name=name Content=content "+createdSpec, "ProjectId", w["projectId"]))
			}
		}
		return out
	},
	"ProjectSharedFiles": func(tr *truth) []obj {
		var out []obj
		for _, pid := range tr.projectIDs() {
			var walk func(dir string)
			walk = func(dir string) {
				for _, f := range tr.list("/projects/"+pid+"/files/metadata"+dir, url.Values{"count": {"1000"}}) {
					out = append(out, pick(f, "ProjectId=projectId "+sharedFileSpec))
					if f["type"] == "directory" {
						walk(dir + escapeSegment(str(f["name"])) + "/")
					}
				}
			}
			walk("/")
		}
		return out
	},
	"Repositories": func(tr *truth) []obj {
		return pickAll(tr.repositories(), "ProjectId=projectId Id=id Name=name Description=description HookUrl=hookUrl "+
			"HttpUrl=httpUrl SshUrl=sshUrl DisplayOrder=displayOrder PushedAt=pushedAt "+createdSpec+" "+updatedSpec)
	},
	"PullRequests": func(tr *truth) []obj {
		return pickAll(tr.pullRequests(), "ProjectId=projectId RepositoryId=repositoryId Id=id Number=number Summary=summary "+
			"Description=description Base=base Branch=branch StatusId=status.id StatusName=status.name "+userSpec("Assignee", "assignee")+
			" IssueId=issue.id BaseCommit=baseCommit BranchCommit=branchCommit MergeCommit=mergeCommit CloseAt=closeAt "+
			"MergeAt=mergeAt "+createdSpec+" "+updatedSpec)
	},
	"PullRequestAttachments": func(tr *truth) []obj {
		var out []obj
		for _, pr := range tr.pullRequests() {
			out = append(out, pickAll(tr.list(tr.prPath(pr)+"/attachments", nil), attachmentSpec, prExtra(pr)...)...)
		}
		return out
	},
	"PullRequestStars": func(tr *truth) []obj {
		var out []obj
		for _, pr := range tr.pullRequests() {
			out = append(out, pickAll(objs(pr["stars"]), starSpec, prExtra(pr)...)...)
		}
		return out
	},
	"PullRequestComments": func(tr *truth) []obj {
		var out []obj
		eachPRComment(tr, func(pr, c obj) {
			out = append(out, pick(c, "Id=id Content=content "+createdSpec+" Updated=updated", "PullRequestId", pr["id"],
				"ProjectId", pr["projectId"], "RepositoryId", pr["repositoryId"], "PullRequestNumber", pr["number"]))
		})
		return out
	},
	"PullRequestCommentChangeLog": func(tr *truth) []obj {
		var out []obj
		eachPRComment(tr, func(pr, c obj) { out = append(out, changeLogTruth(c, prExtra(pr)...)...) })
		return out
	},
	"PullRequestCommentNotifications": func(tr *truth) []obj {
		var out []obj
		eachPRComment(tr, func(pr, c obj) {
			out = append(out, pickAll(objs(c["notifications"]), notificationSpec, append(prExtra(pr), "CommentId", c["id"])...)...)
		})
		return out
	},
	"PullRequestCommentStars": func(tr *truth) []obj {
		var out []obj
		eachPRComment(tr, func(pr, c obj) {
			out = append(out, pickAll(objs(c["stars"]), starSpec, append(prExtra(pr), "CommentId", c["id"])...)...)
		})
		return out
	},
	"Documents": func(tr *truth) []obj {
		return pickAll(tr.documents(), "Id=id ProjectId=projectId Title=title Plain=plain Content=json StatusId=statusId Emoji=emoji "+
			createdSpec+" "+updatedSpec)
	},
	"DocumentTags": func(tr *truth) []obj {
		var out []obj
		for _, d := range tr.documents() {
			out = append(out, pickAll(objs(d["tags"]), "TagId=id TagName=name", "DocumentId", d["id"], "ProjectId", d["projectId"])...)
		}
		return out
	},
	"DocumentAttachments": func(tr *truth) []obj {
		var out []obj
		for _, d := range tr.documents() {
			full := tr.get("/documents/"+str(d["id"]), nil).(obj)
			out = append(out, pickAll(objs(full["attachments"]), attachmentSpec, "DocumentId", d["id"], "ProjectId", d["projectId"])...)
		}
		return out
	},
	"DocumentComments": func(tr *truth) []obj {
		var out []obj
		for _, d := range tr.documents() {
			for _, c := range tr.list("/documents/"+str(d["id"])+"/comments", nil) {
				spec := "Id=id Content=content Plain=plain CreatedUserId=createdUserId CreatedUserName=createdUser.name " +
					"Created=created UpdatedUserId=updatedUserId Updated=updated"
				out = append(out, pick(c, spec+" StatusId=statusId CommentType=commentType", "DocumentId", d["id"],
					"ProjectId", d["projectId"], "ParentCommentId", nil))
				for _, rp := range objs(c["replies"]) {
					out = append(out, pick(rp, spec+" ParentCommentId=commentId", "DocumentId", d["id"], "ProjectId", d["projectId"],
						"StatusId", nil, "CommentType", nil))
				}
			}
		}
		return out
	},
	"Notifications": func(tr *truth) []obj {
		return pickAll(tr.cursorAll("/notifications", nil, "id"), "Id=id AlreadyRead=alreadyRead Reason=reason "+
			"ResourceAlreadyRead=resourceAlreadyRead ProjectId=project.id IssueId=issue.id CommentId=comment.id "+
			"RepositoryId=repository.id PullRequestId=pullRequest.id PullRequestCommentId=pullRequestComment.id "+
			"DocumentId=document.id SenderId=sender.id SenderName=sender.name Created=created")
	},
	"UserRecentlyViewedIssues": func(tr *truth) []obj {
		return pickAll(tr.offsetAll("/users/myself/recentlyViewedIssues", nil),
			"IssueId=issue.id IssueKey=issue.issueKey ProjectId=issue.projectId Summary=issue.summary Viewed=updated")
	},
	"UserRecentlyViewedProjects": func(tr *truth) []obj {
		return pickAll(tr.offsetAll("/users/myself/recentlyViewedProjects", nil),
			"ProjectId=project.id ProjectKey=project.projectKey Name=project.name Viewed=updated")
	},
	"UserRecentlyViewedWikiPages": func(tr *truth) []obj {
		return pickAll(tr.offsetAll("/users/myself/recentlyViewedWikis", nil),
			"WikiId=page.id ProjectId=page.projectId Name=page.name Viewed=updated")
	},
}

func pickAll(list []obj, spec string, extra ...any) []obj {
	out := make([]obj, 0, len(list))
	for _, o := range list {
		out = append(out, pick(o, spec, extra...))
	}
	return out
}

// lowerFirstPick maps every column but Account to the member of the same
// name with a lower-case first letter (Licenses, disk usage, Projects: the
// API's names and the catalog's agree there).
func lowerFirstPick(table string, o obj) obj {
	t, _ := Lookup(table)
	r := obj{}
	for _, c := range t.Columns[1:] {
		r[c.Name] = o[strings.ToLower(c.Name[:1])+c.Name[1:]]
	}
	return r
}

// perProjectTruth lists /projects/:id/<sub> for every project.
func perProjectTruth(tr *truth, sub string, fn func(pid any, v obj) obj) []obj {
	var out []obj
	for _, p := range tr.projects() {
		for _, v := range tr.list("/projects/"+str(p["id"])+"/"+sub, nil) {
			if r := fn(p["id"], v); r != nil {
				out = append(out, r)
			}
		}
	}
	return out
}

// issueMemberTruth reads an array member of every issue.
func issueMemberTruth(member, spec string) truthFunc {
	return func(tr *truth) []obj {
		var out []obj
		for _, is := range tr.issues() {
			out = append(out, pickAll(objs(is[member]), spec, "IssueId", is["id"], "ProjectId", is["projectId"])...)
		}
		return out
	}
}

// perIssueTruth reads /issues/:id/<sub> for every issue.
func perIssueTruth(tr *truth, sub, spec string) []obj {
	var out []obj
	for _, is := range tr.issues() {
		out = append(out, pickAll(tr.list("/issues/"+str(is["id"])+"/"+sub, nil), spec, "IssueId", is["id"], "ProjectId", is["projectId"])...)
	}
	return out
}

func eachComment(tr *truth, fn func(is, c obj)) {
	for _, is := range tr.issues() {
		for _, c := range tr.cursorAll("/issues/"+str(is["id"])+"/comments", nil, "id") {
			fn(is, c)
		}
	}
}

func eachPRComment(tr *truth, fn func(pr, c obj)) {
	for _, pr := range tr.pullRequests() {
		for _, c := range tr.cursorAll(tr.prPath(pr)+"/comments", nil, "id") {
			fn(pr, c)
		}
	}
}

func prExtra(pr obj) []any {
	return []any{"PullRequestId", pr["id"], "ProjectId", pr["projectId"], "RepositoryId", pr["repositoryId"]}
}

// wikiSubTruth reads /wikis/:id/<sub> for every page.
func wikiSubTruth(sub, spec string) truthFunc {
	return func(tr *truth) []obj {
		var out []obj
		for _, w := range tr.wikis() {
			out = append(out, pickAll(tr.list("/wikis/"+str(w["id"])+"/"+sub, nil), spec, "WikiId", w["id"], "ProjectId", w["projectId"])...)
		}
		return out
	}
}

// changeLogTruth numbers a comment's change log entries from 1.
func changeLogTruth(c obj, extra ...any) []obj {
	var out []obj
	for i, ch := range objs(c["changeLog"]) {
		r := pick(ch, "Field=field NewValue=newValue OriginalValue=originalValue AttachmentId=attachmentInfo.id "+
			"AttributeId=attributeInfo.id AttributeTypeId=attributeInfo.typeId NotificationType=notificationInfo.type",
			append(extra, "CommentId", c["id"], "Seq", int64(i+1))...)
		r["AttachmentName"] = nil
		if info, ok := ch["attachmentInfo"].(obj); ok {
			r["AttachmentName"] = str(info["name"])
		}
		out = append(out, r)
	}
	return out
}

// activityTruth maps activities to rows, typed columns by type family.
func activityTruth(list []obj) []obj {
	var out []obj
	for _, a := range list {
		r := pick(a, "Id=id ProjectId=project.id ProjectKey=project.projectKey ProjectName=project.name Type=type "+createdSpec+" Content=content")
		for _, c := range []string{"IssueId", "IssueKey", "CommentId", "CommentContent", "WikiId", "SharedFileId", "RepositoryId",
			"RepositoryName", "PullRequestId", "PullRequestNumber", "MilestoneId", "DocumentId", "Title"} {
			r[c] = nil
		}
		typ, _ := a["type"].(json.Number).Int64()
		r["TypeName"] = activityTypeNames[backlog.ActivityType(typ)]
		content, _ := a["content"].(obj)
		comment := func() {
			if id := at(content, "comment.id"); id != nil && str(id) != "0" {
				r["CommentId"] = id
			}
			r["CommentContent"] = at(content, "comment.content")
		}
		switch {
		case typ >= 1 && typ <= 4 || typ == 17:
			r["IssueId"], r["Title"] = content["id"], content["summary"]
			r["IssueKey"] = fmt.Sprintf("%s-%s", str(at(a, "project.projectKey")), str(content["key_id"]))
			comment()
		case typ >= 5 && typ <= 7:
			r["WikiId"], r["Title"] = content["id"], content["name"]
		case typ >= 8 && typ <= 10:
			r["SharedFileId"], r["Title"] = content["id"], content["name"]
		case typ == 12 || typ == 13:
			r["RepositoryId"], r["RepositoryName"] = at(content, "repository.id"), at(content, "repository.name")
		case typ >= 18 && typ <= 21:
			r["PullRequestId"], r["PullRequestNumber"], r["Title"] = content["id"], content["number"], content["summary"]
			r["RepositoryId"], r["RepositoryName"] = at(content, "repository.id"), at(content, "repository.name")
			comment()
		case typ >= 22 && typ <= 24:
			r["MilestoneId"], r["Title"] = content["id"], content["name"]
		case typ >= 36 && typ <= 46 || typ == 49:
			r["DocumentId"], r["Title"] = content["id"], content["title"]
		}
		out = append(out, r)
	}
	return out
}

// escapeSegment escapes a directory name for a path.
func escapeSegment(s string) string { return url.PathEscape(s) }
