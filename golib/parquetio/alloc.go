package parquetio

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// pagePool is the allocator of the Parquet readers' own buffers (each
// column chunk reader's decompression, data page and dictionary page
// buffers, released when the reader closes): freed buffers are kept in
// power-of-two size classes and handed to the next chunk's reader, so that
// a scan does not fault in fresh memory for every chunk (a scan of TPC-H
// lineitem SF1 opens 848 chunk readers). Buffers are cleared when handed
// out, as Go's allocator would.
var pagePool memory.Allocator = &poolAllocator{}

// minPooled is the smallest buffer kept for reuse.
const minPooled = 4 << 10

type poolAllocator struct {
	classes [48]sync.Pool // class c holds *[]byte of capacity 1<<c
}

func sizeClass(n int) int { return bits.Len(uint(n - 1)) }

// Allocate returns a cleared buffer of n bytes.
func (a *poolAllocator) Allocate(n int) []byte {
	if n < minPooled {
		return make([]byte, n)
	}
	c := sizeClass(n)
	if c >= len(a.classes) {
		return make([]byte, n)
	}
	if v := a.classes[c].Get(); v != nil {
		b := (*v.(*[]byte))[:n]
		clear(b)
		return b
	}
	return make([]byte, n, 1<<c)
}

// allocateRaw returns a buffer of n bytes with whatever contents it held
// before (the caller overwrites all of it).
func (a *poolAllocator) allocateRaw(n int) []byte {
	if n >= minPooled {
		if c := sizeClass(n); c < len(a.classes) {
			if v := a.classes[c].Get(); v != nil {
				return (*v.(*[]byte))[:n]
			}
			return make([]byte, n, 1<<c)
		}
	}
	return make([]byte, n)
}

// Reallocate returns a buffer of n bytes starting with b's contents (the
// rest cleared); b is not used afterwards.
func (a *poolAllocator) Reallocate(n int, b []byte) []byte {
	if n <= cap(b) {
		old := len(b)
		b = b[:n]
		if n > old {
			clear(b[old:])
		}
		return b
	}
	nb := a.Allocate(n)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free keeps b for reuse when it came from a size class.
func (a *poolAllocator) Free(b []byte) {
	c := cap(b)
	if c < minPooled || c&(c-1) != 0 {
		return
	}
	k := sizeClass(c)
	if k >= len(a.classes) {
		return
	}
	b = b[:c]
	a.classes[k].Put(&b)
}
