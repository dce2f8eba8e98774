package exec

// The runtime of "scatter" kernels (golib/lower/scatter.go): index_add
// along dim 0 of an elementwise chain's rows, as one VecMerge loop.

import (
	"fmt"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
	"github.com/flern/flern/golib/tensor"
)

// runScatterKernel checks the shapes and indices as the interpreter's
// index_add does (same errors), then runs the loop split by target rows
// (lower.ParallelScatter): the result equals the interpreter's bit for bit.
// Its errors name index_add, the op the user wrote (via index_select or
// embedding's gradient), as they did unfused.
func runScatterKernel(c *Ctx, n *ir.Node, k *lower.Kernel, in []any) (any, error) {
	l, p := k.Loop, k.Scatter
	if p == nil || len(in) != len(l.Inputs) {
		return nil, ir.Errorf("Internal", "fused scatter: malformed kernel")
	}
	ts := make([]*col.Tensor, len(in))
	for i, x := range in {
		t, ok := x.(*col.Tensor)
		if !ok || t.DType != l.Inputs[i].Type {
			return nil, ir.Errorf("Internal", "fused: input %d is not a %s tensor", i, l.Inputs[i].Type)
		}
		ts[i] = t
	}
	like, idx := ts[p.Like], ts[l.Group]
	if len(like.Shape) == 0 || len(idx.Shape) > 1 {
		return nil, ir.Errorf("Internal", "fused scatter: a %d-dim target, a %d-dim index", len(like.Shape), len(idx.Shape))
	}
	w, size, m := l.ScatterWidth(), like.Shape[0], len(idx.I64)
	if like.Numel() != size*w {
		return nil, ir.Errorf("Internal", "fused scatter: target %v is not %d wide", like.Shape, w)
	}
	rows := m * w
	bufs := make([]lower.Buf, len(in))
	for i, t := range ts {
		bufs[i] = tensorBuf(t)
		if i == p.Like || i == l.Group {
			continue
		}
		want := rows
		switch {
		case l.Inputs[i].Scalar:
			want = 1
		case l.Inputs[i].Bcast == lower.Inner:
			want = w
		case l.Inputs[i].Bcast == lower.Outer:
			want = m
		}
		if t.Numel() != want {
			sh := append([]int64{int64(m)}, like.ShapeI64()[1:]...)
			return nil, &ir.Error{Kind: "Value", Op: "index_add", Loc: n.Loc, Msg: fmt.Sprintf("source shape %s does not match %s", tensor.FormatShape(t.ShapeI64()), tensor.FormatShape(sh))}
		}
	}
	ix, err := lower.CheckIndex(idx.I64, size, p.Wrap, 0)
	if err != nil {
		if e, ok := err.(*ir.Error); ok {
			e.Op, e.Loc = "index_add", n.Loc
		}
		return nil, err
	}
	bufs[l.Group] = lower.Buf{I64: ix}
	out, err := lower.ParallelScatter(c.Context, l, rows, size, ix, rangeFunc(k, l, bufs, rows))
	if err != nil {
		return nil, cancelled(err)
	}
	b := out.Vec[0]
	return &col.Tensor{DType: l.Builders[0].Type, Shape: append([]int{}, like.Shape...), F32: b.F32, F64: b.F64, I64: b.I64}, nil
}
