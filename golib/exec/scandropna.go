package exec

// The scan-dropna stage (a stage of engine.Compile after the scan-derive
// stage, before scan codes and lookups; FLERN_DISABLE_PASSES=scan_dropna):
// a dropna whose frame is a scan_parquet's columns passed on by projects
// of plain columns (renamed or not; scan-derived columns are the scan's
// own; a computed column would be computed for the kept rows only, and an
// error on a dropped row lost) is done by the scan: the scan gets the dropna's columns under its own names (`dropna`,
// shown by explain()) and its how (`dropna_how`), and the index the dropna
// gives; the dropna becomes a project passing its input on. The reader
// drops the rows from the columns it has just decoded, compacting them in
// place (parquetio/dropna.go), instead of a dropna gathering the kept rows
// of every column into new ones: fuel (c)'s million rows of eight columns
// are not written a second time. The scan and the projects between must
// have no other reader and be no output (a kept frame included: it would
// need the dropped rows). The reference path does not run the stage.

import (
	"slices"

	"github.com/flern/flern/golib/ir"
)

// ScanDropnaName switches the stage off when listed in FLERN_DISABLE_PASSES.
const ScanDropnaName = "scan_dropna"

// DropnaAttr and DropnaHowAttr are the scan attributes the stage sets
// (DropnaAttr and DropnaHowAttr, which the reader reads; the
// engine's tests check they agree).
const (
	DropnaAttr    = "dropna"
	DropnaHowAttr = "dropna_how"
)

// ScanDropna moves each such dropna into its scan (see the file comment);
// it returns the number moved.
func ScanDropna(g *ir.Graph) int {
	users := g.Users()
	outs := g.OutputSet()
	moved := 0
	for _, d := range g.Nodes {
		if d.Op != "dropna" || len(d.Inputs) != 1 || d.Schema == nil || d.Schema.IsTensor() {
			continue
		}
		how := d.Attrs.Str("how")
		if how == "" {
			how = "any"
		}
		if how != "any" && how != "all" {
			continue
		}
		in := g.Node(d.Inputs[0])
		if in.Schema == nil {
			continue
		}
		subset := d.Attrs.Strings("subset")
		if d.Attrs["subset"] == nil {
			subset = nil
			for _, f := range in.Schema.Fields {
				subset = append(subset, f.Name)
			}
		}
		if len(subset) == 0 {
			continue
		}
		// down the projects to the scan, the subset's names renamed to each
		// node's input's
		names := slices.Clone(subset)
		var chain []*ir.Node // the projects, top first
		cur, reader := in, d.ID
		ok := true
		for ok && cur.Op == "project" {
			if len(cur.Inputs) != 1 || outs[cur.ID] || !onlyReader(users, cur.ID, reader) {
				ok = false
				break
			}
			exprs := cur.Attrs.NamedExprs("exprs")
			if !plainProject(cur) || !readsFields(cur, g.Node(cur.Inputs[0])) { // a computed column would see only the kept rows
				ok = false
				break
			}
			for i, name := range names {
				k := slices.IndexFunc(exprs, func(ne ir.NamedExpr) bool { return ne.Name == name })
				if k < 0 || exprs[k].Expr == nil || exprs[k].Expr.Kind != ir.ExprCol {
					ok = false
					break
				}
				names[i] = exprs[k].Expr.Name
			}
			chain = append(chain, cur)
			cur, reader = g.Node(cur.Inputs[0]), cur.ID
		}
		s := cur
		if !ok || s.Op != "scan_parquet" || len(s.Inputs) != 0 || s.Schema == nil || s.Schema.IsTensor() ||
			outs[s.ID] || !onlyReader(users, s.ID, reader) || s.Attrs[streamAttr] != nil || s.Attrs[DropnaAttr] != nil {
			continue
		}
		for _, name := range names {
			if s.Schema.Lookup(name) < 0 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		// the dropna's schema: its index, and the subset's fields not nullable
		// where the dropna's are not
		index := d.Schema.Index
		notNull := map[string]bool{} // the scan's names
		for i, name := range subset {
			if k := d.Schema.Lookup(name); k >= 0 && !d.Schema.Fields[k].Nullable {
				notNull[names[i]] = true
			}
		}
		setSchema := func(n *ir.Node, notNull map[string]bool) {
			sc := n.Schema.Clone()
			sc.Index = slices.Clone(index)
			for i, f := range sc.Fields {
				if notNull[f.Name] {
					sc.Fields[i].Nullable = false
				}
			}
			n.Schema = sc
		}
		setSchema(s, notNull)
		for i := len(chain) - 1; i >= 0; i-- {
			p := chain[i]
			up := map[string]bool{} // the project's output names of the not-null columns
			for _, ne := range p.Attrs.NamedExprs("exprs") {
				if ne.Expr != nil && ne.Expr.Kind == ir.ExprCol && notNull[ne.Expr.Name] {
					up[ne.Name] = true
				}
			}
			setSchema(p, up)
			notNull = up
		}
		slices.Sort(names)
		setNames(s, DropnaAttr, slices.Compact(names))
		sa := s.Attrs.Clone()
		sa[DropnaHowAttr] = how
		s.Attrs = sa
		// the dropna passes its input on
		var exprs []ir.NamedExpr
		for _, f := range d.Schema.Fields {
			c := ir.Col(f.Name)
			c.Type = f.Type
			exprs = append(exprs, ir.NamedExpr{Name: f.Name, Expr: c})
		}
		d.Op, d.Attrs = "project", ir.Attrs{"exprs": exprs}
		moved++
	}
	return moved
}

// readsFields reports whether project p's columns are all columns of in's
// frame (not index levels).
func readsFields(p, in *ir.Node) bool {
	if in.Schema == nil {
		return false
	}
	for _, ne := range p.Attrs.NamedExprs("exprs") {
		if in.Schema.Lookup(ne.Expr.Name) < 0 {
			return false
		}
	}
	return true
}

// onlyReader reports whether reader is node id's one reader.
func onlyReader(users [][]ir.NodeID, id, reader ir.NodeID) bool {
	return len(users[id]) == 1 && users[id][0] == reader
}
