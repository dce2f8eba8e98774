package opt_test

import (
	"context"
	"math"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// Passes across the frame -> tensor boundary: tensorprune (model-driven
// column pruning) and cse over tensor ops.

func (b *builder) toTensor(in ir.NodeID, dtype string) ir.NodeID {
	return b.add("to_tensor", ir.Attrs{"dtype": dtype}, in)
}

func (b *builder) colSlice(in ir.NodeID, start, end any) ir.NodeID {
	return b.add("tensor_slice", ir.Attrs{"dim": 1.0, "start": start, "end": end, "step": 1.0}, in)
}

func (b *builder) colSelect(in ir.NodeID, dim, index float64) ir.NodeID {
	return b.add("tensor_select", ir.Attrs{"dim": dim, "index": index}, in)
}

// numData is a 5-row frame "a:int64, b:int64, f:float64, p:bool".
func numData() []any {
	return []any{&col.Frame{N: 5, Names: []string{"a", "b", "f", "p"}, Cols: []*col.Column{
		col.NewInt64([]int64{1, -2, 3, 1 << 40, 0}), col.NewInt64([]int64{10, 20, 30, 40, 50}),
		col.NewFloat64([]float64{0.5, math.Copysign(0, -1), math.NaN(), math.Inf(1), -3}),
		col.NewBool([]bool{true, false, true, true, false})}}}
}

func numSrc(b *builder) ir.NodeID { return b.source(0, "a:int64", "b:int64", "f:float64", "p:bool") }

// sameTensors runs both plans on the interpreter and compares every output bitwise.
func sameTensors(t *testing.T, ref, got *ir.Graph, inputs []any) {
	t.Helper()
	want, err := interp.RunAny(context.Background(), ref, inputs)
	if err != nil {
		t.Fatalf("reference plan: %v", err)
	}
	have, err := interp.RunAny(context.Background(), got, inputs)
	if err != nil {
		t.Fatalf("optimized plan: %v", err)
	}
	for i := range want {
		w, ok1 := want[i].(*col.Tensor)
		h, ok2 := have[i].(*col.Tensor)
		if !ok1 || !ok2 {
			t.Fatalf("output %d is not a tensor", i)
		}
		if w.DType != h.DType || len(w.Shape) != len(h.Shape) {
			t.Fatalf("output %d: %s%v, want %s%v", i, h.DType, h.Shape, w.DType, w.Shape)
		}
		for d := range w.Shape {
			if w.Shape[d] != h.Shape[d] {
				t.Fatalf("output %d: shape %v, want %v", i, h.Shape, w.Shape)
			}
		}
		for k := range w.F32 {
			if math.Float32bits(w.F32[k]) != math.Float32bits(h.F32[k]) {
				t.Fatalf("output %d element %d: %v, want %v", i, k, h.F32[k], w.F32[k])
			}
		}
		for k := range w.F64 {
			if math.Float64bits(w.F64[k]) != math.Float64bits(h.F64[k]) {
				t.Fatalf("output %d element %d: %v, want %v", i, k, h.F64[k], w.F64[k])
			}
		}
		for k := range w.I64 {
			if w.I64[k] != h.I64[k] {
				t.Fatalf("output %d element %d: %v, want %v", i, k, h.I64[k], w.I64[k])
			}
		}
	}
}

func TestTensorPrune(t *testing.T) {
	type tc struct {
		name   string
		passes []string
		before func() *ir.Graph
		after  func() *ir.Graph // nil: unchanged
	}
	cases := []tc{
		{name: "slice and select read three of four columns", passes: []string{"tensorprune"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(numSrc(b), "float64")
				return b.out(b.colSlice(x, nil, 2.0), b.colSelect(x, 1, -1))
			},
			after: func() *ir.Graph { // pruned, then one hand-off per reader
				b := newGraph()
				k := b.keep(numSrc(b), "a", "b", "p")
				x1 := b.toTensor(b.keep(k, "a", "b"), "float64")
				x2 := b.toTensor(b.keep(k, "p"), "float64")
				return b.out(x1, b.colSelect(x2, 1, 0))
			}},
		{name: "overlapping readers: pruned, one hand-off", passes: []string{"tensorprune"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(numSrc(b), "float64")
				return b.out(b.colSlice(x, nil, 2.0), b.colSelect(x, 1, 1))
			},
			after: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(b.keep(numSrc(b), "a", "b"), "float64")
				return b.out(b.colSlice(x, 0.0, 2.0), b.colSelect(x, 1, 1))
			}},
		{name: "one selected column, negative dim", passes: []string{"tensorprune"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(numSrc(b), "float32")
				return b.out(b.colSelect(x, -1, 2))
			},
			after: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(b.keep(numSrc(b), "f"), "float32")
				return b.out(b.colSelect(x, -1, 0))
			}},
		{name: "a slice with clamped bounds", passes: []string{"tensorprune"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(numSrc(b), "float64")
				return b.out(b.colSlice(x, -2.0, 100.0))
			},
			after: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(b.keep(numSrc(b), "f", "p"), "float64")
				return b.out(b.colSlice(x, 0.0, 2.0))
			}},
		{name: "the whole tensor is read too: unchanged", passes: []string{"tensorprune"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(numSrc(b), "float64")
				return b.out(b.colSelect(x, 1, 0), b.add("neg", nil, x))
			}},
		{name: "row slice: unchanged", passes: []string{"tensorprune"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(numSrc(b), "float64")
				return b.out(b.add("tensor_slice", ir.Attrs{"dim": 0.0, "start": 1.0, "end": 3.0, "step": 1.0}, x))
			}},
		{name: "strided column slice: unchanged", passes: []string{"tensorprune"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(numSrc(b), "float64")
				return b.out(b.add("tensor_slice", ir.Attrs{"dim": 1.0, "start": nil, "end": nil, "step": 2.0}, x))
			}},
		{name: "all columns read, by a slice and a select: one hand-off each", passes: []string{"tensorprune"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.toTensor(numSrc(b), "float64")
				return b.out(b.colSlice(x, nil, 3.0), b.colSelect(x, 1, 3))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := numSrc(b)
				x1 := b.toTensor(b.keep(s, "a", "b", "f"), "float64")
				x2 := b.toTensor(b.keep(s, "p"), "float64")
				return b.out(x1, b.colSelect(x2, 1, 0))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := c.before()
			rep := optimize(t, g, c.passes...)
			want := c.before
			if c.after != nil {
				want = c.after
			}
			w := want()
			optimize(t, w)
			if g.Print() != w.Print() {
				t.Errorf("plan:\n%s\nwant:\n%s", g.Print(), w.Print())
			}
			if changed(rep, "tensorprune") != (c.after != nil) {
				t.Errorf("tensorprune changed=%v, want %v", changed(rep, "tensorprune"), c.after != nil)
			}
			again := optimize(t, g, c.passes...)
			if changed(again, "tensorprune") {
				t.Errorf("not idempotent:\n%s", g.Print())
			}
			ref := c.before()
			optimize(t, ref)
			sameTensors(t, ref, g, numData())
		})
	}
}

