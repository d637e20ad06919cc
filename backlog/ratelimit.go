package backlog

import (
	"context"
	"encoding/json"
	"time"
)

// RateLimitService reads the user's rate-limit budgets.
type RateLimitService service

// RateLimits are the budgets of the four classes at once.
type RateLimits struct {
	Read   Rate
	Update Rate
	Search Rate
	Icon   Rate
}

// ByClass returns the budget of class.
func (r *RateLimits) ByClass(class RateClass) Rate {
	switch class {
	case RateUpdate:
		return r.Update
	case RateSearch:
		return r.Search
	case RateIcon:
		return r.Icon
	}
	return r.Read
}

type wireRate struct {
	Limit     int   `json:"limit"`
	Remaining int   `json:"remaining"`
	Reset     int64 `json:"reset"`
}

func (w *wireRate) rate(class RateClass) Rate {
	r := Rate{Class: class}
	if w == nil {
		return r
	}
	r.Limit, r.Remaining = w.Limit, w.Remaining
	if w.Reset > 0 {
		r.Reset = time.Unix(w.Reset, 0).UTC()
	}
	return r
}

// UnmarshalJSON decodes {"rateLimit":{"read":{limit,remaining,reset},…}}.
func (r *RateLimits) UnmarshalJSON(data []byte) error {
	var v struct {
		RateLimit struct {
			Read   *wireRate `json:"read"`
			Update *wireRate `json:"update"`
			Search *wireRate `json:"search"`
			Icon   *wireRate `json:"icon"`
		} `json:"rateLimit"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	rl := v.RateLimit
	*r = RateLimits{Read: rl.Read.rate(RateRead), Update: rl.Update.rate(RateUpdate),
		Search: rl.Search.rate(RateSearch), Icon: rl.Icon.rate(RateIcon)}
	return nil
}

// Get returns the user's current budgets of all four classes. The call
// itself counts as a read.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-rate-limit/
func (s *RateLimitService) Get(ctx context.Context) (*RateLimits, *Response, error) {
	return get[*RateLimits](ctx, s.client, "rateLimit", nil)
}
