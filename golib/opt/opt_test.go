package opt_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt"
	"github.com/flern/flern/golib/opt/dce"
	"github.com/flern/flern/golib/opt/fold"
)

// Pass tests compare two plans (DuckDB style): the plan a pass makes of a
// graph must print exactly as a second, hand-written graph does after the
// required passes alone. Where the interpreter implements every op of a
// plan, both plans are also run on the same data and must agree.

// builder makes graphs tersely.
type builder struct{ g *ir.Graph }

func newGraph() *builder { return &builder{g: &ir.Graph{}} }

func (b *builder) add(op string, attrs ir.Attrs, inputs ...ir.NodeID) ir.NodeID {
	return b.g.Add(&ir.Node{Op: op, Attrs: attrs, Inputs: inputs})
}

// source adds an in-memory input; fields are "name:type", with a trailing
// "?" for nullable.
func (b *builder) source(input int, fields ...string) ir.NodeID {
	var fs []any
	for _, f := range fields {
		name, t, _ := strings.Cut(f, ":")
		nullable := strings.HasSuffix(t, "?")
		fs = append(fs, map[string]any{"name": name, "type": strings.TrimSuffix(t, "?"), "nullable": nullable})
	}
	return b.add("source", ir.Attrs{"input": float64(input), "fields": fs})
}

func (b *builder) scan(path string, columns ...string) ir.NodeID {
	a := ir.Attrs{"path": path}
	if columns != nil {
		cs := make([]any, len(columns))
		for i, c := range columns {
			cs[i] = c
		}
		a["columns"] = cs
	}
	return b.add("scan_csv", a)
}

func (b *builder) project(in ir.NodeID, exprs ...ir.NamedExpr) ir.NodeID {
	if exprs == nil {
		exprs = []ir.NamedExpr{}
	}
	return b.add("project", ir.Attrs{"exprs": exprs}, in)
}

// keep projects plain columns.
func (b *builder) keep(in ir.NodeID, names ...string) ir.NodeID {
	var exprs []ir.NamedExpr
	for _, n := range names {
		exprs = append(exprs, ne(n, ir.Col(n)))
	}
	return b.project(in, exprs...)
}

func (b *builder) filter(in ir.NodeID, pred *ir.Expr) ir.NodeID {
	return b.add("filter", ir.Attrs{"pred": pred}, in)
}

func (b *builder) out(ids ...ir.NodeID) *ir.Graph {
	b.g.Outputs = ids
	return b.g
}

func ne(name string, e *ir.Expr) ir.NamedExpr { return ir.NamedExpr{Name: name, Expr: e} }

func call(fn string, args ...*ir.Expr) *ir.Expr { return ir.Call(fn, args...) }

func castTo(x *ir.Expr, dtype string) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{x}, Opts: map[string]any{"dtype": dtype}}
}

var optional = func() []string {
	var out []string
	for _, p := range opt.Passes {
		if !p.Required {
			out = append(out, p.Name)
		}
	}
	return out
}()

// optimize verifies g and runs the pipeline with only the named optional
// passes enabled.
func optimize(t *testing.T, g *ir.Graph, passes ...string) *opt.Report {
	t.Helper()
	if err := g.Verify(); err != nil {
		t.Fatalf("input plan does not verify: %v\n%s", err, g.Print())
	}
	on := map[string]bool{}
	for _, p := range passes {
		on[p] = true
	}
	disabled := map[string]bool{}
	for _, p := range optional {
		if !on[p] {
			disabled[p] = true
		}
	}
	rep, err := opt.Optimize(g, opt.Options{Disabled: disabled})
	if err != nil {
		t.Fatalf("optimize(%v): %v\n%s", passes, err, g.Print())
	}
	return rep
}

func changed(rep *opt.Report, pass string) bool {
	for _, r := range rep.Runs {
		if r.Name == pass {
			return r.Changed
		}
	}
	return false
}

type planCase struct {
	name   string
	passes []string                    // optional passes to run ("fold", "dce", "pushdown")
	before func() *ir.Graph            // the plan to optimize
	after  func() *ir.Graph            // the plan it must become; nil: unchanged
	data   func() []*col.Frame         // inputs for running both plans (nil: no run)
	check  func(*testing.T, *ir.Graph) // extra assertions on the optimized plan
}

