package interp

// softmax / log_softmax along one dim (golib/tensor/softmax.go): each
// column of the [outer, size, inner] view is shifted by its maximum,
// exponentiated and normalized, in float64, rounded once for float32. A
// column holding +inf or NaN gives NaN, as torch.

import (
	"math"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

func init() {
	registerTensor("softmax", tSoftmax)
	registerTensor("log_softmax", tSoftmax)
}

func tSoftmax(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	x := in[0].(*col.Tensor)
	shape := append([]int{}, x.Shape...)
	if len(shape) == 0 {
		shape = []int{1}
	}
	d, _ := tensor.WrapDim(n.Attrs.Int("dim", -1), len(x.Shape))
	outer, size, inner := split3(shape, d)
	v := asF64(x)
	r := make([]float64, len(v))
	logOut := n.Op == "log_softmax"
	mx := make([]float64, inner)
	sum := make([]float64, inner)
	for o := 0; o < outer; o++ {
		base := o * size * inner
		for i := range mx {
			mx[i], sum[i] = math.Inf(-1), 0
		}
		for k := 0; k < size; k++ {
			for i, xv := range v[base+k*inner : base+(k+1)*inner] {
				if xv > mx[i] || xv != xv {
					mx[i] = xv
				}
			}
		}
		for k := 0; k < size; k++ {
			row := v[base+k*inner : base+(k+1)*inner]
			for i, xv := range row {
				sum[i] += math.Exp(xv - mx[i])
			}
		}
		for k := 0; k < size; k++ {
			row := v[base+k*inner : base+(k+1)*inner]
			dst := r[base+k*inner : base+(k+1)*inner]
			for i, xv := range row {
				z := xv - mx[i]
				if logOut {
					dst[i] = z - math.Log(sum[i])
				} else {
					dst[i] = math.Exp(z) / sum[i]
				}
			}
		}
	}
	return floatResult(out.DType, append([]int{}, x.Shape...), r), nil
}
