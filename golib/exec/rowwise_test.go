package exec

import (
	"fmt"
	"math"
	"testing"

	"github.com/flern/flern/golib/ir"
)

var rowSpecs = []genSpec{
	{name: "i", typ: ir.Int64},
	{name: "j", typ: ir.Int64, nulls: true},
	{name: "f", typ: ir.Float64, nulls: true},
	{name: "g", typ: ir.Float32},
	{name: "s", typ: ir.String, nulls: true},
	{name: "b", typ: ir.Bool},
	{name: "nb", typ: ir.Bool, nulls: true},
	{name: "d", typ: ir.DatetimeUS, nulls: true},
	{name: "d2", typ: ir.DatetimeUS, nulls: true},
	{name: "f2", typ: ir.Float64, nulls: true},
	{name: "k", typ: ir.Int64, card: 5},
	{name: "d3", typ: ir.DatetimeUS, card: 6},
	{name: "d4", typ: ir.DatetimeUS, card: 6},
}

func withOpts(e *ir.Expr, kv ...any) *ir.Expr {
	e.Opts = map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		e.Opts[kv[i].(string)] = kv[i+1]
	}
	return e
}

func TestFilterDifferential(t *testing.T) {
	smallMorsels(t)
	preds := []struct {
		name string
		pred func() *ir.Expr
	}{
		{"int gt", func() *ir.Expr { return call("gt", col_("i"), lit(0)) }},
		{"float le (NaN rows drop)", func() *ir.Expr { return call("le", col_("f"), lit(10.5)) }},
		{"float32 eq literal", func() *ir.Expr { return call("ne", col_("g"), lit(0.1)) }},
		{"bool column", func() *ir.Expr { return col_("b") }},
		{"nullable bool mask errors", func() *ir.Expr { return col_("nb") }},
		{"and/or/not", func() *ir.Expr {
			return call("or", call("and", call("lt", col_("i"), lit(500)), col_("b")), call("not", call("isna", col_("f"))))
		}},
		{"string compare", func() *ir.Expr { return call("ge", col_("s"), lit("b")) }},
		{"str contains", func() *ir.Expr {
			return withOpts(call("str_contains", col_("s")), "pat", "é", "regex", false, "na", false)
		}},
		{"isin", func() *ir.Expr { return call("isin", col_("i"), lit(0), lit(1), lit(-1)) }},
		{"notna", func() *ir.Expr { return call("notna", col_("j")) }},
		{"arith", func() *ir.Expr { return call("gt", call("mul", col_("i"), col_("f")), lit(3.0)) }},
		{"always false", func() *ir.Expr { return lit(false) }},
		{"literal on the left", func() *ir.Expr { return call("lt", lit(100), col_("j")) }},
		{"string lt literal", func() *ir.Expr { return call("lt", col_("s"), lit("b")) }},
		{"string ne literal (nulls kept)", func() *ir.Expr { return call("ne", col_("s"), lit("a")) }},
		{"datetime ge literal", func() *ir.Expr {
			return call("ge", col_("d"), &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.DatetimeUS, I: 2e15}})
		}},
		{"float eq NaN literal", func() *ir.Expr { return call("eq", col_("f"), lit(math.NaN())) }},
		{"float ne int literal", func() *ir.Expr { return call("ne", col_("f"), lit(0)) }},
		{"isin strings", func() *ir.Expr { return call("isin", col_("s"), lit("a"), lit("éb"), lit(nil)) }},
		{"isin string literals", func() *ir.Expr { return call("isin", col_("s"), lit("a"), lit("éb"), lit(""), lit("zz")) }},
		{"string eq literal", func() *ir.Expr { return call("eq", col_("s"), lit("ab")) }},
		{"string eq empty literal", func() *ir.Expr { return call("eq", lit(""), col_("s")) }},
		{"datetime columns lt", func() *ir.Expr { return call("lt", col_("d"), col_("d2")) }},
		{"int columns ge", func() *ir.Expr { return call("ge", col_("i"), col_("j")) }},
		{"float columns ne (NaN)", func() *ir.Expr { return call("ne", col_("f"), col_("f2")) }},
		{"float columns eq", func() *ir.Expr { return call("eq", col_("f"), col_("f")) }},
		{"not isin ints", func() *ir.Expr { return call("not", call("isin", col_("j"), lit(1), lit(-5))) }},
		{"xor", func() *ir.Expr { return call("xor", col_("b"), call("gt", col_("f"), lit(0.0))) }},
		// and() chains: later conjuncts see only the rows kept so far
		// (gathered when few, else the whole morsel)
		{"and chain, selective first (gathered)", func() *ir.Expr {
			return call("and", call("and", call("isin", col_("i"), lit(0), lit(1), lit(-1), lit(7)), call("ne", col_("s"), lit("a"))),
				call("or", call("le", col_("f"), lit(0.5)), call("isna", col_("f"))))
		}},
		{"and chain, wide first (whole morsel)", func() *ir.Expr {
			return call("and", call("and", call("not", call("isin", col_("i"), lit(0))), call("ge", col_("s"), lit("b"))),
				call("and", call("lt", col_("d"), col_("d2")), call("eq", col_("f"), col_("f"))))
		}},
		{"and chain with a nullable bool", func() *ir.Expr {
			return call("and", call("and", call("eq", col_("i"), lit(3)), col_("nb")), col_("b"))
		}},
		{"and chain, NaN and unicode", func() *ir.Expr {
			return call("and", call("isin", col_("s"), lit("a"), lit("éb"), lit("")), call("ne", col_("f"), lit(math.NaN())))
		}},
		// column-column comparisons without nulls: one loop per operator
		{"int columns, every operator", func() *ir.Expr {
			return call("or", call("or", call("and", call("eq", col_("k"), col_("i")), call("ne", col_("k"), lit(2))), call("lt", col_("k"), col_("i"))),
				call("and", call("le", col_("i"), col_("k")), call("and", call("gt", col_("k"), col_("i")), call("ge", col_("k"), col_("i")))))
		}},
		{"float columns (NaN), every operator", func() *ir.Expr {
			return call("or", call("or", call("eq", col_("f"), col_("f2")), call("lt", col_("f2"), col_("f"))),
				call("or", call("le", col_("f"), col_("f2")), call("and", call("ge", col_("f2"), col_("f")), call("ne", col_("f"), col_("f2")))))
		}},
		{"datetime columns, every operator", func() *ir.Expr {
			return call("or", call("or", call("eq", col_("d3"), col_("d4")), call("gt", col_("d3"), col_("d4"))),
				call("and", call("le", col_("d4"), col_("d3")), call("and", call("ne", col_("d3"), col_("d4")), call("ge", col_("d4"), col_("d3")))))
		}},
		{"datetime lt alone", func() *ir.Expr { return call("lt", col_("d3"), col_("d4")) }},
		{"and chain with a raising conjunct (whole mask)", func() *ir.Expr {
			return call("and", call("eq", col_("i"), lit(1)), call("gt", call("floordiv", col_("i"), col_("j")), lit(0)))
		}},
	}
	for _, n := range testSizes {
		for seed := uint64(1); seed <= 2; seed++ {
			in := genFrame(seed, n, rowSpecs...)
			for _, p := range preds {
				label := fmt.Sprintf("%s n=%d seed=%d", p.name, n, seed)
				node := newNode(t, "filter", ir.Attrs{"pred": p.pred()}, in)
				got, want, gerr, werr := runBoth(t, node, true, in)
				checkSame(t, label, got, want, gerr, werr, 0)
			}
		}
	}
}

