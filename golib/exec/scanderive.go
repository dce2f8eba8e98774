package exec

// The scan-derive stage (a stage of engine.Compile after the stream stage,
// before scan codes; FLERN_DISABLE_PASSES=scan_derive): a string column of
// a `scan_parquet` whose only reader is a project that reads the column
// only inside row-local calls of it alone with int64, float64 or bool
// results (the fuel workload's `Year.str.slice(0, 4).astype("int64") -
// 1900`) is not read as strings: the scan computes those calls itself
// (its `derive` attribute, shown by explain(): the expressions and their
// output columns, which replace the string column in the scan's schema; the
// project reads the outputs as plain columns). The reader evaluates each
// call once per dictionary entry and gives each row its entry's value
// (parquetio/derive.go), so a date string column of a million rows is never
// expanded; plain pages, a failing entry and null results fall back to
// reading the strings and evaluating the call over them, as the project
// would (its errors reported at the project). The reference path does not
// run the stage.

import (
	"fmt"

	"github.com/flern/flern/golib/ir"
)

// ScanDeriveName switches the stage off when listed in
// FLERN_DISABLE_PASSES.
const ScanDeriveName = "scan_derive"

// ScanDerive moves such calls into their scans (see the file comment); it
// returns the number of scans changed. Outputs (and result-cache keeps)
// are never changed: their frames must keep the string column.
func ScanDerive(g *ir.Graph) int {
	users := g.Users()
	outs := map[ir.NodeID]bool{}
	for _, id := range g.Outputs {
		outs[id] = true
	}
	changed := 0
	for _, s := range g.Nodes {
		if s.Op != "scan_parquet" || s.Schema == nil || s.Schema.Tensor != nil || len(s.Inputs) != 0 ||
			outs[s.ID] || len(users[s.ID]) != 1 || s.Attrs["derive"] != nil {
			continue
		}
		p := g.Node(users[s.ID][0])
		if p.Op != "project" || len(p.Inputs) != 1 || p.Inputs[0] != s.ID || p.Schema == nil {
			continue
		}
		exprs := p.Attrs.NamedExprs("exprs")
		var derive []ir.NamedExpr
		var newExprs []ir.NamedExpr
		var fields []ir.Field
		for _, f := range s.Schema.Fields {
			if f.Type != ir.String || !derivable(exprs, f.Name) {
				fields = append(fields, f)
				continue
			}
			if newExprs == nil {
				newExprs = append([]ir.NamedExpr(nil), exprs...)
			}
			for i, ne := range exprs {
				if !readsOnly(ne.Expr, f.Name) {
					continue
				}
				name := fmt.Sprintf("__derived_%d__", len(derive))
				for s.Schema.Lookup(name) >= 0 || p.Schema.Lookup(name) >= 0 {
					name = "_" + name
				}
				derive = append(derive, ir.NamedExpr{Name: name, Expr: ne.Expr.Clone()})
				nullable := ne.Expr.Type.IsFloat()
				if k := p.Schema.Lookup(ne.Name); k >= 0 {
					nullable = p.Schema.Fields[k].Nullable
				}
				fields = append(fields, ir.Field{Name: name, Type: ne.Expr.Type, Nullable: nullable})
				c := ir.Col(name)
				c.Type = ne.Expr.Type
				newExprs[i] = ir.NamedExpr{Name: ne.Name, Expr: c}
			}
		}
		if derive == nil {
			continue
		}
		sa := s.Attrs.Clone()
		sa["derive"] = derive
		sa["derive_loc"] = p.Loc
		s.Attrs = sa
		schema := *s.Schema
		schema.Fields = fields
		s.Schema = &schema
		pa := p.Attrs.Clone()
		pa["exprs"] = newExprs
		p.Attrs = pa
		changed++
	}
	return changed
}

// derivable reports whether the project's expressions read column name
// only in calls of it alone that the scan can compute (row-local, int64,
// float64 or bool results), at least one.
func derivable(exprs []ir.NamedExpr, name string) bool {
	found := false
	for _, ne := range exprs {
		cols := map[string]bool{}
		ne.Expr.Columns(cols)
		if !cols[name] {
			continue
		}
		e := ne.Expr
		if len(cols) != 1 || e.Kind != ir.ExprCall || !rowLocal(e) ||
			(e.Type != ir.Int64 && e.Type != ir.Float64 && e.Type != ir.Bool) {
			return false
		}
		found = true
	}
	return found
}
