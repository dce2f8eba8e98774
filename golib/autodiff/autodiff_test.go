package autodiff_test

import (
	"context"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/autodiff"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// gb records a graph for a test case.
type gb struct{ g *ir.Graph }

func (b *gb) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs, Loc: "test.py:1"})
}

func ints(v ...int64) []any {
	out := make([]any, len(v))
	for i, d := range v {
		out[i] = float64(d)
	}
	return out
}

func (b *gb) source(i int, shape []int64) ir.NodeID {
	return b.add("source_tensor", ir.Attrs{"input": float64(i), "dtype": "float64", "shape": ints(shape...)})
}

func (b *gb) wrapped(v string) ir.NodeID {
	return b.add("full", ir.Attrs{"shape": []any{}, "value": v, "dtype": "float64", "wrapped": true})
}

type gradCase struct {
	name     string
	shapes   [][]int64
	positive bool // inputs in [0.5, 1.5] (log, sqrt, pow bases, divisors)
	build    func(b *gb, x []ir.NodeID) ir.NodeID
}

func un(op string) func(b *gb, x []ir.NodeID) ir.NodeID {
	return func(b *gb, x []ir.NodeID) ir.NodeID { return b.add(op, nil, x[0]) }
}

func bin(op string) func(b *gb, x []ir.NodeID) ir.NodeID {
	return func(b *gb, x []ir.NodeID) ir.NodeID { return b.add(op, nil, x[0], x[1]) }
}

func with(op string, attrs ir.Attrs) func(b *gb, x []ir.NodeID) ir.NodeID {
	return func(b *gb, x []ir.NodeID) ir.NodeID { return b.add(op, attrs, x[0]) }
}

var s23, s3, s21, s13 = []int64{2, 3}, []int64{3}, []int64{2, 1}, []int64{1, 3}

var cases = []gradCase{
	{"add", [][]int64{s23, s23}, false, bin("add")},
	{"add broadcast", [][]int64{s23, s3}, false, bin("add")},
	{"add 0-dim", [][]int64{s23, {}}, false, bin("add")},
	{"sub broadcast both", [][]int64{s21, s13}, false, bin("sub")},
	{"mul broadcast", [][]int64{s21, s23}, false, bin("mul")},
	{"div", [][]int64{s3, s23}, true, bin("div")},
	{"pow", [][]int64{s23, s23}, true, bin("pow")},
	{"pow scalar exponent", [][]int64{s23}, true, func(b *gb, x []ir.NodeID) ir.NodeID {
		return b.add("pow", ir.Attrs{"wrapped1": true}, x[0], b.wrapped("3.0"))
	}},
	{"scalar minus x", [][]int64{s23}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
		return b.add("sub", ir.Attrs{"wrapped0": true}, b.wrapped("2.5"), x[0])
	}},
	{"maximum", [][]int64{s23, s3}, false, bin("maximum")},
	{"minimum", [][]int64{s21, s23}, false, bin("minimum")},
	{"where", [][]int64{s23, s3, s21}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
		zero := b.add("full", ir.Attrs{"shape": []any{}, "value": "0", "dtype": "float64", "wrapped": true})
		return b.add("where", nil, b.add("gt", ir.Attrs{"wrapped1": true}, x[0], zero), x[1], x[2])
	}},
	{"neg", [][]int64{s23}, false, un("neg")},
	{"exp", [][]int64{s23}, false, un("exp")},
	{"log", [][]int64{s23}, true, un("log")},
	{"sqrt", [][]int64{s23}, true, un("sqrt")},
	{"abs", [][]int64{s23}, false, un("abs")},
	{"relu", [][]int64{s23}, false, un("relu")},
	{"sigmoid", [][]int64{s23}, false, un("sigmoid")},
	{"tanh", [][]int64{s23}, false, un("tanh")},
	{"matmul 2x2", [][]int64{{2, 3}, {3, 4}}, false, bin("matmul")},
	{"matmul 1x2", [][]int64{{3}, {3, 4}}, false, bin("matmul")},
	{"matmul 2x1", [][]int64{{2, 3}, {3}}, false, bin("matmul")},
	{"matmul 1x1", [][]int64{{3}, {3}}, false, bin("matmul")},
	{"matmul batched", [][]int64{{2, 2, 3}, {3, 4}}, false, bin("matmul")},
	{"matmul batched broadcast", [][]int64{{2, 1, 3, 4}, {3, 4, 2}}, false, bin("matmul")},
	{"sum all", [][]int64{s23}, false, with("sum", ir.Attrs{"dims": nil})},
	{"sum dim", [][]int64{{2, 3, 4}}, false, with("sum", ir.Attrs{"dims": ints(1)})},
	{"sum dims keepdim", [][]int64{{2, 3, 4}}, false, with("sum", ir.Attrs{"dims": ints(0, -1), "keepdim": true})},
	{"mean all", [][]int64{s23}, false, with("mean", ir.Attrs{"dims": nil})},
	{"mean dim", [][]int64{{2, 3, 4}}, false, with("mean", ir.Attrs{"dims": ints(-1)})},
	{"max all", [][]int64{s23}, false, with("max", ir.Attrs{"dim": nil})},
	{"min all", [][]int64{s23}, false, with("min", ir.Attrs{"dim": nil})},
	{"reshape", [][]int64{{2, 3, 2}}, false, with("reshape", ir.Attrs{"shape": ints(3, -1)})},
	{"flatten", [][]int64{{2, 3, 2}}, false, with("flatten", ir.Attrs{"start_dim": 1.0, "end_dim": -1.0})},
	{"unsqueeze", [][]int64{s23}, false, with("unsqueeze", ir.Attrs{"dim": -2.0})},
	{"squeeze all", [][]int64{{2, 1, 3, 1}}, false, with("squeeze", ir.Attrs{"dims": nil})},
	{"squeeze dim", [][]int64{{2, 1, 3, 1}}, false, with("squeeze", ir.Attrs{"dims": ints(-1)})},
	{"permute", [][]int64{{2, 3, 4}}, false, with("permute", ir.Attrs{"dims": ints(2, 0, 1)})},
	{"transpose", [][]int64{{2, 3, 4}}, false, with("transpose", ir.Attrs{"dim0": 0.0, "dim1": -1.0})},
	{"cast roundtrip", [][]int64{s23}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
		return b.add("mul", nil, x[0], b.add("cast", ir.Attrs{"dtype": "float64"}, x[0]))
	}},
	{"reused input (fan-out)", [][]int64{s23, s3}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
		e := b.add("exp", nil, x[0])
		return b.add("add", nil, b.add("mul", nil, e, x[0]), b.add("tanh", nil, b.add("mul", nil, e, x[1])))
	}},
	{"mlp", [][]int64{{4, 3}, {3, 5}, {5}, {5, 2}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
		h := b.add("relu", nil, b.add("add", nil, b.add("matmul", nil, x[0], x[1]), x[2]))
		return b.add("sigmoid", nil, b.add("matmul", nil, h, x[3]))
	}},
	{"argmax cuts the path", [][]int64{s23}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
		am := b.add("cast", ir.Attrs{"dtype": "float64"}, b.add("argmax", ir.Attrs{"dim": 1.0}, x[0]))
		return b.add("add", nil, b.add("sum", ir.Attrs{"dims": ints(1)}, x[0]), am)
	}},
}

