package lower_test

import (
	"context"
	"math"
	"math/rand"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

type gb struct{ g *ir.Graph }

func (b *gb) src(dt string, shape ...any) ir.NodeID {
	return b.g.Add(&ir.Node{Op: "source_tensor", Attrs: ir.Attrs{"input": float64(len(b.g.Nodes)), "dtype": dt, "shape": shape}})
}

func (b *gb) scalar(dt, v string) ir.NodeID {
	return b.g.Add(&ir.Node{Op: "full", Attrs: ir.Attrs{"dtype": dt, "shape": []any{}, "value": v, "wrapped": true}})
}

func (b *gb) op(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}

// TestFuseDecisions: which tensor subgraphs become fused loops.
func TestFuseDecisions(t *testing.T) {
	cases := []struct {
		name    string
		build   func(b *gb) []ir.NodeID // outputs
		kernels int
		ops     int
		want    string // substring of the printed plan
	}{
		{"a chain with scalars fuses into one loop", func(b *gb) []ir.NodeID {
			x := b.src("float32", 4.0, 3.0)
			y := b.op("mul", ir.Attrs{"wrapped1": true}, x, b.scalar("float64", "2.0"))
			return []ir.NodeID{b.op("relu", nil, b.op("add", nil, y, x))}
		}, 1, 3, "tensor[mul add relu]"},
		{"a single op is left alone", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.op("neg", nil, b.src("float32", 5.0))}
		}, 0, 0, "neg("},
		{"a single transcendental op gets its own loop", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.op("tanh", nil, b.src("float32", 5.0))}
		}, 1, 1, "tensor[tanh]"},
		{"an intermediate that is also an output roots its own loop", func(b *gb) []ir.NodeID {
			x := b.src("float64", 5.0)
			a := b.op("exp", nil, b.op("neg", nil, x))
			return []ir.NodeID{a, b.op("mul", nil, a, x)}
		}, 1, 2, "tensor[neg exp]"},
		{"a bias over the trailing dims is read at i % W", func(b *gb) []ir.NodeID {
			x, y := b.src("float32", 2.0, 3.0), b.src("float32", 3.0)
			return []ir.NodeID{b.op("tanh", nil, b.op("add", nil, x, y))}
		}, 1, 2, "loop(in=[f32, f32[i%3]]"},
		{"a [B, 1] operand is read at i / W", func(b *gb) []ir.NodeID {
			x, y := b.src("float64", 4.0, 2.0, 3.0), b.src("float64", 4.0, 1.0, 1.0)
			return []ir.NodeID{b.op("relu", nil, b.op("mul", nil, y, x))}
		}, 1, 2, "loop(in=[f64[i/6], f64]"},
		{"a one-element operand is a scalar", func(b *gb) []ir.NodeID {
			x, y := b.src("float32", 4.0, 3.0), b.src("float32", 1.0, 1.0)
			return []ir.NodeID{b.op("relu", nil, b.op("sub", nil, x, y))}
		}, 1, 2, "loop(in=[f32, f32[0]]"},
		{"a middle-dim broadcast is not fused", func(b *gb) []ir.NodeID {
			x, y := b.src("float32", 2.0, 3.0, 4.0), b.src("float32", 3.0, 1.0)
			return []ir.NodeID{b.op("neg", nil, b.op("add", nil, x, y))}
		}, 0, 0, "add(%0, %1)"},
		{"broadcasts of two widths in one chain are not fused", func(b *gb) []ir.NodeID {
			x, y, z := b.src("float32", 2.0, 3.0, 4.0), b.src("float32", 4.0), b.src("float32", 3.0, 4.0)
			return []ir.NodeID{b.op("mul", nil, b.op("add", nil, x, y), z)}
		}, 0, 0, "mul(%3, %2)"},
		{"a broadcast operand computed elementwise is its own loop's output", func(b *gb) []ir.NodeID {
			x, y := b.src("float32", 2.0, 3.0), b.src("float32", 3.0)
			return []ir.NodeID{b.op("add", nil, x, b.op("exp", nil, b.op("neg", nil, y)))}
		}, 1, 2, "tensor[neg exp]"},
		{"only broadcast operands and a dynamic shape are not fused", func(b *gb) []ir.NodeID {
			x := b.op("mask_select", nil, b.src("float32", 4.0, 1.0), b.src("bool", 4.0)) // [?, 1]
			return []ir.NodeID{b.op("neg", nil, b.op("add", nil, x, b.src("float32", 1.0, 3.0)))}
		}, 0, 0, "add(%2, %3)"},
		{"integer pow (raises on negative exponents) is not fused", func(b *gb) []ir.NodeID {
			x := b.src("int64", 4.0)
			return []ir.NodeID{b.op("neg", nil, b.op("pow", nil, x, x))}
		}, 0, 0, "pow(%0, %0)"},
		{"float -> int64 casts are not fused", func(b *gb) []ir.NodeID {
			x := b.src("float64", 4.0)
			return []ir.NodeID{b.op("neg", nil, b.op("cast", ir.Attrs{"dtype": "int64"}, b.op("abs", nil, x)))}
		}, 0, 0, "cast("},
		{"embedding's gradient: the chain and the scatter-add are one loop", func(b *gb) []ir.NodeID {
			g, a := b.src("float32", 6.0, 4.0), b.src("float32", 6.0, 4.0)
			idx, w := b.src("int64", 6.0), b.src("float32", 10.0, 4.0)
			return []ir.NodeID{b.op("index_add", ir.Attrs{"dim": 0.0}, b.op("relu", nil, b.op("mul", nil, g, a)), idx, w)}
		}, 1, 3, "scatter[mul relu index_add] loop(in=[f32, f32, i64[i/4], f32], t0=in0:f32, t1=in1:f32, t2=mul(t0, t1):f32, t3=relu(t2):f32, group=in2, out=[vec_merge(t3)])"},
		{"a chain that is also an output is not inlined into the scatter", func(b *gb) []ir.NodeID {
			g, idx, w := b.src("float64", 6.0, 4.0), b.src("int64", 6.0), b.src("float64", 10.0, 4.0)
			m := b.op("neg", nil, b.op("abs", nil, g))
			return []ir.NodeID{m, b.op("index_add", nil, m, idx, w)}
		}, 2, 3, "scatter[index_add]"},
		{"index_add along dim 1 is not a scatter loop", func(b *gb) []ir.NodeID {
			g, idx, w := b.src("float32", 4.0, 6.0), b.src("int64", 6.0), b.src("float32", 4.0, 10.0)
			return []ir.NodeID{b.op("index_add", ir.Attrs{"dim": 1.0}, b.op("neg", nil, g), idx, w)}
		}, 0, 0, "index_add("},
		{"bool rows are not scattered", func(b *gb) []ir.NodeID {
			g, idx, w := b.src("bool", 6.0, 4.0), b.src("int64", 6.0), b.src("bool", 10.0, 4.0)
			return []ir.NodeID{b.op("index_add", nil, g, idx, w)}
		}, 0, 0, "index_add("},
		{"a one-element value expanded to the loop's shape is read as a scalar", func(b *gb) []ir.NodeID {
			x, y := b.src("float32", 6.0, 4.0), b.src("float32", 6.0, 4.0)
			one := b.op("unsqueeze", ir.Attrs{"dim": 0.0}, b.scalar("float32", "1"))
			return []ir.NodeID{b.op("relu", nil, b.op("mul", nil, b.op("expand_as", nil, one, b.op("neg", nil, y)), x))}
		}, 1, 2, "loop(in=[f32[0], f32]"},
		{"matmul stays opaque, the chains around it fuse", func(b *gb) []ir.NodeID {
			x, w := b.src("float32", 4.0, 3.0), b.src("float32", 3.0, 2.0)
			h := b.op("matmul", nil, b.op("tanh", nil, b.op("neg", nil, x)), w)
			return []ir.NodeID{b.op("sigmoid", nil, b.op("abs", nil, h))}
		}, 2, 4, "matmul(%"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &gb{g: &ir.Graph{}}
			b.g.Outputs = c.build(b)
			if err := b.g.Verify(); err != nil {
				t.Fatal(err)
			}
			rep, err := lower.Fuse(b.g, lower.Options{Codegen: false, NoCodegenWhy: "test"})
			if err != nil {
				t.Fatal(err)
			}
			p := b.g.Print()
			if rep.Kernels != c.kernels || rep.Ops != c.ops || !strings.Contains(p, c.want) {
				t.Errorf("fused %d kernels of %d ops, want %d of %d and %q in:\n%s", rep.Kernels, rep.Ops, c.kernels, c.ops, c.want, p)
			}
			if rep.Kernels > 0 && !strings.Contains(p, `exec="go (test)"`) {
				t.Errorf("explain does not say how the loop runs:\n%s", p)
			}
		})
	}
}

