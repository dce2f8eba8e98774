package exec_test

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// lineitem-like frame: k1, k2 string keys (k2 with nulls), q int64,
// p, d float64 (d with NaN), ts datetime64[us].
func aggFrame(r *rand.Rand, n int) *col.Frame {
	k1, k2 := make([]string, n), make([]string, n)
	valid := col.NewBitmap(n, true)
	q, ts := make([]int64, n), make([]int64, n)
	p, d := make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		k1[i] = []string{"A", "N", "R", "é\"*/"}[r.Intn(4)]
		k2[i] = []string{"F", "O"}[r.Intn(2)]
		if r.Intn(50) == 0 {
			col.SetBit(valid, i, false)
		}
		q[i] = r.Int63n(50) + 1
		if r.Intn(500) == 0 {
			q[i] = math.MaxInt64 - r.Int63n(3)
		}
		p[i] = float64(r.Intn(100000)) / 100
		d[i] = float64(r.Intn(11)) / 100
		if r.Intn(40) == 0 {
			d[i] = math.NaN()
		}
		ts[i] = 757382400000000 + r.Int63n(7*365)*86400000000
	}
	return &col.Frame{N: n, Names: []string{"k1", "k2", "q", "p", "d", "ts"}, Cols: []*col.Column{
		col.NewStrings(k1, nil), col.NewStrings(k2, valid), col.NewInt64(q), col.NewFloat64(p), col.NewFloat64(d),
		col.NewDatetime(ir.DatetimeUS, ts, nil)}}
}

var aggFields = []any{
	map[string]any{"name": "k1", "type": "str"}, map[string]any{"name": "k2", "type": "str", "nullable": true},
	map[string]any{"name": "q", "type": "int64"}, map[string]any{"name": "p", "type": "float64"},
	map[string]any{"name": "d", "type": "float64"}, map[string]any{"name": "ts", "type": "datetime64[us]"},
}

func agg(name, c, fn string) any { return map[string]any{"name": name, "col": c, "fn": fn} }

type aggCase struct {
	name    string
	keys    []any
	asIndex bool
	pred    *ir.Expr // nil: no filter
	project []ir.NamedExpr
	aggs    []any
	// unfused: a whole frame's float sum or mean, which numpy sums pairwise
	// (the runtime's reduction does, the row-order loop would not): the
	// aggregation stays a groupby_agg node
	unfused bool
}

func dt(us int64) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.DatetimeUS, I: us}}
}

