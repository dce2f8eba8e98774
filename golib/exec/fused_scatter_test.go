package exec_test

import (
	"context"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// scatterCase is an index_add (the gradient of index_select / embedding)
// over a chain; shapes gives the inputs' shapes for n indices, idx the
// input holding the indices (filled with indices into the table of
// size rows, negative ones too when neg).
type scatterCase struct {
	c       chain
	shapes  func(n int) [][]int
	idx     int
	size    int
	neg     bool
	kernels int
	want    string // in explain()
}

var scatterCases = []scatterCase{
	{chain{"embedding grad times mask", []ir.DType{ir.Float32, ir.Float32, ir.Int64, ir.Float32}, []string{"mul x0 x1", "add v0 s:float64:0.5", "index_add v1 x2 x3"}},
		func(n int) [][]int { return [][]int{{n, 64}, {n, 64}, {n}, {1000, 64}} }, 2, 1000, false, 1, "scatter[mul add index_add]"},
	{chain{"through a reshape", []ir.DType{ir.Float32, ir.Int64, ir.Float32}, []string{"relu x0", "mul v0 s:float64:2.0", "reshape:-1,8 v1", "index_add v2 x1 x2"}},
		func(n int) [][]int { return [][]int{{n, 1, 8}, {n}, {300, 8}} }, 1, 300, false, 1, "scatter[relu mul reshape index_add]"},
	{chain{"plain rows, float64", []ir.DType{ir.Float64, ir.Int64, ir.Float64}, []string{"index_add x0 x1 x2"}},
		func(n int) [][]int { return [][]int{{n, 5}, {n}, {7, 5}} }, 1, 7, false, 1, "vec_merge(t0)"},
	{chain{"int64 wraps", []ir.DType{ir.Int64, ir.Int64, ir.Int64}, []string{"mul x0 x0", "index_add v0 x1 x2"}},
		func(n int) [][]int { return [][]int{{n, 3}, {n}, {4, 3}} }, 1, 4, false, 1, "scatter[mul index_add]"},
	{chain{"W = 1", []ir.DType{ir.Float32, ir.Int64, ir.Float32}, []string{"neg x0", "index_add v0 x1 x2"}},
		func(n int) [][]int { return [][]int{{n}, {n}, {50}} }, 1, 50, false, 1, "scatter[neg index_add]"},
	{chain{"3-D rows with a [3, 4] bias", []ir.DType{ir.Float32, ir.Int64, ir.Float32, ir.Float32}, []string{"add x0 x3", "index_add v0 x1 x2"}},
		func(n int) [][]int { return [][]int{{n, 3, 4}, {n}, {20, 3, 4}, {3, 4}} }, 1, 20, false, 1, "f32[i%12]"},
	{chain{"a bias of another width stays outside", []ir.DType{ir.Float32, ir.Int64, ir.Float32, ir.Float32}, []string{"add x0 x3", "tanh v0", "index_add v1 x1 x2"}},
		func(n int) [][]int { return [][]int{{n, 3, 4}, {n}, {20, 3, 4}, {4}} }, 1, 20, false, 2, "scatter[index_add]"},
	{chain{"negative indices wrap (advanced indexing)", []ir.DType{ir.Float32, ir.Int64, ir.Float32}, []string{"abs x0", "index_add:wrap v0 x1 x2"}},
		func(n int) [][]int { return [][]int{{n, 6}, {n}, {9, 6}} }, 1, 9, true, 1, "scatter[abs index_add]"},
}

// TestFusedScatterMatchesInterp: index_add along dim 0 fused with the chain
// computing its rows equals the reference interpreter bit for bit (sums in
// index order, in the output type) with the Go evaluator and natively, on
// 1 and 4 workers, for empty to several-morsel indices.
func TestFusedScatterMatchesInterp(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	for _, tc := range scatterCases {
		for _, n := range []int{0, 1, 7, lower.Morsel/4 + 3} {
			shapes := tc.shapes(n)
			r := rand.New(rand.NewSource(int64(n + len(tc.c.name))))
			var inputs []any
			for i, dt := range tc.c.dt {
				x := randTensor(r, dt, shapes[i])
				if i == tc.idx {
					for k := range x.I64 {
						x.I64[k] = r.Int63n(int64(tc.size))
						if k%3 == 0 { // repeated indices
							x.I64[k] = 1
						}
						if tc.neg && k%2 == 0 {
							x.I64[k] -= int64(tc.size)
						}
					}
				}
				inputs = append(inputs, x)
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
				if p := g.Print(); rep.Kernels != tc.kernels || !strings.Contains(p, tc.want) || !strings.Contains(p, "vec_merge") {
					t.Fatalf("%s: fused %d kernels, want %d with %q:\n%s", tc.c.name, rep.Kernels, tc.kernels, tc.want, p)
				}
				for _, procs := range []int{1, 4} {
					prev := runtime.GOMAXPROCS(procs)
					got, err := exec.RunAny(context.Background(), g, inputs, exec.Options{})
					runtime.GOMAXPROCS(prev)
					if err != nil {
						t.Fatalf("%s n=%d native=%v: %v", tc.c.name, n, native, err)
					}
					tol := 0.0 // the same additions in the same order
					if strings.Contains(tc.c.name, "tanh") && native {
						tol = 1e-6 // codegen's own tanh, rounded to float32
					}
					if d := sameTensor(want[0].(*col.Tensor), got[0].(*col.Tensor), tol); d != "" {
						t.Errorf("%s n=%d native=%v procs=%d: %s", tc.c.name, n, native, procs, d)
					}
				}
			}
		}
	}
}

// TestFusedScatterErrors: indices out of range (and negative ones where
// they do not wrap) raise the interpreter's error, natively and in Go.
func TestFusedScatterErrors(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	for _, tc := range []struct {
		c   chain
		idx []int64
	}{
		{chain{"too large", []ir.DType{ir.Float32, ir.Int64, ir.Float32}, []string{"neg x0", "index_add v0 x1 x2"}}, []int64{0, 4, 1}},
		{chain{"negative", []ir.DType{ir.Float32, ir.Int64, ir.Float32}, []string{"neg x0", "index_add v0 x1 x2"}}, []int64{0, -1, 1}},
		{chain{"wrapped too far", []ir.DType{ir.Float32, ir.Int64, ir.Float32}, []string{"neg x0", "index_add:wrap v0 x1 x2"}}, []int64{-1, -5, 1}},
	} {
		shapes := [][]int{{3, 2}, {3}, {4, 2}}
		inputs := []any{randTensor(rand.New(rand.NewSource(1)), ir.Float32, shapes[0]), &col.Tensor{DType: ir.Int64, Shape: []int{3}, I64: tc.idx},
			col.NewTensor(ir.Float32, shapes[2])}
		_, werr := interp.RunAny(context.Background(), buildChainShapes(t, tc.c, shapes), inputs)
		if werr == nil {
			t.Fatalf("%s: the interpreter raised nothing", tc.c.name)
		}
		for _, native := range []bool{false, true} {
			if native && ccErr != nil {
				continue
			}
			g := buildChainShapes(t, tc.c, shapes)
			if _, err := lower.Fuse(g, lower.Options{Codegen: native, NoCodegenWhy: "test", MinRows: 1, SyncCompile: true}); err != nil {
				t.Fatal(err)
			}
			_, err := exec.RunAny(context.Background(), g, inputs, exec.Options{})
			if err == nil || !strings.Contains(err.Error(), werr.Error()) && !strings.Contains(werr.Error(), err.Error()) {
				t.Errorf("%s native=%v: got %v, want %v", tc.c.name, native, err, werr)
			}
		}
	}
}
