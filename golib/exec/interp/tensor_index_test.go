package interp_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func f64t(shape []int, v ...float64) *col.Tensor {
	return &col.Tensor{DType: ir.Float64, Shape: shape, F64: v}
}

func bt(shape []int, v ...bool) *col.Tensor {
	return &col.Tensor{DType: ir.Bool, Shape: shape, B: v}
}

func seedT(v int64) *col.Tensor { return i64t([]int{}, v) }

func TestIndexKernels(t *testing.T) {
	x := i64t([]int{3, 4}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
	cases := []struct {
		name  string
		op    string
		attrs ir.Attrs
		in    []*col.Tensor
		want  *col.Tensor
	}{
		{"slice step", "tensor_slice", ir.Attrs{"dim": 1.0, "start": 1.0, "end": nil, "step": 2.0}, []*col.Tensor{x}, i64t([]int{3, 2}, 1, 3, 5, 7, 9, 11)},
		{"slice negative", "tensor_slice", ir.Attrs{"dim": 0.0, "start": -2.0, "end": nil, "step": 1.0}, []*col.Tensor{x}, i64t([]int{2, 4}, 4, 5, 6, 7, 8, 9, 10, 11)},
		{"slice empty", "tensor_slice", ir.Attrs{"dim": 0.0, "start": 2.0, "end": 1.0}, []*col.Tensor{x}, i64t([]int{0, 4})},
		{"select", "tensor_select", ir.Attrs{"dim": 1.0, "index": -1.0}, []*col.Tensor{x}, i64t([]int{3}, 3, 7, 11)},
		{"slice_scatter", "slice_scatter", ir.Attrs{"dim": 0.0, "start": 1.0, "end": 3.0, "step": 1.0}, []*col.Tensor{f32t([]int{2, 1}, 5, 6), f32t([]int{3, 1}, 9, 9, 9)}, f32t([]int{3, 1}, 0, 5, 6)},
		{"index_select", "index_select", ir.Attrs{"dim": 1.0}, []*col.Tensor{x, i64t([]int{3}, 3, 0, 3)}, i64t([]int{3, 3}, 3, 0, 3, 7, 4, 7, 11, 8, 11)},
		{"index_select wrap", "index_select", ir.Attrs{"dim": 0.0, "wrap": true}, []*col.Tensor{x, i64t([]int{1}, -1)}, i64t([]int{1, 4}, 8, 9, 10, 11)},
		{"index_add", "index_add", ir.Attrs{"dim": 0.0}, []*col.Tensor{f32t([]int{3}, 1, 2, 4), i64t([]int{3}, 1, 1, 0), f32t([]int{2}, 9, 9)}, f32t([]int{2}, 4, 3)},
		{"gather", "gather", ir.Attrs{"dim": 1.0}, []*col.Tensor{x, i64t([]int{2, 3}, 3, 3, 0, -1, 1, 2)}, i64t([]int{2, 3}, 3, 3, 0, 7, 5, 6)},
		{"gather dim 0", "gather", ir.Attrs{"dim": 0.0}, []*col.Tensor{x, i64t([]int{1, 2}, 2, 1)}, i64t([]int{1, 2}, 8, 5)},
		{"scatter_add", "scatter_add", ir.Attrs{"dim": 1.0}, []*col.Tensor{f64t([]int{1, 3}, 1, 2, 4), i64t([]int{1, 3}, 0, 0, 2), f64t([]int{1, 3}, 9, 9, 9)}, f64t([]int{1, 3}, 3, 0, 4)},
		{"mask_select rows", "mask_select", nil, []*col.Tensor{x, bt([]int{3}, true, false, true)}, i64t([]int{2, 4}, 0, 1, 2, 3, 8, 9, 10, 11)},
		{"mask_select none", "mask_select", nil, []*col.Tensor{x, bt([]int{3}, false, false, false)}, i64t([]int{0, 4})},
		{"mask_scatter", "mask_scatter", nil, []*col.Tensor{f32t([]int{2}, 7, 8), bt([]int{3}, false, true, true), f32t([]int{3}, 9, 9, 9)}, f32t([]int{3}, 0, 7, 8)},
		{"cat promotes", "cat", ir.Attrs{"dim": 1.0}, []*col.Tensor{i64t([]int{2, 1}, 1, 2), f32t([]int{2, 2}, 3, 4, 5, 6)}, f32t([]int{2, 3}, 1, 3, 4, 2, 5, 6)},
		{"cat bool", "cat", ir.Attrs{"dim": 0.0}, []*col.Tensor{bt([]int{1}, true), bt([]int{2}, false, true)}, bt([]int{3}, true, false, true)},
		{"im2col pad", "im2col", ir.Attrs{"kernel": []any{1.0, 2.0}, "padding": []any{0.0, 1.0}, "pad": "-inf"}, []*col.Tensor{f32t([]int{1, 1, 1, 2}, 1, 2)}, f32t([]int{1, 2, 3}, float32(math.Inf(-1)), 1, 2, 1, 2, float32(math.Inf(-1)))},
	}
	for _, c := range cases {
		got, err := run1(t, c.op, c.attrs, c.in...)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.DType != c.want.DType || !reflect.DeepEqual(append([]int{}, got.Shape...), append([]int{}, c.want.Shape...)) {
			t.Errorf("%s: got %s%v, want %s%v", c.name, got.DType, got.Shape, c.want.DType, c.want.Shape)
			continue
		}
		if !reflect.DeepEqual(got.F32, c.want.F32) && len(got.F32)+len(c.want.F32) > 0 ||
			!reflect.DeepEqual(got.F64, c.want.F64) && len(got.F64)+len(c.want.F64) > 0 ||
			!reflect.DeepEqual(got.I64, c.want.I64) && len(got.I64)+len(c.want.I64) > 0 ||
			!reflect.DeepEqual(got.B, c.want.B) && len(got.B)+len(c.want.B) > 0 {
			t.Errorf("%s: got %v%v%v%v, want %v%v%v%v", c.name, got.F32, got.F64, got.I64, got.B, c.want.F32, c.want.F64, c.want.I64, c.want.B)
		}
	}
}

func TestIndexKernelErrors(t *testing.T) {
	x := f32t([]int{2, 2}, 1, 2, 3, 4)
	cases := []struct {
		op    string
		attrs ir.Attrs
		in    []*col.Tensor
		want  string
	}{
		{"index_select", ir.Attrs{"dim": 0.0}, []*col.Tensor{x, i64t([]int{1}, -1)}, "index out of range in self"},
		{"index_select", ir.Attrs{"dim": 0.0, "wrap": true}, []*col.Tensor{x, i64t([]int{1}, 2)}, "index 2 is out of bounds for dimension 0 with size 2"},
		{"gather", ir.Attrs{"dim": 1.0}, []*col.Tensor{x, i64t([]int{1, 1}, 5)}, "index 5 is out of bounds for dimension 1 with size 2"},
	}
	for _, c := range cases {
		_, err := run1(t, c.op, c.attrs, c.in...)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "t.py:1") {
			t.Errorf("%s: got %v, want %q at t.py:1", c.op, err, c.want)
		}
	}
}

