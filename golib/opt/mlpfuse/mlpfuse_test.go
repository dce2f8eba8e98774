package mlpfuse_test

import (
	"context"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/mlpfuse"
	"github.com/flern/flern/golib/opt/opttest"
	_ "github.com/flern/flern/golib/tensor" // tensor op schemas
)

type gb struct {
	g  *ir.Graph
	dt string
	in []any
	r  *rand.Rand
}

func (b *gb) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}

// src adds a run input of the given shape with random values (a NaN in the
// first one, the rows).
func (b *gb) src(shape ...int) ir.NodeID {
	sh := make([]any, len(shape))
	for j, d := range shape {
		sh[j] = float64(d)
	}
	dt := ir.Float32
	if b.dt == "float64" {
		dt = ir.Float64
	}
	t := col.NewTensor(dt, shape)
	for i := 0; i < t.Len(); i++ {
		v := b.r.NormFloat64()
		if len(b.in) == 0 && i == 7 {
			v = math.NaN()
		}
		if dt == ir.Float32 {
			t.F32[i] = float32(v)
		} else {
			t.F64[i] = v
		}
	}
	id := b.add("source_tensor", ir.Attrs{"input": float64(len(b.in)), "dtype": b.dt, "shape": sh})
	b.in = append(b.in, t)
	return id
}

// linear is nn.Linear(k, out) as recorded: matmul(x, transpose(W)) + b.
func (b *gb) linear(x ir.NodeID, k, out int) ir.NodeID {
	w := b.add("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, b.src(out, k))
	return b.add("add", nil, b.add("matmul", nil, x, w), b.src(out))
}

func (b *gb) relu(x ir.NodeID) ir.NodeID { return b.add("relu", nil, x) }

const rows = 300

// TestMLPFuse: the plan after the pass (how many heads it fused) and then
// its results: the interpreter's definition of the fused op equals the
// unfused ops bit for bit, and the runtime's fused kernel agrees within
// float rounding.
func TestMLPFuse(t *testing.T) {
	cases := []struct {
		name  string
		dt    string
		build func(b *gb) []ir.NodeID
		fused int
	}{
		{"19-64-1 head", "float32", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.linear(b.relu(b.linear(b.src(rows, 19), 19, 64)), 64, 1)}
		}, 1},
		{"9-64-64-1: the last two layers", "float32", func(b *gb) []ir.NodeID {
			h := b.relu(b.linear(b.src(rows, 9), 9, 64))
			return []ir.NodeID{b.linear(b.relu(b.linear(h, 64, 64)), 64, 1)}
		}, 1},
		{"several outputs, odd width, float64", "float64", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.linear(b.relu(b.linear(b.src(rows, 5), 5, 13)), 13, 3)}
		}, 1},
		{"hidden layer read elsewhere (a gradient would read it)", "float32", func(b *gb) []ir.NodeID {
			h := b.relu(b.linear(b.src(rows, 4), 4, 8))
			return []ir.NodeID{b.linear(h, 8, 1), h}
		}, 0},
		{"no ReLU between the layers", "float32", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.linear(b.linear(b.src(rows, 4), 4, 8), 8, 1)}
		}, 0},
		{"training graph", "float32", func(b *gb) []ir.NodeID {
			y := b.linear(b.relu(b.linear(b.src(rows, 4), 4, 8)), 8, 1)
			return []ir.NodeID{y, b.add("state_write", ir.Attrs{"key": 1.0}, b.src(4))}
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &gb{g: &ir.Graph{}, dt: tc.dt, r: rand.New(rand.NewSource(2))}
			b.g.Outputs = tc.build(b)
			if err := b.g.Infer(); err != nil {
				t.Fatal(err)
			}
			var want []any
			if tc.fused > 0 {
				var err error
				if want, err = interp.RunAny(context.Background(), b.g, b.in); err != nil {
					t.Fatal(err)
				}
			}
			changed, plan := opttest.Apply(t, b.g, mlpfuse.Run)
			if n := strings.Count(plan, mlpfuse.Op+"("); n != tc.fused || changed != (tc.fused > 0) {
				t.Fatalf("%d heads fused (changed %v), want %d:\n%s", n, changed, tc.fused, plan)
			}
			if tc.fused == 0 {
				return
			}
			if strings.Count(plan, "matmul(") != strings.Count(plan, "relu(") {
				t.Fatalf("a head's matmul or relu left behind:\n%s", plan)
			}
			ref, err := interp.RunAny(context.Background(), b.g, b.in)
			if err != nil {
				t.Fatal(err)
			}
			run, err := exec.RunAny(context.Background(), b.g, b.in, exec.Options{})
			if err != nil {
				t.Fatal(err)
			}
			w, r, x := want[0].(*col.Tensor), ref[0].(*col.Tensor), run[0].(*col.Tensor)
			for i := 0; i < w.Len(); i++ {
				wv, rv, xv := at(w, i), at(r, i), at(x, i)
				if math.Float64bits(wv) != math.Float64bits(rv) && !(math.IsNaN(wv) && math.IsNaN(rv)) {
					t.Fatalf("element %d: the interpreter's fused op %v, unfused %v", i, rv, wv)
				}
				if math.IsNaN(wv) != math.IsNaN(xv) || math.Abs(xv-wv) > 1e-4*(1+math.Abs(wv)) {
					t.Fatalf("element %d: the runtime's fused kernel %v, unfused %v", i, xv, wv)
				}
			}
		})
	}
}

func at(t *col.Tensor, i int) float64 {
	if t.DType == ir.Float32 {
		return float64(t.F32[i])
	}
	return t.F64[i]
}
