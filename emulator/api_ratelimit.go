package emulator

import (
	"time"
)

// UnlimitedReport is the limit GET /rateLimit and the X-RateLimit-Limit
// header report for a class without a limit (profile "off"): a budget far above any Backlog plan, so that a
// client pacing itself by limit and remaining runs at full speed, with
// remaining still counting the requests of the current window.
const UnlimitedReport = 1_000_000

// routesRateLimit registers the routes of this area.
func (s *Server) routesRateLimit() {
	s.handle("GET /api/v2/rateLimit", s.getRateLimit)
}

// getRateLimit serves GET /rateLimit (get-rate-limit). The dispatcher has
// already counted this call as a read, so "read" includes it.
func (s *Server) getRateLimit(c *call) error {
	now, uid := s.now(), c.u.ID
	return c.ok(jsonRateLimit{jsonRateClasses{
		Read:   s.limiter.report(uid, ClassRead, now),
		Update: s.limiter.report(uid, ClassUpdate, now),
		Search: s.limiter.report(uid, ClassSearch, now),
		Icon:   s.limiter.report(uid, ClassIcon, now),
	}})
}

// report is the state of one class as GET /rateLimit shows it; unlimited
// classes report UnlimitedReport.
func (l *limiter) report(uid int64, c Class, now time.Time) jsonRate {
	st := l.peek(uid, c, now)
	return jsonRate{Limit: st.Limit, Remaining: st.Remaining, Reset: st.Reset}
}

// RateSettings are the rate-limit settings of a running emulator
// (GET/PUT /_emulator/ratelimit).
type RateSettings struct {
	// Profile is "paid", "free", "off" or "custom".
	Profile string
	Limits  RateLimits
	Window  time.Duration
}

// RateSettings returns the current rate-limit settings.
func (s *Server) RateSettings() RateSettings {
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	return RateSettings{Profile: profileName(s.limiter.limits), Limits: s.limiter.limits, Window: s.limiter.window}
}

// SetRateLimits replaces the limits and, when window > 0, the window length.
// Counts in the current windows are kept.
func (s *Server) SetRateLimits(l RateLimits, window time.Duration) { s.limiter.setLimits(l, window) }

// profileName names a set of limits.
func profileName(l RateLimits) string {
	switch l {
	case PaidLimits:
		return "paid"
	case FreeLimits:
		return "free"
	case RateLimits{}:
		return "off"
	}
	return "custom"
}
