package fold

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// These tests check Simplify against the reference interpreter: an
// expression and its simplification must evaluate to identical columns
// (bit-for-bit floats, validity, type) or fail with the same error.

var litValues = []ir.Value{
	{Type: ir.Int64, I: 0}, {Type: ir.Int64, I: 1}, {Type: ir.Int64, I: -1}, {Type: ir.Int64, I: 7},
	{Type: ir.Int64, I: -7}, {Type: ir.Int64, I: 2}, {Type: ir.Int64, I: 63}, {Type: ir.Int64, I: 1 << 53},
	{Type: ir.Int64, I: 1<<53 + 1}, {Type: ir.Int64, I: math.MaxInt64}, {Type: ir.Int64, I: math.MinInt64},
	{Type: ir.Float64, F: 0}, {Type: ir.Float64, F: math.Copysign(0, -1)}, {Type: ir.Float64, F: 1},
	{Type: ir.Float64, F: -2.5}, {Type: ir.Float64, F: 7.5}, {Type: ir.Float64, F: 1 << 53},
	{Type: ir.Float64, F: math.NaN()}, {Type: ir.Float64, F: math.Inf(1)}, {Type: ir.Float64, F: math.Inf(-1)},
	{Type: ir.Float64, F: 1e308},
	{Type: ir.Bool, B: true}, {Type: ir.Bool, B: false},
	{Type: ir.String, S: ""}, {Type: ir.String, S: "a"}, {Type: ir.String, S: "b"}, {Type: ir.String, S: "ß"},
	{Type: ir.Null},
}

var binaryFns = []string{"add", "sub", "mul", "truediv", "floordiv", "mod", "pow",
	"eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor"}

func litExpr(v ir.Value) *ir.Expr { return &ir.Expr{Kind: ir.ExprLit, Lit: v} }

// TestFoldLiteralsMatchesInterp folds every binary function over every pair
// of literals and checks the folded literal against the interpreter, and
// that nothing the interpreter rejects is folded.
func TestFoldLiteralsMatchesInterp(t *testing.T) {
	empty := &ir.Schema{}
	one := &col.Frame{N: 1}
	folded, raising := 0, 0
	check := func(e *ir.Expr) {
		t.Helper()
		if err := frame.TypeExpr(e, empty); err != nil {
			return // not a valid expression
		}
		want, evalErr := interp.Eval(e, one)
		got, changed := Simplify(e.Clone(), false)
		if evalErr != nil {
			raising++
			if got.Kind == ir.ExprLit {
				t.Errorf("%s raises %v in the interpreter but folds to %s", e, evalErr, got)
			}
			return
		}
		if got.Kind != ir.ExprLit {
			return
		}
		if !changed {
			t.Errorf("%s: folded without reporting a change", e)
		}
		folded++
		if got.Type != e.Type || got.Nullable != e.Nullable {
			t.Errorf("%s folds to %s of type %s/%v, want %s/%v", e, got, got.Type, got.Nullable, e.Type, e.Nullable)
		}
		gotCol, err := interp.Eval(got, one)
		if err != nil {
			t.Fatalf("evaluating folded %s: %v", got, err)
		}
		if msg := diffColumns(want, gotCol); msg != "" {
			t.Errorf("%s folds to %s: %s", e, got, msg)
		}
	}
	for _, fn := range binaryFns {
		for _, x := range litValues {
			for _, y := range litValues {
				check(ir.Call(fn, litExpr(x), litExpr(y)))
			}
		}
	}
	for _, fn := range []string{"not", "neg", "abs", "isna", "notna"} {
		for _, x := range litValues {
			check(ir.Call(fn, litExpr(x)))
		}
	}
	if folded < 1000 || raising == 0 {
		t.Errorf("folded %d and left %d raising expressions; the test is not exercising the folder", folded, raising)
	}
}

