package frame_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// schema parses "a:int64, b:str?" (trailing ? = nullable); index levels are
// written first in brackets: "[k]:str, a:int64" ("[]" for an unnamed level).
func schema(s string) *ir.Schema {
	out := &ir.Schema{}
	if strings.TrimSpace(s) == "" {
		return out
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, tn, _ := strings.Cut(part, ":")
		nullable := strings.HasSuffix(tn, "?")
		t, err := ir.ParseDType(strings.TrimSuffix(tn, "?"))
		if err != nil {
			panic(err)
		}
		if strings.HasPrefix(name, "[") {
			out.Index = append(out.Index, ir.Field{Name: strings.Trim(name, "[]"), Type: t, Nullable: nullable})
		} else {
			out.Fields = append(out.Fields, ir.Field{Name: name, Type: t, Nullable: nullable})
		}
	}
	return out
}

// show prints a schema in schema()'s notation.
func show(s *ir.Schema) string {
	if s == nil {
		return "<nil>"
	}
	var parts []string
	f := func(f ir.Field, index bool) {
		p := f.Name + ":" + f.Type.String()
		if index {
			p = "[" + f.Name + "]:" + f.Type.String()
		}
		if f.Nullable {
			p += "?"
		}
		parts = append(parts, p)
	}
	for _, x := range s.Index {
		f(x, true)
	}
	for _, x := range s.Fields {
		f(x, false)
	}
	out := strings.Join(parts, ", ")
	if s.Dynamic {
		out += " (dynamic)"
	}
	return out
}

func strs(v ...string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

func agg(name, c, fn string) any { return map[string]any{"name": name, "col": c, "fn": fn} }

func named(pairs ...any) []ir.NamedExpr {
	var out []ir.NamedExpr
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, ir.NamedExpr{Name: pairs[i].(string), Expr: pairs[i+1].(*ir.Expr)})
	}
	return out
}

type inferCase struct {
	name    string
	op      string
	attrs   ir.Attrs
	in      []string // input schemas in schema() notation
	want    string   // output schema in show() notation
	wantErr string   // "Kind: message substring"
}

func runInfer(t *testing.T, cases []inferCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info := ir.LookupOp(c.op)
			if info == nil {
				t.Fatalf("op %q not registered", c.op)
			}
			var in []*ir.Schema
			for _, s := range c.in {
				in = append(in, schema(s))
			}
			if len(in) != info.Inputs && info.Inputs != ir.ZeroOrMore {
				t.Fatalf("op %s takes %d inputs, case gives %d", c.op, info.Inputs, len(in))
			}
			attrs := c.attrs
			if attrs == nil {
				attrs = ir.Attrs{}
			}
			got, err := info.Infer(&ir.Node{Op: c.op, Attrs: attrs}, in)
			checkErr(t, err, c.wantErr)
			if c.wantErr == "" && show(got) != c.want {
				t.Errorf("schema = %s\nwant     %s", show(got), c.want)
			}
		})
	}
}

// checkErr compares err with want = "Kind: substring" ("" = no error).
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	kind, msg, _ := strings.Cut(want, ": ")
	var fe *ir.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not an *ir.Error", err, err)
	}
	if fe.Kind != kind || !strings.Contains(fe.Msg, msg) {
		t.Errorf("error = %s: %s\nwant    %s: ...%s...", fe.Kind, fe.Msg, kind, msg)
	}
}

const abc = "a:int64, b:str?, c:float64"