func runPlanCases(t *testing.T, cases []planCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := c.before()
			rep := optimize(t, g, c.passes...)
			got := g.Print()
			wantG := c.after
			if wantG == nil {
				wantG = c.before
			}
			w := wantG()
			optimize(t, w)
			want := w.Print()
			if got != want {
				t.Errorf("plan after %v:\n%s\nwant:\n%s", c.passes, got, want)
			}
			anyChanged := false
			for _, p := range c.passes {
				anyChanged = anyChanged || changed(rep, p)
			}
			if anyChanged != (c.after != nil) {
				t.Errorf("passes %v report changed=%v, want %v\n%s", c.passes, anyChanged, c.after != nil, rep)
			}
			if c.check != nil {
				c.check(t, g)
			}
			// Running the pass again must change nothing.
			again := optimize(t, g, c.passes...)
			for _, p := range c.passes {
				if changed(again, p) {
					t.Errorf("pass %s is not idempotent: second run changed\n%s", p, g.Print())
				}
			}
			if c.data != nil {
				ref := c.before()
				optimize(t, ref)
				compareRuns(t, ref, g, c.data())
			}
		})
	}
}

// sampleData matches the sources "a:int64, b:int64, f:float64, s:str,
// p:bool, q:bool?" used below.
func sampleData() []*col.Frame {
	valid := col.NewBitmap(5, true)
	col.SetBit(valid, 2, false)
	q := col.NewBool([]bool{true, false, false, true, false})
	q.Valid = valid
	return []*col.Frame{{N: 5,
		Names: []string{"a", "b", "f", "s", "p", "q"},
		Cols: []*col.Column{
			col.NewInt64([]int64{1, -2, 3, math.MaxInt64, 0}),
			col.NewInt64([]int64{10, 20, 30, 40, 50}),
			col.NewFloat64([]float64{0.5, math.Copysign(0, -1), math.NaN(), math.Inf(1), -3}),
			col.NewStrings([]string{"x", "y", "", "ß", "1"}, nil),
			col.NewBool([]bool{true, false, true, true, false}),
			q,
		},
	}}
}

func joinData() []*col.Frame {
	return []*col.Frame{
		{N: 4, Names: []string{"k", "v", "w", "lk"}, Cols: []*col.Column{
			col.NewInt64([]int64{1, 2, 2, 3}), col.NewInt64([]int64{10, 20, 21, 30}),
			col.NewStrings([]string{"a", "b", "c", "d"}, nil), col.NewInt64([]int64{0, 0, 0, 0})}},
		{N: 3, Names: []string{"k", "v", "u", "rk"}, Cols: []*col.Column{
			col.NewInt64([]int64{2, 3, 4}), col.NewFloat64([]float64{0.5, 1.5, 2.5}),
			col.NewStrings([]string{"x", "y", "z"}, nil), col.NewInt64([]int64{1, 1, 1})}},
	}
}

var sampleFields = []string{"a:int64", "b:int64", "f:float64", "s:str", "p:bool", "q:bool?"}

func src(b *builder) ir.NodeID { return b.source(0, sampleFields...) }

