package exec

import (
	"fmt"
	"math"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// fastArithInto against interp.Eval, bit for bit (NaN payloads aside): nested
// + - * / over float64 (NaN, inf, -0), int64 (int edges), int32 and float32
// columns, int and float literals on either side, division by zero, a
// dt.hour leaf; and the inputs it must decline (nulls in an int column,
// int-typed arithmetic, literals only).
func TestFastArithDifferential(t *testing.T) {
	in := genFrame(5, 3000,
		genSpec{name: "f", typ: ir.Float64}, genSpec{name: "g", typ: ir.Float64, nulls: true},
		genSpec{name: "i", typ: ir.Int64}, genSpec{name: "j", typ: ir.Int64, card: 5},
		genSpec{name: "in", typ: ir.Int64, nulls: true}, genSpec{name: "h", typ: ir.Float32},
		genSpec{name: "d", typ: ir.DatetimeUS})
	i32 := &col.Column{Type: ir.Int32, N: in.N, I64: make([]int64, in.N)}
	for k := range i32.I64 {
		i32.I64[k] = int64(int32(in.Col("i").I64[k]))
	}
	in.Names, in.Cols = append(in.Names, "k"), append(in.Cols, i32)
	c, fl, il := ir.Col, ir.LitFloat, ir.LitInt
	call := func(fn string, a ...*ir.Expr) *ir.Expr { return ir.Call(fn, a...) }
	cases := []struct {
		e    *ir.Expr
		fast bool
	}{
		{call("truediv", call("sub", c("f"), fl(731.62)), fl(574.67)), true},
		{call("add", c("f"), c("g")), true},
		{call("mul", c("i"), fl(0.5)), true},
		{call("truediv", c("i"), c("j")), true}, // int / int is float64; / 0 is inf or nan
		{call("sub", fl(1), c("h")), true},
		{call("truediv", il(7), c("f")), true},
		{call("mul", call("add", c("k"), fl(0.25)), call("sub", c("f"), c("i"))), true},
		{call("truediv", call("dt_hour", c("d")), fl(23)), true},
		{call("truediv", call("dt_dayofweek", c("d")), fl(6)), true},
		{call("truediv", call("dt_minute", c("d")), call("add", call("dt_second", c("d")), il(1))), true},
		{call("truediv", call("add", c("i"), c("j")), fl(3)), true}, // int add below (interp), float on top
		{call("add", c("in"), fl(1)), false},                        // an int column with nulls
		{call("add", c("i"), c("j")), false},                        // int64 result
		{call("add", fl(1), fl(2)), false},
	}
	schema := frameSchemaOf(in)
	for k, tc := range cases {
		if err := frame.TypeExpr(tc.e, schema); err != nil {
			t.Fatalf("case %d: %v", k, err)
		}
		got, ok, err := fastArithInto(tc.e, in, nil)
		if err != nil || ok != tc.fast {
			t.Fatalf("case %d (%s): ok=%v err=%v, want ok=%v", k, tc.e, ok, err, tc.fast)
		}
		if !ok {
			continue
		}
		want, err := interp.Eval(tc.e, in)
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < in.N; r++ {
			a, b := got.F64[r], want.F64[r]
			if math.Float64bits(a) != math.Float64bits(b) && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Fatalf("case %d (%s) row %d: %v, interp %v", k, tc.e, r, a, b)
			}
		}
		// and through a project on the runtime, morsel by morsel
		smallMorsels(t)
		node := newNode(t, "project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "x", Expr: tc.e}}}, in)
		g, w, gerr, werr := runBoth(t, node, true, in)
		if g == nil || g.Col("x") == nil {
			t.Fatalf("project case %d: no column x in %v (err %v)", k, g, gerr)
		}
		checkSame(t, fmt.Sprintf("project case %d", k), g, w, gerr, werr, 0)
	}
}

// fastExpr's float cast of a comparison with a literal against interp.Eval,
// NaN, nulls and int edges included.
func TestFastCastCompareDifferential(t *testing.T) {
	in := genFrame(9, 2000, genSpec{name: "f", typ: ir.Float64}, genSpec{name: "i", typ: ir.Int64},
		genSpec{name: "in", typ: ir.Int64, nulls: true})
	schema := frameSchemaOf(in)
	cast := func(dt string, e *ir.Expr) *ir.Expr {
		return &ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{e}, Opts: map[string]any{"dtype": dt}}
	}
	cases := []struct {
		e    *ir.Expr
		fast bool
	}{
		{cast("float32", ir.Call("gt", ir.Col("i"), ir.LitInt(15))), true},
		{cast("float64", ir.Call("le", ir.Col("f"), ir.LitFloat(0.5))), true},
		{cast("float32", ir.Call("ne", ir.LitFloat(0), ir.Col("f"))), true},
		{cast("float32", ir.Call("gt", ir.Col("in"), ir.LitInt(0))), true}, // nulls compare false
		{cast("float32", ir.Call("lt", ir.Col("i"), ir.Col("f"))), false},  // no literal: the general path
	}
	for k, tc := range cases {
		if err := frame.TypeExpr(tc.e, schema); err != nil {
			t.Fatalf("case %d: %v", k, err)
		}
		got, ok, err := fastExpr(tc.e, in)
		if err != nil || ok != tc.fast {
			t.Fatalf("case %d (%s): ok=%v err=%v, want %v", k, tc.e, ok, err, tc.fast)
		}
		if !ok {
			continue
		}
		want, err := interp.Eval(tc.e, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != want.Type || colDiff(got, want, 0) != "" {
			t.Fatalf("case %d (%s): %s %s", k, tc.e, got.Type, colDiff(got, want, 0))
		}
	}
	// and through a project on the runtime, morsel by morsel into one column
	smallMorsels(t)
	for k, tc := range cases {
		node := newNode(t, "project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "x", Expr: tc.e}}}, in)
		g, w, gerr, werr := runBoth(t, node, true, in)
		if g == nil || g.Col("x") == nil {
			t.Fatalf("project case %d: no column x in %v (err %v)", k, g, gerr)
		}
		checkSame(t, fmt.Sprintf("project case %d", k), g, w, gerr, werr, 0)
	}
}

// isinStrings (isinShort for literals of at most 8 bytes, byte by byte
// otherwise) against interp.Eval: empty, 8- and 9-byte strings, non-ASCII
// bytes, nulls, and short strings at the very end of the data buffer.
func TestIsinStringsDifferential(t *testing.T) {
	vals := []string{"", "A", "AB", "13", "31", "ab", "abcdefgh", "abcdefghi", "é", "日本", "MAIL", "SHIP", "x", "13"}
	var offs []int64
	var data []byte
	valid := col.NewBitmap(len(vals), true)
	offs = append(offs, 0)
	for i, v := range vals {
		data = append(data, v...)
		offs = append(offs, int64(len(data)))
		if i == 5 {
			col.SetBit(valid, i, false)
		}
	}
	x := &col.Column{Type: ir.String, N: len(vals), Offs: offs, Data: data, Valid: valid}
	in := &col.Frame{N: len(vals), Names: []string{"s"}, Cols: []*col.Column{x}}
	lits := func(ss ...string) []*ir.Expr {
		var out []*ir.Expr
		for _, s := range ss {
			out = append(out, ir.LitString(s))
		}
		return out
	}
	for k, l := range [][]*ir.Expr{
		lits("13", "31", "23"),
		lits("", "x"),
		lits("abcdefgh", "é", "ab"),
		lits("abcdefghi", "13"), // a literal longer than 8 bytes: byte by byte
		lits("日本", "SHIP"),
		lits("13"), // the last row, at the end of the data
	} {
		e := ir.Call("isin", append([]*ir.Expr{ir.Col("s")}, l...)...)
		if err := frame.TypeExpr(e, frameSchemaOf(in)); err != nil {
			t.Fatal(err)
		}
		got, ok := isinStrings(x, l, x.N)
		if !ok {
			t.Fatalf("case %d: not handled", k)
		}
		want, err := interp.Eval(e, in)
		if err != nil {
			t.Fatal(err)
		}
		if d := colDiff(got, want, 0); d != "" {
			t.Fatalf("case %d (%s): %s", k, e, d)
		}
	}
}
