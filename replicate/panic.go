package replicate

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/backlogsync/backlogsync/catalog"
)

// panicked logs a recovered panic v with the stack of the goroutine that
// recovered it (and the stack v carries, when another goroutine's panic
// was panicked again: catalog.GoroutinePanic) and returns the error a run
// fails with.
func panicked(log *slog.Logger, v any) error {
	args := []any{"panic", fmt.Sprint(v), "stack", string(debug.Stack())}
	if p, ok := v.(*catalog.GoroutinePanic); ok { // panicked again from another goroutine
		args = append(args, "panic_stack", string(p.Stack))
	}
	log.Error("run panicked", args...)
	return fmt.Errorf("replicate: the run stopped on an internal error (panic: %v): this is a bug in backlogsync; report it with the stack trace in the log. What was written is consistent and the next run resumes from the checkpoints", v)
}