// TestValidate: malformed loops are rejected before any C is emitted.
func TestValidate(t *testing.T) {
	load := lower.Instr{Op: "load", Type: ir.Float64}
	cases := []struct {
		name string
		l    lower.Loop
		err  string
	}{
		{"ok", lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Body: []lower.Instr{load}, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float64}}}, ""},
		{"forward reference", lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Filter: -1, Group: -1,
			Body: []lower.Instr{load, {Op: "add", Type: ir.Float64, Args: []int{0, 2}}, load}}, "reads 2"},
		{"unknown function", lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Filter: -1, Group: -1,
			Body: []lower.Instr{load, {Op: "system", Type: ir.Float64, Args: []int{0}}}}, "unknown function"},
		{"load of a wrong type", lower.Loop{Inputs: []lower.Input{{Type: ir.Int64}}, Body: []lower.Instr{load}, Filter: -1, Group: -1}, "bad input"},
		{"append in a filtered loop compacts", lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Filter: 1, Group: -1,
			Body:     []lower.Instr{load, {Op: "const", Type: ir.Bool}},
			Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float64}}}, ""},
		{"append in a grouped loop", lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}, {Type: ir.Int64}}, Filter: -1, Group: 1,
			Body:     []lower.Instr{load},
			Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float64}}}, "grouped"},
		{"broadcast input without a width", lower.Loop{Inputs: []lower.Input{{Type: ir.Float64, Bcast: lower.Inner}}, Body: []lower.Instr{load}, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float64}}}, "width"},
		{"group merge without group ids", lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Body: []lower.Instr{load}, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.GroupMerge, Value: 0, Agg: "sum"}}}, "group input"},
		{"unknown reduction", lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Body: []lower.Instr{load}, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Merge, Value: 0, Agg: "median"}}}, "unknown reduction"},
		{"string values", lower.Loop{Inputs: []lower.Input{{Type: ir.String}}, Filter: -1, Group: -1}, "input of type str"},
	}
	for _, c := range cases {
		err := c.l.Validate()
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: Validate() = %v, want %q", c.name, err, c.err)
		}
	}
}

