package exec

import (
	"context"
	"math"
	"testing"

	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// valGraph is the no-grad validation loss of buildMLP's network (relu) on
// all of its data: mean((relu(x W1^T + b1) W2^T + b2 - y)^2).
func valGraph(t *testing.T, s *mlpSetup, n, in, hidden int) *ir.Graph {
	k := s.keys
	g := &ir.Graph{}
	op := func(name string, attrs ir.Attrs, ins ...ir.NodeID) ir.NodeID {
		if attrs == nil {
			attrs = ir.Attrs{}
		}
		return g.Add(&ir.Node{Op: name, Inputs: ins, Attrs: attrs})
	}
	tr := func(a ir.NodeID) ir.NodeID { return op("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, a) }
	x := state(g, k["x"], ir.Float32, int64(n), int64(in))
	y := state(g, k["y"], ir.Float32, int64(n), 1)
	w1, b1 := state(g, k["W1"], ir.Float32, int64(hidden), int64(in)), state(g, k["b1"], ir.Float32, int64(hidden))
	w2, b2 := state(g, k["W2"], ir.Float32, 1, int64(hidden)), state(g, k["b2"], ir.Float32, 1)
	h := op("relu", nil, op("add", nil, op("matmul", nil, x, tr(w1)), b1))
	d := op("sub", nil, op("add", nil, op("matmul", nil, h, tr(w2)), b2), y)
	g.Outputs = []ir.NodeID{op("mean", ir.Attrs{"dims": nil, "keepdim": false}, op("mul", nil, d, d))}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestTrainerRunMatchesEpochs: Run's epochs (one call, validation after
// each) equal Epoch calls followed by a RunAny of the validation graph, with
// the next batch gathered in the background or not (the Epoch calls never
// prefetch these few rows).
func TestTrainerRunMatchesEpochs(t *testing.T) {
	const n, batch, in, hidden, epochs = 37, 8, 5, 16, 4
	cases := []struct {
		name     string
		val      bool
		prefetch bool
	}{{"with validation", true, false}, {"without validation", false, false}, {"prefetched, with validation", true, true}}
	defer func(b int) { prefetchMinBytes = b }(prefetchMinBytes)
	for _, tc := range cases {
		prefetchMinBytes = 4 << 20
		perms := make([]int64, 0, n*epochs)
		for e := 0; e < epochs; e++ {
			for i := 0; i < n; i++ {
				perms = append(perms, int64((i*(7+2*e))%n))
			}
		}
		attrs := ir.Attrs{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
		// reference: Epoch + RunAny(val) per epoch
		ref := buildMLP(t, "adam_update", attrs, 2, "relu", n, batch, in, hidden)
		rt := ref.trainer(false, batch)
		var refLoss, refVal []float64
		for e := 0; e < epochs; e++ {
			ls := make([]float64, 5)
			if done, err := rt.Epoch(nil, perms[e*n:(e+1)*n], ls); err != nil || done != 5 {
				t.Fatalf("%s: epoch %d: %d, %v", tc.name, e, done, err)
			}
			refLoss = append(refLoss, ls...)
			if tc.val {
				out, err := RunAny(context.Background(), valGraph(t, ref, n, in, hidden), nil, Options{})
				if err != nil {
					t.Fatal(err)
				}
				v, _ := scalarOf(out[0])
				refVal = append(refVal, v)
			}
		}
		s := buildMLP(t, "adam_update", attrs, 2, "relu", n, batch, in, hidden)
		tr := s.trainer(false, batch)
		if got := tr.StepsPerEpoch(n); got != 5 {
			t.Fatalf("StepsPerEpoch(%d) = %d, want 5", n, got)
		}
		var vg *ir.Graph
		if tc.val {
			vg = valGraph(t, s, n, in, hidden)
		}
		losses, vals := make([]float64, epochs*5), make([]float64, epochs)
		tr.Cancel() // a Cancel before Run starts is dropped
		if tc.prefetch {
			prefetchMinBytes = 0
		}
		steps, done, err := tr.Run(nil, perms, epochs, losses, vg, vals)
		if err != nil || steps != epochs*5 || done != epochs {
			t.Fatalf("%s: Run: %d steps, %d epochs, %v", tc.name, steps, done, err)
		}
		for i := range losses {
			if losses[i] != refLoss[i] {
				t.Fatalf("%s: step %d loss %v, Epoch's %v", tc.name, i, losses[i], refLoss[i])
			}
		}
		for e := range refVal {
			if math.Abs(vals[e]-refVal[e]) > 1e-6*(1+math.Abs(refVal[e])) {
				t.Fatalf("%s: epoch %d validation loss %v, RunAny's %v", tc.name, e, vals[e], refVal[e])
			}
		}
		for _, p := range []string{"W1", "b1", "W2", "b2"} {
			a, _ := interp.StateGet(s.keys[p])
			b, _ := interp.StateGet(ref.keys[p])
			for i := range a.F32 {
				if a.F32[i] != b.F32[i] {
					t.Fatalf("%s: %s[%d] = %v, Epoch's %v", tc.name, p, i, a.F32[i], b.F32[i])
				}
			}
		}
		s.release()
		ref.release()
	}
}

func TestTrainerRunErrors(t *testing.T) {
	s := buildMLP(t, "sgd_update", ir.Attrs{"momentum": 0.0}, 1, "relu", 40, 8, 3, 4)
	defer s.release()
	tr := s.trainer(false, 8)
	vg := valGraph(t, s, 40, 3, 4)
	perms := make([]int64, 80)
	for i := range perms {
		perms[i] = int64(i % 40)
	}
	tests := []struct {
		name      string
		perms     []int64
		epochs    int
		room, val int
		wantSteps int
		wantDone  int
		wantErr   bool
	}{
		{"rows do not split into epochs", perms[:79], 2, 10, 2, 0, 0, true},
		{"no room for losses", perms, 2, 9, 2, 0, 0, true},
		{"no room for validation losses", perms, 2, 10, 1, 0, 0, true},
		{"row out of range in epoch 2", append(append([]int64{}, perms[:40]...), append([]int64{40}, perms[41:]...)...), 2, 10, 2, 5, 1, true},
		{"no epochs", nil, 0, 0, 0, 0, 0, false},
		{"two epochs", perms, 2, 10, 2, 10, 2, false},
	}
	for _, tt := range tests {
		steps, done, err := tr.Run(nil, tt.perms, tt.epochs, make([]float64, tt.room), vg, make([]float64, tt.val))
		if (err != nil) != tt.wantErr || steps != tt.wantSteps || done != tt.wantDone {
			t.Errorf("%s: %d steps, %d epochs, err %v", tt.name, steps, done, err)
		}
	}
	// a NaN target stops Run in the epoch and step where it is reached
	y, _ := interp.StateGet(s.keys["y"])
	y.F32[20] = float32(math.NaN())
	losses := make([]float64, 10)
	steps, done, err := tr.Run(nil, perms, 2, losses, nil, nil)
	if err == nil || steps != 3 || done != 0 || !math.IsNaN(losses[2]) {
		t.Errorf("NaN loss: %d steps, %d epochs, err %v; want a stop at step 3", steps, done, err)
	}
}
