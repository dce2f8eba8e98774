// Package pushdown is the optimizer's projection-pushdown pass: every CSV,
// Parquet and Arrow IPC scan is told to produce only the columns the rest of
// the plan reads.
//
// It uses the column-needs analysis of package dce on the plan as it stands
// (after dead-column elimination when that pass is on) and sets scan_csv's
// (scan_parquet's, scan_ipc's) "columns" attribute to the needed columns, in the scan's current (file)
// order, when that is a strict subset. A scan none of whose columns is read
// (only its length is used) gets an empty list. In-memory inputs (source)
// are already materialized and are left alone.
//
// A project that, once its scan is narrowed, only restates the scan's
// columns in order is bypassed: the scan has absorbed it.
//
// Errors in columns no longer read are not lost: the scan's schema inference
// (frame.SniffCSV, csvio.Sniff) classifies every column of the file, and
// that is where dtype= and parse_dates failures are reported.
package pushdown

import (
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// scans are the file scans that read only the columns in their "columns"
// attribute.
var scans = map[string]bool{"scan_csv": true, "scan_parquet": true, "scan_ipc": true}

// Run rewrites g in place and reports whether it changed anything. Schemas
// must be inferred; the optimizer re-infers after.
func Run(g *ir.Graph) (bool, error) {
	needs := dce.Needs(g)
	changed := false
	for _, n := range g.Nodes {
		need := needs[n.ID]
		if !scans[n.Op] || !need.Live || need.All || n.Schema == nil || n.Schema.Dynamic {
			continue
		}
		cols := make([]any, 0, len(n.Schema.Fields))
		for _, f := range n.Schema.Fields {
			if need.Has(f.Name) {
				cols = append(cols, f.Name)
			}
		}
		if len(cols) == len(n.Schema.Fields) {
			continue
		}
		if n.Attrs == nil {
			n.Attrs = ir.Attrs{}
		}
		n.Attrs["columns"] = cols
		changed = true
		bypassRestatements(g, n.ID, cols)
	}
	return changed, nil
}

// bypassRestatements makes the readers of every project over scan whose
// expressions are exactly the plain columns cols, in order, read the scan
// itself. Such a project has the narrowed scan's schema (names, types and
// index) and computes nothing, so it cannot raise.
func bypassRestatements(g *ir.Graph, scan ir.NodeID, cols []any) {
	for _, p := range g.Nodes {
		if p.Op != "project" || p.Inputs[0] != scan {
			continue
		}
		exprs := p.Attrs.NamedExprs("exprs")
		if len(exprs) != len(cols) {
			continue
		}
		same := true
		for i, ne := range exprs {
			if ne.Expr == nil || ne.Expr.Kind != ir.ExprCol || ne.Name != cols[i] || ne.Expr.Name != cols[i] {
				same = false
				break
			}
		}
		if !same {
			continue
		}
		for _, u := range g.Nodes {
			for i, in := range u.Inputs {
				if in == p.ID {
					u.Inputs[i] = scan
				}
			}
		}
		for i, o := range g.Outputs {
			if o == p.ID {
				g.Outputs[i] = scan
			}
		}
	}
}
