package lower

import (
	"slices"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// ScatterPlan describes a "scatter" kernel: index_add(g, idx, x) along dim
// 0 (the gradient of index_select and so of embedding) as one loop over
// g's elements with a VecMerge builder. The loop's inputs are those of the
// chain computing g, then idx (Loop.Group, read at i/W), then x (Like: only
// its shape is used: the result has x's shape, [size, W...]).
type ScatterPlan struct {
	Like int
	// Wrap: negative indices count from the end (advanced indexing's
	// gradient); otherwise they are out of range (index_select, embedding).
	Wrap bool
}

// fuseScatters replaces each index_add along dim 0 of a float32, float64
// or int64 tensor with a fused "scatter" kernel. The elementwise chain
// computing the added rows (e.g. the upstream gradient times relu' of
// embedding -> relu) is inlined when the scatter is its only user, also
// through views (reshape, flatten, ...: they keep the element order) used
// only by it; the chain's broadcasts must read rows of the scatter's width.
// It reports whether it fused anything (the absorbed nodes are then dead).
func fuseScatters(g *ir.Graph, o Options, rep *Report) bool {
	users := g.Users()
	isOut := map[ir.NodeID]bool{}
	for _, id := range g.Outputs {
		isOut[id] = true
	}
	elem := make([]bool, len(g.Nodes))
	width := make([]int64, len(g.Nodes))
	for _, n := range g.Nodes {
		elem[n.ID], width[n.ID] = elementwise(g, n)
	}
	inline := inlinable(g, users, isOut, elem)
	fused := false
	for _, n := range g.Nodes {
		if n.Op != "index_add" || len(n.Inputs) != 3 {
			continue
		}
		src, idx, x := g.Node(n.Inputs[0]), g.Node(n.Inputs[1]), g.Node(n.Inputs[2])
		if !src.Schema.IsTensor() || !idx.Schema.IsTensor() || !x.Schema.IsTensor() {
			continue
		}
		xs, dt := x.Schema.Tensor, src.Schema.Tensor.DType
		if dt != ir.Float32 && dt != ir.Float64 && dt != ir.Int64 || idx.Schema.Tensor.DType != ir.Int64 {
			continue
		}
		if xs.DType != ir.Float32 && xs.DType != ir.Float64 && xs.DType != ir.Int64 && xs.DType != ir.Bool {
			continue
		}
		if len(xs.Shape) == 0 {
			continue
		}
		if d, err := tensor.WrapDim(n.Attrs.Int("dim", 0), len(xs.Shape)); err != nil || d != 0 {
			continue
		}
		w := int64(1) // the scatter's width: the elements of one row of x
		for _, s := range xs.Shape[1:] {
			if s == ir.DynDim {
				w = -1
				break
			}
			w *= s
		}
		if w <= 0 {
			continue
		}
		// the chain: through views used only by the scatter to an
		// elementwise root used only by them
		var views []string
		top := src
		for tensor.Views[top.Op] && !isOut[top.ID] && len(users[top.ID]) == 1 && len(top.Inputs) == 1 &&
			g.Node(top.Inputs[0]).Schema.IsTensor() && g.Node(top.Inputs[0]).Schema.Tensor.DType == dt {
			views = append(views, top.Op)
			top = g.Node(top.Inputs[0])
		}
		var k *Kernel
		var inputs []ir.NodeID
		if elem[top.ID] && !isOut[top.ID] && len(users[top.ID]) == 1 && top.Schema.Tensor.DType == dt {
			members, cw, conflict := chainOf(g, top, inline, width)
			if !conflict && (cw == 0 || cw == w) {
				k, inputs = lowerTensorGroup(g, members, int(w))
			}
		}
		if k == nil { // no chain: the loop reads the rows to add
			views = nil
			k = &Kernel{Loop: &Loop{Filter: -1, Width: int(w), Inputs: []Input{{Type: dt}},
				Body: []Instr{{Op: "load", Type: dt, Input: 0}}}}
			inputs = []ir.NodeID{src.ID}
		}
		l := k.Loop
		v := 0 // the value added: the chain's root (lowerTensorGroup's Append builder reads it)
		if len(l.Builders) == 1 {
			v = l.Builders[0].Value
		}
		l.Builders = []Builder{{Kind: VecMerge, Value: v, Type: dt}}
		l.Width = int(w)
		l.Inputs = append(l.Inputs, Input{Type: ir.Int64, Bcast: Outer}, Input{Type: xs.DType})
		l.Group = len(l.Inputs) - 2
		inputs = append(inputs, idx.ID, x.ID)
		if l.Validate() != nil {
			continue
		}
		slices.Reverse(views)
		k.Kind, k.Schema = "scatter", n.Schema
		k.Ops = append(append(k.Ops, views...), n.Op)
		k.Scatter = &ScatterPlan{Like: len(l.Inputs) - 1, Wrap: n.Attrs.Bool("wrap", false)}
		rows := int64(-1)
		if gs := src.Schema.Tensor.Shape; !slices.Contains(gs, ir.DynDim) {
			rows = tensor.Numel(gs)
		}
		*n = ir.Node{ID: n.ID, Op: "fused", Inputs: inputs, Loc: n.Loc, Schema: n.Schema,
			Attrs: ir.Attrs{"kernel": o.kernel(k), "exec": o.exec(rows)}}
		rep.Kernels++
		rep.Ops += len(k.Ops)
		fused = true
	}
	return fused
}