var aggCases = []aggCase{
	{name: "q6: filter + sum of products",
		pred: ir.Call("and", ir.Call("and", ir.Call("ge", ir.Col("ts"), dt(757382400000000)), ir.Call("lt", ir.Col("ts"), dt(788918400000000))),
			ir.Call("and", ir.Call("ge", ir.Col("d"), ir.LitFloat(0.05)), ir.Call("lt", ir.Col("q"), ir.LitInt(24)))),
		project: []ir.NamedExpr{{Name: "rev", Expr: ir.Call("mul", ir.Col("p"), ir.Col("d"))}},
		aggs:    []any{agg("revenue", "rev", "sum"), agg("n", "", "size")}, unfused: true},
	{name: "q1: two string keys, sums, means, count", keys: []any{"k1", "k2"},
		pred: ir.Call("le", ir.Col("ts"), dt(900000000000000)),
		project: []ir.NamedExpr{{Name: "k1", Expr: ir.Col("k1")}, {Name: "k2", Expr: ir.Col("k2")}, {Name: "q", Expr: ir.Col("q")}, {Name: "d", Expr: ir.Col("d")},
			{Name: "dp", Expr: ir.Call("mul", ir.Col("p"), ir.Call("sub", ir.LitInt(1), ir.Col("d")))}},
		aggs: []any{agg("sum_q", "q", "sum"), agg("sum_dp", "dp", "sum"), agg("avg_q", "q", "mean"), agg("avg_d", "d", "mean"),
			agg("cnt_d", "d", "count"), agg("min_dp", "dp", "min"), agg("max_d", "d", "max"), agg("n", "", "size")}},
	{name: "as_index keys, no filter, int arithmetic wraps", keys: []any{"k1"}, asIndex: true,
		project: []ir.NamedExpr{{Name: "k1", Expr: ir.Col("k1")}, {Name: "qq", Expr: ir.Call("mul", ir.Col("q"), ir.Call("add", ir.Col("q"), ir.LitInt(7)))}},
		aggs:    []any{agg("s", "qq", "sum"), agg("m", "qq", "mean")}},
	{name: "sum and mean of one float column, twice: shared builders", keys: []any{"k1"},
		aggs: []any{agg("s", "p", "sum"), agg("m", "p", "mean"), agg("s2", "p", "sum"), agg("hi", "p", "max"), agg("hi2", "p", "max"),
			agg("n", "", "size")}},
	{name: "filter selecting nothing", keys: []any{"k2"},
		pred: ir.Call("gt", ir.Col("p"), ir.LitFloat(1e9)),
		aggs: []any{agg("s", "p", "sum"), agg("n", "", "size")}},
	// filters keeping under half the rows: only the selected rows' keys are grouped
	{name: "selective filter, string keys with nulls", keys: []any{"k1", "k2"},
		pred: ir.Call("lt", ir.Col("q"), ir.LitInt(10)),
		aggs: []any{agg("s", "p", "sum"), agg("m", "d", "mean"), agg("n", "", "size")}},
	{name: "selective filter, int key (q20)", keys: []any{"q"}, asIndex: true,
		pred:    ir.Call("and", ir.Call("ge", ir.Col("d"), ir.LitFloat(0.09)), ir.Call("ge", ir.Col("ts"), dt(757382400000000))),
		project: []ir.NamedExpr{{Name: "q", Expr: ir.Col("q")}, {Name: "h", Expr: ir.Call("mul", ir.Col("p"), ir.LitFloat(0.5))}},
		aggs:    []any{agg("s", "h", "sum"), agg("hi", "h", "max"), agg("n", "", "size")}},
	// the loop then runs over the selected rows alone (gathered): a key the
	// loop also reads is gathered once; NaNs, counts, min/max of the rows
	{name: "selective filter, key read by the loop too", keys: []any{"q", "k1"},
		pred:    ir.Call("and", ir.Call("lt", ir.Col("q"), ir.LitInt(12)), ir.Call("ge", ir.Col("p"), ir.LitFloat(100))),
		project: []ir.NamedExpr{{Name: "q", Expr: ir.Col("q")}, {Name: "k1", Expr: ir.Col("k1")}, {Name: "qq", Expr: ir.Call("mul", ir.Col("q"), ir.Col("d"))}, {Name: "d", Expr: ir.Col("d")}},
		aggs:    []any{agg("s", "qq", "sum"), agg("c", "d", "count"), agg("lo", "d", "min"), agg("hi", "qq", "max"), agg("m", "q", "mean"), agg("n", "", "size")}},
	{name: "whole frame, nothing selected",
		pred: ir.Call("lt", ir.Col("q"), ir.LitInt(0)),
		aggs: []any{agg("s", "p", "sum"), agg("m", "p", "mean"), agg("lo", "d", "min"), agg("c", "d", "count"), agg("n", "", "size")}, unfused: true},
	{name: "whole frame: int sum, min, max, count, size fuse",
		pred: ir.Call("lt", ir.Col("q"), ir.LitInt(30)),
		aggs: []any{agg("s", "q", "sum"), agg("lo", "d", "min"), agg("hi", "p", "max"), agg("c", "d", "count"), agg("n", "", "size")}},
}

