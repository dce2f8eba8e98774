package exec

// The runtime of `fused` nodes (golib/lower): a loop run on all cores in
// morsels, by a native kernel (golib/codegen) when the node allows codegen
// and the run is large enough, else by the Go evaluator of the loop IR.

import (
	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

func init() {
	Register("fused", runFused)
}

func runFused(c *Ctx, n *ir.Node, in []any) (any, error) {
	k, ok := n.Attrs["kernel"].(*lower.Kernel)
	if !ok {
		return nil, ir.Errorf("Internal", "fused node without a kernel")
	}
	switch k.Kind {
	case "tensor":
		return runTensorKernel(k, in)
	case "agg":
		return runAggKernel(k, in)
	}
	return nil, ir.Errorf("Internal", "fused kernel of kind %q", k.Kind)
}

// rangeFunc picks how a loop runs over rows: natively when allowed, large
// enough and the compiler succeeds, else with the Go evaluator.
func rangeFunc(k *lower.Kernel, l *lower.Loop, bufs []lower.Buf, rows int) lower.RangeFunc {
	if k.Codegen && int64(rows) >= k.MinRows {
		if nk, err := codegen.Compile(l); err == nil {
			return nk.Range(l, bufs)
		}
	}
	return lower.EvalRange(l, bufs)
}

func tensorBuf(t *col.Tensor) lower.Buf {
	return lower.Buf{F32: t.F32, F64: t.F64, I64: t.I64, B: t.B}
}

func runTensorKernel(k *lower.Kernel, in []any) (any, error) {
	l := k.Loop
	bufs := make([]lower.Buf, len(in))
	var shape []int
	for i, x := range in {
		t, ok := x.(*col.Tensor)
		if !ok || t.DType != l.Inputs[i].Type {
			return nil, ir.Errorf("Internal", "fused: input %d is not a %s tensor", i, l.Inputs[i].Type)
		}
		if l.Inputs[i].Scalar {
			if t.Numel() != 1 {
				return nil, ir.Errorf("Internal", "fused: scalar input %d has %d elements", i, t.Numel())
			}
		} else if shape == nil {
			shape = t.Shape
		} else if !sameInts(shape, t.Shape) {
			return nil, ir.Errorf("Value", "The size of tensor a %v must match the size of tensor b %v", shape, t.Shape)
		}
		bufs[i] = tensorBuf(t)
	}
	if shape == nil {
		return nil, ir.Errorf("Internal", "fused: no full-size input")
	}
	rows := 1
	for _, d := range shape {
		rows *= d
	}
	out := lower.Parallel(l, rows, 0, rangeFunc(k, l, bufs, rows))
	b := out.Append[0]
	return &col.Tensor{DType: l.Builders[0].Type, Shape: append([]int{}, shape...), F32: b.F32, F64: b.F64, I64: b.I64, B: b.B}, nil
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func runAggKernel(k *lower.Kernel, in []any) (any, error) {
	return nil, ErrFallback
}
