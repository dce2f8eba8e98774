package exec

// dense_relu_dense (golib/opt/mlpfuse) on the runtime: float32 heads run the
// fused kernel (golib/blas DenseReluDenseF32), each row's hidden layer in
// registers, rows split over the workers by morsel; in a prepared split or
// step (train_fast.go) into the chunk's preallocated output. Other dtypes,
// or a hidden layer wider than the kernel takes, run the interpreter's
// definition.

import (
	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("dense_relu_dense", runDenseReluDense)
}

// mlpArgs returns the head's dimensions and inputs when the fused kernel
// takes them.
func mlpArgs(in []*col.Tensor) (rows, k, h, o int, ok bool) {
	for _, t := range in {
		if t == nil || t.DType != ir.Float32 {
			return 0, 0, 0, 0, false
		}
	}
	x, w1, w2 := in[0], in[1], in[3]
	if len(x.Shape) != 2 || len(w1.Shape) != 2 || len(w2.Shape) != 2 {
		return 0, 0, 0, 0, false
	}
	rows, k, h, o = x.Shape[0], x.Shape[1], w1.Shape[1], w2.Shape[1]
	if k < 1 || h < 1 || h > blas.MLPMaxHidden || o < 1 || w1.Shape[0] != k || w2.Shape[0] != h ||
		len(in[2].F32) != h || len(in[4].F32) != o {
		return 0, 0, 0, 0, false
	}
	return rows, k, h, o, true
}

func runDenseReluDense(c *Ctx, n *ir.Node, in []any) (any, error) {
	ts := make([]*col.Tensor, len(in))
	for i, x := range in {
		ts[i], _ = x.(*col.Tensor)
	}
	rows, k, h, o, ok := mlpArgs(ts)
	if !ok {
		return nil, ErrFallback
	}
	out := col.NewTensorUninit(ir.Float32, []int{rows, o})
	x, w1, b1, w2, b2 := ts[0].F32, ts[1].F32, ts[2].F32, ts[3].F32, ts[4].F32
	err := forMorsels(c, n, rows, func(_, lo, hi int) error {
		if !blas.DenseReluDenseF32(out.F32[lo*o:hi*o], x[lo*k:hi*k], hi-lo, k, h, o, w1, b1, w2, b2) {
			return ir.Errorf("Internal", "dense_relu_dense: the kernel refused [%d, %d] -> %d -> %d", hi-lo, k, h, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mlpKernel is the prepared step's kernel for a float32 dense_relu_dense
// (ok false: not one, or shapes the kernel does not take).
func (f *fastStep) mlpKernel(n *ir.Node, shape []int) (func() error, bool) {
	if n.Op != "dense_relu_dense" || len(n.Inputs) != 5 || len(shape) != 2 {
		return nil, false
	}
	dims := make([][]int, 5)
	for i, id := range n.Inputs {
		xt := f.g.Node(id).Schema.Tensor
		if xt == nil || xt.DType != ir.Float32 {
			return nil, false
		}
		dims[i] = shapeOf(f.g.Node(id))
	}
	if len(dims[0]) != 2 || len(dims[1]) != 2 || len(dims[3]) != 2 {
		return nil, false
	}
	k, h, o := dims[1][0], dims[1][1], dims[3][1]
	if dims[0][1] != k || h > blas.MLPMaxHidden || shape[1] != o {
		return nil, false
	}
	rows := shape[0]
	out := col.NewTensor(ir.Float32, shape)
	ins := append([]ir.NodeID(nil), n.Inputs...)
	id := n.ID
	return func() error {
		s := f.slots
		if !blas.DenseReluDenseF32(out.F32, s[ins[0]].F32, rows, k, h, o, s[ins[1]].F32, s[ins[2]].F32, s[ins[3]].F32, s[ins[4]].F32) {
			return ir.AtNode(ir.Errorf("Internal", "dense_relu_dense: the kernel refused [%d, %d] -> %d -> %d", rows, k, h, o), n)
		}
		f.slots[id] = out
		return nil
	}, true
}
