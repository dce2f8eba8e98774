package interp

// Fused optimizer updates (schemas and input layout: golib/tensor/optim.go).
// Each kernel applies torch.optim's update to every element: arithmetic in
// float64, each stored value (parameter, buffers) rounded once to the
// parameter's dtype. The step counter and the buffers are updated in place;
// the new parameter is a new tensor.

import (
	"math"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func init() {
	registerTensor("sgd_update", tUpdate)
	registerTensor("adam_update", tUpdate)
	registerTensor("adamw_update", tUpdate)
	registerTensor("rmsprop_update", tUpdate)
}

// fvec is a float32 or float64 vector read and written as float64.
type fvec struct {
	f32 []float32
	f64 []float64
}

func vecOf(t *col.Tensor) fvec { return fvec{t.F32, t.F64} }

func (v fvec) get(i int) float64 {
	if v.f32 != nil {
		return float64(v.f32[i])
	}
	return v.f64[i]
}

// set stores x and returns the stored (rounded) value.
func (v fvec) set(i int, x float64) float64 {
	if v.f32 != nil {
		v.f32[i] = float32(x)
		return float64(v.f32[i])
	}
	v.f64[i] = x
	return x
}

func attrF(n *ir.Node, k string, def float64) float64 {
	if v, ok := n.Attrs.Float(k); ok {
		return v
	}
	return def
}

func tUpdate(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	if _, err := outType(n, in); err != nil {
		return nil, err
	}
	ts := make([]*col.Tensor, len(in))
	for i, x := range in {
		ts[i] = x.(*col.Tensor)
	}
	out := col.NewTensor(ts[0].DType, ts[0].Shape)
	ApplyUpdate(n, ts, out)
	return out, nil
}

// ApplyUpdate runs the fused update node n on in = [param, grad, hyper,
// step, buffers...] (already type-checked), writing the new parameter into
// out, which may be the parameter itself (an in-place update: each element
// is read before it is written).
func ApplyUpdate(n *ir.Node, in []*col.Tensor, out *col.Tensor) { NewUpdate(n).Apply(in, out) }

// Update is a fused update node with its attributes read once, so that a
// prepared training step (exec's train_fast.go) applies it every step
// without looking them up or allocating.
type Update struct {
	op          string
	sign, wd    float64
	mom, damp   float64 // sgd, rmsprop (mom)
	nesterov    bool
	b1, b2, eps float64 // adam, adamw (eps: rmsprop too)
	alpha       float64 // rmsprop
	centered    bool
	adam        *AdamCache
}

// AdamCache keeps the last bias corrections of Adam updates that share it
// (Update.Share): a step's updates of every parameter have the same betas,
// learning rate and step count, so math.Pow runs once a step, not twice per
// parameter.
type AdamCache struct {
	ok            bool
	b1, b2, lr    float64
	step          int64
	stepSize, bc2 float64
}

// corrections returns lr / (1 - b1^step) and sqrt(1 - b2^step).
func (c *AdamCache) corrections(b1, b2, lr float64, step int64) (float64, float64) {
	if c != nil && c.ok && c.b1 == b1 && c.b2 == b2 && c.lr == lr && c.step == step {
		return c.stepSize, c.bc2
	}
	stepSize := lr / (1 - math.Pow(b1, float64(step)))
	bc2 := math.Sqrt(1 - math.Pow(b2, float64(step)))
	if c != nil {
		*c = AdamCache{ok: true, b1: b1, b2: b2, lr: lr, step: step, stepSize: stepSize, bc2: bc2}
	}
	return stepSize, bc2
}

// Share makes u take its Adam bias corrections from c (shared by the
// updates of one prepared step, used by one goroutine at a time).
func (u *Update) Share(c *AdamCache) { u.adam = c }

// NewUpdate reads n's attributes (torch's defaults where absent).
func NewUpdate(n *ir.Node) *Update {
	u := &Update{op: n.Op, sign: 1, wd: attrF(n, "weight_decay", 0)}
	if n.Attrs.Bool("maximize", false) {
		u.sign = -1
	}
	switch n.Op {
	case "sgd_update":
		u.mom, u.damp = attrF(n, "momentum", 0), attrF(n, "dampening", 0)
		u.nesterov = n.Attrs.Bool("nesterov", false)
	case "adam_update", "adamw_update":
		u.b1, u.b2, u.eps = attrF(n, "beta1", 0.9), attrF(n, "beta2", 0.999), attrF(n, "eps", 1e-8)
	case "rmsprop_update":
		u.alpha, u.eps, u.mom = attrF(n, "alpha", 0.99), attrF(n, "eps", 1e-8), attrF(n, "momentum", 0)
		u.centered = n.Attrs.Bool("centered", false)
	}
	return u
}

// Apply is ApplyUpdate of the node u was made from.
func (u *Update) Apply(in []*col.Tensor, out *col.Tensor) {
	p, g := in[0], in[1]
	hyper, stepT := in[2], in[3]
	lr := hyper.F64[0]
	stepT.I64[0]++
	step := stepT.I64[0]
	var bufs [3]fvec
	for i := range in[4:] {
		bufs[i] = vecOf(in[4+i])
	}
	pv, gv, ov := vecOf(p), vecOf(g), vecOf(out)
	nel := p.Numel()
	sign, wd := u.sign, u.wd
	switch u.op {
	case "sgd_update":
		mom, damp, nesterov := u.mom, u.damp, u.nesterov
		for i := 0; i < nel; i++ {
			x, d := pv.get(i), sign*gv.get(i)
			if wd != 0 {
				d += wd * x
			}
			if mom != 0 {
				b := d
				if step > 1 {
					b = mom*bufs[0].get(i) + (1-damp)*d
				}
				b = bufs[0].set(i, b)
				if nesterov {
					d += mom * b
				} else {
					d = b
				}
			}
			ov.set(i, x-lr*d)
		}
	case "adam_update", "adamw_update":
		b1, b2, eps := u.b1, u.b2, u.eps
		stepSize, bc2 := u.adam.corrections(b1, b2, lr, step)
		decoupled := u.op == "adamw_update"
		if p.DType == ir.Float32 && (wd == 0 || decoupled) {
			// The common case in float32 arithmetic, as torch's CPU Adam
			// (the general loop below rounds once per stored value).
			decay := 1.0
			if decoupled {
				decay = 1 - lr*wd
			}
			// Vectorized in golib/blas, rounded as its Go loop.
			blas.AdamF32(p.F32[:nel], g.F32[:nel], bufs[0].f32[:nel], bufs[1].f32[:nel], out.F32[:nel],
				float32(b1), float32(b2), float32(1-b1), float32(1-b2), float32(decay), float32(sign),
				float32(stepSize), float32(bc2), float32(eps))
			return
		}
		for i := 0; i < nel; i++ {
			x, d := pv.get(i), sign*gv.get(i)
			if wd != 0 {
				if decoupled {
					x = ov.set(i, x*(1-lr*wd))
				} else {
					d += wd * x
				}
			}
			m := bufs[0].set(i, b1*bufs[0].get(i)+(1-b1)*d)
			v := bufs[1].set(i, b2*bufs[1].get(i)+(1-b2)*d*d)
			ov.set(i, x-stepSize*m/(math.Sqrt(v)/bc2+eps))
		}
	case "rmsprop_update":
		alpha, eps, mom, centered := u.alpha, u.eps, u.mom, u.centered
		mb, ga := bufs[1], bufs[2]
		if p.DType == ir.Float32 && g.F32 != nil && bufs[0].f32 != nil && mb.f32 != nil && ga.f32 != nil {
			// The loop below for float32, vectorized in golib/blas (bit for bit).
			blas.RMSpropF32(p.F32[:nel], g.F32[:nel], bufs[0].f32, mb.f32, ga.f32, out.F32[:nel], lr, alpha, eps, mom, wd, sign, centered)
			return
		}
		for i := 0; i < nel; i++ {
			x, d := pv.get(i), sign*gv.get(i)
			if wd != 0 {
				d += wd * x
			}
			sq := bufs[0].set(i, alpha*bufs[0].get(i)+(1-alpha)*d*d)
			var avg float64
			if centered {
				a := ga.set(i, alpha*ga.get(i)+(1-alpha)*d)
				avg = math.Sqrt(sq-a*a) + eps
			} else {
				avg = math.Sqrt(sq) + eps
			}
			if mom > 0 {
				b := mb.set(i, mom*mb.get(i)+d/avg)
				ov.set(i, x-lr*b)
			} else {
				ov.set(i, x-lr*d/avg)
			}
		}
	}
}