// TestFoldExamples pins a few results by their printed form.
func TestFoldExamples(t *testing.T) {
	s := testSchema()
	cases := []struct {
		in   *ir.Expr
		want string
	}{
		{ir.Call("add", ir.LitInt(1), ir.LitInt(2)), "3"},
		{ir.Call("add", ir.LitInt(math.MaxInt64), ir.LitInt(1)), "-9223372036854775808"},
		{ir.Call("pow", ir.LitInt(2), ir.LitInt(63)), "-9223372036854775808"},
		{ir.Call("floordiv", ir.LitInt(7), ir.LitInt(-2)), "-4"},
		{ir.Call("mod", ir.LitInt(-7), ir.LitInt(3)), "2"},
		{ir.Call("floordiv", ir.LitInt(1), ir.LitInt(0)), "floordiv(1, 0)"},
		{ir.Call("mod", ir.LitInt(1), ir.LitInt(0)), "mod(1, 0)"},
		{ir.Call("pow", ir.LitInt(2), ir.LitInt(-1)), "pow(2, -1)"},
		{ir.Call("truediv", ir.LitInt(1), ir.LitInt(0)), "+Inf"},
		{ir.Call("mod", ir.LitFloat(-7.5), ir.LitInt(2)), "0.5"},
		{ir.Call("eq", ir.LitFloat(math.NaN()), ir.LitFloat(math.NaN())), "False"},
		{ir.Call("ne", ir.LitFloat(math.NaN()), ir.LitFloat(math.NaN())), "True"},
		{ir.Call("eq", ir.LitInt(1<<53+1), ir.LitFloat(1<<53)), "True"},
		{ir.Call("eq", ir.LitString("1"), ir.LitInt(1)), "False"},
		{ir.Call("add", ir.LitString("a"), ir.LitString("b")), `"ab"`},
		{ir.Call("add", ir.LitBool(true), ir.LitInt(1)), "2"},
		{ir.Call("neg", ir.LitInt(math.MinInt64)), "-9223372036854775808"},
		{ir.Call("and", ir.Call("lt", ir.LitInt(1), ir.LitInt(2)), ir.LitBool(true)), "True"},
		// identities
		{ir.Call("add", ir.Col("i"), ir.LitInt(0)), `col("i")`},
		{ir.Call("add", ir.LitInt(0), ir.Col("i")), `col("i")`},
		{ir.Call("sub", ir.Col("i"), ir.LitInt(0)), `col("i")`},
		{ir.Call("mul", ir.Col("i"), ir.LitInt(1)), `col("i")`},
		{ir.Call("mul", ir.LitBool(true), ir.Col("i")), `col("i")`},
		{ir.Call("truediv", ir.Col("i"), ir.LitInt(1)), `truediv(col("i"), 1)`}, // int / 1 is float
		{ir.Call("add", ir.Col("i"), ir.LitFloat(0)), `add(col("i"), 0.0)`},     // int + 0.0 is float
		{ir.Call("add", ir.Col("i32"), ir.LitInt(0)), `add(col("i32"), 0)`},     // int32 + int64 is int64
		{ir.Call("truediv", ir.Col("f"), ir.LitInt(1)), `col("f")`},
		{ir.Call("mul", ir.Col("f"), ir.LitFloat(1)), `col("f")`},
		{ir.Call("sub", ir.Col("f"), ir.LitInt(0)), `col("f")`},
		{ir.Call("add", ir.Col("f"), ir.LitFloat(0)), `add(col("f"), 0.0)`}, // -0.0 + 0.0 is +0.0
		{ir.Call("add", ir.Col("f"), ir.LitFloat(math.Copysign(0, -1))), `col("f")`},
		{ir.Call("add", ir.Col("s"), ir.LitString("")), `col("s")`},
		{ir.Call("add", ir.Col("b"), ir.LitInt(0)), `add(col("b"), 0)`}, // bool + int is int
		{ir.Call("add", ir.Call("add", ir.Col("i"), ir.LitInt(0)), ir.Call("mul", ir.LitInt(2), ir.LitInt(3))), `add(col("i"), 6)`},
		{ir.Call("not", ir.Call("not", ir.Col("b"))), `col("b")`},
		{ir.Call("not", ir.Call("not", ir.Col("nb"))), `not(not(col("nb")))`}, // null would become False
		{ir.Call("and", ir.Col("b"), ir.LitBool(true)), `col("b")`},
		{ir.Call("and", ir.LitBool(true), ir.Col("b")), `col("b")`},
		{ir.Call("and", ir.Col("nb"), ir.LitBool(true)), `and(col("nb"), True)`},
		{ir.Call("or", ir.Col("b"), ir.LitBool(false)), `col("b")`},
		{ir.Call("and", ir.Col("nb"), ir.LitBool(false)), "False"},
		{ir.Call("or", ir.LitBool(true), ir.Col("nb")), "True"},
		{ir.Call("xor", ir.Col("b"), ir.LitBool(true)), `not(col("b"))`},
		{ir.Call("xor", ir.Col("b"), ir.LitBool(false)), `col("b")`},
		{ir.Call("and", ir.Call("eq", ir.Call("floordiv", ir.Col("i"), ir.Col("i")), ir.LitInt(1)), ir.LitBool(false)),
			`and(eq(floordiv(col("i"), col("i")), 1), False)`}, // may raise: kept
		{ir.Call("and", ir.Call("eq", ir.Call("floordiv", ir.Col("i"), ir.LitInt(2)), ir.LitInt(1)), ir.LitBool(false)), "False"},
		{ir.Call("and", ir.Call("not", ir.Call("not", ir.Col("b"))), ir.Call("eq", ir.LitInt(1), ir.LitInt(1))), `col("b")`},
		{&ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{ir.Col("i")}, Opts: map[string]any{"dtype": "int64"}}, `col("i")`},
		{&ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{ir.Col("i")}, Opts: map[string]any{"dtype": "float64"}}, `cast(col("i"), dtype="float64")`},
	}
	for _, c := range cases {
		e := c.in.Clone()
		if err := frame.TypeExpr(e, s); err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		got, changed := Simplify(e.Clone(), false)
		if got.String() != c.want {
			t.Errorf("Simplify(%s) = %s, want %s", e, got, c.want)
		}
		if changed != (got.String() != e.String()) {
			t.Errorf("Simplify(%s): changed=%v", e, changed)
		}
	}
	// In a predicate only truthiness counts: nullable operands may stand.
	for _, c := range []struct {
		in   *ir.Expr
		want string
	}{
		{ir.Call("not", ir.Call("not", ir.Col("nb"))), `col("nb")`},
		{ir.Call("and", ir.Col("nb"), ir.LitBool(true)), `col("nb")`},
		{ir.Call("or", ir.Call("not", ir.Call("not", ir.Col("nb"))), ir.Col("b")), `or(col("nb"), col("b"))`},
	} {
		e := c.in.Clone()
		if err := frame.TypeExpr(e, s); err != nil {
			t.Fatal(err)
		}
		if got, _ := Simplify(e, true); got.String() != c.want {
			t.Errorf("Simplify(%s, pred) = %s, want %s", c.in, got, c.want)
		}
	}
}

