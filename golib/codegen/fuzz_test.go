package codegen_test

import (
	"context"
	"math"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// pipeline: filter(a > 0.5 and b < 40) -> project(k, r = a * b) ->
// groupby_agg(k: sum(r), size) with user-chosen column names and key text.
func pipeline(a, b, k string) *ir.Graph {
	g := &ir.Graph{}
	src := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": []any{
		map[string]any{"name": a, "type": "float64"}, map[string]any{"name": b, "type": "int64"},
		map[string]any{"name": k, "type": "str"}}}})
	f := g.Add(&ir.Node{Op: "filter", Inputs: []ir.NodeID{src}, Attrs: ir.Attrs{"pred": ir.Call("and",
		ir.Call("gt", ir.Col(a), ir.LitFloat(0.5)), ir.Call("lt", ir.Col(b), ir.LitInt(40)))}})
	p := g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{f}, Attrs: ir.Attrs{"exprs": []ir.NamedExpr{
		{Name: k, Expr: ir.Col(k)}, {Name: a, Expr: ir.Call("mul", ir.Col(a), ir.Col(b))}}}})
	out := g.Add(&ir.Node{Op: "groupby_agg", Inputs: []ir.NodeID{p}, Attrs: ir.Attrs{"keys": []any{k}, "sort": true,
		"dropna": true, "as_index": false, "aggs": []any{map[string]any{"name": b, "col": a, "fn": "sum"},
			map[string]any{"name": "n", "col": "", "fn": "size"}}}})
	g.Outputs = []ir.NodeID{out}
	return g
}

func pipelineData(a, b, k, lit string) *col.Frame {
	n := 300
	av, bv, kv := make([]float64, n), make([]int64, n), make([]string, n)
	for i := range av {
		av[i] = float64(i%17) / 10
		bv[i] = int64(i % 53)
		kv[i] = []string{lit, lit + lit, "plain"}[i%3]
	}
	return &col.Frame{N: n, Names: []string{a, b, k}, Cols: []*col.Column{col.NewFloat64(av), col.NewInt64(bv), col.NewStrings(kv, nil)}}
}

// FuzzHostileText feeds hostile column names and key strings (quotes,
// backslashes, comment markers, newlines, #, NUL, trigraphs, unicode) through
// fusion and the C emitter: the C must not depend on them at all (it is the
// same as for plain names), and the compiled kernel must agree with the
// interpreter. `go test` runs the seed corpus; `go test -fuzz FuzzHostileText`
// explores further.
func FuzzHostileText(f *testing.F) {
	for _, s := range []string{`a"b`, `c\d`, "*/ int x; /*", "\n#include <stdio.h>\n", "nul\x00byte", "ü€😀", "??/", "%s%n", "'", "in0", "t1", "flern_kernel"} {
		f.Add(s, s+"2", s)
	}
	f.Setenv("FLERN_KERNEL_CACHE", f.TempDir())
	plain := pipeline("a", "b", "k")
	if err := plain.Verify(); err != nil {
		f.Fatal(err)
	}
	if _, err := lower.Fuse(plain, lower.Options{}); err != nil {
		f.Fatal(err)
	}
	want, err := codegen.Emit(plain.Nodes[len(plain.Nodes)-1].Attrs["kernel"].(*lower.Kernel).Loop)
	if err != nil {
		f.Fatal(err)
	}
	_, _, ccErr := codegen.Compiler()
	f.Fuzz(func(t *testing.T, a, b, lit string) {
		k := "k" + lit
		if a == "" || b == "" || a == b || a == k || b == k || a == "n" || b == "n" {
			t.Skip()
		}
		g := pipeline(a, b, k)
		if err := g.Verify(); err != nil {
			t.Skip() // names the IR rejects never reach lowering
		}
		if _, err := lower.Fuse(g, lower.Options{Codegen: ccErr == nil, NoCodegenWhy: "no compiler", MinRows: 1, SyncCompile: true}); err != nil {
			t.Fatal(err)
		}
		fused := g.Nodes[len(g.Nodes)-1]
		if fused.Op != "fused" {
			t.Fatalf("not fused:\n%s", g.Print())
		}
		src, err := codegen.Emit(fused.Attrs["kernel"].(*lower.Kernel).Loop)
		if err != nil {
			t.Fatal(err)
		}
		if src != want {
			t.Fatalf("the C depends on user text %q %q %q", a, b, lit)
		}
		data := pipelineData(a, b, k, lit)
		rg := pipeline(a, b, k)
		if err := rg.Verify(); err != nil {
			t.Fatal(err)
		}
		ref, err := interp.RunAny(context.Background(), rg, []any{data})
		if err != nil {
			t.Fatal(err)
		}
		got, err := exec.RunAny(context.Background(), g, []any{data}, exec.Options{})
		if err != nil {
			t.Fatal(err)
		}
		x, y := ref[0].(*col.Frame), got[0].(*col.Frame)
		if x.N != y.N || len(x.Cols) != len(y.Cols) {
			t.Fatalf("shape %d vs %d", x.N, y.N)
		}
		for i := 0; i < x.N; i++ {
			if x.Cols[0].Str(i) != y.Cols[0].Str(i) || math.Abs(x.Cols[1].F64[i]-y.Cols[1].F64[i]) > 1e-9 || x.Cols[2].I64[i] != y.Cols[2].I64[i] {
				t.Fatalf("row %d differs", i)
			}
		}
	})
}
