package ir

import (
	"fmt"
	"sort"
)

// NodeID indexes Graph.Nodes.
type NodeID int32

// Node is one library op in the graph: its op name, inputs, attributes and
// the user's source location that created it (for error messages).
type Node struct {
	ID     NodeID
	Op     string
	Inputs []NodeID
	Attrs  Attrs
	Loc    string  // "file.py:12" of the user's call that recorded the node
	Schema *Schema // filled in by inference (Graph.Infer)
}

// Graph is an arena of nodes in topological order (inputs precede users) and
// the list of nodes whose results the caller wants.
type Graph struct {
	Nodes   []*Node
	Outputs []NodeID
}

// Node returns the node with the given id.
func (g *Graph) Node(id NodeID) *Node { return g.Nodes[id] }

// Add appends a node and returns its id.
func (g *Graph) Add(n *Node) NodeID {
	n.ID = NodeID(len(g.Nodes))
	g.Nodes = append(g.Nodes, n)
	return n.ID
}

// InsertBefore puts n at position at (its inputs must all precede at),
// renumbering the nodes from at on and every reference to them, and returns
// n's id.
func (g *Graph) InsertBefore(at NodeID, n *Node) NodeID {
	shift := func(id NodeID) NodeID {
		if id >= at {
			return id + 1
		}
		return id
	}
	for _, m := range g.Nodes {
		for i, in := range m.Inputs {
			m.Inputs[i] = shift(in)
		}
	}
	for i, o := range g.Outputs {
		g.Outputs[i] = shift(o)
	}
	g.Nodes = append(g.Nodes, nil)
	copy(g.Nodes[at+1:], g.Nodes[at:])
	g.Nodes[at] = n
	for i := int(at); i < len(g.Nodes); i++ {
		g.Nodes[i].ID = NodeID(i)
	}
	return at
}

// Reorder puts the nodes back in topological order after a rewrite gave a
// node an input that follows it (the joinfilter pass makes a scan read the
// build side of a join): each node is placed after its inputs, otherwise
// in its current order, and ids and references are renumbered. A cycle is
// a programming error (panic, reported with the pass's name).
func (g *Graph) Reorder() {
	const (
		unseen = iota
		active
		placed
	)
	state := make([]byte, len(g.Nodes))
	remap := make([]NodeID, len(g.Nodes))
	nodes := make([]*Node, 0, len(g.Nodes))
	var visit func(id NodeID)
	visit = func(id NodeID) {
		switch state[id] {
		case placed:
			return
		case active:
			panic(fmt.Sprintf("ir: Reorder: node %d (%s) is part of a cycle", id, g.Nodes[id].Op))
		}
		state[id] = active
		for _, in := range g.Nodes[id].Inputs {
			visit(in)
		}
		state[id] = placed
		remap[id] = NodeID(len(nodes))
		nodes = append(nodes, g.Nodes[id])
	}
	for i := range g.Nodes {
		visit(NodeID(i))
	}
	for _, n := range nodes {
		n.ID = remap[n.ID]
		for i, in := range n.Inputs {
			n.Inputs[i] = remap[in]
		}
	}
	for i, o := range g.Outputs {
		g.Outputs[i] = remap[o]
	}
	g.Nodes = nodes
}

// OutputSet returns the graph's outputs as a set.
func (g *Graph) OutputSet() map[NodeID]bool {
	out := make(map[NodeID]bool, len(g.Outputs))
	for _, o := range g.Outputs {
		out[o] = true
	}
	return out
}

// Users returns, for every node, the ids of the nodes that read it.
func (g *Graph) Users() [][]NodeID {
	u := make([][]NodeID, len(g.Nodes))
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			u[in] = append(u[in], n.ID)
		}
	}
	return u
}

