// Package foldnorm folds a per-column affine normalization ((x - mean) / std,
// x * scale + shift) that feeds a Linear layer into the Linear's parameters.
//
// A Linear is recorded as matmul(x, transpose(W)) (+ b). When x is
// (base - m) / s, per input column, then
//
//	x @ W^T = base @ (W / s)^T - (m / s) @ W^T
//
// so the matmul can read base directly with W' = W^T * (1/s) (per row of W^T)
// and a bias (-m/s) @ W^T added after it. The coefficients are computed as
// small tensor ops on the parameters and on the mean/std subgraphs (which may
// be frame reductions of a training frame, attached with attach_row), once per
// run and never per row: the per-row subtract and divide disappear.
//
// Two forms are recognized: tensor ops (sub/add/mul/div of the [?, k] input by a
// tensor of static shape [], [k], [1, k]) directly under the matmul, and
// frame projections under a to_tensor (sub/add/mul/truediv of a column by a
// literal or by a column of a one-row frame attached with attach_row).
//
// The rewrite happens only where no gradient flows through the rewritten part:
// the graph contains no optimizer update, and the matmul's input (and every
// node of the folded tensor chain) is read by nothing else, so no backward
// graph reads them, and the input has more rows than columns (else folding
// costs more than it saves). Coefficients are computed in float64 and the folded
// weights cast back to the weight's dtype, so results agree with the unfolded
// plan within float rounding.
package foldnorm