// TestIm2colMatchesDirectConvolution: weights @ im2col(x) equals the direct
// convolution sum; col2im is im2col's adjoint (<im2col(x), y> = <x, col2im(y)>).
func TestIm2colMatchesDirectConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const N, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW = 2, 3, 7, 6, 2, 3, 2, 1, 1, 2, 2, 1
	x := col.NewTensor(ir.Float64, []int{N, C, H, W})
	for i := range x.F64 {
		x.F64[i] = r.NormFloat64()
	}
	attrs := ir.Attrs{"kernel": []any{float64(KH), float64(KW)}, "stride": []any{float64(SH), float64(SW)},
		"padding": []any{float64(PH), float64(PW)}, "dilation": []any{float64(DH), float64(DW)}}
	cols, err := run1(t, "im2col", attrs, x)
	if err != nil {
		t.Fatal(err)
	}
	OH, OW := (H+2*PH-DH*(KH-1)-1)/SH+1, (W+2*PW-DW*(KW-1)-1)/SW+1
	if !reflect.DeepEqual(cols.Shape, []int{N, C * KH * KW, OH * OW}) {
		t.Fatalf("shape %v", cols.Shape)
	}
	w := make([]float64, C*KH*KW)
	for i := range w {
		w[i] = r.NormFloat64()
	}
	for n := 0; n < N; n++ {
		for oh := 0; oh < OH; oh++ {
			for ow := 0; ow < OW; ow++ {
				direct, viaCols := 0.0, 0.0
				for c := 0; c < C; c++ {
					for i := 0; i < KH; i++ {
						for j := 0; j < KW; j++ {
							k := (c*KH+i)*KW + j
							ih, iw := oh*SH-PH+i*DH, ow*SW-PW+j*DW
							if ih >= 0 && ih < H && iw >= 0 && iw < W {
								direct += w[k] * x.F64[((n*C+c)*H+ih)*W+iw]
							}
							viaCols += w[k] * cols.F64[(n*C*KH*KW+k)*OH*OW+oh*OW+ow]
						}
					}
				}
				if math.Abs(direct-viaCols) > 1e-12 {
					t.Fatalf("n=%d oh=%d ow=%d: direct %v, via im2col %v", n, oh, ow, direct, viaCols)
				}
			}
		}
	}
	y := col.NewTensor(ir.Float64, cols.Shape)
	for i := range y.F64 {
		y.F64[i] = r.NormFloat64()
	}
	back, err := run1(t, "col2im", attrs, y, x)
	if err != nil {
		t.Fatal(err)
	}
	lhs, rhs := 0.0, 0.0
	for i := range y.F64 {
		lhs += cols.F64[i] * y.F64[i]
	}
	for i := range x.F64 {
		rhs += x.F64[i] * back.F64[i]
	}
	if math.Abs(lhs-rhs) > 1e-9 {
		t.Fatalf("adjoint: %v vs %v", lhs, rhs)
	}
}

