package embedfold_test

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
	"github.com/flern/flern/golib/opt/embedfold"
	"github.com/flern/flern/golib/opt/mlpfuse"
	"github.com/flern/flern/golib/opt/opttest"
	_ "github.com/flern/flern/golib/tensor" // tensor op schemas
)

type gb struct {
	g  *ir.Graph
	in []any
	r  *rand.Rand
}

func (b *gb) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}

func (b *gb) input(t *col.Tensor, dt string) ir.NodeID {
	sh := make([]any, len(t.Shape))
	for j, d := range t.Shape {
		sh[j] = float64(d)
	}
	id := b.add("source_tensor", ir.Attrs{"input": float64(len(b.in)), "dtype": dt, "shape": sh})
	b.in = append(b.in, t)
	return id
}

// src is a float32 run input of random values (a NaN in the rows' first one).
func (b *gb) src(shape ...int) ir.NodeID {
	t := col.NewTensor(ir.Float32, shape)
	for i := range t.F32 {
		t.F32[i] = float32(b.r.NormFloat64())
	}
	if len(b.in) == 0 && len(t.F32) > 7 {
		t.F32[7] = float32(math.NaN())
	}
	return b.input(t, "float32")
}

// codes is an int64 run input of rows indices in [0, m).
func (b *gb) codes(rows, m int) ir.NodeID {
	t := col.NewTensor(ir.Int64, []int{rows})
	for i := range t.I64 {
		t.I64[i] = int64(b.r.Intn(m))
	}
	return b.input(t, "int64")
}

// linear is nn.Linear(k, out) as recorded: matmul(x, transpose(W)) + b.
func (b *gb) linear(x ir.NodeID, k, out int) ir.NodeID {
	w := b.add("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, b.src(out, k))
	return b.add("add", nil, b.add("matmul", nil, x, w), b.src(out))
}

// embedded is cat([x, E1[i1], E2[i2]], dim=1) for x [rows, k] and two
// [m, e] embeddings (wrap: the lookups wrap negative indices).
func (b *gb) embedded(rows, k, m, e int, wrap bool) ir.NodeID {
	x := b.src(rows, k)
	attrs := ir.Attrs{"dim": 0.0}
	if wrap {
		attrs["wrap"] = true
	}
	l1 := b.add("index_select", attrs, b.src(m, e), b.codes(rows, m))
	l2 := b.add("index_select", attrs, b.src(m, e), b.codes(rows, m))
	return b.add("cat", ir.Attrs{"dim": 1.0}, x, l1, l2)
}

const rows = 500

// TestEmbedFold: the plan after the pass (tables folded, then the head
// fused with its lookups) and then its results: within float rounding of
// the unfolded plan's on the interpreter and the runtime; the fused head's
// definition equals the folded, unfused plan bit for bit.
func TestEmbedFold(t *testing.T) {
	cases := []struct {
		name   string
		build  func(b *gb) []ir.NodeID
		tables int
		fused  bool
	}{
		{"flights: 3 numeric + 2 embeddings -> 64 -> 1", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.linear(b.add("relu", nil, b.linear(b.embedded(rows, 3, 29, 8, false), 19, 64)), 64, 1)}
		}, 2, true},
		{"one Linear, several outputs", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.linear(b.embedded(rows, 2, 7, 4, false), 10, 5)}
		}, 2, false},
		{"only embeddings", func(b *gb) []ir.NodeID {
			l := b.add("index_select", ir.Attrs{"dim": 0.0}, b.src(11, 6), b.codes(rows, 11))
			return []ir.NodeID{b.linear(b.add("cat", ir.Attrs{"dim": 1.0}, l), 6, 3)}
		}, 1, false},
		{"wrapping lookups", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.linear(b.embedded(rows, 3, 29, 8, true), 19, 4)}
		}, 0, false},
		{"tables with more rows than the data", func(b *gb) []ir.NodeID {
			return []ir.NodeID{b.linear(b.embedded(rows, 3, 2*rows, 8, false), 19, 4)}
		}, 0, false},
		{"cat read elsewhere", func(b *gb) []ir.NodeID {
			c := b.embedded(rows, 3, 29, 8, false)
			return []ir.NodeID{b.linear(c, 19, 4), c}
		}, 0, false},
		{"training graph", func(b *gb) []ir.NodeID {
			y := b.linear(b.embedded(rows, 3, 29, 8, false), 19, 4)
			return []ir.NodeID{y, b.add("state_write", ir.Attrs{"key": 1.0}, b.src(4))}
		}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &gb{g: &ir.Graph{}, r: rand.New(rand.NewSource(2))}
			b.g.Outputs = tc.build(b)
			if err := b.g.Infer(); err != nil {
				t.Fatal(err)
			}
			var want []any
			if tc.tables > 0 {
				var err error
				if want, err = interp.RunAny(context.Background(), b.g, b.in); err != nil {
					t.Fatal(err)
				}
			}
			changed, plan := opttest.Apply(t, b.g, embedfold.Run)
			if n := strings.Count(plan, `embedded="table"`); n != tc.tables || changed != (tc.tables > 0) {
				t.Fatalf("%d tables folded (changed %v), want %d:\n%s", n, changed, tc.tables, plan)
			}
			if tc.tables == 0 {
				return
			}
			if strings.Contains(plan, "cat(") && !strings.Contains(plan, "numeric") {
				t.Fatalf("the cat is left:\n%s", plan)
			}
			folded, err := interp.RunAny(context.Background(), b.g, b.in)
			if err != nil {
				t.Fatal(err)
			}
			close(t, "the interpreter on the folded plan", want[0], folded[0])
			if _, err := mlpfuse.Run(b.g); err != nil {
				t.Fatal(err)
			}
			b.g.Compact()
			plan = b.g.Print()
			if got := strings.Contains(plan, mlpfuse.Op+"("); got != tc.fused {
				t.Fatalf("head fused %v, want %v:\n%s", got, tc.fused, plan)
			}
			if tc.fused {
				if strings.Contains(plan, "index_select(") {
					t.Fatalf("a lookup left outside the fused head:\n%s", plan)
				}
				ref, err := interp.RunAny(context.Background(), b.g, b.in)
				if err != nil {
					t.Fatal(err)
				}
				fr, rr := folded[0].(*col.Tensor), ref[0].(*col.Tensor)
				for i := range fr.F32 {
					if math.Float32bits(fr.F32[i]) != math.Float32bits(rr.F32[i]) && !(fr.F32[i] != fr.F32[i] && rr.F32[i] != rr.F32[i]) {
						t.Fatalf("element %d: the fused op's definition %v, the folded ops %v", i, rr.F32[i], fr.F32[i])
					}
				}
			}
			run, err := exec.RunAny(context.Background(), b.g, b.in, exec.Options{})
			if err != nil {
				t.Fatal(err)
			}
			close(t, "the runtime", want[0], run[0])
		})
	}
}