// TestParallelStopsWhenCancelled: no morsel runs once the context is done.
func TestParallelStopsWhenCancelled(t *testing.T) {
	l := &lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Body: []lower.Instr{{Op: "load", Type: ir.Float64}}, Filter: -1, Group: -1,
		Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float64}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := 0
	_, err := lower.ParallelCtx(ctx, l, 5*lower.Morsel, 0, func(begin, end int, out *lower.Outputs) { ran++ })
	if err == nil || ran != 0 {
		t.Fatalf("err=%v after %d morsels", err, ran)
	}
	out, err := lower.ParallelCtx(context.Background(), l, 3*lower.Morsel+1, 0, lower.EvalRange(l, []lower.Buf{{F64: make([]float64, 3*lower.Morsel+1)}}))
	if err != nil || len(out.Append[0].F64) != 3*lower.Morsel+1 {
		t.Fatalf("uncancelled run: %v", err)
	}
}

// TestParallelGroupMergeMatchesPartials: a grouped reduction run on several
// workers equals, bit for bit, each worker's morsels reduced into its own
// zeroed states combined into zeroed ones in worker order (the first
// worker accumulates straight into the result): sums with -0, NaN, +-Inf,
// min/max and counts, over more morsels than workers.
func TestParallelGroupMergeMatchesPartials(t *testing.T) {
	rows := 5*lower.Morsel + 17
	const ngroups = 7
	x, g := make([]float64, rows), make([]int64, rows)
	r := rand.New(rand.NewSource(3))
	for i := range x {
		switch r.Intn(40) {
		case 0:
			x[i] = math.Copysign(0, -1)
		case 1:
			x[i] = math.NaN()
		case 2:
			x[i] = math.Inf(1 - 2*r.Intn(2))
		default:
			x[i] = r.NormFloat64() * 1e6
		}
		g[i] = int64(r.Intn(ngroups))
		if r.Intn(50) == 0 {
			g[i] = -1 // a dropped row
		}
	}
	for i := 0; i < 1000; i++ { // group 0: only -0.0 in the first morsel
		x[i], g[i] = math.Copysign(0, -1), 0
	}
	l := &lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}, {Type: ir.Int64}}, Filter: -1, Group: 1,
		Body: []lower.Instr{{Op: "load", Type: ir.Float64, Input: 0}},
		Builders: []lower.Builder{{Kind: lower.GroupMerge, Value: 0, Agg: "sum"}, {Kind: lower.GroupMerge, Value: 0, Agg: "min"},
			{Kind: lower.GroupMerge, Value: 0, Agg: "max"}, {Kind: lower.GroupMerge, Value: 0, Agg: "count"}}}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	f := lower.EvalRange(l, []lower.Buf{{F64: x}, {I64: g}})
	got, err := lower.ParallelCtx(context.Background(), l, rows, ngroups, f)
	if err != nil {
		t.Fatal(err)
	}
	workers := min(runtime.GOMAXPROCS(0), (rows+lower.Morsel-1)/lower.Morsel)
	want := lower.NewOutputs(l, rows, ngroups)
	for w := 0; w < workers; w++ {
		part := lower.NewOutputs(l, rows, ngroups)
		for lo := w * lower.Morsel; lo < rows; lo += workers * lower.Morsel {
			f(lo, min(lo+lower.Morsel, rows), part)
		}
		for i, b := range l.Builders {
			for gi := range want.Groups[i] {
				want.Groups[i][gi].Combine(part.Groups[i][gi], b, ir.Float64)
			}
		}
	}
	for i := range l.Builders {
		for gi := range want.Groups[i] {
			a, b := got.Groups[i][gi], want.Groups[i][gi]
			if math.Float64bits(a.F) != math.Float64bits(b.F) || a.I != b.I || a.N != b.N || a.NaN != b.NaN {
				t.Fatalf("builder %d group %d: %+v, want %+v (workers %d)", i, gi, a, b, workers)
			}
		}
	}
}

