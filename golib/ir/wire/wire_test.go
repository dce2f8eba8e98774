package wire_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/ir/wire"
)

// plan wraps node JSON in a version-1 envelope.
func plan(outputs string, nodes ...string) []byte {
	return []byte(`{"magic": "flern-plan", "version": 1, "nodes": [` + strings.Join(nodes, ", ") + `], "outputs": [` + outputs + `]}`)
}

// exprPlan is a one-node plan whose attribute "pred" is the given expression JSON.
func exprPlan(expr string) []byte {
	return plan("0", `{"id": 0, "op": "source", "inputs": [], "attrs": {"pred": `+expr+`}}`)
}

func decodeExpr(t *testing.T, expr string) *ir.Expr {
	t.Helper()
	g, err := wire.Decode(exprPlan(expr))
	if err != nil {
		t.Fatalf("Decode(%s): %v", expr, err)
	}
	e := g.Node(0).Attrs.Expr("pred")
	if e == nil {
		t.Fatalf("attribute pred of %s decoded to %#v, not an expression", expr, g.Node(0).Attrs["pred"])
	}
	return e
}

func TestLiterals(t *testing.T) {
	cases := []struct {
		t, v  string // wire type and value ("" v with omit: no "v" key)
		omitV bool
		want  ir.Value
		print string
	}{
		{t: "int64", v: "0", want: ir.Value{Type: ir.Int64}, print: "0"},
		{t: "int64", v: "9223372036854775807", want: ir.Value{Type: ir.Int64, I: math.MaxInt64}, print: "9223372036854775807"},
		{t: "int64", v: "-9223372036854775808", want: ir.Value{Type: ir.Int64, I: math.MinInt64}, print: "-9223372036854775808"},
		{t: "int64", v: "9007199254740993", want: ir.Value{Type: ir.Int64, I: 1<<53 + 1}, print: "9007199254740993"}, // not representable as a JSON double
		{t: "int", v: "-12", want: ir.Value{Type: ir.Int64, I: -12}, print: "-12"},
		{t: "int32", v: "-2147483648", want: ir.Value{Type: ir.Int32, I: math.MinInt32}, print: "-2147483648"},
		{t: "float64", v: "1.5", want: ir.Value{Type: ir.Float64, F: 1.5}, print: "1.5"},
		{t: "float64", v: "3", want: ir.Value{Type: ir.Float64, F: 3}, print: "3.0"},
		{t: "float64", v: "-0.0", want: ir.Value{Type: ir.Float64, F: math.Copysign(0, -1)}, print: "-0.0"},
		{t: "float64", v: "1e-320", want: ir.Value{Type: ir.Float64, F: 1e-320}, print: "1e-320"},
		{t: "float64", v: "1.7976931348623157e308", want: ir.Value{Type: ir.Float64, F: math.MaxFloat64}, print: "1.7976931348623157e+308"},
		{t: "float64", v: "0.1", want: ir.Value{Type: ir.Float64, F: 0.1}, print: "0.1"},
		{t: "float64", v: "nan", want: ir.Value{Type: ir.Float64, F: math.NaN()}, print: "nan"},
		{t: "float64", v: "inf", want: ir.Value{Type: ir.Float64, F: math.Inf(1)}, print: "+Inf"},
		{t: "float64", v: "-inf", want: ir.Value{Type: ir.Float64, F: math.Inf(-1)}, print: "-Inf"},
		{t: "float", v: "2.5", want: ir.Value{Type: ir.Float64, F: 2.5}, print: "2.5"},
		// Python sends repr(float(np.float32(x))): the exact widened value.
		{t: "float32", v: "0.10000000149011612", want: ir.Value{Type: ir.Float32, F: float64(float32(0.1))}, print: "0.10000000149011612"},
		{t: "float32", v: "nan", want: ir.Value{Type: ir.Float32, F: math.NaN()}, print: "nan"},
		{t: "float32", v: "-inf", want: ir.Value{Type: ir.Float32, F: math.Inf(-1)}, print: "-Inf"},
		{t: "bool", v: "true", want: ir.Value{Type: ir.Bool, B: true}, print: "True"},
		{t: "bool", v: "false", want: ir.Value{Type: ir.Bool}, print: "False"},
		{t: "str", v: "", want: ir.Value{Type: ir.String}, print: `""`},
		{t: "str", v: `say \"hi\"`, want: ir.Value{Type: ir.String, S: `say "hi"`}, print: `"say \"hi\""`},
		{t: "str", v: `line1\nline2\r\ttab\\`, want: ir.Value{Type: ir.String, S: "line1\nline2\r\ttab\\"}, print: `"line1\nline2\r\ttab\\"`},
		{t: "str", v: `naïve 日本 😀`, want: ir.Value{Type: ir.String, S: "naïve 日本 😀"}, print: `"naïve 日本 😀"`},
		{t: "str", v: `\u00e9\ud83d\ude00`, want: ir.Value{Type: ir.String, S: "é😀"}, print: `"é😀"`},
		{t: "str", v: `nul\u0000byte`, want: ir.Value{Type: ir.String, S: "nul\x00byte"}, print: `"nul\x00byte"`},
		{t: "string", v: "42", want: ir.Value{Type: ir.String, S: "42"}, print: `"42"`},
		{t: "datetime64[us]", v: "1700000000123456", want: ir.Value{Type: ir.DatetimeUS, I: 1700000000123456}, print: "datetime64[us](1700000000123456)"},
		{t: "datetime64[ns]", v: "-1", want: ir.Value{Type: ir.DatetimeNS, I: -1}, print: "datetime64[ns](-1)"},
		{t: "null", omitV: true, want: ir.Value{Type: ir.Null}, print: "None"},
		{t: "null", v: "ignored", want: ir.Value{Type: ir.Null}, print: "None"},
	}
	for _, c := range cases {
		js := `{"k": "lit", "t": "` + c.t + `", "v": "` + c.v + `"}`
		if c.omitV {
			js = `{"k": "lit", "t": "` + c.t + `"}`
		}
		t.Run(js, func(t *testing.T) {
			e := decodeExpr(t, js)
			if e.Kind != ir.ExprLit {
				t.Fatalf("kind %v, want literal", e.Kind)
			}
			got := e.Lit
			same := got.Type == c.want.Type && got.I == c.want.I && got.B == c.want.B && got.S == c.want.S &&
				(got.F == c.want.F && math.Signbit(got.F) == math.Signbit(c.want.F) || math.IsNaN(got.F) && math.IsNaN(c.want.F))
			if !same {
				t.Errorf("decoded %+v, want %+v", got, c.want)
			}
			if s := e.String(); s != c.print {
				t.Errorf("prints %s, want %s", s, c.print)
			}
		})
	}
}

