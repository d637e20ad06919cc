package emulator

import (
	"slices"
	"strings"
	"time"
)

// Project webhooks: their input, validation and mutations.

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
