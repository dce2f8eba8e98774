package blas

// Float32 vector kernels for the staged training step (golib/exec's
// train_fast.go) and the interpreter's fused Adam update: the elementwise
// work of a small model's step is as large as its GEMMs, and Go does not
// vectorize. Each kernel is C compiled here by cgo with target_clones (AVX-512,
// AVX2 or baseline x86-64 picked at load time), with floating-point
// contraction off so every element is rounded exactly as the Go loop next to
// it (vec_test.go checks both bit for bit). Slices shorter than vecMin run the
// Go loop (a cgo call costs more than it saves there).

/*
#cgo CFLAGS: -O3
#cgo LDFLAGS: -lm
#pragma GCC optimize("fp-contract=off")
#include <math.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FLERN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FLERN_CLONES
#endif

// adam_tail is the scalar loop (and the whole loop without AVX).
static void adam_tail(int64_t i, int64_t n, const float *p, const float *g, float *m, float *v, float *out,
                      float b1, float b2, float c1, float c2, float decay, float sign, float ss, float bc2,
                      float eps) {
	for (; i < n; i++) {
		float x = p[i], d = sign * g[i];
		if (decay != 1.0f) x *= decay;
		float mm = b1 * m[i] + c1 * d;
		float vv = b2 * v[i] + c2 * d * d;
		m[i] = mm;
		v[i] = vv;
		out[i] = x - ss * mm / (sqrtf(vv) / bc2 + eps);
	}
}

// rmsprop_tail is the scalar RMSprop loop (and the whole loop without AVX):
// float64 arithmetic, each buffer rounded to float32 as it is stored, in
// the order of the interpreter's loop (golib/exec/interp/optim.go).
static void rmsprop_tail(int64_t i, int64_t n, const float *p, const float *g, float *sq, float *mb, float *ga,
                         float *out, double lr, double alpha, double eps, double mom, double wd, double sign,
                         int centered) {
	for (; i < n; i++) {
		double x = p[i], d = sign * (double)g[i];
		if (wd != 0) d += wd * x;
		double s = (double)(sq[i] = (float)(alpha * (double)sq[i] + (1 - alpha) * d * d));
		double avg;
		if (centered) {
			double a = (double)(ga[i] = (float)(alpha * (double)ga[i] + (1 - alpha) * d));
			avg = sqrt(s - a * a) + eps;
		} else {
			avg = sqrt(s) + eps;
		}
		if (mom > 0) {
			double b = (double)(mb[i] = (float)(mom * (double)mb[i] + d / avg));
			out[i] = (float)(x - lr * b);
		} else {
			out[i] = (float)(x - lr * d / avg);
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

// The vector loops round exactly as adam_tail: float32 operations kept
// separate (no FMA), sqrt correctly rounded in float32 as sqrtf.
__attribute__((target("avx512f"))) static int64_t adam_avx512(int64_t n, const float *p, const float *g, float *m,
	float *v, float *out, float b1, float b2, float c1, float c2, float decay, float sign, float ss, float bc2,
	float eps) {
	__m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2), vc1 = _mm512_set1_ps(c1), vc2 = _mm512_set1_ps(c2);
	__m512 vdec = _mm512_set1_ps(decay), vsign = _mm512_set1_ps(sign), vss = _mm512_set1_ps(ss);
	__m512 vbc2 = _mm512_set1_ps(bc2), veps = _mm512_set1_ps(eps);
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512 x = _mm512_loadu_ps(p + i), d = _mm512_mul_ps(vsign, _mm512_loadu_ps(g + i));
		if (decay != 1.0f) x = _mm512_mul_ps(x, vdec);
		__m512 mm = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(vc1, d));
		__m512 vv = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(vc2, d), d));
		_mm512_storeu_ps(m + i, mm);
		_mm512_storeu_ps(v + i, vv);
		__m512 den = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vv), vbc2), veps);
		_mm512_storeu_ps(out + i, _mm512_sub_ps(x, _mm512_div_ps(_mm512_mul_ps(vss, mm), den)));
	}
	return i;
}

__attribute__((target("avx2"))) static int64_t adam_avx2(int64_t n, const float *p, const float *g, float *m,
	float *v, float *out, float b1, float b2, float c1, float c2, float decay, float sign, float ss, float bc2,
	float eps) {
	__m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2), vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2);
	__m256 vdec = _mm256_set1_ps(decay), vsign = _mm256_set1_ps(sign), vss = _mm256_set1_ps(ss);
	__m256 vbc2 = _mm256_set1_ps(bc2), veps = _mm256_set1_ps(eps);
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(p + i), d = _mm256_mul_ps(vsign, _mm256_loadu_ps(g + i));
		if (decay != 1.0f) x = _mm256_mul_ps(x, vdec);
		__m256 mm = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(vc1, d));
		__m256 vv = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(vc2, d), d));
		_mm256_storeu_ps(m + i, mm);
		_mm256_storeu_ps(v + i, vv);
		__m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vv), vbc2), veps);
		_mm256_storeu_ps(out + i, _mm256_sub_ps(x, _mm256_div_ps(_mm256_mul_ps(vss, mm), den)));
	}
	return i;
}
// rmsprop_avx2: rmsprop_tail four elements at a time in float64 lanes (the
// same operations in the same order, so the same roundings).
__attribute__((target("avx2"))) static int64_t rmsprop_avx2(int64_t n, const float *p, const float *g, float *sq,
	float *mb, float *ga, float *out, double lr, double alpha, double eps, double mom, double wd, double sign,
	int centered) {
	__m256d vlr = _mm256_set1_pd(lr), val = _mm256_set1_pd(alpha), vc = _mm256_set1_pd(1 - alpha);
	__m256d veps = _mm256_set1_pd(eps), vmom = _mm256_set1_pd(mom), vwd = _mm256_set1_pd(wd), vsign = _mm256_set1_pd(sign);
	int64_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m256d x = _mm256_cvtps_pd(_mm_loadu_ps(p + i));
		__m256d d = _mm256_mul_pd(vsign, _mm256_cvtps_pd(_mm_loadu_ps(g + i)));
		if (wd != 0) d = _mm256_add_pd(d, _mm256_mul_pd(vwd, x));
		__m128 s32 = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_mul_pd(val, _mm256_cvtps_pd(_mm_loadu_ps(sq + i))),
			_mm256_mul_pd(_mm256_mul_pd(vc, d), d)));
		_mm_storeu_ps(sq + i, s32);
		__m256d s = _mm256_cvtps_pd(s32), avg;
		if (centered) {
			__m128 a32 = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_mul_pd(val, _mm256_cvtps_pd(_mm_loadu_ps(ga + i))),
				_mm256_mul_pd(vc, d)));
			_mm_storeu_ps(ga + i, a32);
			__m256d a = _mm256_cvtps_pd(a32);
			avg = _mm256_add_pd(_mm256_sqrt_pd(_mm256_sub_pd(s, _mm256_mul_pd(a, a))), veps);
		} else {
			avg = _mm256_add_pd(_mm256_sqrt_pd(s), veps);
		}
		if (mom > 0) {
			__m128 b32 = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_mul_pd(vmom, _mm256_cvtps_pd(_mm_loadu_ps(mb + i))),
				_mm256_div_pd(d, avg)));
			_mm_storeu_ps(mb + i, b32);
			_mm_storeu_ps(out + i, _mm256_cvtpd_ps(_mm256_sub_pd(x, _mm256_mul_pd(vlr, _mm256_cvtps_pd(b32)))));
		} else {
			_mm_storeu_ps(out + i, _mm256_cvtpd_ps(_mm256_sub_pd(x, _mm256_div_pd(_mm256_mul_pd(vlr, d), avg))));
		}
	}
	return i;
}
#endif

// flern_vec_level caps the instruction set (2 AVX-512, 1 AVX2, 0 scalar; tests).
static int flern_vec_level = 2;
static void flern_vec_set_level(int l) { flern_vec_level = l; }

void flern_vec_adam(int64_t n, const float *p, const float *g, float *m, float *v, float *out, float b1, float b2,
                    float c1, float c2, float decay, float sign, float ss, float bc2, float eps) {
	int64_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
	if (flern_vec_level >= 2 && __builtin_cpu_supports("avx512f")) {
		i = adam_avx512(n, p, g, m, v, out, b1, b2, c1, c2, decay, sign, ss, bc2, eps);
	} else if (flern_vec_level >= 1 && __builtin_cpu_supports("avx2")) {
		i = adam_avx2(n, p, g, m, v, out, b1, b2, c1, c2, decay, sign, ss, bc2, eps);
	}
#endif
	adam_tail(i, n, p, g, m, v, out, b1, b2, c1, c2, decay, sign, ss, bc2, eps);
}

void flern_vec_rmsprop(int64_t n, const float *p, const float *g, float *sq, float *mb, float *ga, float *out,
                       double lr, double alpha, double eps, double mom, double wd, double sign, int centered) {
	int64_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
	if (flern_vec_level >= 1 && __builtin_cpu_supports("avx2")) {
		i = rmsprop_avx2(n, p, g, sq, mb, ga, out, lr, alpha, eps, mom, wd, sign, centered);
	}
#endif
	rmsprop_tail(i, n, p, g, sq, mb, ga, out, lr, alpha, eps, mom, wd, sign, centered);
}

#if defined(__x86_64__) && defined(__GNUC__)
// transpose8_avx2: the 8 x 8 block at src (row stride ss) transposed to dst (row stride ds).
__attribute__((target("avx2"))) static inline void transpose8_avx2(const float *src, int64_t ss, float *dst,
	int64_t ds) {
	__m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ss), r2 = _mm256_loadu_ps(src + 2 * ss);
	__m256 r3 = _mm256_loadu_ps(src + 3 * ss), r4 = _mm256_loadu_ps(src + 4 * ss), r5 = _mm256_loadu_ps(src + 5 * ss);
	__m256 r6 = _mm256_loadu_ps(src + 6 * ss), r7 = _mm256_loadu_ps(src + 7 * ss);
	__m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3);
	__m256 t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
	__m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
	__m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
	__m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
	__m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
	__m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
	_mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
	_mm256_storeu_ps(dst + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
	_mm256_storeu_ps(dst + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
	_mm256_storeu_ps(dst + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
	_mm256_storeu_ps(dst + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
	_mm256_storeu_ps(dst + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
	_mm256_storeu_ps(dst + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
	_mm256_storeu_ps(dst + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}

__attribute__((target("avx2"))) static void transpose_avx2(int64_t rows, int64_t cols, const float *src,
	float *dst) {
	int64_t r8 = rows / 8 * 8, c8 = cols / 8 * 8;
	for (int64_t i = 0; i < r8; i += 8)
		for (int64_t j = 0; j < c8; j += 8) transpose8_avx2(src + i * cols + j, cols, dst + j * rows + i, rows);
	for (int64_t i = 0; i < rows; i++) // the edges
		for (int64_t j = (i < r8 ? c8 : 0); j < cols; j++) dst[j * rows + i] = src[i * cols + j];
}
#endif

// flern_vec_transpose: dst[j * rows + i] = src[i * cols + j] (8 x 8 blocks in AVX2 registers).
void flern_vec_transpose(int64_t rows, int64_t cols, const float *src, float *dst) {
#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("avx2")) {
		transpose_avx2(rows, cols, src, dst);
		return;
	}
#endif
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
}

FLERN_CLONES void flern_vec_relu(int64_t n, float *dst, const float *src) {
	for (int64_t i = 0; i < n; i++) {
		float x = src[i];
		dst[i] = (x > 0.0f || x != x) ? x : 0.0f;
	}
}

// flern_vec_f32_to_i64: dst = (int64)(double)src, a value outside int64's range (NaN, +-Inf, |x| >= 2^63) the
// x86-64 conversion's "integer indefinite" INT64_MIN, as Go's int64(float64(x)) gives on amd64 (the range is
// tested first: the C conversion of such a value is undefined). x86-64-v4 (AVX-512DQ) vectorizes it (8192
// values: 1.0 us, Go's loop 4.3 us); AVX2 has no such conversion, so there is no AVX2 clone.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "default")))
#endif
void flern_vec_f32_to_i64(int64_t n, int64_t *dst, const float *src) {
	for (int64_t i = 0; i < n; i++) {
		double d = src[i];
		dst[i] = (d >= -9223372036854775808.0 && d < 9223372036854775808.0) ? (int64_t)d : INT64_MIN;
	}
}

// flern_vec_bias_relu: relu(x + b) for b one row of w repeated over the rows (NaN kept, as flern_vec_relu).
FLERN_CLONES void flern_vec_bias_relu(int64_t rows, int64_t w, float *dst, const float *x, const float *b) {
	for (int64_t r = 0; r < rows; r++) {
		float *d = dst + r * w;
		const float *a = x + r * w;
		for (int64_t j = 0; j < w; j++) {
			float v = a[j] + b[j];
			d[j] = (v > 0.0f || v != v) ? v : 0.0f;
		}
	}
}

// flern_vec_where_cmp_const: dst = (h op t) ? x : c, op as flern_vec_cmp_const's.
FLERN_CLONES void flern_vec_where_cmp_const(int64_t n, int op, float *dst, const float *h, float t, const float *x,
	float c) {
	switch (op) {
	case 0: for (int64_t i = 0; i < n; i++) dst[i] = h[i] > t ? x[i] : c; break;
	case 1: for (int64_t i = 0; i < n; i++) dst[i] = h[i] >= t ? x[i] : c; break;
	case 2: for (int64_t i = 0; i < n; i++) dst[i] = h[i] < t ? x[i] : c; break;
	case 3: for (int64_t i = 0; i < n; i++) dst[i] = h[i] <= t ? x[i] : c; break;
	case 4: for (int64_t i = 0; i < n; i++) dst[i] = h[i] == t ? x[i] : c; break;
	default: for (int64_t i = 0; i < n; i++) dst[i] = h[i] != t ? x[i] : c; break;
	}
}

// op: 0 gt, 1 ge, 2 lt, 3 le, 4 eq, 5 ne.
FLERN_CLONES void flern_vec_cmp_const(int64_t n, int op, uint8_t *dst, const float *x, float c) {
	switch (op) {
	case 0: for (int64_t i = 0; i < n; i++) dst[i] = x[i] > c; break;
	case 1: for (int64_t i = 0; i < n; i++) dst[i] = x[i] >= c; break;
	case 2: for (int64_t i = 0; i < n; i++) dst[i] = x[i] < c; break;
	case 3: for (int64_t i = 0; i < n; i++) dst[i] = x[i] <= c; break;
	case 4: for (int64_t i = 0; i < n; i++) dst[i] = x[i] == c; break;
	default: for (int64_t i = 0; i < n; i++) dst[i] = x[i] != c; break;
	}
}

FLERN_CLONES void flern_vec_where_const(int64_t n, float *dst, const uint8_t *cond, const float *x, float c) {
	for (int64_t i = 0; i < n; i++) dst[i] = cond[i] ? x[i] : c;
}

// dst[j*w : j*w+w] = x[rows[j]*w : rows[j]*w+w]; the rows a few iterations
// ahead are prefetched (random rows of a large matrix miss the caches).
void flern_vec_gather_rows(int64_t n, int64_t w, float *dst, const float *x, const int64_t *rows) {
	const int64_t ahead = 16;
	for (int64_t j = 0; j < n; j++) {
		if (j + ahead < n) __builtin_prefetch(x + rows[j + ahead] * w);
		const float *s = x + rows[j] * w;
		float *d = dst + j * w;
		for (int64_t k = 0; k < w; k++) d[k] = s[k];
	}
}

// copy_blocks: rows blocks of w floats, block r from src + r*ss to dst + r*ds.
void flern_vec_copy_blocks(int64_t rows, int64_t w, float *dst, int64_t ds, const float *src, int64_t ss) {
	if (w == 1) {
		for (int64_t r = 0; r < rows; r++) dst[r * ds] = src[r * ss];
		return;
	}
	for (int64_t r = 0; r < rows; r++) {
		float *d = dst + r * ds;
		const float *s = src + r * ss;
		for (int64_t k = 0; k < w; k++) d[k] = s[k];
	}
}

// op: 0 add, 1 sub, 2 mul, 3 div; y (w values) repeats along the rows of x.
FLERN_CLONES void flern_vec_binary_rows(int64_t rows, int64_t w, int op, float *dst, const float *x, const float *y) {
	for (int64_t r = 0; r < rows; r++) {
		float *d = dst + r * w;
		const float *a = x + r * w;
		switch (op) {
		case 0: for (int64_t j = 0; j < w; j++) d[j] = a[j] + y[j]; break;
		case 1: for (int64_t j = 0; j < w; j++) d[j] = a[j] - y[j]; break;
		case 2: for (int64_t j = 0; j < w; j++) d[j] = a[j] * y[j]; break;
		default: for (int64_t j = 0; j < w; j++) d[j] = a[j] / y[j]; break;
		}
	}
}

FLERN_CLONES void flern_vec_colsum(int64_t rows, int64_t w, float *dst, const float *x, double *acc) {
	for (int64_t j = 0; j < w; j++) acc[j] = 0;
	for (int64_t r = 0; r < rows; r++) {
		const float *row = x + r * w;
		for (int64_t j = 0; j < w; j++) acc[j] += (double)row[j];
	}
	for (int64_t j = 0; j < w; j++) dst[j] = (float)acc[j];
}
*/
import "C"

