package blas

// Bit unpacking for Parquet's bit-packed runs (golib/parquetio's dictionary
// indices read as lookup codes): sixteen values of w bits are 2w bytes, so
// every step of sixteen starts at the same bit of its first byte, and one
// byte permutation (AVX-512 VBMI) puts each value's four bytes in its lane,
// a per-lane shift and a mask finish it. The dictionary's base is added and
// the largest value kept as it goes (the caller checks it against the
// dictionary's size), so the codes are written once. Go unpacks, offsets
// and checks a value in about two nanoseconds; this does sixteen in a few
// instructions. Without VBMI (or for w over 25 bits, which may span five
// bytes) nothing is done here and the caller's Go loop runs.

/*
#cgo CFLAGS: -O3
#include <stdint.h>
#include <immintrin.h>

static int flern_unpack_level = 1;
static void flern_unpack_set_level(int l) { flern_unpack_level = l; }

static int flern_unpack_vbmi(void) {
#if defined(__x86_64__) && defined(__GNUC__)
	static int have = -1;
	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vbmi");
	}
	return have && flern_unpack_level >= 1;
#else
	return 0;
#endif
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static int64_t unpack_vbmi(int32_t *out, const uint8_t *p, int64_t avail, int64_t bit0, int w, int64_t n,
                           int32_t base, uint32_t *most) {
	int s = (int)(bit0 & 7);
	int64_t at = bit0 >> 3; // the step's first byte
	uint8_t idx[64];
	uint32_t sh[16];
	for (int j = 0; j < 16; j++) {
		int b = s + j * w;
		for (int k = 0; k < 4; k++) idx[4 * j + k] = (uint8_t)((b >> 3) + k);
		sh[j] = (uint32_t)(b & 7);
	}
	const __m512i vidx = _mm512_loadu_si512((const void *)idx), vsh = _mm512_loadu_si512((const void *)sh);
	const __m512i vmask = _mm512_set1_epi32((int)((1u << w) - 1)), vbase = _mm512_set1_epi32(base);
	__m512i vmost = _mm512_setzero_si512();
	int64_t j = 0;
	for (; j + 16 <= n && at + 64 <= avail; j += 16, at += 2 * w) {
		__m512i x = _mm512_loadu_si512((const void *)(p + at));
		__m512i v = _mm512_and_si512(_mm512_srlv_epi32(_mm512_permutexvar_epi8(vidx, x), vsh), vmask);
		vmost = _mm512_max_epu32(vmost, v);
		_mm512_storeu_si512((void *)(out + j), _mm512_add_epi32(v, vbase));
	}
	*most = _mm512_reduce_max_epu32(vmost);
	return j;
}
#endif

// flern_unpack_offset writes out[j] = value j + base for the first values of
// the bit-packed stream p (avail readable bytes) from bit bit0, w bits each,
// sixteen at a time while 64 bytes can be loaded; returns how many (0
// without VBMI or for w outside 1..25) in the low 32 bits and their largest
// value in the high 32 (one return value: no Go pointer to pass).
static uint64_t flern_unpack_offset(int32_t *out, const uint8_t *p, int64_t avail, int64_t bit0, int w, int64_t n,
                                    int32_t base) {
#if defined(__x86_64__) && defined(__GNUC__)
	if (w >= 1 && w <= 25 && n >= 16 && flern_unpack_vbmi()) {
		uint32_t most = 0;
		int64_t done = unpack_vbmi(out, p, avail, bit0, w, n < 0x7fffffff ? n : 0x7fffffff, base, &most);
		return (uint64_t)most << 32 | (uint64_t)done;
	}
#endif
	return 0;
}
*/
import "C"

import "unsafe"

// setUnpackLevel switches the VBMI kernel off (0) or on (1); tests run both.
func setUnpackLevel(l int) { C.flern_unpack_set_level(C.int(l)) }

// UnpackOffset writes out[j] = v_j + base for the first values v_j of the
// bit-packed stream src (little-endian, w bits each, from bit bit0), as
// many as the vector kernel takes -- a multiple of sixteen, while 64 bytes
// can be loaded from src -- and returns that count and the largest v_j
// (0, 0: none; the caller unpacks the rest).
func UnpackOffset(out []int32, src []byte, bit0, w int, base int32) (done int, most uint32) {
	if len(out) < 16 || w < 1 || w > 25 || len(src) < 64 || bit0 < 0 {
		return 0, 0
	}
	r := uint64(C.flern_unpack_offset((*C.int32_t)(unsafe.Pointer(unsafe.SliceData(out))), (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(src))),
		C.int64_t(len(src)), C.int64_t(bit0), C.int(w), C.int64_t(len(out)), C.int32_t(base)))
	return int(uint32(r)), uint32(r >> 32)
}
