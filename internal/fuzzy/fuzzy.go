// Package fuzzy finds the nearest name to a misspelt one, for the "did you
// mean …?" part of error messages.
package fuzzy

import (
	"fmt"
	"strings"
)

// Distance is the Levenshtein distance of a and b, counted in runes (課題
// and 課 are one edit apart).
func Distance(as, bs string) int {
	a, b := []rune(as), []rune(bs)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Nearest returns the candidate nearest to name, compared case-insensitively
// by Distance, where a candidate that starts with a name of four letters or
// more counts as one edit away, and one that contains it, or is contained
// in it, as two ("refresh" for "refresh_token", "Issues" for
// "PROD_Issues"). It returns "" when no candidate is nearer than
// len(name)/2+2 edits. Ties go to the earlier candidate.
func Nearest(name string, candidates []string) string {
	ln := strings.ToLower(name)
	n := len([]rune(ln))
	best, bestD := "", n/2+2
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := Distance(ln, lc)
		switch {
		case n >= 4 && strings.HasPrefix(lc, ln):
			d = min(d, 1)
		case n >= 4 && strings.Contains(lc, ln), len([]rune(lc)) >= 4 && strings.Contains(ln, lc):
			d = min(d, 2)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// DidYouMean returns ` (did you mean "X"?)` for the Nearest candidate, or
// "" when none is near: the suffix of every unknown-name message.
func DidYouMean(name string, candidates []string) string {
	if n := Nearest(name, candidates); n != "" {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	return ""
}