import (
	"math"
	"runtime"
	"unsafe"
)

// setVecLevel caps the Adam kernel's instruction set (2 AVX-512, 1 AVX2, 0
// scalar C); tests run every level.
func setVecLevel(l int) { C.flern_vec_set_level(C.int(l)) }

// vecMin is the length below which the Go loops run (no cgo call).
var vecMin = 64

func f32p(s []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(s))) }
func f64p(s []float64) *C.double {
	return (*C.double)(unsafe.Pointer(unsafe.SliceData(s)))
}
func u8p(s []bool) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(s))) }

// AdamF32 is the float32 Adam/AdamW update of torch's CPU Adam, every
// operation rounded to float32: m = b1*m + c1*d, v = b2*v + c2*d*d with
// d = sign*g, den = sqrt(v)/bc2 + eps (bc2 = sqrt(1-beta2^t)) and
// out = x - ss*m/den where x = p*decay (decay 1: plain Adam); the
// denominator and the parameter's update are torch's operations in its
// order. m and v are updated in place; out may be p.
func AdamF32(p, g, m, v, out []float32, b1, b2, c1, c2, decay, sign, ss, bc2, eps float32) {
	n := len(p)
	g, m, v, out = g[:n], m[:n], v[:n], out[:n]
	if n >= vecMin {
		C.flern_vec_adam(C.int64_t(n), f32p(p), f32p(g), f32p(m), f32p(v), f32p(out), C.float(b1), C.float(b2),
			C.float(c1), C.float(c2), C.float(decay), C.float(sign), C.float(ss), C.float(bc2), C.float(eps))
		return
	}
	adamGo(p, g, m, v, out, b1, b2, c1, c2, decay, sign, ss, bc2, eps)
}

