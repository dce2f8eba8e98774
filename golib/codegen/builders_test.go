package codegen_test

import (
	"math"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// TestBuildersNativeMatchGo runs merge (sum/min/max/count, NaN skipped or
// propagated, float and wrapping int64) and group-merge builders with the Go evaluator and natively, on inputs from
// empty to several morsels.
func TestBuildersNativeMatchGo(t *testing.T) {
	if _, _, err := codegen.Compiler(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	body := []lower.Instr{
		{Op: "load", Type: ir.Float64, Input: 0},                                    // t0 x
		{Op: "load", Type: ir.Int64, Input: 1},                                      // t1 i
		{Op: "const", Type: ir.Float64, Const: ir.Value{Type: ir.Float64, F: 0.25}}, // t2
		{Op: "gt", Type: ir.Bool, Args: []int{0, 2}},                                // t3 x > 0.25 (NaN: false)
		{Op: "not", Type: ir.Bool, Args: []int{3}},                                  // t4
		{Op: "mul", Type: ir.Int64, Args: []int{1, 1}},                              // t5 i*i (wraps)
		{Op: "const", Type: ir.Bool, Const: ir.Value{Type: ir.Bool, B: true}},       // t6
		{Op: "where", Type: ir.Float64, Args: []int{4, 0, 2}},                       // t7
		{Op: "cast", Type: ir.Float64, Args: []int{1}},                              // t8
		{Op: "minimum", Type: ir.Float64, Args: []int{7, 8}},                        // t9 (NaN propagates)
	}
	loops := map[string]*lower.Loop{
		"merge": {Inputs: []lower.Input{{Type: ir.Float64}, {Type: ir.Int64}, {Type: ir.Int64}}, Body: body, Filter: 4, Group: -1,
			Builders: []lower.Builder{
				{Kind: lower.Merge, Value: 0, Agg: "sum", SkipNaN: true}, {Kind: lower.Merge, Value: 0, Agg: "sum"},
				{Kind: lower.Merge, Value: 0, Agg: "min", SkipNaN: true}, {Kind: lower.Merge, Value: 9, Agg: "max"},
				{Kind: lower.Merge, Value: 5, Agg: "sum"}, {Kind: lower.Merge, Value: 1, Agg: "min"},
				{Kind: lower.Merge, Value: 1, Agg: "max"}, {Kind: lower.Merge, Value: 6, Agg: "count"},
				{Kind: lower.Merge, Value: 0, Agg: "count", SkipNaN: true}}},
		"group": {Inputs: []lower.Input{{Type: ir.Float64}, {Type: ir.Int64}, {Type: ir.Int64}}, Body: body, Filter: -1, Group: 2,
			Builders: []lower.Builder{
				{Kind: lower.GroupMerge, Value: 0, Agg: "sum", SkipNaN: true}, {Kind: lower.GroupMerge, Value: 9, Agg: "min"},
				{Kind: lower.GroupMerge, Value: 5, Agg: "sum"}, {Kind: lower.GroupMerge, Value: 6, Agg: "count"}}},
	}
	const ngroups = 7
	for name, l := range loops {
		k, err := codegen.Compile(l)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, n := range []int{0, 1, 100, lower.Morsel*3 + 11} {
			r := rand.New(rand.NewSource(int64(n)))
			x, iv, gid := make([]float64, n), make([]int64, n), make([]int64, n)
			for j := range x {
				x[j] = r.NormFloat64()
				if r.Intn(20) == 0 {
					x[j] = math.NaN()
				}
				iv[j] = r.Int63n(1<<40) - 1<<39
				if r.Intn(30) == 0 {
					iv[j] = math.MaxInt64
				}
				gid[j] = int64(r.Intn(ngroups+1)) - 1 // -1: a dropped row
			}
			in := []lower.Buf{{F64: x}, {I64: iv}, {I64: gid}}
			goOut := lower.Parallel(l, n, ngroups, lower.EvalRange(l, in))
			cOut := lower.Parallel(l, n, ngroups, k.Range(l, in))
			same := func(what string, a, b lower.Acc) {
				t.Helper()
				eq := func(p, q float64) bool {
					return math.IsNaN(p) && math.IsNaN(q) || math.Abs(p-q) <= 1e-9*math.Max(1, math.Abs(p))
				}
				if a.I != b.I || a.N != b.N || a.NaN != b.NaN || !eq(a.F, b.F) {
					t.Errorf("%s n=%d %s: go %+v, native %+v", name, n, what, a, b)
				}
			}
			for bi, b := range l.Builders {
				switch b.Kind {
				case lower.Merge:
					same(b.Agg, goOut.Merge[bi], cOut.Merge[bi])
				case lower.GroupMerge:
					for g := 0; g < ngroups; g++ {
						same(b.Agg, goOut.Groups[bi][g], cOut.Groups[bi][g])
					}
				}
			}
		}
	}
}
