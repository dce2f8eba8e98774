// Package embedfold folds embedding lookups into the Linear layer that
// reads them, at inference.
//
// A model that concatenates embeddings with numeric features and feeds a
// Linear layer (nn.Embedding + torch.cat + nn.Linear: the flights model's
// 3 numeric inputs and two 8-wide airport embeddings into 64 units) computes
// per row
//
//	cat([x, E1[i1], E2[i2]], dim=1) @ W     W = transpose(weight): [k, h]
//
// which is, by linearity,
//
//	x @ W[rows of x] + (E1 @ W[rows of E1])[i1] + (E2 @ W[rows of E2])[i2]
//
// The tables E_j @ W[rows of E_j] ([m_j, h]) are computed once per run from
// the parameters, so each row's multiply-adds over an embedding's columns
// (8 x 64 per airport) become a lookup of h values: Willump's and PRETZEL's
// precomputation of a model's first stage over a categorical input's values.
// The pass rewrites the matmul into matmul + index_select lookups joined by
// adds (the same form opt/onehotembed gives a Linear over one-hot columns),
// which mlp_fuse then runs with the next layer as one kernel.
//
// Results agree with the unfolded plan within float rounding (the sum over
// k runs in a different order). As foldnorm, only where no gradient flows:
// no optimizer update in the graph, and the cat read by the matmul alone.
// An embedding qualifies when it is a static [m, e] tensor of the matmul's
// dtype looked up with index_select along dim 0 without index wrapping
// (nn.Embedding's form; an out-of-range index still raises, in the lookup),
// and folding pays: m is under the rows (or the rows are not known).
package embedfold

import (
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Attr marks the add that replaced a matmul (shown by explain()).
const Attr = "embedded"

// Run folds every eligible matmul.
func Run(g *ir.Graph) (bool, error) {
	if dce.Training(g) {
		return false, nil
	}
	users := g.Users()
	for _, o := range g.Outputs {
		users[o] = append(users[o], -1)
	}
	var todo []*ir.Node
	for _, n := range g.Nodes {
		if n.Op == "matmul" && n.Attrs.Str(Attr) == "" && parts(g, users, n) != nil {
			todo = append(todo, n)
		}
	}
	for _, mm := range todo {
		fold(g, mm)
	}
	if len(todo) == 0 {
		return false, nil
	}
	if err := g.Infer(); err != nil {
		return true, err
	}
	return true, g.Verify()
}

// part is one input of the cat: its first column in the cat and its width;
// for an embedding lookup, the table and the indices.
type part struct {
	id         ir.NodeID
	at, width  int64
	table, idx ir.NodeID
	lookup     bool
}

// parts splits mm's cat input into its parts (nil: not a foldable matmul).
func parts(g *ir.Graph, users [][]ir.NodeID, mm *ir.Node) []part {
	if len(mm.Inputs) != 2 {
		return nil
	}
	c, w := g.Node(mm.Inputs[0]), g.Node(mm.Inputs[1])
	ct, wt, out := tensorOf(c), tensorOf(w), tensorOf(mm)
	if c.Op != "cat" || len(users[c.ID]) != 1 || ct == nil || wt == nil || out == nil || len(ct.Shape) != 2 ||
		len(wt.Shape) != 2 || wt.Shape[0] < 0 || wt.Shape[1] < 0 || wt.DType != ct.DType || out.DType != ct.DType ||
		(ct.DType != ir.Float32 && ct.DType != ir.Float64) {
		return nil
	}
	if d := c.Attrs.Int("dim", 0); d != 1 && d != -1 {
		return nil
	}
	rows := ct.Shape[0]
	var ps []part
	var at int64
	found := false
	for _, id := range c.Inputs {
		pt := tensorOf(g.Node(id))
		if pt == nil || len(pt.Shape) != 2 || pt.Shape[1] < 0 {
			return nil
		}
		p := part{id: id, at: at, width: pt.Shape[1]}
		if l := g.Node(id); l.Op == "index_select" && len(l.Inputs) == 2 && l.Attrs.Int("dim", 0) == 0 &&
			!l.Attrs.Bool("wrap", false) {
			tt := tensorOf(g.Node(l.Inputs[0]))
			if tt != nil && len(tt.Shape) == 2 && tt.Shape[0] > 0 && tt.Shape[1] == p.width && tt.DType == ct.DType &&
				(rows < 0 || tt.Shape[0] < rows) {
				p.table, p.idx, p.lookup = l.Inputs[0], l.Inputs[1], true
				found = true
			}
		}
		ps = append(ps, p)
		at += p.width
	}
	if !found || at != wt.Shape[0] {
		return nil
	}
	return ps
}

func tensorOf(n *ir.Node) *ir.TensorType {
	if n.Schema == nil {
		return nil
	}
	return n.Schema.Tensor
}

// fold rewrites mm (eligible) as the file comment shows; mm itself becomes
// the last add, so its readers need no rewiring.
func fold(g *ir.Graph, mm *ir.Node) {
	users := g.Users() // (again: an earlier fold's inserted nodes renumbered the ids)
	for _, o := range g.Outputs {
		users[o] = append(users[o], -1)
	}
	ps := parts(g, users, mm)
	w := mm.Inputs[1]
	insert := func(op string, attrs ir.Attrs, inputs ...ir.NodeID) ir.NodeID {
		if attrs == nil {
			attrs = ir.Attrs{}
		}
		return g.InsertBefore(mm.ID, &ir.Node{Op: op, Inputs: inputs, Attrs: attrs, Loc: mm.Loc})
	}
	// rows is the weight's rows [at, at+width) of each of the parts.
	rows := func(sel []part) ir.NodeID {
		var ids []ir.NodeID
		for _, p := range sel {
			ids = append(ids, insert("tensor_slice", ir.Attrs{"dim": 0.0, "start": float64(p.at),
				"end": float64(p.at + p.width), "step": 1.0}, w))
		}
		if len(ids) == 1 {
			return ids[0]
		}
		return insert("cat", ir.Attrs{"dim": 0.0}, ids...)
	}
	var terms []ir.NodeID
	var dense []part
	for _, p := range ps {
		if !p.lookup {
			dense = append(dense, p)
		}
	}
	if len(dense) > 0 {
		x := dense[0].id
		if len(dense) > 1 {
			ids := make([]ir.NodeID, len(dense))
			for i, p := range dense {
				ids[i] = p.id
			}
			x = insert("cat", ir.Attrs{"dim": 1.0}, ids...)
		}
		terms = append(terms, insert("matmul", ir.Attrs{Attr: "numeric"}, x, rows(dense)))
	}
	for _, p := range ps {
		if p.lookup {
			table := insert("matmul", ir.Attrs{Attr: "table"}, p.table, rows([]part{p}))
			terms = append(terms, insert("index_select", ir.Attrs{"dim": 0.0}, table, p.idx))
		}
	}
	attrs := mm.Attrs.Clone()
	attrs[Attr] = "embed_fold"
	if len(terms) == 1 { // one lookup, nothing else: the lookup plus a zero
		terms = append(terms, insert("full", ir.Attrs{"value": "0", "dtype": tensorOf(mm).DType.String(), "shape": []any{}}))
	}
	acc := terms[0]
	for _, t := range terms[1 : len(terms)-1] {
		acc = insert("add", nil, acc, t)
	}
	mm.Op = "add"
	mm.Inputs = []ir.NodeID{acc, terms[len(terms)-1]}
	mm.Attrs = attrs
}
