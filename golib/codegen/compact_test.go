package codegen_test

import (
	"math"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// TestCompactingAppend: a filtered loop with Append builders (a plain
// float32 output, the row numbers, and a strided two-column matrix) writes
// exactly the selected rows in row order, with the Go evaluator and
// natively, from no rows to several morsels, selecting none, some or all.
func TestCompactingAppend(t *testing.T) {
	if _, _, err := codegen.Compiler(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	body := []lower.Instr{
		{Op: "load", Type: ir.Float32, Input: 0},                                  // t0 x
		{Op: "load", Type: ir.Float32, Input: 1},                                  // t1 threshold (scalar)
		{Op: "gt", Type: ir.Bool, Args: []int{0, 1}},                              // t2 x > thr (NaN: false)
		{Op: "mul", Type: ir.Float32, Args: []int{0, 0}},                          // t3 x*x
		{Op: "row", Type: ir.Int64},                                               // t4
		{Op: "cast", Type: ir.Float64, Args: []int{0}},                            // t5
		{Op: "const", Type: ir.Float64, Const: ir.Value{Type: ir.Float64, F: -1}}, // t6
		{Op: "mul", Type: ir.Float64, Args: []int{5, 6}},                          // t7
	}
	l := &lower.Loop{Inputs: []lower.Input{{Type: ir.Float32}, {Type: ir.Float32, Scalar: true}}, Body: body, Filter: 2, Group: -1,
		Builders: []lower.Builder{{Kind: lower.Append, Value: 3, Type: ir.Float32}, {Kind: lower.Append, Value: 4, Type: ir.Int64},
			{Kind: lower.Append, Value: 5, Type: ir.Float64, Stride: 2, Offset: 0}, {Kind: lower.Append, Value: 7, Type: ir.Float64, Stride: 2, Offset: 1}}}
	if !l.Compacts() {
		t.Fatal("a filtered loop with Append builders should compact")
	}
	k, err := codegen.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 1000, lower.Morsel*3 + 17} {
		r := rand.New(rand.NewSource(int64(n)))
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
			if i%13 == 0 {
				x[i] = float32(math.NaN())
			}
		}
		for _, thr := range []float32{float32(math.Inf(1)), 0.5, float32(math.Inf(-1))} {
			in := []lower.Buf{{F32: x}, {F32: []float32{thr}}}
			var want []int64
			for i, v := range x {
				if v > thr {
					want = append(want, int64(i))
				}
			}
			for name, f := range map[string]lower.RangeFunc{"go": lower.EvalRange(l, in), "native": k.Range(l, in)} {
				out := lower.Parallel(l, n, 0, f)
				if got := out.SelectedRows(); got != len(want) || len(out.Append[1].I64) != len(want) || len(out.Append[2].F64) != 2*len(want) {
					t.Fatalf("%s n=%d thr=%v: %d rows selected (%d ids, %d matrix elements), want %d", name, n, thr, got, len(out.Append[1].I64), len(out.Append[2].F64), len(want))
				}
				for j, i := range want {
					v := x[i]
					if out.Append[1].I64[j] != i || out.Append[0].F32[j] != v*v ||
						out.Append[2].F64[2*j] != float64(v) || out.Append[2].F64[2*j+1] != -float64(v) {
						t.Fatalf("%s n=%d thr=%v: output row %d (input row %d) is %v %v %v %v", name, n, thr, j, i,
							out.Append[0].F32[j], out.Append[1].I64[j], out.Append[2].F64[2*j], out.Append[2].F64[2*j+1])
					}
				}
			}
		}
	}
}
