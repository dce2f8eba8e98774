package exec

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flern/flern/golib/autodiff"
	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// mlpSetup is a 2-layer MLP regression step (x @ W1^T + b1 -> relu/tanh ->
// @ W2^T + b2, MSE) with a fused optimizer update per parameter, built the
// way the Python front end records it, plus the store entries it reads.
type mlpSetup struct {
	keys  map[string]int64
	steps []*ir.Graph // full batch, tail batch
}

func state(g *ir.Graph, key int64, dt ir.DType, shape ...int64) ir.NodeID {
	sh := make([]any, len(shape))
	for i, d := range shape {
		sh[i] = float64(d)
	}
	return g.Add(&ir.Node{Op: "state", Attrs: ir.Attrs{"key": float64(key), "dtype": dt.String(), "shape": sh}})
}

func newEntry(dt ir.DType, shape []int, fill func(i int) float64) int64 {
	t := col.NewTensor(dt, shape)
	for i := 0; i < t.Numel(); i++ {
		switch dt {
		case ir.Float32:
			t.F32[i] = float32(fill(i))
		case ir.Float64:
			t.F64[i] = fill(i)
		case ir.Int64:
			t.I64[i] = int64(fill(i))
		}
	}
	return interp.StateNew(t)
}

func buildMLP(t *testing.T, opt string, attrs ir.Attrs, nbuf int, act string, n, batch, in, hidden int) *mlpSetup {
	s := &mlpSetup{keys: map[string]int64{}}
	k := s.keys
	k["x"] = newEntry(ir.Float32, []int{n, in}, func(i int) float64 { return math.Sin(float64(i) * 0.37) })
	k["y"] = newEntry(ir.Float32, []int{n, 1}, func(i int) float64 { return math.Cos(float64(i) * 0.11) })
	k["W1"] = newEntry(ir.Float32, []int{hidden, in}, func(i int) float64 { return math.Sin(float64(i)*1.3) * 0.5 })
	k["b1"] = newEntry(ir.Float32, []int{hidden}, func(i int) float64 { return 0.1 * float64(i%3) })
	k["W2"] = newEntry(ir.Float32, []int{1, hidden}, func(i int) float64 { return math.Cos(float64(i)*0.7) * 0.5 })
	k["b2"] = newEntry(ir.Float32, []int{1}, func(i int) float64 { return 0.05 })
	k["lr"] = newEntry(ir.Float64, []int{1}, func(int) float64 { return 0.01 })
	params := []string{"W1", "b1", "W2", "b2"}
	for _, p := range params {
		pt, _ := interp.StateGet(k[p])
		k[p+".step"] = newEntry(ir.Int64, nil, func(int) float64 { return 0 })
		for b := 0; b < nbuf; b++ {
			k[p+".buf"+string(rune('0'+b))] = newEntry(ir.Float32, pt.Shape, func(int) float64 { return 0 })
		}
	}
	for _, rows := range []int{batch, n % batch} {
		if rows == 0 {
			continue
		}
		xb := newEntry(ir.Float32, []int{rows, in}, func(int) float64 { return 0 })
		yb := newEntry(ir.Float32, []int{rows, 1}, func(int) float64 { return 0 })
		if rows == batch {
			k["xb"], k["yb"] = xb, yb
		} else {
			k["xt"], k["yt"] = xb, yb
		}
		g := &ir.Graph{}
		x := state(g, xb, ir.Float32, int64(rows), int64(in))
		y := state(g, yb, ir.Float32, int64(rows), 1)
		ids := map[string]ir.NodeID{
			"W1": state(g, k["W1"], ir.Float32, int64(hidden), int64(in)), "b1": state(g, k["b1"], ir.Float32, int64(hidden)),
			"W2": state(g, k["W2"], ir.Float32, 1, int64(hidden)), "b2": state(g, k["b2"], ir.Float32, 1),
		}
		tr := func(a ir.NodeID) ir.NodeID {
			return g.Add(&ir.Node{Op: "transpose", Inputs: []ir.NodeID{a}, Attrs: ir.Attrs{"dim0": 0.0, "dim1": 1.0}})
		}
		op := func(name string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
			if attrs == nil {
				attrs = ir.Attrs{}
			}
			return g.Add(&ir.Node{Op: name, Inputs: in, Attrs: attrs})
		}
		h := op(act, nil, op("add", nil, op("matmul", nil, x, tr(ids["W1"])), ids["b1"]))
		out := op("add", nil, op("matmul", nil, h, tr(ids["W2"])), ids["b2"])
		d := op("sub", nil, out, y)
		loss := op("mean", ir.Attrs{"dims": nil, "keepdim": false}, op("mul", nil, d, d))
		outs := []ir.NodeID{loss}
		lr := state(g, k["lr"], ir.Float64, 1)
		for _, p := range params {
			grad := op("grad", nil, loss, ids[p])
			pt, _ := interp.StateGet(k[p])
			in := []ir.NodeID{ids[p], grad, lr, state(g, k[p+".step"], ir.Int64)}
			for b := 0; b < nbuf; b++ {
				in = append(in, state(g, k[p+".buf"+string(rune('0'+b))], ir.Float32, pt.ShapeI64()...))
			}
			upd := op(opt, attrs, in...)
			outs = append(outs, op("state_write", ir.Attrs{"key": float64(k[p])}, upd))
		}
		g.Outputs = outs
		if err := g.Verify(); err != nil {
			t.Fatal(err)
		}
		if _, err := autodiff.Expand(g); err != nil {
			t.Fatal(err)
		}
		if err := g.Verify(); err != nil {
			t.Fatal(err)
		}
		s.steps = append(s.steps, g)
	}
	return s
}

