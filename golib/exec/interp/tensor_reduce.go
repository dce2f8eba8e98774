package interp

// A reduction over one dim without moving data: the tensor is viewed as
// [outer, size, inner] and each output element reduces a strided column,
// walking the input in memory order. Same semantics and summation order as
// tReduce's general path (so results are bit-identical): NaN wins and
// sticks, ties keep the first index, float sums accumulate in float64.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// reduceOneDim reduces t over dim d into a new tensor of shape shape; ok is
// false when the fast path does not apply (non-float data).
func reduceOneDim(op string, t *col.Tensor, d int, shape []int, dt ir.DType) (res *col.Tensor, ok bool) {
	if t.DType != ir.Float32 && t.DType != ir.Float64 {
		return nil, false
	}
	outer, size, inner := split3(t.Shape, d)
	res = col.NewTensor(dt, shape)
	switch op {
	case "sum", "mean":
		acc := make([]float64, outer*inner)
		if t.DType == ir.Float32 {
			sumCols(t.F32, acc, outer, size, inner)
		} else {
			sumCols(t.F64, acc, outer, size, inner)
		}
		if op == "mean" {
			for i := range acc {
				acc[i] /= float64(size)
			}
		}
		if dt == ir.Float32 {
			for i, v := range acc {
				res.F32[i] = float32(v)
			}
		} else {
			copy(res.F64, acc)
		}
		return res, true
	case "max", "min", "argmax", "argmin":
		isMin := op == "min" || op == "argmin"
		idx := make([]int64, outer*inner)
		if t.DType == ir.Float32 {
			best := make([]float32, outer*inner)
			extremeCols(t.F32, best, idx, outer, size, inner, isMin)
			if dt == ir.Float32 {
				copy(res.F32, best)
			}
		} else {
			best := make([]float64, outer*inner)
			extremeCols(t.F64, best, idx, outer, size, inner, isMin)
			if dt == ir.Float64 {
				copy(res.F64, best)
			}
		}
		if dt == ir.Int64 {
			copy(res.I64, idx)
		}
		return res, true
	}
	return nil, false
}

func sumCols[T float32 | float64](x []T, acc []float64, outer, size, inner int) {
	for o := 0; o < outer; o++ {
		a := acc[o*inner : (o+1)*inner]
		for k := 0; k < size; k++ {
			row := x[(o*size+k)*inner : (o*size+k+1)*inner]
			for i, v := range row {
				a[i] += float64(v)
			}
		}
	}
}

func extremeCols[T float32 | float64](x, best []T, idx []int64, outer, size, inner int, isMin bool) {
	for o := 0; o < outer; o++ {
		b := best[o*inner : (o+1)*inner]
		ix := idx[o*inner : (o+1)*inner]
		copy(b, x[o*size*inner:(o*size+1)*inner])
		for k := 1; k < size; k++ {
			row := x[(o*size+k)*inner : (o*size+k+1)*inner]
			for i, v := range row {
				cur := b[i]
				if cur != cur { // NaN sticks
					continue
				}
				if v != v || (isMin && v < cur) || (!isMin && v > cur) {
					b[i], ix[i] = v, int64(k)
				}
			}
		}
	}
}
