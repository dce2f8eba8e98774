package blas

// Row compaction kernels for dropna (golib/parquetio's scan dropna): a
// drop mask (one byte a row, 1 = dropped) is built from the columns'
// missing values, then each column keeps its other rows, moved down in
// place. Go moves a row in about a nanosecond (a load, a store and an add
// that the next row waits for); with AVX-512 sixteen 4-byte rows (or eight
// 8-byte ones) are compressed and stored at once, which leaves the work
// bound by memory. The compressed register is stored whole (a masked
// compress-store to memory is slow on some CPUs): in place this writes
// only rows already loaded. Without AVX-512 the scalar C loop runs.
// Results are the same on every path (compact_test.go).

/*
#cgo CFLAGS: -O3
#include <stdint.h>
#include <immintrin.h>

// flern_compact_level caps the instruction set (1 AVX-512, 0 scalar; tests).
static int flern_compact_level = 1;
static void flern_compact_set_level(int l) { flern_compact_level = l; }

static int flern_compact_avx512(void) {
#if defined(__x86_64__) && defined(__GNUC__)
	static int have = -1;
	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl");
	}
	return have && flern_compact_level >= 1;
#else
	return 0;
#endif
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f,avx512bw,avx512vl")))
static int64_t compact4_avx512(int32_t *v, const uint8_t *drop, int64_t n, int64_t *at) {
	int64_t k = 0, i = 0;
	const __m128i zero = _mm_setzero_si128();
	for (; i + 16 <= n; i += 16) {
		__mmask16 keep = _mm_cmpeq_epi8_mask(_mm_loadu_si128((const __m128i *)(drop + i)), zero);
		__m512i x = _mm512_loadu_si512((const void *)(v + i));
		_mm512_storeu_si512((void *)(v + k), _mm512_maskz_compress_epi32(keep, x));
		k += __builtin_popcount(keep);
	}
	*at = i;
	return k;
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static int64_t compact8_avx512(int64_t *v, const uint8_t *drop, int64_t n, int64_t *at) {
	int64_t k = 0, i = 0;
	const __m128i zero = _mm_setzero_si128();
	for (; i + 8 <= n; i += 8) {
		__mmask8 keep = _mm_cmpeq_epi8_mask(_mm_loadl_epi64((const __m128i *)(drop + i)), zero) & 0xff;
		__m512i x = _mm512_loadu_si512((const void *)(v + i));
		_mm512_storeu_si512((void *)(v + k), _mm512_maskz_compress_epi64(keep, x));
		k += __builtin_popcount(keep);
	}
	*at = i;
	return k;
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static int64_t kept_avx512(int64_t *dst, const uint8_t *drop, int64_t n, int64_t base, int64_t *at) {
	int64_t k = 0, i = 0;
	const __m128i zero = _mm_setzero_si128();
	__m512i pos = _mm512_add_epi64(_mm512_set1_epi64(base), _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
	const __m512i eight = _mm512_set1_epi64(8);
	for (; i + 8 <= n; i += 8) {
		__mmask8 keep = _mm_cmpeq_epi8_mask(_mm_loadl_epi64((const __m128i *)(drop + i)), zero) & 0xff;
		_mm512_storeu_si512((void *)(dst + k), _mm512_maskz_compress_epi64(keep, pos));
		k += __builtin_popcount(keep);
		pos = _mm512_add_epi64(pos, eight);
	}
	*at = i;
	return k;
}
#endif

// flern_compact4 keeps v[i] where drop[i] == 0, moved down in place; the
// number kept.
static int64_t flern_compact4(int32_t *v, const uint8_t *drop, int64_t n) {
	int64_t k = 0, i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
	if (flern_compact_avx512()) k = compact4_avx512(v, drop, n, &i);
#endif
	for (; i < n; i++) {
		v[k] = v[i];
		k += 1 - drop[i];
	}
	return k;
}

// flern_compact8 is flern_compact4 for 8-byte rows.
static int64_t flern_compact8(int64_t *v, const uint8_t *drop, int64_t n) {
	int64_t k = 0, i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
	if (flern_compact_avx512()) k = compact8_avx512(v, drop, n, &i);
#endif
	for (; i < n; i++) {
		v[k] = v[i];
		k += 1 - drop[i];
	}
	return k;
}

// flern_kept writes base + i for every i where drop[i] == 0 to dst; the
// number written (dst holds n).
static int64_t flern_kept(int64_t *dst, const uint8_t *drop, int64_t n, int64_t base) {
	int64_t k = 0, i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
	if (flern_compact_avx512()) k = kept_avx512(dst, drop, n, base, &i);
#endif
	for (; i < n; i++) {
		dst[k] = base + i;
		k += 1 - drop[i];
	}
	return k;
}

// flern_drop_codes marks row i dropped by tab[codes[i]] (1 missing, 0 not):
// or'ed into drop (all == 0), or and'ed (all == 1: dropped when every
// column is missing). codes are checked in range by the caller.
static void flern_drop_codes(uint8_t *drop, const int32_t *codes, const uint8_t *tab, int64_t n, int all) {
	if (all) {
		for (int64_t i = 0; i < n; i++) drop[i] &= tab[codes[i]];
	} else {
		for (int64_t i = 0; i < n; i++) drop[i] |= tab[codes[i]];
	}
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FLERN_COMPACT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FLERN_COMPACT_CLONES
#endif

// flern_drop_eq4 is flern_drop_codes for at most four missing codes
// c[0..3] (the unused ones -1, which no code is): compares, which the
// compiler vectorizes, instead of a table load a row.
FLERN_COMPACT_CLONES void flern_drop_eq4(uint8_t *drop, const int32_t *codes, int64_t n, int32_t c0, int32_t c1,
                                         int32_t c2, int32_t c3, int all) {
	if (all) {
		for (int64_t i = 0; i < n; i++) {
			int32_t x = codes[i];
			drop[i] &= (uint8_t)((x == c0) | (x == c1) | (x == c2) | (x == c3));
		}
	} else {
		for (int64_t i = 0; i < n; i++) {
			int32_t x = codes[i];
			drop[i] |= (uint8_t)((x == c0) | (x == c1) | (x == c2) | (x == c3));
		}
	}
}

// flern_drop_nan marks row i dropped where x[i] is NaN (or'ed, or and'ed
// for all).
FLERN_COMPACT_CLONES void flern_drop_nan(uint8_t *drop, const double *x, int64_t n, int all) {
	if (all) {
		for (int64_t i = 0; i < n; i++) drop[i] &= (uint8_t)(x[i] != x[i]);
	} else {
		for (int64_t i = 0; i < n; i++) drop[i] |= (uint8_t)(x[i] != x[i]);
	}
}
*/
import "C"

