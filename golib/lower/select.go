package lower

import (
	"github.com/flern/flern/golib/ir"
)

// Select pipelines: a chain of filters and projects with no aggregate on
// top (df[df.a > 0].assign(c=df.a * 2 + df.b)) becomes one loop over the
// base frame's rows: the filters' predicates (and-ed) select rows, and the
// selected rows' computed columns and row numbers are written consecutively
// by compacting Append builders (Loop.Compacts). Result columns that are a
// base column unchanged (any type, nullable too) and the index are gathered
// by those row numbers, as the runtime filter gathers them.

// SelectPlan describes how a "select" kernel's outputs become the frame.
type SelectPlan struct {
	Outs []SelectOut
	Rows int // the Append builder of the selected rows' numbers
}

// SelectOut is one result column: computed by Append builder Builder, or
// (Builder < 0) the base column Col gathered at the selected rows.
type SelectOut struct {
	Name    string
	Type    ir.DType
	Builder int
	Col     string
}

// fuseSelectPipelines rewrites every fusable filter/project chain that
// holds at least one filter and one project (run after the aggregate and
// to_tensor fusions, which take the chains below their nodes).
func fuseSelectPipelines(g *ir.Graph, o Options, rep *Report) {
	users := g.Users()
	isOut := map[ir.NodeID]bool{}
	for _, id := range g.Outputs {
		isOut[id] = true
	}
	seen := make([]bool, len(g.Nodes))
	for i := len(g.Nodes) - 1; i >= 0; i-- { // tops first: users come after their inputs
		n := g.Nodes[i]
		if seen[n.ID] || (n.Op != "project" && n.Op != "filter") || len(users[n.ID]) == 0 && !isOut[n.ID] {
			continue // (no users: left behind by an earlier fusion)
		}
		chain := []*ir.Node{n}
		seen[n.ID] = true
		base := g.Node(n.Inputs[0])
		// the chain stops at a project that only selects columns (the narrow
		// pass's, zero-copy): the loop reads the columns it keeps
		for (base.Op == "project" && !selectsOnly(base) || base.Op == "filter") && len(users[base.ID]) == 1 && !isOut[base.ID] {
			chain = append(chain, base)
			seen[base.ID] = true
			base = g.Node(base.Inputs[0])
		}
		if base.Schema == nil || base.Schema.IsTensor() || base.Schema.Dynamic || n.Schema == nil || n.Schema.Dynamic {
			continue
		}
		filters, projects := 0, 0
		for _, c := range chain {
			if c.Op == "filter" {
				filters++
			} else {
				projects++
			}
		}
		if filters == 0 || projects == 0 {
			continue
		}
		k, ok := lowerSelectPipeline(n, chain, base)
		if !ok {
			continue
		}
		ops := []string{}
		for i := len(chain) - 1; i >= 0; i-- {
			ops = append(ops, chain[i].Op)
		}
		k.Ops = ops
		*n = ir.Node{ID: n.ID, Op: "fused", Inputs: []ir.NodeID{base.ID}, Loc: n.Loc, Schema: n.Schema,
			Attrs: ir.Attrs{"kernel": o.kernel(k), "exec": o.exec(-1)}}
		rep.Kernels++
		rep.Ops += len(chain)
	}
}

// lowerSelectPipeline builds the loop of chain (top first) over base.
func lowerSelectPipeline(top *ir.Node, chain []*ir.Node, base *ir.Node) (*Kernel, bool) {
	f := newFrameLowerer(base.Schema)
	for _, fd := range base.Schema.Fields {
		f.env[fd.Name] = nil // the base column itself
	}
	var preds []*ir.Expr
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		switch c.Op {
		case "filter":
			p := c.Attrs.Expr("pred")
			if p == nil {
				return nil, false
			}
			preds = append(preds, subst(p, f.env))
		case "project":
			next := map[string]*ir.Expr{}
			for _, ne := range c.Attrs.NamedExprs("exprs") {
				next[ne.Name] = subst(ne.Expr, f.env)
			}
			f.env = next // columns the project does not list are gone
		}
	}
	for _, p := range preds {
		v, err := f.expr(p)
		if err != nil || f.dtypes[v] != ir.Bool || f.l.Body[v].Type != ir.Bool {
			return nil, false
		}
		if f.l.Filter < 0 {
			f.l.Filter = v
		} else {
			f.l.Filter = f.add(Instr{Op: "and", Type: ir.Bool, Args: []int{f.l.Filter, v}}, ir.Bool)
		}
	}
	plan := &SelectPlan{}
	row := f.add(Instr{Op: "row", Type: ir.Int64}, ir.Int64)
	f.l.Builders = append(f.l.Builders, Builder{Kind: Append, Value: row, Type: ir.Int64})
	plan.Rows = 0
	for _, fd := range top.Schema.Fields {
		def, ok := f.env[fd.Name]
		if !ok {
			return nil, false
		}
		if def == nil || def.Kind == ir.ExprCol { // a base column unchanged: gathered
			name := fd.Name
			if def != nil {
				name = def.Name
			}
			i := base.Schema.Lookup(name)
			if i < 0 || base.Schema.Fields[i].Type != fd.Type {
				return nil, false
			}
			plan.Outs = append(plan.Outs, SelectOut{Name: fd.Name, Type: fd.Type, Builder: -1, Col: name})
			continue
		}
		if fd.Nullable {
			return nil, false
		}
		v, err := f.expr(def)
		if err != nil || f.dtypes[v] != fd.Type {
			return nil, false
		}
		// the column's storage type: float32 values are held as float64
		st, ok := loopType(fd.Type)
		if !ok || fd.Type.IsDatetime() {
			return nil, false
		}
		v = f.cast(v, st)
		f.l.Builders = append(f.l.Builders, Builder{Kind: Append, Value: v, Type: st})
		plan.Outs = append(plan.Outs, SelectOut{Name: fd.Name, Type: fd.Type, Builder: len(f.l.Builders) - 1})
	}
	if f.l.Validate() != nil {
		return nil, false
	}
	cols := f.plan.Columns
	if cols == nil {
		cols = []string{}
	}
	return &Kernel{Loop: f.l, Kind: "select", Schema: top.Schema, Select: plan, Columns: cols}, true
}

// selectsOnly reports whether project n only selects (or renames) columns.
func selectsOnly(n *ir.Node) bool {
	for _, ne := range n.Attrs.NamedExprs("exprs") {
		if ne.Expr.Kind != ir.ExprCol {
			return false
		}
	}
	return true
}
