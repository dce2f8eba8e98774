package interp

import (
	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// dense_relu_dense is, by definition, the ops it replaces run one after the
// other: matmul (the GEMM tMatmul calls), the bias added, relu (NaN kept,
// -0 to 0), matmul, the bias added; results equal the unfused ops'
// exactly. The runtime's fused kernel (golib/blas DenseReluDenseF32) agrees
// within float rounding.
func init() {
	registerTensor("dense_relu_dense", tDenseReluDense)
}

func tDenseReluDense(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	x, w1, b1, w2, b2 := in[0].(*col.Tensor), in[1].(*col.Tensor), in[2].(*col.Tensor), in[3].(*col.Tensor), in[4].(*col.Tensor)
	rows, k := x.Shape[0], x.Shape[1]
	h, o := w1.Shape[1], w2.Shape[1]
	if w1.Shape[0] != k {
		return nil, ir.Errorf("Value", "dense_relu_dense: x has %d columns, w1 %d rows", k, w1.Shape[0])
	}
	res := col.NewTensor(out.DType, []int{rows, o})
	if out.DType == ir.Float32 {
		denseReluDense(rows, k, h, o, x.F32, w1.F32, b1.F32, w2.F32, b2.F32, res.F32, blas.Sgemm)
	} else {
		denseReluDense(rows, k, h, o, x.F64, w1.F64, b1.F64, w2.F64, b2.F64, res.F64, blas.Dgemm)
	}
	return res, nil
}

// denseReluDense writes relu(x @ w1 + b1) @ w2 + b2 into out with gemm (the
// GEMM tMatmul uses for the dtype).
func denseReluDense[T float32 | float64](rows, k, h, o int, x, w1, b1, w2, b2, out []T,
	gemm func(ta, tb bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)) {
	hid := make([]T, rows*h)
	if rows > 0 && k > 0 {
		gemm(false, false, rows, h, k, 1, x, k, w1, h, 0, hid, max(1, h))
	}
	for i := 0; i < rows; i++ {
		row := hid[i*h : (i+1)*h]
		for j, v := range row {
			v += b1[j]
			if !(v > 0 || v != v) {
				v = 0
			}
			row[j] = v
		}
	}
	if rows > 0 && h > 0 {
		gemm(false, false, rows, o, h, 1, hid, h, w2, o, 0, out, max(1, o))
	}
	for i := 0; i < rows; i++ {
		for q := 0; q < o; q++ {
			out[i*o+q] += b2[q]
		}
	}
}
