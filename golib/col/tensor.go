package col

import (
	"fmt"

	"github.com/flern/flern/golib/ir"
)

// Tensor is a dense, row-major, contiguous tensor. Exactly one data slice is
// used, chosen by DType: Float32: F32, Float64: F64, Int64: I64, Bool: B.
// Shape [] is a 0-dim tensor (one element).
type Tensor struct {
	DType ir.DType
	Shape []int
	F32   []float32
	F64   []float64
	I64   []int64
	B     []bool
	// Keep holds objects owning memory the data aliases (an imported Arrow
	// array), as Column.Keep.
	Keep any
}

// Numel is the number of elements (product of the shape).
func (t *Tensor) Numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// NewTensor allocates a zero-filled tensor.
func NewTensor(dt ir.DType, shape []int) *Tensor {
	t := &Tensor{DType: dt, Shape: append([]int{}, shape...)}
	n := t.Numel()
	switch dt {
	case ir.Float32:
		t.F32 = make([]float32, n)
	case ir.Float64:
		t.F64 = make([]float64, n)
	case ir.Int64:
		t.I64 = make([]int64, n)
	case ir.Bool:
		t.B = make([]bool, n)
	default:
		panic(fmt.Sprintf("col: tensor of dtype %s", dt))
	}
	return t
}

// Reshaped returns a tensor sharing t's data with another shape of the same
// number of elements.
func (t *Tensor) Reshaped(shape []int) *Tensor {
	c := *t
	c.Shape = append([]int{}, shape...)
	return &c
}

// Len is the length of the data slice in use.
func (t *Tensor) Len() int {
	switch t.DType {
	case ir.Float32:
		return len(t.F32)
	case ir.Float64:
		return len(t.F64)
	case ir.Int64:
		return len(t.I64)
	case ir.Bool:
		return len(t.B)
	}
	return -1
}

// Validate checks that the data length matches the shape.
func (t *Tensor) Validate() error {
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("negative dim in shape %v", t.Shape)
		}
	}
	if t.Len() != t.Numel() {
		return fmt.Errorf("tensor of shape %v (%s) holds %d elements", t.Shape, t.DType, t.Len())
	}
	return nil
}

// ShapeI64 returns the shape as int64s (the IR's representation).
func (t *Tensor) ShapeI64() []int64 {
	out := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		out[i] = int64(d)
	}
	return out
}
