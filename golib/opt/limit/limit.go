// Package limit is the optimizer's limit pass: a head(n) (slice with start
// 0 or None and stop n >= 0) over a sort becomes one topk op, which keeps
// only the n first rows of the sort (a bounded heap instead of a full
// sort); a limit moves below a project that cannot raise, so the project
// computes only the rows kept; a limit over a topk lowers its n; a limit
// over a Parquet scan that keeps every row gives it a limit attribute, and
// it reads only the row groups that hold the first n rows.
//
// The node a limit moves through must have the limit as its only reader.
// Rows and their order, and their index labels, are exactly those of the
// recorded plan: slice, sort, topk and project all keep labels.
package limit

import (
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Run rewrites to a fixed point and reports whether it changed anything.
func Run(g *ir.Graph) (bool, error) {
	changed := false
	for range 10000 {
		if !step(g) {
			break
		}
		changed = true
		g.Compact()
		if err := g.Infer(); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// head returns n when slice node s is head(n): start 0 or None, stop >= 0.
func head(s *ir.Node) (int64, bool) {
	if s.Op != "slice" {
		return 0, false
	}
	if v, ok := s.Attrs["start"]; ok && v != nil {
		if f, isNum := s.Attrs.Float("start"); !isNum || f != 0 {
			return 0, false
		}
	}
	stop, ok := s.Attrs.Float("stop")
	if !ok || stop < 0 || stop != float64(int64(stop)) {
		return 0, false
	}
	return int64(stop), true
}

func step(g *ir.Graph) bool {
	users := g.Users()
	output := g.OutputSet()
	single := func(id ir.NodeID) bool { return len(users[id]) == 1 && !output[id] }
nodes:
	for _, s := range g.Nodes {
		n, ok := head(s)
		if !ok {
			continue
		}
		x := g.Node(s.Inputs[0])
		if !single(x.ID) {
			continue
		}
		switch x.Op {
		case "sort":
			attrs := x.Attrs.Clone()
			attrs["n"] = float64(n)
			s.Op, s.Attrs, s.Inputs = "topk", attrs, []ir.NodeID{x.Inputs[0]}
			if s.Loc == "" {
				s.Loc = x.Loc
			}
			return true
		case "topk":
			if k := x.Attrs.Int("n", -1); k >= 0 {
				x.Attrs["n"] = float64(min(k, n))
				replace(g, s.ID, x.ID)
				return true
			}
		case "scan_parquet":
			// the scan reads only the row groups that hold the first n
			// rows (the slice still cuts the last one); not when the
			// scan filters its rows (a pushed filter, statistics, keys)
			if len(x.Inputs) > 0 || x.Attrs["filter"] != nil || x.Attrs["stats_filter"] != nil {
				continue
			}
			if k, ok := x.Attrs.Float("limit"); ok && int64(k) <= n {
				continue
			}
			attrs := x.Attrs.Clone()
			attrs["limit"] = float64(n)
			x.Attrs = attrs
			return true
		case "project":
			for _, ne := range x.Attrs.NamedExprs("exprs") {
				if ne.Expr == nil || dce.MayRaise(ne.Expr) {
					continue nodes
				}
			}
			// slice(project(y)) -> project(slice(y)): swap the two nodes'
			// contents so ids stay in topological order.
			y := x.Inputs[0]
			sOp, sAttrs, sLoc := s.Op, s.Attrs, s.Loc
			s.Op, s.Attrs, s.Loc, s.Inputs = x.Op, x.Attrs, x.Loc, []ir.NodeID{x.ID}
			x.Op, x.Attrs, x.Loc, x.Inputs = sOp, sAttrs, sLoc, []ir.NodeID{y}
			return true
		}
	}
	return false
}

// replace makes every reader of node id (and the outputs) read with.
func replace(g *ir.Graph, id, with ir.NodeID) {
	for _, u := range g.Nodes {
		for i, in := range u.Inputs {
			if in == id {
				u.Inputs[i] = with
			}
		}
	}
	for i, o := range g.Outputs {
		if o == id {
			g.Outputs[i] = with
		}
	}
}
