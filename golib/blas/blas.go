// Package blas is flern's GEMM: OpenBLAS (the PyPI package scipy-openblas32)
// loaded at run time with dlopen when the host hands over its path (Load),
// else gonum's pure-Go BLAS. It uses cgo only for dlopen/dlsym and the call
// trampolines into the loaded library; nothing links against OpenBLAS at
// build time, so libflern builds and runs without it.
//
// Threads: OpenBLAS always runs on one thread. Its own worker threads
// busy-wait between calls and wait for each other inside a call, which on a
// shared machine collapsed (benchmarks/RESULTS.md: 92 vs 15 ms of CPU per
// classifier step; on a machine at load 7, 2-thread runs from 0.7 to 9.7 s
// for what one thread did in 0.8-1.0 s). Instead a product of at least
// parallelGEMM multiply-adds is cut into blocks of rows (or columns) of C that
// up to Workers() goroutines take from a shared counter, each block one
// single-threaded GEMM call: a worker that the OS does not schedule holds up
// only its current block, the others take the rest, and waiting costs no CPU.
// Workers() is runtime.NumCPU(), capped by FLERN_BLAS_THREADS=n (1: serial).
// Each block is the same arithmetic as the whole product, so results do not
// depend on the split (vec_test.go checks).
//
// Matrices are row-major. Sgemm/Dgemm compute
// C = alpha * op(A) * op(B) + beta * C with op(X) = X or X^T.
package blas

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

typedef void (*flern_sgemm_t)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                              float, float *, int);
typedef void (*flern_dgemm_t)(int, int, int, int, int, int, double, const double *, int, const double *, int,
                              double, double *, int);

typedef void (*flern_set_threads_t)(int);
typedef int (*flern_get_threads_t)(void);

static flern_sgemm_t flern_sgemm_fn;
static flern_dgemm_t flern_dgemm_fn;
static flern_set_threads_t flern_set_threads_fn;
static flern_get_threads_t flern_get_threads_fn;

// CBLAS enums: CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112.
static const char *flern_blas_load(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) return dlerror();
	void *s = dlsym(h, "scipy_cblas_sgemm");
	void *d = dlsym(h, "scipy_cblas_dgemm");
	if (!s || !d) {
		s = dlsym(h, "cblas_sgemm");
		d = dlsym(h, "cblas_dgemm");
	}
	if (!s || !d) return "no cblas_sgemm/cblas_dgemm (or scipy_cblas_*) symbol in the library";
	flern_sgemm_fn = (flern_sgemm_t)s;
	flern_dgemm_fn = (flern_dgemm_t)d;
	flern_set_threads_fn = (flern_set_threads_t)dlsym(h, "scipy_openblas_set_num_threads");
	flern_get_threads_fn = (flern_get_threads_t)dlsym(h, "scipy_openblas_get_num_threads");
	if (!flern_set_threads_fn || !flern_get_threads_fn) {
		flern_set_threads_fn = (flern_set_threads_t)dlsym(h, "openblas_set_num_threads");
		flern_get_threads_fn = (flern_get_threads_t)dlsym(h, "openblas_get_num_threads");
	}
	if (!flern_set_threads_fn || !flern_get_threads_fn) flern_set_threads_fn = 0, flern_get_threads_fn = 0;
	return 0;
}

static int flern_blas_threads(void) { return flern_get_threads_fn ? flern_get_threads_fn() : 0; }
static void flern_blas_set_threads(int n) { if (flern_set_threads_fn) flern_set_threads_fn(n); }

