package tensor

import (
	"github.com/flern/flern/golib/ir"
)

// dense_relu_dense [x, w1, b1, w2, b2, t1, i1, t2, i2, ...]:
// relu(x @ w1 + t1[i1] + t2[i2] + ... + b1) @ w2 + b2, the two Linear
// layers of a perceptron head with a ReLU between them, as one op
// (golib/opt/mlpfuse makes it at inference; no gradient is defined). x is
// [n, k], w1 [k, h], b1 [h], w2 [h, o], b2 [o], all of one float dtype;
// each optional pair is a table t [m, h] of that dtype and int64 row
// indices i [n] into it (embeddings folded into the first layer,
// golib/opt/embedfold; one-hot columns, golib/opt/onehotembed), added to
// the first layer's rows. The result is [n, o].
func init() {
	reg("dense_relu_dense", ir.Variadic, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if len(in) < 5 || len(in)%2 == 0 {
			return nil, ir.Errorf("Value", "dense_relu_dense takes x, w1, b1, w2, b2 and (table, index) pairs, got %d inputs", len(in))
		}
		x, w1, b1, w2, b2 := in[0].Tensor, in[1].Tensor, in[2].Tensor, in[3].Tensor, in[4].Tensor
		dt := x.DType
		for i, t := range in {
			want := DenseReluDenseInput(i, dt)
			if t.Tensor.DType != want || (dt != ir.Float32 && dt != ir.Float64) {
				return nil, ir.Errorf("Type", "dense_relu_dense: input %d is %s, want %s", i, t.Tensor.DType, want)
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
		for i := 5; i < len(in); i += 2 {
			t, idx := in[i].Tensor, in[i+1].Tensor
			if len(t.Shape) != 2 || t.Shape[0] < 0 || t.Shape[1] != h || len(idx.Shape) != 1 ||
				(idx.Shape[0] >= 0 && x.Shape[0] >= 0 && idx.Shape[0] != x.Shape[0]) {
				return nil, ir.Errorf("Value", "dense_relu_dense: table %s and index %s are not [m, %d] and %s",
					FormatShape(t.Shape), FormatShape(idx.Shape), h, FormatShape(x.Shape[:1]))
			}
		}
		return ir.TensorSchema(dt, []int64{x.Shape[0], o}), nil
	})
}

// DenseReluDenseInput is the dtype of dense_relu_dense's input i when x is
// of float dtype dt: a lookup's index (every second input from the sixth)
// is int64, every other input dt.
func DenseReluDenseInput(i int, dt ir.DType) ir.DType {
	if i >= 5 && i%2 == 0 {
		return ir.Int64
	}
	return dt
}
