package blas

// A two-layer perceptron head in one pass over its rows: out = relu(x @ w1 +
// b1) @ w2 + b2, each row's hidden layer kept in a buffer on the stack that
// stays in L1, so the [rows, hidden] intermediate a GEMM, a bias + relu loop
// and a second GEMM would write and read back through memory never exists.
// Inference of a small tabular model (flights: 19 -> 64 -> 1) is bound by
// that traffic, not by its multiply-adds. Compiled with target_clones and
// floating-point contraction on (multiply-adds fused where the CPU has FMA),
// so results differ from the GEMM path's in the last bits (the caller's
// tests compare within float rounding).

/*
#cgo CFLAGS: -O3 -Wno-psabi
#pragma GCC optimize("fp-contract=fast")
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FLERN_MLP_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FLERN_MLP_CLONES
#endif

#define FLERN_MLP_MAXH 1024

// flern_mlp_force8: tests run the 8-lane form on an AVX-512 CPU too.
static int flern_mlp_force8 = 0;
static void flern_mlp_set_force8(int v) { flern_mlp_force8 = v; }

// flern_dense_relu_dense: x [n, k], w1 [k, h], b1 [h], w2 [h, o], b2 [o], out [n, o], all row-major; h <= FLERN_MLP_MAXH;
// nl <= FLERN_MLP_MAXLOOK lookups: table tj [mj, h] and indices ij [n], row ij[r] of tj added to row r's hidden units.
// The hidden units' sums start from the bias and the looked-up rows, then run over k in order (lanes across units),
// each output's sum over the hidden units in interleaved partial sums (16, or 8 for the fixed widths) combined at the
// end. relu keeps NaN (as torch and the interpreter). Returns -1, or a row whose index is out of its table (out
// then partly written).
typedef float flern_v8 __attribute__((vector_size(32)));
typedef int32_t flern_v8i __attribute__((vector_size(32)));
typedef float flern_v4 __attribute__((vector_size(16)));

#define FLERN_MLP_MAXLOOK 4
typedef struct {
	const float *t;
	const int64_t *idx;
	int64_t m;
} flern_look;

// flern_hsum8, flern_hsum16: a vector's lanes summed as a tree (halves added, then halves of those, ...).
static inline __attribute__((always_inline)) float flern_hsum8(flern_v8 s) {
	flern_v4 s4 = __builtin_shufflevector(s, s, 0, 1, 2, 3) + __builtin_shufflevector(s, s, 4, 5, 6, 7);
	s4 += __builtin_shufflevector(s4, s4, 2, 3, 0, 1);
	return s4[0] + s4[1];
}

typedef float flern_v16 __attribute__((vector_size(64)));
typedef int32_t flern_v16i __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) float flern_hsum16(flern_v16 s) {
	return flern_hsum8(__builtin_shufflevector(s, s, 0, 1, 2, 3, 4, 5, 6, 7) +
	                   __builtin_shufflevector(s, s, 8, 9, 10, 11, 12, 13, 14, 15));
}

// flern_drd block P_blk_H_R (P: flern_drd, 8-lane vectors V / VI; flern_drd16, 16-lane): one output, a hidden width
// H that is a multiple of the L lanes known at compile time, R rows from row r at a time: each row's hidden units
// stay in H / L vector registers over the k inputs (no buffer traffic), the output's sum in L lanes; the R rows
// share each weight load (8 lanes, two rows, or 16 lanes, four rows: 16 accumulators, which AVX-512 keeps in
// registers). A bias of zeros (zb: bias_fold added it into the first table) is not added: the first table's rows
// start the sums (0 + t is t; a -0 sum that a +0 bias would have made +0 goes to 0 in relu either way). Returns -1,
// or the row whose index is out of its table.
#define FLERN_DRD_BLOCK(P, V, VI, L, H, R)                                                                            \
	static inline __attribute__((always_inline)) int64_t P##_blk_##H##_##R(                                           \
	    int64_t r, int64_t k, const float *x, const float *w1, const V *bias, const V *w2v, const float *b2,         \
	    float *out, int nl, const flern_look *look, int zb) {                                                      \
		V acc[R][H / L];                                                                                            \
		int j0 = 0;                                                                                                 \
		if (zb && nl > 0) {                                                                                         \
			for (int q = 0; q < R; q++) {                                                                           \
				const int64_t v = look[0].idx[r + q];                                                               \
				if ((uint64_t)v >= (uint64_t)look[0].m) return r + q;                                               \
				const float *tr = look[0].t + v * H;                                                                \
				for (int u = 0; u < H / L; u++) __builtin_memcpy(&acc[q][u], tr + L * u, sizeof acc[q][u]);         \
			}                                                                                                       \
			j0 = 1;                                                                                                 \
		} else {                                                                                                    \
			for (int q = 0; q < R; q++)                                                                             \
				for (int u = 0; u < H / L; u++) acc[q][u] = bias[u];                                                \
		}                                                                                                           \
		for (int j = j0; j < nl; j++) {                                                                             \
			for (int q = 0; q < R; q++) {                                                                           \
				const int64_t v = look[j].idx[r + q];                                                               \
				if ((uint64_t)v >= (uint64_t)look[j].m) return r + q;                                               \
				const float *tr = look[j].t + v * H;                                                                \
				for (int u = 0; u < H / L; u++) {                                                                   \
					V t;                                                                                            \
					__builtin_memcpy(&t, tr + L * u, sizeof t);                                                     \
					acc[q][u] += t;                                                                                 \
				}                                                                                                   \
			}                                                                                                       \
		}                                                                                                           \
		for (int64_t kk = 0; kk < k; kk++) {                                                                        \
			float xv[R];                                                                                            \
			for (int q = 0; q < R; q++) xv[q] = x[(r + q) * k + kk];                                                \
			const float *wr = w1 + kk * H;                                                                          \
			for (int u = 0; u < H / L; u++) {                                                                       \
				V w;                                                                                                \
				__builtin_memcpy(&w, wr + L * u, sizeof w);                                                         \
				for (int q = 0; q < R; q++) acc[q][u] += xv[q] * w;                                                 \
			}                                                                                                       \
		}                                                                                                           \
		for (int q = 0; q < R; q++) {                                                                               \
			V s = {0};                                                                                              \
			for (int u = 0; u < H / L; u++) {                                                                       \
				V v = acc[q][u];                                                                                    \
				VI keep = ~(v <= 0.0f);                                                                             \
				v = (V)((VI)v & keep);                                                                              \
				s += v * w2v[u];                                                                                    \
			}                                                                                                       \
			out[r + q] = flern_hsum##L(s) + b2[0];                                                                  \
		}                                                                                                           \
		return -1;                                                                                                  \
	}

// P_H: the rows R at a time (the block above), the last ones alone.
#define FLERN_DRD_FIXED(P, V, VI, L, H, R)                                                                            \
	FLERN_DRD_BLOCK(P, V, VI, L, H, 1)                                                                                \
	FLERN_DRD_BLOCK(P, V, VI, L, H, R)                                                                                \
	static inline __attribute__((always_inline)) int64_t P##_##H(                                                     \
	    int64_t n, int64_t k, const float *x, const float *w1, const float *b1, const float *w2, const float *b2,      \
	    float *out, int nl, const flern_look *look) {                                                              \
		V bias[H / L], w2v[H / L];                                                                                   \
		__builtin_memcpy(bias, b1, sizeof bias);                                                                   \
		__builtin_memcpy(w2v, w2, sizeof w2v);                                                                     \
		int zb = 1;                                                                                                \
		for (int u = 0; u < H; u++) zb &= b1[u] == 0.0f;                                                          \
		int64_t r = 0;                                                                                             \
		for (; r + R <= n; r += R) {                                                                               \
			const int64_t bad = P##_blk_##H##_##R(r, k, x, w1, bias, w2v, b2, out, nl, look, zb);                  \
			if (bad >= 0) return bad;                                                                              \
		}                                                                                                          \
		for (; r < n; r++) {                                                                                       \
			const int64_t bad = P##_blk_##H##_1(r, k, x, w1, bias, w2v, b2, out, nl, look, zb);                    \
			if (bad >= 0) return bad;                                                                              \
		}                                                                                                          \
		return -1;                                                                                                 \
	}
FLERN_DRD_FIXED(flern_drd, flern_v8, flern_v8i, 8, 16, 2)
FLERN_DRD_FIXED(flern_drd, flern_v8, flern_v8i, 8, 32, 2)
FLERN_DRD_FIXED(flern_drd, flern_v8, flern_v8i, 8, 64, 2)

// The 16-lane forms, for AVX-512 (flern_drd16 below): four rows share each weight load (the 8-lane form's two
// rows, with twice the instructions per unit: BenchmarkDenseReluDense).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
FLERN_DRD_FIXED(flern_drd16, flern_v16, flern_v16i, 16, 16, 4)
FLERN_DRD_FIXED(flern_drd16, flern_v16, flern_v16i, 16, 32, 4)
FLERN_DRD_FIXED(flern_drd16, flern_v16, flern_v16i, 16, 64, 4)

// flern_drd16: the 16-lane heads (one output; 16, 32 or 64 hidden units), compiled for AVX-512; -2: not one.
__attribute__((target("arch=x86-64-v4"))) static int64_t flern_drd16(int64_t n, int64_t k, int64_t h, const float *x,
                                                                      const float *w1, const float *b1, const float *w2,
                                                                      const float *b2, float *out, int nl,
                                                                      const flern_look *look) {
	switch (h) {
	case 16: return flern_drd16_16(n, k, x, w1, b1, w2, b2, out, nl, look);
	case 32: return flern_drd16_32(n, k, x, w1, b1, w2, b2, out, nl, look);
	case 64: return flern_drd16_64(n, k, x, w1, b1, w2, b2, out, nl, look);
	}
	return -2;
}
#endif

FLERN_MLP_CLONES int64_t flern_dense_relu_dense(int64_t n, int64_t k, int64_t h, int64_t o, const float *x,
                                                 const float *w1, const float *b1, const float *w2, const float *b2,
                                                 float *out, int nl, const float *t0, const int64_t *i0, int64_t m0,
                                                 const float *t1, const int64_t *i1, int64_t m1, const float *t2,
                                                 const int64_t *i2, int64_t m2, const float *t3, const int64_t *i3,
                                                 int64_t m3) {
	const flern_look look[FLERN_MLP_MAXLOOK] = {{t0, i0, m0}, {t1, i1, m1}, {t2, i2, m2}, {t3, i3, m3}};
	if (o == 1) {
		switch (h) {
		case 16: return flern_drd_16(n, k, x, w1, b1, w2, b2, out, nl, look);
		case 32: return flern_drd_32(n, k, x, w1, b1, w2, b2, out, nl, look);
		case 64: return flern_drd_64(n, k, x, w1, b1, w2, b2, out, nl, look);
		}
	}
	float hb[FLERN_MLP_MAXH];
	float acc[16];
	for (int64_t r = 0; r < n; r++) {
		const float *xr = x + r * k;
		for (int64_t j = 0; j < h; j++) hb[j] = b1[j];
		for (int j = 0; j < nl; j++) {
			const int64_t v = look[j].idx[r];
			if ((uint64_t)v >= (uint64_t)look[j].m) return r;
			const float *tr = look[j].t + v * h;
			for (int64_t u = 0; u < h; u++) hb[u] += tr[u];
		}
		for (int64_t kk = 0; kk < k; kk++) {
			const float xv = xr[kk];
			const float *wr = w1 + kk * h;
			for (int64_t j = 0; j < h; j++) hb[j] += xv * wr[j];
		}
		for (int64_t j = 0; j < h; j++) {
			const float v = hb[j];
			hb[j] = (v > 0.0f || v != v) ? v : 0.0f;
		}
		float *orow = out + r * o;
		if (o == 1) {
			for (int l = 0; l < 16; l++) acc[l] = 0.0f;
			int64_t j = 0;
			for (; j + 16 <= h; j += 16)
				for (int l = 0; l < 16; l++) acc[l] += hb[j + l] * w2[j + l];
			for (int l = 0; j < h; j++, l++) acc[l] += hb[j] * w2[j];
			for (int s = 8; s >= 1; s /= 2)
				for (int l = 0; l < s; l++) acc[l] += acc[l + s];
			orow[0] = acc[0] + b2[0];
			continue;
		}
		for (int64_t q = 0; q < o; q++) orow[q] = 0.0f;
		for (int64_t j = 0; j < h; j++) {
			const float hv = hb[j];
			const float *w2r = w2 + j * o;
			for (int64_t q = 0; q < o; q++) orow[q] += hv * w2r[q];
		}
		for (int64_t q = 0; q < o; q++) orow[q] += b2[q];
	}
	return -1;
}

// flern_mlp: flern_dense_relu_dense, or the 16-lane form where the CPU has AVX-512 (x86-64-v4) and the head has one
// output and 16, 32 or 64 hidden units.
static int64_t flern_mlp(int64_t n, int64_t k, int64_t h, int64_t o, const float *x, const float *w1, const float *b1,
                         const float *w2, const float *b2, float *out, int nl, const float *t0, const int64_t *i0,
                         int64_t m0, const float *t1, const int64_t *i1, int64_t m1, const float *t2,
                         const int64_t *i2, int64_t m2, const float *t3, const int64_t *i3, int64_t m3) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
	static int v4 = -1;
	if (v4 < 0) v4 = __builtin_cpu_supports("x86-64-v4") ? 1 : 0;
	if (v4 && o == 1 && !flern_mlp_force8) {
		const flern_look look[FLERN_MLP_MAXLOOK] = {{t0, i0, m0}, {t1, i1, m1}, {t2, i2, m2}, {t3, i3, m3}};
		const int64_t r = flern_drd16(n, k, h, x, w1, b1, w2, b2, out, nl, look);
		if (r != -2) return r;
	}
#endif
	return flern_dense_relu_dense(n, k, h, o, x, w1, b1, w2, b2, out, nl, t0, i0, m0, t1, i1, m1, t2, i2, m2, t3, i3, m3);
}
*/
import "C"

