// Package fold is the optimizer's constant-folding and simplification pass.
//
// Inside every typed expression attribute (project exprs, filter pred) it
// folds calls on literals (arithmetic, comparison, logic, neg/abs, isna) into
// literals, computing them exactly as the reference interpreter
// (exec/interp) does, and removes identities (x+0, x*1, x/1, not(not x),
// and(x, True), ...) only where the result is bit-for-bit the same, with the
// same type and nullability. Nothing that could raise at run time is folded
// away or evaluated at compile time (see dce.MayRaise).
//
// On the graph it removes filters whose predicate is the literal True and
// identity projects, and merges a project into the project it reads when
// that duplicates no work and keeps the run-time errors the plan can raise.
//
// The pass iterates to a fixed point: a merge can expose new literals (a
// column defined as a literal becomes that literal), which fold further.
package fold

import (
	"fmt"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// maxRounds bounds the fixed-point loop; every round that changes something
// strictly shrinks the plan, so it is only a guard against rewrite bugs.
const maxRounds = 64

// Run rewrites g in place and reports whether it changed anything. Nodes the
// graph rewrites bypass are left in place (unused); the optimizer's Compact
// drops them.
func Run(g *ir.Graph) (bool, error) {
	if needsInfer(g) {
		if err := g.Infer(); err != nil {
			return false, err
		}
	}
	changed := false
	for round := 0; ; round++ {
		if round == maxRounds {
			return changed, fmt.Errorf("fold: no fixed point after %d rounds", maxRounds)
		}
		c1 := foldExprs(g)
		c2 := rewriteGraph(g)
		changed = changed || c1 || c2
		if !c2 {
			// Expression rewrites are complete in one bottom-up sweep; only a
			// graph rewrite can expose more work.
			return changed, nil
		}
		// Graph rewrites keep every expression's type, but downstream index
		// schemas change (a removed filter); re-infer so the next round and
		// the pass's callers see a consistent graph.
		if err := g.Infer(); err != nil {
			return changed, fmt.Errorf("fold: plan no longer type-checks after a rewrite: %w", err)
		}
	}
}

func needsInfer(g *ir.Graph) bool {
	for _, n := range g.Nodes {
		if n.Schema == nil {
			return true
		}
	}
	return false
}

// foldExprs simplifies every typed expression attribute of every node.
// Expressions are cloned before they are rewritten, so subtrees shared
// between attributes (or nodes) are never changed behind their other users.
func foldExprs(g *ir.Graph) bool {
	changed := false
	for _, n := range g.Nodes {
		for k, v := range n.Attrs {
			switch x := v.(type) {
			case *ir.Expr:
				if x == nil || x.Type == ir.Invalid {
					continue
				}
				// A filter raises on a null in its mask (as pandas does), so
				// even a predicate must keep its nullability.
				if r, c := Simplify(x.Clone(), false); c {
					n.Attrs[k] = r
					changed = true
				}
			case []ir.NamedExpr:
				for i, ne := range x {
					if ne.Expr == nil || ne.Expr.Type == ir.Invalid {
						continue
					}
					if r, c := Simplify(ne.Expr.Clone(), false); c {
						x[i].Expr = r
						changed = true
					}
				}
			}
		}
	}
	return changed
}

// rewriteGraph applies the node-level rewrites in one topological sweep.
func rewriteGraph(g *ir.Graph) bool {
	live := liveNodes(g)
	changed := false
	for _, n := range g.Nodes {
		if !live[n.ID] {
			continue
		}
		switch n.Op {
		case "filter":
			// filter(True) keeps every row. It would turn a RangeIndex into
			// int64 labels 0..n-1, which pandas treats as equivalent.
			if p := n.Attrs.Expr("pred"); p != nil && p.Kind == ir.ExprLit && p.Lit.Type == ir.Bool && p.Lit.B {
				replaceUses(g, n.ID, n.Inputs[0])
				changed = true
			}
		case "project":
			in := g.Node(n.Inputs[0])
			if isIdentity(n, in.Schema) {
				replaceUses(g, n.ID, in.ID)
				changed = true
				continue
			}
			if in.Op == "project" && mergeProjects(n, in, shared(g, live, in.ID)) {
				changed = true
			}
		}
	}
	return changed
}

// liveNodes marks the nodes reachable from the outputs.
func liveNodes(g *ir.Graph) []bool {
	live := make([]bool, len(g.Nodes))
	for _, o := range g.Outputs {
		live[o] = true
	}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		if live[i] {
			for _, in := range g.Nodes[i].Inputs {
				live[in] = true
			}
		}
	}
	return live
}