import "unsafe"

// setCompactLevel caps the compaction kernels' instruction set (1 AVX-512,
// 0 scalar C); tests run both.
func setCompactLevel(l int) { C.flern_compact_set_level(C.int(l)) }

// compactMin is the length below which the Go loops run (no cgo call).
var compactMin = 256

func dropP(drop []uint8) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(drop))) }

// CompactI32 keeps v[i] where drop[i] == 0 (len(drop) >= len(v)), moved
// down in place in order, and returns v cut to the rows kept.
func CompactI32(v []int32, drop []uint8) []int32 {
	if len(v) < compactMin {
		return compactGo(v, drop)
	}
	k := C.flern_compact4((*C.int32_t)(unsafe.Pointer(unsafe.SliceData(v))), dropP(drop[:len(v)]), C.int64_t(len(v)))
	return v[:k]
}

// CompactI64 is CompactI32 for 8-byte rows (int64, or float64 by their bits).
func CompactI64(v []int64, drop []uint8) []int64 {
	if len(v) < compactMin {
		return compactGo(v, drop)
	}
	k := C.flern_compact8((*C.int64_t)(unsafe.Pointer(unsafe.SliceData(v))), dropP(drop[:len(v)]), C.int64_t(len(v)))
	return v[:k]
}

// compactGo is the compaction in Go (short slices, no cgo call).
func compactGo[T int32 | int64](v []T, drop []uint8) []T {
	k := 0
	for i, d := range drop[:len(v)] {
		v[k] = v[i]
		k += int(1 - d&1)
	}
	return v[:k]
}

// CompactF64 is CompactI64 for float64 rows (moved as bits: NaN payloads kept).
func CompactF64(v []float64, drop []uint8) []float64 {
	if len(v) == 0 {
		return v
	}
	b := CompactI64(unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v)), drop)
	return v[:len(b)]
}

// Kept writes base + i for each row i not dropped (drop[i] == 0) into dst
// (len(dst) >= len(drop)) and returns dst cut to them.
func Kept(dst []int64, drop []uint8, base int64) []int64 {
	n := len(drop)
	dst = dst[:n]
	if n < compactMin {
		k := 0
		for i, d := range drop {
			dst[k] = base + int64(i)
			k += int(1 - d&1)
		}
		return dst[:k]
	}
	k := C.flern_kept((*C.int64_t)(unsafe.Pointer(unsafe.SliceData(dst))), dropP(drop), C.int64_t(n), C.int64_t(base))
	return dst[:k]
}

// DropByCodes marks each row i dropped where tab[codes[i]] is 1 (drop |=
// tab[code]), or, for all, keeps it marked only there (drop &= tab[code]).
// tab holds 0 or 1 per code, and every code must index it (a col.Lookup's
// codes index its values: tab is one entry per value).
func DropByCodes(drop []uint8, codes []int32, tab []uint8, all bool) {
	n := len(codes)
	drop = drop[:n]
	if n < compactMin {
		for i, c := range codes {
			if all {
				drop[i] &= tab[c]
			} else {
				drop[i] |= tab[c]
			}
		}
		return
	}
	a := C.int(0)
	if all {
		a = 1
	}
	cp := (*C.int32_t)(unsafe.Pointer(unsafe.SliceData(codes)))
	eq := [4]C.int32_t{-1, -1, -1, -1}
	m := 0
	for c, t := range tab {
		if t != 0 {
			if m == len(eq) {
				C.flern_drop_codes(dropP(drop), cp, dropP(tab), C.int64_t(n), a)
				return
			}
			eq[m] = C.int32_t(c)
			m++
		}
	}
	C.flern_drop_eq4(dropP(drop), cp, C.int64_t(n), eq[0], eq[1], eq[2], eq[3], a)
}

// DropNaN marks each row i dropped where x[i] is NaN (or, for all, keeps
// it marked only there).
func DropNaN(drop []uint8, x []float64, all bool) {
	n := len(x)
	drop = drop[:n]
	if n < compactMin {
		for i, v := range x {
			nan := uint8(0)
			if v != v {
				nan = 1
			}
			if all {
				drop[i] &= nan
			} else {
				drop[i] |= nan
			}
		}
		return
	}
	a := C.int(0)
	if all {
		a = 1
	}
	C.flern_drop_nan(dropP(drop), (*C.double)(unsafe.Pointer(unsafe.SliceData(x))), C.int64_t(n), a)
}