func adamGo(p, g, m, v, out []float32, b1, b2, c1, c2, decay, sign, ss, bc2, eps float32) {
	for i := range p {
		x, d := p[i], sign*g[i]
		if decay != 1 {
			x *= decay
		}
		mm := b1*m[i] + c1*d
		vv := b2*v[i] + c2*d*d
		m[i], v[i] = mm, vv
		den := float32(math.Sqrt(float64(vv)))/bc2 + eps
		out[i] = x - ss*mm/den
	}
}

// RMSpropF32 is the float32 RMSprop update of the reference interpreter
// (golib/exec/interp ApplyUpdate): float64 arithmetic, the square average
// sq, momentum buffer mb and gradient average ga (centered) rounded to
// float32 as stored; out may be p. mb is read only with mom > 0, ga only
// when centered.
func RMSpropF32(p, g, sq, mb, ga, out []float32, lr, alpha, eps, mom, wd, sign float64, centered bool) {
	n := len(p)
	g, sq, out = g[:n], sq[:n], out[:n]
	if mom > 0 {
		mb = mb[:n]
	}
	if centered {
		ga = ga[:n]
	}
	if n >= vecMin {
		c := C.int(0)
		if centered {
			c = 1
		}
		C.flern_vec_rmsprop(C.int64_t(n), f32p(p), f32p(g), f32p(sq), f32p(mb), f32p(ga), f32p(out), C.double(lr),
			C.double(alpha), C.double(eps), C.double(mom), C.double(wd), C.double(sign), c)
		return
	}
	for i := 0; i < n; i++ {
		x, d := float64(p[i]), sign*float64(g[i])
		if wd != 0 {
			d += wd * x
		}
		sq[i] = float32(alpha*float64(sq[i]) + (1-alpha)*d*d)
		s := float64(sq[i])
		var avg float64
		if centered {
			ga[i] = float32(alpha*float64(ga[i]) + (1-alpha)*d)
			a := float64(ga[i])
			avg = math.Sqrt(s-a*a) + eps
		} else {
			avg = math.Sqrt(s) + eps
		}
		if mom > 0 {
			mb[i] = float32(mom*float64(mb[i]) + d/avg)
			out[i] = float32(x - lr*float64(mb[i]))
		} else {
			out[i] = float32(x - lr*d/avg)
		}
	}
}

