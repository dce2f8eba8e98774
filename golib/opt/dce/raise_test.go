package dce

import (
	"testing"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

func TestMayRaise(t *testing.T) {
	s := &ir.Schema{Fields: []ir.Field{{Name: "i", Type: ir.Int64}, {Name: "f", Type: ir.Float64}, {Name: "s", Type: ir.String}}}
	cast := func(x *ir.Expr, to string) *ir.Expr {
		return &ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{x}, Opts: map[string]any{"dtype": to}}
	}
	contains := func(pat string) *ir.Expr {
		return &ir.Expr{Kind: ir.ExprCall, Name: "str_contains", Args: []*ir.Expr{ir.Col("s")}, Opts: map[string]any{"pat": pat}}
	}
	cases := []struct {
		e    *ir.Expr
		want bool
	}{
		{ir.Call("add", ir.Col("i"), ir.Col("i")), false},
		{ir.Call("floordiv", ir.Col("i"), ir.Col("i")), true},
		{ir.Call("floordiv", ir.Col("i"), ir.LitInt(2)), false},
		{ir.Call("floordiv", ir.Col("i"), ir.LitInt(0)), true},
		{ir.Call("mod", ir.Col("f"), ir.Col("i")), false},
		{ir.Call("pow", ir.Col("i"), ir.LitInt(2)), false},
		{ir.Call("pow", ir.Col("i"), ir.Col("i")), true},
		{cast(ir.Col("s"), "int64"), true},
		{cast(ir.Col("f"), "int64"), true},
		{cast(ir.Col("i"), "float64"), false},
		{cast(ir.Col("i"), "str"), false},
		{contains("a"), false},
		{ir.Call("isin", ir.Col("s"), ir.LitString("a"), ir.LitString("b")), false},
		{&ir.Expr{Kind: ir.ExprCall, Name: "str_slice", Args: []*ir.Expr{ir.Col("s")}, Opts: map[string]any{"start": float64(0), "stop": float64(2)}}, false},
		{contains("("), true},
		{ir.Call("not", ir.Call("eq", cast(ir.Col("s"), "float64"), ir.LitInt(1))), true},
	}
	for _, c := range cases {
		if err := frame.TypeExpr(c.e, s); err != nil {
			t.Fatalf("%s: %v", c.e, err)
		}
		if got := MayRaise(c.e); got != c.want {
			t.Errorf("MayRaise(%s) = %v, want %v", c.e, got, c.want)
		}
	}
}