func testSchema() *ir.Schema {
	return &ir.Schema{Fields: []ir.Field{
		{Name: "i", Type: ir.Int64}, {Name: "f", Type: ir.Float64}, {Name: "b", Type: ir.Bool},
		{Name: "nb", Type: ir.Bool, Nullable: true}, {Name: "s", Type: ir.String},
		{Name: "ns", Type: ir.String, Nullable: true}, {Name: "i32", Type: ir.Int32},
		{Name: "f32", Type: ir.Float32}, {Name: "z", Type: ir.Int64},
	}}
}

// testFrame holds the columns of testSchema with edge-case values.
func testFrame() *col.Frame {
	neg0 := math.Copysign(0, -1)
	valid := col.NewBitmap(8, true)
	col.SetBit(valid, 1, false)
	col.SetBit(valid, 5, false)
	nb := col.NewBool([]bool{true, true, false, false, true, false, true, false})
	nb.Valid = valid
	return &col.Frame{N: 8,
		Names: []string{"i", "f", "b", "nb", "s", "ns", "i32", "f32", "z"},
		Cols: []*col.Column{
			col.NewInt64([]int64{0, 1, -1, 7, -7, math.MaxInt64, math.MinInt64, 3}),
			col.NewFloat64([]float64{0, neg0, math.NaN(), math.Inf(1), math.Inf(-1), -2.5, 7.5, 1e308}),
			col.NewBool([]bool{true, false, true, false, false, true, true, false}),
			nb,
			col.NewStrings([]string{"", "a", "B", "ß", "a", "xyz", "1", "2.5"}, nil),
			col.NewStrings([]string{"", "a", "B", "ß", "a", "xyz", "1", "2.5"}, valid),
			{Type: ir.Int32, N: 8, I64: []int64{0, 1, -1, math.MaxInt32, math.MinInt32, 5, -5, 2}},
			{Type: ir.Float32, N: 8, F64: []float64{0, neg0, 1.5, math.NaN(), -3.25, 0.5, 2, float64(float32(1e30))}},
			col.NewInt64([]int64{0, 0, 0, 0, 0, 0, 0, 0}),
		},
	}
}

