package interp

import (
	"math"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// unfused is torch.optim's update written out step by step on float64
// vectors (one operation per line, as the torch docs state it).
type unfused struct {
	op    string
	attrs ir.Attrs
	bufs  [][]float64
	step  int
}

func (u *unfused) apply(p, grad []float64, lr float64) []float64 {
	a := func(k string, d float64) float64 {
		if v, ok := u.attrs.Float(k); ok {
			return v
		}
		return d
	}
	u.step++
	g := append([]float64{}, grad...)
	if u.attrs.Bool("maximize", false) {
		for i := range g {
			g[i] = -g[i]
		}
	}
	p = append([]float64{}, p...)
	wd := a("weight_decay", 0)
	if wd != 0 && u.op != "adamw_update" {
		for i := range g {
			g[i] += wd * p[i]
		}
	}
	switch u.op {
	case "sgd_update":
		mom := a("momentum", 0)
		if mom != 0 {
			if u.step == 1 {
				copy(u.bufs[0], g)
			} else {
				for i := range g {
					u.bufs[0][i] = mom*u.bufs[0][i] + (1-a("dampening", 0))*g[i]
				}
			}
			for i := range g {
				if u.attrs.Bool("nesterov", false) {
					g[i] += mom * u.bufs[0][i]
				} else {
					g[i] = u.bufs[0][i]
				}
			}
		}
		for i := range p {
			p[i] -= lr * g[i]
		}
	case "adam_update", "adamw_update":
		if u.op == "adamw_update" {
			for i := range p {
				p[i] *= 1 - lr*wd
			}
		}
		b1, b2 := a("beta1", 0.9), a("beta2", 0.999)
		for i := range g {
			u.bufs[0][i] = b1*u.bufs[0][i] + (1-b1)*g[i]
			u.bufs[1][i] = b2*u.bufs[1][i] + (1-b2)*g[i]*g[i]
		}
		mhat := make([]float64, len(g))
		vhat := make([]float64, len(g))
		for i := range g {
			mhat[i] = u.bufs[0][i] / (1 - math.Pow(b1, float64(u.step)))
			vhat[i] = u.bufs[1][i] / (1 - math.Pow(b2, float64(u.step)))
			p[i] -= lr * mhat[i] / (math.Sqrt(vhat[i]) + a("eps", 1e-8))
		}
	case "rmsprop_update":
		alpha, mom := a("alpha", 0.99), a("momentum", 0)
		centered := u.attrs.Bool("centered", false)
		for i := range g {
			u.bufs[0][i] = alpha*u.bufs[0][i] + (1-alpha)*g[i]*g[i]
		}
		avg := append([]float64{}, u.bufs[0]...)
		k, mb := 2, 1
		if centered {
			for i := range g {
				u.bufs[k][i] = alpha*u.bufs[k][i] + (1-alpha)*g[i]
				avg[i] -= u.bufs[k][i] * u.bufs[k][i]
			}
		}
		for i := range avg {
			avg[i] = math.Sqrt(avg[i]) + a("eps", 1e-8)
		}
		for i := range p {
			if mom > 0 {
				u.bufs[mb][i] = mom*u.bufs[mb][i] + g[i]/avg[i]
				p[i] -= lr * u.bufs[mb][i]
			} else {
				p[i] -= lr * g[i] / avg[i]
			}
		}
	}
	return p
}

func TestFusedUpdatesMatchUnfused(t *testing.T) {
	cases := []struct {
		op    string
		attrs ir.Attrs
	}{
		{"sgd_update", ir.Attrs{}},
		{"sgd_update", ir.Attrs{"momentum": 0.9, "weight_decay": 0.01}},
		{"sgd_update", ir.Attrs{"momentum": 0.9, "dampening": 0.1, "maximize": true}},
		{"sgd_update", ir.Attrs{"momentum": 0.8, "nesterov": true}},
		{"adam_update", ir.Attrs{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}},
		{"adam_update", ir.Attrs{"beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1, "maximize": true}},
		{"adamw_update", ir.Attrs{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01}},
		{"rmsprop_update", ir.Attrs{"alpha": 0.99, "eps": 1e-8}},
		{"rmsprop_update", ir.Attrs{"alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "centered": true, "weight_decay": 0.05}},
		{"rmsprop_update", ir.Attrs{"alpha": 0.9, "centered": true}},
	}
	for _, tc := range cases {
		for _, dt := range []ir.DType{ir.Float64, ir.Float32} {
			n := &ir.Node{Op: tc.op, Attrs: tc.attrs}
			nb := tensor.UpdateOps[tc.op]
			const size = 7
			ref := &unfused{op: tc.op, attrs: tc.attrs, bufs: make([][]float64, nb)}
			for i := range ref.bufs {
				ref.bufs[i] = make([]float64, size)
			}
			bufs := make([]*col.Tensor, nb)
			for i := range bufs {
				bufs[i] = col.NewTensor(dt, []int{size})
			}
			p64 := make([]float64, size)
			for i := range p64 {
				p64[i] = math.Sin(float64(i)+1) * 2
			}
			p := fromF64(dt, p64)
			stepT := col.NewTensor(ir.Int64, nil)
			for s := 0; s < 4; s++ {
				grad := make([]float64, size)
				for i := range grad {
					grad[i] = math.Cos(float64(i*3+s)) - 0.2
				}
				if s == 2 {
					grad[1] = 0
				}
				lr := 0.01 * float64(s+1)
				hyper := &col.Tensor{DType: ir.Float64, Shape: []int{1}, F64: []float64{lr}}
				in := []any{p, fromF64(dt, grad), hyper, stepT}
				for _, b := range bufs {
					in = append(in, b)
				}
				out, err := tUpdate(nil, n, in)
				if err != nil {
					t.Fatalf("%s %v: %v", tc.op, tc.attrs, err)
				}
				p64 = ref.apply(toF64(p), grad, lr)
				tol := 1e-12
				if dt == ir.Float32 {
					tol = 1e-5
				}
				got := toF64(out)
				for i := range got {
					if math.Abs(got[i]-p64[i]) > tol*(1+math.Abs(p64[i])) {
						t.Fatalf("%s %v %s step %d: param[%d] = %v, unfused %v", tc.op, tc.attrs, dt, s+1, i, got[i], p64[i])
					}
				}
				if stepT.I64[0] != int64(s+1) {
					t.Fatalf("%s: step counter %d after %d steps", tc.op, stepT.I64[0], s+1)
				}
				p = out
			}
		}
	}
}

func TestFusedUpdateRejectsBadInputs(t *testing.T) {
	tests := []struct {
		name string
		in   []any
	}{
		{"grad shape", []any{fromF64(ir.Float32, []float64{1, 2}), fromF64(ir.Float32, []float64{1}),
			&col.Tensor{DType: ir.Float64, Shape: []int{1}, F64: []float64{0.1}}, col.NewTensor(ir.Int64, nil), fromF64(ir.Float32, []float64{1, 2})}},
		{"missing buffer", []any{fromF64(ir.Float32, []float64{1}), fromF64(ir.Float32, []float64{1}),
			&col.Tensor{DType: ir.Float64, Shape: []int{1}, F64: []float64{0.1}}, col.NewTensor(ir.Int64, nil)}},
		{"grad dtype", []any{fromF64(ir.Float32, []float64{1}), fromF64(ir.Float64, []float64{1}),
			&col.Tensor{DType: ir.Float64, Shape: []int{1}, F64: []float64{0.1}}, col.NewTensor(ir.Int64, nil), fromF64(ir.Float32, []float64{1})}},
		{"buffer shape", []any{fromF64(ir.Float32, []float64{1}), fromF64(ir.Float32, []float64{1}),
			&col.Tensor{DType: ir.Float64, Shape: []int{1}, F64: []float64{0.1}}, col.NewTensor(ir.Int64, nil), fromF64(ir.Float32, []float64{1, 2})}},
	}
	for _, tt := range tests {
		if _, err := tUpdate(nil, &ir.Node{Op: "sgd_update", Attrs: ir.Attrs{}}, tt.in); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestStateStore(t *testing.T) {
	before := StateLen()
	k := StateNew(fromF64(ir.Float32, []float64{1, 2}))
	got, err := StateGet(k)
	if err != nil || got.F32[1] != 2 {
		t.Fatalf("get: %v %v", got, err)
	}
	if err := StateSet(k, fromF64(ir.Float32, []float64{3})); err != nil {
		t.Fatal(err)
	}
	n := &ir.Node{Op: "state", Attrs: ir.Attrs{"key": float64(k)}, Schema: ir.TensorSchema(ir.Float32, []int64{2})}
	if _, err := tState(nil, n, nil); err == nil {
		t.Error("state read of a reshaped entry: no error")
	}
	StateRelease(k)
	if _, err := StateGet(k); err == nil {
		t.Error("get after release: no error")
	}
	if StateLen() != before {
		t.Errorf("store leaks: %d entries, want %d", StateLen(), before)
	}
}

func fromF64(dt ir.DType, v []float64) *col.Tensor {
	return floatResult(dt, []int{len(v)}, append([]float64{}, v...))
}

func toF64(t *col.Tensor) []float64 {
	return append([]float64{}, asF64(t)...)
}
