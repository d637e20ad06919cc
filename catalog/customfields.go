package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// customFieldTypes documents the TypeId / FieldTypeId values.
const customFieldTypes = "1 text, 2 sentence, 3 numeric, 4 date, 5 single list, 6 multiple list, 7 check box, 8 radio"

// customFieldDefs: custom-field definitions, their list items and the issue
// types they apply to.
func customFieldDefs() []def {
	short := Change{Kind: ChangeFull, Note: "one short list per project: re-read and diff by key (definition edits make no activity)"}
	fieldKey := map[string]string{"ProjectId": "ProjectId", "CustomFieldId": "Id"}
	return []def{
		{
			name: "ProjectCustomFields", desc: "The custom-field definitions of each project. Type-specific settings are NULL for other types.",
			origin: "CData table", parent: "Projects", parentKeys: projectKey,
			columns: cols(
				cInt("ProjectId", "project id"), cInt("Id", "custom field id"),
				cInt("TypeId", "field type: "+customFieldTypes),
				cText("Name", "field name"), cText("Description", "field description"),
				cBool("Required", "a value is required"),
				cBool("UseIssueType", "the field applies only to some issue types (see ProjectCustomFieldIssueTypes)"),
				cInt("DisplayOrder", "display order"),
				nFloat("NumericMin", "numeric fields: minimum"), nFloat("NumericMax", "numeric fields: maximum"),
				nFloat("InitialValue", "numeric fields: initial value"), nText("Unit", "numeric fields: unit"),
				nDate("DateMin", "date fields: earliest date"), nDate("DateMax", "date fields: latest date"),
				nInt("InitialDateType", "date fields: initial value rule (1 today, 2 today + shift, 3 fixed date)"),
				nInt("InitialDateShift", "date fields: days added to today"),
				nDate("InitialDate", "date fields: fixed initial date"),
				nullable(cBool("AllowAddItem", "list fields: users may add items")),
				nullable(cBool("AllowInput", "check-box and radio fields: an \"other\" free-text answer is allowed")),
			),
			key:      []string{"Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/customFields", "per project")},
			pushdown: []Pushdown{pushProject},
			change:   short,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return perProject(f, q, f.c.Projects.ListCustomFields, func(r *row, _ int64, cf *backlog.CustomField) {
					r.set("Id", cf.ID).set("TypeId", cf.TypeID).set("Name", cf.Name).set("Description", cf.Description).
						set("Required", cf.Required).set("UseIssueType", cf.UseIssueType).set("DisplayOrder", cf.DisplayOrder)
					switch cf.TypeID {
					case backlog.FieldNumeric:
						lo, hi := cf.NumericRange()
						r.set("NumericMin", lo).set("NumericMax", hi).set("InitialValue", cf.InitialValue).set("Unit", cf.Unit)
					case backlog.FieldDate:
						lo, hi := cf.DateRange()
						r.set("DateMin", lo).set("DateMax", hi)
						if d := cf.InitialDate; d != nil {
							r.set("InitialDateType", d.ID).set("InitialDateShift", d.Shift).set("InitialDate", d.Date)
						}
					case backlog.FieldSingleList, backlog.FieldMultipleList:
						r.set("AllowAddItem", cf.AllowAddItem)
					case backlog.FieldCheckBox, backlog.FieldRadio:
						r.set("AllowAddItem", cf.AllowAddItem).set("AllowInput", cf.AllowInput)
					}
				}, emit)
			},
		},
		{
			name: "ProjectCustomFieldItems", desc: "The items (choices) of list, check-box and radio custom fields.",
			origin: "CData table", parent: "ProjectCustomFields", parentKeys: fieldKey,
			columns: cols(cInt("ProjectId", "project id"), cInt("CustomFieldId", "custom field id"),
				cInt("Id", "item id"), cText("Name", "item name"), cInt("DisplayOrder", "display order")),
			key:      []string{"CustomFieldId", "Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/customFields", "per project (items are embedded)")},
			pushdown: []Pushdown{pushProject},
			change:   short,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.customFields(q, func(pid int64, cf *backlog.CustomField) error {
					for _, it := range cf.Items {
						if err := emit(f.row().set("ProjectId", pid).set("CustomFieldId", cf.ID).
							set("Id", it.ID).set("Name", it.Name).set("DisplayOrder", it.DisplayOrder)); err != nil {
							return err
						}
					}
					return nil
				})
			},
		},
		{
			name: "ProjectCustomFieldIssueTypes", desc: "The issue types a custom field applies to, for fields with UseIssueType (none listed = all types).",
			parent: "ProjectCustomFields", parentKeys: fieldKey,
			columns: cols(cInt("ProjectId", "project id"), cInt("CustomFieldId", "custom field id"),
				cInt("IssueTypeId", "issue type id")),
			key:      []string{"CustomFieldId", "IssueTypeId"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/customFields", "per project (embedded)")},
			pushdown: []Pushdown{pushProject},
			change:   short,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.customFields(q, func(pid int64, cf *backlog.CustomField) error {
					for _, it := range cf.ApplicableIssueTypes {
						if err := emit(f.row().set("ProjectId", pid).set("CustomFieldId", cf.ID).set("IssueTypeId", it)); err != nil {
							return err
						}
					}
					return nil
				})
			},
		},
	}
}

// customFields calls fn for every custom field of every project q allows
// (q is in the child's columns; ProjectId is pushed).
func (f *fetcher) customFields(q *Query, fn func(pid int64, cf *backlog.CustomField) error) error {
	return f.projectIDs(q.translate(projectKey), func(pid int64) error {
		list, err := memo(f, key("customFields", pid), func() ([]*backlog.CustomField, error) {
			l, _, err := f.c.Projects.ListCustomFields(f.ctx, itoa(pid))
			return l, err
		})
		if err != nil {
			return err
		}
		for _, cf := range list {
			if err := fn(pid, cf); err != nil {
				return err
			}
		}
		return nil
	})
}
