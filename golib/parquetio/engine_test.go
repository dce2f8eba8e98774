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
