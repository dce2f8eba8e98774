package exec

// Element-wise pairs the prepared step executor (train_fast.go) runs as one
// pass: a Linear layer's bias add and its ReLU (relu(x + b),
// blas.BiasReluF32), and a ReLU's gradient, where(h > 0, g, 0) -- a
// comparison with a constant read only by a where with a constant other
// branch (blas.WhereCmpConstF32). The first node of a pair gets no kernel
// and no buffer (fusedAway); the second computes both, with the same
// roundings as the two kernels (blas tests them bit for bit).

import (
	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// isOutput reports whether id is one of the step graph's outputs.
func (f *fastStep) isOutput(id ir.NodeID) bool {
	for _, o := range f.g.Outputs {
		if o == id {
			return true
		}
	}
	return false
}

// f32Shaped reports whether node id is a float32 tensor of exactly shape.
func (f *fastStep) f32Shaped(id ir.NodeID, shape []int) bool {
	t := f.g.Node(id).Schema.Tensor
	if t == nil || t.DType != ir.Float32 || len(t.Shape) != len(shape) {
		return false
	}
	for i, d := range t.Shape {
		if int(d) != shape[i] {
			return false
		}
	}
	return true
}

// constScalar is the value of a one-element constant node as float32.
func (f *fastStep) constScalar(id ir.NodeID, constant []bool) (float32, bool) {
	if !constant[id] || f.slots[id] == nil || f.slots[id].Numel() != 1 {
		return 0, false
	}
	c := f.slots[id]
	switch c.DType {
	case ir.Float32:
		return c.F32[0], true
	case ir.Float64:
		return float32(c.F64[0]), true
	case ir.Int64:
		return float32(c.I64[0]), true
	}
	return 0, false
}

// fuseAway decides, when n is built, whether n is the first node of a pair:
// an add read only by a relu (x of n's shape plus a bias row), or a
// comparison with a constant read only by a where (as its condition, over
// the same shape, with a float32 x and a constant other branch). Such an n
// gets no kernel; its reader computes both.
func (f *fastStep) fuseAway(n *ir.Node, users [][]*ir.Node, constant []bool) bool {
	if len(users[n.ID]) != 1 || f.isOutput(n.ID) || n.Schema.Tensor == nil {
		return false
	}
	u := users[n.ID][0]
	shape := shapeOf(n)
	switch {
	case n.Op == "add" && u.Op == "relu":
		if !f.f32Shaped(n.ID, shape) || !f.f32Shaped(u.ID, shape) || !f.f32Shaped(n.Inputs[0], shape) || len(shape) == 0 {
			return false
		}
		b := f.g.Node(n.Inputs[1]).Schema.Tensor
		w := shape[len(shape)-1]
		if b == nil || b.DType != ir.Float32 || int(tensor.Numel(b.Shape)) != w || len(b.Shape) == 0 || int(b.Shape[len(b.Shape)-1]) != w {
			return false
		}
		return true
	case isCmp(n.Op):
		if n.Schema.Tensor.DType != ir.Bool || u.Op != "where" || u.Inputs[0] != n.ID || u.Inputs[1] == n.ID || u.Inputs[2] == n.ID {
			return false
		}
		if !f.f32Shaped(u.ID, shape) || !f.f32Shaped(n.Inputs[0], shape) || !f.f32Shaped(u.Inputs[1], shape) {
			return false
		}
		_, okT := f.constScalar(n.Inputs[1], constant)
		_, okC := f.constScalar(u.Inputs[2], constant)
		return okT && okC
	}
	return false
}

// fusedPair returns the kernel of n when its first input was fused away
// (fuseAway): relu of an add, where of a comparison.
func (f *fastStep) fusedPair(n *ir.Node, shape []int, constant []bool) (func() error, bool) {
	if len(n.Inputs) == 0 || !f.fusedAway[n.Inputs[0]] {
		return nil, false
	}
	first := f.g.Node(n.Inputs[0])
	id := n.ID
	out := col.NewTensor(ir.Float32, shape)
	switch n.Op {
	case "relu":
		x, b := first.Inputs[0], first.Inputs[1]
		return func() error {
			blas.BiasReluF32(out.F32, f.slots[x].F32, f.slots[b].F32)
			f.slots[id] = out
			return nil
		}, true
	case "where":
		h, x := first.Inputs[0], n.Inputs[1]
		t, _ := f.constScalar(first.Inputs[1], constant)
		c, _ := f.constScalar(n.Inputs[2], constant)
		op := cmpCode[first.Op]
		return func() error {
			blas.WhereCmpConstF32(op, out.F32, f.slots[h].F32, t, f.slots[x].F32, c)
			f.slots[id] = out
			return nil
		}, true
	}
	return nil, false
}

// isCmp reports whether op is a comparison blas.CmpConstF32 runs.
func isCmp(op string) bool {
	_, ok := cmpCode[op]
	return ok
}
