package blas

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// denseReluDenseRef is the head in float64, row by row.
func denseReluDenseRef(x []float32, n, k, h, o int, w1, b1, w2, b2 []float32, look []MLPLookup) []float64 {
	out := make([]float64, n*o)
	hid := make([]float64, h)
	for r := 0; r < n; r++ {
		for j := 0; j < h; j++ {
			s := float64(b1[j])
			for _, l := range look {
				s += float64(l.T[int(l.Idx[r])*h+j])
			}
			for kk := 0; kk < k; kk++ {
				s += float64(x[r*k+kk]) * float64(w1[kk*h+j])
			}
			if !(s > 0 || math.IsNaN(s)) {
				s = 0
			}
			hid[j] = s
		}
		for q := 0; q < o; q++ {
			s := float64(b2[q])
			for j := 0; j < h; j++ {
				s += hid[j] * float64(w2[j*o+q])
			}
			out[r*o+q] = s
		}
	}
	return out
}

// TestDenseReluDenseF32 checks the fused head against a float64 reference
// within float32 rounding: hidden widths that are and are not multiples of
// the kernel's 16 lanes, one and several outputs, no rows, a NaN input (its
// row's outputs NaN, relu keeping it), and the shapes it must refuse.
func TestDenseReluDenseF32(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	rnd := func(m int) []float32 {
		v := make([]float32, m)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	for _, tc := range []struct {
		n, k, h, o, looks int
		zeroBias          bool // b1 all zeros (-0 among them): the first table's rows start the sums
	}{{100, 19, 64, 1, 0, false}, {30, 5, 16, 1, 0, false}, {30, 7, 32, 1, 0, false},
		{37, 3, 5, 1, 0, false}, {50, 9, 64, 3, 0, false}, {0, 4, 8, 1, 0, false}, {20, 1, 17, 2, 0, false}, {64, 64, 1024, 1, 0, false},
		{100, 3, 64, 1, 2, false}, {40, 2, 16, 1, 4, false}, {33, 4, 13, 2, 1, false}, {0, 3, 64, 1, 2, false},
		{101, 3, 64, 1, 2, true}, {41, 2, 16, 1, 1, true}, {33, 3, 32, 1, 3, true}, {20, 3, 64, 1, 0, true}} {
		for _, force8 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%d-%d-%d+%d/zero bias %v/8 lanes %v", tc.n, tc.k, tc.h, tc.o, tc.looks, tc.zeroBias, force8), func(t *testing.T) {
				setMLPForce8(force8)
				defer setMLPForce8(false)
				x, w1, b1, w2, b2 := rnd(tc.n*tc.k), rnd(tc.k*tc.h), rnd(tc.h), rnd(tc.h*tc.o), rnd(tc.o)
				if tc.zeroBias {
					for u := range b1 {
						b1[u] = 0
					}
					b1[1] = float32(math.Copysign(0, -1))
				}
				if tc.n > 3 {
					x[3*tc.k] = float32(math.NaN())
				}
				var look []MLPLookup
				for j := 0; j < tc.looks; j++ {
					m := 3 + 7*j
					idx := make([]int64, tc.n)
					for i := range idx {
						idx[i] = int64(r.Intn(m))
					}
					look = append(look, MLPLookup{T: rnd(m * tc.h), Idx: idx, M: m})
				}
				out := make([]float32, tc.n*tc.o)
				if bad, ok := DenseReluDenseF32(out, x, tc.n, tc.k, tc.h, tc.o, w1, b1, w2, b2, look); !ok || bad != -1 {
					t.Fatalf("refused (%v) or bad row %d", ok, bad)
				}
				want := denseReluDenseRef(x, tc.n, tc.k, tc.h, tc.o, w1, b1, w2, b2, look)
				for i, w := range want {
					g := float64(out[i])
					if math.IsNaN(w) != math.IsNaN(g) || math.Abs(g-w) > 1e-4*(1+math.Abs(w)) {
						t.Fatalf("element %d: %v, reference %v", i, g, w)
					}
				}
				if tc.looks > 0 && tc.n > 10 {
					for _, j := range []int{0, tc.looks - 1} {
						keep := look[j].Idx[9]
						for _, v := range []int64{-1, int64(look[j].M)} {
							look[j].Idx[9] = v
							if bad, ok := DenseReluDenseF32(out, x, tc.n, tc.k, tc.h, tc.o, w1, b1, w2, b2, look); !ok || bad != 9 {
								t.Fatalf("index %d of table %d in row 9: bad row %d (ok %v)", v, j, bad, ok)
							}
						}
						look[j].Idx[9] = keep
					}
				}
			})
		}
	}
	if _, ok := DenseReluDenseF32(make([]float32, 1), make([]float32, 2), 1, 2, MLPMaxHidden+1, 1, make([]float32, 2*(MLPMaxHidden+1)),
		make([]float32, MLPMaxHidden+1), make([]float32, MLPMaxHidden+1), make([]float32, 1), nil); ok {
		t.Fatal("a hidden layer over MLPMaxHidden was taken")
	}
	if _, ok := DenseReluDenseF32(make([]float32, 1), make([]float32, 1), 1, 2, 4, 1, make([]float32, 8), make([]float32, 4),
		make([]float32, 4), make([]float32, 1), nil); ok {
		t.Fatal("a short x was taken")
	}
	short := []MLPLookup{{T: make([]float32, 4), Idx: []int64{0}, M: 2}} // a table of 2 rows of 4 units needs 8 values
	if _, ok := DenseReluDenseF32(make([]float32, 1), make([]float32, 2), 1, 2, 4, 1, make([]float32, 8), make([]float32, 4),
		make([]float32, 4), make([]float32, 1), short); ok {
		t.Fatal("a short table was taken")
	}
}

