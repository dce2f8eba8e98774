package parquetio_test

// End to end through the engine: the hooks are wired, projection pushdown
// narrows scan_parquet, and the plan gives the same answer with the
// optimizer on and off.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flern/flern/golib/engine"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/parquetio"
)

func planJSON(path string) []byte {
	return fmt.Appendf(nil, `{
  "magic": "flern-plan", "version": 1,
  "nodes": [
    {"id": 0, "op": "scan_parquet", "inputs": [], "loc": "etl.py:1", "attrs": {"path": %q}},
    {"id": 1, "op": "filter", "inputs": [0], "loc": "etl.py:2",
     "attrs": {"pred": {"k": "call", "fn": "gt", "args": [{"k": "col", "name": "i32"}, {"k": "lit", "t": "int64", "v": "1"}]}}},
    {"id": 2, "op": "groupby_agg", "inputs": [1], "loc": "etl.py:3",
     "attrs": {"keys": ["b"], "aggs": [{"name": "n", "col": "i", "fn": "count"}, {"name": "m", "col": "f", "fn": "max"}]}}
  ],
  "outputs": [2]
}`, path)
}

func TestEnginePushdownAndRun(t *testing.T) {
	plan := planJSON("testdata/pandas_types.parquet")
	var results [2]string
	for k, o := range []engine.Options{{}, {NoOpt: true}} {
		p, err := engine.Compile(plan, o)
		if err != nil {
			t.Fatalf("Compile(%+v): %v", o, err)
		}
		ex := p.Explain(false)
		pushed := `scan_parquet(columns=["i", "i32", "f", "b"], path="testdata/pandas_types.parquet", stats_filter=gt(col("i32"), 1))  :: [<index>]:int64, i:int64, i32:int32, f:float64, b:bool`
		if strings.Contains(ex, pushed) == o.NoOpt {
			t.Fatalf("NoOpt=%v: plan\n%s\nshould %s %s", o.NoOpt, ex, map[bool]string{false: "contain", true: "not contain"}[o.NoOpt], pushed)
		}
		out, err := p.Run(context.Background(), nil)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		f := out[0]
		var b strings.Builder
		for i := 0; i < f.N; i++ {
			fmt.Fprintf(&b, "%v n=%d m=%v; ", f.Index[0].B[i], f.Col("n").I64[i], f.Col("m").F64[i])
		}
		results[k] = b.String()
	}
	// i32 > 1 keeps the rows i32 = 2, 5, 3 (b = false, false, true)
	if want := "false n=2 m=1e+300; true n=1 m=-0; "; results[0] != want || results[1] != want {
		t.Fatalf("results %q / %q, want %q", results[0], results[1], want)
	}
}

func TestEngineErrors(t *testing.T) {
	for _, tc := range []struct{ path, kind, msg string }{
		{"testdata/no_such.parquet", "IO", "No such file or directory"},
		{"testdata/gen.py", "Parse", "testdata/gen.py"},
	} {
		_, err := engine.Compile(planJSON(tc.path), engine.Options{})
		var fe *ir.Error
		if !errors.As(err, &fe) || fe.Kind != tc.kind || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "scan_parquet") {
			t.Errorf("%s: %v, want a %s error naming scan_parquet and %q", tc.path, err, tc.kind, tc.msg)
		}
	}
}