func TestExpressions(t *testing.T) {
	cases := []struct {
		js, want string
	}{
		{`{"k": "col", "name": "price"}`, `col("price")`},
		{`{"k": "col", "name": "with \"quote\" and\nnewline"}`, `col("with \"quote\" and\nnewline")`},
		{`{"k": "col", "name": ""}`, `col("")`},
		{`{"k": "call", "fn": "add", "args": [{"k": "col", "name": "a"}, {"k": "lit", "t": "int64", "v": "1"}]}`, `add(col("a"), 1)`},
		{`{"k": "call", "fn": "isna", "args": [{"k": "call", "fn": "neg", "args": [{"k": "col", "name": "x"}]}]}`, `isna(neg(col("x")))`},
		{`{"k": "call", "fn": "rand"}`, `rand()`},
		{`{"k": "call", "fn": "rand", "args": [], "opts": {}}`, `rand()`},
		{`{"k": "call", "fn": "cast", "args": [{"k": "col", "name": "a"}], "opts": {"dtype": "float32"}}`, `cast(col("a"), dtype="float32")`},
		{`{"k": "call", "fn": "str_contains", "args": [{"k": "col", "name": "s"}], "opts": {"regex": true, "pat": "^a", "case": false}}`,
			`str_contains(col("s"), case=false, pat="^a", regex=true)`},
		{`{"k": "col", "name": "a", "extra": "ignored"}`, `col("a")`},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := decodeExpr(t, c.js).String(); got != c.want {
				t.Errorf("decoded %s, want %s", got, c.want)
			}
		})
	}
	if e := decodeExpr(t, `{"k": "call", "fn": "f", "opts": {}}`); e.Opts != nil {
		t.Errorf("empty opts decoded to %#v, want nil", e.Opts)
	}
}

