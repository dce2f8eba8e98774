package exec_test

import (
	"context"
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

// selectFrame is aggFrame plus a float32 column g (with NaN) and a bool b.
func selectFrame(r *rand.Rand, n int) *col.Frame {
	f := aggFrame(r, n)
	g, b := make([]float64, n), make([]bool, n)
	for i := range g {
		g[i] = float64(float32(r.NormFloat64()))
		if r.Intn(30) == 0 {
			g[i] = math.NaN()
		}
		b[i] = r.Intn(3) == 0
	}
	// nullable int64, bool and datetime columns (null slots hold junk values)
	qn, bn, tn := make([]int64, n), make([]bool, n), make([]int64, n)
	vq, vb, vt := col.NewBitmap(n, true), col.NewBitmap(n, true), col.NewBitmap(n, true)
	for i := 0; i < n; i++ {
		qn[i], bn[i], tn[i] = r.Int63n(20)-10, r.Intn(2) == 0, 757382400000000+r.Int63n(1000)*86400000000
		if r.Intn(6) == 0 {
			col.SetBit(vq, i, false)
		}
		if r.Intn(5) == 0 {
			col.SetBit(vb, i, false)
		}
		if r.Intn(4) == 0 {
			col.SetBit(vt, i, false)
		}
	}
	f.Names = append(f.Names, "g", "b", "qn", "bn", "tn")
	f.Cols = append(f.Cols, &col.Column{Type: ir.Float32, N: n, F64: g}, col.NewBool(b),
		&col.Column{Type: ir.Int64, N: n, I64: qn, Valid: vq}, &col.Column{Type: ir.Bool, N: n, B: bn, Valid: vb},
		&col.Column{Type: ir.DatetimeUS, N: n, I64: tn, Valid: vt})
	return f
}

var selectFields = append(append([]any{}, aggFields...),
	map[string]any{"name": "g", "type": "float32"}, map[string]any{"name": "b", "type": "bool"},
	map[string]any{"name": "qn", "type": "int64", "nullable": true}, map[string]any{"name": "bn", "type": "bool", "nullable": true},
	map[string]any{"name": "tn", "type": "datetime64[us]", "nullable": true})

// weak marks argument k of e as a Python scalar (numpy's weak promotion).
func weak(e *ir.Expr, k int) *ir.Expr {
	e.Opts = map[string]any{"scalar": float64(k)}
	return e
}

type selectStep struct {
	pred    *ir.Expr       // a filter
	project []ir.NamedExpr // or a project
}

// TestFusedSelectMatchesInterp: filter/project chains without an
// aggregate, fused into one compacting loop (strings, nullable strings and
// the index gathered at the selected rows), equal the interpreter with the
// Go evaluator and natively, from no rows to several morsels.
func TestFusedSelectMatchesInterp(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	cases := []struct {
		name  string
		steps []selectStep
	}{
		{"filter then assign", []selectStep{
			{pred: ir.Call("gt", ir.Col("p"), ir.LitFloat(500))},
			{project: []ir.NamedExpr{{Name: "k1", Expr: ir.Col("k1")}, {Name: "q", Expr: ir.Col("q")},
				{Name: "c", Expr: ir.Call("add", ir.Call("mul", ir.Col("p"), ir.LitFloat(2)), ir.Col("d"))},
				{Name: "e", Expr: ir.Call("mul", ir.Col("q"), ir.Col("q"))}, {Name: "big", Expr: ir.Call("gt", ir.Col("d"), ir.LitFloat(0.05))}}}}},
		{"project, filter on a computed column, project", []selectStep{
			{project: []ir.NamedExpr{{Name: "x", Expr: ir.Call("sub", ir.Col("p"), ir.Col("d"))}, {Name: "k2", Expr: ir.Col("k2")}, {Name: "q", Expr: ir.Col("q")}}},
			{pred: ir.Call("and", ir.Call("gt", ir.Col("x"), ir.LitFloat(100)), ir.Call("lt", ir.Col("q"), ir.LitInt(40)))},
			{project: []ir.NamedExpr{{Name: "k2", Expr: ir.Col("k2")}, {Name: "x", Expr: ir.Col("x")}, {Name: "y", Expr: ir.Call("mul", ir.Col("x"), ir.LitInt(2))}}}}},
		{"float32 column, weak scalars", []selectStep{
			{pred: weak(ir.Call("gt", ir.Col("g"), ir.LitFloat(0.1)), 1)},
			{project: []ir.NamedExpr{{Name: "g", Expr: ir.Col("g")}, {Name: "h", Expr: weak(ir.Call("mul", ir.Col("g"), ir.LitFloat(2.7)), 1)},
				{Name: "s", Expr: ir.Call("add", ir.Col("g"), ir.Col("g"))}, {Name: "m", Expr: ir.Call("neg", ir.Col("g"))},
				{Name: "gp", Expr: ir.Call("mul", ir.Col("g"), ir.Col("p"))}, {Name: "gb", Expr: ir.Call("add", ir.Col("g"), ir.Col("b"))}}}}},
		{"nothing selected", []selectStep{
			{pred: ir.Call("gt", ir.Col("q"), ir.LitInt(math.MaxInt64))},
			{project: []ir.NamedExpr{{Name: "k1", Expr: ir.Col("k1")}, {Name: "c", Expr: ir.Call("truediv", ir.Col("q"), ir.LitInt(3))}}}}},
		{"nullable columns in comparisons and logic, gathered unchanged", []selectStep{
			{pred: ir.Call("or", ir.Call("and", ir.Col("bn"), ir.Call("ge", ir.Col("tn"), dt(757382400000000+400*86400000000))),
				ir.Call("not", ir.Call("or", ir.Call("gt", ir.Col("qn"), ir.LitFloat(2.5)), ir.Call("ne", ir.Col("qn"), ir.LitFloat(3)))))},
			{project: []ir.NamedExpr{{Name: "qn", Expr: ir.Col("qn")}, {Name: "bn", Expr: ir.Col("bn")}, {Name: "tn", Expr: ir.Col("tn")},
				{Name: "c1", Expr: ir.Call("lt", ir.Col("qn"), ir.Col("p"))}, {Name: "c2", Expr: ir.Call("xor", ir.Col("bn"), ir.Col("b"))},
				{Name: "c3", Expr: ir.Call("ne", ir.Col("tn"), ir.Col("ts"))}, {Name: "c4", Expr: ir.Call("le", ir.Col("qn"), ir.Col("g"))}}}}},
		{"bool column predicate, two filters", []selectStep{
			{pred: ir.Col("b")},
			{project: []ir.NamedExpr{{Name: "b", Expr: ir.Col("b")}, {Name: "nb", Expr: ir.Call("not", ir.Col("b"))}, {Name: "ts", Expr: ir.Col("ts")}, {Name: "p", Expr: ir.Col("p")}}},
			{pred: ir.Call("lt", ir.Col("p"), ir.LitFloat(900))}}},
	}
	build := func(steps []selectStep) *ir.Graph {
		g := &ir.Graph{}
		id := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": selectFields}, Loc: "t.py:1"})
		for _, s := range steps {
			if s.pred != nil {
				id = g.Add(&ir.Node{Op: "filter", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"pred": s.pred.Clone()}, Loc: "t.py:2"})
			} else {
				id = g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"exprs": ir.Attrs{"e": s.project}.Clone()["e"]}, Loc: "t.py:3"})
			}
		}
		g.Outputs = []ir.NodeID{id}
		if err := g.Verify(); err != nil {
			t.Fatal(err)
		}
		return g
	}
	for _, c := range cases {
		for _, n := range []int{0, 1, 999, lower.Morsel*2 + 5} {
			f := selectFrame(rand.New(rand.NewSource(int64(n))), n)
			want, err := interp.RunAny(context.Background(), build(c.steps), []any{f})
			if err != nil {
				t.Fatalf("%s: interp: %v", c.name, err)
			}
			for _, native := range []bool{false, true} {
				if native && ccErr != nil {
					continue
				}
				g := build(c.steps)
				rep, err := lower.Fuse(g, lower.Options{Codegen: native, NoCodegenWhy: "test", MinRows: 1, SyncCompile: true})
				if err != nil {
					t.Fatal(err)
				}
				if p := g.Print(); rep.Kernels != 1 || rep.Ops != len(c.steps) || !strings.Contains(p, "kernel=select[") {
					t.Fatalf("%s: fused %d kernels of %d ops:\n%s", c.name, rep.Kernels, rep.Ops, p)
				}
				got, err := exec.RunAny(context.Background(), g, []any{f}, exec.Options{})
				if err != nil {
					t.Fatalf("%s n=%d native=%v: %v", c.name, n, native, err)
				}
				if d := sameFrame(want[0].(*col.Frame), got[0].(*col.Frame), 0); d != "" {
					t.Errorf("%s n=%d native=%v: %s", c.name, n, native, d)
				}
			}
		}
	}
}