func buildAgg(t *testing.T, c aggCase) *ir.Graph {
	g := &ir.Graph{}
	id := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": aggFields}, Loc: "t.py:1"})
	if c.pred != nil {
		id = g.Add(&ir.Node{Op: "filter", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"pred": c.pred.Clone()}, Loc: "t.py:2"})
	}
	if c.project != nil {
		id = g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"exprs": ir.Attrs{"e": c.project}.Clone()["e"]}, Loc: "t.py:3"})
	}
	keys := c.keys
	if keys == nil {
		keys = []any{}
	}
	id = g.Add(&ir.Node{Op: "groupby_agg", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"keys": keys, "aggs": c.aggs, "as_index": c.asIndex, "sort": true, "dropna": true}, Loc: "t.py:4"})
	g.Outputs = []ir.NodeID{id}
	if err := g.Verify(); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return g
}

func sameFrame(a, b *col.Frame, tol float64) string {
	if a.N != b.N || fmt.Sprint(a.Names) != fmt.Sprint(b.Names) || fmt.Sprint(a.IndexNames) != fmt.Sprint(b.IndexNames) {
		return fmt.Sprintf("shape: %d %v %v vs %d %v %v", a.N, a.Names, a.IndexNames, b.N, b.Names, b.IndexNames)
	}
	cols := func(f *col.Frame) []*col.Column { return append(append([]*col.Column{}, f.Index...), f.Cols...) }
	ca, cb := cols(a), cols(b)
	for j := range ca {
		x, y := ca[j], cb[j]
		if x.Type != y.Type {
			return fmt.Sprintf("column %d: %s vs %s", j, x.Type, y.Type)
		}
		for i := 0; i < a.N; i++ {
			if x.IsValid(i) != y.IsValid(i) {
				return fmt.Sprintf("column %d row %d: validity", j, i)
			}
			if !x.IsValid(i) {
				continue // a null slot's value is unspecified
			}
			switch {
			case x.Type == ir.String:
				if x.Str(i) != y.Str(i) {
					return fmt.Sprintf("column %d row %d: %q vs %q", j, i, x.Str(i), y.Str(i))
				}
			case x.Type.IsFloat():
				p, q := x.F64[i], y.F64[i]
				if !(math.IsNaN(p) && math.IsNaN(q)) && math.Abs(p-q) > tol*math.Max(math.Abs(p), math.Abs(q)) {
					return fmt.Sprintf("column %d row %d: %v vs %v", j, i, p, q)
				}
			case x.Type == ir.Bool:
				if x.B[i] != y.B[i] {
					return fmt.Sprintf("column %d row %d: %v vs %v", j, i, x.B[i], y.B[i])
				}
			default:
				if x.I64[i] != y.I64[i] {
					return fmt.Sprintf("column %d row %d: %d vs %d", j, i, x.I64[i], y.I64[i])
				}
			}
		}
	}
	return ""
}

// TestFusedAggMatchesInterp: filter -> project -> groupby_agg pipelines
// fused into one loop equal the interpreter (floats within 1e-12: the loop
// sums in row order, pandas pairwise/Kahan).
func TestFusedAggMatchesInterp(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	for _, c := range aggCases {
		for _, n := range []int{0, 1, 999, lower.Morsel*2 + 5} {
			f := aggFrame(rand.New(rand.NewSource(int64(n))), n)
			want, err := interp.RunAny(context.Background(), buildAgg(t, c), []any{f})
			if err != nil {
				t.Fatalf("%s: interp: %v", c.name, err)
			}
			for _, native := range []bool{false, true} {
				if native && ccErr != nil {
					continue
				}
				g := buildAgg(t, c)
				rep, err := lower.Fuse(g, lower.Options{Codegen: native, NoCodegenWhy: "test", MinRows: 1, SyncCompile: true})
				if err != nil {
					t.Fatal(err)
				}
				if c.unfused {
					if strings.Count(g.Print(), "groupby_agg(") != 1 {
						t.Fatalf("%s: the whole frame's float sum fused:\n%s", c.name, g.Print())
					}
				} else if rep.Kernels != 1 {
					t.Fatalf("%s: not fused:\n%s", c.name, g.Print())
				}
				got, err := exec.RunAny(context.Background(), g, []any{f}, exec.Options{})
				if err != nil {
					t.Fatalf("%s n=%d native=%v: %v", c.name, n, native, err)
				}
				tol := 1e-12
				if c.unfused {
					tol = 0 // numpy's pairwise sums, bit for bit
				}
				if d := sameFrame(want[0].(*col.Frame), got[0].(*col.Frame), tol); d != "" {
					t.Errorf("%s n=%d native=%v: %s", c.name, n, native, d)
				}
			}
		}
	}
}

