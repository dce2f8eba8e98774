package frame_test

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// exprSchema is the frame every expression below is typed against.
const exprSchema = "i:int64, j:int32, f:float64, g:float32, b:bool, nb:bool?, s:str?, t:str, d:datetime64[us], dn:datetime64[ns]?"

var (
	i, j, f, g   = ir.Col("i"), ir.Col("j"), ir.Col("f"), ir.Col("g")
	b, nb, s, tt = ir.Col("b"), ir.Col("nb"), ir.Col("s"), ir.Col("t")
	d, dn        = ir.Col("d"), ir.Col("dn")
	null         = &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.Null}}
	lit32        = &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.Int32, I: 3}}
	litF32       = &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.Float32, F: 0.5}}
	call         = ir.Call
	castTo       = func(x *ir.Expr, dtype string) *ir.Expr { return withOpts(call("cast", x), "dtype", dtype) }
	withOpts     = func(e *ir.Expr, kv ...any) *ir.Expr {
		e.Opts = map[string]any{}
		for k := 0; k < len(kv); k += 2 {
			e.Opts[kv[k].(string)] = kv[k+1]
		}
		return e
	}
)

type exprCase struct {
	e       *ir.Expr
	want    string // "type" or "type?" (nullable)
	wantErr string // "Kind: substring"
}

func runExprCases(t *testing.T, cases []exprCase) {
	t.Helper()
	for _, c := range cases {
		e := c.e.Clone()
		t.Run(e.String(), func(t *testing.T) {
			err := frame.TypeExpr(e, schema(exprSchema))
			checkErr(t, err, c.wantErr)
			if c.wantErr != "" {
				return
			}
			got := e.Type.String()
			if e.Nullable {
				got += "?"
			}
			if got != c.want {
				t.Errorf("type = %s, want %s", got, c.want)
			}
		})
	}
}

// TestArithmeticPromotion follows numpy's promotion of the operand dtypes
// (np.result_type), checked with numpy 2.
func TestArithmeticPromotion(t *testing.T) {
	runExprCases(t, []exprCase{
		{e: call("add", i, i), want: "int64"},
		{e: call("add", i, f), want: "float64"},
		{e: call("sub", j, j), want: "int32"},
		{e: call("mul", j, i), want: "int64"},
		{e: call("add", j, b), want: "int32"},
		{e: call("add", i, b), want: "int64"},
		{e: call("add", g, g), want: "float32"},
		{e: call("add", g, b), want: "float32"},
		{e: call("add", g, i), want: "float64"},
		{e: call("add", g, f), want: "float64"},
		{e: call("add", g, j), want: "float64"}, // int32 does not fit float32's mantissa
		{e: call("mul", j, g), want: "float64"},
		{e: call("truediv", g, b), want: "float32"},
		{e: call("mul", f, b), want: "float64"},
		{e: call("add", j, lit32), want: "int32"},
		{e: call("add", g, litF32), want: "float32"},
		{e: call("add", i, null), wantErr: "Type: unsupported operand types for +: int64 and None"},
		{e: call("mul", null, g), wantErr: "Type: unsupported operand types for *: None and float32"},
		{e: call("truediv", i, i), want: "float64"},
		{e: call("truediv", j, j), want: "float64"},
		{e: call("truediv", g, g), want: "float32"},
		{e: call("truediv", g, i), want: "float64"},
		{e: call("floordiv", j, j), want: "int32"},
		{e: call("floordiv", i, f), want: "float64"},
		{e: call("mod", f, i), want: "float64"},
		{e: call("pow", i, i), want: "int64"},
		{e: call("pow", j, j), want: "int32"},
		{e: call("pow", f, i), want: "float64"},
		{e: call("add", s, tt), want: "str?"},
		{e: call("add", tt, tt), want: "str"},
		{e: call("add", tt, ir.LitString("!")), want: "str"},
		{e: call("add", s, i), wantErr: "Type: unsupported operand types for +: str and int64"},
		{e: call("add", i, tt), wantErr: "Type: unsupported operand types for +: int64 and str"},
		{e: call("sub", tt, tt), wantErr: "Type: unsupported operand types for -: str and str"},
		{e: call("mul", tt, i), wantErr: "NotImplemented: repeating strings (str column * int)"},
		{e: call("sub", d, i), wantErr: "Type: unsupported operand types for -: datetime64[us] and int64"},
		{e: call("floordiv", f, s), wantErr: "Type: unsupported operand types for //: float64 and str"},
		{e: call("add", b, b), wantErr: "NotImplemented: add of two bool columns is not supported (use & | ^)"},
		{e: call("add", i), wantErr: "Value: add takes 2 arguments, got 1"},
	})
}

