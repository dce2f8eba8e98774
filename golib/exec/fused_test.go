package exec_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// chain builds a tensor graph over the given inputs: each step is
// "op a b" naming inputs (x0, x1, ...), 0-dim scalars ("s:<dtype>:<value>"
// become wrapped full nodes) or earlier steps (v0, v1, ...).
type chain struct {
	name  string
	dt    []ir.DType // full-size inputs
	steps []string
}

var chains = []chain{
	{"f32 arithmetic", []ir.DType{ir.Float32}, []string{"mul x0 s:float64:2.0", "add v0 s:float64:1.0", "relu v1", "exp x0", "sub v2 v3"}},
	{"f32 mixed scalars", []ir.DType{ir.Float32, ir.Float32}, []string{"add x0 s:int64:3", "mul v0 x1", "div v1 s:float64:0.1", "neg v2", "abs v3", "maximum v4 x1", "minimum v5 x0"}},
	{"f64 nan", []ir.DType{ir.Float64, ir.Float64}, []string{"maximum x0 x1", "minimum x1 x0", "sub v0 v1", "sqrt v2", "log v3", "tanh v4", "sigmoid v5", "pow v6 x0"}},
	{"i64 wraps", []ir.DType{ir.Int64, ir.Int64}, []string{"add x0 x1", "mul v0 x0", "sub v1 x1", "neg v2", "abs v3", "relu v4", "maximum v5 x0", "minimum v6 x1"}},
	{"i64 true div", []ir.DType{ir.Int64, ir.Int64}, []string{"div x0 x1", "add v0 s:float64:0.5"}},
	{"compare and where", []ir.DType{ir.Float32, ir.Float32}, []string{"gt x0 x1", "where v0 x0 x1", "le v1 s:float64:0.25", "where v2 v1 x0", "eq x0 x1", "ne v3 x1", "add v4 v5"}},
	{"bool arithmetic", []ir.DType{ir.Bool, ir.Bool}, []string{"add x0 x1", "mul v0 x0", "maximum v1 x1", "minimum v2 x0", "add v3 s:int64:1"}},
	{"casts", []ir.DType{ir.Int64, ir.Bool}, []string{"cast:float32 x0", "cast:float64 x1", "add v0 v1", "cast:bool v2", "cast:int64 v3", "add v4 x0"}},
	{"f32 exp log sigmoid", []ir.DType{ir.Float32}, []string{"sigmoid x0", "log v0", "exp v1", "tanh v2", "pow v3 s:float64:1.5", "sqrt v4"}},
}

func randTensor(r *rand.Rand, dt ir.DType, shape []int) *col.Tensor {
	t := col.NewTensor(dt, shape)
	n := t.Numel()
	specialF := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e-40, 3.4e38, -1}
	specialI := []int64{math.MaxInt64, math.MinInt64, 0, -1, 1, 1 << 53, 1<<53 + 1}
	for i := 0; i < n; i++ {
		special := r.Intn(8) == 0
		switch dt {
		case ir.Float32, ir.Float64:
			v := r.NormFloat64() * 3
			if special {
				v = specialF[r.Intn(len(specialF))]
			}
			if dt == ir.Float32 {
				t.F32[i] = float32(v)
			} else {
				t.F64[i] = v
			}
		case ir.Int64:
			v := r.Int63n(2000) - 1000
			if special {
				v = specialI[r.Intn(len(specialI))]
			}
			t.I64[i] = v
		case ir.Bool:
			t.B[i] = r.Intn(2) == 0
		}
	}
	return t
}

func buildChain(t *testing.T, c chain, shape []int) *ir.Graph {
	t.Helper()
	shapes := make([][]int, len(c.dt))
	for i := range shapes {
		shapes[i] = shape
	}
	return buildChainShapes(t, c, shapes)
}

