package exec_test

import (
	"testing"

	"github.com/flern/flern/golib/codegen"
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