// GatherRowsF32 copies rows rows[j] of x (rows of w elements) to row j of
// dst; the caller checks that every row is in range.
func GatherRowsF32(dst, x []float32, rows []int64, w int) {
	dst = dst[:len(rows)*w]
	if len(rows) >= 64 && w > 0 {
		C.flern_vec_gather_rows(C.int64_t(len(rows)), C.int64_t(w), f32p(dst), f32p(x), (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(rows))))
		return
	}
	for j, r := range rows {
		copy(dst[j*w:j*w+w], x[int(r)*w:int(r)*w+w])
	}
}

// CopyBlocksF32 copies rows blocks of w elements: block r from src[r*ss:]
// to dst[r*ds:] (a column slice, a cat into place). The caller checks the
// bounds.
func CopyBlocksF32(dst []float32, ds int, src []float32, ss, w, rows int) {
	if rows <= 0 || w <= 0 {
		return
	}
	_ = dst[(rows-1)*ds+w-1]
	_ = src[(rows-1)*ss+w-1]
	if rows*w >= vecMin {
		C.flern_vec_copy_blocks(C.int64_t(rows), C.int64_t(w), f32p(dst), C.int64_t(ds), f32p(src), C.int64_t(ss))
		return
	}
	for r := 0; r < rows; r++ {
		copy(dst[r*ds:r*ds+w], src[r*ss:r*ss+w])
	}
}

