package lower

import (
	"context"
	"runtime"
	"sync"

	"github.com/flern/flern/golib/ir"
)

// Morsel is the number of rows one worker runs at a time.
const Morsel = 1 << 16

// RangeFunc runs a loop on rows [begin, end), writing to out: the Go
// evaluator (Eval) or a compiled kernel.
type RangeFunc func(begin, end int, out *Outputs)

// Parallel runs f over rows in morsels on all cores. Append outputs are
// shared (workers write disjoint rows); reduction state is per worker and
// combined at the end, in worker order. Morsels are dealt to workers round
// robin, so float reductions give the same bits on every run (for a given
// GOMAXPROCS).
func Parallel(l *Loop, rows, ngroups int, f RangeFunc) *Outputs {
	out, _ := ParallelCtx(context.Background(), l, rows, ngroups, f)
	return out
}

// ParallelCtx is Parallel that stops between morsels once ctx is done
// (Ctrl-C from Python), returning ctx's error.
func ParallelCtx(ctx context.Context, l *Loop, rows, ngroups int, f RangeFunc) (*Outputs, error) {
	out := NewOutputs(l, rows, ngroups)
	workers := min(runtime.GOMAXPROCS(0), (rows+Morsel-1)/Morsel)
	if workers <= 1 {
		for lo := 0; lo < rows; lo += Morsel {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			f(lo, min(lo+Morsel, rows), out)
		}
		if rows == 0 {
			f(0, 0, out)
		}
		return out, nil
	}
	parts := make([]*Outputs, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		part := &Outputs{Append: out.Append, Merge: make([]Acc, len(l.Builders)),
			Groups: make([][]Acc, len(l.Builders)), Vec: make([][]float64, len(l.Builders))}
		for i, b := range l.Builders {
			switch b.Kind {
			case GroupMerge:
				part.Groups[i] = make([]Acc, ngroups)
			case VecMerge:
				part.Vec[i] = make([]float64, ngroups)
			}
		}
		parts[w] = part
		wg.Add(1)
		go func() {
			defer wg.Done()
			// morsels w, w+workers, ...: each worker's partial reductions,
			// and so the combined result, do not depend on timing
			for lo := w * Morsel; lo < rows && ctx.Err() == nil; lo += workers * Morsel {
				f(lo, min(lo+Morsel, rows), part)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, b := range l.Builders {
		t := l.Body[b.Value].Type
		for _, p := range parts {
			switch b.Kind {
			case Merge:
				out.Merge[i].Combine(p.Merge[i], b, t)
			case GroupMerge:
				for gi := range out.Groups[i] {
					out.Groups[i][gi].Combine(p.Groups[i][gi], b, t)
				}
			case VecMerge:
				for gi, v := range p.Vec[i] {
					out.Vec[i][gi] += v
				}
			}
		}
	}
	return out, nil
}

// EvalRange is the Go evaluator as a RangeFunc over the given inputs.
func EvalRange(l *Loop, in []Buf) RangeFunc {
	return func(begin, end int, out *Outputs) { Eval(l, in, begin, end, out) }
}

// isFloat reports whether t is a loop float type.
func isFloat(t ir.DType) bool { return t == ir.Float32 || t == ir.Float64 }
