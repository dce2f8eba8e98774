package codegen_test

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// TestIndexedInputs: a loop reading float64 and int64 inputs through their
// codes (a col.Lookup column's values and codes, the split stage's
// producers) next to a plain input gives, with the Go evaluator and
// natively, the values the codes index, over chunks that start at any row
// (the codes sliced, the values whole); a filter's compacting loop too.
func TestIndexedInputs(t *testing.T) {
	if _, _, err := codegen.Compiler(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	body := []lower.Instr{
		{Op: "load", Type: ir.Float64, Input: 0},         // t0 f[cf[i]]
		{Op: "load", Type: ir.Int64, Input: 1},           // t1 n[cn[i]]
		{Op: "load", Type: ir.Float64, Input: 2},         // t2 plain
		{Op: "cast", Type: ir.Float64, Args: []int{1}},   // t3
		{Op: "mul", Type: ir.Float64, Args: []int{0, 3}}, // t4
		{Op: "add", Type: ir.Float64, Args: []int{4, 2}}, // t5
		{Op: "cast", Type: ir.Float32, Args: []int{5}},   // t6
	}
	l := &lower.Loop{Inputs: []lower.Input{{Type: ir.Float64, Indexed: true}, {Type: ir.Int64, Indexed: true}, {Type: ir.Float64}},
		Body: body, Filter: -1, Group: -1,
		Builders: []lower.Builder{{Kind: lower.Append, Value: 6, Type: ir.Float32}, {Kind: lower.Append, Value: 1, Type: ir.Int64}}}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := l.String(); !strings.Contains(s, "f64[codes[i]]") {
		t.Fatalf("the loop does not show its indexed inputs: %s", s)
	}
	k, err := codegen.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(8))
	fv, nv := make([]float64, 300), make([]int64, 17)
	for i := range fv {
		fv[i] = r.NormFloat64()
	}
	for i := range nv {
		nv[i] = r.Int63n(1000) - 500
	}
	const rows = 20_000
	cf, cn, plain := make([]int32, rows), make([]int32, rows), make([]float64, rows)
	for i := range cf {
		cf[i], cn[i], plain[i] = int32(r.Intn(len(fv))), int32(r.Intn(len(nv))), r.NormFloat64()
	}
	for _, span := range [][2]int{{0, 0}, {0, 1}, {0, 8192}, {8192, rows}, {3, 4099}} {
		lo, hi := span[0], span[1]
		in := []lower.Buf{{F64: fv, Codes: cf[lo:hi]}, {I64: nv, Codes: cn[lo:hi]}, {F64: plain[lo:hi]}}
		for name, f := range map[string]lower.RangeFunc{"go": lower.EvalRange(l, in), "native": k.Range(l, in)} {
			out := lower.Parallel(l, hi-lo, 0, f)
			for j := 0; j < hi-lo; j++ {
				i := lo + j
				want := float32(fv[cf[i]]*float64(nv[cn[i]]) + plain[i])
				if out.Append[0].F32[j] != want || out.Append[1].I64[j] != nv[cn[i]] {
					t.Fatalf("%s rows [%d, %d) row %d: %v %d, want %v %d", name, lo, hi, i, out.Append[0].F32[j], out.Append[1].I64[j], want, nv[cn[i]])
				}
			}
		}
	}
	bad := &lower.Loop{Inputs: []lower.Input{{Type: ir.Float32, Indexed: true}}, Body: []lower.Instr{{Op: "load", Type: ir.Float32}},
		Filter: -1, Group: -1, Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float32}}}
	if bad.Validate() == nil {
		t.Fatal("an indexed float32 input validated")
	}
}