// build records f(x...) -> out, loss = sum(out * w) (w random, so every
// output element is weighted differently) and, with grads, grad(loss, x_i).
func build(t *testing.T, c gradCase, grads bool) (*ir.Graph, []int64) {
	b := &gb{g: &ir.Graph{}}
	xs := make([]ir.NodeID, len(c.shapes))
	for i, s := range c.shapes {
		xs[i] = b.source(i, s)
	}
	out := c.build(b, xs)
	b.g.Outputs = []ir.NodeID{out}
	if err := b.g.Infer(); err != nil {
		t.Fatalf("infer: %v", err)
	}
	oshape := b.g.Node(out).Schema.Tensor.Shape
	w := b.source(len(c.shapes), oshape)
	loss := b.add("sum", ir.Attrs{"dims": nil}, b.add("mul", nil, out, w))
	b.g.Outputs = []ir.NodeID{loss}
	if grads {
		for _, x := range xs {
			b.g.Outputs = append(b.g.Outputs, b.add("grad", nil, loss, x))
		}
	}
	if err := b.g.Verify(); err != nil {
		t.Fatalf("verify: %v", err)
	}
	return b.g, oshape
}

func randTensor(r *rand.Rand, shape []int64, positive bool) *col.Tensor {
	sh := make([]int, len(shape))
	for i, d := range shape {
		sh[i] = int(d)
	}
	x := col.NewTensor(ir.Float64, sh)
	for i := range x.F64 {
		if positive {
			x.F64[i] = 0.5 + r.Float64()
		} else {
			x.F64[i] = 2*r.Float64() - 1
		}
	}
	return x
}

func run(t testing.TB, g *ir.Graph, in []*col.Tensor) []*col.Tensor {
	args := make([]any, len(in))
	for i, x := range in {
		args[i] = x
	}
	res, err := interp.RunAny(context.Background(), g, args)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	out := make([]*col.Tensor, len(res))
	for i, r := range res {
		out[i] = r.(*col.Tensor)
	}
	return out
}

