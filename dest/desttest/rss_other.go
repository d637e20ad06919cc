//go:build !unix

package desttest

import "time"

// maxRSSMiB is not measured on this platform.
func maxRSSMiB() float64 { return 0 }

// cpuTime is not measured on this platform.
func cpuTime() time.Duration { return 0 }