// buildChainShapes is buildChain with a shape per input.
func buildChainShapes(t *testing.T, c chain, shapes [][]int) *ir.Graph {
	t.Helper()
	g := &ir.Graph{}
	var xs, vs []ir.NodeID
	for i, dt := range c.dt {
		sh := make([]any, len(shapes[i]))
		for k, d := range shapes[i] {
			sh[k] = float64(d)
		}
		xs = append(xs, g.Add(&ir.Node{Op: "source_tensor", Attrs: ir.Attrs{"input": float64(i), "dtype": dt.String(), "shape": sh}}))
	}
	ref := func(s string) (ir.NodeID, bool) {
		var k int
		switch {
		case strings.HasPrefix(s, "s:"):
			p := strings.SplitN(s, ":", 3)
			return g.Add(&ir.Node{Op: "full", Attrs: ir.Attrs{"dtype": p[1], "shape": []any{}, "value": p[2], "wrapped": true}}), true
		case s[0] == 'x':
			fmt.Sscan(s[1:], &k)
			return xs[k], false
		}
		fmt.Sscan(s[1:], &k)
		return vs[k], false
	}
	for _, st := range c.steps {
		f := strings.Fields(st)
		attrs := ir.Attrs{}
		op := f[0]
		if strings.HasPrefix(op, "cast:") {
			attrs["dtype"] = strings.TrimPrefix(op, "cast:")
			op = "cast"
		}
		if rest, ok := strings.CutPrefix(op, "reshape:"); ok { // reshape:-1,4
			var sh []any
			for _, d := range strings.Split(rest, ",") {
				var k int
				fmt.Sscan(d, &k)
				sh = append(sh, float64(k))
			}
			attrs["shape"], op = sh, "reshape"
		}
		if op == "index_add:wrap" {
			attrs["wrap"], op = true, "index_add"
		}
		var ins []ir.NodeID
		for i, a := range f[1:] {
			id, wrapped := ref(a)
			if wrapped {
				attrs[fmt.Sprintf("wrapped%d", i)] = true
			}
			ins = append(ins, id)
		}
		vs = append(vs, g.Add(&ir.Node{Op: op, Inputs: ins, Attrs: attrs, Loc: "t.py:1"}))
	}
	g.Outputs = []ir.NodeID{vs[len(vs)-1]}
	if err := g.Verify(); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return g
}

// sameTensor compares exactly (tol 0) or with a relative tolerance; NaN
// equals NaN.
func sameTensor(a, b *col.Tensor, tol float64) string {
	if a.DType != b.DType || fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) {
		return fmt.Sprintf("type %s%v vs %s%v", a.DType, a.Shape, b.DType, b.Shape)
	}
	for i := 0; i < a.Numel(); i++ {
		var x, y float64
		switch a.DType {
		case ir.Float32:
			x, y = float64(a.F32[i]), float64(b.F32[i])
		case ir.Float64:
			x, y = a.F64[i], b.F64[i]
		case ir.Int64:
			if a.I64[i] != b.I64[i] {
				return fmt.Sprintf("element %d: %d vs %d", i, a.I64[i], b.I64[i])
			}
			continue
		case ir.Bool:
			if a.B[i] != b.B[i] {
				return fmt.Sprintf("element %d: %v vs %v", i, a.B[i], b.B[i])
			}
			continue
		}
		if math.IsNaN(x) && math.IsNaN(y) || x == y && math.Signbit(x) == math.Signbit(y) {
			continue
		}
		if tol > 0 && math.Abs(x-y) <= tol*math.Max(math.Abs(x), math.Abs(y)) {
			continue
		}
		return fmt.Sprintf("element %d: %v vs %v", i, x, y)
	}
	return ""
}

// TestFusedMatchesInterp runs each chain on the reference interpreter,
// then fused with the Go evaluator and with native code, on shapes from
// empty to more than one morsel (not a multiple of it).
func TestFusedMatchesInterp(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	shapes := [][]int{{0}, {1}, {3, 7}, {1000}, {lower.Morsel*2 + 37}}
	for _, c := range chains {
		for _, shape := range shapes {
			r := rand.New(rand.NewSource(int64(len(c.name) * (shape[0] + 1))))
			var inputs []any
			for _, dt := range c.dt {
				inputs = append(inputs, randTensor(r, dt, shape))
			}
			want, err := interp.RunAny(context.Background(), buildChain(t, c, shape), inputs)
			if err != nil {
				t.Fatalf("%s: interp: %v", c.name, err)
			}
			for _, native := range []bool{false, true} {
				if native && ccErr != nil {
					continue
				}
				g := buildChain(t, c, shape)
				rep, err := lower.Fuse(g, lower.Options{Codegen: native, NoCodegenWhy: "test", MinRows: 1, SyncCompile: true})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Kernels != 1 || rep.Ops != len(c.steps) {
					t.Fatalf("%s: fused %d kernels of %d ops, want 1 of %d:\n%s", c.name, rep.Kernels, rep.Ops, len(c.steps), g.Print())
				}
				got, err := exec.RunAny(context.Background(), g, inputs, exec.Options{})
				if err != nil {
					t.Fatalf("%s %v native=%v: %v", c.name, shape, native, err)
				}
				tol := 0.0
				if native {
					tol = 1e-5 // FMA contraction, libm's exp/log/tanh/pow
				}
				if d := sameTensor(want[0].(*col.Tensor), got[0].(*col.Tensor), tol); d != "" {
					t.Errorf("%s %v native=%v: %s", c.name, shape, native, d)
				}
			}
		}
	}
}

