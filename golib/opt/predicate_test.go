package opt_test

import (
	"testing"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// joinSides are the two in-memory inputs of joinData.
func joinSides(b *builder) (ir.NodeID, ir.NodeID) {
	return b.source(0, "k:int64", "v:int64", "w:str", "lk:int64"), b.source(1, "k:int64", "v:float64", "u:str", "rk:int64")
}

func (b *builder) join(how string, l, r ir.NodeID) ir.NodeID {
	return b.add("join", ir.Attrs{"how": how, "left_on": []any{"k"}, "right_on": []any{"k"}}, l, r)
}

// dropIndex is reset_index(drop=True): the labels above it are unobserved.
func (b *builder) dropIndex(in ir.NodeID) ir.NodeID {
	return b.add("reset_index", ir.Attrs{"drop": true}, in)
}

func TestPredicate(t *testing.T) {
	gt := func(c string, v int64) *ir.Expr { return call("gt", ir.Col(c), ir.LitInt(v)) }
	and := func(a, b *ir.Expr) *ir.Expr { return call("and", a, b) }
	runPlanCases(t, []planCase{
		{name: "below a project, definitions substituted, and on", passes: []string{"predicate"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				srt := b.add("sort", ir.Attrs{"by": []any{"f"}, "ascending": []any{true}}, src(b))
				p := b.project(srt, ne("x", call("add", ir.Col("a"), ir.Col("b"))), ne("t", ir.Col("s")))
				return b.out(b.filter(p, and(gt("x", 10), call("ne", ir.Col("t"), ir.LitString("y")))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				f := b.filter(src(b), and(gt2(call("add", ir.Col("a"), ir.Col("b")), 10), call("ne", ir.Col("s"), ir.LitString("y"))))
				srt := b.add("sort", ir.Attrs{"by": []any{"f"}, "ascending": []any{true}}, f)
				return b.out(b.project(srt, ne("x", call("add", ir.Col("a"), ir.Col("b"))), ne("t", ir.Col("s"))))
			}},
		{name: "not below a project it could not leave", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				p := b.project(src(b), ne("x", call("add", ir.Col("a"), ir.Col("b"))), ne("t", ir.Col("s")))
				return b.out(b.filter(p, gt("x", 10)))
			}},
		{name: "not below a project that may raise", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				p := b.project(src(b), ne("n", castTo(ir.Col("s"), "int64")), ne("a", ir.Col("a")))
				return b.out(b.filter(p, gt("a", 0)))
			}},
		{name: "not below a project another node reads", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				p := b.project(src(b), ne("x", call("neg", ir.Col("a"))))
				return b.out(p, b.filter(p, gt("x", 0)))
			}},
		{name: "a filter with a nullable or raising conjunct stays whole", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				p := b.project(src(b), ne("a", call("abs", ir.Col("a"))), ne("q", ir.Col("q")), ne("b", ir.Col("b")))
				return b.out(b.filter(b.filter(p, and(ir.Col("q"), gt("a", 0))), call("eq", call("floordiv", ir.Col("b"), ir.Col("a")), ir.LitInt(10))))
			}},
		{name: "stacked filters that cannot move stay apart", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(b.filter(src(b), gt("a", 0)), gt("b", 15)))
			}},
		{name: "below a sort", passes: []string{"predicate"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				s := b.add("sort", ir.Attrs{"by": []any{"b"}, "ascending": []any{false}}, src(b))
				return b.out(b.filter(s, gt("a", 0)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("sort", ir.Attrs{"by": []any{"b"}, "ascending": []any{false}}, b.filter(src(b), gt("a", 0))))
			}},
		{name: "stacked filters move one after the other", passes: []string{"predicate"}, data: sampleData,
			before: func() *ir.Graph {
				b := newGraph()
				s := b.add("sort", ir.Attrs{"by": []any{"b"}, "ascending": []any{true}}, src(b))
				return b.out(b.filter(b.filter(s, gt("a", 0)), gt("b", 15)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("sort", ir.Attrs{"by": []any{"b"}, "ascending": []any{true}}, b.filter(b.filter(src(b), gt("a", 0)), gt("b", 15))))
			}},
		{name: "into the sides of an inner join, through the key to both", passes: []string{"predicate"}, data: joinData,
			before: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				j := b.join("inner", l, r)
				pred := and(and(gt("k", 1), call("lt", ir.Col("v_y"), ir.LitFloat(2))), and(call("ne", ir.Col("w"), ir.LitString("c")), call("lt", ir.Col("v_x"), ir.Col("v_y"))))
				return b.out(b.dropIndex(b.filter(j, pred)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				fl := b.filter(l, and(gt("k", 1), call("ne", ir.Col("w"), ir.LitString("c"))))
				fr := b.filter(r, and(gt("k", 1), call("lt", ir.Col("v"), ir.LitFloat(2))))
				j := b.join("inner", fl, fr)
				return b.out(b.dropIndex(b.filter(j, call("lt", ir.Col("v_x"), ir.Col("v_y")))))
			}},
		{name: "a left join takes only left conjuncts", passes: []string{"predicate"}, data: joinData,
			before: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				j := b.join("left", l, r)
				return b.out(b.dropIndex(b.filter(j, and(gt("k", 1), call("gt", ir.Col("v_y"), ir.LitFloat(1))))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				j := b.join("left", b.filter(l, gt("k", 1)), r)
				return b.out(b.dropIndex(b.filter(j, call("gt", ir.Col("v_y"), ir.LitFloat(1)))))
			}},
		{name: "not into a join when the labels are shown", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				return b.out(b.filter(b.join("inner", l, r), gt("k", 1)))
			}},
		{name: "through a selection into a join", passes: []string{"predicate"}, data: joinData,
			before: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				p := b.project(b.join("inner", l, r), ne("key", ir.Col("k")), ne("u", ir.Col("u")))
				return b.out(b.add("groupby_agg", ir.Attrs{"keys": []any{"u"}, "aggs": []any{map[string]any{"name": "n", "col": "key", "fn": "sum"}}},
					b.filter(p, call("ne", ir.Col("key"), ir.LitInt(3)))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				ne3 := call("ne", ir.Col("k"), ir.LitInt(3))
				p := b.project(b.join("inner", b.filter(l, ne3), b.filter(r, ne3)), ne("key", ir.Col("k")), ne("u", ir.Col("u")))
				return b.out(b.add("groupby_agg", ir.Attrs{"keys": []any{"u"}, "aggs": []any{map[string]any{"name": "n", "col": "key", "fn": "sum"}}}, p))
			}},
		{name: "a selection over a source stays in front of its filter", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(b.keep(src(b), "a", "b"), gt("a", 0)))
			}},
		{name: "into a semi join's left input", passes: []string{"predicate"}, data: joinData,
			before: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				sj := b.add("semi_join", ir.Attrs{"left_on": "k", "right_on": "k"}, l, r)
				return b.out(b.filter(sj, gt("v", 15)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				return b.out(b.add("semi_join", ir.Attrs{"left_on": "k", "right_on": "k"}, b.filter(l, gt("v", 15)), r))
			}},
	})
}

