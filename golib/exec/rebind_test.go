package exec

import (
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestRebindState(t *testing.T) {
	region := &splitRegion{Nodes: []*ir.Node{{Op: "state", Attrs: ir.Attrs{"key": -2.0}}, {Op: "relu", Inputs: []ir.NodeID{0}}}}
	g := &ir.Graph{Nodes: []*ir.Node{
		{ID: 0, Op: "state", Attrs: ir.Attrs{"key": -1.0, "dtype": "float32"}},
		{ID: 1, Op: "relu", Inputs: []ir.NodeID{0}},
		{ID: 2, Op: "state_write", Inputs: []ir.NodeID{1}, Attrs: ir.Attrs{"key": -1.0}},
		{ID: 3, Op: "state", Attrs: ir.Attrs{"key": 7.0}}, // not in the map: kept
		{ID: 4, Op: "row_split", Attrs: ir.Attrs{"region": region}},
	}, Outputs: []ir.NodeID{2, 4}}
	out := RebindState(g, map[int64]int64{-1: 41, -2: 42})
	tests := []struct {
		id     int
		key    int64
		shared bool
	}{{0, 41, false}, {1, 0, true}, {2, 41, false}, {3, 7, true}}
	for _, tc := range tests {
		n := out.Nodes[tc.id]
		if (n == g.Nodes[tc.id]) != tc.shared {
			t.Errorf("node %d shared = %v, want %v", tc.id, n == g.Nodes[tc.id], tc.shared)
		}
		if tc.key != 0 && n.Attrs.Int("key", 0) != tc.key {
			t.Errorf("node %d key %d, want %d", tc.id, n.Attrs.Int("key", 0), tc.key)
		}
	}
	if out.Nodes[0].Attrs.Str("dtype") != "float32" {
		t.Errorf("other attributes lost: %v", out.Nodes[0].Attrs)
	}
	if g.Nodes[0].Attrs.Int("key", 0) != -1 || g.Nodes[2].Attrs.Int("key", 0) != -1 || region.Nodes[0].Attrs.Int("key", 0) != -2 {
		t.Errorf("the original graph changed")
	}
	r2 := out.Nodes[4].Attrs["region"].(*splitRegion)
	if r2 == region || r2.Nodes[0].Attrs.Int("key", 0) != 42 || r2.Nodes[1] != region.Nodes[1] {
		t.Errorf("row_split region not rebound: %+v", r2.Nodes[0].Attrs)
	}
}
