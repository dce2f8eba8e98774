package col

import (
	"unsafe"

	"github.com/flern/flern/golib/ir"
)

// Tensors whose every element the caller writes (GEMM outputs with beta 0,
// slices, gathers, concatenations) are allocated without zeroing when large:
// clearing them first is a single-threaded pass over the whole output (a
// model's [8192, 64] chunk activations: ~0.15 CPU-s per 3M rows).

// mallocgc is the Go runtime's allocator, reached as golib/lower/alloc.go
// does (signature kept stable for such uses, go.dev/issue/67401); with a nil
// type the memory holds no pointers and is never scanned.
//
//go:linkname mallocgc runtime.mallocgc
func mallocgc(size uintptr, typ unsafe.Pointer, needzero bool) unsafe.Pointer

// uninitMin is the smallest allocation (bytes) made without zeroing; small
// ones come from size-classed spans, where zeroing costs nothing measurable.
const uninitMin = 64 << 10

func uninit[T float32 | float64 | int64 | int32 | bool | uint8](n int) []T {
	var zero T
	size := uintptr(n) * unsafe.Sizeof(zero)
	if n <= 0 || size < uninitMin || size/unsafe.Sizeof(zero) != uintptr(n) {
		return make([]T, n)
	}
	return unsafe.Slice((*T)(mallocgc(size, nil, false)), n)
}

// NewTensorUninit is NewTensor without zero-filling: its contents are
// undefined and the caller must write every element before anything reads
// it.
func NewTensorUninit(dt ir.DType, shape []int) *Tensor {
	t := &Tensor{DType: dt, Shape: append([]int{}, shape...)}
	n := t.Numel()
	switch dt {
	case ir.Float32:
		t.F32 = uninit[float32](n)
	case ir.Float64:
		t.F64 = uninit[float64](n)
	case ir.Int64:
		t.I64 = uninit[int64](n)
	case ir.Bool:
		t.B = uninit[bool](n)
	default:
		return NewTensor(dt, shape)
	}
	return t
}

// Uninit is an n-element slice without zero-filling when large (readers
// that write every element, e.g. a Parquet column's final buffer): its
// contents are undefined until the caller writes them.
func Uninit[T float32 | float64 | int64 | int32 | bool | uint8](n int) []T { return uninit[T](n) }
