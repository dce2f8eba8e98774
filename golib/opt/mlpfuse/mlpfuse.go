// Package mlpfuse turns the two Linear layers of a perceptron head with a
// ReLU between them into one dense_relu_dense node at inference.
//
// nn.Linear records matmul(x, transpose(W)) + b, so the head
//
//	add(matmul(relu(add(matmul(x, W1), b1)), W2), b2)
//
// becomes dense_relu_dense(x, W1, b1, W2, b2). The runtime runs it one row at
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

// match returns the fused node's inputs [x, W1, b1, W2, b2] and the nodes
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
	mm1, b1, isAdd1 := biasOf(g, add1)
	if !isAdd1 || mm1.Op != "matmul" || len(mm1.Inputs) != 2 || !only(users, mm1.ID, add1.ID) {
		return nil, nil, false
	}
	x, w1 := mm1.Inputs[0], mm1.Inputs[1]
	xt := g.Node(x).Schema.Tensor
	if xt == nil || xt.DType != dt || len(xt.Shape) != 2 || !weight(g, w1, dt) {
		return nil, nil, false
	}
	k, h := g.Node(w1).Schema.Tensor.Shape[0], g.Node(w1).Schema.Tensor.Shape[1]
	w2s := g.Node(w2).Schema.Tensor.Shape
	if (xt.Shape[1] >= 0 && xt.Shape[1] != k) || w2s[0] != h || g.Node(b1).Schema.Tensor.Shape[0] != h ||
		g.Node(b2).Schema.Tensor.Shape[0] != w2s[1] {
		return nil, nil, false
	}
	return []ir.NodeID{x, w1, b1, w2, b2}, []ir.NodeID{mm2.ID, relu.ID, add1.ID, mm1.ID}, true
}
