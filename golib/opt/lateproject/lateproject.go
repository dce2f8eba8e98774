// Package lateproject computes a join's passed-through feature columns
// after the join instead of before it.
//
// Feature engineering recorded before a merge -- the flights ETL's
// distance z-score and late flag, computed and then carried through the
// two airport-code merges -- materializes each computed column and then
// passes it through the joins, to be read once more by the to_tensor that
// builds the model input. When the computed columns are plain row-wise
// expressions, computing them after the join gives the same rows (a join
// copies or passes through a left row's values unchanged: an expression of
// them is the same before or after), and the to_tensor's fused loop then
// computes them as it writes the tensor: the columns never exist.
//
// The rewrite, for a join J whose left input is a project P read by J alone:
//
//	J(P(x), r)  ->  Q(J(P'(x), r))
//
// where P' passes on, instead of each movable expression of P, the columns
// of x it reads, and Q -- the node J was, so its readers need no rewiring --
// recomputes those expressions over the join's output and passes on the
// rest under J's output names and order. A plain-column project over Q
// (a selection, as the flights ETL's second merge reads) is merged into it,
// so the next join up the chain gets the expressions in turn.
//
// Only inner and left joins (every output row has its left row). An
// expression moves when it cannot raise (dce.MayRaise: row-wise
// arithmetic, comparisons, casts that cannot fail, ...), is not a join key,
// and neither its name nor a column it reads is a column of the right side
// (so the join renames none of them).
package lateproject