// BenchmarkDenseReluDense: the flights model's head on a split chunk, fused
// against two GEMMs and a bias + relu loop.
func BenchmarkDenseReluDense(b *testing.B) {
	const n, k, h = 8192, 19, 64
	r := rand.New(rand.NewSource(1))
	rnd := func(m int) []float32 {
		v := make([]float32, m)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	x, w1, b1, w2, b2 := rnd(n*k), rnd(k*h), rnd(h), rnd(h), rnd(1)
	out := make([]float32, n)
	b.Run("fused", func(b *testing.B) {
		for range b.N {
			DenseReluDenseF32(out, x, n, k, h, 1, w1, b1, w2, b2, nil)
		}
	})
	// the flights head: 3 numeric inputs and two airport tables of 229 rows
	look := make([]MLPLookup, 2)
	for j := range look {
		idx := make([]int64, n)
		for i := range idx {
			idx[i] = int64(r.Intn(229))
		}
		look[j] = MLPLookup{T: rnd(229 * h), Idx: idx, M: 229}
	}
	x3, zero := rnd(n*3), make([]float32, h)
	for _, v := range []struct {
		name   string
		bias   []float32
		force8 bool
	}{{"fused, 3 inputs + 2 lookups", b1, false}, {"fused, 3 inputs + 2 lookups, bias folded", zero, false},
		{"fused, 3 inputs + 2 lookups, bias folded, 8 lanes", zero, true}} {
		b.Run(v.name, func(b *testing.B) {
			setMLPForce8(v.force8)
			defer setMLPForce8(false)
			for range b.N {
				DenseReluDenseF32(out, x3, n, 3, h, 1, w1, v.bias, w2, b2, look)
			}
		})
	}
	b.Run("gemm", func(b *testing.B) {
		hid := make([]float32, n*h)
		for range b.N {
			SgemmSerial(false, false, n, h, k, 1, x, k, w1, h, 0, hid, h)
			for i := 0; i < n; i++ {
				row := hid[i*h : (i+1)*h]
				for j := range row {
					row[j] += b1[j]
				}
			}
			ReluF32(hid, hid)
			SgemmSerial(false, false, n, 1, h, 1, hid, h, w2, 1, 0, out, 1)
		}
	})
}