func TestInferColumnOps(t *testing.T) {
	runInfer(t, []inferCase{
		{name: "source", op: "source",
			attrs: ir.Attrs{"input": 0.0,
				"fields": []any{map[string]any{"name": "a", "type": "int64"}, map[string]any{"name": "s", "type": "str", "nullable": true}},
				"index":  []any{map[string]any{"name": "k", "type": "datetime64[ns]"}}},
			want: "[k]:datetime64[ns], a:int64, s:str?"},
		{name: "source without fields", op: "source", want: ""},
		{name: "source with unknown dtype", op: "source",
			attrs:   ir.Attrs{"fields": []any{map[string]any{"name": "x", "type": "category"}}},
			wantErr: `NotImplemented: column "x": unknown dtype "category"`},
		{name: "source with bad field", op: "source", attrs: ir.Attrs{"fields": []any{"x"}}, wantErr: "Value: bad field description x"},

		{name: "project computes types and keeps the index", op: "project", in: []string{"[k]:str, " + abc},
			attrs: ir.Attrs{"exprs": named("c", ir.Col("c"), "twice", ir.Call("mul", ir.Col("a"), ir.LitInt(2)), "up", ir.Call("str_upper", ir.Col("b")))},
			want:  "[k]:str, c:float64, twice:int64, up:str?"},
		{name: "project with no columns", op: "project", in: []string{abc}, attrs: ir.Attrs{"exprs": []ir.NamedExpr{}}, want: ""},
		{name: "project duplicate name", op: "project", in: []string{abc},
			attrs: ir.Attrs{"exprs": named("x", ir.Col("a"), "x", ir.Col("c"))}, wantErr: `Value: duplicate column name "x"`},
		{name: "project unknown column", op: "project", in: []string{abc},
			attrs: ir.Attrs{"exprs": named("x", ir.Col("zz"))}, wantErr: `ColumnNotFound: column "zz" not found; columns are ["a", "b", "c"]`},

		{name: "select reorders", op: "select", in: []string{"[k]:int64, " + abc}, attrs: ir.Attrs{"columns": strs("c", "a")},
			want: "[k]:int64, c:float64, a:int64"},
		{name: "select missing", op: "select", in: []string{abc}, attrs: ir.Attrs{"columns": strs("a", "nope")},
			wantErr: `ColumnNotFound: column "nope" not found; columns are ["a", "b", "c"]`},

		{name: "assign replaces in place and appends", op: "assign", in: []string{abc},
			attrs: ir.Attrs{"exprs": named("b", ir.Call("gt", ir.Col("a"), ir.LitInt(0)), "d", ir.Call("truediv", ir.Col("a"), ir.LitInt(2)))},
			want:  "a:int64, b:bool, c:float64, d:float64"},
		{name: "assign expressions see the input frame", op: "assign", in: []string{abc},
			attrs:   ir.Attrs{"exprs": named("d", ir.LitInt(1), "e", ir.Col("d"))},
			wantErr: `ColumnNotFound: column "d" not found`},

		{name: "rename, unknown names ignored", op: "rename", in: []string{"[k]:str, " + abc},
			attrs: ir.Attrs{"mapping": map[string]any{"a": "A", "zz": "Z", "c": "ç"}},
			want:  "[k]:str, A:int64, b:str?, ç:float64"},
		{name: "rename without mapping", op: "rename", in: []string{abc}, want: abc},

		{name: "drop_columns", op: "drop_columns", in: []string{abc}, attrs: ir.Attrs{"columns": strs("b")}, want: "a:int64, c:float64"},
		{name: "drop_columns unknown", op: "drop_columns", in: []string{abc}, attrs: ir.Attrs{"columns": strs("b", "q")},
			wantErr: `ColumnNotFound: ["q"] not found in axis`},

		{name: "filter keeps labels of a RangeIndex", op: "filter", in: []string{abc},
			attrs: ir.Attrs{"pred": ir.Call("gt", ir.Col("c"), ir.LitFloat(0))}, want: "[]:int64, " + abc},
		{name: "filter keeps a named index", op: "filter", in: []string{"[k]:str, " + abc},
			attrs: ir.Attrs{"pred": ir.Call("isna", ir.Col("b"))}, want: "[k]:str, " + abc},
		{name: "filter predicate not bool", op: "filter", in: []string{abc},
			attrs: ir.Attrs{"pred": ir.Call("add", ir.Col("a"), ir.LitInt(1))}, wantErr: "Type: filter predicate must be bool, got int64"},
		{name: "filter without predicate", op: "filter", in: []string{abc}, wantErr: "Value: filter without a predicate"},

		{name: "dropna all columns clears nullability", op: "dropna", in: []string{"a:int64, b:str?, d:datetime64[us]?"},
			want: "[]:int64, a:int64, b:str, d:datetime64[us]"},
		{name: "dropna subset clears the subset's nullability", op: "dropna", in: []string{"a:int64, b:str?, c:str?"}, attrs: ir.Attrs{"subset": strs("b")},
			want: "[]:int64, a:int64, b:str, c:str?"},
		{name: "dropna unknown subset", op: "dropna", in: []string{abc}, attrs: ir.Attrs{"subset": strs("x")},
			wantErr: `ColumnNotFound: column "x" not found`},

		{name: "get_dummies is dynamic", op: "get_dummies", in: []string{"[k]:int64, " + abc}, want: "[k]:int64 (dynamic)"},
		{name: "get_dummies unknown column", op: "get_dummies", in: []string{abc}, attrs: ir.Attrs{"columns": strs("s")},
			wantErr: `ColumnNotFound: column "s" not found`},
		{name: "distinct", op: "distinct", in: []string{"[k]:int64, " + abc}, attrs: ir.Attrs{"column": "b"}, want: "b:str?"},
		{name: "slice keeps labels", op: "slice", in: []string{abc}, attrs: ir.Attrs{"start": 1.0, "stop": nil}, want: "[]:int64, " + abc},
		{name: "sample replace", op: "sample", in: []string{abc}, attrs: ir.Attrs{"replace": true}, wantErr: "NotImplemented: sample(replace=True)"},
		{name: "drop_rows", op: "drop_rows", in: []string{abc, "a:int64"}, want: "[]:int64, " + abc},
		{name: "test_panic", op: "test_panic", want: "x:int64"},
	})
}

