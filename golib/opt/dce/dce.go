// Package dce is the optimizer's dead-column elimination pass, and home of
// the column-needs analysis that projection pushdown shares.
//
// The analysis walks the graph from the outputs back to the sources and
// computes, for every node, which of its output columns its readers use
// (graph outputs use all of theirs). Each op says what it needs from its
// inputs given what is needed from it; ops it does not model need every
// input column, so the analysis errs towards keeping columns.
//
// The pass then drops project entries that no reader uses, and makes a
// get_dummies none of whose indicator columns is read a projection of its
// passed-through columns. Project entries whose
// expression may raise at run time (MayRaise: astype, integer //, ...)
// are kept, so the optimized plan fails exactly when the recorded one does.
package dce

import (
	"sort"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// Need is the set of a node's output columns that its readers use.
type Need struct {
	Live bool            // the node is reachable from the graph outputs
	All  bool            // every column is needed (Cols is then irrelevant)
	Cols map[string]bool // the needed column names, when !All
}

// Has reports whether column name is needed.
func (n *Need) Has(name string) bool { return n.All || n.Cols[name] }

// Names lists the needed columns, sorted (nil when All).
func (n *Need) Names() []string {
	if n.All {
		return nil
	}
	out := make([]string, 0, len(n.Cols))
	for c := range n.Cols {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func (n *Need) add(name string) {
	if n.All {
		return
	}
	if n.Cols == nil {
		n.Cols = map[string]bool{}
	}
	n.Cols[name] = true
}

func (n *Need) addAll(names []string) {
	for _, c := range names {
		n.add(c)
	}
}

func (n *Need) union(o Need) {
	if o.All {
		n.All, n.Cols = true, nil
		return
	}
	for c := range o.Cols {
		n.add(c)
	}
}

// Needs returns, indexed by node id, the columns each node's readers use in
// g as it stands (every project entry counts, used or not). Schemas must be
// inferred. Dead nodes get a Need with Live false.
func Needs(g *ir.Graph) []Need {
	needs, _ := analyze(g, false)
	return needs
}

// InputNeeds says what node n needs from each of its inputs when its
// readers need out (ops the analysis does not model need every column).
func InputNeeds(g *ir.Graph, n *ir.Node, out Need) []Need { return inputNeeds(g, n, out) }

// Run drops the project entries no reader uses and reports whether it
// changed anything. Schemas must be inferred; the optimizer re-infers after.
func Run(g *ir.Graph) (bool, error) {
	_, changed := analyze(g, true)
	return changed, nil
}

// analyze computes the needs in one backward sweep (readers come after what
// they read). With prune set it first trims each project to what its readers
// need, so its own needs reflect the trimmed list.
func analyze(g *ir.Graph, prune bool) ([]Need, bool) {
	need := make([]Need, len(g.Nodes))
	for _, o := range g.Outputs {
		need[o] = Need{Live: true, All: true}
	}
	changed := false
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		if !need[i].Live {
			continue
		}
		if prune && n.Op == "project" && !need[i].All {
			changed = pruneProject(n, &need[i]) || changed
		}
		if prune && n.Op == "get_dummies" && !need[i].All {
			changed = pruneDummies(n, &need[i]) || changed
		}
		for j, in := range inputNeeds(g, n, need[i]) {
			id := n.Inputs[j]
			need[id].Live = true
			need[id].union(in)
		}
	}
	return need, changed
}

// pruneProject drops the entries of project n that are not needed and
// cannot raise.
func pruneProject(n *ir.Node, need *Need) bool {
	exprs := n.Attrs.NamedExprs("exprs")
	kept := make([]ir.NamedExpr, 0, len(exprs))
	for _, ne := range exprs {
		if need.Has(ne.Name) || MayRaise(ne.Expr) {
			kept = append(kept, ne)
		}
	}
	if len(kept) == len(exprs) {
		return false
	}
	n.Attrs["exprs"] = kept
	return true
}

// DropUnreadDummies makes every get_dummies none of whose indicators is
// read a projection (as Run does; for passes after it that stop reading
// indicators, onehot_embed) and reports whether it changed anything.
func DropUnreadDummies(g *ir.Graph) bool {
	needs := Needs(g)
	changed := false
	for _, n := range g.Nodes {
		if n.Op == "get_dummies" && needs[n.ID].Live && !needs[n.ID].All {
			changed = pruneDummies(n, &needs[n.ID]) || changed
		}
	}
	return changed
}

// pruneDummies makes get_dummies n a project of its passed-through columns
// when no reader uses an indicator column (a label read from the encoded
// frame): encoding what nobody reads is skipped. (pandas computes the
// categories from the data and raises nothing over them, so the result is
// pandas' whatever the categories.)
func pruneDummies(n *ir.Node, need *Need) bool {
	if n.Attrs["columns"] == nil || n.Attrs["dummies"] == nil || n.Schema == nil {
		return false
	}
	dummy := map[string]bool{}
	for _, d := range n.Attrs.Strings("dummies") {
		if need.Has(d) {
			return false
		}
		dummy[d] = true
	}
	var exprs []ir.NamedExpr
	for _, f := range n.Schema.Fields {
		if !dummy[f.Name] {
			exprs = append(exprs, ir.NamedExpr{Name: f.Name, Expr: ir.Col(f.Name)})
		}
	}
	n.Op = "project"
	n.Attrs = ir.Attrs{"exprs": exprs}
	return true
}

// all is the answer "every column of every input".
func all(n *ir.Node) []Need {
	out := make([]Need, len(n.Inputs))
	for i := range out {
		out[i] = Need{All: true}
	}
	return out
}

// passThrough needs out's columns of the single input plus extra.
func passThrough(out Need, extra ...string) []Need {
	in := Need{}
	in.union(out)
	in.addAll(extra)
	return []Need{in}
}

// inputNeeds says what node n needs from each input when its readers need
// out. Unknown ops, and anything unexpected, need everything.
func inputNeeds(g *ir.Graph, n *ir.Node, out Need) []Need {
	switch n.Op {
	case "project":
		in := Need{}
		for _, ne := range n.Attrs.NamedExprs("exprs") {
			if ne.Expr == nil {
				return all(n)
			}
			cols := map[string]bool{}
			ne.Expr.Columns(cols)
			for c := range cols {
				in.add(c)
			}
		}
		return []Need{in}
	case "filter":
		p := n.Attrs.Expr("pred")
		if p == nil {
			return all(n)
		}
		cols := map[string]bool{}
		p.Columns(cols)
		in := passThrough(out)
		for c := range cols {
			in[0].add(c)
		}
		return in
	case "sort":
		return passThrough(out, n.Attrs.Strings("by")...)
	case "slice", "sample", "sort_index":
		// Row selection by position, random draw, or index order: the
		// columns' values do not matter.
		return passThrough(out)
	case "drop_rows":
		// Input 1 contributes only its index labels.
		return append(passThrough(out), Need{})
	case "dropna":
		if n.Attrs["subset"] == nil {
			return all(n)
		}
		return passThrough(out, n.Attrs.Strings("subset")...)
	case "set_index":
		return passThrough(out, n.Attrs.Strings("keys")...)
	case "value_counts", "distinct":
		in := Need{}
		in.add(n.Attrs.Str("column"))
		return []Need{in}
	case "groupby_agg":
		in := Need{}
		in.addAll(n.Attrs.Strings("keys"))
		aggs, _ := n.Attrs["aggs"].([]any)
		for _, a := range aggs {
			m, ok := a.(map[string]any)
			if !ok {
				return all(n)
			}
			if fn, _ := m["fn"].(string); fn == "size" {
				continue
			}
			c, _ := m["col"].(string)
			in.add(c)
		}
		return []Need{in}
	case "get_dummies":
		// Explicit columns with their recorded indicator names: the other
		// input columns pass through, the encoded ones are always read.
		// (Without columns the encoded set depends on the input's string
		// columns, so every column is needed.)
		if n.Attrs["columns"] == nil || n.Attrs["dummies"] == nil || out.All {
			return all(n)
		}
		dummy := map[string]bool{}
		for _, d := range n.Attrs.Strings("dummies") {
			dummy[d] = true
		}
		in := Need{}
		for c := range out.Cols {
			if !dummy[c] {
				in.add(c)
			}
		}
		in.addAll(n.Attrs.Strings("columns"))
		return []Need{in}
	case "attach_row":
		// The attached row's columns pair with names by position: the row
		// keeps them all; the frame passes through.
		if out.All {
			return all(n)
		}
		names := map[string]bool{}
		for _, c := range n.Attrs.Strings("names") {
			names[c] = true
		}
		in := Need{}
		for c := range out.Cols {
			if !names[c] {
				in.add(c)
			}
		}
		return []Need{in, {All: true}}
	case "join":
		return joinNeeds(g, n, out)
	case "semi_join":
		// Input 1 contributes only its key column.
		right := Need{}
		right.add(n.Attrs.Str("right_on"))
		return append(passThrough(out, n.Attrs.Str("left_on")), right)
	}
	return all(n)
}

// joinNeeds maps the needed output columns of a merge back to its sides,
// plus the keys. Names present on both sides (other than keys shared by
// name) are kept on both sides even when unused: dropping one would remove
// the suffixes from the other and rename a column readers use.
func joinNeeds(g *ir.Graph, n *ir.Node, out Need) []Need {
	l, r := g.Node(n.Inputs[0]).Schema, g.Node(n.Inputs[1]).Schema
	if l == nil || r == nil || l.Dynamic || r.Dynamic {
		return all(n)
	}
	cols, err := frame.JoinColumns(n, l, r)
	if err != nil {
		return all(n)
	}
	left, right := Need{}, Need{}
	lon, ron := n.Attrs.Strings("left_on"), n.Attrs.Strings("right_on")
	left.addAll(lon)
	right.addAll(ron)
	sharedKey := map[string]bool{}
	for i := range lon {
		if i < len(ron) && lon[i] == ron[i] {
			sharedKey[lon[i]] = true
		}
	}
	sides := [2]*ir.Schema{l, r}
	needs := [2]*Need{&left, &right}
	for _, c := range cols {
		if out.Has(c.Name) {
			needs[c.Side].add(sides[c.Side].Fields[c.Col].Name)
		}
	}
	for _, f := range l.Fields {
		if !sharedKey[f.Name] && r.Lookup(f.Name) >= 0 {
			left.add(f.Name)
			right.add(f.Name)
		}
	}
	return []Need{left, right}
}