// Compact drops nodes unreachable from the outputs and renumbers the rest,
// keeping topological order.
func (g *Graph) Compact() {
	live := make([]bool, len(g.Nodes))
	var mark func(NodeID)
	mark = func(id NodeID) {
		if live[id] {
			return
		}
		live[id] = true
		for _, in := range g.Nodes[id].Inputs {
			mark(in)
		}
	}
	for _, o := range g.Outputs {
		mark(o)
	}
	remap := make([]NodeID, len(g.Nodes))
	var nodes []*Node
	for _, n := range g.Nodes {
		if !live[n.ID] {
			continue
		}
		remap[n.ID] = NodeID(len(nodes))
		n.ID = NodeID(len(nodes))
		for i, in := range n.Inputs {
			n.Inputs[i] = remap[in]
		}
		nodes = append(nodes, n)
	}
	for i, o := range g.Outputs {
		g.Outputs[i] = remap[o]
	}
	g.Nodes = nodes
}

// Attrs holds a node's attributes. Values are the JSON-decoded forms
// (string, float64, bool, []any, map[string]any) plus *Expr and []NamedExpr
// after wire decoding.
type Attrs map[string]any

// NamedExpr is an output column of a projection.
type NamedExpr struct {
	Name string
	Expr *Expr
}

// Str returns attribute k as a string ("" if absent).
func (a Attrs) Str(k string) string {
	s, _ := a[k].(string)
	return s
}

// Bool returns attribute k as a bool (def if absent).
func (a Attrs) Bool(k string, def bool) bool {
	if b, ok := a[k].(bool); ok {
		return b
	}
	return def
}

// Int returns attribute k as an int (def if absent).
func (a Attrs) Int(k string, def int64) int64 {
	switch v := a[k].(type) {
	case float64:
		return int64(v)
	case int64:
		return v
	case int:
		return int64(v)
	}
	return def
}

// Float returns attribute k as a float64 and whether it was present.
func (a Attrs) Float(k string) (float64, bool) {
	switch v := a[k].(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	}
	return 0, false
}

// Strings returns attribute k as a []string (nil if absent).
func (a Attrs) Strings(k string) []string {
	switch v := a[k].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// Bools returns attribute k as a []bool (nil if absent).
func (a Attrs) Bools(k string) []bool {
	switch v := a[k].(type) {
	case []bool:
		return v
	case []any:
		out := make([]bool, 0, len(v))
		for _, x := range v {
			b, _ := x.(bool)
			out = append(out, b)
		}
		return out
	}
	return nil
}

// Expr returns attribute k as an expression (nil if absent).
func (a Attrs) Expr(k string) *Expr {
	e, _ := a[k].(*Expr)
	return e
}

// NamedExprs returns attribute k as a projection list.
func (a Attrs) NamedExprs(k string) []NamedExpr {
	e, _ := a[k].([]NamedExpr)
	return e
}

// Clone returns a copy deep enough for rewrites (expressions are cloned).
func (a Attrs) Clone() Attrs {
	c := make(Attrs, len(a))
	for k, v := range a {
		switch x := v.(type) {
		case *Expr:
			c[k] = x.Clone()
		case []NamedExpr:
			y := make([]NamedExpr, len(x))
			for i, ne := range x {
				y[i] = NamedExpr{Name: ne.Name, Expr: ne.Expr.Clone()}
			}
			c[k] = y
		case []string:
			c[k] = append([]string(nil), x...)
		default:
			c[k] = v
		}
	}
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Error is an error tied to a node and the user's source line.
type Error struct {
	Kind string // ColumnNotFound, Type, Parse, Schema, Value, NotImplemented, Internal, IO
	Msg  string
	Op   string
	Loc  string
	Err  error
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Op != "" {
		s = fmt.Sprintf("%s: %s", e.Op, s)
	}
	if e.Loc != "" {
		s += " (at " + e.Loc + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error of the given kind.
func Errorf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// AtNode fills Op and Loc from n when err is an *Error without them, or wraps
// any other error as an Internal error at n.
func AtNode(err error, n *Node) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*Error); ok {
		if fe.Loc == "" {
			c := *fe
			c.Op, c.Loc = n.Op, n.Loc
			return &c
		}
		return fe
	}
	return &Error{Kind: "Internal", Msg: err.Error(), Op: n.Op, Loc: n.Loc, Err: err}
}
