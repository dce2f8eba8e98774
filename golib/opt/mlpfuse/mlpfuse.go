// Package mlpfuse turns the two Linear layers of a perceptron head with a
// ReLU between them into one dense_relu_dense node at inference.
//
// nn.Linear records matmul(x, transpose(W)) + b, so the head
//
//	add(matmul(relu(add(matmul(x, W1), b1)), W2), b2)
//
// becomes dense_relu_dense(x, W1, b1, W2, b2). When the first layer's
// product has table lookups added to it -- add(add(matmul(x, W1),
// index_select(T1, i1)), index_select(T2, i2)), embeddings folded by
// embedfold or one-hot columns by onehotembed -- they become extra inputs
// (..., T1, i1, T2, i2), up to MaxLookups. The runtime runs it one row at
// a time with the row's hidden layer in registers (golib/blas
// DenseReluDenseF32): the [rows, hidden] intermediate that the two GEMMs and
// the bias + relu loop between them write and read back never exists, and a
// small model's inference is bound by that memory traffic, not by its
// multiply-adds. The reference interpreter defines the op as the ops it
// replaces, so results agree with the unfused plan within float rounding.
//
// The rewrite happens only where no gradient can flow through the head: the
// graph updates no state, and each replaced node (both matmuls, the first
// add, the relu) is read only by the next one, so no backward graph or other
// reader sees them. The weights must have static shapes and the biases be
// vectors of the layer's width (nn.Linear's).
package mlpfuse

import (
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Op is the fused node's op.
const Op = "dense_relu_dense"

// Run fuses every eligible head.
func Run(g *ir.Graph) (bool, error) {
	if dce.Training(g) {
		return false, nil
	}
	users := g.Users()
	for _, o := range g.Outputs { // a plan output is read by the caller
		users[o] = append(users[o], -1)
	}
	// Last node first, so that a deep MLP's head is the pair of layers that
	// ends in its (narrow) output; the nodes a fused head absorbed are dead
	// and are not matched again.
	changed := false
	absorbed := map[ir.NodeID]bool{}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		if absorbed[n.ID] {
			continue
		}
		in, dead, ok := match(g, users, n)
		if !ok {
			continue
		}
		for _, d := range dead {
			absorbed[d] = true
		}
		n.Op = Op
		n.Inputs = in
		n.Attrs = nil
		changed = true
	}
	if !changed {
		return false, nil
	}
	if err := g.Infer(); err != nil {
		return true, err
	}
	return true, g.Verify()
}

// only reports whether node id is read once, by user.
func only(users [][]ir.NodeID, id, user ir.NodeID) bool {
	return len(users[id]) == 1 && users[id][0] == user
}

// biasOf splits an add into its [?, w] operand and its [w] bias; ok false
// when it is not that.
func biasOf(g *ir.Graph, add *ir.Node) (rows *ir.Node, bias ir.NodeID, ok bool) {
	if add.Op != "add" || len(add.Inputs) != 2 || add.Schema == nil || add.Schema.Tensor == nil {
		return nil, 0, false
	}
	out := add.Schema.Tensor
	if len(out.Shape) != 2 || out.Shape[1] < 0 {
		return nil, 0, false
	}
	for i, id := range add.Inputs {
		b := g.Node(add.Inputs[1-i])
		bt := b.Schema.Tensor
		if bt == nil || len(bt.Shape) != 1 || bt.Shape[0] != out.Shape[1] || bt.DType != out.DType {
			continue
		}
		a := g.Node(id)
		if at := a.Schema.Tensor; at != nil && len(at.Shape) == 2 && at.DType == out.DType && at.Shape[1] == out.Shape[1] {
			return a, b.ID, true
		}
	}
	return nil, 0, false
}

// weight reports whether id is a [k, w] matrix of static shape and dtype dt.
func weight(g *ir.Graph, id ir.NodeID, dt ir.DType) bool {
	t := g.Node(id).Schema.Tensor
	return t != nil && t.DType == dt && len(t.Shape) == 2 && t.Shape[0] > 0 && t.Shape[1] > 0
}

