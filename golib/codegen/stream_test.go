package codegen_test

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// TestStreamVariantMatchesPlain runs Append-only loops (one output, several
// outputs of different types, a strided matrix) with the plain kernel, the
// streaming kernel (non-temporal stores) and the Go evaluator, over row
// ranges that start aligned and unaligned and end inside a block: every
// output element must be the same bits.
func TestStreamVariantMatchesPlain(t *testing.T) {
	if _, _, err := codegen.Compiler(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	f32 := func(v float64) lower.Instr {
		return lower.Instr{Op: "const", Type: ir.Float32, Const: ir.Value{Type: ir.Float64, F: v}}
	}
	body := []lower.Instr{
		{Op: "load", Type: ir.Float32, Input: 0}, // t0
		f32(1.5),                                 // t1
		{Op: "mul", Type: ir.Float32, Args: []int{0, 1}}, // t2
		{Op: "relu", Type: ir.Float32, Args: []int{2}},   // t3
		{Op: "gt", Type: ir.Bool, Args: []int{0, 1}},     // t4
		{Op: "load", Type: ir.Int64, Input: 1},           // t5
		{Op: "mul", Type: ir.Int64, Args: []int{5, 5}},   // t6 wraps
		{Op: "cast", Type: ir.Float64, Args: []int{0}},   // t7
	}
	loops := map[string]*lower.Loop{
		"one f32": {Inputs: []lower.Input{{Type: ir.Float32}, {Type: ir.Int64}}, Body: body, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Append, Value: 3, Type: ir.Float32}}},
		"mixed outputs": {Inputs: []lower.Input{{Type: ir.Float32}, {Type: ir.Int64}}, Body: body, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Append, Value: 4, Type: ir.Bool}, {Kind: lower.Append, Value: 6, Type: ir.Int64},
				{Kind: lower.Append, Value: 7, Type: ir.Float64}, {Kind: lower.Append, Value: 2, Type: ir.Float32}}},
		"strided matrix": {Inputs: []lower.Input{{Type: ir.Float32}, {Type: ir.Int64}}, Body: body, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Append, Value: 3, Type: ir.Float32, Stride: 3, Offset: 0},
				{Kind: lower.Append, Value: 2, Type: ir.Float32, Stride: 3, Offset: 1}, {Kind: lower.Append, Value: 0, Type: ir.Float32, Stride: 3, Offset: 2}}},
	}
	const n = 5000
	r := rand.New(rand.NewSource(3))
	x, iv := make([]float32, n), make([]int64, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
		if i%97 == 0 {
			x[i] = float32(math.NaN())
		}
		iv[i] = r.Int63() - 1<<62
	}
	in := []lower.Buf{{F32: x}, {I64: iv}}
	ranges := [][2]int{{0, n}, {0, 0}, {0, 255}, {0, 256}, {256, 1024 + 77}, {3, 2000}, {1024, n - 1}}
	for name, l := range loops {
		k, err := codegen.Compile(l)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !k.HasStream() || !strings.Contains(k.Source, "flern_kernel_stream") {
			t.Fatalf("%s: no streaming variant", name)
		}
		for _, rg := range ranges {
			outs := map[string]*lower.Outputs{}
			for _, v := range []struct {
				name string
				f    lower.RangeFunc
			}{{"go", lower.EvalRange(l, in)}, {"plain", k.RangeWith(l, in, codegen.Plain)}, {"stream", k.RangeWith(l, in, codegen.Stream)}} {
				o := lower.NewOutputs(l, n, 0)
				for i := range o.Append { // poison: rows outside the range must stay as they were
					fill(o.Append[i])
				}
				v.f(rg[0], rg[1], o)
				outs[v.name] = o
			}
			for _, v := range []string{"plain", "stream"} {
				for i := range l.Builders {
					if d := firstDiff(outs["go"].Append[i], outs[v].Append[i]); d >= 0 {
						t.Errorf("%s rows %v: %s output %d differs from Go at element %d", name, rg, v, i, d)
					}
				}
			}
		}
	}
}

// TestStreamable says which loops get a streaming variant.
func TestStreamable(t *testing.T) {
	load := lower.Instr{Op: "load", Type: ir.Float64}
	gt := lower.Instr{Op: "gt", Type: ir.Bool, Args: []int{0, 0}}
	cases := []struct {
		name string
		l    *lower.Loop
		want bool
	}{
		{"append", &lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Body: []lower.Instr{load}, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float64}}}, true},
		{"merge", &lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Body: []lower.Instr{load}, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Merge, Value: 0, Agg: "sum"}}}, false},
		{"append and merge", &lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Body: []lower.Instr{load}, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float64}, {Kind: lower.Merge, Value: 0, Agg: "sum"}}}, false},
		{"wide strided", &lower.Loop{Inputs: []lower.Input{{Type: ir.Float64}}, Body: []lower.Instr{load, gt}, Filter: -1, Group: -1,
			Builders: []lower.Builder{{Kind: lower.Append, Value: 0, Type: ir.Float64, Stride: 64}}}, false},
	}
	for _, c := range cases {
		src, err := codegen.Emit(c.l)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Contains(src, "flern_kernel_stream"); got != c.want {
			t.Errorf("%s: streaming variant %v, want %v", c.name, got, c.want)
		}
	}
}

func fill(b lower.Buf) {
	for i := range b.F32 {
		b.F32[i] = -7
	}
	for i := range b.F64 {
		b.F64[i] = -7
	}
	for i := range b.I64 {
		b.I64[i] = -7
	}
	for i := range b.B {
		b.B[i] = true
	}
}

// firstDiff is the first element where a and b differ in bits, or -1.
func firstDiff(a, b lower.Buf) int {
	for i := range a.F32 {
		if math.Float32bits(a.F32[i]) != math.Float32bits(b.F32[i]) {
			return i
		}
	}
	for i := range a.F64 {
		if math.Float64bits(a.F64[i]) != math.Float64bits(b.F64[i]) {
			return i
		}
	}
	for i := range a.I64 {
		if a.I64[i] != b.I64[i] {
			return i
		}
	}
	for i := range a.B {
		if a.B[i] != b.B[i] {
			return i
		}
	}
	return -1
}
