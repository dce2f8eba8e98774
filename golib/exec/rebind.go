package exec

import "github.com/flern/flern/golib/ir"

// RebindState returns a copy of g whose state and state_write nodes read and
// write keys[k] instead of key k (keys not in the map stay). The nodes
// without a key are shared with g (a compiled graph is not changed by
// running it); row_split regions are copied the same way. This lets a
// compiled plan serve another set of parameters and optimizer state of the
// same shapes: the plan cache keys a training step by its structure, with
// its state keys as slots (engine.Program.Rebind).
func RebindState(g *ir.Graph, keys map[int64]int64) *ir.Graph {
	out := &ir.Graph{Nodes: make([]*ir.Node, len(g.Nodes)), Outputs: append([]ir.NodeID(nil), g.Outputs...)}
	for i, n := range g.Nodes {
		out.Nodes[i] = rebindNode(n, keys)
	}
	return out
}

func rebindNode(n *ir.Node, keys map[int64]int64) *ir.Node {
	switch {
	case n.Op == "state" || n.Op == "state_write":
		k, ok := keys[n.Attrs.Int("key", 0)]
		if !ok {
			return n
		}
		c := *n
		c.Attrs = make(ir.Attrs, len(n.Attrs))
		for a, v := range n.Attrs {
			c.Attrs[a] = v
		}
		c.Attrs["key"] = float64(k)
		return &c
	case n.Op == "row_split":
		r, ok := n.Attrs["region"].(*splitRegion)
		if !ok {
			return n
		}
		r2 := &splitRegion{Nodes: make([]*ir.Node, len(r.Nodes)), Row: r.Row, Chunk: r.Chunk}
		changed := false
		for i, x := range r.Nodes {
			r2.Nodes[i] = rebindNode(x, keys)
			changed = changed || r2.Nodes[i] != x
		}
		if !changed {
			return n
		}
		c := *n
		c.Attrs = ir.Attrs{}
		for a, v := range n.Attrs {
			c.Attrs[a] = v
		}
		c.Attrs["region"] = r2
		return &c
	}
	return n
}