func gt2(e *ir.Expr, v int64) *ir.Expr { return call("gt", e, ir.LitInt(v)) }

// fakeParquet stands in for the Parquet reader's schema sniffing.
func fakeParquet(t *testing.T) {
	old := frame.SniffParquet
	t.Cleanup(func() { frame.SniffParquet = old })
	frame.SniffParquet = func(attrs ir.Attrs) (*ir.Schema, error) {
		return &ir.Schema{Fields: []ir.Field{{Name: "d", Type: ir.DatetimeUS}, {Name: "x", Type: ir.Float64}, {Name: "s", Type: ir.String}}}, nil
	}
}

func TestStatsFilter(t *testing.T) {
	fakeParquet(t)
	scan := func(b *builder, hint *ir.Expr) ir.NodeID {
		a := ir.Attrs{"path": "t.parquet"}
		if hint != nil {
			a["stats_filter"] = hint
		}
		return b.add("scan_parquet", a)
	}
	d := &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.DatetimeUS, I: 1000}}
	le := call("le", ir.Col("d"), d)
	gtx := call("gt", ir.LitFloat(2), ir.Col("x"))
	other := call("lt", ir.Col("x"), call("neg", ir.Col("x")))
	sum := ir.Attrs{"keys": []any{}, "aggs": []any{map[string]any{"name": "n", "col": "x", "fn": "sum"}}}
	scanF := func(b *builder, filter, hint *ir.Expr) ir.NodeID {
		return b.add("scan_parquet", ir.Attrs{"path": "t.parquet", "filter": filter, "stats_filter": hint})
	}
	sel := call("and", call("and", le, other), gtx) // estimated to keep 1/27
	strNe := call("ne", ir.Col("s"), ir.LitString("y"))
	sumByS := ir.Attrs{"keys": []any{"s"}, "aggs": []any{map[string]any{"name": "n", "col": "x", "fn": "sum"}}, "sort": true}
	runPlanCases(t, []planCase{
		{name: "a selective filter moves into the scan; its comparisons with literals become the stats filter", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("groupby_agg", sum, b.filter(scan(b, nil), sel)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("groupby_agg", sum, scanF(b, sel, call("and", le, gtx))))
			}},
		{name: "a selective filter stays over a file read twice", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				x := b.add("groupby_agg", sum, b.filter(scan(b, nil), sel))
				y := b.add("groupby_agg", sum, b.filter(scan(b, nil), sel))
				return b.out(x, y)
			},
			after: func() *ir.Graph {
				b := newGraph()
				x := b.add("groupby_agg", sum, b.filter(scan(b, call("and", le, gtx)), sel))
				y := b.add("groupby_agg", sum, b.filter(scan(b, call("and", le, gtx)), sel))
				return b.out(x, y)
			}},
		{name: "comparisons with literals become the scan's stats filter", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("groupby_agg", sum, b.filter(scan(b, nil), call("and", le, call("notna", ir.Col("x"))))))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("groupby_agg", sum, b.filter(scan(b, le), call("and", le, call("notna", ir.Col("x"))))))
			}},
		{name: "through a computing project to the scan", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				p := b.project(scan(b, nil), ne("x", call("neg", ir.Col("x"))), ne("d", ir.Col("d")))
				return b.out(b.add("groupby_agg", sum, b.filter(p, le)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				p := b.project(b.filter(scan(b, le), le), ne("x", call("neg", ir.Col("x"))), ne("d", ir.Col("d")))
				return b.out(b.add("groupby_agg", sum, p))
			}},
		{name: "a filter keeping most rows moves into the scan when it tests a string column its readers do not use", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("groupby_agg", sum, b.filter(scan(b, nil), strNe)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("groupby_agg", sum, b.add("scan_parquet", ir.Attrs{"path": "t.parquet", "filter": strNe})))
			}},
		{name: "a filter keeping most rows stays when its readers use the string column it tests", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.add("groupby_agg", sumByS, b.filter(scan(b, nil), strNe)))
			}},
		{name: "a filter over a shared scan gets its own filtered scan when nobody else reads the column it tests", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				s := scan(b, nil)
				return b.out(b.add("groupby_agg", sum, s), b.add("groupby_agg", sum, b.filter(s, le)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				s := scan(b, nil)
				return b.out(b.add("groupby_agg", sum, s), b.add("groupby_agg", sum, scanF(b, le, le)))
			}},
		{name: "a filter over a shared scan stays when another reader uses the column it tests", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				s := scan(b, nil)
				return b.out(b.add("groupby_agg", sumByS, s), b.add("groupby_agg", sum, b.filter(s, strNe)))
			}},
		{name: "a filter over a shared scan stays when its readers use the column it tests", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				s := scan(b, nil)
				return b.out(b.add("groupby_agg", sum, s), b.add("groupby_agg", sumByS, b.filter(s, strNe)))
			}},
		{name: "a filter over a shared scan stays when its labels are shown", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				s := scan(b, nil)
				return b.out(b.add("groupby_agg", sum, s), b.filter(s, le))
			}},
		{name: "no stats filter when the labels are shown", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				return b.out(b.filter(scan(b, nil), le))
			}},
		{name: "no stats filter on a shared scan", passes: []string{"predicate"},
			before: func() *ir.Graph {
				b := newGraph()
				s := scan(b, nil)
				return b.out(b.dropIndex(b.filter(s, le)), b.dropIndex(s))
			}},
	})
}

