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
	if l.Scatters() {
		return ParallelScatter(ctx, l, rows, ngroups, nil, f)
	}
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
		if out.Selected != nil {
			compact(l, out)
		}
		return out, nil
	}
	parts := make([]*Outputs, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		part := &Outputs{Append: out.Append, Selected: out.Selected, Merge: make([]Acc, len(l.Builders)),
			Groups: make([][]Acc, len(l.Builders))}
		parts[w] = part
		wg.Add(1)
		go func() {
			defer wg.Done()
			// worker 0 accumulates its groups straight into out's (zeroed:
			// combining them into out would copy them exactly, see
			// combine); the others' are allocated (and zeroed) here, on
			// the workers
			for i, b := range l.Builders {
				if b.Kind == GroupMerge {
					if w == 0 {
						part.Groups[i] = out.Groups[i]
					} else {
						part.Groups[i] = make([]Acc, ngroups)
					}
				}
			}
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
	combine(l, out, parts)
	if out.Selected != nil {
		compact(l, out)
	}
	return out, nil
}

// ParallelOrdered is ParallelCtx for a grouped loop whose group ids gid
// (the loop's group input, rows long) never decrease from row to row (keys
// already sorted): each worker takes a contiguous range of rows cut at group
// boundaries, so that every group is reduced by one worker, in row order,
// straight into the result: no partial states per worker, no combine, and
// the result does not depend on the number of workers (it equals a run on
// one). Loops with other builders than GroupMerge run as ParallelCtx.
func ParallelOrdered(ctx context.Context, l *Loop, rows, ngroups int, gid []int64, f RangeFunc) (*Outputs, error) {
	workers := min(runtime.GOMAXPROCS(0), (rows+Morsel-1)/Morsel)
	grouped := len(l.Builders) > 0 && !l.Scatters() && !l.Compacts() && len(gid) >= rows
	for _, b := range l.Builders {
		grouped = grouped && b.Kind == GroupMerge
	}
	if !grouped || workers <= 1 {
		return ParallelCtx(ctx, l, rows, ngroups, f)
	}
	out := NewOutputs(l, rows, ngroups)
	if err := OrderedInto(ctx, l, rows, gid, out, f); err != nil {
		return nil, err
	}
	return out, nil
}

// ParallelScatter runs a VecMerge loop (Loop.Scatters) over rows rows into
// a [size, W] result. The workers split the target rows, not the source
// rows: each runs every morsel of rows (whole index rows, W rows each) and
// adds only the rows whose index falls in its own target range, so every
// element's sum takes its values in row order on one worker, and the result
// is the same, bit for bit, for any number of workers (and equal to the
// interpreter's index_add). idx, when not nil, is the loop's index buffer
// (already checked by CheckIndex): the target ranges are then cut to give
// the workers about as many index rows each; otherwise they are equal. The
// cost of the split is that every worker reads the whole index buffer.
func ParallelScatter(ctx context.Context, l *Loop, rows, size int, idx []int64, f RangeFunc) (*Outputs, error) {
	out := NewOutputs(l, rows, size)
	w := l.ScatterWidth()
	step := max(1, Morsel/w) * w // a morsel of whole index rows
	workers := min(runtime.GOMAXPROCS(0), size, max(1, rows/Morsel))
	run := func(part *Outputs) {
		for lo := 0; lo < rows && ctx.Err() == nil; lo += step {
			f(lo, min(lo+step, rows), part)
		}
	}
	if workers <= 1 {
		run(out)
		return out, ctx.Err()
	}
	bounds := scatterBounds(size, workers, idx)
	var wg sync.WaitGroup
	for p := 0; p < workers; p++ {
		part := &Outputs{Vec: out.Vec, Dest: [2]int64{bounds[p], bounds[p+1]}}
		if part.Dest[0] == part.Dest[1] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(part)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// scatterBounds cuts target rows [0, size) into workers ranges
// [b[p], b[p+1]): of equal size, or holding about equally many of the
// indices idx.
func scatterBounds(size, workers int, idx []int64) []int64 {
	b := make([]int64, workers+1)
	b[workers] = int64(size)
	if len(idx) == 0 {
		for p := 1; p < workers; p++ {
			b[p] = int64(p * size / workers)
		}
		return b
	}
	count := make([]int64, size)
	for _, d := range idx {
		if d >= 0 && d < int64(size) {
			count[d]++
		}
	}
	total, seen, p := int64(len(idx)), int64(0), 1
	for d, c := range count {
		for p < workers && seen >= int64(p)*total/int64(workers) {
			b[p] = int64(d)
			p++
		}
		seen += c
	}
	for ; p < workers; p++ {
		b[p] = int64(size)
	}
	return b
}

// CheckIndex checks the indices of a scatter-add (or gather) into a dim of
// size size as the interpreter does: with wrap, a negative index counts
// from the end (advanced indexing) and the result is a new slice when one
// is wrapped; otherwise a negative index is out of range (index_select,
// embedding, gather). An index out of range is the interpreter's Index
// error.
func CheckIndex(idx []int64, size int, wrap bool, dim int) ([]int64, error) {
	out := idx
	for k, v := range idx {
		if wrap && v < 0 {
			if &out[0] == &idx[0] {
				out = append([]int64(nil), idx...)
			}
			v += int64(size)
			out[k] = v
		}
		if v < 0 || v >= int64(size) {
			if wrap {
				return nil, ir.Errorf("Index", "index %d is out of bounds for dimension %d with size %d", idx[k], dim, size)
			}
			return nil, ir.Errorf("Index", "index out of range in self")
		}
	}
	return out, nil
}

// combine merges the workers' reduction states into out, in worker order.
func combine(l *Loop, out *Outputs, parts []*Outputs) {
	for i, b := range l.Builders {
		t := l.Body[b.Value].Type
		for _, p := range parts {
			switch b.Kind {
			case Merge:
				out.Merge[i].Combine(p.Merge[i], b, t)
			case GroupMerge:
				if len(out.Groups[i]) > 0 && len(p.Groups[i]) > 0 && &p.Groups[i][0] == &out.Groups[i][0] {
					// a worker that accumulated into out itself: combining
					// its state into a zero one gives it back unchanged (a
					// sum from +0 is never -0; min/max/N copied), so nothing
					// to do
					continue
				}
				for gi := range out.Groups[i] {
					out.Groups[i][gi].Combine(p.Groups[i][gi], b, t)
				}
			}
		}
	}
}

// compact moves each morsel's selected rows (written from the morsel's
// first row on) next to the previous morsel's and cuts the Append outputs
// to the selected rows.
func compact(l *Loop, out *Outputs) {
	total := out.SelectedRows()
	for i, b := range l.Builders {
		if b.Kind != Append {
			continue
		}
		unit := max(1, b.Stride)
		o := &out.Append[i]
		if b.Stride == 0 || b.Offset == 0 { // strided builders share one matrix: move it once
			pos := 0
			for m, k := range out.Selected {
				from, n := m*Morsel*unit, int(k)*unit
				if from != pos {
					o.move(pos, from, n)
				}
				pos += n
			}
		}
		o.truncate(total * unit)
	}
}

// move copies n elements from position from to position to (to <= from).
func (b *Buf) move(to, from, n int) {
	switch {
	case b.F32 != nil:
		copy(b.F32[to:to+n], b.F32[from:from+n])
	case b.F64 != nil:
		copy(b.F64[to:to+n], b.F64[from:from+n])
	case b.I64 != nil:
		copy(b.I64[to:to+n], b.I64[from:from+n])
	case b.B != nil:
		copy(b.B[to:to+n], b.B[from:from+n])
	}
}

func (b *Buf) truncate(n int) {
	switch {
	case b.F32 != nil:
		b.F32 = b.F32[:n:n]
	case b.F64 != nil:
		b.F64 = b.F64[:n:n]
	case b.I64 != nil:
		b.I64 = b.I64[:n:n]
	case b.B != nil:
		b.B = b.B[:n:n]
	}
}

// EvalRange is the Go evaluator as a RangeFunc over the given inputs.
func EvalRange(l *Loop, in []Buf) RangeFunc {
	return func(begin, end int, out *Outputs) { Eval(l, in, begin, end, out) }
}

// isFloat reports whether t is a loop float type.
func isFloat(t ir.DType) bool { return t == ir.Float32 || t == ir.Float64 }