func TestGradMatchesFiniteDifferences(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(len(c.name))))
			g, oshape := build(t, c, true)
			if _, err := autodiff.Expand(g); err != nil {
				t.Fatalf("expand: %v", err)
			}
			g.Compact()
			if err := g.Verify(); err != nil {
				t.Fatalf("verify after expand: %v\n%s", err, g.Print())
			}
			for _, n := range g.Nodes {
				if n.Op == "grad" {
					t.Fatalf("grad node left after expand:\n%s", g.Print())
				}
			}
			in := make([]*col.Tensor, len(c.shapes)+1)
			for i, s := range c.shapes {
				in[i] = randTensor(r, s, c.positive)
			}
			in[len(c.shapes)] = randTensor(r, oshape, false)
			got := run(t, g, in)
			fwd, _ := build(t, c, false)
			const eps = 1e-6
			for i := range c.shapes {
				gi := got[1+i]
				if gi.DType != ir.Float64 || len(gi.F64) != len(in[i].F64) {
					t.Fatalf("grad %d: got %s%v, want float64 of %d elements", i, gi.DType, gi.Shape, len(in[i].F64))
				}
				for j := range in[i].F64 {
					orig := in[i].F64[j]
					in[i].F64[j] = orig + eps
					hi := run(t, fwd, in)[0].F64[0]
					in[i].F64[j] = orig - eps
					lo := run(t, fwd, in)[0].F64[0]
					in[i].F64[j] = orig
					want := (hi - lo) / (2 * eps)
					if math.Abs(gi.F64[j]-want) > 1e-6*(1+math.Abs(want)) {
						t.Errorf("d loss / d x%d[%d] = %.9g, finite difference %.9g", i, j, gi.F64[j], want)
					}
				}
			}
		})
	}
}

func TestGradErrorsAndZeros(t *testing.T) {
	// A non-scalar loss: torch's message, at the user's line.
	b := &gb{g: &ir.Graph{}}
	x := b.source(0, s23)
	e := b.add("exp", nil, x)
	gr := b.g.Add(&ir.Node{Op: "grad", Inputs: []ir.NodeID{e, x}, Attrs: ir.Attrs{}, Loc: "user.py:7"})
	b.g.Outputs = []ir.NodeID{gr}
	err := b.g.Verify()
	if err == nil || !strings.Contains(err.Error(), "grad can be implicitly created only for scalar outputs") || !strings.Contains(err.Error(), "user.py:7") {
		t.Fatalf("error = %v", err)
	}

	// A leaf the loss does not depend on gets zeros; a comparison gives none.
	b = &gb{g: &ir.Graph{}}
	x = b.source(0, s23)
	y := b.source(1, s3)
	mask := b.add("cast", ir.Attrs{"dtype": "float64"}, b.add("gt", nil, y, b.add("full", ir.Attrs{"shape": []any{}, "value": "0", "dtype": "float64"})))
	loss := b.add("sum", ir.Attrs{"dims": nil}, b.add("mul", nil, x, mask))
	b.g.Outputs = []ir.NodeID{b.add("grad", nil, loss, y), b.add("grad", nil, loss, x)}
	if err := b.g.Verify(); err != nil {
		t.Fatal(err)
	}
	if _, err := autodiff.Expand(b.g); err != nil {
		t.Fatal(err)
	}
	b.g.Compact()
	if err := b.g.Verify(); err != nil {
		t.Fatal(err)
	}
	yv := col.NewTensor(ir.Float64, []int{3})
	copy(yv.F64, []float64{1, -1, 2})
	res := run(t, b.g, []*col.Tensor{col.NewTensor(ir.Float64, []int{2, 3}), yv})
	for _, v := range res[0].F64 {
		if v != 0 {
			t.Fatalf("grad wrt y = %v, want zeros", res[0].F64)
		}
	}
	want := []float64{1, 0, 1, 1, 0, 1}
	for i, v := range res[1].F64 {
		if v != want[i] {
			t.Fatalf("grad wrt x = %v, want %v", res[1].F64, want)
		}
	}
}

func TestDetachCutsThePath(t *testing.T) {
	// d/dx sum(x * detach(x)) = detach(x) = x.
	b := &gb{g: &ir.Graph{}}
	x := b.source(0, s23)
	loss := b.add("sum", ir.Attrs{"dims": nil}, b.add("mul", nil, x, b.add("detach", nil, x)))
	b.g.Outputs = []ir.NodeID{b.add("grad", nil, loss, x)}
	if err := b.g.Verify(); err != nil {
		t.Fatal(err)
	}
	if _, err := autodiff.Expand(b.g); err != nil {
		t.Fatal(err)
	}
	b.g.Compact()
	if err := b.g.Verify(); err != nil {
		t.Fatal(err)
	}
	xv := randTensor(rand.New(rand.NewSource(1)), s23, false)
	res := run(t, b.g, []*col.Tensor{xv})
	for i, v := range res[0].F64 {
		if v != xv.F64[i] {
			t.Fatalf("grad = %v, want %v", res[0].F64, xv.F64)
		}
	}
}
