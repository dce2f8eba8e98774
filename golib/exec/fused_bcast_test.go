package exec_test

import (
	"context"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// TestFusedBroadcastMatchesInterp: chains whose operands broadcast along
// trailing dims (a bias, read at i % W) or leading dims ([B, 1], read at
// i / W), and single transcendental ops, equal the reference interpreter
// with the Go evaluator and natively, on row counts from 0 to several
// morsels (morsels start mid-row: W does not divide the morsel size).
func TestFusedBroadcastMatchesInterp(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	cases := []struct {
		c      chain
		shapes func(rows int) [][]int
		loop   string // in explain()
	}{
		{chain{"bias tanh", []ir.DType{ir.Float32, ir.Float32}, []string{"add x0 x1", "tanh v0"}},
			func(b int) [][]int { return [][]int{{b, 37}, {37}} }, "f32[i%37]"},
		{chain{"bias [1, W] sigmoid backward", []ir.DType{ir.Float32, ir.Float32, ir.Float32}, []string{"add x0 x1", "sigmoid v0", "sub s:float64:1.0 v1", "mul v1 v2", "mul x2 v3"}},
			func(b int) [][]int { return [][]int{{b, 5}, {1, 5}, {b, 5}} }, "f32[i%5]"},
		{chain{"row scale [B, 1]", []ir.DType{ir.Float64, ir.Float64}, []string{"div x0 x1", "exp v0", "neg v1"}},
			func(b int) [][]int { return [][]int{{b, 3, 4}, {b, 1, 1}} }, "f64[i/12]"},
		{chain{"inner and outer", []ir.DType{ir.Float32, ir.Float32, ir.Float32}, []string{"mul x1 x0", "add v0 x2", "relu v1"}},
			func(b int) [][]int { return [][]int{{b, 9}, {b, 1}, {9}} }, "f32[i%9]"},
		{chain{"int64 bias wraps", []ir.DType{ir.Int64, ir.Int64}, []string{"mul x0 x1", "add v0 x1"}},
			func(b int) [][]int { return [][]int{{b, 7}, {7}} }, "i64[i%7]"},
		{chain{"single exp", []ir.DType{ir.Float32}, []string{"exp x0"}},
			func(b int) [][]int { return [][]int{{b, 3}} }, "exp(t0)"},
	}
	for _, tc := range cases {
		for _, rows := range []int{0, 1, 3, lower.Morsel/5 + 3} {
			shapes := tc.shapes(rows)
			r := rand.New(rand.NewSource(int64(rows + len(tc.c.name))))
			var inputs []any
			for i, dt := range tc.c.dt {
				inputs = append(inputs, randTensor(r, dt, shapes[i]))
			}
			want, err := interp.RunAny(context.Background(), buildChainShapes(t, tc.c, shapes), inputs)
			if err != nil {
				t.Fatalf("%s: interp: %v", tc.c.name, err)
			}
			for _, native := range []bool{false, true} {
				if native && ccErr != nil {
					continue
				}
				g := buildChainShapes(t, tc.c, shapes)
				rep, err := lower.Fuse(g, lower.Options{Codegen: native, NoCodegenWhy: "test", MinRows: 1, SyncCompile: true})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Kernels != 1 || rep.Ops != len(tc.c.steps) || (rows > 1 && !strings.Contains(g.Print(), tc.loop)) {
					t.Fatalf("%s: fused %d kernels of %d ops, want 1 of %d with %q:\n%s", tc.c.name, rep.Kernels, rep.Ops, len(tc.c.steps), tc.loop, g.Print())
				}
				got, err := exec.RunAny(context.Background(), g, inputs, exec.Options{})
				if err != nil {
					t.Fatalf("%s rows=%d native=%v: %v", tc.c.name, rows, native, err)
				}
				tol := 0.0
				if native {
					// + - * / are Go's bits (no FMA contraction); exp, tanh and
					// sigmoid are codegen's own, within a few ulp of a double
					tol = 1e-14
				}
				if d := sameTensor(want[0].(*col.Tensor), got[0].(*col.Tensor), tol); d != "" {
					t.Errorf("%s rows=%d native=%v: %s", tc.c.name, rows, native, d)
				}
			}
		}
	}
}
