package lower

import (
	"unsafe"

	"github.com/flern/flern/golib/ir"
)

// Output vectors of Append builders are allocated without zeroing: every
// element is written by the loop (Append loops have no filter; strided
// Appends cover every offset of the matrix), so clearing them first would
// only add a single-threaded pass over the whole output (measured: 2.6 ms
// of a 7.7 ms 10M-element float32 chain). The pages are first touched by
// the parallel kernel itself.

// mallocgc is the Go runtime's allocator. Its signature is kept stable for
// packages that reach it this way (runtime/malloc.go, go.dev/issue/67401);
// with a nil type the memory holds no pointers and is never scanned.
//
//go:linkname mallocgc runtime.mallocgc
func mallocgc(size uintptr, typ unsafe.Pointer, needzero bool) unsafe.Pointer

// dirtyMin is the smallest allocation (bytes) made without zeroing: small
// ones come from size-classed spans, where zeroing costs nothing measurable.
const dirtyMin = 64 << 10

// dirty returns an n-element slice whose contents are undefined: the caller
// must write every element before anything reads it.
func dirty[T float32 | float64 | int64 | bool](n int) []T {
	var zero T
	size := uintptr(n) * unsafe.Sizeof(zero)
	if n <= 0 || size < dirtyMin || size/unsafe.Sizeof(zero) != uintptr(n) {
		return make([]T, n)
	}
	return unsafe.Slice((*T)(mallocgc(size, nil, false)), n)
}

// NewOutputBuf allocates an n-element buffer of type t whose every element
// the caller overwrites (an Append builder's output); its initial contents
// are undefined.
func NewOutputBuf(t ir.DType, n int) Buf {
	switch t {
	case ir.Float32:
		return Buf{F32: dirty[float32](n)}
	case ir.Float64:
		return Buf{F64: dirty[float64](n)}
	case ir.Int64:
		return Buf{I64: dirty[int64](n)}
	}
	return Buf{B: dirty[bool](n)}
}
