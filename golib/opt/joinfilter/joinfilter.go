// Package joinfilter is the optimizer pass that gives a Parquet or CSV scan
// feeding the probe side of a join a key filter from the join's build side
// (sideways information passing; DuckDB's and Spark's dynamic join filters,
// Flare's and HyPer's semi-join reduction).
//
// For a join whose probe input is a chain of filters, projects that pass the
// key through (renamed or not) and semi joins (their kept side) over a
// scan_parquet or scan_csv, the scan gets the build input as an extra input and a
// key_filters entry {column, key}: at run time it keeps only the rows whose
// column value occurs among the build side's key values, or is missing
// (parquetio/keyfilter.go: a dictionary test per row group, row groups whose
// key range holds no key skipped, the other columns decoded at the kept rows
// only; csvio/filter.go: the key column parsed first, the other fields of a
// chunk parsed for the kept rows only). The join still runs on what the scan returns, so the result is the
// same: the rows dropped are rows the join drops.
//
// Which side probes:
//   - merge how="inner": the side whose chain reaches a scan, the larger scan
//     when both do (file rows times the selectivity of the chain's filters
//     and of the filter pushed into the scan, a half per semi join: q20's
//     partsupp, kept by an isin, gives its keys to lineitem below the
//     groupby; q12's lineitem, 0.5% kept by its pushed filter, gives its
//     keys to orders, whose priority strings are then decoded for those
//     orders only: 144 -> 124 ms CPU, peak RSS 270 -> 185 MiB);
//   - merge how="left": the right side (left rows are all kept);
//   - semi join (isin): the larger scan of the two sides; anti joins only
//     their right (lookup) side, whose rows without a left key cannot change
//     the result.
//
// When it applies: integer or datetime keys on both sides (frame.KeyFilterTypes);
// every node of the chain, the scan included, has the join as its only
// reader and is not an output (the scan's rows change) -- or the scan, a
// scan_parquet, is read by several chains, each the probe side of a join
// with no other candidate, and each chain then gets its own copy of the
// scan with its join's filter (splitShared: TPC-H q21), or its other
// readers stream it (sharedByAggs: q18); the scan's index
// labels are not observed (dce.IndexUsed), since a filtered scan
// numbers its rows afresh, and the file stores no index levels; the build
// side does not itself read the scan (no cycle). Whether the filter is
// worth testing is decided at run time, from the real key count against
// the scan column's statistics (parquetio.maxKeyFraction), and per row
// group from its dictionary (parquetio.keyLoose): the plan's row estimates
// are too coarse for it (a join is estimated at its bigger input's rows,
// while TPC-H Q9's lineitem side keeps 5% of them). The pass
// runs last: it adds an input to a scan, which the passes before it treat
// as a leaf. A multi-column join filters on its first key pair that
// qualifies.
package joinfilter

