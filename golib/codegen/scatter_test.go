package codegen_test

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// scatterLoop is out[idx[i/W]*W + i%W] += relu(g[i]) * s (floats; s a
// scalar input) or g[i] * s (int64, wrapping), with an optional bias read
// at i%W (added before the relu) when bias is set.
func scatterLoop(t ir.DType, w int, bias bool) *lower.Loop {
	l := &lower.Loop{Filter: -1, Width: w,
		Inputs: []lower.Input{{Type: t}, {Type: t, Scalar: true}, {Type: ir.Int64, Bcast: lower.Outer}}}
	if w == 0 {
		l.Inputs[2].Bcast = lower.Full
	}
	l.Group = 2
	l.Body = []lower.Instr{{Op: "load", Type: t, Input: 0}, {Op: "load", Type: t, Input: 1}}
	x := 0
	if bias {
		l.Inputs = append(l.Inputs, lower.Input{Type: t, Bcast: lower.Inner})
		l.Body = append(l.Body, lower.Instr{Op: "load", Type: t, Input: 3}, lower.Instr{Op: "add", Type: t, Args: []int{0, 2}})
		x = 3
	}
	if t != ir.Int64 {
		l.Body = append(l.Body, lower.Instr{Op: "relu", Type: t, Args: []int{x}})
		x = len(l.Body) - 1
	}
	l.Body = append(l.Body, lower.Instr{Op: "mul", Type: t, Args: []int{x, 1}})
	l.Builders = []lower.Builder{{Kind: lower.VecMerge, Value: len(l.Body) - 1, Type: t}}
	return l
}

// scatterRef is the interpreter's index_add order: indices in order, each
// element's sum rounded in the output type after every addition.
func scatterRef(t ir.DType, w, size int, idx []int64, g, bias []float64, gi []int64, s float64, si int64) lower.Buf {
	w1 := max(1, w)
	out := lower.NewBuf(t, size*w1)
	for k, d := range idx {
		for j := 0; j < w1; j++ {
			i := k*w1 + j
			at := int(d)*w1 + j
			switch t {
			case ir.Float32:
				x := float32(g[i])
				if bias != nil {
					x += float32(bias[j])
				}
				x = float32(math.Max(float64(x), 0))
				out.F32[at] += float32(x * float32(s))
			case ir.Float64:
				x := g[i]
				if bias != nil {
					x += bias[j]
				}
				out.F64[at] += float64(math.Max(x, 0) * s)
			default:
				out.I64[at] += gi[i] * si
			}
		}
	}
	return out
}

