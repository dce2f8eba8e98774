package ir

import (
	"fmt"
	"sort"
)

// OpInfo describes one op of the high-level IR. Packages that define op
// semantics (frame, later tensor) register their ops at init; the op table is
// then the one place that lists every op.
type OpInfo struct {
	Name   string
	Inputs int // exact number of inputs; Variadic: one or more
	// Infer computes the output schema from the input schemas, type-checking
	// the node's expressions (it may fill Expr.Type). Errors are *Error.
	Infer func(n *Node, in []*Schema) (*Schema, error)
	// Source marks leaf ops that read data (scans, inputs).
	Source bool
}

// Variadic as OpInfo.Inputs: the op takes one or more inputs (tensor cat).
const Variadic = -1

// ZeroOrMore as OpInfo.Inputs: the op takes any number of inputs, none
// included (a scan_parquet reads its file and, when the joinfilter pass gave
// it key filters, the frames whose keys it keeps).
const ZeroOrMore = -2

var ops = map[string]*OpInfo{}

// RegisterOp adds an op to the table; a duplicate name is a programming error.
func RegisterOp(info *OpInfo) {
	if _, dup := ops[info.Name]; dup {
		panic(fmt.Sprintf("ir: op %q registered twice", info.Name))
	}
	ops[info.Name] = info
}

// LookupOp returns the op's description, or nil if the op is unknown.
func LookupOp(name string) *OpInfo { return ops[name] }

// OpNames lists every registered op, sorted.
func OpNames() []string {
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Infer (re)computes every node's schema in topological order.
func (g *Graph) Infer() error {
	for _, n := range g.Nodes {
		info := ops[n.Op]
		if info == nil {
			return &Error{Kind: "Value", Msg: fmt.Sprintf("unknown op %q", n.Op), Op: n.Op, Loc: n.Loc}
		}
		in := make([]*Schema, len(n.Inputs))
		for i, id := range n.Inputs {
			in[i] = g.Nodes[id].Schema
		}
		s, err := info.Infer(n, in)
		if err != nil {
			return AtNode(err, n)
		}
		n.Schema = s
	}
	return nil
}

// Verify checks the graph's structure: known ops with the right arity,
// inputs that precede their users, ids that match positions, valid outputs,
// and that every node's schema infers. It runs after every optimizer pass.
func (g *Graph) Verify() error {
	for i, n := range g.Nodes {
		if n.ID != NodeID(i) {
			return fmt.Errorf("verify: node at position %d has id %d", i, n.ID)
		}
		info := ops[n.Op]
		if info == nil {
			return &Error{Kind: "Value", Msg: fmt.Sprintf("unknown op %q", n.Op), Op: n.Op, Loc: n.Loc}
		}
		if len(n.Inputs) != info.Inputs && !(info.Inputs == Variadic && len(n.Inputs) > 0) && info.Inputs != ZeroOrMore {
			return fmt.Errorf("verify: node %d (%s) has %d inputs, want %d", i, n.Op, len(n.Inputs), info.Inputs)
		}
		for _, in := range n.Inputs {
			if in < 0 || int(in) >= i {
				return fmt.Errorf("verify: node %d (%s) reads node %d, which does not precede it", i, n.Op, in)
			}
		}
	}
	if len(g.Outputs) == 0 {
		return fmt.Errorf("verify: graph has no outputs")
	}
	for _, o := range g.Outputs {
		if o < 0 || int(o) >= len(g.Nodes) {
			return fmt.Errorf("verify: output %d out of range", o)
		}
	}
	return g.Infer()
}