func TestComparisonLogicUnary(t *testing.T) {
	runExprCases(t, []exprCase{
		{e: call("gt", i, f), want: "bool"},
		{e: call("eq", j, g), want: "bool"},
		{e: call("lt", s, tt), want: "bool"},
		{e: call("le", d, dn), want: "bool"},
		{e: call("ge", b, i), want: "bool"},
		{e: call("ne", s, null), want: "bool"},
		{e: call("eq", d, null), want: "bool"},
		{e: call("gt", d, null), wantErr: "Type: Invalid comparison between dtype=datetime64[us] and None"},
		{e: call("eq", s, i), want: "bool"}, // pandas: all False
		{e: call("ne", d, tt), wantErr: "NotImplemented: comparing str with datetime values"},
		{e: call("lt", s, i), wantErr: "Type: '<' not supported between str and int64"},
		{e: call("ge", d, f), wantErr: "Type: '>=' not supported between datetime64[us] and float64"},

		{e: call("and", b, nb), want: "bool"},
		{e: call("or", call("gt", i, ir.LitInt(0)), b), want: "bool"},
		{e: call("xor", b, b), want: "bool"},
		{e: call("not", b), want: "bool"},
		{e: call("and", i, i), wantErr: "NotImplemented: & with an integer operand"},
		{e: call("or", b, j), wantErr: "NotImplemented: | with an integer operand"},
		{e: call("xor", s, b), wantErr: "Type: ^ needs bool operands, got str"},
		{e: call("not", f), wantErr: "Type: ~ needs bool operands, got float64"},

		{e: call("neg", i), want: "int64"},
		{e: call("neg", g), want: "float32"},
		{e: call("abs", j), want: "int32"},
		{e: call("abs", b), want: "bool"},
		{e: call("abs", nb), want: "bool?"},
		{e: call("neg", b), want: "bool"}, // pandas inverts bools
		{e: call("abs", s), wantErr: "Type: abs needs a numeric operand, got str"},
		{e: call("neg", d), wantErr: "Type: neg needs a numeric operand, got datetime64[us]"},
		{e: call("isna", s), want: "bool"},
		{e: call("notna", f), want: "bool"},
	})
}