import (
	"slices"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Run adds key filters to the scans below the probe sides of joins and
// reports whether it added any.
func Run(g *ir.Graph) (bool, error) {
	users := g.Users()
	index := dce.IndexUsed(g)
	output := g.OutputSet()
	changed := false
	var pending []*cand // candidates on shared scans, for splitShared
	for _, j := range g.Nodes {
		var sides []int // candidate probe inputs, in preference order
		var lon, ron []string
		switch j.Op {
		case "join":
			lon, ron = j.Attrs.Strings("left_on"), j.Attrs.Strings("right_on")
			switch j.Attrs.Str("how") {
			case "inner":
				sides = []int{0, 1}
			case "left":
				sides = []int{1}
			}
		case "semi_join":
			lon, ron = []string{j.Attrs.Str("left_on")}, []string{j.Attrs.Str("right_on")}
			sides = []int{0, 1}
			if j.Attrs.Bool("anti", false) {
				sides = []int{1}
			}
		}
		if len(lon) == 0 || len(lon) != len(ron) || len(j.Inputs) != 2 || j.Inputs[0] == j.Inputs[1] {
			continue
		}
		var best, split *cand // split: a shared scan's candidate (see splitShared)
		for _, side := range sides {
			probe, build := j.Inputs[side], j.Inputs[1-side]
			pk, bk := lon, ron
			if side == 1 {
				pk, bk = ron, lon
			}
			for k := range pk {
				p, ok := trace(g, j, probe, pk[k], users, output)
				if !ok {
					continue
				}
				s, c := p.scan, p.col
				if index[s.ID] {
					break
				}
				bs := g.Node(build).Schema
				si := s.Schema.Lookup(c)
				bi := bs.Lookup(bk[k])
				if si < 0 || bi < 0 || !frame.KeyFilterTypes(s.Schema.Fields[si].Type, bs.Fields[bi].Type) {
					continue
				}
				n, ok := dce.ScanRows[s.Op](s.Attrs)
				if !ok {
					break
				}
				c0 := &cand{side: side, scan: s, col: c, key: bk[k], scanRows: float64(n) * p.frac, parent: p.parent, build: build}
				at := &best
				if p.split {
					at = &split
				}
				if *at == nil || c0.scanRows > (*at).scanRows {
					*at = c0
				}
				break
			}
		}
		if best == nil {
			if split != nil && !hasFilter(split.scan, split.col, split.build) {
				pending = append(pending, split)
			}
			continue
		}
		build := j.Inputs[1-best.side]
		if hasFilter(best.scan, best.col, build) || best.parent == nil && reaches(g, build, best.scan.ID) {
			continue
		}
		if best.parent != nil { // the chain gets its own copy of the scan
			best.scan = cloneScan(g, best.scan, best.parent)
			users = g.Users()
		}
		kf, _ := best.scan.Attrs["key_filters"].([]any)
		best.scan.Attrs["key_filters"] = append(kf, map[string]any{"column": best.col, "key": best.key})
		best.scan.Inputs = append(best.scan.Inputs, build)
		changed = true
	}
	if splitShared(g, pending) {
		changed = true
	}
	if changed {
		g.Reorder()
	}
	return changed, nil
}

// cand is a scan that a join's key filter can reach: the join's probe side
// traced down to it (trace).
type cand struct {
	side     int
	scan     *ir.Node
	col, key string
	scanRows float64  // the scan's file rows times its chain's guessed fraction
	parent   *ir.Node // the chain's node reading the scan (shared scans)
	build    ir.NodeID
}

// splitShared gives every reader of a shared scan its own copy of the scan,
// each with its chain's key filter, when each reader is the bottom of a
// chain that a join's key filter reaches (cands, one per join that has no
// other candidate): the scan is then never read whole. TPC-H q21's
// late-delivery lineitem rows (3.8M of 6M, 61 MB) are read by the join
// with the 411 suppliers of one nation and, through a grouping by order,
// by the semi join with the orders left: two key-filtered reads replace
// the whole one. The first candidate keeps the scan itself. The copies add
// no cycle: each is read by its chain alone, whose nodes lead only to its
// join, and the join's build side is that join's input. Reports whether
// it split a scan.
func splitShared(g *ir.Graph, cands []*cand) bool {
	if len(cands) == 0 {
		return false
	}
	users := g.Users()
	byScan := map[ir.NodeID][]*cand{}
	var scans []ir.NodeID
	for _, c := range cands {
		if byScan[c.scan.ID] == nil {
			scans = append(scans, c.scan.ID)
		}
		byScan[c.scan.ID] = append(byScan[c.scan.ID], c)
	}
	changed := false
	for _, id := range scans {
		cs := byScan[id]
		covered := map[ir.NodeID]bool{}
		for _, c := range cs {
			covered[c.parent.ID] = true
		}
		// every reader is a chain's and reads the scan once (a copy
		// replaces all of a reader's inputs reading the scan)
		whole := len(covered) == len(cs) && len(users[id]) == len(cs)
		for _, u := range users[id] {
			whole = whole && covered[u]
		}
		if !whole {
			continue
		}
		copies := []*ir.Node{cs[0].scan} // all made before any gets its filter
		for _, c := range cs[1:] {
			copies = append(copies, cloneScan(g, c.scan, c.parent))
		}
		for i, c := range cs {
			s := copies[i]
			kf, _ := s.Attrs["key_filters"].([]any) // (shared with the copies: not appended to in place)
			s.Attrs["key_filters"] = append(slices.Clip(kf), map[string]any{"column": c.col, "key": c.key})
			s.Inputs = append(slices.Clip(s.Inputs), c.build)
		}
		changed = true
	}
	return changed
}

// trace follows key column k down from node id (an input of the join j)
// through filters, projects that pass it through and the kept side of semi
// joins to a scan_parquet without stored index levels, each node read only
// by the one above it and not an output (or the same over a scan_csv). It
// returns the scan and the key's name there. A scan_parquet whose other
// readers are all aggregations that stream it (sharedByAggs) qualifies too:
// parent is then the chain's node reading it, which gets its own copy.
//
// It also passes a groupby_agg grouping by column k (as_index=False, so the
// key is a column of its result): the inner join drops every group whose
// key the build side lacks, and a key filter keeps or drops a group's rows
// all together, so the groups left are computed from all their rows (TPC-H
// q20: lineitem's year grouped by part and supplier, 543K groups, of which
// the join with the forest parts' partsupp rows keeps 5.8K).
//
// frac is the fraction of the scan's rows the chain is guessed to pass on
// (its filters' dce.Selectivity, a half per semi join), for choosing the
// side that probes.
func trace(g *ir.Graph, j *ir.Node, id ir.NodeID, k string, users [][]ir.NodeID, output map[ir.NodeID]bool) (p probed, _ bool) {
	parent := j
	frac := 1.0
	for {
		n := g.Node(id)
		if output[id] || n.Schema == nil {
			return p, false
		}
		if len(users[id]) != 1 {
			if n.Op == "scan_parquet" && len(n.Schema.Index) == 0 {
				return probed{scan: n, col: k, parent: parent, frac: frac, split: !sharedByAggs(g, n, parent, users)}, true
			}
			return p, false
		}
		switch n.Op {
		case "scan_parquet", "scan_csv":
			if len(n.Schema.Index) > 0 {
				return p, false
			}
			frac *= dce.Selectivity(n.Attrs.Expr("filter")) // a filter pushed into the scan
			return probed{scan: n, col: k, frac: frac}, true
		case "filter":
			frac *= dce.Selectivity(n.Attrs.Expr("pred"))
			parent, id = n, n.Inputs[0]
		case "semi_join":
			frac *= 0.5
			parent, id = n, n.Inputs[0]
		case "groupby_agg":
			if !groupsBy(g, n, k) {
				return p, false
			}
			parent, id = n, n.Inputs[0]
		case "project":
			found := false
			for _, ne := range n.Attrs.NamedExprs("exprs") {
				if ne.Name == k {
					if ne.Expr == nil || ne.Expr.Kind != ir.ExprCol {
						return p, false
					}
					k, found = ne.Expr.Name, true
					break
				}
			}
			if !found {
				return p, false
			}
			parent, id = n, n.Inputs[0]
		default:
			return p, false
		}
	}
}

// probed is what trace found below a join's input: the scan, the key's
// name there and the chain's guessed fraction of its rows.
type probed struct {
	scan   *ir.Node
	col    string
	parent *ir.Node // a shared scan's reader in the chain (nil: the chain alone reads it)
	frac   float64
	split  bool // a shared scan not read by streamed aggregations alone (splitShared)
}

// groupsBy reports whether groupby_agg n groups by input column k and
// returns it as a column of that name (as_index=False, no aggregation named
// k), so a key filter on k below n drops exactly the groups of the keys it
// drops.
func groupsBy(g *ir.Graph, n *ir.Node, k string) bool {
	if n.Attrs.Bool("as_index", true) || len(n.Inputs) != 1 {
		return false
	}
	if in := g.Node(n.Inputs[0]).Schema; in == nil || in.Lookup(k) < 0 {
		return false
	}
	aggs, _ := n.Attrs["aggs"].([]any)
	for _, a := range aggs {
		if m, ok := a.(map[string]any); !ok || m["name"] == k {
			return false
		}
	}
	for _, key := range n.Attrs.Strings("keys") {
		if key == k {
			return true
		}
	}
	return false
}

// streamedFns are the aggregations a fused, streamed groupby_agg computes
// (golib/lower's frame fusion, exec's stream stage).
var streamedFns = map[string]bool{"sum": true, "mean": true, "count": true, "size": true, "min": true, "max": true}

// sharedByAggs reports whether every reader of scan s other than parent is
// a sorted groupby_agg of the scan alone, of streamed aggregations, by one
// int or datetime key the file stores in ascending order (dce.ScanSorted):
// such a reader streams the scan (exec's stream stage streams only these by
// default, exec.StreamAll) once it is its only reader, keeping no state per group, so giving
// the key-filtered chain its own copy of the scan replaces holding the
// whole scan by a second, keyed read (TPC-H q18: lineitem is grouped by
// l_orderkey and joined with the 57 orders found; the copy reads the row
// groups holding their keys). Other keys are left alone: a stream of many
// groups in no order gives up and reads the scan in full (TPC-H q17's
// l_partkey), and the copy would be a second read.
func sharedByAggs(g *ir.Graph, s, parent *ir.Node, users [][]ir.NodeID) bool {
	others := 0
	for _, u := range users[s.ID] {
		if u == parent.ID {
			continue
		}
		a := g.Node(u)
		if a.Op != "groupby_agg" || len(a.Inputs) != 1 || !a.Attrs.Bool("sort", false) {
			return false
		}
		switch keys := a.Attrs.Strings("keys"); len(keys) {
		case 1:
			i := s.Schema.Lookup(keys[0])
			sorted := dce.ScanSorted[s.Op]
			if i < 0 || sorted == nil {
				return false
			}
			if t := s.Schema.Fields[i].Type; !(t.IsInt() || t.IsDatetime()) || !sorted(s.Attrs, keys[0]) {
				return false
			}
		default:
			return false
		}
		aggs, _ := a.Attrs["aggs"].([]any)
		for _, x := range aggs {
			m, _ := x.(map[string]any)
			if fn, _ := m["fn"].(string); !streamedFns[fn] {
				return false
			}
		}
		others++
	}
	return others > 0
}

// cloneScan gives parent its own copy of scan s (same attributes and
// inputs) and returns the copy.
func cloneScan(g *ir.Graph, s, parent *ir.Node) *ir.Node {
	c := &ir.Node{Op: s.Op, Inputs: append([]ir.NodeID(nil), s.Inputs...), Attrs: s.Attrs.Clone(), Schema: s.Schema, Loc: s.Loc}
	id := g.Add(c)
	for i, in := range parent.Inputs {
		if in == s.ID {
			parent.Inputs[i] = id
		}
	}
	return c
}

// reaches reports whether node to is from or one of its inputs, transitively.
func reaches(g *ir.Graph, from, to ir.NodeID) bool {
	seen := map[ir.NodeID]bool{}
	stack := []ir.NodeID{from}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id == to {
			return true
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		stack = append(stack, g.Node(id).Inputs...)
	}
	return false
}

// hasFilter reports whether scan s already filters column c by input build.
func hasFilter(s *ir.Node, c string, build ir.NodeID) bool {
	kf, _ := frame.KeyFilters(s.Attrs)
	for i, f := range kf {
		if f.Column == c && s.Inputs[i] == build {
			return true
		}
	}
	return false
}
