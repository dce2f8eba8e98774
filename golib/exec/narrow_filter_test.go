package exec_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// TestFilterNarrowedByProject: a filter whose readers are all projects of
// plain columns (or groupbys) gathers only the columns they read; the results (values, index
// labels, column order, renames) equal the interpreter's, and a filter
// with other readers or read by a computing project is unchanged.
func TestFilterNarrowedByProject(t *testing.T) {
	pred := func() *ir.Expr {
		return ir.Call("and", ir.Call("ne", ir.Col("k1"), &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.String, S: "A"}}), ir.Call("lt", ir.Col("q"), ir.LitInt(30)))
	}
	sel := func(names ...string) []ir.NamedExpr {
		var out []ir.NamedExpr
		for i := 0; i+1 < len(names); i += 2 {
			out = append(out, ir.NamedExpr{Name: names[i], Expr: ir.Col(names[i+1])})
		}
		return out
	}
	cases := []struct {
		name    string
		project []ir.NamedExpr
		other   []ir.NamedExpr // a second reading project, also an output
		second  bool           // the filter is also a graph output
		group   bool           // a groupby of k1 summing p reads the filter too (an output)
	}{
		{name: "select two, renamed and reordered", project: sel("pp", "p", "q", "q")},
		{name: "select a nullable string read twice", project: sel("a", "k2", "b", "k2")},
		{name: "select every column (nothing to drop)", project: sel("k1", "k1", "k2", "k2", "q", "q", "p", "p", "d", "d", "ts", "ts")},
		{name: "computing project", project: []ir.NamedExpr{{Name: "x", Expr: ir.Call("mul", ir.Col("p"), ir.Col("d"))}}},
		{name: "filter also an output", project: sel("q", "q"), second: true},
		{name: "two selecting readers: the union", project: sel("pp", "p", "q", "q"), other: sel("k2", "k2", "q2", "q")},
		{name: "a selecting and a computing reader", project: sel("q", "q"), other: []ir.NamedExpr{{Name: "x", Expr: ir.Call("mul", ir.Col("p"), ir.Col("d"))}}},
		{name: "a selecting reader and a groupby", project: sel("q", "q"), group: true},
	}
	for _, c := range cases {
		for _, n := range []int{0, 1, 999, 200_000} {
			f := aggFrame(rand.New(rand.NewSource(int64(n)+3)), n)
			build := func() *ir.Graph {
				g := &ir.Graph{}
				id := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": aggFields}, Loc: "t.py:1"})
				fid := g.Add(&ir.Node{Op: "filter", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"pred": pred()}, Loc: "t.py:2"})
				pid := g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{fid}, Attrs: ir.Attrs{"exprs": ir.Attrs{"e": c.project}.Clone()["e"]}, Loc: "t.py:3"})
				g.Outputs = []ir.NodeID{pid}
				if c.other != nil {
					g.Outputs = append(g.Outputs, g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{fid}, Attrs: ir.Attrs{"exprs": ir.Attrs{"e": c.other}.Clone()["e"]}, Loc: "t.py:4"}))
				}
				if c.group {
					g.Outputs = append(g.Outputs, g.Add(&ir.Node{Op: "groupby_agg", Inputs: []ir.NodeID{fid}, Attrs: ir.Attrs{"keys": []any{"k1"}, "sort": true, "as_index": false,
						"aggs": []any{map[string]any{"name": "s", "col": "p", "fn": "sum"}, map[string]any{"name": "n", "col": "", "fn": "size"}}}, Loc: "t.py:5"}))
				}
				if c.second {
					g.Outputs = append(g.Outputs, fid)
				}
				if err := g.Verify(); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				return g
			}
			want, err := interp.RunAny(context.Background(), build(), []any{f})
			if err != nil {
				t.Fatalf("%s: interp: %v", c.name, err)
			}
			got, err := exec.RunAny(context.Background(), build(), []any{f}, exec.Options{})
			if err != nil {
				t.Fatalf("%s n=%d: %v", c.name, n, err)
			}
			for i := range want {
				label := fmt.Sprintf("%s n=%d output %d", c.name, n, i)
				if d := sameFrame(want[i].(*col.Frame), got[i].(*col.Frame), 0); d != "" {
					t.Errorf("%s: %s", label, d)
				}
			}
		}
	}
}
