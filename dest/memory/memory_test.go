package memory_test

import (
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/memory"
)

func TestConformance(t *testing.T) {
	desttest.Run(t, func(t *testing.T) bs.Destination { return memory.New() }, desttest.Opt{})
}
