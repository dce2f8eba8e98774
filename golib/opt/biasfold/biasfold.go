// Package biasfold folds the first bias of a fused perceptron head into its
// first table lookup, at inference.
//
// mlp_fuse's dense_relu_dense(x, W1, b1, W2, b2, T1, i1, ...) computes per
// row relu(x @ W1 + T1[i1] + ... + b1) @ W2 + b2; its tables come from
// embed_fold or onehot_embed, computed once per run. Adding b1 into T1 once
// per run (a [m, h] add) saves the h additions of every row: the head's b1
// input becomes zeros, and the kernel (golib/blas DenseReluDenseF32) starts
// each row's sums from its looked-up row. The sums then run in another
// order, so results agree with the unfolded head within float rounding (as
// embed_fold's do).
package biasfold

import (
	"github.com/flern/flern/golib/ir"
)

// headOp is mlp_fuse's op (opt/mlpfuse.Op; passes import no other pass).
const headOp = "dense_relu_dense"

// Attr marks the add that folded a head's bias into its first table
// (shown by explain()).
const Attr = "bias_folded"

// Run folds the bias of every fused head with a table lookup.
func Run(g *ir.Graph) (bool, error) {
	var heads []*ir.Node
	for _, n := range g.Nodes {
		if n.Op == headOp && len(n.Inputs) > 6 && !g.Node(n.Inputs[5]).Attrs.Bool(Attr, false) {
			if b := g.Node(n.Inputs[2]).Schema.Tensor; b != nil && len(b.Shape) == 1 && b.Shape[0] > 0 {
				heads = append(heads, n)
			}
		}
	}
	// Last head first: an insertion renumbers only the nodes from it on.
	for i := len(heads) - 1; i >= 0; i-- {
		n := heads[i]
		b := g.Node(n.Inputs[2]).Schema.Tensor
		z := g.InsertBefore(n.ID, &ir.Node{Op: "full", Loc: n.Loc,
			Attrs: ir.Attrs{"shape": []any{float64(b.Shape[0])}, "value": "0", "dtype": b.DType.String()}})
		t := g.InsertBefore(n.ID, &ir.Node{Op: "add", Inputs: []ir.NodeID{n.Inputs[5], n.Inputs[2]}, Loc: n.Loc,
			Attrs: ir.Attrs{Attr: true}})
		n.Inputs[2], n.Inputs[5] = z, t
	}
	if len(heads) == 0 {
		return false, nil
	}
	if err := g.Infer(); err != nil {
		return true, err
	}
	return true, g.Verify()
}
