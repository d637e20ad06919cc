//go:build !unix

package desttest

// maxRSSMiB is not measured on this platform.
func maxRSSMiB() float64 { return 0 }
