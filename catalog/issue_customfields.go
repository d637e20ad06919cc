package catalog

import (
	"strings"

	"github.com/backlogsync/backlogsync/backlog"
)

// issueCustomFieldDefs: custom-field values of issues, one row per issue ×
// field, and the chosen items of list fields.
func issueCustomFieldDefs() []def {
	embedded := Change{Kind: ChangeParent, Signals: issueSignals, Deletes: issueDeletes,
		Note: "embedded in the issue: re-read with the issues whose Updated advanced"}
	calls := []Call{projectsCall, get("/issues", "pages of 100 (embedded in each issue)")}
	return []def{
		{
			name: "IssueCustomFieldValues",
			desc: "The custom-field values of each issue: one row per issue × field the issue carries, with the value in the " +
				"column of its type (the others NULL; all NULL when the field is empty).",
			parent: "Issues", parentKeys: issueKey,
			columns: cols(
				cInt("IssueId", "issue id"), cInt("ProjectId", "project id of the issue"),
				cInt("CustomFieldId", "custom field id (ProjectCustomFields.Id)"),
				cInt("FieldTypeId", "field type: "+customFieldTypes),
				cText("Name", "field name"),
				nText("TextValue", "text and sentence fields (1, 2)"),
				nFloat("NumberValue", "numeric fields (3)"),
				nDate("DateValue", "date fields (4)"),
				nInt("ItemId", "single list and radio fields (5, 8): the chosen item's id"),
				nText("ItemName", "list fields: the chosen item's name; for multiple list and check box (6, 7) the names joined with \", \" in API order (one row per item in IssueCustomFieldItems)"),
				nText("OtherValue", "check box and radio fields (7, 8): the free-text \"other\" answer"),
			),
			key: []string{"IssueId", "CustomFieldId"}, calls: calls, pushdown: childIssuePushdown(), change: embedded,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.eachIssue(q, func(is *backlog.Issue) error {
					for _, v := range is.CustomFields {
						r := f.row().set("IssueId", is.ID).set("ProjectId", is.ProjectID).set("CustomFieldId", v.ID).
							set("FieldTypeId", v.FieldTypeID).set("Name", v.Name).set("OtherValue", v.OtherValue)
						switch v.FieldTypeID {
						case backlog.FieldText, backlog.FieldTextArea:
							if s, ok := v.Text(); ok {
								r.set("TextValue", s)
							}
						case backlog.FieldNumeric:
							if n, ok := v.Number(); ok {
								r.set("NumberValue", n)
							}
						case backlog.FieldDate:
							if d, ok := v.Date(); ok {
								r.set("DateValue", d)
							}
						case backlog.FieldSingleList, backlog.FieldRadio:
							if it, ok := v.Item(); ok {
								r.set("ItemId", it.ID).set("ItemName", it.Name)
							}
						case backlog.FieldMultipleList, backlog.FieldCheckBox:
							if items, ok := v.Items(); ok && len(items) > 0 {
								names := make([]string, len(items))
								for i, it := range items {
									names[i] = it.Name
								}
								r.set("ItemName", strings.Join(names, ", "))
							}
						}
						if err := emit(r); err != nil {
							return err
						}
					}
					return nil
				})
			},
		},
		{
			name: "IssueCustomFieldItems", desc: "The chosen items of each issue's list, check-box and radio custom fields: one row per chosen item.",
			parent: "IssueCustomFieldValues", parentKeys: map[string]string{"IssueId": "IssueId", "ProjectId": "ProjectId", "CustomFieldId": "CustomFieldId"},
			columns: cols(
				cInt("IssueId", "issue id"), cInt("ProjectId", "project id of the issue"),
				cInt("CustomFieldId", "custom field id"), cInt("ItemId", "chosen item id (ProjectCustomFieldItems.Id)"),
				cText("ItemName", "chosen item name"), cInt("DisplayOrder", "the item's display order"),
			),
			key: []string{"IssueId", "CustomFieldId", "ItemId"}, calls: calls, pushdown: childIssuePushdown(), change: embedded,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.eachIssue(q, func(is *backlog.Issue) error {
					for _, v := range is.CustomFields {
						var items []backlog.CustomFieldItem
						switch v.FieldTypeID {
						case backlog.FieldSingleList, backlog.FieldRadio:
							if it, ok := v.Item(); ok {
								items = append(items, it)
							}
						case backlog.FieldMultipleList, backlog.FieldCheckBox:
							items, _ = v.Items()
						}
						for _, it := range items {
							if err := emit(f.row().set("IssueId", is.ID).set("ProjectId", is.ProjectID).set("CustomFieldId", v.ID).
								set("ItemId", it.ID).set("ItemName", it.Name).set("DisplayOrder", it.DisplayOrder)); err != nil {
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
