package exec

import (
	"fmt"
	"math/bits"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Memoized split regions (PRETZEL/Willump-style prediction reuse): data
// scored by a model often repeats its feature rows -- flights of one route at
// one hour of one weekday, resampled records -- and a model's result for a
// row depends only on that row. So when the part of a split region that
// reads one row input (the model on X, not the comparison with a label y)
// meets a run whose X repeats rows, it runs that part on X's distinct rows
// only and gathers each row's result from its distinct row's, then runs the
// rest of the region as usual. Rows are compared by their bytes: equal bytes
// give equal results (the same kernels on the same values; a GEMM's row
// blocks are the same arithmetic as the whole product, golib/blas), so the
// results are exactly those of the unmemoized region.
//
// Whether a run repeats is decided at run time, cheaply, from a sample of
// its rows (repeats); when the estimate or the final count says more than
// dedupMaxRatio of the rows are distinct, the region runs as if not
// memoized. explain() shows the memoized part
// of a row_split node; FLERN_DISABLE_PASSES=split_dedup switches it off.

// SplitDedupName switches memoized split regions off when listed in
// Options.Disabled (FLERN_DISABLE_PASSES=split_dedup).
const SplitDedupName = "split_dedup"

// dedupMinRows is the fewest rows a memoized region looks for repeats in
// (a variable for tests).
var dedupMinRows = 1 << 15

// dedupProbe rows, spread over a run's rows, are hashed to decide whether
// the rows repeat enough (repeats); dedupMaxRatio is the largest share of distinct rows
// that is still memoized (the model on the distinct rows plus hashing and
// gathering must cost less than the model on every row).
var dedupProbe = 1 << 14

const dedupMaxRatio = 0.5

// dedupPlan is the memoized part of a split region: Inner, the region's
// nodes whose row dependence is on row inputs Inputs only (a model on its
// features), as a region of their own whose only row inputs are those;
// Outer, the other nodes (the comparison with a label), reading Inner's
// result as an extra row input appended after the region's inputs (nil:
// Inner's result is the region's). A row's key is its bytes in every input
// of Inputs.
type dedupPlan struct {
	Inputs []int
	Inner  *splitRegion
	Outer  *splitRegion
	// MACs is the multiply-adds per row of Inner's matmuls: a part cheaper
	// than dedupMinMACs is not worth numbering the rows for.
	MACs int64
}

// dedupMinMACs is the fewest multiply-adds per row of a memoized part:
// numbering a row costs about what 1-2K of a model's multiply-adds do (the
// flights model, 1280 a row with 7% of its 3M rows distinct, ran no faster
// memoized: CPU 0.77-0.83 s against 0.82-0.86 s), so a part must do more
// than that per row for the rows that repeat to pay.
var dedupMinMACs int64 = 2048

// planDedup finds the memoized part of r: for a set K of row inputs, the
// nodes whose row dependence is within K, when they hold a matmul and
// exactly one of them (the model's output) is read by the other nodes or is
// r's result. Of the sets that qualify, the one whose part holds the most
// matmuls wins, then the one of fewest inputs. nil when none qualifies.
func planDedup(r *splitRegion, inShape func(k int) []int64) *dedupPlan {
	if len(r.Row) > 64 {
		return nil
	}
	dep := make([]uint64, len(r.Nodes))
	sets := map[uint64]bool{}
	for i, nd := range r.Nodes {
		for _, a := range nd.Inputs {
			if a < 0 {
				if r.Row[-a-1] {
					dep[i] |= 1 << uint(-a-1)
				}
			} else {
				dep[i] |= dep[a]
			}
		}
		if dep[i] == 0 {
			return nil // every region node varies by row; be safe
		}
		sets[dep[i]] = true
	}
	last := len(r.Nodes) - 1
	var best *dedupPlan
	bestMatmuls, bestInputs := 0, 0
	for k := range sets {
		in := make([]bool, len(r.Nodes))
		matmuls := 0
		for i := range r.Nodes {
			if dep[i]&^k == 0 {
				in[i] = true
				if isMatmulLike(r.Nodes[i].Op) {
					matmuls++
				}
			}
		}
		inputs := bits.OnesCount64(k)
		if matmuls == 0 || matmuls < bestMatmuls || (matmuls == bestMatmuls && inputs >= bestInputs) {
			continue
		}
		boundary := -1
		ok := true
		mark := func(i int) {
			if boundary >= 0 && boundary != i {
				ok = false
			}
			boundary = i
		}
		for i, nd := range r.Nodes {
			if in[i] {
				continue
			}
			for _, a := range nd.Inputs {
				if a >= 0 && in[a] {
					mark(int(a))
				}
			}
		}
		if in[last] {
			mark(last)
		}
		if !ok || boundary < 0 {
			continue
		}
		if p := splitDedupAt(r, k, in, boundary); p != nil {
			best, bestMatmuls, bestInputs = p, matmuls, inputs
			best.MACs = matmulMACs(p.Inner, inShape)
		}
	}
	return best
}

// matmulMACs is the multiply-adds per row of r's matmuls ([rows, k] x
// [k, n]: k*n) and perceptron heads (k*h + h*o), their inputs' shapes from
// the region or, for its external inputs, inShape.
func matmulMACs(r *splitRegion, inShape func(k int) []int64) int64 {
	var macs int64
	for _, nd := range r.Nodes {
		if nd.Op == "dense_relu_dense" && len(nd.Inputs) >= 5 && nd.Inputs[1] < 0 && nd.Inputs[3] < 0 {
			w1, w2 := inShape(int(-nd.Inputs[1]-1)), inShape(int(-nd.Inputs[3]-1))
			if len(w1) == 2 && len(w2) == 2 && w1[0] > 0 && w1[1] > 0 && w2[1] > 0 {
				macs += w1[0]*w1[1] + w1[1]*w2[1]
			}
			continue
		}
		if nd.Op != "matmul" || nd.Schema == nil || nd.Schema.Tensor == nil || len(nd.Inputs) != 2 {
			continue
		}
		var xs []int64
		if a := nd.Inputs[0]; a < 0 {
			xs = inShape(int(-a - 1))
		} else if t := r.Nodes[a].Schema; t != nil && t.Tensor != nil {
			xs = t.Tensor.Shape
		}
		os := nd.Schema.Tensor.Shape
		if len(xs) == 2 && len(os) == 2 && xs[1] > 0 && os[1] > 0 {
			macs += xs[1] * os[1]
		}
	}
	return macs
}

// splitDedupAt builds the plan for the row inputs in set k whose part is
// the nodes marked in, with result node b.
func splitDedupAt(r *splitRegion, k uint64, in []bool, b int) *dedupPlan {
	inner := &splitRegion{Chunk: r.Chunk, Row: make([]bool, len(r.Row)), Pad: true}
	var inputs []int
	for j := range r.Row {
		if k&(1<<uint(j)) != 0 {
			inner.Row[j] = true
			inputs = append(inputs, j)
		}
	}
	pos := make([]int, len(r.Nodes))
	for i, nd := range r.Nodes {
		if !in[i] {
			continue
		}
		if i > b {
			return nil // a node of the part after its result (none reads it): not this shape
		}
		c := *nd
		c.Inputs = make([]ir.NodeID, len(nd.Inputs))
		for j, a := range nd.Inputs {
			if a >= 0 {
				a = ir.NodeID(pos[a])
			}
			c.Inputs[j] = a
		}
		c.ID = ir.NodeID(len(inner.Nodes))
		pos[i] = len(inner.Nodes)
		inner.Nodes = append(inner.Nodes, &c)
	}
	p := &dedupPlan{Inputs: inputs, Inner: inner}
	if b == len(r.Nodes)-1 {
		return p
	}
	outer := &splitRegion{Chunk: r.Chunk, Row: append(append([]bool(nil), r.Row...), true)}
	extra := ir.NodeID(-len(r.Row) - 1) // Inner's result, the appended input
	for i, nd := range r.Nodes {
		if in[i] {
			continue
		}
		c := *nd
		c.Inputs = make([]ir.NodeID, len(nd.Inputs))
		for j, a := range nd.Inputs {
			switch {
			case a < 0:
			case int(a) == b:
				a = extra
			default:
				a = ir.NodeID(pos[a])
			}
			c.Inputs[j] = a
		}
		c.ID = ir.NodeID(len(outer.Nodes))
		pos[i] = len(outer.Nodes)
		outer.Nodes = append(outer.Nodes, &c)
	}
	p.Outer = outer
	return p
}

// String renders the memoized part for explain().
func (p *dedupPlan) String() string {
	ops := make([]byte, 0, 64)
	for i, n := range p.Inner.Nodes {
		if i > 0 {
			ops = append(ops, ' ')
		}
		ops = append(ops, n.Op...)
	}
	return fmt.Sprintf("memoized: [%s] (%d multiply-adds a row) on the distinct rows of row input(s) %v when they repeat",
		ops, p.MACs, p.Inputs)
}

// dedupRuns counts the runs that memoized (tests).
var dedupRuns atomic.Int64

// runDedup runs r memoized when its key inputs repeat their rows (ok
// false: they do not, or it does not apply; the caller runs r as usual).
func runDedup(c *Ctx, n *ir.Node, r *splitRegion, in []any, rows int) (out any, ok bool, err error) {
	p := r.Dedup
	if rows < dedupMinRows || p.MACs < dedupMinMACs || c.Options.Reference {
		return nil, false, nil
	}
	key := make([]rowPart, len(p.Inputs))
	for j, k := range p.Inputs {
		x, isT := in[k].(*col.Tensor)
		if !isT {
			return nil, false, nil
		}
		if key[j].b, key[j].w = tensorRowBytes(x, rows); key[j].b == nil {
			return nil, false, nil
		}
	}
	t0 := time.Now()
	ids, first, err := distinctRows(c, n, key, rows)
	if err != nil {
		return nil, false, err
	}
	if ids == nil {
		if traceOut != nil {
			fmt.Fprintf(traceOut, "flern exec: row_split: the rows of input(s) %v do not repeat enough to memoize (%.1f ms)\n",
				p.Inputs, ms(time.Since(t0)))
		}
		return nil, false, nil
	}
	dedupRuns.Add(1)
	inner := append([]any(nil), in...)
	for _, k := range p.Inputs {
		inner[k] = takeRows(in[k].(*col.Tensor), first)
	}
	t1 := time.Now()
	bu, err := runSplitRegion(c, n, innerChunked(p.Inner, len(first)), inner)
	if err != nil {
		return nil, true, err
	}
	bt, isT := bu.(*col.Tensor)
	if !isT || len(bt.Shape) == 0 || bt.Shape[0] != len(first) {
		return nil, false, nil
	}
	t2 := time.Now()
	b, err := gatherRows(c, n, bt, ids)
	if err != nil {
		return nil, true, err
	}
	if traceOut != nil {
		fmt.Fprintf(traceOut, "flern exec: row_split: memoized on %d distinct of %d rows (numbering %.1f ms, the part %.1f ms, gather %.1f ms)\n",
			len(first), rows, ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(time.Since(t2)))
	}
	if p.Outer == nil {
		return b, true, nil
	}
	out, err = runSplitRegion(c, n, p.Outer, append(append([]any(nil), in...), b))
	return out, true, err
}

// innerChunked is the memoized part r run on d distinct rows: in chunks of
// d rows rounded up to a multiple of 64 when that is fewer than r's (the
// part is padded to whole chunks, and a few hundred distinct rows padded
// to 8192 ran the model on 20 times as many rows). The chunks' kernels are
// the same (prepared for the smaller shape), and each row's result does not
// depend on the rows beside it (a GEMM's row blocks are the same arithmetic
// as the whole product, golib/blas), so results are unchanged.
func innerChunked(r *splitRegion, d int) *splitRegion {
	c := (d + 63) &^ 63
	if c >= r.Chunk || c == 0 {
		return r
	}
	s := *r
	s.Chunk = c
	return &s
}

// tensorRowBytes is t's data as bytes and the bytes of one of its rows.
func tensorRowBytes(t *col.Tensor, rows int) ([]byte, int) {
	if len(t.Shape) == 0 || t.Shape[0] != rows || rows == 0 {
		return nil, 0
	}
	var p unsafe.Pointer
	var size, n int
	switch {
	case t.F32 != nil:
		p, size, n = unsafe.Pointer(unsafe.SliceData(t.F32)), 4, len(t.F32)
	case t.F64 != nil:
		p, size, n = unsafe.Pointer(unsafe.SliceData(t.F64)), 8, len(t.F64)
	case t.I64 != nil:
		p, size, n = unsafe.Pointer(unsafe.SliceData(t.I64)), 8, len(t.I64)
	case t.B != nil:
		p, size, n = unsafe.Pointer(unsafe.SliceData(t.B)), 1, len(t.B)
	default:
		return nil, 0
	}
	if n == 0 || n%rows != 0 {
		return nil, 0
	}
	return unsafe.Slice((*byte)(p), n*size), n / rows * size
}

// takeRows is the rows idx of t (row-major), a new tensor.
func takeRows(t *col.Tensor, idx []int32) *col.Tensor {
	shape := append([]int{len(idx)}, t.Shape[1:]...)
	out := col.NewTensorUninit(t.DType, shape)
	src, w := tensorRowBytes(t, t.Shape[0])
	dst, _ := tensorRowBytes(out, len(idx))
	if len(idx) == 0 || src == nil {
		return col.NewTensor(t.DType, shape)
	}
	for i, r := range idx {
		copy(dst[i*w:i*w+w], src[int(r)*w:int(r)*w+w])
	}
	return out
}

// gatherRows is the tensor whose row i is row ids[i] of t.
func gatherRows(c *Ctx, n *ir.Node, t *col.Tensor, ids []int32) (*col.Tensor, error) {
	rows := len(ids)
	shape := append([]int{rows}, t.Shape[1:]...)
	out := col.NewTensorUninit(t.DType, shape)
	src, w := tensorRowBytes(t, t.Shape[0])
	if src == nil {
		return col.NewTensor(t.DType, shape), nil
	}
	dst, _ := tensorRowBytes(out, rows)
	err := forMorsels(c, n, rows, func(_, lo, hi int) error {
		switch {
		case t.DType == ir.Float32 && w == 4:
			s, d := t.F32, out.F32
			for i := lo; i < hi; i++ {
				d[i] = s[ids[i]]
			}
		case w == 8 && (t.F64 != nil || t.I64 != nil):
			s := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(src))), len(src)/8)
			d := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst)/8)
			for i := lo; i < hi; i++ {
				d[i] = s[ids[i]]
			}
		default:
			for i := lo; i < hi; i++ {
				r := int(ids[i])
				copy(dst[i*w:i*w+w], src[r*w:r*w+w])
			}
		}
		return nil
	})
	return out, err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
