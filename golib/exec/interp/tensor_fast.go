package interp

// Typed fast paths of the elementwise kernels for float32/float64 data: the
// same results as tUnary/tBinary's general float64 path (float32 + - * / are
// exactly IEEE float32 either way; relu/neg/abs are exact), without the
// float64 copies and per-element index lookups.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// unaryFast computes relu, neg and abs of a float tensor directly in its
// dtype; ok is false for other ops or dtypes.
func unaryFast(op string, t *col.Tensor) (*col.Tensor, bool) {
	switch t.DType {
	case ir.Float32:
		r, ok := unaryT(op, t.F32)
		if !ok {
			return nil, false
		}
		return &col.Tensor{DType: ir.Float32, Shape: append([]int{}, t.Shape...), F32: r}, true
	case ir.Float64:
		r, ok := unaryT(op, t.F64)
		if !ok {
			return nil, false
		}
		return &col.Tensor{DType: ir.Float64, Shape: append([]int{}, t.Shape...), F64: r}, true
	}
	return nil, false
}

func unaryT[T float32 | float64](op string, x []T) ([]T, bool) {
	r := make([]T, len(x))
	switch op {
	case "relu":
		for i, v := range x {
			if v > 0 || v != v {
				r[i] = v
			}
		}
	case "neg":
		for i, v := range x {
			r[i] = -v
		}
	case "abs":
		for i, v := range x {
			if v < 0 {
				v = -v
			}
			r[i] = v + 0 // -0 -> +0, as math.Abs
		}
	default:
		return nil, false
	}
	return r, true
}

// binaryFast computes add/sub/mul/div of two same-shape tensors of float
// dtype dt (already cast to it); ok is false otherwise.
func binaryFast(op string, a, b *col.Tensor, dt ir.DType) (*col.Tensor, bool) {
	if len(a.Shape) != len(b.Shape) || a.DType != dt || b.DType != dt {
		return nil, false
	}
	for i := range a.Shape {
		if a.Shape[i] != b.Shape[i] {
			return nil, false
		}
	}
	switch dt {
	case ir.Float32:
		r, ok := binaryT(op, a.F32, b.F32)
		if !ok {
			return nil, false
		}
		return &col.Tensor{DType: dt, Shape: append([]int{}, a.Shape...), F32: r}, true
	case ir.Float64:
		r, ok := binaryT(op, a.F64, b.F64)
		if !ok {
			return nil, false
		}
		return &col.Tensor{DType: dt, Shape: append([]int{}, a.Shape...), F64: r}, true
	}
	return nil, false
}

func binaryT[T float32 | float64](op string, x, y []T) ([]T, bool) {
	r := make([]T, len(x))
	y = y[:len(x)]
	switch op {
	case "add":
		for i, v := range x {
			r[i] = v + y[i]
		}
	case "sub":
		for i, v := range x {
			r[i] = v - y[i]
		}
	case "mul":
		for i, v := range x {
			r[i] = v * y[i]
		}
	case "div":
		for i, v := range x {
			r[i] = v / y[i]
		}
	default:
		return nil, false
	}
	return r, true
}
