package tensor

import "github.com/flern/flern/golib/ir"

// softmax, log_softmax [x]: dim: torch.softmax / torch.log_softmax along one
// dim, computed stably (the dim's maximum is subtracted first); float
// tensors only, same dtype and shape.
func init() {
	for _, op := range []string{"softmax", "log_softmax"} {
		reg(op, 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
			x := in[0].Tensor
			if !x.DType.IsFloat() {
				return nil, ir.Errorf("Type", "\"%s_lastdim_kernel_impl\" not implemented for '%s'", n.Op, torchName(x.DType))
			}
			if _, err := WrapDim(n.Attrs.Int("dim", -1), len(x.Shape)); err != nil {
				return nil, err
			}
			return ir.TensorSchema(x.DType, x.Shape), nil
		})
	}
}