import (
	"strconv"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Attr marks the matmul a fold produced (shown by explain()).
const Attr = "folded"

// Run folds every eligible normalization into the Linear it feeds.
func Run(g *ir.Graph) (bool, error) {
	if dce.Training(g) {
		return false, nil
	}
	changed := false
	for guard := 0; guard < 64; guard++ {
		users := g.Users()
		for _, o := range g.Outputs { // a plan output is read by the caller
			users[o] = append(users[o], -1)
		}
		applied := false
		for _, n := range g.Nodes {
			if n.Op != "matmul" || len(n.Inputs) != 2 {
				continue
			}
			m := match(g, users, n)
			if m == nil {
				continue
			}
			apply(g, m)
			if err := g.Verify(); err != nil {
				return changed, err
			}
			changed, applied = true, true
			break
		}
		if !applied {
			break
		}
	}
	return changed, nil
}

// step is one affine operation applied to the row-varying value: op is
// "sub", "add", "mul" or "div" with the constant operand on the right.
type step struct {
	op string
	c  ir.NodeID // tensor form: the constant tensor
}

type matched struct {
	mm    *ir.Node
	base  ir.NodeID // tensor form: the [?, k] tensor under the chain
	steps []step    // tensor form, top (nearest the matmul) first

	frame *frameMatch // frame form
}

func staticShape(s []int64) bool {
	for _, d := range s {
		if d < 0 {
			return false
		}
	}
	return true
}

func isFloat(t ir.DType) bool { return t == ir.Float32 || t == ir.Float64 }

func match(g *ir.Graph, users [][]ir.NodeID, mm *ir.Node) *matched {
	x, wt := g.Node(mm.Inputs[0]), g.Node(mm.Inputs[1])
	if !x.Schema.IsTensor() || !wt.Schema.IsTensor() {
		return nil
	}
	xs, ws := x.Schema.Tensor, wt.Schema.Tensor
	if mm.Attrs.Str(Attr) != "" || len(xs.Shape) != 2 || xs.Shape[1] < 0 || (xs.Shape[0] >= 0 && xs.Shape[0] <= xs.Shape[1]) ||
		len(ws.Shape) != 2 || !staticShape(ws.Shape) ||
		xs.DType != ws.DType || !isFloat(xs.DType) || len(users[x.ID]) != 1 {
		return nil
	}
	k := xs.Shape[1]
	m := &matched{mm: mm}
	cur := x
	for {
		if len(users[cur.ID]) != 1 {
			break
		}
		if cur.Op != "add" && cur.Op != "sub" && cur.Op != "mul" && cur.Op != "div" {
			break
		}
		if !cur.Schema.IsTensor() || cur.Schema.Tensor.DType != xs.DType {
			break
		}
		a, b := g.Node(cur.Inputs[0]), g.Node(cur.Inputs[1])
		var vary, c *ir.Node
		switch {
		case rowShaped(a, xs) && constOperand(b, k):
			vary, c = a, b
		case (cur.Op == "add" || cur.Op == "mul") && rowShaped(b, xs) && constOperand(a, k):
			vary, c = b, a
		}
		if vary == nil {
			break
		}
		m.steps = append(m.steps, step{op: cur.Op, c: c.ID})
		cur = vary
	}
	if len(m.steps) > 0 {
		m.base = cur.ID
		return m
	}
	if x.Op == "to_tensor" {
		if fm := matchFrame(g, x); fm != nil {
			m.frame = fm
			return m
		}
	}
	return nil
}

// rowShaped: n is a tensor of x's shape and dtype ([?, k]).
func rowShaped(n *ir.Node, xs *ir.TensorType) bool {
	if !n.Schema.IsTensor() {
		return false
	}
	t := n.Schema.Tensor
	return t.DType == xs.DType && len(t.Shape) == 2 && t.Shape[0] == xs.Shape[0] && t.Shape[1] == xs.Shape[1]
}

// constOperand: n has a static shape that broadcasts over the rows of a
// [?, k] tensor without changing its shape: [], [1], [k], [1, 1], [1, k].
func constOperand(n *ir.Node, k int64) bool {
	if !n.Schema.IsTensor() || !isFloat(n.Schema.Tensor.DType) && n.Schema.Tensor.DType != ir.Int64 {
		return false
	}
	s := n.Schema.Tensor.Shape
	switch len(s) {
	case 0:
		return true
	case 1:
		return s[0] == 1 || s[0] == k
	case 2:
		return s[0] == 1 && (s[1] == 1 || s[1] == k)
	}
	return false
}

// emitter inserts new nodes just before anchor (their inputs all precede it).
type emitter struct {
	g      *ir.Graph
	anchor *ir.Node
}

func (e *emitter) add(op string, attrs ir.Attrs, inputs ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return e.g.InsertBefore(e.anchor.ID, &ir.Node{Op: op, Inputs: inputs, Attrs: attrs, Loc: e.anchor.Loc})
}

func shapeAttr(dims ...int64) []any {
	out := make([]any, len(dims))
	for i, d := range dims {
		out[i] = float64(d)
	}
	return out
}

func (e *emitter) cast(id ir.NodeID, from, to ir.DType) ir.NodeID {
	if from == to {
		return id
	}
	return e.add("cast", ir.Attrs{"dtype": to.String()}, id)
}

func (e *emitter) full(v float64, dims ...int64) ir.NodeID {
	return e.add("full", ir.Attrs{"value": strconv.FormatFloat(v, 'g', -1, 64), "dtype": "float64",
		"shape": shapeAttr(dims...)})
}

// coef is an optional float64 tensor node (-1: absent, i.e. 1 for a scale, 0
// for a shift).
type coef = ir.NodeID

const none coef = -1

func apply(g *ir.Graph, m *matched) {
	e := &emitter{g: g, anchor: m.mm}
	wt := g.Node(m.mm.Inputs[1])
	dt := wt.Schema.Tensor.DType
	k, out := wt.Schema.Tensor.Shape[0], wt.Schema.Tensor.Shape[1]
	var base ir.NodeID
	scale, shift := none, none
	if m.frame != nil {
		base, scale, shift = m.frame.emit(e, dt)
	} else {
		base = m.base
		for i := len(m.steps) - 1; i >= 0; i-- { // bottom (nearest the base) first
			s := m.steps[i]
			c := e.cast(s.c, g.Node(s.c).Schema.Tensor.DType, ir.Float64)
			switch s.op {
			case "sub":
				if shift == none {
					shift = e.add("neg", nil, c)
				} else {
					shift = e.add("sub", nil, shift, c)
				}
			case "add":
				if shift == none {
					shift = c
				} else {
					shift = e.add("add", nil, shift, c)
				}
			case "mul":
				scale = mulOpt(e, scale, c)
				if shift != none {
					shift = e.add("mul", nil, shift, c)
				}
			case "div":
				if scale == none {
					scale = e.add("div", nil, e.full(1), c)
				} else {
					scale = e.add("div", nil, scale, c)
				}
				if shift != none {
					shift = e.add("div", nil, shift, c)
				}
			}
		}
	}
	w64 := e.cast(wt.ID, dt, ir.Float64)
	newW := wt.ID
	if scale != none {
		col := e.add("reshape", ir.Attrs{"shape": shapeAttr(-1, 1)}, scale) // [k, 1] or [1, 1]
		newW = e.cast(e.add("mul", nil, w64, col), ir.Float64, dt)
	}
	bias := none
	if shift != none {
		row := e.add("add", nil, shift, e.full(0, 1, k)) // [1, k] whatever the shift's broadcast shape
		bias = e.add("reshape", ir.Attrs{"shape": shapeAttr(out)}, e.add("matmul", ir.Attrs{Attr: "bias"}, row, w64))
		bias = e.cast(bias, ir.Float64, dt)
	}
	m.mm.Inputs = []ir.NodeID{base, newW}
	m.mm.Attrs = m.mm.Attrs.Clone()
	m.mm.Attrs[Attr] = "foldnorm"
	if bias == none {
		return
	}
	// users of the matmul read matmul + bias instead
	mmID := m.mm.ID
	var readers []*ir.Node
	for _, n := range g.Nodes[mmID+1:] {
		for _, in := range n.Inputs {
			if in == mmID {
				readers = append(readers, n)
				break
			}
		}
	}
	addID := g.InsertBefore(mmID+1, &ir.Node{Op: "add", Inputs: []ir.NodeID{mmID, bias}, Attrs: ir.Attrs{}, Loc: m.mm.Loc})
	for _, n := range readers {
		for i, in := range n.Inputs {
			if in == mmID {
				n.Inputs[i] = addID
			}
		}
	}
	for i, o := range g.Outputs {
		if o == mmID {
			g.Outputs[i] = addID
		}
	}
}

func mulOpt(e *emitter, a, b coef) coef {
	if a == none {
		return b
	}
	return e.add("mul", nil, a, b)
}