// TestRandomStream pins the stream's definition (tensor_random.go) and its
// determinism.
func TestRandomStream(t *testing.T) {
	u, err := run1(t, "rand", ir.Attrs{"shape": []any{3.0}, "dtype": "float64"}, seedT(42))
	if err != nil {
		t.Fatal(err)
	}
	pcg := rand.NewPCG(42, 0x666c65726e)
	for i, v := range u.F64 {
		if want := float64(pcg.Uint64()>>11) * 0x1p-53; v != want {
			t.Fatalf("rand[%d] = %v, want %v", i, v, want)
		}
	}
	u32, _ := run1(t, "rand", ir.Attrs{"shape": []any{2.0}}, seedT(42))
	pcg = rand.NewPCG(42, 0x666c65726e)
	if want := float32(pcg.Uint64()>>40) * 0x1p-24; u32.F32[0] != want {
		t.Fatalf("float32 rand = %v, want %v", u32.F32[0], want)
	}
	n1, _ := run1(t, "randn", ir.Attrs{"shape": []any{20000.0}, "dtype": "float64"}, seedT(7))
	n2, _ := run1(t, "randn", ir.Attrs{"shape": []any{20000.0}, "dtype": "float64"}, seedT(7))
	n3, _ := run1(t, "randn", ir.Attrs{"shape": []any{20000.0}, "dtype": "float64"}, seedT(8))
	if !reflect.DeepEqual(n1.F64, n2.F64) || reflect.DeepEqual(n1.F64, n3.F64) {
		t.Fatal("randn is not a function of its seed")
	}
	mean, sq := 0.0, 0.0
	for _, v := range n1.F64 {
		mean += v
		sq += v * v
	}
	mean /= float64(len(n1.F64))
	std := math.Sqrt(sq/float64(len(n1.F64)) - mean*mean)
	if math.Abs(mean) > 0.03 || math.Abs(std-1) > 0.03 {
		t.Fatalf("randn mean %v std %v", mean, std)
	}
	p, err := run1(t, "randperm", ir.Attrs{"n": 100.0}, seedT(3))
	if err != nil {
		t.Fatal(err)
	}
	s := append([]int64{}, p.I64...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	for i, v := range s {
		if v != int64(i) {
			t.Fatalf("randperm is not a permutation: %v", p.I64)
		}
	}
	like, err := run1(t, "rand_like", nil, f64t([]int{2, 2}, 0, 0, 0, 0), seedT(42))
	if err != nil || !reflect.DeepEqual(like.F64[:2], u.F64[:2]) || like.DType != ir.Float64 {
		t.Fatalf("rand_like: %v %v", like, err)
	}
}
