package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCompactKernels: every compaction kernel on both instruction-set
// levels (AVX-512 where the CPU has it, scalar C) and the Go loops under
// compactMin equals a plain Go loop, at lengths around the vector widths
// (tails), drop rates from none to all, and for how="all" masks.
func TestCompactKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	defer setCompactLevel(1)
	for _, level := range []int{1, 0} {
		setCompactLevel(level)
		for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 255, 256, 257, 1000, 4099} {
			for _, rate := range []int{0, 1, 3, 100} { // percent dropped
				t.Run(fmt.Sprintf("level%d/n%d/%d%%", level, n, rate), func(t *testing.T) {
					drop := make([]uint8, n)
					for i := range drop {
						if r.IntN(100) < rate {
							drop[i] = 1
						}
					}
					v32 := make([]int32, n)
					v64 := make([]int64, n)
					f64 := make([]float64, n)
					for i := range v32 {
						v32[i], v64[i] = r.Int32(), r.Int64()
						f64[i] = math.Float64frombits(r.Uint64())
					}
					var w32 []int32
					var w64, pos []int64
					var wf []uint64
					for i, d := range drop {
						if d == 0 {
							w32, w64 = append(w32, v32[i]), append(w64, v64[i])
							wf = append(wf, math.Float64bits(f64[i]))
							pos = append(pos, int64(i)+5)
						}
					}
					if got := CompactI32(slices.Clone(v32), drop); !slices.Equal(got, w32) {
						t.Fatalf("CompactI32 %v, want %v", got, w32)
					}
					if got := CompactI64(slices.Clone(v64), drop); !slices.Equal(got, w64) {
						t.Fatalf("CompactI64 %v, want %v", got, w64)
					}
					gf := CompactF64(slices.Clone(f64), drop)
					if len(gf) != len(wf) {
						t.Fatalf("CompactF64 kept %d, want %d", len(gf), len(wf))
					}
					for i, x := range gf {
						if math.Float64bits(x) != wf[i] { // NaN payloads moved as bits
							t.Fatalf("CompactF64 row %d %x, want %x", i, math.Float64bits(x), wf[i])
						}
					}
					if got := Kept(make([]int64, n), drop, 5); !slices.Equal(got, pos) {
						t.Fatalf("Kept %v, want %v", got, pos)
					}
				})
			}
		}
	}
}

// TestDropMasks: DropByCodes (a few missing codes compared, many looked
// up in the table) and DropNaN, or'ed and and'ed into a mask, equal a Go
// loop.
func TestDropMasks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 5, 255, 256, 300, 5000} {
		for _, missing := range []int{0, 1, 4, 5, 40} {
			for _, all := range []bool{false, true} {
				t.Run(fmt.Sprintf("n%d/missing%d/all=%v", n, missing, all), func(t *testing.T) {
					tab := make([]uint8, 50)
					for _, k := range r.Perm(50)[:missing] {
						tab[k] = 1
					}
					codes := make([]int32, n)
					x := make([]float64, n)
					drop := make([]uint8, n)
					for i := range codes {
						codes[i] = int32(r.IntN(50))
						x[i] = r.Float64()
						if r.IntN(4) == 0 {
							x[i] = math.NaN()
						}
						drop[i] = uint8(r.IntN(2))
					}
					want, wantNaN := slices.Clone(drop), slices.Clone(drop)
					for i, c := range codes {
						nan := uint8(0)
						if x[i] != x[i] {
							nan = 1
						}
						if all {
							want[i] &= tab[c]
							wantNaN[i] &= nan
						} else {
							want[i] |= tab[c]
							wantNaN[i] |= nan
						}
					}
					got, gotNaN := slices.Clone(drop), slices.Clone(drop)
					DropByCodes(got, codes, tab, all)
					DropNaN(gotNaN, x, all)
					if !slices.Equal(got, want) {
						t.Fatalf("DropByCodes %v, want %v", got, want)
					}
					if !slices.Equal(gotNaN, wantNaN) {
						t.Fatalf("DropNaN %v, want %v", gotNaN, wantNaN)
					}
				})
			}
		}
	}
}

// TestUnpackOffset: UnpackOffset equals unpacking bit by bit for every
// width it takes, at every bit offset, stopping where 64 bytes can no
// longer be loaded; with the kernel off (or a width it does not take) it
// does nothing.
func TestUnpackOffset(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	defer setUnpackLevel(1)
	for _, level := range []int{1, 0} {
		setUnpackLevel(level)
		for w := 1; w <= 32; w++ {
			for _, bit0 := range []int{0, 3, 7, 13} {
				n := 300
				src := make([]byte, (bit0+n*w+7)/8+r.IntN(80))
				for i := range src {
					src[i] = byte(r.Uint32())
				}
				out := make([]int32, n)
				done, most := UnpackOffset(out, src, bit0, w, 11)
				if level == 0 || w > 25 {
					if done != 0 {
						t.Fatalf("level %d w=%d: %d unpacked", level, w, done)
					}
					continue
				}
				if done%16 != 0 || done > n || (bit0>>3)+(done/16)*2*w+64 > len(src)+2*w {
					t.Fatalf("w=%d bit0=%d: %d unpacked of %d (%d bytes)", w, bit0, done, n, len(src))
				}
				var want uint32
				for j := range done {
					var v uint32
					for b := range w {
						p := bit0 + j*w + b
						v |= uint32(src[p>>3]>>(p&7)&1) << b
					}
					want = max(want, v)
					if out[j] != int32(v)+11 {
						t.Fatalf("w=%d bit0=%d: value %d = %d, want %d", w, bit0, j, out[j], int32(v)+11)
					}
				}
				if most != want {
					t.Fatalf("w=%d bit0=%d: largest %d, want %d", w, bit0, most, want)
				}
			}
		}
	}
}

// TestPackAdd: PackAdd32 (codes as unsigned 32-bit values) and PackAdd64
// (values less lo) equal a Go loop, short (Go) and long (C), at shifts up
// to the key's top.
func TestPackAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 3, 255, 256, 1000, 4096} {
		for _, shift := range []uint{0, 9, 31, 54, 63} {
			keys := make([]uint64, n)
			codes := make([]int32, n)
			vals := make([]int64, n)
			for i := range keys {
				keys[i], codes[i], vals[i] = r.Uint64(), r.Int32()-1<<30, r.Int64()
			}
			want32, want64 := slices.Clone(keys), slices.Clone(keys)
			for i := range keys {
				want32[i] += uint64(uint32(codes[i])) << shift
				want64[i] += uint64(vals[i]-77) << shift
			}
			got32, got64 := slices.Clone(keys), slices.Clone(keys)
			PackAdd32(got32, codes, shift)
			PackAdd64(got64, vals, 77, shift)
			if !slices.Equal(got32, want32) || !slices.Equal(got64, want64) {
				t.Fatalf("n=%d shift=%d: PackAdd32/64 differ from the Go loop", n, shift)
			}
		}
	}
}
