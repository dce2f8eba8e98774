package exec

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

type splitGraph struct{ g *ir.Graph }

func (b *splitGraph) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}

func (b *splitGraph) src(i int, dt string, dims ...float64) ir.NodeID {
	sh := make([]any, len(dims))
	for j, d := range dims {
		sh[j] = d
	}
	return b.add("source_tensor", ir.Attrs{"input": float64(i), "dtype": dt, "shape": sh})
}

// TestSplitDifferential: plans with a row-local model region give the same
// results split into chunks (row_split) as run whole, and as the reference
// interpreter.
func TestSplitDifferential(t *testing.T) {
	const rows, k, h = 3*SplitChunkRows + 123, 4, 8
	mlp := func(b *splitGraph, x ir.NodeID) ir.NodeID {
		w1 := b.add("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, b.src(1, "float32", h, k))
		z := b.add("relu", nil, b.add("add", nil, b.add("matmul", nil, x, w1), b.src(2, "float32", h)))
		return b.add("matmul", nil, z, b.src(3, "float32", h, 1))
	}
	cases := []struct {
		name  string
		build func(b *splitGraph) []ir.NodeID
		split bool
	}{
		{"mlp, threshold, compare with a label", func(b *splitGraph) []ir.NodeID {
			y := mlp(b, b.src(0, "float32", rows, k))
			hit := b.add("eq", nil, b.add("cast", ir.Attrs{"dtype": "float32"}, b.add("gt", ir.Attrs{"wrapped1": true}, y,
				b.add("full", ir.Attrs{"value": "0", "dtype": "float32", "shape": []any{}}))), b.src(4, "float32", rows, 1))
			return []ir.NodeID{b.add("mean", nil, b.add("cast", ir.Attrs{"dtype": "float32"}, hit))}
		}, true},
		{"embedding lookup and cat", func(b *splitGraph) []ir.NodeID {
			x := b.src(0, "float32", rows, k)
			code := b.add("cast", ir.Attrs{"dtype": "int64"}, b.add("tensor_select", ir.Attrs{"dim": 1.0, "index": 3.0}, x))
			emb := b.add("index_select", ir.Attrs{"dim": 0.0}, b.src(5, "float32", 10, 2), code)
			num := b.add("tensor_slice", ir.Attrs{"dim": 1.0, "start": 0.0, "end": 2.0, "step": 1.0}, x)
			return []ir.NodeID{mlp(b, b.add("cat", ir.Attrs{"dim": 1.0}, num, emb))}
		}, true},
		{"a row reduction in the middle stays outside", func(b *splitGraph) []ir.NodeID {
			x := b.src(0, "float32", rows, k)
			c := b.add("sub", nil, x, b.add("mean", ir.Attrs{"dims": []any{0.0}}, x))
			return []ir.NodeID{mlp(b, c)}
		}, true},
		{"an intermediate read outside the region", func(b *splitGraph) []ir.NodeID {
			x := b.src(0, "float32", rows, k)
			w1 := b.add("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, b.src(1, "float32", h, k))
			z := b.add("matmul", nil, x, w1)
			r := b.add("relu", nil, z)
			return []ir.NodeID{b.add("add", nil, r, b.src(2, "float32", h)), z}
		}, false},
	}
	r := rand.New(rand.NewSource(3))
	mk := func(dt ir.DType, shape ...int) *col.Tensor {
		tt := col.NewTensor(dt, shape)
		for i := range tt.F32 {
			tt.F32[i] = float32(r.NormFloat64())
		}
		return tt
	}
	x := mk(ir.Float32, rows, k)
	for i := 0; i < rows; i++ {
		x.F32[i*k+3] = float32(r.Intn(10))
		if i%101 == 0 {
			x.F32[i*k] = float32(math.NaN())
		}
	}
	label := mk(ir.Float32, rows, 1)
	for i := range label.F32 {
		label.F32[i] = float32(r.Intn(2))
	}
	in := []any{x, mk(ir.Float32, h, k), mk(ir.Float32, h), mk(ir.Float32, h, 1), label, mk(ir.Float32, 10, 2)}
	for _, tc := range cases {
		for _, fuse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/fused=%v", tc.name, fuse), func(t *testing.T) {
				b := &splitGraph{g: &ir.Graph{}}
				b.g.Outputs = tc.build(b)
				if err := b.g.Verify(); err != nil {
					t.Fatal(err)
				}
				want, err := RunAny(context.Background(), b.g, in, Options{Reference: true})
				if err != nil {
					t.Fatal(err)
				}
				if fuse { // element-wise loops fused first (as engine.Compile does), on the Go evaluator
					if _, err := lower.Fuse(b.g, lower.Options{}); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := Split(b.g, SplitOptions{})
				if err != nil {
					t.Fatal(err)
				}
				plan := b.g.Print()
				if (rep.Regions > 0) != tc.split || strings.Contains(plan, "row_split") != tc.split {
					t.Fatalf("split=%v, want %v:\n%s", rep.Regions > 0, tc.split, plan)
				}
				got, err := RunAny(context.Background(), b.g, in, Options{})
				if err != nil {
					t.Fatal(err)
				}
				for o := range want {
					w, g := want[o].(*col.Tensor), got[o].(*col.Tensor)
					if !sameInts(w.Shape, g.Shape) {
						t.Fatalf("output %d shape %v, want %v", o, g.Shape, w.Shape)
					}
					for i := range w.F32 {
						a, e := float64(g.F32[i]), float64(w.F32[i])
						if !(math.Abs(a-e) <= 1e-5*(1+math.Abs(e)) || math.IsNaN(a) && math.IsNaN(e)) {
							t.Fatalf("output %d element %d: %v split, %v reference\n%s", o, i, a, e, plan)
						}
					}
				}
			})
		}
	}
}