func TestFunctions(t *testing.T) {
	runExprCases(t, []exprCase{
		{e: call("fillna", f, i), want: "float64"},
		{e: call("fillna", g, ir.LitFloat(1)), want: "float32"},
		{e: call("fillna", i, f), want: "int64"},
		{e: call("fillna", s, tt), want: "str"},
		{e: call("fillna", s, ir.LitString("?")), want: "str"},
		{e: call("fillna", b, ir.LitBool(false)), want: "bool"},
		{e: call("fillna", nb, ir.LitBool(false)), wantErr: "NotImplemented: fillna of a bool column with missing values"},
		{e: call("fillna", dn, d), wantErr: "NotImplemented: fillna of a datetime64[ns] column with a datetime64[us] value"},
		{e: call("fillna", s, i), wantErr: "NotImplemented: fillna of a str column with a int64 value (pandas would make an object column)"},

		{e: castTo(i, "float32"), want: "float32"},
		{e: castTo(f, "int64"), want: "int64"},
		{e: castTo(s, "int64"), want: "int64"},
		{e: castTo(f, "str"), want: "str?"}, // NaN becomes missing
		{e: castTo(i, "str"), want: "str"},
		{e: castTo(s, "str"), want: "str?"},
		{e: castTo(tt, "datetime64[us]"), want: "datetime64[us]"},
		{e: castTo(b, "int32"), want: "int32"},
		{e: castTo(i, "int8"), wantErr: `Type: astype: unknown dtype "int8"`},
		{e: call("cast", i), wantErr: `Type: astype: unknown dtype ""`},
		{e: castTo(d, "bool"), wantErr: "NotImplemented: astype from datetime64[us] to bool"},
		{e: castTo(d, "float64"), wantErr: "NotImplemented: astype from datetime64[us] to float64"},

		{e: call("where", b, f, i), want: "float64"},
		{e: call("where", b, i, f), wantErr: "NotImplemented: where with branches of types int64 and float64"},
		{e: call("where", b, j, j), want: "int32"},
		{e: call("where", b, s, tt), want: "str?"},
		{e: call("where", b, tt, null), want: "str?"},
		{e: call("where", b, null, d), want: "datetime64[us]?"},
		{e: call("where", b, i, null), want: "float64"},
		{e: call("where", i, i, i), wantErr: "Type: where: condition must be bool, got int64"},
		{e: call("where", b, s, i), wantErr: "NotImplemented: where with branches of types str and int64"},

		{e: call("str_lower", s), want: "str?"},
		{e: call("str_upper", tt), want: "str"},
		{e: call("str_len", s), want: "float64"}, // NaN lengths
		{e: call("str_len", tt), want: "int64"},
		{e: withOpts(call("str_contains", s), "pat", "a"), want: "bool"},
		{e: call("str_startswith", tt), want: "bool"},
		{e: call("str_lower", i), wantErr: "Type: Can only use .str accessor with string values (str_lower on int64)"},
		{e: call("str_len", f), wantErr: "Type: Can only use .str accessor with string values (str_len on float64)"},
		{e: call("str_endswith", b), wantErr: "Type: Can only use .str accessor with string values (str_endswith on bool)"},

		{e: call("dt_year", d), want: "int32"},
		{e: call("dt_month", dn), want: "float64"}, // NaT
		{e: call("dt_day", s), wantErr: "Type: dt_day needs a datetime column, got str"},

		{e: call("frobnicate", i), wantErr: `NotImplemented: function "frobnicate" is not supported`},
		{e: call("where", b, i), wantErr: "Value: where takes 3 arguments, got 2"},
		{e: ir.Col("zz"), wantErr: `ColumnNotFound: column "zz" not found; columns are ["i", "j", "f", "g", "b", "nb", "s", "t", "d", "dn"]`},
		{e: call("add", i, call("mul", ir.Col("missing"), i)), wantErr: `ColumnNotFound: column "missing" not found`},
		{e: null, want: "null?"},
		{e: ir.LitString("x"), want: "str"},
	})
}

func TestTypeExprFillsEveryNode(t *testing.T) {
	e := call("and", call("gt", call("add", i, f), ir.LitInt(1)), call("str_contains", s))
	if err := frame.TypeExpr(e, schema(exprSchema)); err != nil {
		t.Fatal(err)
	}
	var walk func(x *ir.Expr, path string)
	var got []string
	walk = func(x *ir.Expr, path string) {
		got = append(got, path+"="+x.Type.String())
		for k, a := range x.Args {
			walk(a, path+"."+string(rune('0'+k)))
		}
	}
	walk(e, "e")
	want := "e=bool e.0=bool e.0.0=float64 e.0.0.0=int64 e.0.0.1=float64 e.0.1=int64 e.1=bool e.1.0=str"
	if strings.Join(got, " ") != want {
		t.Errorf("types:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}

func TestEveryFuncHasATypeRule(t *testing.T) {
	for name, info := range frame.Funcs {
		if info == nil || info.Type == nil {
			t.Errorf("function %q has no type rule", name)
		}
		if info.Args == 0 {
			t.Errorf("function %q takes no arguments", name)
		}
	}
}