import "unsafe"

// setMLPForce8 makes DenseReluDenseF32 run the 8-lane kernel even on an
// AVX-512 CPU (tests compare both forms).
func setMLPForce8(v bool) {
	f := 0
	if v {
		f = 1
	}
	C.flern_mlp_set_force8(C.int(f))
}

// MLPMaxHidden is the widest hidden layer DenseReluDenseF32 takes;
// MLPMaxLookups the most table lookups.
const (
	MLPMaxHidden  = 1024
	MLPMaxLookups = 4
)

// MLPLookup is a table [M, h] (row-major) and one int64 row index per row
// of x, the indexed row added to the row's hidden pre-activations.
type MLPLookup struct {
	T   []float32
	Idx []int64
	M   int
}

// DenseReluDenseF32 computes out = relu(x @ w1 + look[0].T[look[0].Idx[r]]
// + ... + b1) @ w2 + b2 for n rows of x ([n, k] row-major), w1 [k, h], b1
// [h], w2 [h, o], b2 [o], into out ([n, o]). ok false (nothing written):
// h over MLPMaxHidden, more than MLPMaxLookups lookups, or a slice shorter
// than its shape says. bad is -1, or the first row whose index is outside
// its table (out is then written only before it).
func DenseReluDenseF32(out, x []float32, n, k, h, o int, w1, b1, w2, b2 []float32, look []MLPLookup) (bad int, ok bool) {
	if h > MLPMaxHidden || n < 0 || k < 1 || h < 1 || o < 1 || len(x) < n*k || len(out) < n*o ||
		len(w1) < k*h || len(b1) < h || len(w2) < h*o || len(b2) < o || len(look) > MLPMaxLookups {
		return -1, false
	}
	var t [MLPMaxLookups]*C.float
	var ix [MLPMaxLookups]*C.int64_t
	var m [MLPMaxLookups]C.int64_t
	for j, l := range look {
		if len(l.Idx) < n || l.M < 0 || len(l.T) < l.M*h {
			return -1, false
		}
		t[j], ix[j], m[j] = f32p(l.T), (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(l.Idx))), C.int64_t(l.M)
	}
	if n == 0 {
		return -1, true
	}
	r := C.flern_mlp(C.int64_t(n), C.int64_t(k), C.int64_t(h), C.int64_t(o), f32p(x), f32p(w1), f32p(b1),
		f32p(w2), f32p(b2), f32p(out), C.int(len(look)), t[0], ix[0], m[0], t[1], ix[1], m[1], t[2], ix[2], m[2], t[3], ix[3], m[3])
	return int(r), true
}
