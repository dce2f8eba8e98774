// Package cse is the optimizer's common-subexpression pass: identical
// subplans are computed once. Two nodes are identical when they have the
// same op, the same attributes and the same (already merged) inputs; the
// later one's readers then read the earlier one. A query that reads a table
// twice, or repeats a whole subquery (TPC-H q11, q15, q22), so scans and
// computes it once; projection pushdown then reads the union of the
// columns both uses need.
//
// Deterministic frame ops merge, and so do deterministic tensor ops: the
// frame -> tensor hand-off (to_tensor) and the tensor ops after it, so a
// feature matrix or a normalization statistic recorded twice (once for a
// tensor, once for a frame result, or once per model input) is computed once.
// Random ops (sample, rand, randn, randperm, ...) never merge: their draws
// must stay distinct; nor do reads and writes of the training state (state,
// state_write, the fused optimizer updates). Graph outputs are never merged
// away, so every output stays its own node. Merged nodes keep the first one's
// source line.
package cse

import (
	"strconv"
	"strings"

	"github.com/flern/flern/golib/ir"
)

// mergeable lists the ops whose identical copies compute identical frames.
var mergeable = map[string]bool{
	"source": true, "scan_csv": true, "scan_parquet": true, "project": true, "filter": true,
	"join": true, "semi_join": true, "groupby_agg": true, "sort": true, "topk": true, "slice": true,
	"dropna": true, "set_index": true, "reset_index": true, "distinct": true, "value_counts": true,
	"drop_rows": true, "sort_index": true, "select": true, "assign": true, "rename": true, "drop_columns": true,
	"get_dummies": true, "transpose_row": true, "attach_row": true,
	// tensor ops (golib/tensor): pure functions of their inputs and attributes
	"to_tensor": true, "source_tensor": true, "full": true, "arange": true, "cast": true, "detach": true,
	"neg": true, "exp": true, "log": true, "sqrt": true, "abs": true, "relu": true, "sigmoid": true, "tanh": true,
	"erf": true, "add": true, "sub": true, "mul": true, "div": true, "pow": true, "maximum": true, "minimum": true,
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true, "where": true, "matmul": true,
	"sum": true, "mean": true, "max": true, "min": true, "argmax": true, "argmin": true, "softmax": true,
	"log_softmax": true, "reshape": true, "unsqueeze": true, "squeeze": true, "flatten": true, "transpose": true,
	"permute": true, "tensor_slice": true, "tensor_select": true, "index_select": true, "gather": true,
	"expand_as": true, "sum_to": true,
}

// Run merges identical nodes and reports whether it changed anything.
func Run(g *ir.Graph) (bool, error) {
	output := g.OutputSet()
	seen := map[string]ir.NodeID{}
	changed := false
	for _, n := range g.Nodes {
		if !mergeable[n.Op] {
			continue
		}
		k := key(n)
		first, ok := seen[k]
		if !ok {
			seen[k] = n.ID
			continue
		}
		if output[n.ID] {
			continue
		}
		// Readers come after n; rewriting them now lets their keys match.
		for _, u := range g.Nodes[n.ID+1:] {
			for i, in := range u.Inputs {
				if in == n.ID {
					u.Inputs[i] = first
				}
			}
		}
		changed = true
	}
	return changed, nil
}

// key prints n's op, inputs and attributes canonically.
func key(n *ir.Node) string {
	var b strings.Builder
	b.WriteString(n.Op)
	for _, in := range n.Inputs {
		b.WriteString(" %")
		b.WriteString(strconv.Itoa(int(in)))
	}
	one := &ir.Graph{Nodes: []*ir.Node{{Op: "x", Attrs: n.Attrs}}, Outputs: []ir.NodeID{0}}
	b.WriteString(one.Print()) // attributes in sorted order, as explain shows them
	return b.String()
}