func TestFold(t *testing.T) {
	lt := call("lt", ir.LitInt(1), ir.LitInt(2))
	runPlanCases(t, []planCase{
		{name: "x+0 is x", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b), ne("y", call("add", ir.Col("a"), ir.LitInt(0))), ne("f", call("mul", ir.LitInt(1), ir.Col("f")))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b), ne("y", ir.Col("a")), ne("f", ir.Col("f"))))
			}},
		{name: "int plus float zero keeps its float type", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b), ne("y", call("add", ir.Col("a"), ir.LitFloat(0))), ne("z", call("truediv", ir.Col("a"), ir.LitInt(1)))))
			}},
		{name: "float plus zero keeps -0.0 rule", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b), ne("y", call("add", ir.Col("f"), ir.LitInt(0))), ne("z", call("sub", ir.Col("f"), ir.LitInt(0)))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b), ne("y", call("add", ir.Col("f"), ir.LitInt(0))), ne("z", ir.Col("f"))))
			}},
		{name: "literal arithmetic", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b),
					ne("x", call("add", ir.Col("a"), call("mul", ir.LitInt(2), ir.LitInt(3)))),
					ne("w", call("add", ir.LitInt(math.MaxInt64), ir.LitInt(1))),
					ne("d", call("floordiv", ir.LitInt(-7), ir.LitInt(2))),
					ne("z", call("floordiv", ir.LitInt(1), ir.LitInt(0))), // raises: kept
					ne("n", call("eq", ir.LitFloat(math.NaN()), ir.LitFloat(math.NaN()))),
					ne("s", call("add", ir.LitString("a"), ir.LitString("b")))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b),
					ne("x", call("add", ir.Col("a"), ir.LitInt(6))),
					ne("w", ir.LitInt(math.MinInt64)),
					ne("d", ir.LitInt(-4)),
					ne("z", call("floordiv", ir.LitInt(1), ir.LitInt(0))),
					ne("n", ir.LitBool(false)),
					ne("s", ir.LitString("ab"))))
			}},
		{name: "boolean identities", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b),
					ne("p1", call("not", call("not", ir.Col("p")))),
					ne("p2", call("and", ir.Col("p"), ir.LitBool(true))),
					ne("p3", call("or", ir.LitBool(false), ir.Col("p"))),
					ne("f1", call("and", ir.Col("q"), ir.LitBool(false))),
					ne("q1", call("not", call("not", ir.Col("q")))),                                                  // nullable: kept
					ne("r", call("and", call("eq", castTo(ir.Col("s"), "int64"), ir.LitInt(1)), ir.LitBool(false))))) // may raise: kept
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b),
					ne("p1", ir.Col("p")),
					ne("p2", ir.Col("p")),
					ne("p3", ir.Col("p")),
					ne("f1", ir.LitBool(false)),
					ne("q1", call("not", call("not", ir.Col("q")))),
					ne("r", call("and", call("eq", castTo(ir.Col("s"), "int64"), ir.LitInt(1)), ir.LitBool(false)))))
			}},
		{name: "predicate keeps nullability (a null in a mask raises)", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(src(b), call("not", call("not", ir.Col("q")))))
			}}, // after == nil: unchanged
		{name: "filter True is removed", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.keep(b.filter(src(b), call("and", lt, ir.LitBool(true))), "a", "s"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.keep(src(b), "a", "s"))
			}},
		{name: "filter True as output", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(src(b), ir.LitBool(true)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(src(b))
			}},
		{name: "filter False stays", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(src(b), ir.LitBool(false)))
			}},
		{name: "identity project is removed", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				s := src(b)
				return b.out(b.keep(b.keep(s, sampleFieldNames()...), "b", "a"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.keep(src(b), "b", "a"))
			}},
		{name: "reordering project stays", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.keep(b.source(0, "a:int64", "b:int64"), "b", "a"))
			}},
		{name: "projects merge", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("x", call("add", ir.Col("a"), ir.LitInt(1))), ne("c", ir.LitInt(5)), ne("t", ir.Col("s")), ne("u", call("str_upper", ir.Col("s"))))
				return b.out(b.project(p1, ne("y", call("mul", ir.Col("x"), ir.Col("c"))), ne("k", call("add", ir.Col("c"), ir.LitInt(1))), ne("t", ir.Col("t")), ne("t2", ir.Col("t"))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b), ne("y", call("mul", call("add", ir.Col("a"), ir.LitInt(1)), ir.LitInt(5))), ne("k", ir.LitInt(6)), ne("t", ir.Col("s")), ne("t2", ir.Col("s"))))
			}},
		{name: "merge chains to a fixed point", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("x", ir.Col("a")))
				p2 := b.project(p1, ne("y", call("add", ir.Col("x"), ir.LitInt(0))))
				p3 := b.project(p2, ne("z", ir.Col("y")))
				return b.out(b.filter(p3, call("gt", ir.Col("z"), ir.LitInt(0))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(b.project(src(b), ne("z", ir.Col("a"))), call("gt", ir.Col("z"), ir.LitInt(0))))
			}},
		{name: "no merge when an expression would be computed twice", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("x", call("add", ir.Col("a"), ir.Col("b"))))
				return b.out(b.project(p1, ne("y", call("mul", ir.Col("x"), ir.Col("x")))))
			}},
		{name: "no merge through a shared project", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("x", call("add", ir.Col("a"), ir.Col("b"))))
				return b.out(p1, b.project(p1, ne("y", call("neg", ir.Col("x")))))
			}},
		{name: "renames merge through a shared project", passes: []string{"fold"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("x", call("add", ir.Col("a"), ir.Col("b"))), ne("r", ir.Col("s")))
				return b.out(p1, b.project(p1, ne("r2", ir.Col("r"))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := src(b)
				p1 := b.project(s, ne("x", call("add", ir.Col("a"), ir.Col("b"))), ne("r", ir.Col("s")))
				return b.out(p1, b.project(s, ne("r2", ir.Col("s"))))
			}},
		{name: "no merge that drops a raising expression", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("n", castTo(ir.Col("s"), "int64")), ne("a", ir.Col("a")))
				return b.out(b.project(p1, ne("a", ir.Col("a"))))
			}},
		{name: "merge keeps a single raising expression", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("n", castTo(ir.Col("s"), "int64")), ne("a", ir.Col("a")))
				b.g.Node(p1).Loc = "user.py:3"
				return b.out(b.project(p1, ne("m", call("add", ir.Col("n"), ir.Col("a")))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(src(b), ne("m", call("add", castTo(ir.Col("s"), "int64"), ir.Col("a")))))
			},
			check: func(t *testing.T, g *ir.Graph) {
				if loc := g.Node(g.Outputs[0]).Loc; loc != "user.py:3" {
					t.Errorf("merged project is at %q, want the raising expression's line user.py:3", loc)
				}
			}},
		{name: "no merge that reorders two raising expressions", passes: []string{"fold"},
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("n", castTo(ir.Col("s"), "int64")), ne("s", ir.Col("s")))
				return b.out(b.project(p1, ne("m", call("add", ir.Col("n"), ir.LitInt(1))), ne("k", castTo(ir.Col("s"), "float64"))))
			}},
	})
}