// TestEngineScanCodes: a scan's string column that a distinct reads
// (through a renaming project and a dropna), or that a project computes a string
// function of, is numbered from its dictionary as it is read (explain shows
// codes=[...]; values over 8 bytes too), one nobody numbers is not, and the
// answers equal the plan's with the stage off.
func TestEngineScanCodes(t *testing.T) {
	const n = 70000 // over exec's smallest memoized column
	vals := make([]any, n)
	names := []string{"SFO", "JFK", "", "日本", "ORD", "a value over 8 bytes"}
	for i := range vals {
		if i%97 == 5 {
			continue
		}
		vals[i] = names[(i*7/3+i/20000)%len(names)]
	}
	path := parquetio.WriteStringsForTest(t, t.TempDir(), "codes.parquet", "s", vals, 20000)
	plan := func(consumer string) []byte {
		return fmt.Appendf(nil, `{"magic": "flern-plan", "version": 1, "nodes": [
    {"id": 0, "op": "scan_parquet", "inputs": [], "loc": "etl.py:1", "attrs": {"path": %q}},
    {"id": 1, "op": "project", "inputs": [0], "loc": "etl.py:2", "attrs": {"exprs": [{"name": "v", "expr": {"k": "col", "name": "s"}}]}},
    %s], "outputs": [%d]}`, path, consumer, strings.Count(consumer, `"op"`)+1)
	}
	for _, tc := range []struct {
		name, consumer string
		marked         bool
	}{
		{"distinct", `{"id": 2, "op": "distinct", "inputs": [1], "loc": "etl.py:3", "attrs": {"column": "v"}}`, true},
		{"dropna, distinct", `{"id": 2, "op": "dropna", "inputs": [1], "loc": "etl.py:3", "attrs": {"how": "any"}},
    {"id": 3, "op": "distinct", "inputs": [2], "loc": "etl.py:4", "attrs": {"column": "v"}}`, true},
		{"str_slice", `{"id": 2, "op": "project", "inputs": [1], "loc": "etl.py:3", "attrs": {"exprs": [{"name": "v", "expr": {"k": "call", "fn": "str_slice", "args": [{"k": "col", "name": "v"}], "opts": {"start": 1, "stop": 9}}}]}}`, true},
		{"filter", `{"id": 2, "op": "filter", "inputs": [1], "loc": "etl.py:3", "attrs": {"pred": {"k": "call", "fn": "eq", "args": [{"k": "col", "name": "v"}, {"k": "lit", "t": "str", "v": "JFK"}]}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]string
			for k, off := range []bool{false, true} {
				o := engine.Options{}
				if off {
					o.Disabled = map[string]bool{"scan_codes": true}
				}
				p, err := engine.Compile(plan(tc.consumer), o)
				if err != nil {
					t.Fatal(err)
				}
				if ex := p.Explain(false); strings.Contains(ex, `codes=["s"]`) != (tc.marked && !off) {
					t.Fatalf("off=%v: plan\n%s", off, ex)
				}
				out, err := p.Run(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				c := out[0].Col("v")
				for i := 0; i < out[0].N; i++ {
					if i < 10 || i > out[0].N-3 {
						fmt.Fprintf(&b, "%v:%q ", c.IsValid(i), c.Str(i))
					}
				}
				fmt.Fprintf(&b, "(%d rows)", out[0].N)
				got[k] = b.String()
			}
			if got[0] != got[1] {
				t.Fatalf("with codes %s\nwithout   %s", got[0], got[1])
			}
			if strings.Contains(tc.name, "distinct") {
				var want strings.Builder
				seen := map[any]bool{}
				for _, v := range vals {
					if v == nil && tc.name != "distinct" {
						continue // dropped by dropna
					}
					if !seen[v] {
						seen[v] = true
						s, _ := v.(string)
						fmt.Fprintf(&want, "%v:%q ", v != nil, s)
					}
				}
				fmt.Fprintf(&want, "(%d rows)", len(seen))
				if got[0] != want.String() {
					t.Fatalf("distinct: %s, want %s", got[0], want.String())
				}
			}
		})
	}
}

// TestEngineScanDerive: a project reading a scanned string column only
// through row-local calls of it with int/float/bool results gets them from
// the scan (explain shows derive=[...], the column is not in the scan's
// schema), one that also passes the column on or has a string result does
// not; the answers -- and a cast's error, reported at the project -- equal
// the plan's with the stage off, for dictionary pages (with nulls and
// values over 8 bytes) and plain ones.
func TestEngineScanDerive(t *testing.T) {
	const n = 30000
	dir := t.TempDir()
	years := []string{"1970-01-01", "1982-01-01", "1976-01-01 and a long tail"}
	vals, bad := make([]any, n), make([]any, n)
	for i := range vals {
		vals[i] = years[(i*7/3)%len(years)]
		bad[i] = vals[i]
	}
	bad[n-3] = "x970-01-01"
	withNulls := append([]any(nil), vals...)
	for i := 5; i < n; i += 97 {
		withNulls[i] = nil
	}
	files := map[string]string{
		"dictionary": parquetio.WriteStringsForTest(t, dir, "d.parquet", "s", vals, 7000),
		"nulls":      parquetio.WriteStringsForTest(t, dir, "n.parquet", "s", withNulls, 7000),
		"plain":      parquetio.WritePlainStringsForTest(t, dir, "p.parquet", "s", vals, 7000),
		"bad value":  parquetio.WriteStringsForTest(t, dir, "b.parquet", "s", bad, 7000),
		"bad, plain": parquetio.WritePlainStringsForTest(t, dir, "bp.parquet", "s", bad, 7000),
	}
	year := `{"k": "call", "fn": "sub", "args": [{"k": "call", "fn": "cast", "args": [{"k": "call", "fn": "str_slice", "args": [{"k": "col", "name": "s"}], "opts": {"start": 0, "stop": 4}}], "opts": {"dtype": "int64"}}, {"k": "lit", "t": "int64", "v": "1900"}]}`
	is70 := `{"k": "call", "fn": "eq", "args": [{"k": "col", "name": "s"}, {"k": "lit", "t": "str", "v": "1970-01-01"}]}`
	upper := `{"k": "call", "fn": "str_upper", "args": [{"k": "col", "name": "s"}]}`
	for _, tc := range []struct {
		name, file, exprs string
		derived           bool
		err               string
	}{
		{"int and bool", "dictionary", `{"name": "y", "expr": ` + year + `}, {"name": "b", "expr": ` + is70 + `}`, true, ""},
		{"bool with nulls", "nulls", `{"name": "b", "expr": ` + is70 + `}`, true, ""},
		{"plain pages", "plain", `{"name": "y", "expr": ` + year + `}`, true, ""},
		{"column passed on", "dictionary", `{"name": "y", "expr": ` + year + `}, {"name": "s", "expr": {"k": "col", "name": "s"}}`, false, ""},
		{"string result", "dictionary", `{"name": "u", "expr": ` + upper + `}`, false, ""},
		{"cast raises", "bad value", `{"name": "y", "expr": ` + year + `}`, true, "invalid literal"},
		{"cast raises, plain", "bad, plain", `{"name": "y", "expr": ` + year + `}`, true, "invalid literal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := fmt.Appendf(nil, `{"magic": "flern-plan", "version": 1, "nodes": [
    {"id": 0, "op": "scan_parquet", "inputs": [], "loc": "etl.py:1", "attrs": {"path": %q}},
    {"id": 1, "op": "project", "inputs": [0], "loc": "etl.py:2", "attrs": {"exprs": [%s]}}], "outputs": [1]}`, files[tc.file], tc.exprs)
			var got [2]string
			for k, off := range []bool{false, true} {
				o := engine.Options{}
				if off {
					o.Disabled = map[string]bool{"scan_derive": true}
				}
				p, err := engine.Compile(plan, o)
				if err != nil {
					t.Fatal(err)
				}
				ex := p.Explain(false)
				scan := strings.SplitN(ex, "\n", 2)[0]
				if strings.Contains(scan, "derive=[") != (tc.derived && !off) || strings.Contains(scan, " s:str") == (tc.derived && !off) {
					t.Fatalf("off=%v: plan\n%s", off, ex)
				}
				before := parquetio.DerivedFromDict()
				out, err := p.Run(context.Background(), nil)
				fromDict := parquetio.DerivedFromDict() > before
				if want := tc.derived && !off && tc.file != "plain" && tc.err == ""; fromDict != want {
					t.Fatalf("off=%v: computed from the dictionary %v, want %v", off, fromDict, want)
				}
				if tc.err != "" {
					var fe *ir.Error
					if !errors.As(err, &fe) || !strings.Contains(fe.Msg, tc.err) || fe.Op != "project" || fe.Loc != "etl.py:2" {
						t.Fatalf("off=%v: error %v, want %q at the project (etl.py:2)", off, err, tc.err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				f := out[0]
				for j, name := range f.Names {
					c := f.Cols[j]
					fmt.Fprintf(&b, "%s:%s nulls=%v ", name, c.Type, c.Valid != nil)
					for i := 0; i < f.N; i++ {
						switch {
						case !c.IsValid(i):
							b.WriteString("- ")
						case c.I64 != nil:
							fmt.Fprintf(&b, "%d ", c.I64[i])
						case c.B != nil:
							fmt.Fprintf(&b, "%v ", c.B[i])
						default:
							fmt.Fprintf(&b, "%q ", c.Str(i))
						}
					}
				}
				got[k] = b.String()
			}
			if got[0] != got[1] {
				t.Fatalf("with the stage %.300s\nwithout        %.300s", got[0], got[1])
			}
		})
	}
}