// TestSelectNotFused: chains the loop would not run as the interpreter does
// stay unfused: a nullable bool column as the predicate (the interpreter
// raises), arithmetic on a nullable column, an int/int comparison reading
// a nullable column's null slots, no project, no filter.
func TestSelectNotFused(t *testing.T) {
	cases := map[string][]selectStep{
		"nullable bool predicate": {{pred: ir.Col("bn")}, {project: []ir.NamedExpr{{Name: "q", Expr: ir.Col("q")}}}},
		"arithmetic on a nullable column": {{pred: ir.Col("b")},
			{project: []ir.NamedExpr{{Name: "x", Expr: ir.Call("add", ir.Col("qn"), ir.LitInt(1))}}}},
		"nullable int vs int": {{pred: ir.Call("gt", ir.Col("qn"), ir.Col("q"))}, {project: []ir.NamedExpr{{Name: "q", Expr: ir.Col("q")}}}},
		"filter only":         {{pred: ir.Col("b")}},
		"project only":        {{project: []ir.NamedExpr{{Name: "x", Expr: ir.Call("mul", ir.Col("p"), ir.Col("d"))}}}},
	}
	for name, steps := range cases {
		g := &ir.Graph{}
		id := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": selectFields}, Loc: "t.py:1"})
		for _, s := range steps {
			if s.pred != nil {
				id = g.Add(&ir.Node{Op: "filter", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"pred": s.pred.Clone()}, Loc: "t.py:2"})
			} else {
				id = g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"exprs": ir.Attrs{"e": s.project}.Clone()["e"]}, Loc: "t.py:3"})
			}
		}
		g.Outputs = []ir.NodeID{id}
		if err := g.Verify(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep, err := lower.Fuse(g, lower.Options{NoCodegenWhy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Kernels != 0 {
			t.Errorf("%s: fused:\n%s", name, g.Print())
		}
	}
}

// TestFusedFilterToTensorMatchesInterp: filter -> project -> to_tensor
// writes the selected rows' features straight into the tensor (a
// compacting strided loop).
func TestFusedFilterToTensorMatchesInterp(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	build := func(dt string) *ir.Graph {
		g := &ir.Graph{}
		id := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": selectFields}, Loc: "t.py:1"})
		id = g.Add(&ir.Node{Op: "filter", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"pred": ir.Call("and",
			ir.Call("gt", ir.Col("p"), ir.LitFloat(300)), ir.Call("not", ir.Col("bn")))}, Loc: "t.py:2"})
		id = g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"exprs": []ir.NamedExpr{
			{Name: "q", Expr: ir.Col("q")}, {Name: "g", Expr: ir.Col("g")},
			{Name: "pd", Expr: ir.Call("mul", ir.Col("p"), ir.Call("sub", ir.LitInt(1), ir.Col("d")))},
			{Name: "big", Expr: ir.Call("gt", ir.Col("p"), ir.LitFloat(500))}}}, Loc: "t.py:3"})
		id = g.Add(&ir.Node{Op: "to_tensor", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"dtype": dt}, Loc: "t.py:4"})
		g.Outputs = []ir.NodeID{id}
		if err := g.Verify(); err != nil {
			t.Fatal(err)
		}
		return g
	}
	for _, dt := range []string{"float32", "float64"} {
		for _, n := range []int{0, 1, 999, lower.Morsel*2 + 5} {
			f := selectFrame(rand.New(rand.NewSource(int64(n))), n)
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
				if rep.Kernels != 1 || !strings.Contains(g.Print(), "to_tensor[filter project to_tensor]") {
					t.Fatalf("not fused:\n%s", g.Print())
				}
				got, err := exec.RunAny(context.Background(), g, []any{f}, exec.Options{})
				if err != nil {
					t.Fatalf("%s n=%d native=%v: %v", dt, n, native, err)
				}
				if d := sameTensor(want[0].(*col.Tensor), got[0].(*col.Tensor), 0); d != "" {
					t.Errorf("%s n=%d native=%v: %s", dt, n, native, d)
				}
			}
		}
	}
}
