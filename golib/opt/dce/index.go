package dce

import "github.com/flern/flern/golib/ir"

// ScanRows gives the number of rows a scan op reads from its file, by op
// name (set by the engine: scan_parquet, scan_csv, scan_ipc; before any
// pushed filter). ok false: unknown. Shared by the passes that estimate
// (joinorder, joinfilter).
var ScanRows = map[string]func(ir.Attrs) (rows int64, ok bool){}

// ScanSorted says whether a scan op's file stores an int or datetime
// column in ascending order (set by the engine: scan_parquet, from the row
// groups' statistics). joinfilter uses it.
var ScanSorted = map[string]func(attrs ir.Attrs, column string) bool{}

// ScanRangeFraction estimates, by scan op name, the fraction of a scan's file
// rows that pass conjs: comparisons of one numeric or datetime column with
// literals, judged against the column's range in the file's statistics (set
// by the engine: scan_parquet). ok false: no estimate. The predicate pass
// uses it to decide whether a filter moves into the scan.
var ScanRangeFraction = map[string]func(attrs ir.Attrs, conjs []*ir.Expr) (frac float64, ok bool){}

// IndexUsed says, for every node of g, whether the labels of its index can
// be observed by a reader: a graph output shows them, drop_rows and
// sort_index read them, reset_index(drop=False) turns them into a column.
// A join or a groupby on columns gives its result a fresh index, so the
// labels of their inputs are not observed; row-preserving ops (project,
// filter, sort, ...) pass the question on to their readers. Ops the
// analysis does not model observe everything, so it errs towards true.
//
// Rewrites that keep the same rows in the same order but may renumber a
// default RangeIndex (a filter moved below a join, row groups skipped in a
// scan) are allowed exactly where the index is not used.
func IndexUsed(g *ir.Graph) []bool {
	used := make([]bool, len(g.Nodes))
	for _, o := range g.Outputs {
		used[o] = true
	}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		for j, in := range n.Inputs {
			if inputIndexUsed(n, j, used[i], g) {
				used[in] = true
			}
		}
	}
	return used
}

// inputIndexUsed says whether node n observes the index labels of its
// input j, given whether n's own index labels are observed (out).
func inputIndexUsed(n *ir.Node, j int, out bool, g *ir.Graph) bool {
	switch n.Op {
	case "project", "filter", "slice", "sample", "dropna", "topk":
		return out
	case "sort":
		in := g.Node(n.Inputs[0]).Schema
		for _, k := range n.Attrs.Strings("by") {
			if in == nil || in.Lookup(k) < 0 {
				return true // sorts by an index level
			}
		}
		return out
	case "semi_join":
		if j == 0 {
			return out
		}
		return false
	case "join":
		return false
	case "set_index":
		return false // the keys replace the index
	case "reset_index":
		return !n.Attrs.Bool("drop", false)
	case "groupby_agg":
		in := g.Node(n.Inputs[0]).Schema
		for _, k := range n.Attrs.Strings("keys") {
			if in == nil || in.Lookup(k) < 0 {
				return true // groups by an index level
			}
		}
		return false
	case "distinct":
		return false
	}
	return true
}
