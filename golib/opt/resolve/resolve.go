// Package resolve is the optimizer's first, required pass: it rewrites the
// user-shaped column ops the front end records (select, assign, rename,
// drop_columns) into the single resolved form, project, whose expression
// list names every output column. Later passes only handle project.
package resolve

import (
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// Run rewrites in place. The graph's schemas must be inferred.
func Run(g *ir.Graph) (bool, error) {
	changed := false
	for _, n := range g.Nodes {
		switch n.Op {
		case "select", "assign", "rename", "drop_columns":
		default:
			continue
		}
		in := g.Node(n.Inputs[0]).Schema
		exprs, err := Resolve(n, in)
		if err != nil {
			return false, ir.AtNode(err, n)
		}
		n.Op = "project"
		n.Attrs = ir.Attrs{"exprs": exprs}
		changed = true
	}
	return changed, nil
}

// Resolve returns the full projection list equivalent to a user-shaped op
// over an input with schema in.
func Resolve(n *ir.Node, in *ir.Schema) ([]ir.NamedExpr, error) {
	out, err := ir.LookupOp(n.Op).Infer(n, []*ir.Schema{in})
	if err != nil {
		return nil, err
	}
	var exprs []ir.NamedExpr
	switch n.Op {
	case "select", "drop_columns":
		for _, f := range out.Fields {
			exprs = append(exprs, ir.NamedExpr{Name: f.Name, Expr: ir.Col(f.Name)})
		}
	case "rename":
		m, _ := n.Attrs["mapping"].(map[string]any)
		for _, f := range in.Fields {
			name := f.Name
			if nn, ok := m[name].(string); ok {
				name = nn
			}
			exprs = append(exprs, ir.NamedExpr{Name: name, Expr: ir.Col(f.Name)})
		}
	case "assign":
		assigned := map[string]*ir.Expr{}
		for _, ne := range n.Attrs.NamedExprs("exprs") {
			assigned[ne.Name] = ne.Expr
		}
		for _, f := range out.Fields {
			e := assigned[f.Name]
			if e == nil {
				e = ir.Col(f.Name)
			}
			exprs = append(exprs, ir.NamedExpr{Name: f.Name, Expr: e})
		}
	}
	_ = frame.AggFuncs
	return exprs, nil
}