func TestInferScanCSV(t *testing.T) {
	old := frame.SniffCSV
	defer func() { frame.SniffCSV = old }()
	frame.SniffCSV = nil
	runInfer(t, []inferCase{{name: "no reader linked", op: "scan_csv", attrs: ir.Attrs{"path": "x.csv"}, wantErr: "Internal: no CSV reader linked"}})

	frame.SniffCSV = func(a ir.Attrs) (*ir.Schema, error) {
		if a.Str("path") == "bad.csv" {
			return nil, ir.Errorf("Parse", "broken file")
		}
		return schema("a:int64, b:str?, c:float64, d:bool"), nil
	}
	runInfer(t, []inferCase{
		{name: "whole file", op: "scan_csv", attrs: ir.Attrs{"path": "x.csv"}, want: "a:int64, b:str?, c:float64, d:bool"},
		{name: "pushed-down columns in the given order", op: "scan_csv", attrs: ir.Attrs{"path": "x.csv", "columns": strs("d", "a")},
			want: "d:bool, a:int64"},
		{name: "pushed-down empty column list", op: "scan_csv", attrs: ir.Attrs{"path": "x.csv", "columns": []any{}}, want: ""},
		{name: "pushed-down unknown column", op: "scan_csv", attrs: ir.Attrs{"path": "x.csv", "columns": strs("a", "z")},
			wantErr: `ColumnNotFound: column "z" not in x.csv`},
		{name: "sniff error passes through", op: "scan_csv", attrs: ir.Attrs{"path": "bad.csv"}, wantErr: "Parse: broken file"},
	})
}