// TestScatterNativeMatchGo: the vec-merge (scatter-add) builder run by the
// Go evaluator and natively, on 1 and several workers, equals a sequential
// index_add bit for bit (float32, float64, wrapping int64; empty index,
// repeated and skewed indices, W = 1 with and without a loop width, W
// larger than an evaluator block, broadcast bias).
func TestScatterNativeMatchGo(t *testing.T) {
	if _, _, err := codegen.Compiler(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	type tc struct {
		t          ir.DType
		w, n, size int
		pattern    string // "random", "same" (every index the same), "skew"
		bias       bool
	}
	cases := []tc{
		{ir.Float32, 64, 0, 10, "random", false},
		{ir.Float32, 64, 5000, 1000, "random", false},
		{ir.Float32, 8, 3*lower.Morsel + 7, 300, "skew", true},
		{ir.Float32, 1, 2*lower.Morsel + 3, 50, "random", false},
		{ir.Float32, 0, 2*lower.Morsel + 3, 50, "random", false},
		{ir.Float32, 1500, 300, 7, "random", true},
		{ir.Float32, 16, 20000, 3, "same", false},
		{ir.Float64, 3, lower.Morsel + 1, 100, "skew", true},
		{ir.Float64, 0, 1000, 1, "same", false},
		{ir.Int64, 5, 30000, 40, "random", false},
		{ir.Int64, 0, 100, 2, "random", false},
	}
	compiled := map[string]*codegen.Kernel{}
	for _, c := range cases {
		name := fmt.Sprintf("%s/w=%d/n=%d/size=%d/%s/bias=%v", c.t, c.w, c.n, c.size, c.pattern, c.bias)
		t.Run(name, func(t *testing.T) {
			l := scatterLoop(c.t, c.w, c.bias)
			if err := l.Validate(); err != nil {
				t.Fatal(err)
			}
			src, err := codegen.Emit(l)
			if err != nil {
				t.Fatal(err)
			}
			k := compiled[src]
			if k == nil {
				if k, err = codegen.Compile(l); err != nil {
					t.Fatal(err)
				}
				compiled[src] = k
			}
			w1 := max(1, c.w)
			r := rand.New(rand.NewSource(int64(c.n + c.w)))
			idx := make([]int64, c.n)
			for k := range idx {
				switch c.pattern {
				case "random":
					idx[k] = r.Int63n(int64(c.size))
				case "same":
					idx[k] = int64(c.size - 1)
				case "skew": // a third of the indices on row 0
					idx[k] = r.Int63n(int64(c.size))
					if r.Intn(3) == 0 {
						idx[k] = 0
					}
				}
			}
			rows := c.n * w1
			g, gi := make([]float64, rows), make([]int64, rows)
			for i := range g {
				g[i] = r.NormFloat64() * 100
				if c.t == ir.Float32 {
					g[i] = float64(float32(g[i]))
				}
				gi[i] = r.Int63() - math.MaxInt64/2
			}
			var bias []float64
			if c.bias {
				bias = make([]float64, w1)
				for j := range bias {
					bias[j] = float64(float32(r.NormFloat64()))
				}
			}
			s, si := 0.3, int64(3)
			in := []lower.Buf{lower.NewBuf(c.t, rows), lower.NewBuf(c.t, 1), {I64: idx}}
			if c.bias {
				in = append(in, lower.NewBuf(c.t, w1))
			}
			for i := range rows {
				switch c.t {
				case ir.Float32:
					in[0].F32[i] = float32(g[i])
				case ir.Float64:
					in[0].F64[i] = g[i]
				default:
					in[0].I64[i] = gi[i]
				}
			}
			for j := range bias {
				if c.t == ir.Float32 {
					in[3].F32[j] = float32(bias[j])
				} else {
					in[3].F64[j] = bias[j]
				}
			}
			switch c.t {
			case ir.Float32:
				in[1].F32[0] = float32(s)
			case ir.Float64:
				in[1].F64[0] = s
			default:
				in[1].I64[0] = si
			}
			want := scatterRef(c.t, c.w, c.size, idx, g, bias, gi, s, si)
			for _, procs := range []int{1, 3} {
				prev := runtime.GOMAXPROCS(procs)
				for _, run := range []struct {
					how string
					f   lower.RangeFunc
					idx []int64
				}{{"go", lower.EvalRange(l, in), nil}, {"native", k.Range(l, in), nil}, {"native balanced", k.Range(l, in), idx}} {
					out, err := lower.ParallelScatter(context.Background(), l, rows, c.size, run.idx, run.f)
					if err != nil {
						t.Fatal(err)
					}
					if d := bufDiff(want, out.Vec[0]); d != "" {
						t.Errorf("%s on %d procs: %s", run.how, procs, d)
					}
				}
				runtime.GOMAXPROCS(prev)
			}
		})
	}
}

// bufDiff compares two buffers bit for bit.
func bufDiff(a, b lower.Buf) string {
	switch {
	case a.F32 != nil:
		if len(a.F32) != len(b.F32) {
			return fmt.Sprintf("len %d vs %d", len(a.F32), len(b.F32))
		}
		for i := range a.F32 {
			if math.Float32bits(a.F32[i]) != math.Float32bits(b.F32[i]) {
				return fmt.Sprintf("[%d]: want %v, got %v", i, a.F32[i], b.F32[i])
			}
		}
	case a.F64 != nil:
		if len(a.F64) != len(b.F64) {
			return fmt.Sprintf("len %d vs %d", len(a.F64), len(b.F64))
		}
		for i := range a.F64 {
			if math.Float64bits(a.F64[i]) != math.Float64bits(b.F64[i]) {
				return fmt.Sprintf("[%d]: want %v, got %v", i, a.F64[i], b.F64[i])
			}
		}
	default:
		if len(a.I64) != len(b.I64) {
			return fmt.Sprintf("len %d vs %d", len(a.I64), len(b.I64))
		}
		for i := range a.I64 {
			if a.I64[i] != b.I64[i] {
				return fmt.Sprintf("[%d]: want %v, got %v", i, a.I64[i], b.I64[i])
			}
		}
	}
	return ""
}

// TestScatterNeverWritesOutside: a native scatter fed indices outside its
// target rows (which CheckIndex rejects before any real run) skips them
// instead of writing out of bounds.
func TestScatterNeverWritesOutside(t *testing.T) {
	if _, _, err := codegen.Compiler(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	l := scatterLoop(ir.Float64, 2, false)
	k, err := codegen.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	idx := []int64{-1, 0, 3, math.MaxInt64, math.MinInt64, 1}
	in := []lower.Buf{{F64: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, {F64: []float64{1}}, {I64: idx}}
	for _, f := range []lower.RangeFunc{lower.EvalRange(l, in), k.Range(l, in)} {
		out, err := lower.ParallelScatter(context.Background(), l, 12, 2, nil, f)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Vec[0].F64; fmt.Sprint(got) != "[3 4 11 12]" {
			t.Errorf("got %v", got)
		}
	}
}

// TestScatterEmitted: the C of a scatter loop reads its target rows from
// the slot after the builders and checks every index against them.
func TestScatterEmitted(t *testing.T) {
	src, err := codegen.Emit(scatterLoop(ir.Float32, 64, true))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"const int64_t W = 64;", "((const int64_t *)out[1])[0]", "if (d < lo || d >= hi) continue;", "o0[d * W + (j - base)] += t"} {
		if !strings.Contains(src, want) {
			t.Errorf("no %q in\n%s", want, src)
		}
	}
}