func sampleFieldNames() []string {
	out := make([]string, len(sampleFields))
	for i, f := range sampleFields {
		out[i], _, _ = strings.Cut(f, ":")
	}
	return out
}

func TestDCE(t *testing.T) {
	runPlanCases(t, []planCase{
		{name: "unused project entries are dropped", passes: []string{"dce"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("x", call("add", ir.Col("a"), ir.LitInt(1))), ne("y", call("neg", ir.Col("b"))), ne("s", ir.Col("s")))
				return b.out(b.project(p1, ne("x2", call("mul", ir.Col("x"), ir.Col("x")))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("x", call("add", ir.Col("a"), ir.LitInt(1))))
				return b.out(b.project(p1, ne("x2", call("mul", ir.Col("x"), ir.Col("x")))))
			}},
		{name: "outputs keep every column", passes: []string{"dce"},
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("x", ir.Col("a")), ne("y", ir.Col("b")))
				return b.out(p1, b.project(p1, ne("x", ir.Col("x"))))
			}},
		{name: "filter needs its predicate's columns", passes: []string{"dce"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.keep(src(b), "a", "b", "s", "f")
				f := b.filter(p1, call("gt", ir.Col("b"), ir.LitInt(15)))
				return b.out(b.keep(f, "a"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				p1 := b.keep(src(b), "a", "b")
				f := b.filter(p1, call("gt", ir.Col("b"), ir.LitInt(15)))
				return b.out(b.keep(f, "a"))
			}},
		{name: "chains prune transitively", passes: []string{"dce"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.keep(src(b), "a", "b", "s")
				p2 := b.project(p1, ne("x", ir.Col("a")), ne("y", ir.Col("s")))
				return b.out(b.project(p2, ne("z", ir.Col("x"))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				p1 := b.keep(src(b), "a")
				p2 := b.project(p1, ne("x", ir.Col("a")))
				return b.out(b.project(p2, ne("z", ir.Col("x"))))
			}},
		{name: "nothing needed leaves an empty project", passes: []string{"dce"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.keep(src(b), "a", "b")
				return b.out(b.project(p1, ne("one", ir.LitInt(1))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b))
				return b.out(b.project(p1, ne("one", ir.LitInt(1))))
			}},
		{name: "raising entries are kept", passes: []string{"dce"},
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.project(src(b), ne("a", ir.Col("a")), ne("n", castTo(ir.Col("s"), "int64")))
				return b.out(b.keep(p1, "a"))
			}},
		{name: "groupby needs keys and aggregated columns", passes: []string{"dce"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.keep(src(b), "a", "b", "s", "f")
				return b.out(b.add("groupby_agg", ir.Attrs{"keys": []any{"s"}, "aggs": []any{
					map[string]any{"name": "tot", "col": "b", "fn": "sum"},
					map[string]any{"name": "n", "col": "", "fn": "size"}}}, p1))
			},
			after: func() *ir.Graph {
				b := newGraph()
				p1 := b.keep(src(b), "b", "s")
				return b.out(b.add("groupby_agg", ir.Attrs{"keys": []any{"s"}, "aggs": []any{
					map[string]any{"name": "tot", "col": "b", "fn": "sum"},
					map[string]any{"name": "n", "col": "", "fn": "size"}}}, p1))
			}},
		{name: "join maps needs to its sides and keeps suffixed names", passes: []string{"dce"}, data: joinData,
			before: func() *ir.Graph {
				b := newGraph()
				l := b.keep(b.source(0, "k:int64", "v:int64", "w:str", "lk:int64"), "k", "v", "w", "lk")
				r := b.keep(b.source(1, "k:int64", "v:float64", "u:str", "rk:int64"), "k", "v", "u", "rk")
				j := b.add("join", ir.Attrs{"how": "inner", "left_on": []any{"k"}, "right_on": []any{"k"}}, l, r)
				return b.out(b.keep(j, "k", "v_x", "u"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				l := b.keep(b.source(0, "k:int64", "v:int64", "w:str", "lk:int64"), "k", "v")
				r := b.keep(b.source(1, "k:int64", "v:float64", "u:str", "rk:int64"), "k", "v", "u")
				j := b.add("join", ir.Attrs{"how": "inner", "left_on": []any{"k"}, "right_on": []any{"k"}}, l, r)
				return b.out(b.keep(j, "k", "v_x", "u"))
			}},
		{name: "sort, slice and drop_rows pass needs through", passes: []string{"dce"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				s := src(b)
				p1 := b.keep(s, "a", "b", "s", "f")
				srt := b.add("sort", ir.Attrs{"by": []any{"b"}, "ascending": []any{false}}, p1)
				sl := b.add("slice", ir.Attrs{"start": float64(0), "stop": float64(4)}, srt)
				other := b.keep(b.filter(s, call("gt", ir.Col("a"), ir.LitInt(2))), "f", "p")
				dr := b.add("drop_rows", nil, sl, other)
				return b.out(b.keep(dr, "s"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := src(b)
				p1 := b.keep(s, "b", "s")
				srt := b.add("sort", ir.Attrs{"by": []any{"b"}, "ascending": []any{false}}, p1)
				sl := b.add("slice", ir.Attrs{"start": float64(0), "stop": float64(4)}, srt)
				other := b.project(b.filter(s, call("gt", ir.Col("a"), ir.LitInt(2))))
				dr := b.add("drop_rows", nil, sl, other)
				return b.out(b.keep(dr, "s"))
			}},
		{name: "unknown consumers need everything", passes: []string{"dce"},
			before: func() *ir.Graph {
				b := newGraph()
				p1 := b.keep(src(b), "a", "b", "s")
				return b.out(b.add("describe", nil, p1))
			}},
	})
}

func TestNeeds(t *testing.T) {
	b := newGraph()
	s := src(b)
	p1 := b.keep(s, "a", "b", "s")
	dead := b.keep(s, "f")
	f := b.filter(p1, call("gt", ir.Col("b"), ir.LitInt(0)))
	g := b.out(b.project(f, ne("x", ir.Col("a"))))
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	needs := dce.Needs(g)
	cases := []struct {
		id   ir.NodeID
		want string
	}{{s, "[a b s]"}, {p1, "[a b]"}, {dead, "dead"}, {f, "[a]"}, {g.Outputs[0], "all"}}
	for _, c := range cases {
		n := needs[c.id]
		got := fmt.Sprint(n.Names())
		switch {
		case !n.Live:
			got = "dead"
		case n.All:
			got = "all"
		}
		if got != c.want {
			t.Errorf("needs of %%%d = %s, want %s", c.id, got, c.want)
		}
	}
}

// fakeCSV stands in for the CSV reader's schema sniffing.
func fakeCSV(t *testing.T) {
	old := frame.SniffCSV
	t.Cleanup(func() { frame.SniffCSV = old })
	frame.SniffCSV = func(attrs ir.Attrs) (*ir.Schema, error) {
		switch attrs.Str("path") {
		case "cars.csv":
			return &ir.Schema{Fields: []ir.Field{
				{Name: "name", Type: ir.String}, {Name: "mpg", Type: ir.Float64}, {Name: "hp", Type: ir.Int64},
				{Name: "origin", Type: ir.String, Nullable: true}, {Name: "year", Type: ir.Int64}}}, nil
		}
		return nil, ir.Errorf("IO", "no such file %q", attrs.Str("path"))
	}
}

func TestPushdown(t *testing.T) {
	fakeCSV(t)
	groupby := func(b *builder, in ir.NodeID) ir.NodeID {
		return b.add("groupby_agg", ir.Attrs{"keys": []any{"origin"}, "aggs": []any{map[string]any{"name": "mpg", "col": "mpg", "fn": "mean"}}}, in)
	}
	runPlanCases(t, []planCase{
		{name: "scan reads only what the plan uses", passes: []string{"pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				f := b.filter(b.scan("cars.csv"), call("gt", ir.Col("mpg"), ir.LitInt(20)))
				return b.out(groupby(b, f))
			},
			after: func() *ir.Graph {
				b := newGraph()
				f := b.filter(b.scan("cars.csv", "mpg", "origin"), call("gt", ir.Col("mpg"), ir.LitInt(20)))
				return b.out(groupby(b, f))
			},
			check: func(t *testing.T, g *ir.Graph) {
				if got := g.Node(0).Attrs.Strings("columns"); strings.Join(got, ",") != "mpg,origin" {
					t.Errorf("columns = %v, want file order [mpg origin]", got)
				}
			}},
		{name: "scan as an output keeps everything", passes: []string{"pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv")
				return b.out(s, b.keep(s, "hp"))
			}},
		{name: "shared scan reads the union", passes: []string{"pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv")
				return b.out(b.keep(s, "year"), b.keep(s, "name"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv", "name", "year")
				return b.out(b.keep(s, "year"), b.keep(s, "name"))
			}},
		{name: "no column needed reads none", passes: []string{"pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(b.scan("cars.csv"), ne("one", ir.LitInt(1))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.project(b.scan("cars.csv", []string{}...), ne("one", ir.LitInt(1))))
			},
			check: func(t *testing.T, g *ir.Graph) {
				if cols, ok := g.Node(0).Attrs["columns"].([]any); !ok || cols == nil || len(cols) != 0 {
					t.Errorf("columns = %#v, want an empty, non-nil list", g.Node(0).Attrs["columns"])
				}
				if n := len(g.Node(0).Schema.Fields); n != 0 {
					t.Errorf("scan produces %d columns, want 0", n)
				}
			}},
		{name: "without dce every projected column is read", passes: []string{"pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				p := b.project(b.scan("cars.csv"), ne("x", call("add", ir.Col("hp"), ir.LitInt(1))), ne("y", ir.Col("mpg")))
				return b.out(b.keep(p, "x"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				p := b.project(b.scan("cars.csv", "mpg", "hp"), ne("x", call("add", ir.Col("hp"), ir.LitInt(1))), ne("y", ir.Col("mpg")))
				return b.out(b.keep(p, "x"))
			}},
		{name: "with dce only the used ones", passes: []string{"dce", "pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				p := b.project(b.scan("cars.csv"), ne("x", call("add", ir.Col("hp"), ir.LitInt(1))), ne("y", ir.Col("mpg")))
				return b.out(b.keep(p, "x"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				p := b.project(b.scan("cars.csv", "hp"), ne("x", call("add", ir.Col("hp"), ir.LitInt(1))))
				return b.out(b.keep(p, "x"))
			}},
		{name: "a project the narrowed scan absorbs is bypassed", passes: []string{"pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv")
				p := b.keep(s, "mpg", "origin")
				return b.out(p, b.filter(p, call("gt", ir.Col("mpg"), ir.LitInt(20))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv", "mpg", "origin")
				return b.out(s, b.filter(s, call("gt", ir.Col("mpg"), ir.LitInt(20))))
			}},
		{name: "a reordering project over a narrowed scan stays", passes: []string{"pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.keep(b.scan("cars.csv"), "origin", "mpg"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.keep(b.scan("cars.csv", "mpg", "origin"), "origin", "mpg"))
			}},
		{name: "sources are left alone", passes: []string{"pushdown"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.keep(src(b), "a"))
			}},
	})
}

// TestAllPasses runs the whole pipeline on a plan that every pass touches.
func TestAllPasses(t *testing.T) {
	fakeCSV(t)
	runPlanCases(t, []planCase{
		{name: "pipeline", passes: optional,
			before: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv")
				// df = df[df.mpg > 10 + 10]; df["x"] = df.hp * 1; df[["x", "origin"]]
				f := b.filter(s, call("gt", ir.Col("mpg"), call("add", ir.LitInt(10), ir.LitInt(10))))
				a := b.add("assign", ir.Attrs{"exprs": []ir.NamedExpr{ne("x", call("mul", ir.Col("hp"), ir.LitInt(1)))}}, f)
				sel := b.add("select", ir.Attrs{"columns": []any{"x", "origin"}}, a)
				return b.out(b.add("groupby_agg", ir.Attrs{"keys": []any{"origin"}, "aggs": []any{map[string]any{"name": "x", "col": "x", "fn": "sum"}}}, sel))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := b.scan("cars.csv", "mpg", "hp", "origin")
				f := b.filter(s, call("gt", ir.Col("mpg"), ir.LitInt(20)))
				p := b.project(f, ne("x", ir.Col("hp")), ne("origin", ir.Col("origin")))
				return b.out(b.add("groupby_agg", ir.Attrs{"keys": []any{"origin"}, "aggs": []any{map[string]any{"name": "x", "col": "x", "fn": "sum"}}}, p))
			}},
		{name: "in-memory pipeline runs the same", passes: optional, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				s := src(b)
				f := b.filter(s, call("or", call("not", call("not", ir.Col("q"))), ir.LitBool(false)))
				a := b.add("assign", ir.Attrs{"exprs": []ir.NamedExpr{ne("x", call("add", ir.Col("a"), call("sub", ir.LitInt(3), ir.LitInt(3))))}}, f)
				r := b.add("rename", ir.Attrs{"mapping": map[string]any{"x": "y"}}, a)
				d := b.add("drop_columns", ir.Attrs{"columns": []any{"f", "p"}}, r)
				return b.out(b.add("select", ir.Attrs{"columns": []any{"y", "s"}}, d))
			},
			after: func() *ir.Graph {
				b := newGraph()
				narrowed := b.project(src(b), ne("a", ir.Col("a")), ne("s", ir.Col("s")), ne("q", ir.Col("q")))
				f := b.filter(narrowed, call("or", ir.Col("q"), ir.LitBool(false)))
				return b.out(b.project(f, ne("y", ir.Col("a")), ne("s", ir.Col("s"))))
			}},
	})
}

func TestUnknownPassName(t *testing.T) {
	b := newGraph()
	g := b.out(src(b))
	if _, err := opt.Optimize(g, opt.Options{Disabled: map[string]bool{"nope": true}}); err == nil {
		t.Fatal("unknown pass name accepted")
	}
}

// compareRuns runs both plans in the interpreter and requires the same
// outputs (an explicit int64 index 0..n-1 equals the default RangeIndex, as
// pandas' check_index_type="equiv").
func compareRuns(t *testing.T, ref, got *ir.Graph, inputs []*col.Frame) {
	t.Helper()
	want, err := interp.Run(context.Background(), ref, inputs)
	if err != nil {
		t.Fatalf("reference plan: %v", err)
	}
	have, err := interp.Run(context.Background(), got, inputs)
	if err != nil {
		t.Fatalf("optimized plan: %v", err)
	}
	for i := range want {
		w, h := want[i], have[i]
		if strings.Join(w.Names, ",") != strings.Join(h.Names, ",") || w.N != h.N {
			t.Fatalf("output %d: columns %v (%d rows), want %v (%d rows)", i, h.Names, h.N, w.Names, w.N)
		}
		for j := range w.Cols {
			if msg := diffColumns(w.Cols[j], h.Cols[j]); msg != "" {
				t.Errorf("output %d column %q: %s", i, w.Names[j], msg)
			}
		}
		wi, hi := w.IndexColumns(), h.IndexColumns()
		if len(wi) != len(hi) {
			t.Fatalf("output %d: %d index levels, want %d", i, len(hi), len(wi))
		}
		for j := range wi {
			if msg := diffColumns(wi[j], hi[j]); msg != "" {
				t.Errorf("output %d index level %d: %s", i, j, msg)
			}
		}
	}
}

func diffColumns(want, got *col.Column) string {
	if want.Type != got.Type || want.N != got.N {
		return fmt.Sprintf("got %s[%d], want %s[%d]", got.Type, got.N, want.Type, want.N)
	}
	for i := 0; i < want.N; i++ {
		if want.IsValid(i) != got.IsValid(i) {
			return fmt.Sprintf("row %d: valid %v, want %v", i, got.IsValid(i), want.IsValid(i))
		}
		if !want.IsValid(i) {
			continue
		}
		var same bool
		switch {
		case want.Type.IsFloat():
			a, b := want.F64[i], got.F64[i]
			same = math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
		case want.Type == ir.Bool:
			same = want.B[i] == got.B[i]
		case want.Type == ir.String:
			same = want.Str(i) == got.Str(i)
		default:
			same = want.I64[i] == got.I64[i]
		}
		if !same {
			return fmt.Sprintf("row %d differs", i)
		}
	}
	return ""
}

func init() {
	// As the engine does: literal folding is defined by the interpreter.
	fold.EvalConst = interp.EvalConst
}

func TestNarrow(t *testing.T) {
	gt := call("gt", ir.Col("a"), ir.LitInt(0))
	sumF := ir.Attrs{"keys": []any{"s"}, "aggs": []any{map[string]any{"name": "t", "col": "f", "fn": "sum"}}}
	runPlanCases(t, []planCase{
		{name: "filter copies only what the aggregate reads", passes: []string{"narrow"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("groupby_agg", sumF, b.filter(src(b), gt)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				n := b.project(src(b), ne("a", ir.Col("a")), ne("f", ir.Col("f")), ne("s", ir.Col("s")))
				return b.out(b.add("groupby_agg", sumF, b.filter(n, gt)))
			}},
		{name: "a filter that is an output keeps every column", passes: []string{"narrow"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(src(b), gt))
			}},
		{name: "sort narrows to keys and used columns", passes: []string{"narrow"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				s := b.add("sort", ir.Attrs{"by": []any{"b"}, "ascending": []any{true}}, src(b))
				return b.out(b.keep(s, "a"))
			},
			after: func() *ir.Graph {
				b := newGraph()
				n := b.project(src(b), ne("a", ir.Col("a")), ne("b", ir.Col("b")))
				s := b.add("sort", ir.Attrs{"by": []any{"b"}, "ascending": []any{true}}, n)
				return b.out(b.keep(s, "a"))
			}},
	})
}
