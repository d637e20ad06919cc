package emulator

import (
	"strconv"
)

// Project webhooks: GET/POST /projects/:p/webhooks and
// GET/PATCH/DELETE /projects/:p/webhooks/:webhookId (administrators and
// project administrators only).

// routesWebhooks registers the webhook routes.
func (s *Server) routesWebhooks() {
	s.handle("GET /api/v2/projects/{projectIdOrKey}/webhooks", s.getWebhooks)
	s.handle("POST /api/v2/projects/{projectIdOrKey}/webhooks", s.postWebhook)
	s.handle("GET /api/v2/projects/{projectIdOrKey}/webhooks/{webhookId}", s.getWebhook)
	s.handle("PATCH /api/v2/projects/{projectIdOrKey}/webhooks/{webhookId}", s.patchWebhook)
	s.handle("DELETE /api/v2/projects/{projectIdOrKey}/webhooks/{webhookId}", s.deleteWebhook)
}

// webhookParams parses add-/update-webhook parameters.
func webhookParams(c *call) (*webhookInput, error) {
	in := &webhookInput{Name: c.q.optStr("name"), Description: c.q.optStr("description"),
		HookURL: c.q.optStr("hookUrl")}
	var e *apiError
	if in.AllEvent, e = c.q.optBool("allEvent"); e != nil {
		return nil, e
	}
	if c.q.has("activityTypeIds") {
		ids, e := c.q.ints("activityTypeIds")
		if e != nil {
			return nil, e
		}
		if ids == nil {
			ids = []int64{}
		}
		in.ActivityTypeIDs = &ids
	}
	return in, nil
}

// pathWebhook resolves the path's project (the caller must manage it) and
// its {webhookId}.
func (c *call) pathWebhook() (*webhook, error) {
	p, err := c.managedProject()
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(c.path("webhookId"), 10, 64)
	if err != nil {
		return nil, notFound("webhook")
	}
	for _, w := range p.Webhooks {
		if w.ID == id {
			return w, nil
		}
	}
	return nil, notFound("webhook")
}

// getWebhooks serves GET /projects/:p/webhooks.
func (s *Server) getWebhooks(c *call) error {
	return reading(c, c.managedProject, func(st *store, p *project) any {
		return renderAll(p.Webhooks, st.renderWebhook)
	})
}

// getWebhook serves GET /projects/:p/webhooks/:id.
func (s *Server) getWebhook(c *call) error {
	return reading(c, c.pathWebhook, (*store).renderWebhook)
}

// postWebhook serves POST /projects/:p/webhooks.
func (s *Server) postWebhook(c *call) error {
	in, err := webhookParams(c)
	if err != nil {
		return err
	}
	return writing(c, c.managedProject, func(st *store, p *project) (any, error) {
		w, err := st.addWebhook(c.u, s.now(), p, in)
		if err != nil {
			return nil, err
		}
		return st.renderWebhook(w), nil
	})
}

// patchWebhook serves PATCH /projects/:p/webhooks/:id.
func (s *Server) patchWebhook(c *call) error {
	in, err := webhookParams(c)
	if err != nil {
		return err
	}
	return writing(c, c.pathWebhook, func(st *store, w *webhook) (any, error) {
		if err := st.updateWebhook(c.u, s.now(), w, in); err != nil {
			return nil, err
		}
		return st.renderWebhook(w), nil
	})
}

// deleteWebhook serves DELETE /projects/:p/webhooks/:id.
func (s *Server) deleteWebhook(c *call) error {
	return writing(c, c.pathWebhook, func(st *store, w *webhook) (any, error) {
		j := st.renderWebhook(w)
		if err := st.deleteWebhook(c.u, s.now(), st.projects[w.ProjectID], w); err != nil {
			return nil, err
		}
		return j, nil
	})
}
