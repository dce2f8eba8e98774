package exec

// The morsel scheduler: a node's rows are cut into morsels of MorselRows
// rows, and a pool of GOMAXPROCS workers takes them one at a time (work
// stealing through one atomic counter, so a slow morsel does not hold the
// others back). Cancellation is checked between morsels; a panic in a worker
// is recovered and reported as an Internal error naming the node's op and
// the user's line, like a panic on the calling goroutine.

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/flern/flern/golib/ir"
)

// MorselRows is the number of rows in one morsel (a multiple of 8, so a
// morsel's validity bits start on a byte boundary).
const MorselRows = 64 << 10

// morselRows is the morsel size in use (tests shrink it to cut small
// inputs into many morsels).
var morselRows = MorselRows

// Workers is the size of the worker pool.
func Workers() int { return runtime.GOMAXPROCS(0) }

// numMorsels is the number of morsels covering n rows.
func numMorsels(n int) int { return (n + morselRows - 1) / morselRows }

// forMorsels calls fn(m, lo, hi) for each morsel m = rows [lo, hi) of n
// rows, on up to Workers() goroutines. It returns the error of the lowest
// failing morsel (so errors are deterministic), a Cancelled error when the
// run's context ends, or an Internal error for a panic.
func forMorsels(c *Ctx, node *ir.Node, n int, fn func(m, lo, hi int) error) error {
	k := numMorsels(n)
	return forTasks(c, node, k, func(m int) error {
		lo := m * morselRows
		return fn(m, lo, min(lo+morselRows, n))
	})
}

// forTasks calls fn(t) for t in [0, k) on up to Workers() goroutines, with
// forMorsels' error, cancellation and panic rules.
func forTasks(c *Ctx, node *ir.Node, k int, fn func(t int) error) error {
	_, err := forTasksW(c, node, k, func(_, t int) error { return fn(t) })
	return err
}

// forTasksW is forTasks telling fn which worker (0 <= w < workers) runs
// the task, for worker-local state; a worker runs its tasks in increasing
// order. It returns the number of workers used.
func forTasksW(c *Ctx, node *ir.Node, k int, fn func(w, t int) error) (workers int, err error) {
	if k == 0 {
		return 0, nil
	}
	errs := make([]error, k)
	var next atomic.Int64
	var failed atomic.Bool
	work := func(w int) {
		for !failed.Load() {
			t := int(next.Add(1) - 1)
			if t >= k {
				return
			}
			if err := ctxErr(c); err != nil {
				errs[t] = err
				failed.Store(true)
				return
			}
			if err := runTask(node, t, func(t int) error { return fn(w, t) }); err != nil {
				errs[t] = err
				failed.Store(true)
				return
			}
		}
	}
	workers = min(Workers(), k)
	if workers <= 1 {
		work(0)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work(w)
			}()
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return workers, err
		}
	}
	return workers, nil
}

// runTask runs one task, turning a panic into an Internal error.
func runTask(node *ir.Node, t int, fn func(t int) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e := &ir.Error{Kind: "Internal", Msg: fmt.Sprintf("internal error (panic in a runtime worker): %v\n%s", r, debug.Stack())}
			if node != nil {
				e.Op, e.Loc = node.Op, node.Loc
			}
			err = e
		}
	}()
	return fn(t)
}

// ctxErr reports the run's cancellation as a Cancelled error.
func ctxErr(c *Ctx) error {
	if c == nil || c.Ctx == nil || c.Context == nil {
		return nil
	}
	if err := c.Context.Err(); err != nil {
		return ir.Errorf("Cancelled", "run cancelled: %v", err)
	}
	return nil
}
