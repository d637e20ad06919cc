package emulator

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Project webhooks: GET/POST /projects/:p/webhooks and
// GET/PATCH/DELETE /projects/:p/webhooks/:webhookId (administrators and
// project administrators only).

// maxActivityType is the highest activity type code of the filters (DOC type(1-49)).
const maxActivityType = 49

// webhookInput carries add-/update-webhook parameters.
type webhookInput struct {
	Name, Description, HookURL *string
	AllEvent                   *bool
	ActivityTypeIDs            *[]int64
}

// validate checks the given fields.
func (in *webhookInput) validate() error {
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return badRequest("Invalid name: must not be empty.")
	}
	if in.HookURL != nil && !validHookURL(*in.HookURL) {
		return badRequest("Invalid hookUrl: %q is not an http(s) URL.", *in.HookURL)
	}
	if in.ActivityTypeIDs != nil {
		for _, t := range *in.ActivityTypeIDs {
			if t < 1 || t > maxActivityType {
				return badRequest("Invalid activityTypeIds[]: %d (1 to %d).", t, maxActivityType)
			}
		}
	}
	return nil
}

// addWebhook adds a project webhook.
func (s *store) addWebhook(actor *user, at time.Time, p *project, in *webhookInput) (*webhook, error) {
	if in.Name == nil {
		return nil, badRequest("Missing required parameter: name.")
	}
	if in.HookURL == nil {
		return nil, badRequest("Missing required parameter: hookUrl.")
	}
	if in.AllEvent == nil {
		return nil, badRequest("Missing required parameter: allEvent.")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	w := &webhook{ID: s.nextID("webhook"), ProjectID: p.ID, CreatedUser: actor.ID, Created: at}
	s.applyWebhook(actor, at, w, in)
	p.Webhooks = append(p.Webhooks, w)
	return w, nil
}

func (s *store) applyWebhook(actor *user, at time.Time, w *webhook, in *webhookInput) {
	if in.Name != nil {
		w.Name = *in.Name
	}
	if in.Description != nil {
		w.Description = *in.Description
	}
	if in.HookURL != nil {
		w.HookURL = *in.HookURL
	}
	if in.AllEvent != nil {
		w.AllEvent = *in.AllEvent
	}
	if in.ActivityTypeIDs != nil {
		ids := []int64{}
		for _, t := range *in.ActivityTypeIDs {
			if !slices.Contains(ids, t) {
				ids = append(ids, t)
			}
		}
		slices.Sort(ids)
		w.ActivityTypeIDs = ids
	}
	if w.ActivityTypeIDs == nil {
		w.ActivityTypeIDs = []int64{}
	}
	w.UpdatedUser, w.Updated = actor.ID, at
}

// updateWebhook changes a webhook.
func (s *store) updateWebhook(actor *user, at time.Time, w *webhook, in *webhookInput) error {
	if err := in.validate(); err != nil {
		return err
	}
	s.applyWebhook(actor, at, w, in)
	return nil
}

// deleteWebhook removes a webhook.
func (s *store) deleteWebhook(actor *user, at time.Time, p *project, w *webhook) error {
	p.Webhooks = slices.DeleteFunc(p.Webhooks, func(x *webhook) bool { return x == w })
	return nil
}

type jsonWebhook struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	HookURL         string    `json:"hookUrl"`
	AllEvent        bool      `json:"allEvent"`
	ActivityTypeIDs []int64   `json:"activityTypeIds"`
	CreatedUser     *jsonUser `json:"createdUser"`
	Created         ts        `json:"created"`
	UpdatedUser     *jsonUser `json:"updatedUser"`
	Updated         ts        `json:"updated"`
}

func (s *store) renderWebhook(w *webhook) *jsonWebhook {
	ids := w.ActivityTypeIDs
	if ids == nil {
		ids = []int64{}
	}
	return &jsonWebhook{ID: w.ID, Name: w.Name, Description: w.Description, HookURL: w.HookURL,
		AllEvent: w.AllEvent, ActivityTypeIDs: ids, CreatedUser: s.renderUser(w.CreatedUser),
		Created: ts(w.Created), UpdatedUser: s.renderUser(w.UpdatedUser), Updated: ts(w.Updated)}
}

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

// webhookOf resolves the {webhookId} wildcard in p.
func webhookOf(c *call, p *project) (*webhook, error) {
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
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	p, err := c.managedProject()
	if err != nil {
		return err
	}
	w, err := webhookOf(c, p)
	if err != nil {
		return err
	}
	return c.ok(st.renderWebhook(w))
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
	return writing(c, c.managedProject, func(st *store, p *project) (any, error) {
		w, err := webhookOf(c, p)
		if err != nil {
			return nil, err
		}
		if err := st.updateWebhook(c.u, s.now(), w, in); err != nil {
			return nil, err
		}
		return st.renderWebhook(w), nil
	})
}

// deleteWebhook serves DELETE /projects/:p/webhooks/:id.
func (s *Server) deleteWebhook(c *call) error {
	return writing(c, c.managedProject, func(st *store, p *project) (any, error) {
		w, err := webhookOf(c, p)
		if err != nil {
			return nil, err
		}
		j := st.renderWebhook(w)
		if err := st.deleteWebhook(c.u, s.now(), p, w); err != nil {
			return nil, err
		}
		return j, nil
	})
}
