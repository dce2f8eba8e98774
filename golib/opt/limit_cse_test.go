package opt_test

import (
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestLimit(t *testing.T) {
	sortB := ir.Attrs{"by": []any{"b", "f"}, "ascending": []any{false, true}, "na_position": "first"}
	topk := func(n float64) ir.Attrs {
		a := sortB.Clone()
		a["n"] = n
		return a
	}
	slice := func(start, stop any) ir.Attrs { return ir.Attrs{"start": start, "stop": stop} }
	runPlanCases(t, []planCase{
		{name: "sort then head is topk", passes: []string{"limit"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("slice", slice(nil, float64(3)), b.add("sort", sortB, src(b))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("topk", topk(3), src(b)))
			}},
		{name: "head(0) and start 0", passes: []string{"limit"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("slice", slice(float64(0), float64(0)), b.add("sort", sortB, src(b))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("topk", topk(0), src(b)))
			}},
		{name: "tail, negative and offset slices stay", passes: []string{"limit"},
			before: func() *ir.Graph {
				b := newGraph()
				s := src(b)
				return b.out(b.add("slice", slice(nil, float64(-2)), b.add("sort", sortB, s)),
					b.add("slice", slice(float64(1), float64(3)), b.add("sort", sortB, s)),
					b.add("slice", slice(float64(-3), nil), b.add("sort", sortB, s)))
			}},
		{name: "a sort another node reads stays", passes: []string{"limit"},
			before: func() *ir.Graph {
				b := newGraph()
				s := b.add("sort", sortB, src(b))
				return b.out(s, b.add("slice", slice(nil, float64(2)), s))
			}},
		{name: "limit moves below a project, then into the sort", passes: []string{"limit"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				s := b.add("sort", sortB, src(b))
				p := b.project(s, ne("x", call("add", ir.Col("a"), ir.Col("b"))), ne("s", ir.Col("s")))
				return b.out(b.add("slice", slice(nil, float64(2)), p))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(b.add("topk", topk(2), src(b)), ne("x", call("add", ir.Col("a"), ir.Col("b"))), ne("s", ir.Col("s"))))
			}},
		{name: "not below a project that may raise", passes: []string{"limit"},
			before: func() *ir.Graph {
				b := newGraph()
				p := b.project(src(b), ne("n", castTo(ir.Col("s"), "int64")))
				return b.out(b.add("slice", slice(nil, float64(2)), p))
			}},
		{name: "head of a topk lowers n", passes: []string{"limit"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				s := b.add("slice", slice(nil, float64(4)), b.add("sort", sortB, src(b)))
				return b.out(b.add("slice", slice(nil, float64(2)), s))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("topk", topk(2), src(b)))
			}},
	})
}

func TestCSE(t *testing.T) {
	fakeCSV(t)
	gt := call("gt", ir.Col("mpg"), ir.LitInt(20))
	mean := ir.Attrs{"keys": []any{"origin"}, "aggs": []any{map[string]any{"name": "m", "col": "mpg", "fn": "mean"}}}
	runPlanCases(t, []planCase{
		{name: "a repeated subquery is computed once", passes: []string{"cse"},
			before: func() *ir.Graph {
				b := newGraph()
				g1 := b.add("groupby_agg", mean, b.filter(b.scan("cars.csv"), gt))
				g2 := b.add("groupby_agg", mean, b.filter(b.scan("cars.csv"), gt))
				j := b.add("join", ir.Attrs{"how": "inner", "left_on": []any{"m"}, "right_on": []any{"m"}}, b.add("reset_index", nil, g1), b.add("reset_index", nil, g2))
				return b.out(j)
			},
			after: func() *ir.Graph {
				b := newGraph()
				r := b.add("reset_index", nil, b.add("groupby_agg", mean, b.filter(b.scan("cars.csv"), gt)))
				return b.out(b.add("join", ir.Attrs{"how": "inner", "left_on": []any{"m"}, "right_on": []any{"m"}}, r, r))
			}},
		{name: "different attributes stay apart", passes: []string{"cse"},
			before: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv")
				return b.out(b.filter(s, gt), b.filter(s, call("gt", ir.Col("mpg"), ir.LitFloat(20))))
			}},
		{name: "outputs stay their own nodes", passes: []string{"cse"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(b.scan("cars.csv"), gt), b.filter(b.scan("cars.csv"), gt))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv")
				return b.out(b.filter(s, gt), b.filter(s, gt))
			}},
		{name: "samples are not merged", passes: []string{"cse"},
			before: func() *ir.Graph {
				b := newGraph()
				s := src(b)
				smp := func() ir.NodeID { return b.add("sample", ir.Attrs{"frac": 0.5, "seed": float64(1)}, s) }
				return b.out(b.add("drop_rows", nil, smp(), smp()))
			}},
	})
}

// TestCSEThenPushdown: the merged scan reads the union of the columns.
func TestCSEThenPushdown(t *testing.T) {
	fakeCSV(t)
	runPlanCases(t, []planCase{
		{name: "one scan, union of columns", passes: []string{"cse", "pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.keep(b.scan("cars.csv"), "hp"), b.keep(b.scan("cars.csv"), "name"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv", "name", "hp")
				return b.out(b.keep(s, "hp"), b.keep(s, "name"))
			}},
	})
}
