package exec

// Staged training: a Trainer runs a compiled training step (forward, loss,
// backward, fused optimizer updates; parameters and optimizer state in the
// state store) once per mini-batch of an epoch without returning to the
// caller between steps. The caller (python/flern/train.py) traced the step
// once; the step plan reads its batch from two state entries (XB, YB) that
// the Trainer fills from the full data (X, Y, also state entries) in the
// epoch's row order. A last partial batch runs the Tail plan, traced with
// the smaller batch shape and reading XTail/YTail.

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// TrainSpec names the state entries a Trainer reads and writes.
type TrainSpec struct {
	X, Y         int64 // the full inputs and targets ([N, ...] each)
	XB, YB       int64 // the batch entries the step plan reads ([BatchSize, ...])
	XTail, YTail int64 // the batch entries of the tail plan (0 without one)
	BatchSize    int
	// CheckFinite stops the epoch with an error at the first NaN/inf loss.
	CheckFinite bool
	// Seeds are 0-dim int64 entries the step's random ops (dropout masks)
	// read their seed from; before every step each gets a fresh value,
	// StepSeed(Seed, step, i), so a run is reproducible from Seed.
	Seeds []int64
	Seed  uint64
}

// StepSeed is the seed of random op i at global step `step` (0-based) of a
// run seeded with base: splitmix64 of a Weyl sequence, 53 bits (as the
// Python front end's seeds, exact in JSON).
func StepSeed(base uint64, step int64, i int) int64 {
	x := base + (uint64(step)*1024+uint64(i)+1)*0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	x ^= x >> 31
	return int64(x >> 11)
}

// Trainer runs epochs of a staged training loop. Output 0 of each plan is
// the (one-element) loss; the other outputs are the state writes.
type Trainer struct {
	Step, Tail *ir.Graph
	Opts       Options
	Spec       TrainSpec
	// NoFast runs every step with RunAny instead of the prepared step
	// executor (train_fast.go); Opts.Reference implies it.
	NoFast    bool
	cancelled atomic.Bool
	fast      map[*ir.Graph]*fastStep
	// Steps counts the steps run over all epochs (it numbers the seeds).
	Steps int64
}

// runStep runs one step graph: prepared once into a fastStep unless
// disabled or unsupported, else with RunAny.
func (t *Trainer) runStep(g *ir.Graph) ([]any, error) {
	if t.NoFast || t.Opts.Reference {
		return RunAny(context.Background(), g, nil, t.Opts)
	}
	if t.fast == nil {
		t.fast = map[*ir.Graph]*fastStep{}
	}
	f, ok := t.fast[g]
	if !ok {
		f = buildFast(g, t.Opts)
		t.fast[g] = f
	}
	if f == nil {
		return RunAny(context.Background(), g, nil, t.Opts)
	}
	return f.run()
}

// Cancel asks a running Epoch to stop after the step in progress (safe from
// any goroutine). The flag stays set until the next Epoch starts.
func (t *Trainer) Cancel() { t.cancelled.Store(true) }

// Epoch runs one pass over the rows in perm's order: len(perm)/BatchSize
// full batches, then the tail batch if rows remain and there is a tail
// plan (without one, the remaining rows are dropped). losses[i] receives
// step i's loss; it must have room for every step. Epoch returns the number
// of steps completed: fewer than planned when cancelled (err nil) or on
// error (the steps before it were applied).
func (t *Trainer) Epoch(ctx context.Context, perm []int64, losses []float64) (int, error) {
	t.cancelled.Store(false)
	defer profileRun()()
	return t.epoch(ctx, perm, losses)
}

