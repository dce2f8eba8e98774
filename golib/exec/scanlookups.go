package exec

// The scan-lookups stage (a stage of engine.Compile after the scan-codes
// stage; FLERN_DISABLE_PASSES=scan_lookups): a Parquet scan's int64,
// float64 or datetime column whose every reader takes a col.Lookup is read
// as its dictionary indices and values (parquetio/lookup.go) instead of
// one value per row. The stage lists those columns in the scan's `lookups`
// attribute (shown by explain()). The readers that take a lookup:
//
//   - a project passing the column on (renamed or not), or computing a
//     row-local function of it alone (lookupValueExpr: once per value; a
//     numeric result is a lookup again, whose readers are checked in turn);
//   - a groupby_agg without keys taking an int64 column's mean, var, std or
//     count (wholeAggs: from the codes);
//   - a row_split (its producers gather each chunk's rows);
//   - the left side of a join that passes the column on (the lookup join
//     keeps the left columns as they are);
//   - a dropna (dropnaLookups: a missing value is a NaN entry of a float's
//     values, its rows found by code; the kept rows' codes gathered), whose
//     readers are checked in turn;
//   - get_dummies' schema-only probe (python/flern/frame.py _pin_dummies)
//     of other columns: it reads no row of the column;
//   - a result the plan keeps for later plans (the result cache): their
//     readers get the same treatment at run time, a node that does not take
//     lookups getting them materialized once (col.Column.Materialize).
//
// A string column the scan numbers (its `codes`, scancodes.go) is a string
// lookup -- each row's value number and each number's string, never
// expanded row by row (parquetio.lookupStrings) -- when every reader takes
// that: a distinct of it (the numbers' strings), a join keyed by it alone
// (memojoin.go probes by number), and the pass-through readers above
// (stringLookupReaders).
//
// Any other reader (a filter, a fused loop, a plan output, ...) leaves the
// column read as values, so no reader pays for a gather the scan would
// have done anyway.