import (
	"maps"
	"slices"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Attr marks the project that computes the moved expressions after the
// join (shown by explain()).
const Attr = "late"

// Run moves every movable expression above its join, to a fixed point.
func Run(g *ir.Graph) (bool, error) {
	changed := false
	for guard := 0; guard < 64; guard++ {
		users := g.Users()
		outs := g.OutputSet()
		needs := dce.Needs(g)
		applied := false
		for _, j := range g.Nodes {
			if j.Op != "join" || len(j.Inputs) != 2 {
				continue
			}
			if mergeSelection(g, users, outs, j) {
				applied = true
				break
			}
			if pullUp(g, users, outs, needs, j) {
				applied = true
				break
			}
		}
		if !applied {
			break
		}
		changed = true
		g.Compact()
		if err := g.Infer(); err != nil {
			return true, err
		}
		if err := g.Verify(); err != nil {
			return true, err
		}
	}
	return changed, nil
}

// names is the set of field names of a node's schema.
func names(n *ir.Node) map[string]bool {
	out := map[string]bool{}
	if n.Schema != nil {
		for _, f := range n.Schema.Fields {
			out[f.Name] = true
		}
	}
	return out
}

// movable lists P's expressions that can move above j (by position in P).
func movable(g *ir.Graph, p, j *ir.Node) []int {
	if how := j.Attrs.Str("how"); how != "left" && how != "inner" {
		return nil // (right and outer joins have rows without a left row: an expression of its nulls differs)
	}
	right := names(g.Node(j.Inputs[1]))
	keys := map[string]bool{}
	for _, k := range j.Attrs.Strings("left_on") {
		keys[k] = true
	}
	for _, k := range j.Attrs.Strings("on") {
		keys[k] = true
	}
	in := g.Node(p.Inputs[0])
	inNames := names(in)
	exprs := p.Attrs.NamedExprs("exprs")
	// a column P passes on under its own name, and one it defines otherwise
	plainOut, definedOut := map[string]bool{}, map[string]bool{}
	for _, ne := range exprs {
		if ne.Expr != nil && ne.Expr.Kind == ir.ExprCol && ne.Expr.Name == ne.Name {
			plainOut[ne.Name] = true
		} else {
			definedOut[ne.Name] = true
		}
	}
	var out []int
	for i, ne := range exprs {
		e := ne.Expr
		if e == nil || e.Kind != ir.ExprCall || dce.MayRaise(e) || keys[ne.Name] || right[ne.Name] {
			continue
		}
		refs := map[string]bool{}
		e.Columns(refs)
		ok := len(refs) > 0
		for c := range refs {
			// read from x under its own name, passed on as such (or not at
			// all), and not a right-side name
			ok = ok && inNames[c] && !right[c] && !keys[c] && (!definedOut[c] || plainOut[c])
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// pullUp rewrites j's left project (see the package comment); false when
// there is nothing to move.
func pullUp(g *ir.Graph, users [][]ir.NodeID, outs map[ir.NodeID]bool, needs []dce.Need, j *ir.Node) bool {
	p := g.Node(j.Inputs[0])
	if p.Op != "project" || len(users[p.ID]) != 1 || outs[p.ID] || j.Schema == nil || p.Schema == nil {
		return false
	}
	move := movable(g, p, j)
	if len(move) == 0 {
		return false
	}
	exprs := p.Attrs.NamedExprs("exprs")
	moved := map[string]*ir.Expr{}
	isMoved := map[int]bool{}
	for _, i := range move {
		moved[exprs[i].Name] = exprs[i].Expr
		isMoved[i] = true
	}
	// P': the rest of P, plus the columns the moved expressions read
	var kept []ir.NamedExpr
	have := map[string]bool{}
	for i, ne := range exprs {
		if !isMoved[i] {
			kept = append(kept, ne)
			have[ne.Name] = true
		}
	}
	for _, i := range move {
		refs := map[string]bool{}
		exprs[i].Expr.Columns(refs)
		for _, c := range slices.Sorted(maps.Keys(refs)) {
			if !have[c] {
				kept = append(kept, ir.NamedExpr{Name: c, Expr: ir.Col(c)})
				have[c] = true
			}
		}
	}
	// Q passes on the join's columns its readers need (the others, e.g. a
	// right-side column nobody reads, stay prunable by pushdown)
	need := needs[j.ID] // (before inserting nodes renumbers them)
	// J' reads P'; j becomes Q over J'
	pAttrs := p.Attrs.Clone()
	pAttrs["exprs"] = kept
	np := g.InsertBefore(j.ID, &ir.Node{Op: "project", Inputs: []ir.NodeID{p.Inputs[0]}, Attrs: pAttrs, Loc: p.Loc})
	nj := g.InsertBefore(j.ID, &ir.Node{Op: "join", Inputs: []ir.NodeID{np, j.Inputs[1]}, Attrs: j.Attrs.Clone(), Loc: j.Loc})
	var q []ir.NamedExpr
	for _, f := range j.Schema.Fields {
		if !need.All && !need.Has(f.Name) && len(need.Cols) > 0 {
			continue
		}
		if e, ok := moved[f.Name]; ok {
			q = append(q, ir.NamedExpr{Name: f.Name, Expr: e.Clone()})
			continue
		}
		q = append(q, ir.NamedExpr{Name: f.Name, Expr: ir.Col(f.Name)})
	}
	j.Op = "project"
	j.Inputs = []ir.NodeID{nj}
	j.Attrs = ir.Attrs{"exprs": q, Attr: true}
	return true
}

// mergeSelection merges a plain-column project read by j (its left input)
// into the late project below it, so that project's expressions can move
// above j in turn; false when j's left input is not such a pair.
func mergeSelection(g *ir.Graph, users [][]ir.NodeID, outs map[ir.NodeID]bool, j *ir.Node) bool {
	sel := g.Node(j.Inputs[0])
	if sel.Op != "project" || len(sel.Inputs) != 1 || len(users[sel.ID]) != 1 || outs[sel.ID] {
		return false
	}
	q := g.Node(sel.Inputs[0])
	if q.Op != "project" || !q.Attrs.Bool(Attr, false) || len(users[q.ID]) != 1 || outs[q.ID] {
		return false
	}
	def := map[string]*ir.Expr{}
	for _, ne := range q.Attrs.NamedExprs("exprs") {
		def[ne.Name] = ne.Expr
	}
	var merged []ir.NamedExpr
	for _, ne := range sel.Attrs.NamedExprs("exprs") {
		e := ne.Expr
		if e == nil || e.Kind != ir.ExprCol || def[e.Name] == nil {
			return false
		}
		merged = append(merged, ir.NamedExpr{Name: ne.Name, Expr: def[e.Name].Clone()})
	}
	attrs := sel.Attrs.Clone()
	attrs["exprs"] = merged
	sel.Attrs = attrs
	sel.Inputs = []ir.NodeID{q.Inputs[0]}
	return true
}
