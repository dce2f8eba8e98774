package exec

import (
	"fmt"
	"math"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// TestStepIndexKernels: the step executor's indexing kernels (column and row
// slices with steps, selects, float32<->int64 casts, index_select of table
// rows, cat along each dim, 3-D slices) equal the reference interpreter bit
// for bit, over several runs (buffers are reused), and an index out of range
// reports the interpreter's error.
func TestStepIndexKernels(t *testing.T) {
	vals := []float64{0.5, -1.25, 3, 2, 1, math.Inf(1), math.NaN(), -0.0, 7.75, -3.5}
	xk := newEntry(ir.Float32, []int{6, 5}, func(i int) float64 {
		if c := i % 5; c >= 3 {
			return float64((i/5 + c) % 4) // codes in 0..3
		}
		return vals[i%len(vals)]
	})
	ek := newEntry(ir.Float32, []int{4, 3}, func(i int) float64 { return math.Sin(float64(i)) })
	ck := newEntry(ir.Float32, []int{2, 3, 4}, func(i int) float64 { return float64(i) * 0.5 })
	ik := newEntry(ir.Int64, []int{6}, func(i int) float64 { return float64(i*7 - 20) })
	wk := newEntry(ir.Int64, []int{6}, func(i int) float64 { return []float64{-1, 2, -4, 3, 0, -1}[i] })
	for _, k := range []int64{xk, ek, ck, ik, wk} {
		defer interp.StateRelease(k)
	}
	g := &ir.Graph{}
	op := func(name string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
		if attrs == nil {
			attrs = ir.Attrs{}
		}
		return g.Add(&ir.Node{Op: name, Inputs: in, Attrs: attrs})
	}
	x := state(g, xk, ir.Float32, 6, 5)
	e := state(g, ek, ir.Float32, 4, 3)
	c := state(g, ck, ir.Float32, 2, 3, 4)
	iv := state(g, ik, ir.Int64, 6)
	wv := state(g, wk, ir.Int64, 6)
	slice := func(a ir.NodeID, dim, start, end, step float64) ir.NodeID {
		return op("tensor_slice", ir.Attrs{"dim": dim, "start": start, "end": end, "step": step}, a)
	}
	sel := func(a ir.NodeID, dim, index float64) ir.NodeID {
		return op("tensor_select", ir.Attrs{"dim": dim, "index": index}, a)
	}
	num := slice(x, 1, 0, 3, 1)
	codeO := op("cast", ir.Attrs{"dtype": "int64"}, sel(x, 1, 3))
	codeD := op("cast", ir.Attrs{"dtype": "int64"}, sel(x, 1, -1))
	embO := op("index_select", ir.Attrs{"dim": 0.0}, e, codeO)
	embD := op("index_select", ir.Attrs{"dim": 0.0}, e, codeD)
	feat := op("cat", ir.Attrs{"dim": 1.0}, num, embO, embD) // [6, 9]
	outs := []ir.NodeID{
		feat,
		slice(feat, 1, 3, 6, 1),  // the cat gradient's slice
		slice(feat, -1, 1, 9, 3), // stepped columns
		slice(x, 0, 1, 5, 2),     // rows with a step
		sel(x, 0, -2),            // a row
		op("cat", ir.Attrs{"dim": 0.0}, num, slice(x, 1, 2, 5, 1)), // rows
		slice(c, 1, 1, 3, 1), // 3-D, middle dim
		sel(c, 2, 1),         // 3-D select
		op("cast", ir.Attrs{"dtype": "float32"}, iv),
		slice(iv, 0, 1, 6, 2),                                                            // int64 slice
		sel(op("cast", ir.Attrs{"dtype": "int64"}, x), 1, 2),                             // an int64 column (strided read)
		op("cast", ir.Attrs{"dtype": "int64"}, slice(x, 1, 0, 3, 1)),                     // NaN/Inf/-0 casts
		op("index_add", ir.Attrs{"dim": 0.0}, embO, codeO, e),                            // embedding gradient, repeated rows
		op("index_add", ir.Attrs{"dim": 0.0, "wrap": true}, slice(x, 1, 0, 3, 1), wv, e), // negative indices
	}
	g.Outputs = outs
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	f := buildFast(g, Options{})
	if f == nil {
		t.Fatal("not prepared")
	}
	want, err := RunAny(nil, g, nil, Options{Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 3; run++ {
		got, err := f.run()
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			a, b := got[i].(*col.Tensor), want[i].(*col.Tensor)
			if a.DType != b.DType || fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) {
				t.Fatalf("output %d (%s): %s%v, want %s%v", i, g.Node(outs[i]).Op, a.DType, a.Shape, b.DType, b.Shape)
			}
			for k := 0; k < b.Numel(); k++ {
				switch b.DType {
				case ir.Float32:
					if math.Float32bits(a.F32[k]) != math.Float32bits(b.F32[k]) {
						t.Fatalf("run %d output %d [%d]: %v, want %v", run, i, k, a.F32[k], b.F32[k])
					}
				case ir.Int64:
					if a.I64[k] != b.I64[k] {
						t.Fatalf("run %d output %d [%d]: %v, want %v", run, i, k, a.I64[k], b.I64[k])
					}
				}
			}
		}
	}
	// index_select and index_add with codes out of range (and, with wrap,
	// negative ones).
	for _, wrap := range []bool{false, true} {
		for _, name := range []string{"index_select", "index_add"} {
			g := &ir.Graph{}
			e := state(g, ek, ir.Float32, 4, 3)
			idx := state(g, ik, ir.Int64, 6)
			in := []ir.NodeID{e, idx}
			if name == "index_add" {
				xs := state(g, xk, ir.Float32, 6, 5)
				src := g.Add(&ir.Node{Op: "tensor_slice", Inputs: []ir.NodeID{xs}, Attrs: ir.Attrs{"dim": 1.0, "start": 0.0, "end": 3.0, "step": 1.0}})
				in = []ir.NodeID{src, idx, e}
			}
			g.Outputs = []ir.NodeID{g.Add(&ir.Node{Op: name, Inputs: in, Attrs: ir.Attrs{"dim": 0.0, "wrap": wrap}})}
			if err := g.Verify(); err != nil {
				t.Fatal(err)
			}
			_, wantErr := RunAny(nil, g, nil, Options{Reference: true})
			f := buildFast(g, Options{})
			if f == nil {
				t.Fatal("not prepared")
			}
			_, gotErr := f.run()
			if wantErr == nil || gotErr == nil || gotErr.Error() != wantErr.Error() {
				t.Fatalf("%s wrap=%v: error %v, want %v", name, wrap, gotErr, wantErr)
			}
		}
	}
}
