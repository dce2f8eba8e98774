package exec

import (
	"slices"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// TestNarrowAfter: after each reader of a frame has run, the frame keeps
// the columns its later readers use (index levels always); a later reader
// whose columns are not known keeps every column.
func TestNarrowAfter(t *testing.T) {
	f := &col.Frame{N: 1, Names: []string{"a", "b", "c", "d"}, Index: []*col.Column{col.NewInt64([]int64{7})}, IndexNames: []string{""}}
	for range f.Names {
		f.Cols = append(f.Cols, col.NewInt64([]int64{1}))
	}
	proj := func(cols ...string) *ir.Node {
		var exprs []ir.NamedExpr
		for _, c := range cols {
			exprs = append(exprs, ir.NamedExpr{Name: c, Expr: ir.Col(c)})
		}
		return &ir.Node{Op: "project", Inputs: []ir.NodeID{0}, Attrs: ir.Attrs{"exprs": exprs}}
	}
	group := &ir.Node{Op: "groupby_agg", Inputs: []ir.NodeID{0}, Attrs: ir.Attrs{"keys": []any{"b"},
		"aggs": []any{map[string]any{"name": "s", "col": "c", "fn": "sum"}}}}
	sort := &ir.Node{Op: "sort", Inputs: []ir.NodeID{0}, Attrs: ir.Attrs{"by": []any{"a"}}}
	for _, tc := range []struct {
		name    string
		readers []*ir.Node
		after   ir.NodeID // the reader (node id) that just ran
		want    []string  // nil: not narrowed
	}{
		{name: "a project, then a groupby", readers: []*ir.Node{proj("a", "d"), group}, after: 1, want: []string{"b", "c"}},
		{name: "a groupby, then a project", readers: []*ir.Node{group, proj("a")}, after: 1, want: []string{"a"}},
		{name: "two later readers: the union", readers: []*ir.Node{proj("d"), proj("a"), group}, after: 1, want: []string{"a", "b", "c"}},
		{name: "a later reader that needs every column", readers: []*ir.Node{proj("a"), proj("a", "b", "c", "d")}, after: 1},
		{name: "a later reader of unknown columns", readers: []*ir.Node{proj("a"), sort}, after: 1},
		{name: "an unknown reader that ran", readers: []*ir.Node{sort, proj("c")}, after: 1, want: []string{"c"}},
	} {
		g := &ir.Graph{Nodes: []*ir.Node{{Op: "source"}}}
		for _, r := range tc.readers {
			g.Add(r)
		}
		g.Outputs = []ir.NodeID{ir.NodeID(len(g.Nodes) - 1)}
		c := &Ctx{}
		nf, dropped := newColumnReaders(c, g).narrowAfter(0, tc.after, f)
		if tc.want == nil {
			if nf != nil {
				t.Errorf("%s: narrowed to %v", tc.name, nf.Names)
			}
			continue
		}
		if nf == nil || !slices.Equal(nf.Names, tc.want) || len(dropped) != len(f.Names)-len(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, nf, tc.want)
			continue
		}
		for i, name := range nf.Names {
			if nf.Cols[i] != f.Col(name) {
				t.Errorf("%s: column %s is not the frame's", tc.name, name)
			}
		}
		if len(nf.Index) != 1 || nf.Index[0] != f.Index[0] || nf.N != f.N {
			t.Errorf("%s: the index or the row count changed", tc.name)
		}
	}
}
