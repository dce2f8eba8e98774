package blas

// Key packing for numbering rows by several columns' small codes
// (golib/exec's memoized split regions, splitcodes.go): each column's
// value is shifted into its bits of a 64-bit key and added. A pass per
// column over a block of keys in the L1 cache; the compiler vectorizes the
// C loops (AVX-512 or AVX2, picked at load time), where Go adds one key at
// a time.

/*
#cgo CFLAGS: -O3
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FLERN_PACK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FLERN_PACK_CLONES
#endif

FLERN_PACK_CLONES void flern_pack_add32(uint64_t *restrict dst, const int32_t *restrict codes, int64_t n, int shift) {
	for (int64_t i = 0; i < n; i++) dst[i] += (uint64_t)(uint32_t)codes[i] << shift;
}

FLERN_PACK_CLONES void flern_pack_add64(uint64_t *restrict dst, const int64_t *restrict vals, int64_t n, int64_t lo, int shift) {
	for (int64_t i = 0; i < n; i++) dst[i] += (uint64_t)(vals[i] - lo) << shift;
}
*/
import "C"

import "unsafe"

// packMin is the length below which the Go loops run (no cgo call).
const packMin = 256

// PackAdd32 adds each code, as an unsigned 32-bit value, shifted left by
// shift, to its key: keys[i] += uint64(uint32(codes[i])) << shift.
func PackAdd32(keys []uint64, codes []int32, shift uint) {
	n := len(keys)
	codes = codes[:n]
	if n < packMin || shift > 63 {
		for i, c := range codes {
			keys[i] += uint64(uint32(c)) << shift
		}
		return
	}
	C.flern_pack_add32((*C.uint64_t)(unsafe.Pointer(unsafe.SliceData(keys))), (*C.int32_t)(unsafe.Pointer(unsafe.SliceData(codes))),
		C.int64_t(n), C.int(shift))
}

// PackAdd64 adds each value less lo, shifted left by shift, to its key:
// keys[i] += uint64(vals[i]-lo) << shift.
func PackAdd64(keys []uint64, vals []int64, lo int64, shift uint) {
	n := len(keys)
	vals = vals[:n]
	if n < packMin || shift > 63 {
		for i, v := range vals {
			keys[i] += uint64(v-lo) << shift
		}
		return
	}
	C.flern_pack_add64((*C.uint64_t)(unsafe.Pointer(unsafe.SliceData(keys))), (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(vals))),
		C.int64_t(n), C.int64_t(lo), C.int(shift))
}
