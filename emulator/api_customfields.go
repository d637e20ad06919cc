package emulator

import "strconv"

// Custom-field endpoints (part of the project metadata of
// api_projects_meta.go): definitions and their list items. Reads need a visible
// project; writes need an administrator or project administrator.

// ---- custom fields

func (s *Server) getCustomFields(c *call) error {
	return s.readMeta(c, func(st *store, p *project) any {
		out := make([]map[string]any, 0, len(p.CustomFields))
		for _, f := range p.CustomFields {
			out = append(out, renderCustomField(f))
		}
		return out
	})
}

// optFloatClear reads an optional, clearable number.
func (p params) optFloatClear(k string) (opt[float64], *apiError) {
	return clearable(p, k, params.optFloat)
}

func (s *Server) postCustomField(c *call) error {
	typeID, e := c.q.requiredInt64("typeId")
	if e != nil {
		return e
	}
	if typeID < CFText || typeID > CFRadio {
		return badRequest("Invalid typeId: %d (1 to 8).", typeID)
	}
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	in := &customFieldInput{TypeID: int(typeID), Name: name, Description: c.q.str("description")}
	if in.ApplicableIssueTypes, e = c.q.ints("applicableIssueTypes"); e != nil {
		return e
	}
	if in.Required, e = c.q.bool("required", false); e != nil {
		return e
	}
	switch in.TypeID {
	case CFNumeric:
		if in.Min, e = c.q.optFloat("min"); e != nil {
			return e
		}
		if in.Max, e = c.q.optFloat("max"); e != nil {
			return e
		}
		if in.InitialValue, e = c.q.optFloat("initialValue"); e != nil {
			return e
		}
		in.Unit = c.q.optStr("unit")
	case CFDate:
		if in.MinDate, e = c.q.optDate("min"); e != nil {
			return e
		}
		if in.MaxDate, e = c.q.optDate("max"); e != nil {
			return e
		}
		n, e := c.q.int64("initialValueType", 0)
		if e != nil {
			return e
		}
		in.InitialValueType = int(n)
		if in.InitialDate, e = c.q.optDate("initialDate"); e != nil {
			return e
		}
		if sh, e := c.q.optInt64("initialShift"); e != nil {
			return e
		} else if sh != nil {
			v := int(*sh)
			in.InitialShift = &v
		}
	case CFSingleList, CFMultipleList, CFCheckBox, CFRadio:
		in.Items = c.q["items"]
		if in.AllowAddItem, e = c.q.bool("allowAddItem", false); e != nil {
			return e
		}
		if in.AllowInput, e = c.q.bool("allowInput", false); e != nil {
			return e
		}
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		f, err := st.addCustomField(c.u, s.now(), p, in)
		if err != nil {
			return nil, err
		}
		return renderCustomField(f), nil
	})
}

func (s *Server) patchCustomField(c *call) error {
	in := &customFieldUpdate{Name: c.q.optStr("name"), Description: c.q.optStr("description")}
	var e *apiError
	if in.Required, e = c.q.optBool("required"); e != nil {
		return e
	}
	if c.q.has("applicableIssueTypes") {
		ids, e := c.q.ints("applicableIssueTypes")
		if e != nil {
			return e
		}
		in.ApplicableIssueTypes = &ids
	}
	if in.AllowAddItem, e = c.q.optBool("allowAddItem"); e != nil {
		return e
	}
	if in.AllowInput, e = c.q.optBool("allowInput"); e != nil {
		return e
	}
	in.Unit = c.q.optClear("unit")
	if in.InitialShift.Set = c.q.has("initialShift"); in.InitialShift.Set {
		sh, e := c.q.optInt64("initialShift")
		if e != nil {
			return e
		}
		if sh != nil {
			v := int(*sh)
			in.InitialShift.Value = &v
		}
	}
	if c.q.has("initialValueType") {
		n, e := c.q.int64("initialValueType", 0)
		if e != nil {
			return e
		}
		v := int(n)
		in.InitialValueType = &v
	}
	if in.InitialDate, e = c.q.optDateClear("initialDate"); e != nil {
		return e
	}
	if in.InitialValue, e = c.q.optFloatClear("initialValue"); e != nil {
		return e
	}
	raw := struct{ min, max bool }{c.q.has("min"), c.q.has("max")}
	return changeMeta(s, c, customFieldMeta, func(st *store, p *project, f *customField) error {
		// min/max are numbers on numeric fields and dates on date fields.
		if raw.min || raw.max {
			var e *apiError
			if f.TypeID == CFDate {
				if in.MinDate, e = c.q.optDateClear("min"); e != nil {
					return e
				}
				if in.MaxDate, e = c.q.optDateClear("max"); e != nil {
					return e
				}
			} else {
				if in.Min, e = c.q.optFloatClear("min"); e != nil {
					return e
				}
				if in.Max, e = c.q.optFloatClear("max"); e != nil {
					return e
				}
			}
		}
		return st.updateCustomField(c.u, s.now(), p, f, in)
	})
}

func (s *Server) deleteCustomField(c *call) error {
	return deleteMeta(s, c, customFieldMeta, func(st *store, p *project, f *customField) error {
		return st.deleteCustomField(c.u, s.now(), p, f)
	})
}

// metaListItem resolves {itemId} in f.
func (c *call) metaListItem(f *customField) (*listItem, error) {
	id, err := strconv.ParseInt(c.path("itemId"), 10, 64)
	if err == nil {
		if it := listItemByID(f, id); it != nil {
			return it, nil
		}
	}
	return nil, notFound("list item")
}

func (s *Server) postListItem(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	return changeMeta(s, c, customFieldMeta, func(st *store, p *project, f *customField) error {
		_, err := st.addListItem(c.u, s.now(), p, f, name)
		return err
	})
}

func (s *Server) patchListItem(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	return changeMeta(s, c, customFieldMeta, func(st *store, p *project, f *customField) error {
		it, err := c.metaListItem(f)
		if err != nil {
			return err
		}
		return st.updateListItem(c.u, s.now(), p, f, it, name)
	})
}

func (s *Server) deleteListItem(c *call) error {
	return changeMeta(s, c, customFieldMeta, func(st *store, p *project, f *customField) error {
		it, err := c.metaListItem(f)
		if err != nil {
			return err
		}
		return st.deleteListItem(c.u, s.now(), p, f, it)
	})
}