// Element-wise ops of BinaryRowsF32.
const (
	BinAdd = iota
	BinSub
	BinMul
	BinDiv
)

// BinaryRowsF32 is dst = x <op> y with y repeated along the rows of x
// (len(x) a multiple of len(y); len(y) == len(x) is the element-wise case).
// One IEEE operation per element, so the result is the Go loop's bit for bit.
func BinaryRowsF32(op int, dst, x, y []float32) {
	w := len(y)
	if w == 0 {
		return
	}
	dst = dst[:len(x)]
	rows := len(x) / w
	if len(x) >= vecMin && w >= 8 {
		C.flern_vec_binary_rows(C.int64_t(rows), C.int64_t(w), C.int(op), f32p(dst), f32p(x), f32p(y))
		return
	}
	for r := 0; r < rows; r++ {
		d, a := dst[r*w:r*w+w], x[r*w:r*w+w]
		switch op {
		case BinAdd:
			for j := range d {
				d[j] = a[j] + y[j]
			}
		case BinSub:
			for j := range d {
				d[j] = a[j] - y[j]
			}
		case BinMul:
			for j := range d {
				d[j] = a[j] * y[j]
			}
		default:
			for j := range d {
				d[j] = a[j] / y[j]
			}
		}
	}
}

// ReluF32 is dst = relu(src) (NaN stays NaN, -0 becomes 0).
func ReluF32(dst, src []float32) {
	dst = dst[:len(src)]
	if len(src) >= vecMin {
		C.flern_vec_relu(C.int64_t(len(src)), f32p(dst), f32p(src))
		return
	}
	for i, x := range src {
		if x > 0 || x != x {
			dst[i] = x
		} else {
			dst[i] = 0
		}
	}
}

