package backlog

import "time"

// WindowFloor is the shortest wall time in which n requests of one rate
// class can be made under a fixed-window limit of limit requests per window
// (share of it usable, 0 < share ≤ 1 as GovernorConfig.MaxShare), when the
// first request opens a window: every full window's budget is spent at once
// and the next window is awaited, so the last request goes out
// (ceil(n/usable) - 1) windows after the first. The time the requests
// themselves take is not included; a run's floor is the largest floor over
// its classes (see Stats.Floor).
func WindowFloor(n, limit int, share float64, window time.Duration) time.Duration {
	if n <= 0 || limit <= 0 || window <= 0 {
		return 0
	}
	if share <= 0 || share > 1 {
		share = 1
	}
	usable := limit - reserve(limit, share)
	return time.Duration((n-1)/usable) * window
}

// Floor is the fixed-window floor of the requests counted in s: the largest
// WindowFloor over the rate classes, with each class's limit taken from
// limits (a class absent from limits is not limited).
func (s Stats) Floor(limits map[RateClass]int, share float64, window time.Duration) time.Duration {
	var floor time.Duration
	for class, cs := range s.Classes {
		floor = max(floor, WindowFloor(int(cs.Requests), limits[class], share, window))
	}
	return floor
}