// match returns the fused node's inputs [x, W1, b1, W2, b2, T1, i1, ...] and the nodes
// it replaces when n is the final bias add of a head (ok false otherwise).
func match(g *ir.Graph, users [][]ir.NodeID, n *ir.Node) (in, dead []ir.NodeID, ok bool) {
	mm2, b2, isAdd := biasOf(g, n)
	if !isAdd || mm2.Op != "matmul" || len(mm2.Inputs) != 2 || !only(users, mm2.ID, n.ID) {
		return nil, nil, false
	}
	dt := n.Schema.Tensor.DType
	if dt != ir.Float32 && dt != ir.Float64 {
		return nil, nil, false
	}
	relu, w2 := g.Node(mm2.Inputs[0]), mm2.Inputs[1]
	if relu.Op != "relu" || len(relu.Inputs) != 1 || !only(users, relu.ID, mm2.ID) || !weight(g, w2, dt) {
		return nil, nil, false
	}
	add1 := g.Node(relu.Inputs[0])
	if !only(users, add1.ID, relu.ID) {
		return nil, nil, false
	}
	pre, b1, isAdd1 := biasOf(g, add1)
	if !isAdd1 || !only(users, pre.ID, add1.ID) {
		return nil, nil, false
	}
	var p preact
	if !p.walk(g, users, pre, dt) || p.base == nil {
		return nil, nil, false
	}
	mm1 := p.base
	x, w1 := mm1.Inputs[0], mm1.Inputs[1]
	xt := g.Node(x).Schema.Tensor
	if xt == nil || xt.DType != dt || len(xt.Shape) != 2 || !weight(g, w1, dt) {
		return nil, nil, false
	}
	k, h := g.Node(w1).Schema.Tensor.Shape[0], g.Node(w1).Schema.Tensor.Shape[1]
	w2s := g.Node(w2).Schema.Tensor.Shape
	if (xt.Shape[1] >= 0 && xt.Shape[1] != k) || w2s[0] != h || g.Node(b1).Schema.Tensor.Shape[0] != h ||
		g.Node(b2).Schema.Tensor.Shape[0] != w2s[1] || len(p.looks) > MaxLookups {
		return nil, nil, false
	}
	for _, l := range p.looks {
		if g.Node(l[0]).Schema.Tensor.Shape[1] != h {
			return nil, nil, false
		}
	}
	in = []ir.NodeID{x, w1, b1, w2, b2}
	for _, l := range p.looks {
		in = append(in, l[0], l[1])
	}
	return in, append([]ir.NodeID{mm2.ID, relu.ID, add1.ID}, p.dead...), true
}

// MaxLookups is the most table lookups a fused head takes (the kernel's).
const MaxLookups = 4

// preact is the first layer's pre-activation before its bias: one matmul
// (base) plus table lookups (index_select of a static [m, h] table along
// dim 0, without index wrapping: embedfold's and onehotembed's form),
// joined by adds; dead lists every node of it.
type preact struct {
	base  *ir.Node
	looks [][2]ir.NodeID // (table, index), in the order the adds apply them
	dead  []ir.NodeID
}

// walk adds node n (read only by its parent) to p; false: n is not part of
// such a sum.
func (p *preact) walk(g *ir.Graph, users [][]ir.NodeID, n *ir.Node, dt ir.DType) bool {
	t := n.Schema.Tensor
	if t == nil || t.DType != dt || len(t.Shape) != 2 {
		return false
	}
	switch {
	case n.Op == "matmul" && len(n.Inputs) == 2:
		if p.base != nil {
			return false
		}
		p.base = n
	case n.Op == "add" && len(n.Inputs) == 2:
		if g.Node(n.Inputs[1]).Op == "add" {
			return false // a left-deep chain: the interpreter adds the terms in that order
		}
		for _, id := range n.Inputs {
			c := g.Node(id)
			ct := c.Schema.Tensor
			if !only(users, id, n.ID) || ct == nil || len(ct.Shape) != 2 || ct.Shape[1] != t.Shape[1] ||
				(ct.Shape[0] != t.Shape[0]) || !p.walk(g, users, c, dt) {
				return false
			}
		}
	case n.Op == "index_select" && len(n.Inputs) == 2 && n.Attrs.Int("dim", 0) == 0 && !n.Attrs.Bool("wrap", false):
		tab, idx := g.Node(n.Inputs[0]).Schema.Tensor, g.Node(n.Inputs[1]).Schema.Tensor
		if tab == nil || idx == nil || tab.DType != dt || !weight(g, n.Inputs[0], dt) || idx.DType != ir.Int64 ||
			len(idx.Shape) != 1 || p.base == nil {
			return false
		}
		p.looks = append(p.looks, [2]ir.NodeID{n.Inputs[0], n.Inputs[1]})
	default:
		return false
	}
	p.dead = append(p.dead, n.ID)
	return true
}
