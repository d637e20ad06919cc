//go:build !unix

package cputime

import "time"

// Supported reports whether Self measures CPU time on this platform.
const Supported = false

func self() time.Duration { return 0 }
