package exec_test

import (
	"context"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// BenchmarkScatterStep: one staged training batch's embedding gradient
// (1024 indices into [300, 8]): the interpreter's index_add, the fused
// scatter loop on the Go evaluator.
func BenchmarkScatterStep(b *testing.B) {
	c := chain{"step", []ir.DType{ir.Float32, ir.Int64, ir.Float32}, []string{"index_add x0 x1 x2"}}
	shapes := [][]int{{1024, 8}, {1024}, {300, 8}}
	r := rand.New(rand.NewSource(1))
	idx := col.NewTensor(ir.Int64, []int{1024})
	for k := range idx.I64 {
		idx.I64[k] = r.Int63n(300)
	}
	inputs := []any{randTensor(r, ir.Float32, shapes[0]), idx, col.NewTensor(ir.Float32, shapes[2])}
	b.Run("interp", func(b *testing.B) {
		g := buildChainShapesB(c, shapes)
		for i := 0; i < b.N; i++ {
			if _, err := interp.RunAny(context.Background(), g, inputs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fused-go", func(b *testing.B) {
		g := buildChainShapesB(c, shapes)
		if _, err := lower.Fuse(g, lower.Options{NoCodegenWhy: "bench"}); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			if _, err := exec.RunAny(context.Background(), g, inputs, exec.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func buildChainShapesB(c chain, shapes [][]int) *ir.Graph {
	t := &testing.T{}
	return buildChainShapes(t, c, shapes)
}
