package joinorder

import (
	"math"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// estimator guesses row counts of plan nodes (memoized per node).
type estimator struct {
	g    *ir.Graph
	rows map[ir.NodeID]float64
	bad  map[ir.NodeID]bool
}

func newEstimator(g *ir.Graph) *estimator {
	return &estimator{g: g, rows: map[ir.NodeID]float64{}, bad: map[ir.NodeID]bool{}}
}

// leaf returns a join leaf's estimated rows and its base: the rows of the
// input below its filters and column ops (what its key columns' distinct
// counts are bounded by; a groupby's keys are unique, so there it is the
// groupby's own estimate).
func (e *estimator) leaf(id ir.NodeID) (rows, base float64, ok bool) {
	rows, ok = e.est(id)
	if !ok {
		return 0, 0, false
	}
	b := id
	for {
		n := e.g.Node(b)
		switch n.Op {
		case "filter", "project", "semi_join", "reset_index", "sort", "distinct":
			b = n.Inputs[0]
			continue
		}
		break
	}
	if n := e.g.Node(b); isScan(n) {
		r, ok := scanRows(n) // before a pushed filter
		return rows, math.Max(float64(r), 1), ok
	}
	base, ok = e.est(b)
	return rows, base, ok
}

// est is the estimated row count of node id; ok false: unknown.
func (e *estimator) est(id ir.NodeID) (float64, bool) {
	if r, ok := e.rows[id]; ok {
		return r, true
	}
	if e.bad[id] {
		return 0, false
	}
	r, ok := e.compute(e.g.Node(id))
	if !ok {
		e.bad[id] = true
		return 0, false
	}
	r = math.Max(r, 1)
	e.rows[id] = r
	return r, true
}

func isScan(n *ir.Node) bool { return ScanRows[n.Op] != nil }

// scanRows is the number of rows scan n reads from its file (before a
// pushed filter).
func scanRows(n *ir.Node) (int64, bool) {
	f := ScanRows[n.Op]
	if f == nil {
		return 0, false
	}
	return f(n.Attrs)
}

func (e *estimator) compute(n *ir.Node) (float64, bool) {
	in := func(i int) (float64, bool) { return e.est(n.Inputs[i]) }
	switch n.Op {
	case "scan_parquet", "scan_csv", "scan_ipc":
		r, ok := scanRows(n)
		return float64(r) * dce.Selectivity(n.Attrs.Expr("filter")), ok
	case "filter":
		r, ok := in(0)
		return r * dce.Selectivity(n.Attrs.Expr("pred")), ok
	case "project", "sort", "reset_index", "set_index", "narrow":
		return in(0)
	case "semi_join":
		r, ok := in(0)
		return r * 0.5, ok
	case "distinct":
		r, ok := in(0)
		return r * 0.5, ok
	case "groupby_agg":
		if len(n.Attrs.Strings("keys")) == 0 {
			return 1, true
		}
		r, ok := in(0)
		return r * 0.5, ok
	case "topk", "slice":
		r, ok := in(0)
		if k := n.Attrs.Int("n", -1); k >= 0 {
			r = math.Min(r, float64(k))
		}
		return r, ok
	case "join":
		l, ok1 := in(0)
		r, ok2 := in(1)
		if !ok1 || !ok2 {
			return 0, false
		}
		if n.Attrs.Str("how") == "left" {
			return l, true
		}
		return math.Max(l, r), true // a foreign-key join keeps the bigger side
	}
	return 0, false
}
