package parquetio

import (
	"encoding/binary"
	"math/rand"
	"slices"
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

// TestNullPositions: definition levels of bit width 1 decoded as the null
// rows' positions (splitPageNulls) equal the rows whose level rleDecoder
// reads as 0, over streams of RLE runs of 0s and 1s and bit-packed runs
// (their padding past n ignored), sparse and dense nulls; spreadNulls then
// places the values as spreadBack does. A level above 1 and a stream
// ending early are errors.
func TestNullPositions(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	for trial := 0; trial < 300; trial++ {
		var s []byte
		var levels []int32
		for runs := 1 + r.Intn(6); runs > 0; runs-- {
			if r.Intn(2) == 0 {
				v, count := int32(r.Intn(2)), 1+r.Intn(200)
				s = append(s, rleRunBytes(1, v, count)...)
				for range count {
					levels = append(levels, v)
				}
				continue
			}
			n := 8 * (1 + r.Intn(40))
			rate := []int{2, 50, 100}[r.Intn(3)]
			var vals []int32
			for range n {
				v := int32(1)
				if r.Intn(100) < rate {
					v = 0
				}
				vals = append(vals, v)
			}
			s = append(s, packedRunBytes(1, vals)...)
			levels = append(levels, vals...)
		}
		n := len(levels) - r.Intn(8) // a bit-packed run's padding past the page's values
		if n <= 0 {
			continue
		}
		levels = levels[:n]
		got, err := nullPositions(s, n, nil)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		var want []int32
		for i, v := range levels {
			if v == 0 {
				want = append(want, int32(i))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: nulls at %v, want %v", trial, got, want)
		}
		present := n - len(want)
		a, b := make([]int32, n), make([]int32, n)
		for i := range present {
			a[i], b[i] = int32(100+i), int32(100+i)
		}
		spreadNulls(a, got, present, -1)
		spreadBack(b, pageParts{nvals: n, defs: levels, present: present}, 1, -1)
		if !slices.Equal(a, b) {
			t.Fatalf("trial %d: spreadNulls %v, spreadBack %v", trial, a, b)
		}
	}
	if _, err := nullPositions(rleRunBytes(1, 2, 10), 10, nil); err == nil {
		t.Fatal("a level of 2 in a column whose levels are 0 and 1: no error")
	}
	if _, err := nullPositions(rleRunBytes(1, 1, 10), 20, nil); err == nil {
		t.Fatal("levels for 10 of 20 values: no error")
	}
}

// rleRunBytes is one RLE run of count copies of v, w bits wide.
func rleRunBytes(w int, v int32, count int) []byte {
	s := binary.AppendUvarint(nil, uint64(count)<<1)
	for b := 0; b < (w+7)/8; b++ {
		s = append(s, byte(v>>(8*b)))
	}
	return s
}

// packedRunBytes is one bit-packed run of vals (a multiple of 8 of them), w
// bits each.
func packedRunBytes(w int, vals []int32) []byte {
	s := binary.AppendUvarint(nil, uint64(len(vals)/8)<<1|1)
	data := make([]byte, len(vals)/8*w)
	for i, v := range vals {
		for b := 0; b < w; b++ {
			if v>>b&1 == 1 {
				bit := i*w + b
				data[bit>>3] |= 1 << (bit & 7)
			}
		}
	}
	return append(s, data...)
}
