package exec

// to_tensor on the runtime: the interpreter's tToTensor (a frame's columns
// stacked into an [N, ncols] row-major tensor, each value converted as
// there) over the workers, morsel by morsel, one loop per column and output
// type instead of a type switch per value, into a buffer every element of
// which is written (not zeroed first). A fused to_tensor loop (lower) is
// what most plans run; this is the node left unfused (fuel (c)'s category
// codes of the kept frame: ~1M rows).

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("to_tensor", runToTensor)
}

func runToTensor(c *Ctx, n *ir.Node, in []any) (any, error) {
	f, ok := in[0].(*col.Frame)
	if !ok || n.Schema == nil || n.Schema.Tensor == nil || f.N > maxRows {
		return nil, ErrFallback
	}
	dt := n.Schema.Tensor.DType
	if dt != ir.Float32 && dt != ir.Float64 && dt != ir.Int64 && dt != ir.Bool {
		return nil, ErrFallback
	}
	for _, cl := range f.Cols {
		if cl.Lookup != nil || !(cl.Type.IsInt() || cl.Type.IsFloat() || cl.Type == ir.Bool) ||
			(cl.Type.IsInt() && cl.I64 == nil) || (cl.Type.IsFloat() && cl.F64 == nil) || (cl.Type == ir.Bool && cl.B == nil) {
			return nil, ErrFallback
		}
		if !cl.Type.IsFloat() && cl.HasNulls() {
			return nil, ErrFallback // the interpreter's error, naming the first such column
		}
	}
	rows, nc := f.N, len(f.Cols)
	res := &col.Tensor{DType: dt, Shape: []int{rows, nc}}
	switch dt {
	case ir.Float32:
		res.F32 = col.Uninit[float32](rows * nc)
	case ir.Float64:
		res.F64 = col.Uninit[float64](rows * nc)
	case ir.Int64:
		res.I64 = col.Uninit[int64](rows * nc)
	case ir.Bool:
		res.B = col.Uninit[bool](rows * nc)
	}
	err := forMorsels(c, n, rows, func(_, lo, hi int) error {
		for j, cl := range f.Cols {
			switch {
			case cl.Type.IsInt():
				toTensorInts(res, cl.I64[lo:hi], lo, j, nc)
			case cl.Type.IsFloat():
				toTensorFloats(res, cl.F64[lo:hi], lo, j, nc)
			default:
				toTensorBools(res, cl.B[lo:hi], lo, j, nc)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// toTensorInts writes an int column's rows lo.. into column j of t (nc
// columns) as tToTensor converts them.
func toTensorInts(t *col.Tensor, v []int64, lo, j, nc int) {
	switch {
	case t.I64 != nil:
		for i, x := range v {
			t.I64[(lo+i)*nc+j] = x
		}
	case t.F64 != nil:
		for i, x := range v {
			t.F64[(lo+i)*nc+j] = float64(x)
		}
	case t.F32 != nil:
		for i, x := range v {
			t.F32[(lo+i)*nc+j] = float32(float64(x))
		}
	default:
		for i, x := range v {
			t.B[(lo+i)*nc+j] = x != 0
		}
	}
}

// toTensorFloats is toTensorInts for a float column.
func toTensorFloats(t *col.Tensor, v []float64, lo, j, nc int) {
	switch {
	case t.I64 != nil:
		for i, x := range v {
			t.I64[(lo+i)*nc+j] = int64(x)
		}
	case t.F64 != nil:
		for i, x := range v {
			t.F64[(lo+i)*nc+j] = x
		}
	case t.F32 != nil:
		for i, x := range v {
			t.F32[(lo+i)*nc+j] = float32(x)
		}
	default:
		for i, x := range v {
			t.B[(lo+i)*nc+j] = x != 0
		}
	}
}

// toTensorBools is toTensorInts for a bool column.
func toTensorBools(t *col.Tensor, v []bool, lo, j, nc int) {
	for i, b := range v {
		k := (lo+i)*nc + j
		switch {
		case t.I64 != nil:
			t.I64[k] = 0
			if b {
				t.I64[k] = 1
			}
		case t.F64 != nil:
			t.F64[k] = 0
			if b {
				t.F64[k] = 1
			}
		case t.F32 != nil:
			t.F32[k] = 0
			if b {
				t.F32[k] = 1
			}
		default:
			t.B[k] = b
		}
	}
}
