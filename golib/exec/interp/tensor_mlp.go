package interp

import (
	"math"

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
		hid := make([]float32, rows*h)
		if rows > 0 && k > 0 {
			blas.Sgemm(false, false, rows, h, k, 1, x.F32, k, w1.F32, h, 0, hid, max(1, h))
		}
		for i := 0; i < rows; i++ {
			row := hid[i*h : (i+1)*h]
			for j, v := range row {
				v += b1.F32[j]
				if !(v > 0 || v != v) {
					v = 0
				}
				row[j] = v
			}
		}
		if rows > 0 && h > 0 {
			blas.Sgemm(false, false, rows, o, h, 1, hid, h, w2.F32, o, 0, res.F32, max(1, o))
		}
		for i := 0; i < rows; i++ {
			for q := 0; q < o; q++ {
				res.F32[i*o+q] += b2.F32[q]
			}
		}
		return res, nil
	}
	hid := make([]float64, rows*h)
	if rows > 0 && k > 0 {
		blas.Dgemm(false, false, rows, h, k, 1, x.F64, k, w1.F64, h, 0, hid, max(1, h))
	}
	for i := 0; i < rows; i++ {
		row := hid[i*h : (i+1)*h]
		for j, v := range row {
			v += b1.F64[j]
			if !(v > 0 || math.IsNaN(v)) {
				v = 0
			}
			row[j] = v
		}
	}
	if rows > 0 && h > 0 {
		blas.Dgemm(false, false, rows, o, h, 1, hid, h, w2.F64, o, 0, res.F64, max(1, o))
	}
	for i := 0; i < rows; i++ {
		for q := 0; q < o; q++ {
			res.F64[i*o+q] += b2.F64[q]
		}
	}
	return res, nil
}