// TestParallelOrderedMatchesOneWorker: a grouped reduction over group ids
// that never decrease, run with each worker taking whole groups, equals the
// run on one worker bit for bit (every group reduced in row order), with
// groups longer than a morsel and groups spanning the workers' cuts; a loop
// with another builder runs as ParallelCtx.
func TestParallelOrderedMatchesOneWorker(t *testing.T) {
	rows := 6*lower.Morsel + 29
	x, g := make([]float64, rows), make([]int64, rows)
	r := rand.New(rand.NewSource(5))
	gi := int64(0)
	for i := range x {
		x[i] = r.NormFloat64() * 1e8
		if r.Intn(40) == 0 {
			x[i] = math.NaN()
		}
		if i > 0 && (i < rows/3 || i > rows/2) && r.Intn(3) == 0 { // short groups, then one long one
			gi++
		}
		g[i] = gi
	}
	ngroups := int(gi) + 1
	l := &lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}, {Type: ir.Int64}}, Filter: -1, Group: 1,
		Body: []lower.Instr{{Op: "load", Type: ir.Float64, Input: 0}},
		Builders: []lower.Builder{{Kind: lower.GroupMerge, Value: 0, Agg: "sum"}, {Kind: lower.GroupMerge, Value: 0, Agg: "max"},
			{Kind: lower.GroupMerge, Value: 0, Agg: "count"}}}
	f := lower.EvalRange(l, []lower.Buf{{F64: x}, {I64: g}})
	got, err := lower.ParallelOrdered(context.Background(), l, rows, ngroups, g, f)
	if err != nil {
		t.Fatal(err)
	}
	want := lower.NewOutputs(l, rows, ngroups)
	for lo := 0; lo < rows; lo += lower.Morsel {
		f(lo, min(lo+lower.Morsel, rows), want)
	}
	for i := range l.Builders {
		for gi := range want.Groups[i] {
			a, b := got.Groups[i][gi], want.Groups[i][gi]
			if math.Float64bits(a.F) != math.Float64bits(b.F) || a.I != b.I || a.N != b.N || a.NaN != b.NaN {
				t.Fatalf("builder %d group %d: %+v, want %+v", i, gi, a, b)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lower.ParallelOrdered(ctx, l, rows, ngroups, g, f); err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	// another builder: ParallelCtx's result
	m := *l
	m.Builders = append(slices.Clone(l.Builders), lower.Builder{Kind: lower.Merge, Value: 0, Agg: "sum"})
	fm := lower.EvalRange(&m, []lower.Buf{{F64: x}, {I64: g}})
	a, err1 := lower.ParallelOrdered(context.Background(), &m, rows, ngroups, g, fm)
	b, err2 := lower.ParallelCtx(context.Background(), &m, rows, ngroups, fm)
	if err1 != nil || err2 != nil || math.Float64bits(a.Merge[3].F) != math.Float64bits(b.Merge[3].F) || a.Merge[3].N != b.Merge[3].N {
		t.Fatalf("mixed builders: %v %v, %+v vs %+v", err1, err2, a.Merge[3], b.Merge[3])
	}
}