// TestSimplifyRandomMatchesInterp generates random typed expressions over
// testFrame and checks each against its simplification in the interpreter.
func TestSimplifyRandomMatchesInterp(t *testing.T) {
	s, f := testSchema(), testFrame()
	seed, target := int64(1), 30000
	if os.Getenv("FLERN_FOLD_FUZZ") != "" { // longer run: FLERN_FOLD_FUZZ=1 go test -run Random
		seed, target = time.Now().UnixNano(), 3000000
	}
	rng := rand.New(rand.NewSource(seed))
	valid, changed := 0, 0
	for iter := 0; iter < 100*target && valid < target; iter++ {
		e := randExpr(rng, 3)
		if err := frame.TypeExpr(e, s); err != nil {
			continue
		}
		valid++
		for _, pred := range []bool{false, true} {
			if pred && e.Type != ir.Bool {
				continue
			}
			want, wantErr, panicked := safeEval(e, f)
			if panicked != nil {
				// An interpreter crash is not this pass's to judge.
				t.Logf("interpreter panics on %s: %v", e, panicked)
				break
			}
			if wantErr != nil && !dce.MayRaise(e) {
				t.Fatalf("%s raises %v but MayRaise says it cannot", e, wantErr)
			}
			got, ch := Simplify(e.Clone(), pred)
			if ch {
				changed++
			}
			if got.Type != e.Type || (!pred && got.Nullable != e.Nullable) {
				t.Fatalf("Simplify(%s, %v) = %s changes the type %s/%v to %s/%v", e, pred, got, e.Type, e.Nullable, got.Type, got.Nullable)
			}
			// The rewritten tree must still type-check to the same type.
			re := got.Clone()
			if err := frame.TypeExpr(re, s); err != nil || re.Type != e.Type {
				t.Fatalf("Simplify(%s) = %s no longer types as %s: %v", e, got, e.Type, err)
			}
			gotCol, gotErr, p := safeEval(got, f)
			if p != nil {
				t.Fatalf("Simplify(%s) = %s, which makes the interpreter panic: %v", e, got, p)
			}
			switch {
			case wantErr != nil || gotErr != nil:
				if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
					t.Fatalf("Simplify(%s, %v) = %s: error %v, want %v", e, pred, got, gotErr, wantErr)
				}
			case pred:
				for i := 0; i < f.N; i++ {
					w := want.B[i] && want.IsValid(i)
					g := gotCol.B[i] && gotCol.IsValid(i)
					if w != g {
						t.Fatalf("Simplify(%s, pred) = %s: row %d is %v, want %v", e, got, i, g, w)
					}
				}
			default:
				if msg := diffColumns(want, gotCol); msg != "" {
					t.Fatalf("Simplify(%s) = %s: %s", e, got, msg)
				}
			}
		}
	}
	if valid < 10000 || changed < 1000 {
		t.Fatalf("seed %d: only %d valid expressions, %d simplified: generator too weak", seed, valid, changed)
	}
	t.Logf("%d expressions, %d simplified", valid, changed)
}

