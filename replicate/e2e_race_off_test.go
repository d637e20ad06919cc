//go:build !race

package replicate_test

// raceEnabled shrinks the end-to-end spaces under the race detector, which
// slows every request about tenfold.
const raceEnabled = false