// epoch is Epoch without clearing a pending Cancel (Run's epochs).
func (t *Trainer) epoch(ctx context.Context, perm []int64, losses []float64) (int, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	s := t.Spec
	if s.BatchSize <= 0 {
		return 0, ir.Errorf("Value", "batch_size must be positive, got %d", s.BatchSize)
	}
	x, err := interp.StateGet(s.X)
	if err != nil {
		return 0, err
	}
	y, err := interp.StateGet(s.Y)
	if err != nil {
		return 0, err
	}
	n := 0
	if len(x.Shape) > 0 {
		n = x.Shape[0]
	}
	if len(x.Shape) == 0 || len(y.Shape) == 0 || y.Shape[0] != n {
		return 0, ir.Errorf("Value", "inputs %v and targets %v must have the same number of rows", x.Shape, y.Shape)
	}
	for _, r := range perm {
		if r < 0 || r >= int64(n) {
			return 0, ir.Errorf("Value", "row %d out of range for %d rows", r, n)
		}
	}
	full := len(perm) / s.BatchSize
	steps := full
	if rest := len(perm) - full*s.BatchSize; rest > 0 && t.Tail != nil {
		steps++
	}
	if len(losses) < steps {
		return 0, ir.Errorf("Value", "room for %d losses, the epoch has %d steps", len(losses), steps)
	}
	// The next full batch is gathered into spare tensors while the current
	// step runs (a small batch's step is mostly serial, so a core is free,
	// and shuffled rows of a big array cost a cache miss each), then swapped
	// in under the batch keys.
	pf := &prefetcher{x: x, y: y}
	defer pf.finish()
	prefetch := worthPrefetching(x, y)
	if traceOut != nil {
		defer func() { t.fast[t.Step].report(traceOut) }()
	}
	for i := 0; i < steps; i++ {
		if t.cancelled.Load() {
			return i, nil
		}
		if err := ctx.Err(); err != nil {
			return i, ir.Errorf("Cancelled", "training cancelled: %v", err)
		}
		g, xk, yk := t.Step, s.XB, s.YB
		rows := perm[i*s.BatchSize : min((i+1)*s.BatchSize, len(perm))]
		if i == full {
			g, xk, yk = t.Tail, s.XTail, s.YTail
		}
		if ok, err := pf.take(i, xk, yk); err != nil {
			return i, err
		} else if !ok {
			if err := gatherInto(xk, x, rows); err != nil {
				return i, err
			}
			if err := gatherInto(yk, y, rows); err != nil {
				return i, err
			}
		}
		if prefetch && i+1 < full {
			pf.start(i+1, xk, yk, perm[(i+1)*s.BatchSize:(i+2)*s.BatchSize])
		}
		for j, key := range s.Seeds {
			st, err := interp.StateGet(key)
			if err != nil {
				return i, err
			}
			if st.DType != ir.Int64 || st.Numel() != 1 {
				return i, ir.Errorf("Value", "seed entry %d is %s%v, not a 0-dim int64", key, st.DType, st.Shape)
			}
			st.I64[0] = StepSeed(s.Seed, t.Steps, j)
		}
		t.Steps++
		out, err := t.runStep(g)
		if err != nil {
			return i, err
		}
		loss, err := scalarOf(out[0])
		if err != nil {
			return i, err
		}
		losses[i] = loss
		if s.CheckFinite && (math.IsNaN(loss) || math.IsInf(loss, 0)) {
			return i + 1, ir.Errorf("Value", "loss is %v at step %d of the epoch", loss, i+1)
		}
	}
	return steps, nil
}

// prefetchMinBytes is the size of the training data (inputs and targets)
// from which the next batch is gathered in the background. Below it the rows
// are in the caches and a batch's gather costs less than the hand-off to a
// goroutine and back (a goroutine start, a channel wait that parks the
// calling thread -- locked to it when called from C -- and a futex wake-up):
// Auto MPG's 32 x 9 batches of a 9 KB array spent ~10 us a step on it.
var prefetchMinBytes = 4 << 20

// worthPrefetching reports whether the batches of x and y are gathered one
// step ahead (see prefetchMinBytes).
func worthPrefetching(x, y *col.Tensor) bool {
	return tensorBytes(x)+tensorBytes(y) >= int64(prefetchMinBytes)
}

// prefetcher gathers one batch ahead into spare tensors on a goroutine
// (Trainer.epoch).
type prefetcher struct {
	x, y    *col.Tensor
	spareX  *col.Tensor
	spareY  *col.Tensor
	step    int // the step whose rows are being gathered, -1: none
	done    chan error
	started bool
}