func safeEval(e *ir.Expr, f *col.Frame) (c *col.Column, err error, panicked any) {
	defer func() { panicked = recover() }()
	c, err = interp.Eval(e, f)
	return
}

var randCols = []string{"i", "f", "b", "nb", "s", "ns", "i32", "f32", "z"}

var randLits = []ir.Value{
	{Type: ir.Int64, I: 0}, {Type: ir.Int64, I: 1}, {Type: ir.Int64, I: -1}, {Type: ir.Int64, I: 2},
	{Type: ir.Int64, I: math.MaxInt64}, {Type: ir.Float64, F: 0}, {Type: ir.Float64, F: math.Copysign(0, -1)},
	{Type: ir.Float64, F: 1}, {Type: ir.Float64, F: math.NaN()}, {Type: ir.Float64, F: 0.5},
	{Type: ir.Bool, B: true}, {Type: ir.Bool, B: false}, {Type: ir.String, S: ""}, {Type: ir.String, S: "a"},
	{Type: ir.Int32, I: 0}, {Type: ir.Int32, I: 1}, {Type: ir.Float32, F: 1}, {Type: ir.Float32, F: math.Copysign(0, -1)},
	{Type: ir.Null},
}

var randFns = []string{"add", "sub", "mul", "truediv", "floordiv", "mod", "pow",
	"eq", "ne", "lt", "gt", "and", "or", "xor", "not", "not", "neg", "abs", "isna", "notna",
	"cast", "cast", "where", "fillna", "str_lower", "str_len", "str_contains"}

var castTypes = []string{"int64", "float64", "bool", "str", "int32", "float32"}

func randExpr(rng *rand.Rand, depth int) *ir.Expr {
	r := rng.Intn(10)
	switch {
	case depth == 0 || r < 3:
		return ir.Col(randCols[rng.Intn(len(randCols))])
	case r < 5:
		return litExpr(randLits[rng.Intn(len(randLits))])
	}
	fn := randFns[rng.Intn(len(randFns))]
	info := frame.Funcs[fn]
	e := &ir.Expr{Kind: ir.ExprCall, Name: fn}
	for i := 0; i < info.Args; i++ {
		e.Args = append(e.Args, randExpr(rng, depth-1))
	}
	switch fn {
	case "cast":
		e.Opts = map[string]any{"dtype": castTypes[rng.Intn(len(castTypes))]}
	case "str_contains":
		e.Opts = map[string]any{"pat": []string{"a", "(", "b|ß"}[rng.Intn(3)]}
	}
	return e
}

// diffColumns describes how two columns differ ("" if identical).
func diffColumns(want, got *col.Column) string {
	if want.Type != got.Type || want.N != got.N {
		return fmt.Sprintf("got %s[%d], want %s[%d]", got.Type, got.N, want.Type, want.N)
	}
	var diffs []string
	for i := 0; i < want.N; i++ {
		wv, gv := want.IsValid(i), got.IsValid(i)
		if wv != gv {
			diffs = append(diffs, fmt.Sprintf("row %d valid %v, want %v", i, gv, wv))
			continue
		}
		if !wv {
			continue
		}
		var w, g string
		switch {
		case want.Type.IsFloat():
			w, g = floatBits(want.F64[i]), floatBits(got.F64[i])
		case want.Type == ir.Bool:
			w, g = fmt.Sprint(want.B[i]), fmt.Sprint(got.B[i])
		case want.Type == ir.String:
			w, g = want.Str(i), got.Str(i)
		default:
			w, g = fmt.Sprint(want.I64[i]), fmt.Sprint(got.I64[i])
		}
		if w != g {
			diffs = append(diffs, fmt.Sprintf("row %d = %q, want %q", i, g, w))
		}
	}
	return strings.Join(diffs, "; ")
}

func floatBits(f float64) string {
	if math.IsNaN(f) {
		return "nan"
	}
	if f == 0 && math.Signbit(f) {
		return "-0"
	}
	return fmt.Sprint(f)
}

func init() {
	// As the engine does: literal folding is defined by the interpreter.
	EvalConst = interp.EvalConst
}
