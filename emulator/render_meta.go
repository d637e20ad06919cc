package emulator

// Space-level shapes: the space, its notification, disk usage, custom field
// definitions and the rate-limit status.

type jsonSpace struct {
	SpaceKey           string `json:"spaceKey"`
	Name               string `json:"name"`
	OwnerID            int64  `json:"ownerId"`
	Lang               string `json:"lang"`
	Timezone           string `json:"timezone"`
	ReportSendTime     string `json:"reportSendTime"`
	TextFormattingRule string `json:"textFormattingRule"`
	Created            ts     `json:"created"`
	Updated            ts     `json:"updated"`
}

type jsonProjectDiskUsage struct {
	ProjectID  int64 `json:"projectId"`
	Issue      int64 `json:"issue"`
	Wiki       int64 `json:"wiki"`
	Document   int64 `json:"document"`
	File       int64 `json:"file"`
	Subversion int64 `json:"subversion"`
	Git        int64 `json:"git"`
	GitLFS     int64 `json:"gitLFS"`
}

// renderCustomField renders a custom-field definition with the extra
// fields of its type (entities.md "CustomField definition").
func renderCustomField(f *customField) map[string]any {
	app := f.ApplicableIssueTypes
	if app == nil {
		app = []int64{}
	}
	j := map[string]any{"id": f.ID, "projectId": f.ProjectID, "typeId": f.TypeID, "name": f.Name,
		"description": f.Description, "required": f.Required, "useIssueType": len(app) > 0,
		"applicableIssueTypes": app, "displayOrder": f.DisplayOrder}
	switch f.TypeID {
	case CFNumeric:
		j["min"], j["max"], j["initialValue"], j["unit"] = f.Min, f.Max, f.InitialValue, f.Unit
	case CFDate:
		j["min"], j["max"] = tsp(f.MinDate), tsp(f.MaxDate)
		if f.InitialValueType == 0 {
			j["initialDate"] = nil
		} else {
			j["initialDate"] = map[string]any{"id": f.InitialValueType, "shift": f.InitialShift, "date": tsp(f.InitialDate)}
		}
	case CFSingleList, CFMultipleList, CFCheckBox, CFRadio:
		items := make([]jsonListItem, 0, len(f.Items))
		for _, it := range f.Items {
			items = append(items, jsonListItem{it.ID, it.Name, it.DisplayOrder})
		}
		j["items"], j["allowAddItem"] = items, f.AllowAddItem
		if f.TypeID == CFCheckBox || f.TypeID == CFRadio {
			j["allowInput"] = f.AllowInput
		}
	}
	return j
}

// jsonRateLimit is GET /rateLimit: the classes in Backlog's documented
// order.
type jsonRateLimit struct {
	RateLimit jsonRateClasses `json:"rateLimit"`
}

type jsonRateClasses struct {
	Read   jsonRate `json:"read"`
	Update jsonRate `json:"update"`
	Search jsonRate `json:"search"`
	Icon   jsonRate `json:"icon"`
}

// jsonRate is one class of GET /rateLimit.
type jsonRate struct {
	Limit     int   `json:"limit"`
	Remaining int   `json:"remaining"`
	Reset     int64 `json:"reset"`
}

// jsonSpaceNotification is the space's notification (GET and PUT
// /space/notification); updated is null until one is set.
type jsonSpaceNotification struct {
	Content string `json:"content"`
	Updated *ts    `json:"updated"`
}

// renderSpaceNotification renders the space's notification.
func (st *store) renderSpaceNotification() jsonSpaceNotification {
	return jsonSpaceNotification{Content: st.space.Notification, Updated: tsz(st.space.NotificationAt)}
}
