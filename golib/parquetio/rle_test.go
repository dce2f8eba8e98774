package parquetio

import (
	"math/rand"
	"testing"
)

// packedStream is one bit-packed run of the values vals (len a multiple of
// 8) of width w, packed LSB first, and the values themselves.
func packedStream(r *rand.Rand, w, n int) ([]byte, []int32) {
	groups := n / 8
	var s []byte
	for h := uint64(groups<<1 | 1); ; h >>= 7 {
		if h < 0x80 {
			s = append(s, byte(h))
			break
		}
		s = append(s, byte(h)|0x80)
	}
	data := make([]byte, groups*w)
	vals := make([]int32, n)
	bit := 0
	for i := range vals {
		v := int32(r.Int63n(1 << w))
		vals[i] = v
		for b := 0; b < w; b++ {
			if v>>b&1 == 1 {
				data[(bit+b)>>3] |= 1 << ((bit + b) & 7)
			}
		}
		bit += w
	}
	return append(s, data...), vals
}

// TestRLEWidths decodes bit-packed runs of every width, read whole and in
// uneven pieces (the 8-value fast path, its tail near the end of the data,
// and the value-by-value path), against the values packed.
func TestRLEWidths(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for w := 1; w <= 32; w++ {
		for _, n := range []int{8, 16, 64, 1000} {
			s, vals := packedStream(r, w, n)
			for _, piece := range []int{n, 1, 3, 8, 13} {
				d, err := newRLE(s, w)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]int32, n)
				for i := 0; i < n; i += piece {
					if err := d.read(got[i:min(i+piece, n)]); err != nil {
						t.Fatalf("w=%d n=%d piece=%d: %v", w, n, piece, err)
					}
				}
				for i := range vals {
					if got[i] != vals[i] {
						t.Fatalf("w=%d n=%d piece=%d: value %d = %d, want %d", w, n, piece, i, got[i], vals[i])
					}
				}
			}
		}
	}
}

func benchRLE(b *testing.B, w int) {
	const n = 1 << 17
	s, _ := packedStream(rand.New(rand.NewSource(1)), w, n)
	out := make([]int32, n)
	b.SetBytes(n * 4)
	for b.Loop() {
		d, _ := newRLE(s, w)
		if err := d.read(out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRLE1(b *testing.B)  { benchRLE(b, 1) }
func BenchmarkRLE4(b *testing.B)  { benchRLE(b, 4) }
func BenchmarkRLE6(b *testing.B)  { benchRLE(b, 6) }
func BenchmarkRLE12(b *testing.B) { benchRLE(b, 12) }
func BenchmarkRLE17(b *testing.B) { benchRLE(b, 17) }

// TestRLEReadOffset: readOffset (dictionary indices plus a base, the
// largest index returned: bit-packed runs unpacked sixteen at a time by
// blas.UnpackOffset where the CPU allows) equals read then offsetMax, over
// streams of RLE and bit-packed runs of every width, read whole and in
// uneven pieces, the last run's 64-byte loads running out of data.
func TestRLEReadOffset(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	rleRun := func(w int, v int32, count int) []byte {
		var s []byte
		for h := uint64(count << 1); ; h >>= 7 {
			if h < 0x80 {
				s = append(s, byte(h))
				break
			}
			s = append(s, byte(h)|0x80)
		}
		for b := 0; b < (w+7)/8; b++ {
			s = append(s, byte(v>>(8*b)))
		}
		return s
	}
	for w := 1; w <= 32; w++ {
		for _, n := range []int{16, 200, 3000} {
			a, va := packedStream(r, w, n)
			v := int32(r.Int63n(1 << w))
			b, vb := packedStream(r, w, n+8)
			s := append(append(append([]byte{}, a...), rleRun(w, v, 37)...), b...)
			vals := append(append(append([]int32{}, va...), make([]int32, 37)...), vb...)
			for i := range 37 {
				vals[len(va)+i] = v
			}
			for _, piece := range []int{len(vals), 1, 16, 100, 4096} {
				d, err := newRLE(s, w)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]int32, len(vals))
				var most uint32
				for i := 0; i < len(vals); i += piece {
					m, err := d.readOffset(got[i:min(i+piece, len(vals))], -5)
					if err != nil {
						t.Fatalf("w=%d n=%d piece=%d: %v", w, n, piece, err)
					}
					most = max(most, m)
				}
				var want uint32
				for i, x := range vals {
					want = max(want, uint32(x))
					if got[i] != x-5 {
						t.Fatalf("w=%d n=%d piece=%d: value %d = %d, want %d", w, n, piece, i, got[i], x-5)
					}
				}
				if most != want {
					t.Fatalf("w=%d n=%d piece=%d: largest %d, want %d", w, n, piece, most, want)
				}
			}
		}
	}
}
