// Package cse is the optimizer's common-subexpression pass: identical
// subplans are computed once. Two nodes are identical when they have the
// same op, the same attributes and the same (already merged) inputs; the
// later one's readers then read the earlier one. A query that reads a table
// twice, or repeats a whole subquery (TPC-H q11, q15, q22), so scans and
// computes it once; projection pushdown then reads the union of the
// columns both uses need.
//
// Only deterministic frame ops merge (not sample, not tensor ops, whose
// random draws must stay distinct), and graph outputs are never merged
// away, so every output stays its own node. Merged nodes keep the first
// one's source line.
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
}

// Run merges identical nodes and reports whether it changed anything.
func Run(g *ir.Graph) (bool, error) {
	output := map[ir.NodeID]bool{}
	for _, o := range g.Outputs {
		output[o] = true
	}
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
