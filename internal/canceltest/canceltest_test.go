package canceltest

import (
	"context"
	"testing"
	"time"
)

// The first step cancels at once, a later one after its share of the span.
func TestAt(t *testing.T) {
	c, cancel := At(context.Background(), 0, 10, time.Hour)
	defer cancel()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("step 0 was not cancelled")
	}
	c, cancel = At(context.Background(), 5, 10, 200*time.Millisecond)
	t0 := time.Now()
	<-c.Done()
	cancel()
	if d := time.Since(t0); d < 100*time.Millisecond {
		t.Errorf("step 5 of 10 over 200ms was cancelled after %s; want at least 100ms", d)
	}
	c, cancel = At(context.Background(), 9, 10, time.Hour)
	cancel()
	if c.Err() == nil {
		t.Error("cancel did not cancel")
	}
}