func TestInferGroupBy(t *testing.T) {
	const in = "k:str?, j:int64, i:int64, i32:int32, f:float64, f32:float32, b:bool, s:str?, d:datetime64[us]?"
	gb := func(keys []any, aggs ...any) ir.Attrs { return ir.Attrs{"keys": keys, "aggs": aggs} }
	runInfer(t, []inferCase{
		{name: "keys become the index, dropna clears their nullability", op: "groupby_agg", in: []string{in},
			attrs: gb(strs("k", "j"), agg("total", "i", "sum")), want: "[k]:str, [j]:int64, total:int64"},
		{name: "dropna=False keeps null keys", op: "groupby_agg", in: []string{in},
			attrs: ir.Attrs{"keys": strs("k"), "dropna": false, "aggs": []any{agg("n", "", "size")}}, want: "[k]:str?, n:int64"},
		{name: "as_index=False makes keys columns", op: "groupby_agg", in: []string{in},
			attrs: ir.Attrs{"keys": strs("k"), "as_index": false, "aggs": []any{agg("m", "f", "mean")}}, want: "k:str, m:float64"},
		{name: "no keys reduces to one row", op: "groupby_agg", in: []string{in},
			attrs: gb(strs(), agg("n", "", "size"), agg("c", "s", "count")), want: "n:int64, c:int64"},
		{name: "result types", op: "groupby_agg", in: []string{in},
			attrs: gb(strs("k"),
				agg("sum_b", "b", "sum"), agg("sum_f32", "f32", "sum"),
				agg("mean_i", "i", "mean"), agg("std_b", "b", "std"), agg("var_f32", "f32", "var"), agg("med_i32", "i32", "median"),
				agg("cnt_s", "s", "count"), agg("nu_d", "d", "nunique"),
				agg("min_s", "s", "min"), agg("max_d", "d", "max"), agg("first_b", "b", "first"), agg("last_f", "f", "last")),
			want: "[k]:str, sum_b:int64, sum_f32:float32, mean_i:float64, std_b:float64, var_f32:float32, med_i32:float64, " +
				"cnt_s:int64, nu_d:int64, min_s:str?, max_d:datetime64[us]?, first_b:bool, last_f:float64"},
		{name: "mean of strings", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("m", "s", "mean")),
			wantErr: "Type: agg function mean is not supported for str columns"},
		{name: "median of datetimes (pandas gives datetimes)", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("m", "d", "median")),
			wantErr: "NotImplemented: groupby median of a datetime64[us] column"},
		{name: "mean of datetimes", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("m", "d", "mean")),
			wantErr: "NotImplemented: groupby mean of a datetime64[us] column"},
		{name: "std of datetimes (pandas gives timedeltas)", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("m", "d", "std")),
			wantErr: "NotImplemented: groupby std of a datetime64[us] column"},
		{name: "var of datetimes (pandas raises TypeError)", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("m", "d", "var")),
			wantErr: "Type: agg function var is not supported for datetime64[us] columns"},
		{name: "sum of datetimes (pandas raises TypeError)", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("m", "d", "sum")),
			wantErr: "Type: agg function sum is not supported for datetime64[us] columns"},
		{name: "sum of strings", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("m", "s", "sum")),
			wantErr: "NotImplemented: sum of a str column"},
		{name: "unknown agg function", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("m", "i", "mode")),
			wantErr: `NotImplemented: agg function "mode"`},
		{name: "no aggregations", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k")),
			wantErr: "Value: groupby without aggregations"},
		{name: "unknown key", op: "groupby_agg", in: []string{in}, attrs: gb(strs("nokey"), agg("n", "", "size")),
			wantErr: `ColumnNotFound: column "nokey" not found; columns are ["k", "j", "i", "i32", "f", "f32", "b", "s", "d"]`},
		{name: "unknown agg column", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("x", "nocol", "sum")),
			wantErr: `ColumnNotFound: column "nocol" not found`},
		{name: "duplicate output", op: "groupby_agg", in: []string{in}, attrs: gb(strs("k"), agg("x", "i", "sum"), agg("x", "i", "max")),
			wantErr: `Value: duplicate output column "x" in groupby`},
		{name: "output clashes with a key column (pandas drops the key)", op: "groupby_agg", in: []string{in},
			attrs:   ir.Attrs{"keys": strs("k"), "as_index": false, "aggs": []any{agg("k", "i", "sum")}},
			wantErr: `NotImplemented: groupby(as_index=False) with an output column named like the key "k"`},
		{name: "output named like a key is fine with as_index", op: "groupby_agg", in: []string{in},
			attrs: gb(strs("k"), agg("k", "i", "sum")), want: "[k]:str, k:int64"},
		{name: "by an index level", op: "groupby_agg", in: []string{"[lvl]:int64, " + in},
			attrs: gb(strs("lvl", "k"), agg("n", "", "size")), want: "[lvl]:int64, [k]:str, n:int64"},
		{name: "an unnamed index level is not a key", op: "groupby_agg", in: []string{"[]:int64, " + in},
			attrs: gb(strs(""), agg("n", "", "size")), wantErr: `ColumnNotFound: column "" not found`},
	})
}