// TestKernelCache: a second load of a kernel (another process) comes from
// the disk cache; corrupt entries (truncated, bad or missing checksum, not
// loadable) are detected and rebuilt.
func TestKernelCache(t *testing.T) {
	if _, _, err := codegen.Compiler(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	loop := func(c float64) *lower.Loop {
		return &lower.Loop{Filter: -1, Group: -1,
			Inputs:   []lower.Input{{Type: ir.Float64}},
			Body:     []lower.Instr{{Op: "load", Type: ir.Float64}, {Op: "const", Type: ir.Float64, Const: ir.Value{Type: ir.Float64, F: c}}, {Op: "mul", Type: ir.Float64, Args: []int{0, 1}}},
			Builders: []lower.Builder{{Kind: lower.Append, Value: 2, Type: ir.Float64}}}
	}
	check := func(k *codegen.Kernel, l *lower.Loop, c float64) {
		t.Helper()
		in := []lower.Buf{{F64: []float64{8, -16}}}
		out := lower.Parallel(l, 2, 0, k.Range(l, in))
		if got := out.Append[0].F64; got[0] != 8*c || got[1] != -16*c {
			t.Fatalf("kernel computes %v", got)
		}
	}
	l := loop(0.125)
	k, err := codegen.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	if k.Cached || k.Build == 0 {
		t.Fatalf("fresh cache dir, kernel claims to be cached")
	}
	check(k, l, 0.125)
	if k2, err := codegen.Compile(l); err != nil || k2 != k {
		t.Fatalf("same process: kernel not reused (%v)", err)
	}
	if k2, err := codegen.LoadForTest(l); err != nil || !k2.Cached || k2.Path != k.Path {
		t.Fatalf("second process: cached=%v err=%v", k2 != nil && k2.Cached, err)
	}
	good, _ := os.ReadFile(k.Path)
	sum := func(b []byte) []byte { s := sha256.Sum256(b); return []byte(hex.EncodeToString(s[:])) }
	cases := []struct {
		name    string
		so, sum []byte // nil: file absent
	}{
		{"truncated", good[:len(good)/2], sum(good)},
		{"bad checksum", good, []byte("00")},
		{"missing checksum", good, nil},
		{"not a shared object", []byte("garbage"), sum([]byte("garbage"))},
	}
	for i, c := range cases {
		cst := 0.5 + float64(i)
		l := loop(cst) // a fresh key: never loaded by this process
		path := codegen.CachePathForTest(l)
		os.WriteFile(path, c.so, 0o644)
		if c.sum != nil {
			os.WriteFile(path+".sha256", c.sum, 0o644)
		}
		k, err := codegen.LoadForTest(l)
		if err != nil || k.Cached {
			t.Fatalf("%s: entry not rebuilt: cached=%v err=%v", c.name, k != nil && k.Cached, err)
		}
		check(k, l, cst)
	}
}

// TestBackgroundCompile: a small run starts the compile in the background
// and answers on the Go evaluator; the kernel becomes ready for later runs.
func TestBackgroundCompile(t *testing.T) {
	if _, _, err := codegen.Compiler(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	c := chain{"background", []ir.DType{ir.Float64}, []string{"mul x0 s:float64:0.375", "add v0 s:float64:7.0", "sqrt v1"}}
	shape := []int{300}
	in := []any{randTensor(rand.New(rand.NewSource(1)), ir.Float64, shape)}
	want, err := interp.RunAny(context.Background(), buildChain(t, c, shape), in)
	if err != nil {
		t.Fatal(err)
	}
	g := buildChain(t, c, shape)
	if _, err := lower.Fuse(g, lower.Options{Codegen: true, MinRows: 1}); err != nil {
		t.Fatal(err)
	}
	l := g.Nodes[len(g.Nodes)-1].Attrs["kernel"].(*lower.Kernel).Loop
	if codegen.Ready(l) != nil {
		t.Fatal("kernel ready before any run")
	}
	for run := 0; run < 2; run++ {
		got, err := exec.RunAny(context.Background(), g, in, exec.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d := sameTensor(want[0].(*col.Tensor), got[0].(*col.Tensor), 1e-12); d != "" {
			t.Fatalf("run %d: %s", run, d)
		}
		for i := 0; i < 600 && codegen.Ready(l) == nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
		if codegen.Ready(l) == nil {
			t.Fatal("background compile did not finish in 30 s")
		}
	}
}
