// Package narrow is the optimizer pass that narrows the inputs of row-copying
// ops: a filter, sort, slice, sample, dropna or join gathers every column of
// its input, so when its readers use only some of them, a project of just
// those columns is put in front (a zero-copy selection). Scans are narrowed
// by pushdown instead; projects are already trimmed by dce.
package narrow

import (
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// gathers are the ops that copy every column of their (first) inputs.
var gathers = map[string]bool{"filter": true, "sort": true, "sort_index": true, "slice": true, "sample": true,
	"drop_rows": true, "dropna": true, "join": true, "semi_join": true}

// Run inserts the narrowing projects and reports whether it changed anything.
func Run(g *ir.Graph) (bool, error) {
	needs := dce.Needs(g)
	type edge struct {
		user  *ir.Node
		input int
		keep  []string
	}
	var edges []edge
	for _, n := range g.Nodes {
		if !needs[n.ID].Live || needs[n.ID].All || !gathers[n.Op] {
			continue
		}
		for i, in := range dce.InputNeeds(g, n, needs[n.ID]) {
			src := g.Node(n.Inputs[i])
			if in.All || src.Schema == nil || src.Schema.Dynamic {
				continue
			}
			switch src.Op {
			case "project", "scan_csv", "scan_parquet", "scan_ipc":
				continue
			}
			var keep []string
			for _, f := range src.Schema.Fields {
				if in.Has(f.Name) {
					keep = append(keep, f.Name)
				}
			}
			if len(keep) < len(src.Schema.Fields) {
				edges = append(edges, edge{n, i, keep})
			}
		}
	}
	for _, e := range edges {
		exprs := make([]ir.NamedExpr, len(e.keep))
		for i, c := range e.keep {
			exprs[i] = ir.NamedExpr{Name: c, Expr: ir.Col(c)}
		}
		p := &ir.Node{Op: "project", Inputs: []ir.NodeID{e.user.Inputs[e.input]}, Attrs: ir.Attrs{"exprs": exprs}, Loc: e.user.Loc}
		e.user.Inputs[e.input] = g.InsertBefore(e.user.ID, p)
	}
	return len(edges) > 0, nil
}
