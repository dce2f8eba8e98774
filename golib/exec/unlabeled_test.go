package exec_test

import (
	"context"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// TestUnlabeledGather: a row-gathering op whose labels no reader observes
// (exec.IndexUsed) gives its result a RangeIndex; what its readers compute
// equals the interpreter's, and an op whose labels are observed keeps them.
func TestUnlabeledGather(t *testing.T) {
	old := exec.IndexUsed
	defer func() { exec.IndexUsed = old }()
	f := aggFrame(rand.New(rand.NewSource(5)), 200_000)
	build := func(filterOut bool) *ir.Graph {
		g := &ir.Graph{}
		id := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": aggFields}, Loc: "t.py:1"})
		fid := g.Add(&ir.Node{Op: "filter", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"pred": ir.Call("lt", ir.Col("q"), ir.LitInt(30))}, Loc: "t.py:2"})
		sid := g.Add(&ir.Node{Op: "sort", Inputs: []ir.NodeID{fid}, Attrs: ir.Attrs{"by": []any{"p"}, "ascending": []any{true}, "na_position": "last"}, Loc: "t.py:3"})
		gid := g.Add(&ir.Node{Op: "groupby_agg", Inputs: []ir.NodeID{sid}, Attrs: ir.Attrs{"keys": []any{"k1"}, "sort": true, "as_index": false,
			"aggs": []any{map[string]any{"name": "s", "col": "p", "fn": "sum"}, map[string]any{"name": "n", "col": "", "fn": "size"}}}, Loc: "t.py:4"})
		g.Outputs = []ir.NodeID{gid}
		if filterOut {
			g.Outputs = append(g.Outputs, fid)
		}
		if err := g.Verify(); err != nil {
			t.Fatal(err)
		}
		return g
	}
	for _, tc := range []struct {
		name   string
		used   []bool // per node: source, filter, sort, groupby
		output bool   // the filter is an output too
	}{
		{name: "filter and sort unobserved", used: []bool{false, false, false, true}},
		{name: "filter unobserved, shown anyway (the stub says so)", used: []bool{false, false, false, true}, output: true},
		{name: "filter observed", used: []bool{false, true, false, true}, output: true},
	} {
		exec.IndexUsed = func(*ir.Graph) []bool { return tc.used }
		want, err := interp.RunAny(context.Background(), build(tc.output), []any{f})
		if err != nil {
			t.Fatal(err)
		}
		got, err := exec.RunAny(context.Background(), build(tc.output), []any{f}, exec.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d := sameFrame(want[0].(*col.Frame), got[0].(*col.Frame), 0); d != "" {
			t.Errorf("%s: the groupby differs: %s", tc.name, d)
		}
		if !tc.output {
			continue
		}
		fl := got[1].(*col.Frame)
		if unlabeled := fl.Index == nil; unlabeled == tc.used[1] {
			t.Errorf("%s: the filter's result has labels %v, its labels observed %v", tc.name, !unlabeled, tc.used[1])
		}
		if tc.used[1] {
			if d := sameFrame(want[1].(*col.Frame), fl, 0); d != "" {
				t.Errorf("%s: the filter differs: %s", tc.name, d)
			}
		}
	}
}