// F32ToI64 is dst[i] = int64(float64(src[i])) (Go's conversion; on amd64
// a value outside int64's range, NaN included, gives math.MinInt64, as the
// vectorized C loop there does).
func F32ToI64(dst []int64, src []float32) {
	dst = dst[:len(src)]
	if runtime.GOARCH == "amd64" && len(src) >= vecMin {
		C.flern_vec_f32_to_i64(C.int64_t(len(src)), (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(dst))), f32p(src))
		return
	}
	for i, x := range src {
		dst[i] = int64(float64(x))
	}
}

// Comparison ops of CmpConstF32.
const (
	CmpGt = iota
	CmpGe
	CmpLt
	CmpLe
	CmpEq
	CmpNe
)

// CmpConstF32 is dst[i] = x[i] <op> c.
func CmpConstF32(op int, dst []bool, x []float32, c float32) {
	dst = dst[:len(x)]
	if len(x) >= vecMin {
		C.flern_vec_cmp_const(C.int64_t(len(x)), C.int(op), u8p(dst), f32p(x), C.float(c))
		return
	}
	for i, v := range x {
		switch op {
		case CmpGt:
			dst[i] = v > c
		case CmpGe:
			dst[i] = v >= c
		case CmpLt:
			dst[i] = v < c
		case CmpLe:
			dst[i] = v <= c
		case CmpEq:
			dst[i] = v == c
		default:
			dst[i] = v != c
		}
	}
}