// close checks got against want within float32 rounding (NaN where NaN).
func close(t *testing.T, what string, want, got any) {
	t.Helper()
	w, g := want.(*col.Tensor), got.(*col.Tensor)
	if len(w.F32) != len(g.F32) {
		t.Fatalf("%s: %d values, want %d", what, len(g.F32), len(w.F32))
	}
	for i, wv := range w.F32 {
		gv := g.F32[i]
		if (wv != wv) != (gv != gv) || math.Abs(float64(gv-wv)) > 1e-4*(1+math.Abs(float64(wv))) {
			t.Fatalf("%s: element %d is %v, unfolded %v", what, i, gv, wv)
		}
	}
}

// TestEmbedFoldIndexError: an index outside its table raises the lookup's
// error on the interpreter and on the runtime's fused kernel.
func TestEmbedFoldIndexError(t *testing.T) {
	for _, v := range []int64{-1, 29} {
		b := &gb{g: &ir.Graph{}, r: rand.New(rand.NewSource(3))}
		b.g.Outputs = []ir.NodeID{b.linear(b.add("relu", nil, b.linear(b.embedded(rows, 3, 29, 8, false), 19, 64)), 64, 1)}
		b.in[2].(*col.Tensor).I64[rows-3] = v
		if err := b.g.Infer(); err != nil {
			t.Fatal(err)
		}
		for _, pass := range []func(*ir.Graph) (bool, error){embedfold.Run, mlpfuse.Run} {
			if _, err := pass(b.g); err != nil {
				t.Fatal(err)
			}
		}
		b.g.Compact()
		if !strings.Contains(b.g.Print(), mlpfuse.Op) {
			t.Fatalf("not fused:\n%s", b.g.Print())
		}
		_, ierr := interp.RunAny(context.Background(), b.g, b.in)
		_, rerr := exec.RunAny(context.Background(), b.g, b.in, exec.Options{})
		for _, err := range []error{ierr, rerr} {
			if err == nil || !strings.Contains(err.Error(), "index out of range in self") {
				t.Fatalf("index %d: %v, want the lookup's index error", v, err)
			}
		}
	}
}
