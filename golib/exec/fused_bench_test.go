package exec_test

import (
	"context"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// chain10 is a 10-op float32 chain (mul add relu mul sub abs div mul add sub).
func chain10() *lower.Loop {
	c := func(v float64) lower.Instr {
		return lower.Instr{Op: "const", Type: ir.Float32, Const: ir.Value{Type: ir.Float64, F: v}}
	}
	op := func(name string, args ...int) lower.Instr { return lower.Instr{Op: name, Type: ir.Float32, Args: args} }
	l := &lower.Loop{Filter: -1, Group: -1, Inputs: []lower.Input{{Type: ir.Float32}},
		Body: []lower.Instr{{Op: "load", Type: ir.Float32}, c(1.5), op("mul", 0, 1), c(0.5), op("add", 2, 3), op("relu", 4),
			c(2), op("mul", 5, 6), c(1), op("sub", 7, 8), op("abs", 9), c(3), op("div", 10, 11), c(0.25), op("mul", 0, 13),
			op("add", 12, 14), c(0.125), op("sub", 15, 16)},
		Builders: []lower.Builder{{Kind: lower.Append, Value: 17, Type: ir.Float32}}}
	return l
}

// BenchmarkChain10 runs chain10 natively over 10M elements.
func BenchmarkChain10(b *testing.B) {
	l := chain10()
	k, err := codegen.Compile(l)
	if err != nil {
		b.Skip(err)
	}
	n := 10_000_000
	in := []lower.Buf{{F32: make([]float32, n)}}
	b.SetBytes(int64(8 * n))
	for i := 0; i < b.N; i++ {
		lower.Parallel(l, n, 0, k.Range(l, in))
	}
}

// BenchmarkChain10Go runs chain10 on the Go evaluator over 1M elements.
func BenchmarkChain10Go(b *testing.B) {
	l := chain10()
	n := 1_000_000
	in := []lower.Buf{{F32: make([]float32, n)}}
	b.SetBytes(int64(8 * n))
	for i := 0; i < b.N; i++ {
		lower.Parallel(l, n, 0, lower.EvalRange(l, in))
	}
}

// BenchmarkChain10RunAny is BenchmarkChain10 through the executor (graph,
// fusion, run), without the ABI: the runtime's fixed costs per run.
func BenchmarkChain10RunAny(b *testing.B) {
	c := chain{"bench", []ir.DType{ir.Float32}, []string{"mul x0 s:float64:1.5", "add v0 s:float64:0.5", "relu v1",
		"mul v2 s:float64:2.0", "sub v3 s:float64:1.0", "abs v4", "div v5 s:float64:3.0", "mul x0 s:float64:0.25", "add v6 v7", "sub v8 s:float64:0.125"}}
	n := 10_000_000
	g := buildChain(&testing.T{}, c, []int{n})
	if _, err := lower.Fuse(g, lower.Options{Codegen: true, MinRows: 1, SyncCompile: true}); err != nil {
		b.Fatal(err)
	}
	in := []any{&col.Tensor{DType: ir.Float32, Shape: []int{n}, F32: make([]float32, n)}}
	b.SetBytes(int64(8 * n))
	for i := 0; i < b.N; i++ {
		if _, err := exec.RunAny(context.Background(), g, in, exec.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
