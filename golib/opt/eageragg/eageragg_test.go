package eageragg

import (
	"strings"
	"testing"

	_ "github.com/flern/flern/golib/frame" // registers the frame ops
	"github.com/flern/flern/golib/ir"
)

func source(g *ir.Graph, input int, fields ...string) ir.NodeID {
	var fs []any
	for _, f := range fields {
		name, typ, _ := strings.Cut(f, ":")
		fs = append(fs, map[string]any{"name": name, "type": typ})
	}
	return g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"fields": fs, "input": float64(input)}})
}

func agg(name, col, fn string) any { return map[string]any{"name": name, "col": col, "fn": fn} }

// build returns L.merge(R, how, lk, rk).groupby(key).agg(aggs), L = (k, a), R = (rk, x, a).
func build(how, lk, rk, key string, dropna bool, aggs ...any) *ir.Graph {
	g := &ir.Graph{}
	l := source(g, 0, "k:int64", "a:int64", "kf:float64")
	r := source(g, 1, "rk:int64", "x:float64", "a:int64", "k:int64")
	j := g.Add(&ir.Node{Op: "join", Inputs: []ir.NodeID{l, r}, Attrs: ir.Attrs{"how": how,
		"left_on": []any{lk}, "right_on": []any{rk}}})
	gb := g.Add(&ir.Node{Op: "groupby_agg", Inputs: []ir.NodeID{j}, Attrs: ir.Attrs{"keys": []any{key},
		"dropna": dropna, "sort": true, "as_index": true, "aggs": aggs}})
	g.Outputs = []ir.NodeID{gb}
	return g
}

// build2 is build with the key pairs (k, rk) and (a, a).
func build2(keys ...any) *ir.Graph {
	g := build("inner", "k", "rk", "k_x", true, agg("n", "x", "count"))
	j := g.Node(g.Node(g.Outputs[0]).Inputs[0])
	j.Attrs["left_on"], j.Attrs["right_on"] = []any{"k", "a"}, []any{"rk", "a"}
	g.Node(g.Outputs[0]).Attrs["keys"] = keys
	return g
}

// shared makes the merge of g an output too.
func shared(g *ir.Graph) *ir.Graph {
	g.Outputs = append(g.Outputs, g.Node(g.Outputs[0]).Inputs[0])
	return g
}

func TestRun(t *testing.T) {
	cases := []struct {
		name string
		g    *ir.Graph
		want bool
	}{
		{"left merge, count of a right column", build("left", "k", "rk", "k_x", true, agg("n", "x", "count")), true},
		{"inner merge, size and nunique", build("inner", "k", "rk", "k_x", true, agg("z", "x", "size"), agg("d", "a_y", "nunique")), true},
		{"a suffixed right column", build("left", "k", "rk", "k_x", true, agg("n", "k_y", "count")), true},
		{"sum of floats: additions would be reordered", build("left", "k", "rk", "k_x", true, agg("t", "x", "sum")), false},
		{"min takes the merge's types", build("left", "k", "rk", "k_x", true, agg("t", "x", "min")), false},
		{"count and nunique of a left column", build("inner", "k", "rk", "k_x", true, agg("n", "a_x", "count"), agg("u", "a_x", "nunique")), true},
		{"a key column", build("left", "k", "rk", "k_x", true, agg("n", "k_x", "count")), false},
		{"grouped by another column", build("left", "k", "rk", "a_x", true, agg("n", "x", "count")), false},
		{"null keys kept (dropna=False)", build("left", "k", "rk", "k_x", false, agg("n", "x", "count")), false},
		{"keys of different types", build("left", "kf", "rk", "kf", true, agg("n", "x", "count")), false},
		{"two key pairs, grouped in another order", build2("a", "k_x"), true},
		{"two key pairs, grouped by one", build2("k_x"), false},
		{"the merge read twice", shared(build("left", "k", "rk", "k_x", true, agg("n", "x", "count"))), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.g.Verify(); err != nil {
				t.Fatalf("the test graph: %v", err)
			}
			before := c.g.Node(c.g.Outputs[0]).Schema
			changed, err := Run(c.g)
			if err != nil {
				t.Fatal(err)
			}
			if changed != c.want {
				t.Fatalf("changed = %v, want %v:\n%s", changed, c.want, c.g.Print())
			}
			if err := c.g.Verify(); err != nil {
				t.Fatalf("after the pass: %v\n%s", err, c.g.Print())
			}
			if after := c.g.Node(c.g.Outputs[0]).Schema; after.String() != before.String() {
				t.Fatalf("output schema %s, want %s", after, before)
			}
			if c.want {
				p := c.g.Print()
				for _, op := range []string{"join(", "project("} {
					if strings.Count(p, op) != 1 {
						t.Fatalf("want one %s in\n%s", op, p)
					}
				}
				if strings.Count(p, "groupby_agg(") != 3 {
					t.Fatalf("want three groupings in\n%s", p)
				}
			}
		})
	}
}
