package joinorder

import (
	"math"

	"github.com/flern/flern/golib/ir"
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
		return float64(r) * selectivity(n.Attrs.Expr("filter")), ok
	case "filter":
		r, ok := in(0)
		return r * selectivity(n.Attrs.Expr("pred")), ok
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

// selectivity is the guessed fraction of rows a predicate keeps: 1/10 for an
// equality, 1/3 for a comparison, 1/10 for string matches, 1/10 per isin
// value (at most 1/2); conjuncts multiply, disjuncts add (a+b-ab); anything
// else keeps 1/2.
func selectivity(e *ir.Expr) float64 {
	if e == nil {
		return 1
	}
	if e.Kind == ir.ExprLit && e.Lit.Type == ir.Bool {
		if e.Lit.B {
			return 1
		}
		return 0
	}
	if e.Kind != ir.ExprCall {
		return 0.5
	}
	switch e.Name {
	case "and":
		s := 1.0
		for _, a := range e.Args {
			s *= selectivity(a)
		}
		return s
	case "or":
		s := 0.0
		for _, a := range e.Args {
			x := selectivity(a)
			s = s + x - s*x
		}
		return s
	case "not", "invert":
		if len(e.Args) == 1 {
			return 1 - selectivity(e.Args[0])
		}
	case "eq":
		return 0.1
	case "ne":
		return 0.9
	case "lt", "le", "gt", "ge":
		return 1.0 / 3
	case "between":
		return 0.25
	case "str_contains", "str_startswith", "str_endswith", "str_match", "str_fullmatch":
		return 0.1
	case "isin":
		if len(e.Args) > 1 {
			return math.Min(0.5, 0.1*float64(len(e.Args)-1))
		}
		if v, ok := e.Opts["values"].([]any); ok {
			return math.Min(0.5, 0.1*float64(len(v)))
		}
		return 0.5
	case "isna", "isnull":
		return 0.1
	case "notna", "notnull":
		return 0.9
	}
	return 0.5
}
