package exec

// dense_relu_dense (golib/opt/mlpfuse) on the runtime: float32 heads run the
// fused kernel (golib/blas DenseReluDenseF32), each row's hidden layer in
// registers, with its table lookups (embedfold, onehotembed) added in,
// rows split over the workers by morsel; in a prepared split or step
// (train_fast.go) into the chunk's preallocated output. Other dtypes, a
// hidden layer wider than the kernel takes, more lookups than it takes, or
// an index out of its table (whose error the interpreter raises) run the
// interpreter's definition.

import (
	"sync/atomic"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

func init() {
	Register("dense_relu_dense", runDenseReluDense)
}

// mlpArgs returns the head's dimensions and lookups when the fused kernel
// takes them.
func mlpArgs(in []*col.Tensor) (rows, k, h, o int, look []blas.MLPLookup, ok bool) {
	if len(in) < 5 || len(in)%2 == 0 || (len(in)-5)/2 > blas.MLPMaxLookups {
		return 0, 0, 0, 0, nil, false
	}
	for i, t := range in {
		if t == nil || t.DType != tensor.DenseReluDenseInput(i, ir.Float32) {
			return 0, 0, 0, 0, nil, false
		}
	}
	x, w1, w2 := in[0], in[1], in[3]
	if len(x.Shape) != 2 || len(w1.Shape) != 2 || len(w2.Shape) != 2 {
		return 0, 0, 0, 0, nil, false
	}
	rows, k, h, o = x.Shape[0], x.Shape[1], w1.Shape[1], w2.Shape[1]
	if k < 1 || h < 1 || h > blas.MLPMaxHidden || o < 1 || w1.Shape[0] != k || w2.Shape[0] != h ||
		len(in[2].F32) != h || len(in[4].F32) != o {
		return 0, 0, 0, 0, nil, false
	}
	for i := 5; i < len(in); i += 2 {
		t, idx := in[i], in[i+1]
		if len(t.Shape) != 2 || t.Shape[1] != h || len(idx.I64) != rows {
			return 0, 0, 0, 0, nil, false
		}
		look = append(look, blas.MLPLookup{T: t.F32, Idx: idx.I64, M: t.Shape[0]})
	}
	return rows, k, h, o, look, true
}

func runDenseReluDense(c *Ctx, n *ir.Node, in []any) (any, error) {
	ts := make([]*col.Tensor, len(in))
	for i, x := range in {
		ts[i], _ = x.(*col.Tensor)
	}
	rows, k, h, o, look, ok := mlpArgs(ts)
	if !ok {
		return nil, ErrFallback
	}
	out := col.NewTensorUninit(ir.Float32, []int{rows, o})
	x, w1, b1, w2, b2 := ts[0].F32, ts[1].F32, ts[2].F32, ts[3].F32, ts[4].F32
	var badIndex atomic.Bool
	err := forMorsels(c, n, rows, func(_, lo, hi int) error {
		part := make([]blas.MLPLookup, len(look))
		for j, l := range look {
			part[j] = blas.MLPLookup{T: l.T, Idx: l.Idx[lo:hi], M: l.M}
		}
		bad, ok := blas.DenseReluDenseF32(out.F32[lo*o:hi*o], x[lo*k:hi*k], hi-lo, k, h, o, w1, b1, w2, b2, part)
		if !ok {
			return ir.Errorf("Internal", "dense_relu_dense: the kernel refused [%d, %d] -> %d -> %d", hi-lo, k, h, o)
		}
		if bad >= 0 {
			badIndex.Store(true)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if badIndex.Load() {
		return nil, ErrFallback // the interpreter raises the index error
	}
	return out, nil
}

// mlpKernel is the prepared step's kernel for a float32 dense_relu_dense
// (ok false: not one, or shapes the kernel does not take).
func (f *fastStep) mlpKernel(n *ir.Node, shape []int) (func() error, bool) {
	if n.Op != "dense_relu_dense" || len(n.Inputs) < 5 || len(n.Inputs)%2 == 0 ||
		(len(n.Inputs)-5)/2 > blas.MLPMaxLookups || len(shape) != 2 {
		return nil, false
	}
	dims := make([][]int, len(n.Inputs))
	for i, id := range n.Inputs {
		xt := f.g.Node(id).Schema.Tensor
		if xt == nil || xt.DType != tensor.DenseReluDenseInput(i, ir.Float32) {
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
	for i := 5; i < len(n.Inputs); i += 2 {
		if len(dims[i]) != 2 || dims[i][1] != h || len(dims[i+1]) != 1 || dims[i+1][0] != rows {
			return nil, false
		}
	}
	out := col.NewTensor(ir.Float32, shape)
	ins := append([]ir.NodeID(nil), n.Inputs...)
	look := make([]blas.MLPLookup, (len(ins)-5)/2)
	id := n.ID
	return func() error {
		s := f.slots
		for j := range look {
			t := s[ins[5+2*j]]
			look[j] = blas.MLPLookup{T: t.F32, Idx: s[ins[6+2*j]].I64, M: t.Shape[0]}
		}
		bad, ok := blas.DenseReluDenseF32(out.F32, s[ins[0]].F32, rows, k, h, o, s[ins[1]].F32, s[ins[2]].F32, s[ins[3]].F32, s[ins[4]].F32, look)
		if !ok {
			return ir.AtNode(ir.Errorf("Internal", "dense_relu_dense: the kernel refused [%d, %d] -> %d -> %d", rows, k, h, o), n)
		}
		if bad >= 0 {
			return ir.AtNode(ir.Errorf("Index", "index out of range in self"), n)
		}
		f.slots[id] = out
		return nil
	}, true
}