// TestParquetFilterFromStatistics: where the Parquet reader judges a
// filter's range tests from the file's statistics (dce.ScanRangeFraction,
// faked here: d <= 1000 keeps frac), a filter estimated to keep at most half
// the rows moves into the scan; a guessed range keeps the stricter bound.
func TestParquetFilterFromStatistics(t *testing.T) {
	fakeParquet(t)
	frac, judged := 0.0, true
	old, had := dce.ScanRangeFraction["scan_parquet"]
	t.Cleanup(func() {
		delete(dce.ScanRangeFraction, "scan_parquet")
		if had {
			dce.ScanRangeFraction["scan_parquet"] = old
		}
	})
	dce.ScanRangeFraction["scan_parquet"] = func(ir.Attrs, []*ir.Expr) (float64, bool) { return frac, judged }
	d := &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.DatetimeUS, I: 1000}}
	le := call("le", ir.Col("d"), d)
	sum := ir.Attrs{"keys": []any{"s"}, "aggs": []any{map[string]any{"name": "n", "col": "x", "fn": "sum"}}, "sort": true}
	stay := func(pred, hint *ir.Expr) func() *ir.Graph {
		return func() *ir.Graph {
			b := newGraph()
			a := ir.Attrs{"path": "t.parquet"}
			if hint != nil {
				a["stats_filter"] = hint
			}
			return b.out(b.add("groupby_agg", sum, b.filter(b.add("scan_parquet", a), pred)))
		}
	}
	moved := func(pred, hint *ir.Expr) func() *ir.Graph {
		return func() *ir.Graph {
			b := newGraph()
			a := ir.Attrs{"path": "t.parquet", "filter": pred}
			if hint != nil {
				a["stats_filter"] = hint
			}
			return b.out(b.add("groupby_agg", sum, b.add("scan_parquet", a)))
		}
	}
	// ne 0.9 x isin of five values 0.5: 0.45, no range test
	noRange := call("and", call("ne", ir.Col("s"), ir.LitString("y")),
		call("isin", ir.Col("x"), ir.LitFloat(1), ir.LitFloat(2), ir.LitFloat(3), ir.LitFloat(4), ir.LitFloat(5)))
	withNe := call("and", le, call("ne", ir.Col("s"), ir.LitString("y")))
	twoCols := call("and", le, call("lt", ir.Col("x"), call("neg", ir.Col("x"))))
	cases := []struct {
		frac   float64
		judged bool
		c      planCase
	}{
		{0.97, true, planCase{name: "a bound keeping most rows stays", before: stay(le, nil), after: stay(le, le)}},
		{0.4, true, planCase{name: "a bound judged to keep 0.4 moves", before: stay(le, nil), after: moved(le, le)}},
		{0.5, true, planCase{name: "a bound and a ne judged to keep 0.45 move", before: stay(withNe, nil), after: moved(withNe, le)}},
		{0.6, true, planCase{name: "a bound judged to keep 0.6 stays", before: stay(le, nil), after: stay(le, le)}},
		{0, false, planCase{name: "a guessed bound (a third) stays", before: stay(le, nil), after: stay(le, le)}},
		{0.9, true, planCase{name: "a bound judged to keep 0.9 and a comparison of two columns (guessed at a third) stay", before: stay(twoCols, nil), after: stay(twoCols, le)}},
		{0, false, planCase{name: "tests without a range estimated at 0.45 move", before: stay(noRange, nil), after: moved(noRange, nil)}},
	}
	for _, tc := range cases {
		frac, judged = tc.frac, tc.judged
		tc.c.passes = []string{"predicate"}
		runPlanCases(t, []planCase{tc.c})
	}
}

