package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// webhookDefs: Webhooks and the activity types each one posts.
func webhookDefs() []def {
	short := Change{Kind: ChangeFull, Note: "one short list per project: re-read and diff by key (webhook edits make no activity)"}
	return []def{
		{
			name: "Webhooks", desc: "The webhooks of each project. Needs a space or project administrator key.",
			parent: "Projects", parentKeys: projectKey,
			columns: cols(cInt("ProjectId", "project id"), cInt("Id", "webhook id"), cText("Name", "webhook name"),
				cText("Description", "description"), cText("HookUrl", "URL the events are posted to"),
				cBool("AllEvent", "every activity type is posted (else see WebhookActivityTypes)"),
				cCreated("webhook"), cUpdated("webhook")),
			key:      []string{"Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/webhooks", "per project")},
			pushdown: []Pushdown{pushProject},
			change:   short,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return perProject(f, q, f.c.Projects.ListWebhooks, func(r *row, _ int64, w *backlog.Webhook) {
					r.set("Id", w.ID).set("Name", w.Name).set("Description", w.Description).set("HookUrl", w.HookURL).
						set("AllEvent", w.AllEvent).user("CreatedUser", w.CreatedUser).set("Created", w.Created).
						user("UpdatedUser", w.UpdatedUser).set("Updated", w.Updated)
				}, emit)
			},
		},
		{
			name: "WebhookActivityTypes", desc: "The activity types each webhook posts (when AllEvent is false).",
			parent: "Webhooks", parentKeys: map[string]string{"ProjectId": "ProjectId", "WebhookId": "Id"},
			columns: cols(cInt("ProjectId", "project id"), cInt("WebhookId", "webhook id"),
				cInt("ActivityTypeId", "activity type posted (SpaceUpdates.Type)")),
			key:      []string{"WebhookId", "ActivityTypeId"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/webhooks", "per project (embedded)")},
			pushdown: []Pushdown{pushProject},
			change:   short,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.projectIDs(q.translate(projectKey), func(pid int64) error {
					list, _, err := f.c.Projects.ListWebhooks(f.ctx, itoa(pid))
					if err != nil {
						return err
					}
					for _, w := range list {
						for _, t := range w.ActivityTypeIDs {
							if err := emit(f.row().set("ProjectId", pid).set("WebhookId", w.ID).set("ActivityTypeId", t)); err != nil {
								return err
							}
						}
					}
					return nil
				})
			},
		},
	}
}
