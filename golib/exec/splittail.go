package exec

// The split stage's folded reductions: a sum or mean of every element of a
// region's float result, its only reader, becomes the row_split's Tail
// (explain: "then the mean of every element, chunk by chunk"). Each chunk's
// result is summed as it is made and the chunks' sums added in chunk order,
// so the [rows, ...] result is never stored; a region run whole (memoized,
// few rows, the reference path) runs the reduction on its result.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// foldTails folds into each row_split a sum or mean of every element of its
// float result when that is its only reader (splitRegion.Tail; the
// row_split takes the reduction's place and schema).
func foldTails(g *ir.Graph) {
	users := g.Users()
	outs := g.OutputSet()
	for _, n := range g.Nodes {
		r, ok := n.Attrs["region"].(*splitRegion)
		t := tensorType(n)
		if n.Op != "row_split" || !ok || r.Tail != nil || outs[n.ID] || len(users[n.ID]) != 1 || t == nil ||
			(t.DType != ir.Float32 && t.DType != ir.Float64) {
			continue
		}
		u := g.Node(users[n.ID][0])
		if (u.Op != "sum" && u.Op != "mean") || len(u.Inputs) != 1 || u.Schema == nil || u.Schema.Tensor == nil ||
			u.Schema.Tensor.DType != t.DType {
			continue
		}
		if _, all, err := tensor.ReduceDims(u, len(t.Shape)); err != nil || !all {
			continue
		}
		r.Tail = &ir.Node{Op: u.Op, Attrs: u.Attrs, Loc: u.Loc, Schema: u.Schema}
		if r.Dedup != nil && r.Dedup.Outer != nil {
			// memoized: the rest of the region, run chunk by chunk after
			// the gather, sums its chunks the same way
			r.Dedup.Outer.Tail = r.Tail
		}
		*u = ir.Node{ID: u.ID, Op: "row_split", Inputs: n.Inputs, Loc: n.Loc, Schema: u.Schema, Attrs: n.Attrs}
		n.Inputs = nil // unread now: compaction drops it
	}
}

// tailSums is what the chunked run of a region with a Tail returns: each
// chunk's float64 sum of its result's elements, and their count.
type tailSums struct {
	sums  []float64
	count int
}

// sumElems is the float64 sum of t's first n elements: eight interleaved
// partial sums (element i in sum i%8; a single running sum waits on each
// add's latency), combined pairwise, then the rest in order.
func sumElems(t *col.Tensor, n int) float64 {
	if t.F32 != nil {
		return sum8(t.F32[:n])
	}
	return sum8(t.F64[:n])
}

func sum8[T float32 | float64](v []T) float64 {
	var a [8]float64
	i := 0
	for ; i+8 <= len(v); i += 8 {
		w := v[i : i+8 : i+8]
		a[0] += float64(w[0])
		a[1] += float64(w[1])
		a[2] += float64(w[2])
		a[3] += float64(w[3])
		a[4] += float64(w[4])
		a[5] += float64(w[5])
		a[6] += float64(w[6])
		a[7] += float64(w[7])
	}
	s := ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
	for ; i < len(v); i++ {
		s += float64(v[i])
	}
	return s
}

// finishTail is the tail's result from a region run's: the chunks' sums
// added in order (divided by the count for a mean), or, when the region
// ran whole (memoized, few rows, the reference path), the tail run on its
// result.
func finishTail(c *Ctx, r *splitRegion, out any) (any, error) {
	ts, ok := out.(*tailSums)
	if !ok {
		return runNode(&Ctx{Ctx: c.Ctx, Options: c.Options}, r.Tail, []any{out})
	}
	total := 0.0
	for _, s := range ts.sums {
		total += s
	}
	if r.Tail.Op == "mean" {
		total /= float64(ts.count)
	}
	tt := r.Tail.Schema.Tensor
	shape := make([]int, len(tt.Shape))
	for i, d := range tt.Shape {
		shape[i] = int(d) // all 1: every dim reduced
	}
	res := col.NewTensor(tt.DType, shape)
	if tt.DType == ir.Float32 {
		res.F32[0] = float32(total)
	} else {
		res.F64[0] = total
	}
	return res, nil
}