static void flern_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc) {
	flern_sgemm_fn(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void flern_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                        const double *b, int ldb, double beta, double *c, int ldc) {
	flern_dgemm_fn(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var (
	mu       sync.Mutex
	loaded   bool
	libPath  string
	fallback gonum.Implementation
	workers  atomic.Int32
)

// parallelGEMM is the size (m*n*k multiply-adds) from which a product is
// split over workers; below it one call runs it (a training step's small
// matrices: starting workers costs more than they save).
var parallelGEMM = 1 << 21

// blocksPerWorker is how many blocks split cuts a product into per worker.
var blocksPerWorker = 4

func init() {
	w := runtime.NumCPU()
	if v, err := strconv.Atoi(os.Getenv("FLERN_BLAS_THREADS")); err == nil && v > 0 {
		w = min(w, v)
	}
	workers.Store(int32(max(1, w)))
}

// Workers is the number of goroutines a large product is split over.
func Workers() int { return int(workers.Load()) }

// SetWorkers sets Workers (at least 1) and returns the previous value.
func SetWorkers(n int) int { return int(workers.Swap(int32(max(1, n)))) }

// split runs gemm(i0, i1) over blocks of [0, total) on up to Workers()
// goroutines when the product is large enough, else once on [0, total).
func split(m, n, k, total int, gemm func(i0, i1 int)) {
	w := Workers()
	if w <= 1 || m*n*k < parallelGEMM || total < 32 {
		gemm(0, total)
		return
	}
	// 4 blocks per worker (multiples of 16 rows): a delayed worker holds up one block.
	bs := max(16, (total+blocksPerWorker*w-1)/(blocksPerWorker*w))
	bs = (bs + 15) / 16 * 16
	nb := (total + bs - 1) / bs
	var next atomic.Int32
	var wg sync.WaitGroup
	run := func() {
		defer wg.Done()
		for {
			b := int(next.Add(1)) - 1
			if b >= nb {
				return
			}
			gemm(b*bs, min(total, (b+1)*bs))
		}
	}
	wg.Add(min(w, nb))
	for i := 1; i < min(w, nb); i++ {
		go run()
	}
	run()
	wg.Wait()
}

// Load dlopens an OpenBLAS (or any CBLAS) shared library and routes GEMM to
// it. A failed Load leaves the current backend in place.
func Load(path string) error {
	mu.Lock()
	defer mu.Unlock()
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if msg := C.flern_blas_load(cpath); msg != nil {
		return fmt.Errorf("blas: loading %s: %s", path, C.GoString(msg))
	}
	loaded, libPath = true, path
	C.flern_blas_set_threads(1) // parallel blocks come from split (see the package comment)
	return nil
}

// setLibThreads sets OpenBLAS's own thread count (tests and benchmarks).
func setLibThreads(n int) { C.flern_blas_set_threads(C.int(n)) }

// Backend names the GEMM in use: "openblas (<path>)" or "gonum".
func Backend() string {
	mu.Lock()
	defer mu.Unlock()
	if loaded {
		return "openblas (" + libPath + ")"
	}
	return "gonum"
}

// UseGonum switches back to the gonum fallback (for tests and comparisons).
func UseGonum() {
	mu.Lock()
	loaded = false
	mu.Unlock()
}

func tr(t bool) gblas.Transpose {
	if t {
		return gblas.Trans
	}
	return gblas.NoTrans
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func check(ta, tb bool, m, n, k, lda, ldb, ldc, la, lb, lc int) {
	ar, ac := m, k
	if ta {
		ar, ac = k, m
	}
	br, bc := k, n
	if tb {
		br, bc = n, k
	}
	if m < 0 || n < 0 || k < 0 || lda < max(1, ac) || ldb < max(1, bc) || ldc < max(1, n) ||
		(ar > 0 && ac > 0 && la < (ar-1)*lda+ac) || (br > 0 && bc > 0 && lb < (br-1)*ldb+bc) || (m > 0 && lc < (m-1)*ldc+n) {
		panic(fmt.Sprintf("blas: bad gemm arguments m=%d n=%d k=%d lda=%d ldb=%d ldc=%d (len %d %d %d)", m, n, k, lda, ldb, ldc, la, lb, lc))
	}
}

// scaleC is C = beta*C, all GEMM does when k == 0 (BLAS may not be called then).
func scaleC[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			row[j] *= beta
		}
	}
}

// blocks runs one(m', n', a', b', c') over row blocks of C (when m >= n: the
// rows of op(A)) or column blocks (the columns of op(B)), via split.
func blocks[T float32 | float64](ta, tb bool, m, n, k, lda, ldb, ldc int, a, b, c []T, one func(m, n int, a, b, c []T)) {
	if m >= n {
		split(m, n, k, m, func(i0, i1 int) {
			ao := i0 * lda // row i0 of op(A): row i0 of A, or column i0 of A^T
			if ta {
				ao = i0
			}
			one(i1-i0, n, a[ao:], b, c[i0*ldc:])
		})
		return
	}
	split(m, n, k, n, func(j0, j1 int) {
		bo := j0 // column j0 of op(B): column j0 of B, or row j0 of B^T
		if tb {
			bo = j0 * ldb
		}
		one(m, j1-j0, a, b[bo:], c[j0:])
	})
}

// Sgemm is float32 GEMM on row-major matrices.
func Sgemm(ta, tb bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(false, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm as one call on the calling goroutine (no split over
// workers), for a caller that runs independent products concurrently
// itself. The result is bit for bit Sgemm's.
func SgemmSerial(ta, tb bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(true, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func sgemm(serial, ta, tb bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	check(ta, tb, m, n, k, lda, ldb, ldc, len(a), len(b), len(c))
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	useLib := loaded
	if serial || Workers() <= 1 || m*n*k < parallelGEMM {
		// One call, as split would make it, without building the closures
		// (a training step's small products: no garbage per step).
		sgemmOne(useLib, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	one := func(m, n int, a, b, c []float32) {
		sgemmOne(useLib, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	blocks(ta, tb, m, n, k, lda, ldb, ldc, a, b, c, one)
}

// sgemmOne is one GEMM call on the calling goroutine (OpenBLAS when useLib,
// else gonum).
func sgemmOne(useLib, ta, tb bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if useLib {
		C.flern_sgemm(cbool(ta), cbool(tb), C.int(m), C.int(n), C.int(k), C.float(alpha),
			(*C.float)(unsafe.Pointer(unsafe.SliceData(a))), C.int(lda),
			(*C.float)(unsafe.Pointer(unsafe.SliceData(b))), C.int(ldb), C.float(beta),
			(*C.float)(unsafe.Pointer(unsafe.SliceData(c))), C.int(ldc))
		return
	}
	fallback.Sgemm(tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm is float64 GEMM on row-major matrices.
func Dgemm(ta, tb bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	check(ta, tb, m, n, k, lda, ldb, ldc, len(a), len(b), len(c))
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	useLib := loaded
	one := func(m, n int, a, b, c []float64) {
		if useLib {
			C.flern_dgemm(cbool(ta), cbool(tb), C.int(m), C.int(n), C.int(k), C.double(alpha),
				(*C.double)(unsafe.Pointer(unsafe.SliceData(a))), C.int(lda),
				(*C.double)(unsafe.Pointer(unsafe.SliceData(b))), C.int(ldb), C.double(beta),
				(*C.double)(unsafe.Pointer(unsafe.SliceData(c))), C.int(ldc))
			return
		}
		fallback.Dgemm(tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	blocks(ta, tb, m, n, k, lda, ldb, ldc, a, b, c, one)
}
