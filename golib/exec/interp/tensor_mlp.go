package interp

import (
	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// dense_relu_dense is, by definition, the ops it replaces run one after the
// other: matmul (the GEMM tMatmul calls), each (table, index) pair's rows
// added in order (index_select: an index out of [0, m) raises), the bias
// added, relu (NaN kept, -0 to 0), matmul, the bias added; results equal
// the unfused ops' exactly (a left-deep chain of adds, as embedfold and
// onehotembed build). The runtime's fused kernel (golib/blas
// DenseReluDenseF32) agrees within float rounding.
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
	var looks []lookup
	for i := 5; i+1 < len(in); i += 2 {
		t, idx := in[i].(*col.Tensor), in[i+1].(*col.Tensor)
		if len(idx.I64) != rows || len(t.Shape) != 2 || t.Shape[1] != h {
			return nil, ir.Errorf("Value", "dense_relu_dense: table %v and %d indices for %d rows of %d units", t.Shape, len(idx.I64), rows, h)
		}
		if _, err := indices(n, idx, t.Shape[0], 0); err != nil { // index_select's check and error
			return nil, err
		}
		looks = append(looks, lookup{t, idx.I64})
	}
	res := col.NewTensor(out.DType, []int{rows, o})
	if out.DType == ir.Float32 {
		tabs := make([][]float32, len(looks))
		for j, l := range looks {
			tabs[j] = l.t.F32
		}
		denseReluDense(rows, k, h, o, x.F32, w1.F32, b1.F32, w2.F32, b2.F32, res.F32, tabs, looks, blas.Sgemm)
	} else {
		tabs := make([][]float64, len(looks))
		for j, l := range looks {
			tabs[j] = l.t.F64
		}
		denseReluDense(rows, k, h, o, x.F64, w1.F64, b1.F64, w2.F64, b2.F64, res.F64, tabs, looks, blas.Dgemm)
	}
	return res, nil
}

// lookup is a (table, index) pair of dense_relu_dense.
type lookup struct {
	t   *col.Tensor
	idx []int64
}

// denseReluDense writes relu(x @ w1 + tabs[j][idx_j] ... + b1) @ w2 + b2
// into out with gemm (the GEMM tMatmul uses for the dtype); the indices are
// checked.
func denseReluDense[T float32 | float64](rows, k, h, o int, x, w1, b1, w2, b2, out []T, tabs [][]T, looks []lookup,
	gemm func(ta, tb bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)) {
	hid := make([]T, rows*h)
	if rows > 0 && k > 0 {
		gemm(false, false, rows, h, k, 1, x, k, w1, h, 0, hid, max(1, h))
	}
	for j, l := range looks {
		tab := tabs[j]
		for i, v := range l.idx {
			row, src := hid[i*h:(i+1)*h], tab[int(v)*h:(int(v)+1)*h]
			for u := range row {
				row[u] += src[u]
			}
		}
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