// WhereConstF32 is dst[i] = cond[i] ? x[i] : c.
func WhereConstF32(dst []float32, cond []bool, x []float32, c float32) {
	n := len(dst)
	cond, x = cond[:n], x[:n]
	if n >= vecMin {
		C.flern_vec_where_const(C.int64_t(n), f32p(dst), u8p(cond), f32p(x), C.float(c))
		return
	}
	for i, b := range cond {
		if b {
			dst[i] = x[i]
		} else {
			dst[i] = c
		}
	}
}

// BiasReluF32 is ReluF32 of BinaryRowsF32(BinAdd, x, b) in one pass: dst =
// relu(x + b), b one row repeated over the rows of x (NaN kept).
func BiasReluF32(dst, x, b []float32) {
	w := len(b)
	if w == 0 {
		return
	}
	rows := len(x) / w
	dst, x = dst[:rows*w], x[:rows*w]
	if rows*w >= vecMin {
		C.flern_vec_bias_relu(C.int64_t(rows), C.int64_t(w), f32p(dst), f32p(x), f32p(b))
		return
	}
	for r := 0; r < rows; r++ {
		d, a := dst[r*w:r*w+w], x[r*w:r*w+w]
		for j := range d {
			v := a[j] + b[j]
			if v > 0 || v != v {
				d[j] = v
			} else {
				d[j] = 0
			}
		}
	}
}

// WhereCmpConstF32 is WhereConstF32 of CmpConstF32(op, h, t) in one pass:
// dst = (h op t) ? x : c (a relu's gradient: h > 0 ? g : 0).
func WhereCmpConstF32(op int, dst, h []float32, t float32, x []float32, c float32) {
	n := len(h)
	dst, x = dst[:n], x[:n]
	if n >= vecMin {
		C.flern_vec_where_cmp_const(C.int64_t(n), C.int(op), f32p(dst), f32p(h), C.float(t), f32p(x), C.float(c))
		return
	}
	for i, v := range h {
		var keep bool
		switch op {
		case CmpGt:
			keep = v > t
		case CmpGe:
			keep = v >= t
		case CmpLt:
			keep = v < t
		case CmpLe:
			keep = v <= t
		case CmpEq:
			keep = v == t
		default:
			keep = v != t
		}
		if keep {
			dst[i] = x[i]
		} else {
			dst[i] = c
		}
	}
}

// TransposeF32 writes the rows x cols matrix src transposed into dst
// (cols x rows), both row-major.
func TransposeF32(dst, src []float32, rows, cols int) {
	n := rows * cols
	src, dst = src[:n], dst[:n]
	if n >= vecMin {
		C.flern_vec_transpose(C.int64_t(rows), C.int64_t(cols), f32p(src), f32p(dst))
		return
	}
	for i := 0; i < rows; i++ {
		for j, v := range src[i*cols : (i+1)*cols] {
			dst[j*rows+i] = v
		}
	}
}

// ColSumF32 sums the rows of x (rows of len(dst)) into dst, accumulating in
// float64 in row order; acc is scratch of len(dst).
func ColSumF32(dst, x []float32, acc []float64) {
	w := len(dst)
	if w == 0 {
		return
	}
	rows := len(x) / w
	acc = acc[:w]
	if rows*w >= vecMin {
		C.flern_vec_colsum(C.int64_t(rows), C.int64_t(w), f32p(dst), f32p(x[:rows*w]), f64p(acc))
		return
	}
	clear(acc)
	for r := 0; r < rows; r++ {
		for j, v := range x[r*w : (r+1)*w] {
			acc[j] += float64(v)
		}
	}
	for j, v := range acc {
		dst[j] = float32(v)
	}
}
