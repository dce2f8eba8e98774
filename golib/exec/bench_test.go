package exec

// Benchmarks of the runtime operators next to the interpreter, on the
// shapes of benchmarks/groupby_join.py (scaled by -benchrows):
//
//	go test -run XXX -bench . -benchrows 10000000 -cpuprofile cpu.out ./golib/exec/

import (
	"context"
	"flag"
	"math/rand/v2"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

var benchRows = flag.Int("benchrows", 2_000_000, "rows of the benchmark frames")

var benchCache = map[string][]*col.Frame{}

// benchData: "gb" = key int64 (rows/100 values), x, y float64; "join" =
// fact (key, value) and dim (key unique, category, weight) of rows/10.
func benchData(kind string) []*col.Frame {
	if f, ok := benchCache[kind]; ok {
		return f
	}
	n := *benchRows
	r := rand.New(rand.NewPCG(42, 1))
	var out []*col.Frame
	switch kind {
	case "gb":
		k, x, y := make([]int64, n), make([]float64, n), make([]float64, n)
		for i := range k {
			k[i], x[i], y[i] = r.Int64N(int64(max(n/100, 1))), r.NormFloat64(), r.NormFloat64()
		}
		out = []*col.Frame{{N: n, Names: []string{"key", "x", "y"}, Cols: []*col.Column{col.NewInt64(k), col.NewFloat64(x), col.NewFloat64(y)}}}
	case "join":
		nd := max(n/10, 1)
		fk, fv := make([]int64, n), make([]float64, n)
		for i := range fk {
			fk[i], fv[i] = r.Int64N(int64(nd+nd/10)), r.NormFloat64()
		}
		dk, dc, dw := make([]int64, nd), make([]int64, nd), make([]float64, nd)
		for i, p := range r.Perm(nd) {
			dk[i], dc[i], dw[i] = int64(p), r.Int64N(100), r.Float64()
		}
		out = []*col.Frame{
			{N: n, Names: []string{"key", "value"}, Cols: []*col.Column{col.NewInt64(fk), col.NewFloat64(fv)}},
			{N: nd, Names: []string{"key", "category", "weight"}, Cols: []*col.Column{col.NewInt64(dk), col.NewInt64(dc), col.NewFloat64(dw)}},
		}
	}
	benchCache[kind] = out
	return out
}

func benchOp(b *testing.B, op string, attrs ir.Attrs, kind string, runtime bool) {
	in := benchData(kind)
	n := newNode(b, op, attrs, in...)
	args := make([]any, len(in))
	for i, f := range in {
		args[i] = f
	}
	ic := &interp.Ctx{Context: context.Background()}
	c := &Ctx{Ctx: ic}
	b.ResetTimer()
	for range b.N {
		var err error
		if runtime {
			_, err = impls[op](c, n, args)
		} else {
			_, err = interp.RunNode(ic, n, args)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

var benchGroupBy = ir.Attrs{"keys": []any{"key"}, "as_index": false, "aggs": []any{
	map[string]any{"name": "x_sum", "col": "x", "fn": "sum"},
	map[string]any{"name": "y_mean", "col": "y", "fn": "mean"}}}

var benchJoin = ir.Attrs{"how": "inner", "left_on": []any{"key"}, "right_on": []any{"key"}}

var benchFilter = ir.Attrs{"pred": call("gt", col_("x"), lit(0.5))}

var benchSort = ir.Attrs{"by": []any{"x"}}

func BenchmarkGroupByRuntime(b *testing.B) { benchOp(b, "groupby_agg", benchGroupBy, "gb", true) }
func BenchmarkGroupByInterp(b *testing.B)  { benchOp(b, "groupby_agg", benchGroupBy, "gb", false) }
func BenchmarkJoinRuntime(b *testing.B)    { benchOp(b, "join", benchJoin, "join", true) }
func BenchmarkJoinInterp(b *testing.B)     { benchOp(b, "join", benchJoin, "join", false) }
func BenchmarkFilterRuntime(b *testing.B)  { benchOp(b, "filter", benchFilter, "gb", true) }
func BenchmarkFilterInterp(b *testing.B)   { benchOp(b, "filter", benchFilter, "gb", false) }
func BenchmarkSortRuntime(b *testing.B)    { benchOp(b, "sort", benchSort, "gb", true) }
func BenchmarkSortInterp(b *testing.B)     { benchOp(b, "sort", benchSort, "gb", false) }