// TestTensorPrunePushdown: a Parquet/CSV scan read only for the columns the
// model takes (tensorprune, then dce and pushdown).
func TestTensorPrunePushdown(t *testing.T) {
	fakeCSV(t)
	b := newGraph()
	s := b.scan("cars.csv")
	x := b.toTensor(b.keep(s, "mpg", "hp", "year"), "float32")
	g := b.out(b.colSelect(x, 1, 1))
	optimize(t, g, "tensorprune", "dce", "fold", "pushdown")
	var scanCols []string
	for _, n := range g.Nodes {
		if n.Op == "scan_csv" {
			scanCols = n.Attrs.Strings("columns")
		}
	}
	if len(scanCols) != 1 || scanCols[0] != "hp" {
		t.Fatalf("scan reads %v, want [hp]\n%s", scanCols, g.Print())
	}
}

func TestCSEAcrossBoundary(t *testing.T) {
	// x = to_tensor(df[[a, f]]) recorded twice; mean over rows recorded twice
	feats := func(b *builder) ir.NodeID {
		return b.toTensor(b.keep(numSrc(b), "a", "f"), "float64")
	}
	mean := func(b *builder, x ir.NodeID) ir.NodeID {
		return b.add("mean", ir.Attrs{"dims": []any{0.0}, "keepdim": true}, x)
	}
	cases := []struct {
		name   string
		before func() *ir.Graph
		nodes  int // node count after cse (and the other passes)
		merged bool
	}{
		{name: "to_tensor of the same frame plan, and the same statistic, computed once",
			before: func() *ir.Graph {
				b := newGraph()
				s := numSrc(b)
				x1 := b.toTensor(b.keep(s, "a", "f"), "float64")
				x2 := b.toTensor(b.keep(s, "a", "f"), "float64")
				c1 := b.add("sub", nil, x1, mean(b, x1))
				c2 := b.add("sub", nil, x2, mean(b, x2))
				return b.out(b.add("add", nil, c1, c2))
			}, nodes: 6, merged: true},
		{name: "a frame result and a tensor of the same subplan share it",
			before: func() *ir.Graph {
				b := newGraph()
				s := numSrc(b)
				f1 := b.filter(b.keep(s, "a", "f", "p"), ir.Col("p"))
				f2 := b.filter(b.keep(s, "a", "f", "p"), ir.Col("p"))
				return b.out(f1, b.toTensor(b.keep(f2, "a", "f"), "float32"))
			}, nodes: 5, merged: true},
		{name: "different dtypes stay apart (their common frame plan merges)",
			before: func() *ir.Graph {
				b := newGraph()
				x1 := feats(b)
				x2 := b.toTensor(b.keep(numSrc(b), "a", "f"), "float32")
				return b.out(b.add("add", nil, x1, b.add("cast", ir.Attrs{"dtype": "float64"}, x2)))
			}, nodes: 6, merged: true},
		{name: "random draws stay distinct",
			before: func() *ir.Graph {
				b := newGraph()
				seed := b.add("full", ir.Attrs{"shape": []any{}, "value": "7", "dtype": "int64"})
				r1 := b.add("rand", ir.Attrs{"shape": []any{3.0}, "dtype": "float32"}, seed)
				r2 := b.add("rand", ir.Attrs{"shape": []any{3.0}, "dtype": "float32"}, seed)
				return b.out(b.add("sub", nil, r1, r2))
			}, merged: false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := c.before()
			rep := optimize(t, g, "cse")
			if changed(rep, "cse") != c.merged {
				t.Fatalf("cse changed=%v, want %v\n%s", changed(rep, "cse"), c.merged, g.Print())
			}
			g.Compact()
			if c.merged && len(g.Nodes) != c.nodes {
				t.Errorf("%d nodes after cse, want %d\n%s", len(g.Nodes), c.nodes, g.Print())
			}
			if !c.merged {
				return
			}
			ref := c.before()
			optimize(t, ref)
			want, err := interp.RunAny(context.Background(), ref, numData())
			if err != nil {
				t.Fatal(err)
			}
			have, err := interp.RunAny(context.Background(), g, numData())
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != len(have) {
				t.Fatalf("%d outputs, want %d", len(have), len(want))
			}
			sameTensorsOnly(t, want, have)
		})
	}
}