func TestInferJoin(t *testing.T) {
	const left = "k:int64, v:int64, w:str, lb:bool, lf:float64"
	const right = "k:int64, v:float64, u:str, ri:int32, rb:bool, rd:datetime64[us]"
	join := func(how string, lon, ron []any, extra ...any) ir.Attrs {
		a := ir.Attrs{"how": how, "left_on": lon, "right_on": ron}
		for i := 0; i < len(extra); i += 2 {
			a[extra[i].(string)] = extra[i+1]
		}
		return a
	}
	runInfer(t, []inferCase{
		{name: "inner: shared key once, clashes suffixed, fresh RangeIndex", op: "join", in: []string{"[ix]:str, " + left, right},
			attrs: join("inner", strs("k"), strs("k")),
			want:  "k:int64, v_x:int64, w:str, lb:bool, lf:float64, v_y:float64, u:str, ri:int32, rb:bool, rd:datetime64[us]"},
		{name: "left: right side promoted (int->float64, others nullable)", op: "join", in: []string{left, right},
			attrs: join("left", strs("k"), strs("k")),
			want:  "k:int64, v_x:int64, w:str, lb:bool, lf:float64, v_y:float64, u:str?, ri:float64, rb:bool?, rd:datetime64[us]?"},
		{name: "custom suffixes", op: "join", in: []string{left, right},
			attrs: join("inner", strs("k"), strs("k"), "suffixes", strs("_l", "_r")),
			want:  "k:int64, v_l:int64, w:str, lb:bool, lf:float64, v_r:float64, u:str, ri:int32, rb:bool, rd:datetime64[us]"},
		{name: "different key names keep both keys", op: "join", in: []string{"a:int64, x:str", "b:float64, x:str"},
			attrs: join("left", strs("a"), strs("b")), want: "a:int64, x_x:str, b:float64, x_y:str?"},
		{name: "differently named keys that clash get suffixes", op: "join", in: []string{"a:int64, b:int64", "b:int64, a:int64"},
			attrs: join("inner", strs("a"), strs("b")), want: "a_x:int64, b_x:int64, b_y:int64, a_y:int64"},
		{name: "two keys", op: "join", in: []string{"a:int64, b:str, x:int64", "a:int64, b:str, y:bool"},
			attrs: join("left", strs("a", "b"), strs("a", "b")), want: "a:int64, b:str, x:int64, y:bool?"},
		{name: "int and float keys merge", op: "join", in: []string{"a:int64", "a:float64"},
			attrs: join("inner", strs("a"), strs("a")), want: "a:int64"},
		{name: "key type mismatch", op: "join", in: []string{left, "k:str"}, attrs: join("inner", strs("k"), strs("k")),
			wantErr: `Value: You are trying to merge on int64 and str columns for key "k"`},
		{name: "bool and int keys (pandas: True == 1) not implemented", op: "join", in: []string{"a:bool", "a:int64"}, attrs: join("inner", strs("a"), strs("a")),
			wantErr: `NotImplemented: merge on bool and int64 keys (column "a")`},
		{name: "datetime keys of different units not implemented", op: "join", in: []string{"a:datetime64[us]", "a:datetime64[ns]"}, attrs: join("inner", strs("a"), strs("a")),
			wantErr: `NotImplemented: merge on datetime64[us] and datetime64[ns] keys (column "a")`},
		{name: "datetime and int keys", op: "join", in: []string{"a:datetime64[us]", "a:int64"}, attrs: join("inner", strs("a"), strs("a")),
			wantErr: `Value: You are trying to merge on datetime64[us] and int64 columns for key "a"`},
		{name: "left, probed all matched: right side keeps its types", op: "join", in: []string{left, right},
			attrs: join("left", strs("k"), strs("k"), "matched", true),
			want:  "k:int64, v_x:int64, w:str, lb:bool, lf:float64, v_y:float64, u:str, ri:int32, rb:bool, rd:datetime64[us]"},
		{name: "left, probed some unmatched: promoted", op: "join", in: []string{left, right},
			attrs: join("left", strs("k"), strs("k"), "matched", false),
			want:  "k:int64, v_x:int64, w:str, lb:bool, lf:float64, v_y:float64, u:str?, ri:float64, rb:bool?, rd:datetime64[us]?"},
		{name: "left, all matched, differently named int key kept", op: "join", in: []string{"a:int64", "b:int64, x:bool"},
			attrs: join("left", strs("a"), strs("b"), "matched", true), want: "a:int64, b:int64, x:bool"},
		{name: "inner ignores matched", op: "join", in: []string{"a:int64", "b:int64, x:bool"},
			attrs: join("inner", strs("a"), strs("b"), "matched", false), want: "a:int64, b:int64, x:bool"},
		{name: "suffix creates a duplicate", op: "join", in: []string{"k:int64, v:int64, v_x:int64", "k:int64, v:int64"},
			attrs: join("inner", strs("k"), strs("k")), wantErr: `Value: merge would create duplicate column "v_x"`},
		{name: "key counts differ", op: "join", in: []string{left, right}, attrs: join("inner", strs("k", "v"), strs("k")),
			wantErr: "Value: merge needs the same number of left and right keys (got 2 and 1)"},
		{name: "no keys", op: "join", in: []string{left, right}, attrs: join("inner", strs(), strs()),
			wantErr: "Value: merge needs the same number of left and right keys (got 0 and 0)"},
		{name: "unknown left key", op: "join", in: []string{left, right}, attrs: join("inner", strs("zz"), strs("k")),
			wantErr: `ColumnNotFound: column "zz" not found; columns are ["k", "v", "w", "lb", "lf"]`},
		{name: "a key that is an index level", op: "join", in: []string{"[k]:int64, v:int64", right},
			attrs: join("inner", strs("k"), strs("k")), wantErr: `NotImplemented: merge on the index level "k" (call reset_index() first)`},
		{name: "unknown right key", op: "join", in: []string{left, right}, attrs: join("inner", strs("k"), strs("zz")),
			wantErr: `ColumnNotFound: column "zz" not found; columns are ["k", "v", "u", "ri", "rb", "rd"]`},
		{name: "right join not implemented", op: "join", in: []string{left, right}, attrs: join("right", strs("k"), strs("k")),
			wantErr: `NotImplemented: merge(how="right")`},
		{name: "outer join not implemented", op: "join", in: []string{left, right}, attrs: join("outer", strs("k"), strs("k")),
			wantErr: `NotImplemented: merge(how="outer")`},
		{name: "bad how", op: "join", in: []string{left, right}, attrs: join("cross", strs("k"), strs("k")),
			wantErr: `Value: merge: how must be 'inner' or 'left', got "cross"`},
	})
}

