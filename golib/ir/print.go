package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// Print renders the graph canonically, one node per line, inputs first:
//
//	%0 = scan_csv(path="cars.csv", columns=["mpg", "origin"])  :: mpg:float64, origin:str
//	%1 = filter(%0, pred=gt(col("mpg"), 20))
//
// Two graphs that print the same are the same plan; pass tests compare prints.
func (g *Graph) Print() string {
	var b strings.Builder
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "%%%d = %s(", n.ID, n.Op)
		first := true
		sep := func() {
			if !first {
				b.WriteString(", ")
			}
			first = false
		}
		for _, in := range n.Inputs {
			sep()
			fmt.Fprintf(&b, "%%%d", in)
		}
		for _, k := range sortedKeys(n.Attrs) {
			if n.Op == "source" && (k == "fields" || k == "index") && n.Schema != nil {
				continue // shown as the schema after "::"
			}
			sep()
			b.WriteString(k)
			b.WriteString("=")
			b.WriteString(fmtAttr(n.Attrs[k]))
		}
		b.WriteString(")")
		if n.Schema != nil && !n.Schema.Dynamic {
			b.WriteString("  :: ")
			b.WriteString(n.Schema.String())
		}
		b.WriteString("\n")
	}
	outs := make([]string, len(g.Outputs))
	for i, o := range g.Outputs {
		outs[i] = fmt.Sprintf("%%%d", o)
	}
	fmt.Fprintf(&b, "return %s\n", strings.Join(outs, ", "))
	return b.String()
}

func fmtAttr(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case *Expr:
		return x.String()
	case []NamedExpr:
		parts := make([]string, len(x))
		for i, ne := range x {
			if ne.Expr.Kind == ExprCol && ne.Expr.Name == ne.Name {
				parts[i] = strconv.Quote(ne.Name)
			} else {
				parts[i] = strconv.Quote(ne.Name) + ": " + ne.Expr.String()
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = fmtAttr(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ": " + fmtAttr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

// String renders a schema as "a:int64, b:str" (index levels first, marked).
func (s *Schema) String() string {
	if s.Tensor != nil {
		return s.Tensor.String()
	}
	var parts []string
	for _, f := range s.Index {
		name := f.Name
		if name == "" {
			name = "<index>"
		}
		parts = append(parts, "["+name+"]:"+f.Type.String())
	}
	for _, f := range s.Fields {
		parts = append(parts, f.Name+":"+f.Type.String())
	}
	return strings.Join(parts, ", ")
}
