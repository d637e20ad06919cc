package backlog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/backlogsync/backlogsync"
)

// The client's side of the governor: which governor and user a client draws
// from, and what it asks of them (share, concurrency, pacing).

// MaxConcurrency is the highest concurrency WithConcurrency accepts
// (backlogsync.MaxConcurrency, which configuration files accept too).
const MaxConcurrency = backlogsync.MaxConcurrency

// ParsePacing reads a pacing by name: backlogsync.ParsePacing.
func ParsePacing(s string) (Pacing, error) { return backlogsync.ParsePacing(s) }

// WithConcurrency lets up to n (1 ≤ n ≤ MaxConcurrency) of the client's
// requests be in flight at once, instead of the governor's
// GovernorConfig.Concurrency. The slots are the user's, shared with every
// client of the same Backlog user on the governor: the smallest value
// asked for by a request of the user that is waiting, in flight or was made
// within the last rate-limit window bounds them all.
func WithConcurrency(n int) Option {
	return func(c *Client) error {
		if n < 1 || n > MaxConcurrency {
			return fmt.Errorf("backlog: concurrency %d: want a whole number from 1 (sequential) to %d", n, MaxConcurrency)
		}
		c.conc = n
		return nil
	}
}

// WithPacing makes the governor spend the rate-limit budget for the
// client's requests with p instead of the governor's GovernorConfig.Pacing.
// PaceEven is the cautious choice and wins: while a request of a Backlog
// user asking for PaceEven is waiting or in flight, and for a rate-limit
// window after, all of that user's requests on the governor are paced
// evenly.
func WithPacing(p Pacing) Option {
	return func(c *Client) error {
		if p != PaceWindow && p != PaceEven {
			return fmt.Errorf("backlog: pacing %d: want PaceWindow or PaceEven", int(p))
		}
		c.pacing, c.pacingSet = p, true
		return nil
	}
}

// Concurrency returns how many requests the client asks to have in flight
// at once: its WithConcurrency, else the governor's. Clients of the same
// user asking for less hold it lower while they are active (see
// WithConcurrency).
func (c *Client) Concurrency() int {
	if c.conc > 0 {
		return c.conc
	}
	return c.gov.cfg.Concurrency
}

// Pacing returns the pacing the client asks for: its WithPacing, else the
// governor's. Another client of the same user asking for PaceEven makes it
// even while both are active.
func (c *Client) Pacing() Pacing {
	if c.pacingSet {
		return c.pacing
	}
	return c.gov.cfg.Pacing
}

// asks returns what the client asks of the governor for one request.
func (c *Client) asks() ask {
	return ask{share: c.share, conc: c.Concurrency(), even: c.Pacing() == PaceEven}
}

// WithGovernor makes the client draw its rate-limit budget from g instead of
// DefaultGovernor.
func WithGovernor(g *Governor) Option {
	return func(c *Client) error {
		if g == nil {
			return errors.New("backlog: nil Governor")
		}
		c.gov = g
		return nil
	}
}

// WithMaxShare limits the client to a fraction f (0 < f ≤ 1) of each
// rate-limit window, leaving the rest for the humans using the same account;
// e.g. 0.8 keeps 20% of every window free.
func WithMaxShare(f float64) Option {
	return func(c *Client) error {
		if !(f > 0 && f <= 1) {
			return fmt.Errorf("backlog: max share %v: want a fraction above 0 and at most 1, e.g. 0.8", f)
		}
		c.share = f
		return nil
	}
}

// budgetKey identifies the client's user to the governor: base URL plus the
// user's numeric id once known, else a SHA-256 of the API key, else (OAuth
// before the user is known) the client itself.
func (c *Client) budgetKey() string {
	c.identMu.Lock()
	defer c.identMu.Unlock()
	return c.baseURL.String() + "\x00" + c.identity
}

// initIdentity sets the identity from the credentials.
func (c *Client) initIdentity() {
	switch {
	case c.apiKey != "":
		sum := sha256.Sum256([]byte(c.apiKey))
		c.identity = "key:" + hex.EncodeToString(sum[:])
	default:
		c.identity = fmt.Sprintf("client:%p", c)
	}
}

// bindUser keys the client's budget by the user's numeric id from now on.
func (c *Client) bindUser(userID int64) {
	if userID <= 0 {
		return
	}
	c.identMu.Lock()
	c.identity = fmt.Sprintf("user:%d", userID)
	c.identMu.Unlock()
}

// Stats returns this client's counters (its share of the governor's).
func (c *Client) Stats() Stats { return c.stats.snapshot() }

// Governor returns the governor the client draws its budget from.
func (c *Client) Governor() *Governor { return c.gov }

// PrimeRateLimits asks GET /rateLimit for the user's budgets of all four
// classes and feeds them to the governor, so pacing starts from the real
// numbers before the first request of each class. The call counts as a read.
func (c *Client) PrimeRateLimits(ctx context.Context) (*RateLimits, error) {
	rl, _, err := c.RateLimit.Get(ctx)
	if err != nil {
		return nil, err
	}
	c.gov.prime(c.budgetKey(), rl, time.Now())
	return rl, nil
}