func TestInferRowAndIndexOps(t *testing.T) {
	runInfer(t, []inferCase{
		{name: "sort keeps labels", op: "sort", in: []string{abc}, attrs: ir.Attrs{"by": strs("c", "a")}, want: "[]:int64, " + abc},
		{name: "sort keeps a named index", op: "sort", in: []string{"[k]:str, " + abc}, attrs: ir.Attrs{"by": strs("a")}, want: "[k]:str, " + abc},
		{name: "sort without keys", op: "sort", in: []string{abc}, attrs: ir.Attrs{"by": strs()}, wantErr: "Value: sort_values needs at least one key"},
		{name: "sort unknown key", op: "sort", in: []string{abc}, attrs: ir.Attrs{"by": strs("zz")},
			wantErr: `ColumnNotFound: column "zz" not found; columns are ["a", "b", "c"]`},
		{name: "sort_index", op: "sort_index", in: []string{"[k]:str, " + abc}, want: "[k]:str, " + abc},

		{name: "set_index drops the keys", op: "set_index", in: []string{abc}, attrs: ir.Attrs{"keys": strs("b", "a")},
			want: "[b]:str?, [a]:int64, c:float64"},
		{name: "set_index drop=False keeps them", op: "set_index", in: []string{abc}, attrs: ir.Attrs{"keys": strs("b"), "drop": false},
			want: "[b]:str?, " + abc},
		{name: "set_index replaces the old index", op: "set_index", in: []string{"[old]:int64, " + abc}, attrs: ir.Attrs{"keys": strs("c")},
			want: "[c]:float64, a:int64, b:str?"},
		{name: "set_index unknown key", op: "set_index", in: []string{abc}, attrs: ir.Attrs{"keys": strs("q")},
			wantErr: `ColumnNotFound: column "q" not found`},

		{name: "reset_index of a RangeIndex", op: "reset_index", in: []string{abc}, want: "index:int64, " + abc},
		{name: "reset_index of a named level", op: "reset_index", in: []string{"[k]:str?, " + abc}, want: "k:str?, " + abc},
		{name: "reset_index with an existing index column", op: "reset_index", in: []string{"[]:int64, index:str, a:int64"},
			want: "level_0:int64, index:str, a:int64"},
		{name: "reset_index of unnamed levels", op: "reset_index", in: []string{"[]:str, []:int64, [lvl]:bool, a:int64"},
			want: "level_0:str, level_1:int64, lvl:bool, a:int64"},
		{name: "reset_index drop", op: "reset_index", in: []string{"[k]:str, " + abc}, attrs: ir.Attrs{"drop": true}, want: abc},
		{name: "reset_index name clash", op: "reset_index", in: []string{"[a]:str, " + abc},
			wantErr: "Value: cannot insert a, already exists"},
		{name: "reset_index index and level_0 taken", op: "reset_index", in: []string{"[]:int64, index:int64, level_0:int64"},
			wantErr: "Value: cannot insert level_0, already exists"},

		{name: "value_counts", op: "value_counts", in: []string{abc}, attrs: ir.Attrs{"column": "b"}, want: "[b]:str?, count:int64"},
		{name: "value_counts normalize", op: "value_counts", in: []string{abc}, attrs: ir.Attrs{"column": "a", "normalize": true},
			want: "[a]:int64, proportion:float64"},
		{name: "value_counts unknown column", op: "value_counts", in: []string{abc}, attrs: ir.Attrs{"column": "zz"},
			wantErr: `ColumnNotFound: column "zz" not found`},

		{name: "describe: numeric non-bool columns as float64", op: "describe",
			in:   []string{"[k]:str, i:int64, s:str, j:int32, b:bool, f:float32"},
			want: "[]:str, i:float64, j:float64, f:float64"},
		{name: "describe without numeric columns", op: "describe", in: []string{"s:str, b:bool"},
			wantErr: "NotImplemented: describe() of a frame without numeric columns"},
	})
}