func TestProjectDifferential(t *testing.T) {
	smallMorsels(t)
	// typed float64 for nulls: the interpreter decides on the whole column
	mayFall := map[string]bool{"dt year": true, "str len": true, "str len of non-null strings": true}
	exprs := []struct {
		name string
		e    func() *ir.Expr
	}{
		{"column", func() *ir.Expr { return col_("s") }},
		{"int add wraps", func() *ir.Expr { return call("add", col_("i"), col_("i")) }},
		{"float div", func() *ir.Expr { return call("truediv", col_("f"), col_("i")) }},
		{"float32", func() *ir.Expr { return call("mul", col_("g"), lit(3)) }},
		{"literal string", func() *ir.Expr { return lit("héllo") }},
		{"literal null", func() *ir.Expr { return lit(nil) }},
		{"str upper", func() *ir.Expr { return call("str_upper", col_("s")) }},
		{"str slice", func() *ir.Expr { return withOpts(call("str_slice", col_("s")), "start", int64(1), "stop", int64(3)) }},
		{"where", func() *ir.Expr { return call("where", col_("b"), col_("f"), lit(0.0)) }},
		{"fillna", func() *ir.Expr { return call("fillna", col_("f"), lit(-1.0)) }},
		{"fillna string", func() *ir.Expr { return call("fillna", col_("s"), lit("?")) }},
		{"dt year", func() *ir.Expr { return call("dt_year", col_("d")) }},
		{"str len", func() *ir.Expr { return call("str_len", col_("s")) }},
		{"str len of non-null strings", func() *ir.Expr { return call("str_len", call("fillna", col_("s"), lit(""))) }},
		{"floordiv by column errors", func() *ir.Expr { return call("floordiv", col_("i"), col_("i")) }},
		{"cast", func() *ir.Expr {
			e := call("cast", col_("f"))
			e.Opts = map[string]any{"dtype": "int64"}
			return e
		}},
	}
	for _, n := range testSizes {
		in := genFrame(uint64(n), n, rowSpecs...)
		for _, x := range exprs {
			label := fmt.Sprintf("%s n=%d", x.name, n)
			node := newNode(t, "project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "a", Expr: x.e()}, {Name: "i", Expr: col_("i")}}}, in)
			got, want, gerr, werr := runBoth(t, node, !mayFall[x.name], in)
			checkSame(t, label, got, want, gerr, werr, 0)
		}
	}
}
