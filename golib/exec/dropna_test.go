package exec

import (
	"fmt"
	"testing"

	"github.com/flern/flern/golib/ir"
)

// TestDropnaMatchesInterpreter: the parallel dropna keeps the interpreter's
// rows (how any/all, subsets, nulls and NaN, no droppable column, empty).
func TestDropnaMatchesInterpreter(t *testing.T) {
	smallMorsels(t)
	specs := []genSpec{
		{name: "i", typ: ir.Int64},
		{name: "f", typ: ir.Float64, nulls: true},
		{name: "s", typ: ir.String, nulls: true},
		{name: "n", typ: ir.Int64, nulls: true},
		{name: "g", typ: ir.Float64},
	}
	attrs := []ir.Attrs{
		{},
		{"how": "all"},
		{"subset": []any{"s"}},
		{"subset": []any{"f", "n"}, "how": "all"},
		{"subset": []any{"i"}},
		{"subset": []any{"i"}, "how": "all"},
		{"subset": []any{}},
		{"subset": []any{}, "how": "all"},
		{"subset": []any{"nope"}},
		{"how": "some"},
	}
	for _, rows := range []int{0, 1, 63, 500} {
		f := genFrame(uint64(rows), rows, specs...)
		for _, a := range attrs {
			label := fmt.Sprintf("rows=%d %v", rows, a)
			n := &ir.Node{Op: "dropna", Attrs: a.Clone(), Loc: "test.py:1", Inputs: []ir.NodeID{0}, Schema: frameSchemaOf(f)}
			got, want, gotErr, wantErr := runBoth(t, n, false, f)
			checkSame(t, label, got, want, gotErr, wantErr, 0)
		}
	}
}
