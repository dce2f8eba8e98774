package autodiff_test

import (
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/autodiff"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// BenchmarkConvStep: forward + backward of conv(3->16, 3x3, pad 1) -> relu ->
// max_pool 2x2 -> linear(4096 -> 10) on a [32, 3, 32, 32] float32 batch, on
// the reference interpreter (what the im2col/col2im and pooling kernels cost).
func BenchmarkConvStep(b *testing.B) {
	gb := &gb{g: &ir.Graph{}}
	f32 := func(i int, shape ...int64) ir.NodeID {
		return gb.add("source_tensor", ir.Attrs{"input": float64(i), "dtype": "float32", "shape": ints(shape...)})
	}
	x, w, bias, lw := f32(0, 32, 3, 32, 32), f32(1, 16, 27), f32(2, 1, 16, 1, 1), f32(3, 4096, 10)
	cols := gb.add("im2col", ir.Attrs{"kernel": ints(3, 3), "padding": ints(1, 1)}, x)
	y := gb.add("reshape", ir.Attrs{"shape": ints(32, 16, 32, 32)}, gb.add("matmul", nil, w, cols))
	y = gb.add("relu", nil, gb.add("add", nil, y, bias))
	p := gb.add("im2col", ir.Attrs{"kernel": ints(2, 2), "stride": ints(2, 2), "pad": "-inf"},
		gb.add("reshape", ir.Attrs{"shape": ints(512, 1, 32, 32)}, y))
	pooled := gb.add("reshape", ir.Attrs{"shape": ints(32, 4096)}, gb.add("max", ir.Attrs{"dim": 1.0}, p))
	loss := gb.add("sum", ir.Attrs{"dims": nil}, gb.add("matmul", nil, pooled, lw))
	gb.g.Outputs = []ir.NodeID{loss, gb.add("grad", nil, loss, w), gb.add("grad", nil, loss, lw)}
	if err := gb.g.Verify(); err != nil {
		b.Fatal(err)
	}
	if _, err := autodiff.Expand(gb.g); err != nil {
		b.Fatal(err)
	}
	gb.g.Compact()
	if err := gb.g.Verify(); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	in := []*col.Tensor{col.NewTensor(ir.Float32, []int{32, 3, 32, 32}), col.NewTensor(ir.Float32, []int{16, 27}),
		col.NewTensor(ir.Float32, []int{1, 16, 1, 1}), col.NewTensor(ir.Float32, []int{4096, 10})}
	for _, t := range in {
		for i := range t.F32 {
			t.F32[i] = float32(r.NormFloat64())
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(b, gb.g, in)
	}
}
