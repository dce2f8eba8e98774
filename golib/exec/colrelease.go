package exec

// Column release: a frame stays alive until its last reader has run, but
// its readers may use only some of its columns, and once a reader has run
// the columns only it used are dead. After each node the runtime narrows
// every input frame that still has readers to the columns those remaining
// readers use, so the dead columns can be collected (TPC-H q21: lineitem's
// l_commitdate and l_receiptdate, 2 x 46 MiB, are read by the late-delivery
// filter only, but the scan's frame was held until the nunique grouping on
// l_orderkey and l_suppkey ran, after the joins). Only readers whose
// columns are known are counted (readColumns); one of any other kind keeps
// the whole frame.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// readColumns returns the columns node u reads of its input frame (by
// name; its index levels are always kept), or nil when that is not known:
// projects (their expressions), groupby_aggs (keys and aggregated columns),
// fused kernels (their loop's columns, keys and gathered columns), and
// filters the runtime narrows (their predicate and the narrowed columns).
func readColumns(c *Ctx, u *ir.Node) map[string]bool {
	if len(u.Inputs) != 1 {
		return nil
	}
	cols := map[string]bool{}
	switch u.Op {
	case "project":
		for _, ne := range u.Attrs.NamedExprs("exprs") {
			if ne.Expr == nil {
				return nil
			}
			ne.Expr.Columns(cols)
		}
	case "groupby_agg":
		if u.Attrs["level"] != nil {
			return nil
		}
		for _, k := range u.Attrs.Strings("keys") {
			cols[k] = true
		}
		aggs, _ := u.Attrs["aggs"].([]any)
		for _, a := range aggs {
			m, ok := a.(map[string]any)
			if !ok {
				return nil
			}
			if name, _ := m["col"].(string); name != "" {
				cols[name] = true
			}
		}
	case "fused":
		k, ok := u.Attrs["kernel"].(*lower.Kernel)
		if !ok || (k.Kind != "agg" && k.Kind != "select") {
			return nil
		}
		for _, name := range k.Columns {
			cols[name] = true
		}
		if k.Agg != nil {
			for _, name := range k.Agg.Keys {
				cols[name] = true
			}
		}
		if k.Select != nil {
			for _, o := range k.Select.Outs {
				if o.Builder < 0 {
					cols[o.Col] = true
				}
			}
		}
	case "filter":
		keep := c.narrow[u.ID]
		pred := u.Attrs.Expr("pred")
		if keep == nil || pred == nil {
			return nil
		}
		pred.Columns(cols)
		for _, name := range keep {
			cols[name] = true
		}
	default:
		return nil
	}
	return cols
}

// columnReaders are, per node, its readers in run order with the columns
// each reads of it (nil: unknown).
type columnReaders [][]colReader

type colReader struct {
	id   ir.NodeID
	cols map[string]bool
}

// newColumnReaders collects the readers of every node read by more than
// one node (a frame with one reader is dropped whole after it).
func newColumnReaders(c *Ctx, g *ir.Graph) columnReaders {
	users := g.Users()
	out := g.OutputSet()
	r := make(columnReaders, len(g.Nodes))
	for id, us := range users {
		if len(us) < 2 || out[ir.NodeID(id)] {
			continue
		}
		for _, u := range us {
			r[id] = append(r[id], colReader{id: u, cols: readColumns(c, g.Node(u))})
		}
	}
	return r
}

// narrowAfter returns f narrowed to the columns its readers after node
// done use, and the columns dropped; nil when nothing can be dropped.
func (r columnReaders) narrowAfter(id, done ir.NodeID, f *col.Frame) (*col.Frame, []*col.Column) {
	if f == nil || int(id) >= len(r) || len(r[id]) == 0 {
		return nil, nil
	}
	need := map[string]bool{}
	for _, u := range r[id] {
		if u.id <= done {
			continue
		}
		if u.cols == nil {
			return nil, nil
		}
		for name := range u.cols {
			need[name] = true
		}
	}
	var dropped []*col.Column
	for i, name := range f.Names {
		if !need[name] {
			dropped = append(dropped, f.Cols[i])
		}
	}
	if len(dropped) == 0 {
		return nil, nil
	}
	n := &col.Frame{N: f.N, Index: f.Index, IndexNames: f.IndexNames}
	for i, name := range f.Names {
		if need[name] {
			n.Names = append(n.Names, name)
			n.Cols = append(n.Cols, f.Cols[i])
		}
	}
	return n, dropped
}