// start gathers step's rows into the spare tensors (shaped as the entries
// under xk and yk) in the background.
func (p *prefetcher) start(step int, xk, yk int64, rows []int64) {
	if p.spareX == nil {
		xb, err1 := interp.StateGet(xk)
		yb, err2 := interp.StateGet(yk)
		if err1 != nil || err2 != nil {
			return // the synchronous gather reports it
		}
		p.spareX = col.NewTensor(xb.DType, xb.Shape)
		p.spareY = col.NewTensor(yb.DType, yb.Shape)
		p.done = make(chan error, 1)
	}
	p.step, p.started = step, true
	go func() {
		err := gatherTo(p.spareX, p.x, rows)
		if err == nil {
			err = gatherTo(p.spareY, p.y, rows)
		}
		p.done <- err
	}()
}

// take waits for step's prefetched batch and swaps it in under xk and yk
// (the replaced tensors become the spares); false when step was not
// prefetched.
func (p *prefetcher) take(step int, xk, yk int64) (bool, error) {
	if !p.started || p.step != step {
		return false, nil
	}
	p.started = false
	if err := <-p.done; err != nil {
		return true, err
	}
	oldX, err := interp.StateGet(xk)
	if err != nil {
		return true, err
	}
	oldY, err := interp.StateGet(yk)
	if err != nil {
		return true, err
	}
	if err := interp.StateSet(xk, p.spareX); err != nil {
		return true, err
	}
	if err := interp.StateSet(yk, p.spareY); err != nil {
		return true, err
	}
	p.spareX, p.spareY = oldX, oldY
	return true, nil
}

// finish waits for a gather still running (an epoch stopped early).
func (p *prefetcher) finish() {
	if p.started {
		<-p.done
		p.started = false
	}
}

// gatherInto copies the rows of src (a [N, ...] tensor) into the batch
// tensor stored under key, in place.
func gatherInto(key int64, src *col.Tensor, rows []int64) error {
	dst, err := interp.StateGet(key)
	if err != nil {
		return err
	}
	if err := gatherTo(dst, src, rows); err != nil {
		return ir.Errorf("Value", "batch entry %d: %v", key, err)
	}
	return nil
}

// gatherTo copies the rows of src into dst, a tensor of len(rows) rows.
func gatherTo(dst, src *col.Tensor, rows []int64) error {
	if dst.DType != src.DType || len(dst.Shape) != len(src.Shape) || dst.Shape[0] != len(rows) {
		return fmt.Errorf("%s%v cannot hold %d rows of %s%v", dst.DType, dst.Shape, len(rows), src.DType, src.Shape)
	}
	w := 1
	for i, d := range src.Shape[1:] {
		if dst.Shape[i+1] != d {
			return fmt.Errorf("%v cannot hold rows %v", dst.Shape, src.Shape)
		}
		w *= d
	}
	if src.DType == ir.Float32 && w <= 16 { // narrow rows: the prefetching C loop (random rows miss the caches)
		n := int64(src.Shape[0])
		for _, r := range rows {
			if r < 0 || r >= n {
				return fmt.Errorf("row %d out of range for %d rows", r, n)
			}
		}
		blas.GatherRowsF32(dst.F32, src.F32, rows, w)
		return nil
	}
	for j, r := range rows {
		a, b := j*w, int(r)*w
		switch src.DType {
		case ir.Float32:
			copy(dst.F32[a:a+w], src.F32[b:b+w])
		case ir.Float64:
			copy(dst.F64[a:a+w], src.F64[b:b+w])
		case ir.Int64:
			copy(dst.I64[a:a+w], src.I64[b:b+w])
		case ir.Bool:
			copy(dst.B[a:a+w], src.B[b:b+w])
		}
	}
	return nil
}

func scalarOf(v any) (float64, error) {
	t, ok := v.(*col.Tensor)
	if !ok {
		return 0, ir.Errorf("Value", "the training step's loss must be a tensor, got %T", v)
	}
	if t.Numel() != 1 {
		return 0, ir.Errorf("Value", "the training step's loss must be a one-element tensor, got shape %v", t.Shape)
	}
	switch t.DType {
	case ir.Float32:
		return float64(t.F32[0]), nil
	case ir.Float64:
		return t.F64[0], nil
	}
	return 0, ir.Errorf("Type", "the training step's loss must be a float tensor, got %s", t.DType)
}