func TestPredicateFromDisjunction(t *testing.T) {
	gt := func(c string, v int64) *ir.Expr { return call("gt", ir.Col(c), ir.LitInt(v)) }
	eqs := func(c, v string) *ir.Expr { return call("eq", ir.Col(c), ir.LitString(v)) }
	and := func(a, b *ir.Expr) *ir.Expr { return call("and", a, b) }
	or := func(a, b *ir.Expr) *ir.Expr { return call("or", a, b) }
	runPlanCases(t, []planCase{
		{name: "each side gets what an or of conjunctions implies", passes: []string{"predicate"}, data: joinData,
			before: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				j := b.join("inner", l, r)
				pred := or(and(gt("v_x", 15), eqs("u", "x")), and(and(eqs("w", "d"), gt("lk", -1)), call("lt", ir.Col("v_y"), ir.LitFloat(2))))
				return b.out(b.dropIndex(b.filter(j, pred)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				fl := b.filter(l, or(gt("v", 15), and(eqs("w", "d"), gt("lk", -1))))
				fr := b.filter(r, or(eqs("u", "x"), call("lt", ir.Col("v"), ir.LitFloat(2))))
				j := b.join("inner", fl, fr)
				pred := or(and(gt("v_x", 15), eqs("u", "x")), and(and(eqs("w", "d"), gt("lk", -1)), call("lt", ir.Col("v_y"), ir.LitFloat(2))))
				return b.out(b.dropIndex(b.filter(j, pred)))
			}},
		{name: "a disjunct without a condition on a side implies nothing there", passes: []string{"predicate"}, data: joinData,
			before: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				pred := or(and(gt("v_x", 15), eqs("u", "x")), eqs("w", "d"))
				return b.out(b.dropIndex(b.filter(b.join("inner", l, r), pred)))
			},
			after: func() *ir.Graph {
				b := newGraph()
				l, r := joinSides(b)
				pred := or(and(gt("v_x", 15), eqs("u", "x")), eqs("w", "d"))
				fl := b.filter(l, or(gt("v", 15), eqs("w", "d")))
				return b.out(b.dropIndex(b.filter(b.join("inner", fl, r), pred)))
			}},
	})
}