// TestFusedToTensorMatchesInterp: computed feature columns written straight
// into the tensor equal project + to_tensor on the interpreter.
func TestFusedToTensorMatchesInterp(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	build := func(dt string) *ir.Graph {
		g := &ir.Graph{}
		id := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": aggFields}, Loc: "t.py:1"})
		id = g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"exprs": []ir.NamedExpr{
			{Name: "q", Expr: ir.Col("q")},
			{Name: "pd", Expr: ir.Call("mul", ir.Col("p"), ir.Call("sub", ir.LitInt(1), ir.Col("d")))},
			{Name: "big", Expr: ir.Call("gt", ir.Col("p"), ir.LitFloat(500))},
			{Name: "qq", Expr: ir.Call("mul", ir.Col("q"), ir.Col("q"))}}}, Loc: "t.py:2"})
		id = g.Add(&ir.Node{Op: "to_tensor", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"dtype": dt}, Loc: "t.py:3"})
		g.Outputs = []ir.NodeID{id}
		if err := g.Verify(); err != nil {
			t.Fatal(err)
		}
		return g
	}
	for _, dt := range []string{"float32", "float64"} {
		for _, n := range []int{0, 1, 999, lower.Morsel*2 + 5} {
			f := aggFrame(rand.New(rand.NewSource(int64(n))), n)
			want, err := interp.RunAny(context.Background(), build(dt), []any{f})
			if err != nil {
				t.Fatal(err)
			}
			for _, native := range []bool{false, true} {
				if native && ccErr != nil {
					continue
				}
				g := build(dt)
				rep, err := lower.Fuse(g, lower.Options{Codegen: native, NoCodegenWhy: "test", MinRows: 1, SyncCompile: true})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Kernels != 1 || g.Nodes[len(g.Nodes)-1].Op != "fused" {
					t.Fatalf("not fused:\n%s", g.Print())
				}
				got, err := exec.RunAny(context.Background(), g, []any{f}, exec.Options{})
				if err != nil {
					t.Fatalf("%s n=%d native=%v: %v", dt, n, native, err)
				}
				tol := 0.0
				if native {
					tol = 1e-12
				}
				if d := sameTensor(want[0].(*col.Tensor), got[0].(*col.Tensor), tol); d != "" {
					t.Errorf("%s n=%d native=%v: %s", dt, n, native, d)
				}
			}
		}
	}
}

// TestFusedAggSharesBuilders: equal reductions of one value (sum and mean of
// a float column, a repeated sum or max) feed one builder.
func TestFusedAggSharesBuilders(t *testing.T) {
	for _, c := range aggCases {
		if !strings.HasPrefix(c.name, "sum and mean of one float column") {
			continue
		}
		g := buildAgg(t, c)
		if _, err := lower.Fuse(g, lower.Options{NoCodegenWhy: "test", MinRows: 1}); err != nil {
			t.Fatal(err)
		}
		k, ok := g.Nodes[g.Outputs[0]].Attrs["kernel"].(*lower.Kernel)
		if !ok {
			t.Fatalf("not fused:\n%s", g.Print())
		}
		if n := len(k.Loop.Builders); n != 3 { // rows, sum(p), max(p)
			t.Fatalf("%d builders, want 3:\n%s", n, g.Print())
		}
		return
	}
	t.Fatal("case not found")
}