import (
	"slices"

	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// ScanLookupsName switches the stage off when listed in FLERN_DISABLE_PASSES.
const ScanLookupsName = "scan_lookups"

// LookupsAttr is the scan attribute the stage sets (parquetio.LookupsAttr,
// which the reader reads; the engine's tests check they agree).
const LookupsAttr = "lookups"

// ScanLookups marks the lookup columns of every scan_parquet (see the file
// comment); kept are the plan's result-cache outputs. It returns the number
// of scans marked.
func ScanLookups(g *ir.Graph, kept []ir.NodeID) int {
	users := g.Users()
	keptSet := map[ir.NodeID]bool{}
	for _, id := range kept {
		keptSet[id] = true
	}
	outs := map[ir.NodeID]bool{}
	for _, id := range g.Outputs {
		if !keptSet[id] {
			outs[id] = true
		}
	}
	marked := 0
	for _, n := range g.Nodes {
		if n.Op != "scan_parquet" || n.Schema == nil || n.Schema.Tensor != nil || n.Attrs[streamAttr] != nil {
			continue
		}
		var cols []string
		numbered := n.Attrs.Strings("codes")
		for _, f := range n.Schema.Fields {
			if (f.Type == ir.Int64 || f.Type == ir.Float64 || f.Type.IsDatetime()) &&
				lookupReaders(g, users, outs, n.ID, f.Name, f.Type, 0) {
				cols = append(cols, f.Name)
			}
			if f.Type == ir.String && slices.Contains(numbered, f.Name) && stringLookupReaders(g, users, outs, n.ID, f.Name, 0) {
				cols = append(cols, f.Name)
			}
		}
		if len(cols) == 0 {
			continue
		}
		setNames(n, LookupsAttr, cols)
		marked++
	}
	return marked
}

// lookupReaders reports whether every reader of column name (of type t) of
// node id's frame takes it as a col.Lookup (see the file comment).
func lookupReaders(g *ir.Graph, users [][]ir.NodeID, outs map[ir.NodeID]bool, id ir.NodeID, name string, t ir.DType, depth int) bool {
	if outs[id] || depth > 16 {
		return false
	}
	for _, u := range users[id] {
		un := g.Node(u)
		switch un.Op {
		case "project":
			if !projectTakes(g, users, outs, un, name, depth, func(to string) bool {
				return lookupReaders(g, users, outs, u, to, t, depth+1)
			}) {
				return false
			}
		case "groupby_agg":
			if len(un.Attrs.Strings("keys")) != 0 || t != ir.Int64 {
				return false
			}
			for i := range interp.GroupAggCount(un) {
				_, cname, fn := interp.GroupAggSpec(un, i)
				if cname == name && fn != "mean" && fn != "var" && fn != "std" && fn != "count" && fn != "size" {
					return false
				}
			}
		case "row_split":
		case "dropna", "get_dummies":
			if !lookupPassReaders(g, users, outs, un, name, t, depth) {
				return false
			}
		case "join":
			if len(un.Inputs) != 2 || un.Inputs[0] != id || un.Inputs[1] == id ||
				slices.Contains(un.Attrs.Strings("left_on"), name) || slices.Contains(un.Attrs.Strings("on"), name) {
				return false
			}
			if r := g.Node(un.Inputs[1]).Schema; r == nil || r.Lookup(name) >= 0 || un.Schema == nil || un.Schema.Lookup(name) < 0 {
				return false // a suffixed or a key column
			}
			if !lookupReaders(g, users, outs, u, name, t, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// projectTakes reports whether project un takes lookup column name: each
// expression reading it passes it on (passOn, with the output's name:
// its readers must take it too) or is a row-local function of it alone
// (evaluated once per value, lookupValueExpr; a numeric result is a lookup
// whose readers lookupReaders checks, another is gathered by code).
func projectTakes(g *ir.Graph, users [][]ir.NodeID, outs map[ir.NodeID]bool, un *ir.Node, name string, depth int, passOn func(to string) bool) bool {
	if len(un.Inputs) != 1 {
		return false
	}
	for _, ne := range un.Attrs.NamedExprs("exprs") {
		e := ne.Expr
		if e == nil || !readsCol(e, name) {
			continue
		}
		switch {
		case e.Kind == ir.ExprCol:
			if !passOn(ne.Name) {
				return false
			}
		case readsOnly(e, name) && rowLocal(e):
			if rt := e.Type; (rt == ir.Int64 || rt == ir.Float64 || rt.IsDatetime()) &&
				!lookupReaders(g, users, outs, un.ID, ne.Name, rt, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// readsCol reports whether e reads column name.
func readsCol(e *ir.Expr, name string) bool {
	cols := map[string]bool{}
	e.Columns(cols)
	return cols[name]
}

// stringLookupReaders reports whether every reader of string column name of
// node id's frame takes it as a string lookup: a distinct of it, a join
// keyed by it alone (the lookup join probes it by number; its general path
// materializes it), a join's left side, a dropna or a project passing it
// on, a project computing a row-local function of it alone (once per
// value; a numeric result's readers checked as lookupReaders does), a
// get_dummies encoding it (fuel's Origin), a row_split, a kept result.
func stringLookupReaders(g *ir.Graph, users [][]ir.NodeID, outs map[ir.NodeID]bool, id ir.NodeID, name string, depth int) bool {
	if outs[id] || depth > 16 {
		return false
	}
	for _, u := range users[id] {
		un := g.Node(u)
		switch un.Op {
		case "distinct":
			if un.Attrs.Str("column") != name {
				continue // another column's distinct: this one is not read
			}
		case "project":
			if !projectTakes(g, users, outs, un, name, depth, func(to string) bool {
				return stringLookupReaders(g, users, outs, u, to, depth+1)
			}) {
				return false
			}
		case "row_split":
		case "join":
			if len(un.Inputs) != 2 || un.Inputs[0] != id || un.Inputs[1] == id {
				return false
			}
			lon := un.Attrs.Strings("left_on")
			if slices.Contains(lon, name) && len(lon) != 1 {
				return false
			}
			if r := g.Node(un.Inputs[1]).Schema; r == nil || un.Schema == nil {
				return false
			} else if r.Lookup(name) >= 0 && !slices.Contains(lon, name) {
				return false // suffixed
			}
			if un.Schema.Lookup(name) >= 0 && !stringLookupReaders(g, users, outs, u, name, depth+1) {
				return false
			}
		case "dropna": // its codes gathered (dropna.go); its output's readers must take it too
			if !dropnaTakes(un) || !stringLookupReaders(g, users, outs, u, name, depth+1) {
				return false
			}
		case "get_dummies": // encoded: its categories and codes from the codes (lookupDummyCodes)
			if len(un.Inputs) != 1 {
				return false
			}
			encoded := un.Attrs["columns"] == nil || slices.Contains(un.Attrs.Strings("columns"), name)
			if !encoded && !un.Attrs.Bool("schema_only", false) && !stringLookupReaders(g, users, outs, u, name, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// lookupPassReaders is lookupReaders for the readers that pass column name
// on under its name (dropna: its output's readers must take it too) or do
// not read its rows (get_dummies' schema-only probe of other columns).
func lookupPassReaders(g *ir.Graph, users [][]ir.NodeID, outs map[ir.NodeID]bool, un *ir.Node, name string, t ir.DType, depth int) bool {
	if len(un.Inputs) != 1 {
		return false
	}
	switch un.Op {
	case "dropna":
		return dropnaTakes(un) && lookupReaders(g, users, outs, un.ID, name, t, depth+1)
	case "get_dummies":
		return un.Attrs.Bool("schema_only", false) && un.Attrs["columns"] != nil &&
			!slices.Contains(un.Attrs.Strings("columns"), name)
	}
	return false
}

// dropnaTakes reports whether dropna un's runtime takes lookups (dropna.go:
// one input, how "any" or "all").
func dropnaTakes(un *ir.Node) bool {
	h := un.Attrs.Str("how")
	return len(un.Inputs) == 1 && (h == "" || h == "any" || h == "all")
}
