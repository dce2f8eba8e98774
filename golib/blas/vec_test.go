package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// vecData is n float32 values with the edge cases first (signed zeros,
// infinities, NaN of both signs, subnormals, huge values), then random ones.
func vecData(n int, seed uint64) []float32 {
	edges := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), -float32(math.NaN()), 1e-40, -1e-40, 3e38, -3e38, 1, -1}
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float32, n)
	for i := range out {
		if i < len(edges) {
			out[i] = edges[i]
		} else {
			out[i] = float32(r.NormFloat64())
		}
	}
	return out
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s[%d]: C %v (%#x), Go %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// withGo runs f with the Go loops only (vecMin above any test length).
func withGo(f func()) {
	old := vecMin
	vecMin = 1 << 30
	defer func() { vecMin = old }()
	f()
}

func TestVecKernelsMatchGo(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 4865} {
		x := vecData(n, 1)
		y := vecData(n, 2)
		t.Run("relu", func(t *testing.T) {
			got, want := make([]float32, n), make([]float32, n)
			ReluF32(got, x)
			withGo(func() { ReluF32(want, x) })
			sameBits(t, "relu", got, want)
			for i, v := range x {
				if v > 0 && got[i] != v || v <= 0 && math.Float32bits(got[i]) != 0 || v != v && got[i] == got[i] {
					t.Fatalf("relu(%v) = %v", v, got[i])
				}
			}
		})
		for op := CmpGt; op <= CmpNe; op++ {
			got, want := make([]bool, n), make([]bool, n)
			CmpConstF32(op, got, x, 0.5)
			withGo(func() { CmpConstF32(op, want, x, 0.5) })
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("cmp %d n=%d [%d]: %v vs %v", op, n, i, got[i], want[i])
				}
			}
			gw, ww := make([]float32, n), make([]float32, n)
			WhereConstF32(gw, got, y, -2)
			withGo(func() { WhereConstF32(ww, want, y, -2) })
			sameBits(t, "where", gw, ww)
		}
		for _, w := range []int{1, 7, 64} {
			rows := n / w
			got, want := make([]float32, w), make([]float32, w)
			acc := make([]float64, w)
			ColSumF32(got, x[:rows*w], acc)
			withGo(func() { ColSumF32(want, x[:rows*w], acc) })
			sameBits(t, "colsum", got, want)
		}
		for _, lc := range [][2]float32{{2, 1}, {2, 0.999}, {1, 1}, {1, 0.999}, {0, 0.999}} {
			setVecLevel(int(lc[0]))
			decay := lc[1]
			for _, step := range []int{1, 2, 10} {
				p1, m1, v1 := append([]float32(nil), x...), make([]float32, n), make([]float32, n)
				p2, m2, v2 := append([]float32(nil), x...), make([]float32, n), make([]float32, n)
				for s := 1; s <= step; s++ {
					ss := float32(1e-3 / (1 - math.Pow(0.9, float64(s))))
					bc2 := float32(math.Sqrt(1 - math.Pow(0.999, float64(s))))
					AdamF32(p1, y, m1, v1, p1, 0.9, 0.999, 0.1, 0.001, decay, 1, ss, bc2, 1e-8)
					withGo(func() { AdamF32(p2, y, m2, v2, p2, 0.9, 0.999, 0.1, 0.001, decay, 1, ss, bc2, 1e-8) })
				}
				sameBits(t, "adam p", p1, p2)
				sameBits(t, "adam m", m1, m2)
				sameBits(t, "adam v", v1, v2)
			}
			setVecLevel(2)
		}
	}
}