func (s *mlpSetup) trainer(noFast bool, batch int) *Trainer {
	k := s.keys
	tr := &Trainer{Step: s.steps[0], NoFast: noFast, Spec: TrainSpec{X: k["x"], Y: k["y"], XB: k["xb"], YB: k["yb"],
		XTail: k["xt"], YTail: k["yt"], BatchSize: batch, CheckFinite: true}}
	if len(s.steps) > 1 {
		tr.Tail = s.steps[1]
	}
	return tr
}

func (s *mlpSetup) release() {
	for _, key := range s.keys {
		interp.StateRelease(key)
	}
}

// TestFastStepMatchesRunAny: epochs on the prepared step executor equal
// RunAny's within float rounding; the 9 -> 64 case's first layer runs its
// product with the weight copied transposed (transposeB).
func TestFastStepMatchesRunAny(t *testing.T) {
	cases := []struct {
		opt        string
		attrs      ir.Attrs
		nbuf       int
		act        string
		in, hidden int
	}{
		{"adam_update", ir.Attrs{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}, 2, "relu", 5, 16},
		{"adam_update", ir.Attrs{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}, 2, "relu", 9, 64},
		{"adamw_update", ir.Attrs{"beta1": 0.9, "beta2": 0.99, "eps": 1e-8, "weight_decay": 0.1}, 2, "tanh", 5, 16},
		{"sgd_update", ir.Attrs{"momentum": 0.9, "nesterov": true}, 1, "sigmoid", 5, 16},
		{"rmsprop_update", ir.Attrs{"alpha": 0.9, "eps": 1e-8, "momentum": 0.5, "centered": true}, 3, "relu", 5, 16},
	}
	const n, batch = 37, 8
	if !transposeB(false, true, batch, 64, 9) {
		t.Fatal("the 9 -> 64 layer's product is not on the transposed-copy path")
	}
	perm := make([]int64, n)
	for i := range perm {
		perm[i] = int64((i * 17) % n)
	}
	for _, tc := range cases {
		var losses [2][]float64
		var params [2][]float32
		for mode := 0; mode < 2; mode++ {
			s := buildMLP(t, tc.opt, tc.attrs, tc.nbuf, tc.act, n, batch, tc.in, tc.hidden)
			tr := s.trainer(mode == 1, batch)
			if mode == 0 && buildFast(s.steps[0], Options{}) == nil {
				t.Fatalf("%s: the step graph was not prepared for the fast executor", tc.opt)
			}
			for epoch := 0; epoch < 3; epoch++ {
				ls := make([]float64, 5)
				done, err := tr.Epoch(nil, perm, ls)
				if err != nil || done != 5 {
					t.Fatalf("%s: epoch: %d steps, %v", tc.opt, done, err)
				}
				losses[mode] = append(losses[mode], ls...)
			}
			for _, p := range []string{"W1", "b1", "W2", "b2"} {
				pt, _ := interp.StateGet(s.keys[p])
				params[mode] = append(params[mode], pt.F32...)
			}
			s.release()
		}
		for i := range losses[0] {
			if math.Abs(losses[0][i]-losses[1][i]) > 1e-5*(1+math.Abs(losses[1][i])) {
				t.Fatalf("%s: step %d loss fast %v, RunAny %v", tc.opt, i, losses[0][i], losses[1][i])
			}
		}
		if mean(losses[0][10:]) >= mean(losses[0][:5]) {
			t.Errorf("%s: loss did not decrease: %v", tc.opt, losses[0])
		}
		for i := range params[0] {
			if math.Abs(float64(params[0][i]-params[1][i])) > 1e-5 {
				t.Fatalf("%s: param %d fast %v, RunAny %v", tc.opt, i, params[0][i], params[1][i])
			}
		}
	}
}