// sameTensorsOnly compares the tensor outputs of two runs bitwise.
func sameTensorsOnly(t *testing.T, want, have []any) {
	t.Helper()
	for i := range want {
		w, ok := want[i].(*col.Tensor)
		if !ok {
			continue
		}
		h := have[i].(*col.Tensor)
		for k := range w.F64 {
			if math.Float64bits(w.F64[k]) != math.Float64bits(h.F64[k]) {
				t.Fatalf("output %d element %d: %v, want %v", i, k, h.F64[k], w.F64[k])
			}
		}
		for k := range w.F32 {
			if math.Float32bits(w.F32[k]) != math.Float32bits(h.F32[k]) {
				t.Fatalf("output %d element %d: %v, want %v", i, k, h.F32[k], w.F32[k])
			}
		}
	}
}

// TestPruneThroughGetDummies: the columns a to_tensor reads behind get_dummies
// (explicit columns) and a normalization's attach_row are all the scan parses.
func TestPruneThroughGetDummies(t *testing.T) {
	fakeCSV(t)
	cases := []struct {
		name  string
		build func(b *builder, s ir.NodeID) ir.NodeID
		want  string
	}{
		{name: "get_dummies with columns",
			build: func(b *builder, s ir.NodeID) ir.NodeID {
				d := b.add("get_dummies", ir.Attrs{"columns": []any{"origin"}, "dummies": []any{"origin_eu", "origin_us"},
					"dtype": "float64", "prefix_sep": "_", "drop_first": false}, s)
				return b.toTensor(b.keep(d, "mpg", "origin_us"), "float32")
			}, want: "mpg,origin"},
		{name: "get_dummies without columns reads every column",
			build: func(b *builder, s ir.NodeID) ir.NodeID {
				d := b.add("get_dummies", ir.Attrs{"dummies": []any{"name_x", "origin_eu"}, "dtype": "float64",
					"prefix_sep": "_", "drop_first": false}, s)
				return b.toTensor(b.keep(d, "mpg"), "float32")
			}, want: "name,mpg,hp,origin,year"},
		{name: "attach_row: the frame passes through, the row is whole",
			build: func(b *builder, s ir.NodeID) ir.NodeID {
				row := b.add("groupby_agg", ir.Attrs{"keys": []any{}, "aggs": []any{
					map[string]any{"name": "m", "col": "hp", "fn": "mean"}}}, b.keep(s, "hp"))
				a := b.add("attach_row", ir.Attrs{"names": []any{"__m__"}}, b.keep(s, "mpg", "hp", "year"), row)
				p := b.project(a, ne("hp", call("sub", castTo(ir.Col("hp"), "float64"), ir.Col("__m__"))))
				return b.toTensor(p, "float32")
			}, want: "hp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newGraph()
			g := b.out(c.build(b, b.scan("cars.csv")))
			optimize(t, g, "dce", "fold", "pushdown", "cse")
			for _, n := range g.Nodes {
				if n.Op != "scan_csv" {
					continue
				}
				got := "name,mpg,hp,origin,year"
				if cols := n.Attrs.Strings("columns"); cols != nil {
					got = ""
					for i, c := range cols {
						if i > 0 {
							got += ","
						}
						got += c
					}
				}
				if got != c.want {
					t.Errorf("scan reads %s, want %s\n%s", got, c.want, g.Print())
				}
			}
		})
	}
}
