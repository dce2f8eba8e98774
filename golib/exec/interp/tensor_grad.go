package interp

// Kernels of the tensor ops only gradient graphs use (golib/autodiff emits
// them): sum_to un-broadcasts a gradient to its input's shape, expand_as
// broadcasts one, detach passes a value through without a gradient.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func init() {
	registerTensor("sum_to", tSumTo)
	registerTensor("expand_as", tExpandAs)
	registerTensor("detach", func(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
		return in[0].(*col.Tensor), nil
	})
}

// tSumTo sums x down to the shape of like (the reverse of broadcasting).
func tSumTo(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	x, like := in[0].(*col.Tensor), in[1].(*col.Tensor)
	if !x.DType.IsFloat() {
		return nil, ir.Errorf("Type", "sum_to expects a float tensor, got %s", x.DType)
	}
	idx := bcastIndex(like.Shape, x.Shape)
	xs := asF64(x)
	acc := make([]float64, like.Numel())
	for k, v := range xs {
		acc[at(idx, k)] += v
	}
	return floatResult(out.DType, append([]int{}, like.Shape...), acc), nil
}

// tExpandAs broadcasts x to the shape of like.
func tExpandAs(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	x, like := in[0].(*col.Tensor), in[1].(*col.Tensor)
	if !x.DType.IsFloat() {
		return nil, ir.Errorf("Type", "expand_as expects a float tensor, got %s", x.DType)
	}
	idx := bcastIndex(x.Shape, like.Shape)
	xs := asF64(x)
	v := make([]float64, like.Numel())
	for k := range v {
		v[k] = xs[at(idx, k)]
	}
	return floatResult(out.DType, append([]int{}, like.Shape...), v), nil
}
