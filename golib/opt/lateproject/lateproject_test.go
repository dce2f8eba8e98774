package lateproject_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	_ "github.com/flern/flern/golib/frame" // frame op schemas, expression typing
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/lateproject"
)

type gb struct{ g *ir.Graph }

func (b *gb) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}

func field(name, typ string, nullable bool) map[string]any {
	return map[string]any{"name": name, "type": typ, "nullable": nullable}
}

func inputs() []any {
	valid := col.NewBitmap(6, true)
	col.SetBit(valid, 4, false)
	x := &col.Frame{N: 6, Names: []string{"o", "d", "dist", "delay"}, Cols: []*col.Column{
		col.NewStrings([]string{"SFO", "JFK", "é", "SFO", "", "XXX"}, valid),
		col.NewStrings([]string{"JFK", "SFO", "SFO", "é", "é", "JFK"}, nil),
		col.NewInt64([]int64{100, 2500, 731, 0, 9, 1200}),
		col.NewInt64([]int64{-3, 16, 15, 90, 0, 40}),
	}}
	codes := &col.Frame{N: 3, Names: []string{"airport", "code", "dist"}, Cols: []*col.Column{
		col.NewStrings([]string{"SFO", "JFK", "é"}, nil),
		col.NewInt64([]int64{0, 1, 2}),
		col.NewInt64([]int64{7, 8, 9}),
	}}
	return []any{x, codes}
}

// graph is the flights ETL's shape: features computed, then merged with a
// codes table on o (and on d when twice); rightDist keeps the codes table's
// dist column (the feature reading dist then stays below the merge).
func graph(how string, twice, rightDist, raising bool) *ir.Graph {
	b := &gb{g: &ir.Graph{}}
	x := b.add("source", ir.Attrs{"input": 0.0, "fields": []any{field("o", "str", true), field("d", "str", false),
		field("dist", "int64", false), field("delay", "int64", false)}})
	codes := b.add("source", ir.Attrs{"input": 1.0, "fields": []any{field("airport", "str", false),
		field("code", "int64", false), field("dist", "int64", false)}})
	dz := ir.Call("truediv", ir.Call("sub", ir.Col("dist"), ir.LitFloat(731.5)), ir.LitFloat(574.25))
	if raising {
		dz = ir.Call("floordiv", ir.Col("dist"), ir.Call("add", ir.Col("delay"), ir.LitInt(100))) // may divide by zero: stays
	}
	feats := b.add("project", ir.Attrs{"exprs": []ir.NamedExpr{
		{Name: "o", Expr: ir.Col("o")}, {Name: "d", Expr: ir.Col("d")},
		{Name: "dz", Expr: dz},
		{Name: "late", Expr: &ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{ir.Call("gt", ir.Col("delay"), ir.LitInt(15))}, Opts: map[string]any{"dtype": "float32"}}},
	}}, x)
	right := []ir.NamedExpr{{Name: "o", Expr: ir.Col("airport")}, {Name: "oc", Expr: ir.Col("code")}}
	if rightDist {
		right = append(right, ir.NamedExpr{Name: "dist", Expr: ir.Col("dist")})
	}
	j := b.add("join", ir.Attrs{"how": how, "left_on": []any{"o"}, "right_on": []any{"o"}, "suffixes": []any{"_x", "_y"}},
		feats, b.add("project", ir.Attrs{"exprs": right}, codes))
	out := j
	if twice {
		sel := b.add("project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "d", Expr: ir.Col("d")}, {Name: "dz", Expr: ir.Col("dz")},
			{Name: "late", Expr: ir.Col("late")}, {Name: "oc", Expr: ir.Col("oc")}}}, j)
		out = b.add("join", ir.Attrs{"how": "inner", "left_on": []any{"d"}, "right_on": []any{"d"}, "suffixes": []any{"_x", "_y"}},
			sel, b.add("project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "d", Expr: ir.Col("airport")}, {Name: "dc", Expr: ir.Col("code")}}}, codes))
	}
	b.g.Outputs = []ir.NodeID{out}
	return b.g
}

// TestLateProject: the plan after the pass (how many joins each feature
// moved above) and then its results, equal to the recorded plan's.
func TestLateProject(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		how                       string
		twice, rightDist, raising bool
		late                      int // late projects in the plan
		dzAbove                   bool
	}{
		{"one merge", "left", false, false, false, 1, true},
		{"one inner merge", "inner", false, false, false, 1, true},
		{"two merges (a selection between)", "left", true, false, false, 1, true},
		{"right side has a column the feature reads", "left", false, true, false, 1, false},
		{"a feature that may raise", "left", false, false, true, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := graph(tc.how, tc.twice, tc.rightDist, tc.raising)
			if err := g.Infer(); err != nil {
				t.Fatal(err)
			}
			want, err := interp.RunAny(context.Background(), g, inputs())
			if err != nil {
				t.Fatal(err)
			}
			changed, err := lateproject.Run(g)
			if err != nil {
				t.Fatal(err)
			}
			g.Compact()
			plan := g.Print()
			if n := strings.Count(plan, "late=true"); n != tc.late || changed != (tc.late > 0) {
				t.Fatalf("%d late projects (changed %v), want %d:\n%s", n, changed, tc.late, plan)
			}
			// the output node computes dz when it moved above every merge
			lines := strings.Split(strings.TrimSpace(plan), "\n")
			last := lines[len(lines)-2]
			if strings.Contains(last, `"dz": `) != tc.dzAbove {
				t.Fatalf("dz above the merges %v, want %v:\n%s", !tc.dzAbove, tc.dzAbove, plan)
			}
			got, err := interp.RunAny(context.Background(), g, inputs())
			if err != nil {
				t.Fatal(err)
			}
			w, gf := want[0].(*col.Frame), got[0].(*col.Frame)
			if render(w) != render(gf) {
				t.Fatalf("results differ:\n got %s\nwant %s", render(gf), render(w))
			}
		})
	}
}

func render(f *col.Frame) string {
	var b strings.Builder
	for i, c := range f.Cols {
		fmt.Fprintf(&b, "%s:", f.Names[i])
		for r := 0; r < f.N; r++ {
			switch {
			case !c.IsValid(r):
				b.WriteString(" null")
			case c.Type == ir.String:
				fmt.Fprintf(&b, " %q", c.Str(r))
			case c.Type.IsFloat():
				fmt.Fprintf(&b, " %v", c.F64[r])
			default:
				fmt.Fprintf(&b, " %v", c.I64[r])
			}
		}
		b.WriteString("; ")
	}
	return b.String()
}
