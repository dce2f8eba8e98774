package ir_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestPrint(t *testing.T) {
	withOpts := func(e *ir.Expr, opts map[string]any) *ir.Expr { e.Opts = opts; return e }
	cases := []struct {
		name  string
		attrs ir.Attrs
		want  string // the attribute part of "%0 = irtest.src(...)"
	}{
		{name: "no attributes", attrs: nil, want: ``},
		{name: "attributes sorted by key",
			attrs: ir.Attrs{"zeta": 1.0, "alpha": "x", "mid": true, "Beta": false},
			want:  `Beta=false, alpha="x", mid=true, zeta=1`},
		{name: "floats shortest round-trip",
			attrs: ir.Attrs{"a": 0.1, "b": 1e21, "c": -2.5, "d": 1e-7, "e": float64(1 << 53)},
			want:  `a=0.1, b=1e+21, c=-2.5, d=1e-07, e=9.007199254740992e+15`},
		{name: "strings quoted with escapes, printable unicode kept",
			attrs: ir.Attrs{"s": "a\"b\\c\nd\te", "u": "héllo wörld ✓ 日本 😀", "z": "zero\u200bwidth"},
			want:  `s="a\"b\\c\nd\te", u="héllo wörld ✓ 日本 😀", z="zero\u200bwidth"`},
		{name: "null, lists and nested maps",
			attrs: ir.Attrs{"n": nil, "l": []any{"x", 2.0, true, nil, []any{}}, "m": map[string]any{"b": 1.0, "a": map[string]any{"y": "z"}}},
			want:  `l=["x", 2, true, None, []], m={"a": {"y": "z"}, "b": 1}, n=None`},
		{name: "string slices",
			attrs: ir.Attrs{"columns": []string{"a", "b c", `q"`}},
			want:  `columns=["a", "b c", "q\""]`},
		{name: "expression attribute",
			attrs: ir.Attrs{"pred": ir.Call("and", ir.Call("gt", ir.Col("mpg"), ir.LitInt(20)), ir.Call("not", ir.Call("isna", ir.Col("origin"))))},
			want:  `pred=and(gt(col("mpg"), 20), not(isna(col("origin"))))`},
		{name: "projection: plain columns print as their name",
			attrs: ir.Attrs{"exprs": []ir.NamedExpr{
				{Name: "a", Expr: ir.Col("a")},
				{Name: "b", Expr: ir.Col("c")},
				{Name: "d", Expr: ir.Call("mul", ir.Col("a"), ir.LitFloat(2))},
			}},
			want: `exprs=["a", "b": col("c"), "d": mul(col("a"), 2.0)]`},
		{name: "call options sorted after the arguments",
			attrs: ir.Attrs{"e": withOpts(ir.Call("str_contains", ir.Col("s")), map[string]any{"pat": "a.c", "case": false, "regex": true})},
			want:  `e=str_contains(col("s"), case=false, pat="a.c", regex=true)`},
		{name: "call with options only",
			attrs: ir.Attrs{"e": withOpts(ir.Call("now"), map[string]any{"b": 2.0, "a": "x"})},
			want:  `e=now(a="x", b=2)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &ir.Graph{Outputs: []ir.NodeID{0}}
			g.Add(&ir.Node{Op: "irtest.src", Attrs: c.attrs})
			want := "%0 = irtest.src(" + c.want + ")\nreturn %0\n"
			if got := g.Print(); got != want {
				t.Errorf("Print() =\n%s\nwant:\n%s", got, want)
			}
			// Canonical: printing again (fresh map iteration order) is identical.
			for i := 0; i < 5; i++ {
				if again := g.Print(); again != want {
					t.Fatalf("Print() is not deterministic:\n%s", again)
				}
			}
		})
	}
}

func TestPrintSchemas(t *testing.T) {
	g := &ir.Graph{}
	g.Add(src("a:int64", "b:str"))
	g.Add(&ir.Node{Op: "irtest.un", Inputs: []ir.NodeID{0}, Attrs: ir.Attrs{"k": "v"}})
	g.Outputs = []ir.NodeID{1, 0}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	g.Node(1).Schema.Index = []ir.Field{{Name: "", Type: ir.Int64}, {Name: "lvl", Type: ir.String}}
	want := `%0 = irtest.src(fields=["a:int64", "b:str"])  :: a:int64, b:str
%1 = irtest.un(%0, k="v")  :: [<index>]:int64, [lvl]:str, a:int64, b:str
return %1, %0
`
	if got := g.Print(); got != want {
		t.Errorf("Print() =\n%s\nwant:\n%s", got, want)
	}
	// A data-dependent schema is not printed.
	g.Node(1).Schema.Dynamic = true
	if got := g.Print(); !strings.Contains(got, "%1 = irtest.un(%0, k=\"v\")\n") {
		t.Errorf("dynamic schema printed:\n%s", got)
	}
}

func TestPrintSourceShowsSchemaNotFields(t *testing.T) {
	// The "source" op's fields/index attributes are shown as the schema.
	g := &ir.Graph{Outputs: []ir.NodeID{0}}
	g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": []any{"ignored"}, "index": []any{}}})
	if got, want := g.Print(), "%0 = source(fields=[\"ignored\"], index=[], input=0)\nreturn %0\n"; got != want {
		t.Errorf("without schema: %q, want %q", got, want)
	}
	g.Node(0).Schema = &ir.Schema{Fields: []ir.Field{{Name: "x", Type: ir.Float64}}}
	if got, want := g.Print(), "%0 = source(input=0)  :: x:float64\nreturn %0\n"; got != want {
		t.Errorf("with schema: %q, want %q", got, want)
	}
}

func TestValueString(t *testing.T) {
	cases := []struct {
		v    ir.Value
		want string
	}{
		{ir.Value{Type: ir.Int64, I: 42}, "42"},
		{ir.Value{Type: ir.Int64, I: math.MinInt64}, "-9223372036854775808"},
		{ir.Value{Type: ir.Int64, I: math.MaxInt64}, "9223372036854775807"},
		{ir.Value{Type: ir.Int32, I: -7}, "-7"},
		{ir.Value{Type: ir.Float64, F: 1}, "1.0"},
		{ir.Value{Type: ir.Float64, F: -0.0}, "0.0"},
		{ir.Value{Type: ir.Float64, F: math.Copysign(0, -1)}, "-0.0"},
		{ir.Value{Type: ir.Float64, F: 1.5}, "1.5"},
		{ir.Value{Type: ir.Float64, F: 0.1}, "0.1"},
		{ir.Value{Type: ir.Float64, F: 1e21}, "1e+21"},
		{ir.Value{Type: ir.Float64, F: 1e-300}, "1e-300"},
		{ir.Value{Type: ir.Float64, F: math.NaN()}, "nan"},
		{ir.Value{Type: ir.Float64, F: math.Inf(1)}, "+Inf"},
		{ir.Value{Type: ir.Float64, F: math.Inf(-1)}, "-Inf"},
		{ir.Value{Type: ir.Float32, F: float64(float32(0.1))}, "0.10000000149011612"},
		{ir.Value{Type: ir.Float32, F: 2}, "2.0"},
		{ir.Value{Type: ir.Float32, F: math.NaN()}, "nan"},
		{ir.Value{Type: ir.Bool, B: true}, "True"},
		{ir.Value{Type: ir.Bool}, "False"},
		{ir.Value{Type: ir.String, S: ""}, `""`},
		{ir.Value{Type: ir.String, S: `say "hi"` + "\n"}, `"say \"hi\"\n"`},
		{ir.Value{Type: ir.String, S: "naïve ☃"}, `"naïve ☃"`},
		{ir.Value{Type: ir.String, S: "\x00\xff"}, `"\x00\xff"`},
		{ir.Value{Type: ir.DatetimeUS, I: 1700000000000000}, "datetime64[us](1700000000000000)"},
		{ir.Value{Type: ir.DatetimeNS, I: -1}, "datetime64[ns](-1)"},
		{ir.Value{Type: ir.Null}, "None"},
		{ir.Value{Type: ir.Invalid}, "?"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("%s value %+v prints %q, want %q", c.v.Type, c.v, got, c.want)
		}
	}
}

func TestExprString(t *testing.T) {
	cases := []struct {
		e    *ir.Expr
		want string
	}{
		{ir.Col("a"), `col("a")`},
		{ir.Col(`we"ird col` + "\n"), `col("we\"ird col\n")`},
		{ir.Col("größe"), `col("größe")`},
		{ir.LitInt(-3), `-3`},
		{&ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.Int32, I: 2024}}, `2024`},
		{ir.LitFloat(math.NaN()), `nan`},
		{&ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.Float32, F: 0.5}}, `0.5`},
		{ir.LitBool(false), `False`},
		{ir.LitString("it's"), `"it's"`},
		{&ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.Null}}, `None`},
		{ir.Call("add", ir.Col("a"), ir.LitInt(1)), `add(col("a"), 1)`},
		{ir.Call("where", ir.Call("gt", ir.Col("x"), ir.LitFloat(0)), ir.Col("x"), ir.LitFloat(math.Inf(-1))), `where(gt(col("x"), 0.0), col("x"), -Inf)`},
		{ir.Call("f"), `f()`},
		{&ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{ir.Col("a")}, Opts: map[string]any{"dtype": "float32"}}, `cast(col("a"), dtype="float32")`},
	}
	for _, c := range cases {
		if got := c.e.String(); got != c.want {
			t.Errorf("String() = %s, want %s", got, c.want)
		}
	}
}

func TestExprColumnsAndClone(t *testing.T) {
	e := ir.Call("add", ir.Col("a"), ir.Call("mul", ir.Col("b"), ir.Col("a")), ir.LitInt(1))
	got := map[string]bool{"pre": true}
	e.Columns(got)
	if want := map[string]bool{"pre": true, "a": true, "b": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("Columns() = %v, want %v", got, want)
	}

	c := e.Clone()
	if c.String() != e.String() {
		t.Fatalf("clone prints %s, original %s", c, e)
	}
	c.Args[1].Args[0].Name = "z"
	c.Args[2].Lit.I = 99
	c.Args = append(c.Args, ir.Col("extra"))
	if e.String() != `add(col("a"), mul(col("b"), col("a")), 1)` {
		t.Errorf("mutating the clone changed the original: %s", e)
	}
	var nilExpr *ir.Expr
	if nilExpr.Clone() != nil {
		t.Errorf("Clone of nil is not nil")
	}
}

func TestExprCloneCopiesOpts(t *testing.T) {
	e := &ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{ir.Col("a")}, Opts: map[string]any{"dtype": "int64"}}
	c := e.Clone()
	c.Opts["dtype"] = "float64"
	if e.Opts["dtype"] != "int64" {
		t.Error("ir.Expr.Clone shares the Opts map: " +
			"changing clone.Opts[\"dtype\"] changed the original to " + e.String())
	}
}

func TestAttrsHelpers(t *testing.T) {
	pred := ir.Call("gt", ir.Col("a"), ir.LitInt(1))
	proj := []ir.NamedExpr{{Name: "x", Expr: ir.Col("a")}}
	a := ir.Attrs{
		"s": "text", "n": 3.9, "i64": int64(-5), "i": 7, "b": true, "f": 2.5,
		"ls": []string{"p", "q"}, "la": []any{"x", 1.0, "y"}, "lb": []any{true, "no", false}, "bs": []bool{false, true},
		"pred": pred, "exprs": proj, "nil": nil,
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"Str present", a.Str("s"), "text"},
		{"Str absent", a.Str("missing"), ""},
		{"Str wrong type", a.Str("n"), ""},
		{"Bool present", a.Bool("b", false), true},
		{"Bool absent uses default", a.Bool("missing", true), true},
		{"Bool wrong type uses default", a.Bool("s", true), true},
		{"Int from JSON float truncates", a.Int("n", 0), int64(3)},
		{"Int from int64", a.Int("i64", 0), int64(-5)},
		{"Int from int", a.Int("i", 0), int64(7)},
		{"Int absent uses default", a.Int("missing", -1), int64(-1)},
		{"Int wrong type uses default", a.Int("s", 42), int64(42)},
		{"Int null uses default", a.Int("nil", 9), int64(9)},
		{"Strings from []string", a.Strings("ls"), []string{"p", "q"}},
		{"Strings from []any (non-strings become empty)", a.Strings("la"), []string{"x", "", "y"}},
		{"Strings absent", a.Strings("missing"), []string(nil)},
		{"Strings wrong type", a.Strings("s"), []string(nil)},
		{"Bools from []bool", a.Bools("bs"), []bool{false, true}},
		{"Bools from []any", a.Bools("lb"), []bool{true, false, false}},
		{"Bools absent", a.Bools("missing"), []bool(nil)},
		{"Expr present", a.Expr("pred"), pred},
		{"Expr wrong type", a.Expr("s"), (*ir.Expr)(nil)},
		{"NamedExprs present", a.NamedExprs("exprs"), proj},
		{"NamedExprs absent", a.NamedExprs("missing"), []ir.NamedExpr(nil)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
	floats := []struct {
		key  string
		want float64
		ok   bool
	}{{"f", 2.5, true}, {"i64", -5, true}, {"i", 7, true}, {"missing", 0, false}, {"s", 0, false}}
	for _, c := range floats {
		if got, ok := a.Float(c.key); got != c.want || ok != c.ok {
			t.Errorf("Float(%q) = %v, %v; want %v, %v", c.key, got, ok, c.want, c.ok)
		}
	}
}

func TestAttrsClone(t *testing.T) {
	a := ir.Attrs{
		"pred":  ir.Call("gt", ir.Col("a"), ir.LitInt(1)),
		"exprs": []ir.NamedExpr{{Name: "x", Expr: ir.Col("a")}},
		"cols":  []string{"a", "b"},
		"s":     "keep",
	}
	c := a.Clone()
	if !reflect.DeepEqual(a, c) {
		t.Fatalf("clone differs: %#v vs %#v", c, a)
	}
	c.Expr("pred").Args[0].Name = "changed"
	c.NamedExprs("exprs")[0].Expr.Name = "changed"
	c.NamedExprs("exprs")[0].Name = "changed"
	c.Strings("cols")[0] = "changed"
	c["s"] = "changed"
	c["new"] = 1.0
	want := ir.Attrs{
		"pred":  ir.Call("gt", ir.Col("a"), ir.LitInt(1)),
		"exprs": []ir.NamedExpr{{Name: "x", Expr: ir.Col("a")}},
		"cols":  []string{"a", "b"},
		"s":     "keep",
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("mutating the clone changed the original: %#v", a)
	}
}

func TestSchemaLookupNamesClone(t *testing.T) {
	s := &ir.Schema{
		Fields: []ir.Field{{Name: "a", Type: ir.Int64}, {Name: "b", Type: ir.String, Nullable: true}, {Name: "a", Type: ir.Float64}},
		Index:  []ir.Field{{Name: "k", Type: ir.String}},
	}
	for _, c := range []struct {
		name string
		want int
	}{{"a", 0}, {"b", 1}, {"k", -1}, {"", -1}, {"A", -1}} {
		if got := s.Lookup(c.name); got != c.want {
			t.Errorf("Lookup(%q) = %d, want %d", c.name, got, c.want)
		}
	}
	if got := s.Names(); !reflect.DeepEqual(got, []string{"a", "b", "a"}) {
		t.Errorf("Names() = %v", got)
	}
	if got := (&ir.Schema{}).Names(); len(got) != 0 {
		t.Errorf("Names() of an empty schema = %v", got)
	}

	d := &ir.Schema{Fields: s.Fields, Index: s.Index, Dynamic: true}
	c := d.Clone()
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("Clone() = %+v, want %+v", c, d)
	}
	c.Fields[0].Name = "zz"
	c.Fields = append(c.Fields, ir.Field{Name: "new"})
	c.Index[0].Type = ir.Int64
	c.Dynamic = false
	if s.Fields[0].Name != "a" || len(s.Fields) != 3 || s.Index[0].Type != ir.String || !d.Dynamic {
		t.Errorf("mutating the clone changed the original: %+v", d)
	}
}

func TestDTypes(t *testing.T) {
	all := []ir.DType{ir.Int64, ir.Float64, ir.Bool, ir.String, ir.DatetimeUS, ir.DatetimeNS, ir.Int32, ir.Float32, ir.Null}
	for _, d := range all {
		got, err := ir.ParseDType(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDType(%q) = %v, %v; want %v", d.String(), got, err, d)
		}
	}
	aliases := map[string]ir.DType{"int": ir.Int64, "float": ir.Float64, "double": ir.Float64, "boolean": ir.Bool,
		"string": ir.String, "object": ir.String, "datetime64": ir.DatetimeNS, "datetime": ir.DatetimeNS}
	for s, want := range aliases {
		if got, err := ir.ParseDType(s); err != nil || got != want {
			t.Errorf("ParseDType(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, bad := range []string{"", "int8", "Int64", "category", "datetime64[ms]"} {
		if _, err := ir.ParseDType(bad); err == nil || !strings.Contains(err.Error(), "unknown dtype") {
			t.Errorf("ParseDType(%q) error = %v, want unknown dtype", bad, err)
		}
	}
	if got := ir.DType(200).String(); got != "dtype(200)" {
		t.Errorf("DType(200).String() = %q", got)
	}
	if got := ir.Invalid.String(); got != "invalid" {
		t.Errorf("Invalid.String() = %q", got)
	}
	preds := []struct {
		d                                 ir.DType
		numeric, isInt, isFloat, datetime bool
	}{
		{ir.Int64, true, true, false, false},
		{ir.Int32, true, true, false, false},
		{ir.Float64, true, false, true, false},
		{ir.Float32, true, false, true, false},
		{ir.Bool, true, false, false, false},
		{ir.String, false, false, false, false},
		{ir.DatetimeUS, false, false, false, true},
		{ir.DatetimeNS, false, false, false, true},
		{ir.Null, false, false, false, false},
	}
	for _, p := range preds {
		if p.d.IsNumeric() != p.numeric || p.d.IsInt() != p.isInt || p.d.IsFloat() != p.isFloat || p.d.IsDatetime() != p.datetime {
			t.Errorf("%s: IsNumeric/IsInt/IsFloat/IsDatetime = %v/%v/%v/%v, want %v/%v/%v/%v", p.d,
				p.d.IsNumeric(), p.d.IsInt(), p.d.IsFloat(), p.d.IsDatetime(), p.numeric, p.isInt, p.isFloat, p.datetime)
		}
	}
}
