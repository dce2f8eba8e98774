package exec

// The scan-codes stage (a stage of engine.Compile after the stream stage;
// FLERN_DISABLE_PASSES=scan_codes): a Parquet scan's string column whose
// values the plan will number (colcodes.go: a distinct of it, get_dummies or
// category_code over it, a merge probing it by it, a project computing a
// row-local function of it alone, evaluated once per number: rowwise.go's
// memoValueExpr) or that a later plan
// will read from the result cache (a kept output: the flights ETL's unique()
// calls and merges read the kept scan) gets its value numbers from the
// file's dictionary indices as it is read (parquetio/codes.go) instead of
// by hashing every row's string afterwards. The stage lists those columns in
// the scan's `codes` attribute (shown by explain()). It follows a column
// through projects that pass it on unchanged (renamed or not) and dropna
// (whose gather carries the kept rows' numbers, colcodes.go's gatherCodes);
// any other op makes new columns, whose numbers the scan's would not serve.

import (
	"slices"
	"sort"

	"github.com/flern/flern/golib/ir"
)

// ScanCodesName switches the stage off when listed in FLERN_DISABLE_PASSES.
const ScanCodesName = "scan_codes"

// ScanCodes marks the numbered string columns of every scan_parquet (see the
// file comment); kept are the plan's result-cache outputs. It returns the
// number of scans marked.
func ScanCodes(g *ir.Graph, kept []ir.NodeID) int {
	users := g.Users()
	keptSet := map[ir.NodeID]bool{}
	for _, id := range kept {
		keptSet[id] = true
	}
	marked := 0
	for _, n := range g.Nodes {
		if n.Op != "scan_parquet" || n.Schema == nil || n.Schema.Tensor != nil {
			continue
		}
		var cols []string
		for _, f := range n.Schema.Fields {
			if f.Type == ir.String && numbered(g, users, keptSet, n.ID, f.Name, 0) {
				cols = append(cols, f.Name)
			}
		}
		if len(cols) == 0 {
			continue
		}
		setNames(n, "codes", cols)
		marked++
	}
	return marked
}

// numbered reports whether column name of node id's frame reaches a
// consumer of value numbers (through projects passing it on and dropna).
func numbered(g *ir.Graph, users [][]ir.NodeID, kept map[ir.NodeID]bool, id ir.NodeID, name string, depth int) bool {
	if kept[id] {
		return true
	}
	if depth > 16 {
		return false
	}
	for _, u := range users[id] {
		un := g.Node(u)
		switch un.Op {
		case "distinct":
			if un.Attrs.Str("column") == name {
				return true
			}
		case "get_dummies":
			if un.Attrs["columns"] == nil || slices.Contains(un.Attrs.Strings("columns"), name) {
				return true
			}
		case "join":
			if len(un.Inputs) == 2 && (un.Inputs[0] == id && slices.Contains(un.Attrs.Strings("left_on"), name) ||
				un.Inputs[1] == id && slices.Contains(un.Attrs.Strings("right_on"), name)) {
				return true
			}
		case "dropna":
			// its gather renumbers the kept rows' codes (gatherCodes)
			if len(un.Inputs) > 0 && un.Inputs[0] == id && numbered(g, users, kept, u, name, depth+1) {
				return true
			}
		case "project":
			if len(un.Inputs) == 0 || un.Inputs[0] != id {
				continue
			}
			for _, ne := range un.Attrs.NamedExprs("exprs") {
				e := ne.Expr
				if e.Kind == ir.ExprCall && readsOnly(e, name) && rowLocal(e) {
					return true // category_code, str_slice(...), ...: once per value (memoValueExpr)
				}
				if e.Kind == ir.ExprCol && e.Name == name && numbered(g, users, kept, u, ne.Name, depth+1) {
					return true
				}
			}
		}
	}
	return false
}

// setNames sets n's attribute key to the column names cols, sorted (on a
// copy of its attributes: a compiled plan's nodes may share them).
func setNames(n *ir.Node, key string, cols []string) {
	sort.Strings(cols)
	attrs := n.Attrs.Clone()
	list := make([]any, len(cols))
	for i, c := range cols {
		list[i] = c
	}
	attrs[key] = list
	n.Attrs = attrs
}

// readsOnly reports whether e reads column name and no other.
func readsOnly(e *ir.Expr, name string) bool {
	cols := map[string]bool{}
	e.Columns(cols)
	return len(cols) == 1 && cols[name]
}