func TestTrainerCancelAndErrors(t *testing.T) {
	s := buildMLP(t, "sgd_update", ir.Attrs{"momentum": 0.0}, 1, "relu", 40, 8, 3, 4)
	defer s.release()
	tr := s.trainer(false, 8)
	perm := make([]int64, 40)
	for i := range perm {
		perm[i] = int64(i)
	}
	tests := []struct {
		name string
		perm []int64
		room int
	}{
		{"row out of range", []int64{0, 1, 40}, 5},
		{"negative row", []int64{-1}, 5},
		{"no room for losses", perm, 2},
	}
	for _, tt := range tests {
		if _, err := tr.Epoch(nil, tt.perm, make([]float64, tt.room)); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	tr.Cancel() // a cancel before an epoch starts is dropped when it starts
	if done, err := tr.Epoch(nil, perm, make([]float64, 5)); err != nil || done != 5 {
		t.Errorf("after cancel: %d, %v", done, err)
	}
	// a NaN target stops the epoch at its step with CheckFinite
	y, _ := interp.StateGet(s.keys["y"])
	y.F32[20] = float32(math.NaN())
	done, err := tr.Epoch(nil, perm, make([]float64, 5))
	if err == nil || done != 3 {
		t.Errorf("NaN loss: done %d, err %v; want a stop at step 3", done, err)
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// BenchmarkStagedStep is one Adam step of a 9-64-1 MLP at batch 32 on the
// prepared step executor (go test -bench StagedStep ./golib/exec).
func BenchmarkStagedStep(b *testing.B) {
	t := &testing.T{}
	s := buildMLP(t, "adam_update", ir.Attrs{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, 2, "relu", 32*50, 32, 9, 64)
	defer s.release()
	tr := s.trainer(false, 32)
	perm := make([]int64, 32*50)
	for i := range perm {
		perm[i] = int64(i)
	}
	ls := make([]float64, 50)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Epoch(nil, perm, ls); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*50)/1e3, "us/step")
}

// TestStepRunnerMatchesRunAny runs a drop-in optimizer step (batch as run
// inputs, parameters in the store) on the step executor and on RunAny.
func TestStepRunnerMatchesRunAny(t *testing.T) {
	build := func() (*ir.Graph, int64) {
		w := newEntry(ir.Float32, []int{2, 3}, func(i int) float64 { return float64(i)*0.1 - 0.2 })
		lr := newEntry(ir.Float64, []int{1}, func(int) float64 { return 0.1 })
		step := newEntry(ir.Int64, nil, func(int) float64 { return 0 })
		buf := newEntry(ir.Float32, []int{2, 3}, func(int) float64 { return 0 })
		g := &ir.Graph{}
		x := g.Add(&ir.Node{Op: "source_tensor", Attrs: ir.Attrs{"input": 0.0, "dtype": "float32", "shape": []any{4.0, 3.0}}})
		wn := state(g, w, ir.Float32, 2, 3)
		wt := g.Add(&ir.Node{Op: "transpose", Inputs: []ir.NodeID{wn}, Attrs: ir.Attrs{"dim0": 0.0, "dim1": 1.0}})
		h := g.Add(&ir.Node{Op: "tanh", Inputs: []ir.NodeID{g.Add(&ir.Node{Op: "matmul", Inputs: []ir.NodeID{x, wt}, Attrs: ir.Attrs{}})}, Attrs: ir.Attrs{}})
		loss := g.Add(&ir.Node{Op: "mean", Inputs: []ir.NodeID{g.Add(&ir.Node{Op: "mul", Inputs: []ir.NodeID{h, h}, Attrs: ir.Attrs{}})}, Attrs: ir.Attrs{"dims": nil, "keepdim": false}})
		grad := g.Add(&ir.Node{Op: "grad", Inputs: []ir.NodeID{loss, wn}, Attrs: ir.Attrs{}})
		upd := g.Add(&ir.Node{Op: "sgd_update", Inputs: []ir.NodeID{wn, grad, state(g, lr, ir.Float64, 1), state(g, step, ir.Int64), state(g, buf, ir.Float32, 2, 3)},
			Attrs: ir.Attrs{"momentum": 0.9}})
		g.Outputs = []ir.NodeID{g.Add(&ir.Node{Op: "state_write", Inputs: []ir.NodeID{upd}, Attrs: ir.Attrs{"key": float64(w)}}), loss}
		for _, f := range []func() error{g.Verify, func() error { _, err := autodiff.Expand(g); return err }, g.Verify} {
			if err := f(); err != nil {
				t.Fatal(err)
			}
		}
		return g, w
	}
	gFast, wFast := build()
	gRef, wRef := build()
	r := NewStepRunner(gFast, Options{})
	for s := 0; s < 4; s++ {
		x := col.NewTensor(ir.Float32, []int{12})
		for i := range x.F32 {
			x.F32[i] = float32(math.Sin(float64(i + s)))
		}
		got, err := r.Run(nil, []any{x})
		if err != nil {
			t.Fatal(err)
		}
		want, err := RunAny(nil, gRef, []any{x}, Options{Reference: true})
		if err != nil {
			t.Fatal(err)
		}
		gl, wl := got[1].(*col.Tensor).F32[0], want[1].(*col.Tensor).F32[0]
		if math.Abs(float64(gl-wl)) > 1e-6 {
			t.Fatalf("step %d: loss %v, RunAny %v", s, gl, wl)
		}
		a, _ := interp.StateGet(wFast)
		b, _ := interp.StateGet(wRef)
		for i := range a.F32 {
			if math.Abs(float64(a.F32[i]-b.F32[i])) > 1e-6 {
				t.Fatalf("step %d: w[%d] = %v, RunAny %v", s, i, a.F32[i], b.F32[i])
			}
		}
	}
	if r.f == nil {
		t.Fatal("the step was not prepared for the step executor")
	}
	if _, err := r.Run(nil, nil); err == nil {
		t.Fatal("a missing run input: no error")
	}
}

// TestFastTransposeChains: chains of 2-D transposes read by elementwise ops
// (an even chain aliases its root, an odd one copies it once), by matmuls
// (folded into GEMM flags) and a weight-gradient-like product read only
// through a transpose (computed transposed) equal RunAny on the interpreter.
func TestFastTransposeChains(t *testing.T) {
	w := newEntry(ir.Float32, []int{3, 4}, func(i int) float64 { return math.Sin(float64(i)) })
	v := newEntry(ir.Float32, []int{4, 5}, func(i int) float64 { return math.Cos(float64(i) * 0.3) })
	defer interp.StateRelease(w)
	defer interp.StateRelease(v)
	g := &ir.Graph{}
	op := func(name string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
		if attrs == nil {
			attrs = ir.Attrs{}
		}
		return g.Add(&ir.Node{Op: name, Inputs: in, Attrs: attrs})
	}
	tr := func(a ir.NodeID) ir.NodeID { return op("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, a) }
	s := state(g, w, ir.Float32, 3, 4)
	sv := state(g, v, ir.Float32, 4, 5)
	t1 := tr(s)
	t2 := tr(t1)
	t3 := tr(t2)
	even := op("add", nil, t2, s)                 // [3,4]
	odd := op("mul", nil, t3, t3)                 // [4,3]
	mm := op("matmul", nil, t2, sv)               // [3,5]
	mm2 := op("matmul", nil, t3, t2)              // [4,4]
	gradLike := tr(op("matmul", nil, tr(mm), t2)) // ([3,5]^T @ [3,4])^T = [4,5]
	g.Outputs = []ir.NodeID{even, odd, mm, mm2, gradLike, t3}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	f := buildFast(g, Options{})
	if f == nil {
		t.Fatal("not prepared")
	}
	got, err := f.run()
	if err != nil {
		t.Fatal(err)
	}
	want, err := RunAny(nil, g, nil, Options{Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		a, b := got[i].(*col.Tensor), want[i].(*col.Tensor)
		if len(a.F32) != len(b.F32) || fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) {
			t.Fatalf("output %d: shape %v, want %v", i, a.Shape, b.Shape)
		}
		for k := range b.F32 {
			if math.Abs(float64(a.F32[k]-b.F32[k])) > 1e-6 {
				t.Fatalf("output %d [%d]: %v, want %v", i, k, a.F32[k], b.F32[k])
			}
		}
	}
}

// TestPairedMatmuls: with independent matmuls paired (run concurrently, one
// serial GEMM each) the step gives bit for bit the losses and parameters of
// the unpaired executor, and both match RunAny.
func TestPairedMatmuls(t *testing.T) {
	prevMin, prevPair, prevW := pairMinMACs, pairGEMMs, blas.Workers()
	defer func() { pairMinMACs, pairGEMMs = prevMin, prevPair; blas.SetWorkers(prevW) }()
	pairMinMACs = 0 // the test's products are small
	blas.SetWorkers(2)
	const n, batch, in, hidden = 45, 8, 6, 12
	perm := make([]int64, n)
	for i := range perm {
		perm[i] = int64((i * 7) % n)
	}
	adam := ir.Attrs{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
	var losses [3][]float64
	var params [3][]float32
	for mode := 0; mode < 3; mode++ { // paired, unpaired, RunAny
		pairGEMMs = mode == 0
		s := buildMLP(t, "adam_update", adam, 2, "relu", n, batch, in, hidden)
		if mode < 2 {
			f := buildFast(s.steps[0], Options{})
			pairGEMMs = false
			g := buildFast(s.steps[0], Options{})
			pairGEMMs = mode == 0
			if f == nil || g == nil {
				t.Fatal("the step graph was not prepared for the fast executor")
			}
			if mode == 0 && len(f.kerns) >= len(g.kerns) {
				t.Fatalf("no matmuls paired: %d kernels, %d unpaired", len(f.kerns), len(g.kerns))
			}
		}
		tr := s.trainer(mode == 2, batch)
		for epoch := 0; epoch < 3; epoch++ {
			ls := make([]float64, 6)
			if done, err := tr.Epoch(nil, perm, ls); err != nil || done != 6 {
				t.Fatalf("mode %d: epoch: %d steps, %v", mode, done, err)
			}
			losses[mode] = append(losses[mode], ls...)
		}
		for _, p := range []string{"W1", "b1", "W2", "b2"} {
			pt, _ := interp.StateGet(s.keys[p])
			params[mode] = append(params[mode], pt.F32...)
		}
		s.release()
	}
	for i := range losses[0] {
		if losses[0][i] != losses[1][i] {
			t.Fatalf("step %d loss paired %v, unpaired %v", i, losses[0][i], losses[1][i])
		}
		if math.Abs(losses[0][i]-losses[2][i]) > 1e-5*(1+math.Abs(losses[2][i])) {
			t.Fatalf("step %d loss paired %v, RunAny %v", i, losses[0][i], losses[2][i])
		}
	}
	for i := range params[0] {
		if params[0][i] != params[1][i] || math.Abs(float64(params[0][i]-params[2][i])) > 1e-5 {
			t.Fatalf("param %d paired %v, unpaired %v, RunAny %v", i, params[0][i], params[1][i], params[2][i])
		}
	}
}

func TestGatherToRows(t *testing.T) {
	for _, tc := range []struct {
		n, w   int
		rows   []int64
		errMsg string
	}{
		{5, 5, []int64{4, 0, 2}, ""},
		{200, 5, func() []int64 {
			r := make([]int64, 100)
			for i := range r {
				r[i] = int64((i * 37) % 200)
			}
			return r
		}(), ""},
		{200, 3, func() []int64 {
			r := make([]int64, 100)
			r[99] = 200
			return r
		}(), "out of range"},
		{10, 2, []int64{-1}, "out of range"},
	} {
		src := col.NewTensor(ir.Float32, []int{tc.n, tc.w})
		for i := range src.F32 {
			src.F32[i] = float32(i) + 0.5
		}
		dst := col.NewTensor(ir.Float32, []int{len(tc.rows), tc.w})
		err := gatherTo(dst, src, tc.rows)
		if tc.errMsg != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errMsg) {
				t.Fatalf("rows %v: err %v, want %q", tc.rows, err, tc.errMsg)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for j, r := range tc.rows {
			for c := 0; c < tc.w; c++ {
				if dst.F32[j*tc.w+c] != src.F32[int(r)*tc.w+c] {
					t.Fatalf("row %d col %d: %v want %v", j, c, dst.F32[j*tc.w+c], src.F32[int(r)*tc.w+c])
				}
			}
		}
	}
}

// TestFastStepRereadsChangedState: the prepared step reads its state entries
// again after the store changed (an entry replaced, another one added or
// released), and keeps what it read while nothing changed.
func TestFastStepRereadsChangedState(t *testing.T) {
	key := newEntry(ir.Float32, []int{3}, func(i int) float64 { return float64(i) })
	defer interp.StateRelease(key)
	g := &ir.Graph{}
	x := state(g, key, ir.Float32, 3)
	g.Outputs = []ir.NodeID{g.Add(&ir.Node{Op: "add", Inputs: []ir.NodeID{x, x}, Attrs: ir.Attrs{}})}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	f := buildFast(g, Options{})
	if f == nil {
		t.Fatal("not prepared")
	}
	other := int64(0)
	steps := []struct {
		name   string
		change func()
		want   []float32
	}{
		{"first run", func() {}, []float32{0, 2, 4}},
		{"unchanged store", func() {}, []float32{0, 2, 4}},
		{"entry replaced", func() {
			_ = interp.StateSet(key, &col.Tensor{DType: ir.Float32, Shape: []int{3}, F32: []float32{5, 6, 7}})
		}, []float32{10, 12, 14}},
		{"written in place", func() {
			e, _ := interp.StateGet(key)
			e.F32[0] = 1
		}, []float32{2, 12, 14}},
		{"another entry added", func() { other = newEntry(ir.Float32, []int{1}, func(int) float64 { return 0 }) }, []float32{2, 12, 14}},
		{"another entry released", func() { interp.StateRelease(other) }, []float32{2, 12, 14}},
	}
	for _, st := range steps {
		st.change()
		out, err := f.run()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := out[0].(*col.Tensor).F32
		for i := range st.want {
			if got[i] != st.want[i] {
				t.Fatalf("%s: %v, want %v", st.name, got, st.want)
			}
		}
	}
	interp.StateRelease(key)
	if _, err := f.run(); err == nil {
		t.Fatal("a released entry was read")
	}
}
