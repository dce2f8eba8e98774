package exec_test

import (
	"slices"
	"testing"

	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/ir"
)

// TestScanDropna: the stage moves a dropna into its scan exactly when the
// dropna reads the scan's columns through projects of plain columns that
// nothing else reads: the scan gets the subset under its own names, the
// how and the dropna's index; the projects pass the index on; the dropna
// becomes a project passing its columns on. Anything else is left as it
// is.
func TestScanDropna(t *testing.T) {
	col := func(name string, typ ir.DType) *ir.Expr {
		e := ir.Col(name)
		e.Type = typ
		return e
	}
	fields := []ir.Field{{Name: "a", Type: ir.Float64, Nullable: true}, {Name: "b", Type: ir.Int64}, {Name: "s", Type: ir.String, Nullable: true}}
	// build: 0 scan, 1 project (a->x, b, s), 2 dropna(subset), 3 an extra reader of `extra` (-1: none)
	build := func(subset []string, how string, proj []ir.NamedExpr, extra ir.NodeID, outputs []ir.NodeID, scanAttrs ir.Attrs) *ir.Graph {
		g := &ir.Graph{}
		sa := ir.Attrs{"path": "x.parquet"}
		for k, v := range scanAttrs {
			sa[k] = v
		}
		g.Add(&ir.Node{Op: "scan_parquet", Attrs: sa, Schema: &ir.Schema{Fields: slices.Clone(fields)}})
		var pf []ir.Field
		for _, ne := range proj {
			src := ne.Name // a computed column: typed as the scan's of its name
			if ne.Expr.Kind == ir.ExprCol {
				src = ne.Expr.Name
			}
			f := fields[slices.IndexFunc(fields, func(f ir.Field) bool { return f.Name == src })]
			f.Name = ne.Name
			pf = append(pf, f)
		}
		g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{0}, Attrs: ir.Attrs{"exprs": proj}, Schema: &ir.Schema{Fields: pf}})
		da := ir.Attrs{"how": how}
		if subset != nil {
			list := []any{}
			for _, s := range subset {
				list = append(list, s)
			}
			da["subset"] = list
		}
		ds := &ir.Schema{Fields: slices.Clone(pf), Index: []ir.Field{{Name: "", Type: ir.Int64}}}
		for i, f := range ds.Fields {
			if subset == nil || how == "any" && slices.Contains(subset, f.Name) {
				ds.Fields[i].Nullable = false
			}
		}
		g.Add(&ir.Node{Op: "dropna", Inputs: []ir.NodeID{1}, Attrs: da, Schema: ds})
		if extra >= 0 {
			g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{extra}, Attrs: ir.Attrs{"exprs": []ir.NamedExpr{{Name: "b", Expr: col("b", ir.Int64)}}},
				Schema: &ir.Schema{Fields: []ir.Field{{Name: "b", Type: ir.Int64}}}})
		}
		g.Outputs = outputs
		return g
	}
	plain := []ir.NamedExpr{{Name: "x", Expr: col("a", ir.Float64)}, {Name: "b", Expr: col("b", ir.Int64)}, {Name: "s", Expr: col("s", ir.String)}}
	computed := append(slices.Clone(plain[:2]), ir.NamedExpr{Name: "s", Expr: ir.Call("str_upper", col("s", ir.String))})
	computed[2].Expr.Type = ir.String
	cases := []struct {
		name    string
		g       *ir.Graph
		subset  []any  // the scan's dropna attribute (nil: not moved)
		how     string // its dropna_how
		notNull []string
	}{
		{"subset renamed", build([]string{"x"}, "any", plain, -1, []ir.NodeID{2}, nil), []any{"a"}, "any", []string{"a"}},
		{"every column, how all", build(nil, "all", plain, -1, []ir.NodeID{2}, nil), []any{"a", "b", "s"}, "all", []string{"a", "b", "s"}},
		{"kept dropna (an output)", build([]string{"x", "s"}, "any", plain, -1, []ir.NodeID{2}, nil), []any{"a", "s"}, "any", []string{"a", "s"}},
		{"a computed column", build([]string{"x"}, "any", computed, -1, []ir.NodeID{2}, nil), nil, "", nil},
		{"the scan read elsewhere", build([]string{"x"}, "any", plain, 0, []ir.NodeID{2, 3}, nil), nil, "", nil},
		{"the project read elsewhere", build([]string{"x"}, "any", plain, 1, []ir.NodeID{2, 3}, nil), nil, "", nil},
		{"the project an output", build([]string{"x"}, "any", plain, -1, []ir.NodeID{1, 2}, nil), nil, "", nil},
		{"a streamed scan", build([]string{"x"}, "any", plain, -1, []ir.NodeID{2}, ir.Attrs{"stream": true}), nil, "", nil},
		{"an empty subset", build([]string{}, "all", plain, -1, []ir.NodeID{2}, nil), nil, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			moved := exec.ScanDropna(tc.g)
			scan, d := tc.g.Node(0), tc.g.Node(2)
			if tc.subset == nil {
				if moved != 0 || d.Op != "dropna" || scan.Attrs[exec.DropnaAttr] != nil || len(scan.Schema.Index) != 0 {
					t.Fatalf("moved %d, dropna now %s, scan attrs %v", moved, d.Op, scan.Attrs)
				}
				return
			}
			if moved != 1 || d.Op != "project" || !plainExprs(d) || len(d.Attrs.NamedExprs("exprs")) != len(d.Schema.Fields) {
				t.Fatalf("moved %d, dropna now %s %v", moved, d.Op, d.Attrs)
			}
			if got := scan.Attrs.Strings(exec.DropnaAttr); !slices.Equal(anyStrings(tc.subset), got) || scan.Attrs.Str(exec.DropnaHowAttr) != tc.how {
				t.Fatalf("scan dropna %v %q, want %v %q", got, scan.Attrs.Str(exec.DropnaHowAttr), tc.subset, tc.how)
			}
			for _, n := range []*ir.Node{scan, tc.g.Node(1)} {
				if len(n.Schema.Index) != 1 || n.Schema.Index[0].Type != ir.Int64 {
					t.Fatalf("%s index %v, want the dropna's", n.Op, n.Schema.Index)
				}
			}
			for i, f := range scan.Schema.Fields {
				if f.Nullable != (fields[i].Nullable && !slices.Contains(tc.notNull, f.Name)) {
					t.Fatalf("scan field %s nullable %v", f.Name, f.Nullable)
				}
			}
		})
	}
}

func plainExprs(n *ir.Node) bool {
	for _, ne := range n.Attrs.NamedExprs("exprs") {
		if ne.Expr.Kind != ir.ExprCol || ne.Expr.Name != ne.Name {
			return false
		}
	}
	return true
}

func anyStrings(v []any) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = x.(string)
	}
	return out
}
