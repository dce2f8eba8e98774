package tensor

import "github.com/flern/flern/golib/ir"

// Autodiff ops.
//
//   - grad [loss, wrt]: the gradient of the scalar (one-element) float tensor
//     loss with respect to wrt; same dtype and shape as wrt. It has no kernel:
//     golib/autodiff (the required first optimizer pass) rewrites every grad
//     node into plain tensor ops.
//   - sum_to [x, like]: x summed down to like's shape (like must broadcast to
//     x's shape): the un-broadcasting step of a gradient; dtype of x.
//   - expand_as [x, like]: x broadcast to like's shape; dtype of x.
//   - detach [x]: x itself, through which no gradient flows (Tensor.detach).
func init() {
	reg("detach", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		return ir.TensorSchema(in[0].Tensor.DType, in[0].Tensor.Shape), nil
	})
	reg("grad", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		loss, wrt := in[0].Tensor, in[1].Tensor
		if Numel(loss.Shape) != 1 {
			return nil, ir.Errorf("Value", "grad can be implicitly created only for scalar outputs")
		}
		if !loss.DType.IsFloat() || !wrt.DType.IsFloat() {
			return nil, ir.Errorf("Type", "only Tensors of floating point dtype can require gradients (got loss %s, input %s)", loss.DType, wrt.DType)
		}
		return ir.TensorSchema(wrt.DType, wrt.Shape), nil
	})
	reg("sum_to", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x, like := in[0].Tensor, in[1].Tensor
		if err := broadcastsTo(like.Shape, x.Shape); err != nil {
			return nil, err
		}
		return ir.TensorSchema(x.DType, like.Shape), nil
	})
	reg("expand_as", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x, like := in[0].Tensor, in[1].Tensor
		if err := broadcastsTo(x.Shape, like.Shape); err != nil {
			return nil, err
		}
		return ir.TensorSchema(x.DType, like.Shape), nil
	})
}

// broadcastsTo checks that a tensor of shape small broadcasts to shape big.
func broadcastsTo(small, big []int64) error {
	bad := len(small) > len(big)
	for i := 0; !bad && i < len(small); i++ {
		s, b := small[len(small)-1-i], big[len(big)-1-i]
		if !(s == b || s == 1 || s == ir.DynDim || b == ir.DynDim) {
			bad = true
		}
	}
	if bad {
		return ir.Errorf("Value", "shape %s is not broadcastable to %s", FormatShape(small), FormatShape(big))
	}
	return nil
}