func TestAttributeShapes(t *testing.T) {
	g, err := wire.Decode(plan("0", `{"id": 0, "op": "source", "inputs": [], "loc": "a.py:1", "attrs": {
		"n": 3, "f": 2.5, "b": false, "s": "x", "null": null, "empty": [], "emptymap": {},
		"list": ["a", 1, true, null],
		"exprs": [{"name": "a", "expr": {"k": "col", "name": "a"}}, {"name": "twice", "expr": {"k": "call", "fn": "mul", "args": [{"k": "col", "name": "a"}, {"k": "lit", "t": "int64", "v": "2"}]}}],
		"keys": [{"k": "col", "name": "a"}, {"k": "lit", "t": "str", "v": "z"}],
		"nested": {"m": {"deep": [{"k": "col", "name": "d"}, {"x": [1, {"k": "lit", "t": "null"}]}]}, "l": [[{"k": "col", "name": "e"}]]},
		"aggs": [{"name": "n", "col": "", "fn": "size"}]
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	n := g.Node(0)
	if n.Op != "source" || n.Loc != "a.py:1" || n.ID != 0 || len(n.Inputs) != 0 {
		t.Errorf("node = %+v", n)
	}
	a := n.Attrs
	if a["n"] != 3.0 || a["f"] != 2.5 || a["b"] != false || a["s"] != "x" || a["null"] != nil {
		t.Errorf("scalars decoded as %#v %#v %#v %#v %#v", a["n"], a["f"], a["b"], a["s"], a["null"])
	}
	if _, ok := a["null"]; !ok {
		t.Errorf("null attribute dropped")
	}
	if !reflect.DeepEqual(a["empty"], []any{}) || !reflect.DeepEqual(a["emptymap"], map[string]any{}) {
		t.Errorf("empty list/map decoded as %#v, %#v", a["empty"], a["emptymap"])
	}
	if !reflect.DeepEqual(a["list"], []any{"a", 1.0, true, nil}) {
		t.Errorf("list = %#v", a["list"])
	}
	proj := a.NamedExprs("exprs")
	if len(proj) != 2 || proj[0].Name != "a" || proj[1].Name != "twice" || proj[1].Expr.String() != `mul(col("a"), 2)` {
		t.Errorf("projection = %#v", a["exprs"])
	}
	// Only the attributes in wire.ExprAttrs hold expressions: anything else
	// that looks like one stays plain JSON (user text such as a rename
	// mapping {"k": "key"} must never be decoded as an expression).
	keys, _ := a["keys"].([]any)
	if len(keys) != 2 || !reflect.DeepEqual(keys[0], map[string]any{"k": "col", "name": "a"}) {
		t.Errorf("expression-shaped list outside ExprAttrs = %#v", a["keys"])
	}
	nested := a["nested"].(map[string]any)
	deep := nested["m"].(map[string]any)["deep"].([]any)
	if !reflect.DeepEqual(deep[0], map[string]any{"k": "col", "name": "d"}) {
		t.Errorf("nested expression-shaped object = %#v", deep[0])
	}
	aggs := a["aggs"].([]any)
	if !reflect.DeepEqual(aggs[0], map[string]any{"name": "n", "col": "", "fn": "size"}) {
		t.Errorf("aggs = %#v", aggs)
	}
}

func TestGraphShape(t *testing.T) {
	g, err := wire.Decode(plan("2, 0, 2",
		`{"id": 0, "op": "source", "inputs": [], "attrs": {"input": 0}}`,
		`{"id": 1, "op": "source", "inputs": []}`,
		`{"id": 2, "op": "join", "inputs": [0, 1], "attrs": {"how": "inner"}, "loc": "j.py:9"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 3 || !reflect.DeepEqual(g.Outputs, []ir.NodeID{2, 0, 2}) {
		t.Fatalf("graph = %d nodes, outputs %v", len(g.Nodes), g.Outputs)
	}
	if g.Node(1).Attrs == nil {
		t.Errorf("a node without attrs must get an empty, non-nil Attrs map")
	}
	if !reflect.DeepEqual(g.Node(2).Inputs, []ir.NodeID{0, 1}) || g.Node(2).Loc != "j.py:9" {
		t.Errorf("join node = %+v", g.Node(2))
	}
	// An empty plan is structurally valid for the codec (Verify rejects it later).
	g, err = wire.Decode(plan(""))
	if err != nil || len(g.Nodes) != 0 || len(g.Outputs) != 0 {
		t.Errorf("empty plan: %v, %+v", err, g)
	}
}

// TestGolden decodes testdata/valid/*.json and compares the printed plan with
// the sibling .txt file.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) == 0 {
		t.Fatal("no testdata/valid/*.json files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			g, err := wire.Decode(data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := g.Print(); got != string(want) {
				t.Errorf("printed plan:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestInvalid decodes every testdata/invalid/*.json plan; each must fail
// with a *ir.Error of kind Value whose message contains the text of the
// sibling .err file.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) < 10 {
		t.Fatalf("only %d testdata/invalid/*.json files", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			wantB, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".err")
			if err != nil {
				t.Fatalf("missing expected-error file: %v", err)
			}
			want := strings.TrimRight(string(wantB), "\n")
			g, err := wire.Decode(data)
			if err == nil {
				t.Fatalf("Decode succeeded (%d nodes), want error containing %q", len(g.Nodes), want)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			var fe *ir.Error
			if !errors.As(err, &fe) || fe.Kind != "Value" {
				t.Errorf("error %#v is not an *ir.Error of kind Value", err)
			}
			// Attribute errors name the node's op and the user's line.
			if strings.Contains(want, "attribute") && (fe == nil || fe.Op != "filter" || fe.Loc != "etl.py:42") {
				t.Errorf("attribute error %#v does not carry op filter and loc etl.py:42", err)
			}
		})
	}
}

// TestMapAttrWithKeyK: a plain JSON object attribute whose keys are user
// data (rename's mapping, read_csv's dtype / na_values dicts) may contain a
// column named "k"; it must not be mistaken for an expression.
func TestMapAttrWithKeyK(t *testing.T) {
	cases := []struct {
		name, attr string
		want       map[string]any
	}{
		{"rename mapping", `{"k": "key", "v": "value"}`, map[string]any{"k": "key", "v": "value"}},
		{"dtype dict", `{"k": "int64"}`, map[string]any{"k": "int64"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := wire.Decode(plan("0", `{"id": 0, "op": "rename", "inputs": [], "attrs": {"mapping": `+c.attr+`}}`))
			if err != nil {
				t.Fatalf("a user-keyed map was decoded as an expression: %v", err)
			}
			if !reflect.DeepEqual(g.Node(0).Attrs["mapping"], c.want) {
				t.Errorf("mapping = %#v, want %#v", g.Node(0).Attrs["mapping"], c.want)
			}
		})
	}
}
