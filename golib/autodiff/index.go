package autodiff

import (
	"math"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// vjpIndex handles the ops of golib/tensor's index.go, conv.go and
// random.go, and erf; it reports whether it knew n's op. Each gather-like op
// is differentiated by its scatter twin and vice versa.
func (b *builder) vjpIndex(n *ir.Node, g ir.NodeID, res []ir.NodeID) bool {
	in := n.Inputs
	dt := n.Schema.Tensor.DType
	switch n.Op {
	case "erf": // g * 2/sqrt(pi) * exp(-x^2)
		x := in[0]
		e := b.un("exp", b.un("neg", b.bin("mul", x, x)))
		res[0] = b.bin("mul", g, b.bin("mul", e, b.scalar(2/math.Sqrt(math.Pi), dt)))
	case "tensor_slice":
		res[0] = b.add("slice_scatter", n.Attrs.Clone(), g, in[0])
	case "slice_scatter":
		res[0] = b.add("tensor_slice", n.Attrs.Clone(), g)
	case "tensor_select":
		d, err := tensor.WrapDim(n.Attrs.Int("dim", 0), len(b.typ(in[0]).Shape))
		if err != nil {
			b.fail(err, n.Op)
		}
		i := n.Attrs.Int("index", 0)
		var end any = float64(i + 1)
		if i == -1 {
			end = nil
		}
		gu := b.add("unsqueeze", ir.Attrs{"dim": float64(d)}, g)
		res[0] = b.add("slice_scatter", ir.Attrs{"dim": float64(d), "start": float64(i), "end": end, "step": 1.0}, gu, in[0])
	case "index_select":
		res[0] = b.add("index_add", n.Attrs.Clone(), g, in[1], in[0])
	case "index_add":
		res[0] = b.add("index_select", n.Attrs.Clone(), g, in[1])
	case "gather":
		res[0] = b.add("scatter_add", n.Attrs.Clone(), g, in[1], in[0])
	case "scatter_add":
		res[0] = b.add("gather", n.Attrs.Clone(), g, in[1])
	case "mask_select":
		res[0] = b.add("mask_scatter", nil, g, in[1], in[0])
	case "mask_scatter":
		res[0] = b.add("mask_select", nil, g, in[1])
	case "cat":
		b.catVJP(n, g, res)
	case "cat_part": // the piece goes back to its place; zeros elsewhere
		k := int(n.Attrs.Int("part", 0))
		pieces := make([]ir.NodeID, len(in)-1)
		for j, x := range in[1:] {
			if j == k {
				pieces[j] = g
			} else {
				pieces[j] = b.add("expand_as", nil, b.scalar(0, dt), x)
			}
		}
		res[0] = b.add("cat", ir.Attrs{"dim": n.Attrs["dim"]}, pieces...)
	case "im2col":
		a := n.Attrs.Clone()
		delete(a, "pad")
		res[0] = b.add("col2im", a, g, in[0])
	case "col2im":
		a := n.Attrs.Clone()
		a["pad"] = "0"
		res[0] = b.add("im2col", a, g)
	case "softmax": // y * (g - sum(g * y, dim))
		y := n.ID
		s := b.add("sum", ir.Attrs{"dims": []any{n.Attrs["dim"]}, "keepdim": true}, b.bin("mul", g, y))
		res[0] = b.bin("mul", y, b.bin("sub", g, s))
	case "log_softmax": // g - exp(y) * sum(g, dim)
		s := b.add("sum", ir.Attrs{"dims": []any{n.Attrs["dim"]}, "keepdim": true}, g)
		res[0] = b.bin("sub", g, b.bin("mul", b.un("exp", n.ID), s))
	case "rand_like", "randn_like":
		// values do not depend on x's values: no gradient
	default:
		return false
	}
	return true
}

// catVJP slices g back into the inputs' pieces. Offsets count from the
// start up to the one input whose size along dim may be known only at run
// time, and from the end after it; with several such inputs, cat_part cuts
// each piece using the inputs' run-time sizes.
func (b *builder) catVJP(n *ir.Node, g ir.NodeID, res []ir.NodeID) {
	nd := len(b.typ(n.ID).Shape)
	d, err := tensor.WrapDim(n.Attrs.Int("dim", 0), nd)
	if err != nil {
		b.fail(err, n.Op)
	}
	sizes := make([]int64, len(n.Inputs))
	dyn := -1
	for k, x := range n.Inputs {
		sizes[k] = b.typ(x).Shape[d]
		if sizes[k] == ir.DynDim {
			if dyn >= 0 { // several run-time sizes: cut with the real sizes
				for j, xj := range n.Inputs {
					if differentiable(b.out.Node(xj).Schema) {
						res[j] = b.add("cat_part", ir.Attrs{"dim": float64(d), "part": float64(j)}, append([]ir.NodeID{g}, n.Inputs...)...)
					}
				}
				return
			}
			dyn = k
		}
	}
	after := int64(0) // total size of the inputs after the dynamic one
	for k := dyn + 1; dyn >= 0 && k < len(sizes); k++ {
		after += sizes[k]
	}
	off := int64(0)
	for k, x := range n.Inputs {
		var start, end any
		switch {
		case dyn < 0 || k < dyn:
			start, end = float64(off), float64(off+sizes[k])
			off += sizes[k]
		case k == dyn:
			start = float64(off)
			if after > 0 {
				end = float64(-after)
			}
		default: // after the dynamic input: count from the end
			start = float64(-after)
			if after-sizes[k] > 0 {
				end = float64(-(after - sizes[k]))
			}
			after -= sizes[k]
		}
		if differentiable(b.out.Node(x).Schema) {
			res[k] = b.add("tensor_slice", ir.Attrs{"dim": float64(d), "start": start, "end": end, "step": 1.0}, g)
		}
	}
}

// extremeDimVJP is the gradient of max/min(dim): all of g goes to the
// element the matching argmax/argmin picks (the first extreme), as torch.
func (b *builder) extremeDimVJP(n *ir.Node, g ir.NodeID) ir.NodeID {
	x := n.Inputs[0]
	nd := len(b.typ(x).Shape)
	if nd == 0 {
		return g
	}
	d, err := tensor.WrapDim(n.Attrs.Int("dim", 0), nd)
	if err != nil {
		b.fail(err, n.Op)
	}
	idx := b.add("arg"+n.Op, ir.Attrs{"dim": float64(d), "keepdim": true}, x)
	gk := g
	if !n.Attrs.Bool("keepdim", false) {
		gk = b.add("unsqueeze", ir.Attrs{"dim": float64(d)}, g)
	}
	return b.add("scatter_add", ir.Attrs{"dim": float64(d)}, gk, idx, x)
}