// Sort keys may name index levels when no column has that name (frame.go's
// op comment; exec/interp's sort implements it), as pandas' sort_values does.
func TestInferSortByIndexLevel(t *testing.T) {
	runInfer(t, []inferCase{
		{name: "by an index level", op: "sort", in: []string{"[k]:str, a:int64"}, attrs: ir.Attrs{"by": strs("k", "a")},
			want: "[k]:str, a:int64"},
		{name: "an unnamed level is not a key", op: "sort", in: []string{"[]:str, a:int64"}, attrs: ir.Attrs{"by": strs("")},
			wantErr: `ColumnNotFound: column "" not found`},
	})
}

func TestResetIndexName(t *testing.T) {
	s := schema("a:int64")
	withIndex := schema("index:int64")
	cases := []struct {
		name      string
		i, levels int
		s         *ir.Schema
		want      string
	}{
		{"k", 0, 1, s, "k"},
		{"", 0, 1, s, "index"},
		{"", 0, 1, withIndex, "level_0"},
		{"", 1, 3, s, "level_1"},
		{"", 0, 2, withIndex, "level_0"},
	}
	for _, c := range cases {
		if got := frame.ResetIndexName(c.name, c.i, c.levels, c.s); got != c.want {
			t.Errorf("ResetIndexName(%q, %d, %d, %s) = %q, want %q", c.name, c.i, c.levels, show(c.s), got, c.want)
		}
	}
}

func TestJoinColumnsSides(t *testing.T) {
	n := &ir.Node{Op: "join", Attrs: ir.Attrs{"how": "inner", "left_on": strs("k"), "right_on": strs("k")}}
	out, err := frame.JoinColumns(n, schema("k:int64, x:str"), schema("y:bool, k:int64, x:str"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out {
		got = append(got, o.Name+"@"+string(rune('0'+o.Side))+"."+string(rune('0'+o.Col)))
	}
	if want := "k@0.0 x_x@0.1 y@1.0 x_y@1.2"; strings.Join(got, " ") != want {
		t.Errorf("JoinColumns = %v, want %s", got, want)
	}
}

func TestAggFuncsAllTyped(t *testing.T) {
	for fn := range frame.AggFuncs {
		if _, _, err := frame.AggResultType(fn, ir.Float64); err != nil {
			t.Errorf("AggResultType(%q, float64): %v", fn, err)
		}
	}
}
