package predicate

import (
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// A scan_parquet read by several nodes keeps its filters (parquetFilters):
// moving one into the scan would make the other readers read a second scan.
// That is worth it when a filter over the scan tests columns that nobody
// else uses: neither the filter's readers nor the scan's other readers.
// Shared, the scan holds those columns whole for all of the file's rows
// until the filter has run, and the filter copies its kept rows of the
// other columns; the filter's own copy of the scan tests them row group by
// row group, never holds them, and decodes the other columns at the kept
// rows only (TPC-H q21: lineitem is grouped by l_orderkey and l_suppkey
// for the multi-supplier orders, and the late-delivery filter
// l_receiptdate > l_commitdate, which keeps 63% of the rows, tests two
// dates that only it reads: 2 x 46 MiB that the shared scan materialized,
// plus the filter's copy of the kept rows, 3.8M).

// splitParquetFilters gives each such filter its own copy of the scan with
// the filter moved into it, and reports whether any moved. Every conjunct
// must be safe, the scan must have no stored index labels and neither the
// scan nor the filter may be an output or have its labels observed (the
// filtered scan numbers its rows afresh).
func splitParquetFilters(g *ir.Graph) bool {
	users := g.Users()
	index := dce.IndexUsed(g)
	output := g.OutputSet()
	needs := dce.Needs(g)
	changed := false
	for _, s := range g.Nodes {
		if s.Op != "scan_parquet" || s.Schema == nil || len(s.Schema.Index) > 0 || s.Attrs.Expr("filter") != nil ||
			len(users[s.ID]) < 2 || output[s.ID] || index[s.ID] {
			continue
		}
		// the columns each reader reads of the scan
		reads := make([]dce.Need, len(users[s.ID]))
		for i, u := range users[s.ID] {
			n := g.Node(u)
			if len(n.Inputs) != 1 { // (a join reading the scan twice, ...)
				reads = nil
				break
			}
			reads[i] = dce.InputNeeds(g, n, needs[u])[0]
		}
		if reads == nil {
			continue
		}
		for i, u := range users[s.ID] {
			f := g.Node(u)
			pred := f.Attrs.Expr("pred")
			if f.Op != "filter" || pred == nil || output[f.ID] || index[f.ID] || needs[f.ID].All || !allSafe(pred) {
				continue
			}
			if !testsUnshared(pred, needs[f.ID], reads, i) {
				continue
			}
			c := &ir.Node{Op: s.Op, Inputs: append([]ir.NodeID(nil), s.Inputs...), Attrs: s.Attrs.Clone(), Schema: s.Schema, Loc: s.Loc}
			c.Attrs["filter"] = pred.Clone()
			id := g.Add(c)
			bypass(g, f.ID, id)
			changed = true
		}
	}
	if changed {
		g.Reorder()
	}
	return changed
}

// allSafe reports whether every conjunct of pred is safe to move.
func allSafe(pred *ir.Expr) bool {
	for _, c := range conjuncts(pred, nil) {
		if !safe(c) {
			return false
		}
	}
	return true
}

// testsUnshared reports whether pred reads a column that the filter's
// readers (out) do not use and no reader of the scan but the filter itself,
// reads[self], uses.
func testsUnshared(pred *ir.Expr, out dce.Need, reads []dce.Need, self int) bool {
	refs := map[string]bool{}
	pred.Columns(refs)
	for name := range refs {
		if out.Has(name) {
			continue
		}
		shared := false
		for j, r := range reads {
			if j != self && r.Has(name) {
				shared = true
				break
			}
		}
		if !shared {
			return true
		}
	}
	return false
}
