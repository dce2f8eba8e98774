package foldnorm_test

import (
	"context"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/foldnorm"
	"github.com/flern/flern/golib/opt/opttest"
	_ "github.com/flern/flern/golib/tensor" // tensor op schemas
)

type gb struct{ g *ir.Graph }

func (b *gb) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}

func (b *gb) src(i int, dims ...float64) ir.NodeID {
	sh := make([]any, len(dims))
	for j, d := range dims {
		sh[j] = d
	}
	return b.add("source_tensor", ir.Attrs{"input": float64(i), "dtype": "float32", "shape": sh})
}

const rows, k, out = 50, 3, 4

// linear builds x -> matmul(x, transpose(W)) + b over inputs 1 (W) and 2 (b).
func (b *gb) linear(x ir.NodeID) ir.NodeID {
	w := b.add("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, b.src(1, out, k))
	return b.add("add", nil, b.add("matmul", nil, x, w), b.src(2, out))
}

func inputs(r *rand.Rand) []any {
	mk := func(shape ...int) *col.Tensor {
		t := col.NewTensor(ir.Float32, shape)
		for i := range t.F32 {
			t.F32[i] = float32(r.NormFloat64()*3 + 1)
		}
		return t
	}
	return []any{mk(rows, k), mk(out, k), mk(out), mk(k), mk(k)}
}

func TestFoldNorm(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *gb) []ir.NodeID
		fold  bool
	}{
		{"(x - m) / s", func(b *gb) []ir.NodeID {
			x := b.add("div", nil, b.add("sub", nil, b.src(0, rows, k), b.src(3, k)), b.src(4, k))
			return []ir.NodeID{b.linear(x)}
		}, true},
		{"s * x + m", func(b *gb) []ir.NodeID {
			x := b.add("add", nil, b.add("mul", nil, b.src(4, k), b.src(0, rows, k)), b.src(3, k))
			return []ir.NodeID{b.linear(x)}
		}, true},
		{"m - x is not affine in the supported form", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.linear(b.add("sub", nil, b.src(3, k), b.src(0, rows, k)))}
		}, false},
		{"normalized input read elsewhere (a gradient would read it)", func(b *gb) []ir.NodeID {
			x := b.add("sub", nil, b.src(0, rows, k), b.src(3, k))
			return []ir.NodeID{b.linear(x), x}
		}, false},
		{"training graph", func(b *gb) []ir.NodeID {
			x := b.add("sub", nil, b.src(0, rows, k), b.src(3, k))
			y := b.linear(x)
			st := b.add("state_write", ir.Attrs{"key": 1.0}, b.src(4, k))
			return []ir.NodeID{y, st}
		}, false},
		{"fewer rows than features", func(b *gb) []ir.NodeID {
			x := b.add("sub", nil, b.src(0, 2, k), b.src(3, k))
			return []ir.NodeID{b.linear(x)}
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &gb{g: &ir.Graph{}}
			b.g.Outputs = tc.build(b)
			if err := b.g.Verify(); err != nil {
				t.Fatal(err)
			}
			in := inputs(rand.New(rand.NewSource(1)))
			var err error
			var want []any
			if tc.fold {
				if want, err = interp.RunAny(context.Background(), b.g, in); err != nil {
					t.Fatal(err)
				}
			}
			changed, plan := opttest.Apply(t, b.g, foldnorm.Run)
			if changed != tc.fold || strings.Contains(plan, `folded="foldnorm"`) != tc.fold {
				t.Fatalf("changed=%v, want %v:\n%s", changed, tc.fold, plan)
			}
			if !tc.fold {
				return
			}
			got, err := interp.RunAny(context.Background(), b.g, in)
			if err != nil {
				t.Fatal(err)
			}
			w, g := want[0].(*col.Tensor), got[0].(*col.Tensor)
			for i := range w.F32 {
				if d := math.Abs(float64(w.F32[i] - g.F32[i])); d > 1e-4*(1+math.Abs(float64(w.F32[i]))) {
					t.Fatalf("element %d: %v folded, %v unfolded", i, g.F32[i], w.F32[i])
				}
			}
		})
	}
}
