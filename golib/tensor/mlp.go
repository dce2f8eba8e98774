package tensor

import (
	"github.com/flern/flern/golib/ir"
)

// dense_relu_dense [x, w1, b1, w2, b2]: relu(x @ w1 + b1) @ w2 + b2, the
// two Linear layers of a perceptron head with a ReLU between them, as one
// op (golib/opt/mlpfuse makes it at inference; no gradient is defined).
// x is [n, k], w1 [k, h], b1 [h], w2 [h, o], b2 [o], all of one float
// dtype; the result is [n, o].
func init() {
	reg("dense_relu_dense", 5, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x, w1, b1, w2, b2 := in[0].Tensor, in[1].Tensor, in[2].Tensor, in[3].Tensor, in[4].Tensor
		dt := x.DType
		for _, t := range in {
			if t.Tensor.DType != dt || (dt != ir.Float32 && dt != ir.Float64) {
				return nil, ir.Errorf("Type", "dense_relu_dense: inputs must share one float dtype, got %s and %s", dt, t.Tensor.DType)
			}
		}
		if len(x.Shape) != 2 || len(w1.Shape) != 2 || len(b1.Shape) != 1 || len(w2.Shape) != 2 || len(b2.Shape) != 1 {
			return nil, ir.Errorf("Value", "dense_relu_dense: shapes %s %s %s %s %s are not [n, k] [k, h] [h] [h, o] [o]",
				FormatShape(x.Shape), FormatShape(w1.Shape), FormatShape(b1.Shape), FormatShape(w2.Shape), FormatShape(b2.Shape))
		}
		k, h, o := w1.Shape[0], w1.Shape[1], w2.Shape[1]
		if k < 0 || h < 0 || o < 0 || (x.Shape[1] >= 0 && x.Shape[1] != k) || b1.Shape[0] != h || w2.Shape[0] != h || b2.Shape[0] != o {
			return nil, ir.Errorf("Value", "dense_relu_dense: shapes %s %s %s %s %s are not [n, k] [k, h] [h] [h, o] [o]",
				FormatShape(x.Shape), FormatShape(w1.Shape), FormatShape(b1.Shape), FormatShape(w2.Shape), FormatShape(b2.Shape))
		}
		return ir.TensorSchema(dt, []int64{x.Shape[0], o}), nil
	})
}
