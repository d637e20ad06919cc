package replicate

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/backlogsync/backlogsync"
)

// panicked logs a recovered panic v with the stack of the goroutine that
// recovered it (and the stack v carries, when another goroutine's panic
// was panicked again: catalog.GoroutinePanic) and returns the error a run
// fails with.
func panicked(log *slog.Logger, v any) error {
	args := []any{"panic", fmt.Sprint(v), "stack", string(debug.Stack())}
	if p, ok := v.(interface{ PanicStack() []byte }); ok { // panicked again from another goroutine
		args = append(args, "panic_stack", string(p.PanicStack()))
	}
	log.Error("run panicked", args...)
	return fmt.Errorf("replicate: the run stopped on an internal error (panic: %v): this is a bug in backlogsync; report it with the stack trace in the log. What was written is consistent and the next run resumes from the checkpoints", v)
}

// recoverRun, deferred by Engine.Run once its run is recorded, turns a
// panic of the run's goroutine (a bug in the engine, the catalog or the
// destination) into a failed run: serve runs every job in one process,
// which a panic would end, leaving the run recorded as running. The stack
// goes to the log; the run's row gets the panic and what to do; *out and
// *err become the failed result (res is the run's result so far). Writes
// are transactional, so what was written stays consistent and the next
// run resumes from the checkpoints.
func (e *Engine) recoverRun(ctx context.Context, log *slog.Logger, res, out *AccountResult, err *error) {
	v := recover()
	if v == nil {
		return
	}
	*err = panicked(log, v)
	res.Status = backlogsync.RunFailed
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	run := backlogsync.Run{ID: res.RunID, Finished: e.now().UTC().Truncate(time.Second), Status: res.Status,
		Tables: res.Tables, Error: (*err).Error()}
	if ferr := e.Dest.FinishRun(fctx, run); ferr != nil {
		log.Warn("recording the end of a run that panicked", "err", ferr)
	}
	*out = *res
}
