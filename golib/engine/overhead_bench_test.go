package engine_test

import (
	"context"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/engine"
	"github.com/flern/flern/golib/ir"
)

// smallPlan is a recorded drop-in pipeline (python: DataFrame(dict) -> filter
// y > 10 -> z = x * 2.0 + y -> groupby("k").agg(z mean, x sum)).
const smallPlan = `{"magic": "flern-plan", "version": 1, "nodes": [{"id": 0, "op": "source", "inputs": [], "attrs": {"fields": [{"name": "k", "type": "str", "nullable": false}, {"name": "x", "type": "float64", "nullable": false}, {"name": "y", "type": "int64", "nullable": false}], "index": [], "input": 0}, "loc": "bench.py:1"}, {"id": 1, "op": "filter", "inputs": [0], "attrs": {"pred": {"k": "call", "fn": "gt", "args": [{"k": "col", "name": "y"}, {"k": "lit", "t": "int64", "v": "10"}], "opts": {"scalar": 1}}}, "loc": "bench.py:1"}, {"id": 2, "op": "assign", "inputs": [1], "attrs": {"exprs": [{"name": "z", "expr": {"k": "call", "fn": "add", "args": [{"k": "call", "fn": "mul", "args": [{"k": "col", "name": "x"}, {"k": "lit", "t": "float64", "v": "2.0"}], "opts": {"scalar": 1}}, {"k": "col", "name": "y"}]}}]}, "loc": "bench.py:1"}, {"id": 3, "op": "groupby_agg", "inputs": [2], "attrs": {"keys": ["k"], "aggs": [{"name": "z", "col": "z", "fn": "mean"}, {"name": "x", "col": "x", "fn": "sum"}], "as_index": true, "sort": true, "dropna": true}, "loc": "bench.py:1"}], "outputs": [3]}`

// BenchmarkSmallPlanRun is the Go side of one collect of a small plan that
// the Python plan cache has already compiled (benchmarks/overhead.py): what
// is left of a collect's fixed cost once compilation is skipped.
func BenchmarkSmallPlanRun(b *testing.B) {
	p, err := engine.Compile([]byte(smallPlan), engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	n := 200
	sb := col.NewStringBuilder(n)
	for i := 0; i < n; i++ {
		sb.AppendBytes([]byte{byte('a' + i%4)})
	}
	x := &col.Column{Type: ir.Float64, N: n, F64: make([]float64, n)}
	y := &col.Column{Type: ir.Int64, N: n, I64: make([]int64, n)}
	for i := range y.I64 {
		y.I64[i] = int64(i % 100)
	}
	f := &col.Frame{Names: []string{"k", "x", "y"}, Cols: []*col.Column{sb.Finish(), x, y}, N: n}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.RunAny(context.Background(), []any{f}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSmallPlanCompile is what the plan cache saves per collect.
func BenchmarkSmallPlanCompile(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := engine.Compile([]byte(smallPlan), engine.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