// rmspropRef is the interpreter's float64 RMSprop loop (golib/exec/interp
// ApplyUpdate) over float32 storage.
func rmspropRef(p, g, sq, mb, ga, out []float32, lr, alpha, eps, mom, wd, sign float64, centered bool) {
	for i := range p {
		x, d := float64(p[i]), sign*float64(g[i])
		if wd != 0 {
			d += wd * x
		}
		sq[i] = float32(alpha*float64(sq[i]) + (1-alpha)*d*d)
		s := float64(sq[i])
		var avg float64
		if centered {
			ga[i] = float32(alpha*float64(ga[i]) + (1-alpha)*d)
			avg = math.Sqrt(s-float64(ga[i])*float64(ga[i])) + eps
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

func TestRMSpropF32MatchesInterpreterLoop(t *testing.T) {
	type cfg struct {
		mom, wd, sign float64
		centered      bool
	}
	cfgs := []cfg{{0, 0, 1, false}, {0.9, 0, 1, false}, {0, 0.01, 1, true}, {0.5, 0.1, -1, true}}
	for _, n := range []int{0, 3, 63, 64, 67, 4801} {
		g := vecData(n, 5)
		for _, level := range []int{0, 1, 2} {
			setVecLevel(level)
			for _, c := range cfgs {
				bufs := func() [][]float32 {
					return [][]float32{append([]float32(nil), vecData(n, 9)...), make([]float32, n), make([]float32, n), make([]float32, n)}
				}
				a, b := bufs(), bufs() // p, sq, mb, ga
				for i := range a[1] {
					a[1][i], b[1][i] = float32(i%5)*0.01, float32(i%5)*0.01
				}
				for step := 0; step < 3; step++ {
					RMSpropF32(a[0], g, a[1], a[2], a[3], a[0], 1e-3, 0.99, 1e-8, c.mom, c.wd, c.sign, c.centered)
					rmspropRef(b[0], g, b[1], b[2], b[3], b[0], 1e-3, 0.99, 1e-8, c.mom, c.wd, c.sign, c.centered)
				}
				for k, what := range []string{"p", "sq", "mb", "ga"} {
					sameBits(t, "rmsprop "+what, a[k], b[k])
				}
			}
		}
		setVecLevel(2)
	}
}

func BenchmarkRMSpropF32(b *testing.B) {
	n := 4801
	p, g, sq := vecData(n, 1), vecData(n, 2), make([]float32, n)
	mb, ga := make([]float32, n), make([]float32, n)
	for _, name := range []string{"C", "Go"} {
		b.Run(name, func(b *testing.B) {
			run := func() {
				for i := 0; i < b.N; i++ {
					RMSpropF32(p, g, sq, mb, ga, p, 1e-3, 0.99, 1e-8, 0, 0, 1, false)
				}
			}
			if name == "Go" {
				withGo(run)
			} else {
				run()
			}
		})
	}
}

func BenchmarkAdamF32(b *testing.B) {
	n := 4865
	p, g, m, v := vecData(n, 1), vecData(n, 2), make([]float32, n), make([]float32, n)
	for _, name := range []string{"C", "Go"} {
		b.Run(name, func(b *testing.B) {
			run := func() {
				for i := 0; i < b.N; i++ {
					AdamF32(p, g, m, v, p, 0.9, 0.999, 0.1, 0.001, 1, 1, 1e-3, 0.8, 1e-8)
				}
			}
			if name == "Go" {
				withGo(run)
			} else {
				run()
			}
		})
	}
}

func TestBinaryRowsF32MatchesLoop(t *testing.T) {
	for _, tc := range []struct{ rows, w int }{{0, 8}, {1, 1}, {3, 7}, {1, 64}, {5, 64}, {1024, 64}, {100, 19}, {2, 4865}} {
		x := vecData(tc.rows*tc.w, 3)
		y := vecData(tc.w, 4)
		y[0] = 0 // a division by zero: inf/NaN the same on both paths
		for op := BinAdd; op <= BinDiv; op++ {
			got, want := make([]float32, len(x)), make([]float32, len(x))
			BinaryRowsF32(op, got, x, y)
			withGo(func() { BinaryRowsF32(op, want, x, y) })
			sameBits(t, "binary", got, want)
			for i, v := range x {
				var e float32
				switch op {
				case BinAdd:
					e = v + y[i%tc.w]
				case BinSub:
					e = v - y[i%tc.w]
				case BinMul:
					e = v * y[i%tc.w]
				default:
					e = v / y[i%tc.w]
				}
				if math.Float32bits(e) != math.Float32bits(got[i]) && !(e != e && got[i] != got[i]) {
					t.Fatalf("op %d rows %d w %d [%d]: %v want %v", op, tc.rows, tc.w, i, got[i], e)
				}
			}
		}
	}
}

func TestGatherRowsF32(t *testing.T) {
	for _, tc := range []struct{ n, w, k int }{{10, 5, 0}, {10, 5, 3}, {1000, 5, 63}, {1000, 5, 64}, {1000, 1, 500}, {3000, 16, 1024}, {100, 19, 200}} {
		x := vecData(tc.n*tc.w, 5)
		rows := make([]int64, tc.k)
		for j := range rows {
			rows[j] = int64((j*7919 + 13) % tc.n)
		}
		got := make([]float32, tc.k*tc.w)
		GatherRowsF32(got, x, rows, tc.w)
		for j, r := range rows {
			for c := 0; c < tc.w; c++ {
				if math.Float32bits(got[j*tc.w+c]) != math.Float32bits(x[int(r)*tc.w+c]) {
					t.Fatalf("n %d w %d k %d: row %d col %d = %v, want %v", tc.n, tc.w, tc.k, j, c, got[j*tc.w+c], x[int(r)*tc.w+c])
				}
			}
		}
	}
}

// CopyBlocksF32 (C above vecMin elements, Go below) against a plain loop:
// column slices, cat into place, one-wide blocks, strides wider than the block.
func TestCopyBlocksF32(t *testing.T) {
	for _, tc := range []struct{ rows, w, ds, ss int }{
		{1000, 3, 19, 5}, {1000, 8, 19, 8}, {7, 2, 5, 3}, {500, 1, 4, 7}, {64, 16, 16, 16}, {1, 9, 9, 9},
	} {
		src := make([]float32, (tc.rows-1)*tc.ss+tc.w)
		for i := range src {
			src[i] = float32(i) * 0.5
		}
		got := make([]float32, (tc.rows-1)*tc.ds+tc.w)
		want := make([]float32, len(got))
		for i := range got {
			got[i], want[i] = -1, -1
		}
		for r := 0; r < tc.rows; r++ {
			for k := 0; k < tc.w; k++ {
				want[r*tc.ds+k] = src[r*tc.ss+k]
			}
		}
		CopyBlocksF32(got, tc.ds, src, tc.ss, tc.w, tc.rows)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%+v: element %d = %v, want %v", tc, i, got[i], want[i])
			}
		}
	}
}

// TestTransposeF32: the AVX2 8 x 8 blocks and the scalar edges write every
// element where the loop does.
func TestTransposeF32(t *testing.T) {
	for _, tc := range []struct{ rows, cols int }{{1, 1}, {3, 5}, {8, 8}, {64, 9}, {9, 64}, {64, 64}, {17, 23}, {1, 100}, {100, 1}} {
		src := vecData(tc.rows*tc.cols, 5)
		got := make([]float32, len(src))
		TransposeF32(got, src, tc.rows, tc.cols)
		for i := 0; i < tc.rows; i++ {
			for j := 0; j < tc.cols; j++ {
				if math.Float32bits(got[j*tc.rows+i]) != math.Float32bits(src[i*tc.cols+j]) {
					t.Fatalf("%dx%d: [%d][%d] = %v, want %v", tc.rows, tc.cols, j, i, got[j*tc.rows+i], src[i*tc.cols+j])
				}
			}
		}
	}
}

// TestFusedElementwiseF32: BiasReluF32 and WhereCmpConstF32 equal the
// kernels they fuse bit for bit, in C and in Go, NaN and signed zeros included.
func TestFusedElementwiseF32(t *testing.T) {
	for _, tc := range []struct{ rows, w int }{{1, 1}, {3, 7}, {32, 64}, {5, 64}, {27, 1}, {2, 100}} {
		n := tc.rows * tc.w
		x, b, g := vecData(n, 6), vecData(tc.w, 7), vecData(n, 8)
		for _, useGo := range []bool{false, true} {
			run := func(f func()) {
				if useGo {
					withGo(f)
				} else {
					f()
				}
			}
			got, sum, want := make([]float32, n), make([]float32, n), make([]float32, n)
			run(func() {
				BiasReluF32(got, x, b)
				BinaryRowsF32(BinAdd, sum, x, b)
				ReluF32(want, sum)
			})
			sameBits(t, fmt.Sprintf("bias relu %dx%d go=%v", tc.rows, tc.w, useGo), got, want)
			for _, op := range []int{CmpGt, CmpGe, CmpLt, CmpLe, CmpEq, CmpNe} {
				mask := make([]bool, n)
				run(func() {
					WhereCmpConstF32(op, got, x, 0, g, 0)
					CmpConstF32(op, mask, x, 0)
					WhereConstF32(want, mask, g, 0)
				})
				sameBits(t, fmt.Sprintf("where cmp %d %dx%d go=%v", op, tc.rows, tc.w, useGo), got, want)
			}
		}
	}
}

// TestF32ToI64: the C conversion equals Go's int64(float64(x)) on every
// instruction set, at the edges too: NaN, +-Inf, +-2^63, the largest
// float32 below 2^63, fractions of either sign, -0, huge and tiny values.
func TestF32ToI64(t *testing.T) {
	edges := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0x1p63, -0x1p63,
		math.Nextafter32(0x1p63, 0), -math.Nextafter32(0x1p63, 0), 2.5, -2.5, 0.99, -0.99,
		float32(math.Copysign(0, -1)), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 228, 16777217}
	for _, n := range []int{1, 63, 64, 65, 1000} {
		src := vecData(n, 9)
		for i := range src {
			src[i] *= 1e6
		}
		copy(src, edges)
		want := make([]int64, n)
		for i, x := range src {
			want[i] = int64(float64(x))
		}
		for _, level := range []int{2, 1, 0} {
			setVecLevel(level)
			got := make([]int64, n)
			F32ToI64(got, src)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("n %d level %d: %v -> %d, Go %d", n, level, src[i], got[i], want[i])
				}
			}
		}
		setVecLevel(2)
	}
}
