package blas

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// naive is the triple loop GEMM (float64 accumulation) the backends are checked against.
func naive(ta, tb bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for p := 0; p < k; p++ {
				var av, bv float64
				if ta {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tb {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
		}
	}
}

// openblasPath finds libscipy_openblas.so from FLERN_OPENBLAS (set by CI or by hand).
func openblasPath() string {
	if p := os.Getenv("FLERN_OPENBLAS"); p != "" {
		return p
	}
	matches, _ := filepath.Glob("/root/.pyenv/versions/*/lib/python3*/site-packages/scipy_openblas32/lib/libscipy_openblas.so")
	if len(matches) > 0 {
		return matches[0]
	}
	return ""
}

func TestGemmBackends(t *testing.T) {
	backends := []string{"gonum"}
	if p := openblasPath(); p != "" {
		backends = append(backends, p)
	}
	cases := []struct {
		ta, tb  bool
		m, n, k int
		alpha   float64
		beta    float64
	}{
		{false, false, 3, 4, 5, 1, 0},
		{true, false, 7, 2, 3, 2, 0.5},
		{false, true, 1, 9, 4, -1, 1},
		{true, true, 6, 6, 6, 1, 0},
		{false, false, 64, 33, 17, 1, 0},
		{false, false, 2, 3, 0, 1, 0.5}, // k = 0: C = beta * C
		{false, false, 0, 3, 2, 1, 0},
	}
	for _, be := range backends {
		if be == "gonum" {
			UseGonum()
		} else if err := Load(be); err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			lda, ldb := tc.k, tc.n
			if tc.ta {
				lda = tc.m
			}
			if tc.tb {
				ldb = tc.k
			}
			a := make([]float64, tc.m*tc.k)
			b := make([]float64, tc.k*tc.n)
			c := make([]float64, tc.m*tc.n)
			for i := range a {
				a[i] = math.Sin(float64(i))
			}
			for i := range b {
				b[i] = math.Cos(float64(i) * 0.7)
			}
			for i := range c {
				c[i] = float64(i%5) - 2
			}
			want := append([]float64{}, c...)
			naive(tc.ta, tc.tb, tc.m, tc.n, tc.k, tc.alpha, a, max(1, lda), b, max(1, ldb), tc.beta, want, max(1, tc.n))
			got := append([]float64{}, c...)
			Dgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, tc.alpha, a, max(1, lda), b, max(1, ldb), tc.beta, got, max(1, tc.n))
			a32, b32, got32 := f32(a), f32(b), f32(c)
			Sgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, float32(tc.alpha), a32, max(1, lda), b32, max(1, ldb), float32(tc.beta), got32, max(1, tc.n))
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
					t.Fatalf("%s dgemm %+v: c[%d] = %v, want %v", Backend(), tc, i, got[i], want[i])
				}
				if math.Abs(float64(got32[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
					t.Fatalf("%s sgemm %+v: c[%d] = %v, want %v", Backend(), tc, i, got32[i], want[i])
				}
			}
		}
	}
	UseGonum()
}

func TestLoadErrors(t *testing.T) {
	if err := Load("/nonexistent/libopenblas.so"); err == nil {
		t.Fatal("loading a missing library: no error")
	}
	if Backend() != "gonum" {
		t.Fatalf("a failed load changed the backend to %s", Backend())
	}
}

func TestBadArgumentsPanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("short C: no panic")
		}
	}()
	Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
}

func f32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// TestSplitGemmMatchesOneCall: a product split over workers (row blocks when
// m >= n, column blocks otherwise, any transposes, ld larger than the matrix)
// equals the single call on every backend.
func TestSplitGemmMatchesOneCall(t *testing.T) {
	backends := []string{"gonum"}
	if p := openblasPath(); p != "" {
		backends = append(backends, p)
	}
	oldMin, oldW := parallelGEMM, SetWorkers(3)
	parallelGEMM = 1
	defer func() { parallelGEMM = oldMin; SetWorkers(oldW); UseGonum() }()
	cases := []struct {
		ta, tb  bool
		m, n, k int
		pad     int // extra leading-dimension columns
	}{
		{false, false, 200, 37, 19, 0},
		{true, false, 131, 40, 33, 3},
		{false, true, 31, 257, 8, 1},
		{true, true, 64, 300, 65, 2},
		{false, false, 33, 33, 1, 0},
		{false, false, 16, 20, 5, 0}, // too small to split
	}
	for _, be := range backends {
		if be == "gonum" {
			UseGonum()
		} else if err := Load(be); err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			ar, ac := tc.m, tc.k
			if tc.ta {
				ar, ac = tc.k, tc.m
			}
			br, bc := tc.k, tc.n
			if tc.tb {
				br, bc = tc.n, tc.k
			}
			lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
			a, b := make([]float32, ar*lda), make([]float32, br*ldb)
			for i := range a {
				a[i] = float32(math.Sin(float64(i) * 0.37))
			}
			for i := range b {
				b[i] = float32(math.Cos(float64(i) * 0.11))
			}
			c0 := make([]float32, tc.m*ldc)
			for i := range c0 {
				c0[i] = float32(i % 7)
			}
			got, want := append([]float32(nil), c0...), append([]float32(nil), c0...)
			Sgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, 1.5, a, lda, b, ldb, 0.5, got, ldc)
			SetWorkers(1)
			Sgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, 1.5, a, lda, b, ldb, 0.5, want, ldc)
			SetWorkers(3)
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%s %+v: c[%d] = %v split, %v in one call", Backend(), tc, i, got[i], want[i])
				}
			}
			a64, b64, g64, w64 := make([]float64, len(a)), make([]float64, len(b)), make([]float64, len(c0)), make([]float64, len(c0))
			for i := range a {
				a64[i] = float64(a[i])
			}
			for i := range b {
				b64[i] = float64(b[i])
			}
			Dgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, 1, a64, lda, b64, ldb, 0, g64, ldc)
			SetWorkers(1)
			Dgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, 1, a64, lda, b64, ldb, 0, w64, ldc)
			SetWorkers(3)
			for i := range w64 {
				if math.Abs(g64[i]-w64[i]) > 1e-12*(1+math.Abs(w64[i])) {
					t.Fatalf("%s dgemm %+v: c[%d] = %v split, %v in one call", Backend(), tc, i, g64[i], w64[i])
				}
			}
		}
	}
}