// shared reports whether node id has more than one reader (outputs count).
// Nodes that became dead during this sweep still count: that only makes the
// answer more conservative.
func shared(g *ir.Graph, live []bool, id ir.NodeID) bool {
	users := 0
	for _, o := range g.Outputs {
		if o == id {
			users++
		}
	}
	for _, n := range g.Nodes {
		if !live[n.ID] {
			continue
		}
		for _, in := range n.Inputs {
			if in == id {
				users++
			}
		}
	}
	return users > 1
}

// replaceUses makes every reader of old (and every output) read repl.
func replaceUses(g *ir.Graph, old, repl ir.NodeID) {
	for _, n := range g.Nodes {
		for i, in := range n.Inputs {
			if in == old {
				n.Inputs[i] = repl
			}
		}
	}
	for i, o := range g.Outputs {
		if o == old {
			g.Outputs[i] = repl
		}
	}
}

// isIdentity reports whether project n returns its input unchanged: the same
// names in the same order, each a plain reference to itself.
func isIdentity(n *ir.Node, in *ir.Schema) bool {
	if in == nil || in.Dynamic {
		return false
	}
	exprs := n.Attrs.NamedExprs("exprs")
	if len(exprs) != len(in.Fields) {
		return false
	}
	for i, ne := range exprs {
		f := in.Fields[i]
		if ne.Name != f.Name || ne.Expr == nil || ne.Expr.Kind != ir.ExprCol || ne.Expr.Name != f.Name {
			return false
		}
	}
	return true
}

// mergeProjects rewrites outer = project(inner = project(x)) into
// project(x) by substituting inner's expressions for outer's column
// references. It refuses when that would
//   - compute a non-trivial inner expression twice (it is referenced more
//     than once, or inner has other readers and stays), or
//   - change which run-time error the plan raises: every inner expression that
//     may raise must still be evaluated, and when inner has one, it must be
//     the only expression of the merged project that may raise (so no other
//     error can now come first); the merged node then takes inner's source
//     location, so the error still names the user's line that caused it.
func mergeProjects(outer, inner *ir.Node, innerShared bool) bool {
	innerExprs := inner.Attrs.NamedExprs("exprs")
	outerExprs := outer.Attrs.NamedExprs("exprs")
	def := make(map[string]*ir.Expr, len(innerExprs))
	for _, ne := range innerExprs {
		if ne.Expr == nil {
			return false
		}
		def[ne.Name] = ne.Expr
	}
	refs := map[string]int{}
	for _, ne := range outerExprs {
		if ne.Expr == nil {
			return false
		}
		countRefs(ne.Expr, refs)
	}
	for name, cnt := range refs {
		d := def[name]
		if d == nil {
			return false // does not type-check; leave it to the verifier
		}
		if d.Kind == ir.ExprCall && (innerShared || cnt > 1) {
			return false
		}
	}
	raising := 0
	if !innerShared {
		for _, ne := range innerExprs {
			if dce.MayRaise(ne.Expr) {
				if refs[ne.Name] == 0 {
					return false // merging would drop the error
				}
				raising++
			}
		}
		if raising > 1 {
			return false
		}
		if raising == 1 {
			for _, ne := range outerExprs {
				if dce.MayRaise(ne.Expr) {
					return false
				}
			}
		}
	}
	merged := make([]ir.NamedExpr, len(outerExprs))
	for i, ne := range outerExprs {
		merged[i] = ir.NamedExpr{Name: ne.Name, Expr: substitute(ne.Expr, def)}
	}
	outer.Inputs[0] = inner.Inputs[0]
	outer.Attrs["exprs"] = merged
	if raising == 1 {
		// The only run-time error the merged project can raise is inner's:
		// report it at the user's line that recorded it.
		outer.Loc = inner.Loc
	}
	return true
}

func countRefs(e *ir.Expr, refs map[string]int) {
	switch e.Kind {
	case ir.ExprCol:
		refs[e.Name]++
	case ir.ExprCall:
		for _, a := range e.Args {
			countRefs(a, refs)
		}
	}
}

// substitute returns a copy of e with every column reference replaced by a
// copy of its definition (types carried along: the definition was typed
// against the same frame it now reads).
func substitute(e *ir.Expr, def map[string]*ir.Expr) *ir.Expr {
	switch e.Kind {
	case ir.ExprCol:
		return def[e.Name].Clone()
	case ir.ExprCall:
		c := *e
		c.Args = make([]*ir.Expr, len(e.Args))
		for i, a := range e.Args {
			c.Args[i] = substitute(a, def)
		}
		return &c
	}
	return e.Clone()
}
