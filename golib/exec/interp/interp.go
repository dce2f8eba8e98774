// Package interp is the reference interpreter: a direct, obviously-correct
// implementation of every op in the IR. It is the living spec that faster
// execution paths are tested against, and the executor used today.
//
// Each op's implementation lives in the file named after its family
// (project.go, groupby.go, join.go, sort.go, ...) and registers itself here.
package interp

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Ctx carries what an op needs besides its inputs.
type Ctx struct {
	Context context.Context
	Inputs  []*col.Frame // frames passed to Run, by source attrs.input
}

// OpFunc executes one node given its materialized inputs.
type OpFunc func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error)

var impls = map[string]OpFunc{}

func register(name string, f OpFunc) {
	if _, dup := impls[name]; dup {
		panic("interp: op registered twice: " + name)
	}
	impls[name] = f
}

// Implemented lists the ops the interpreter implements (sorted).
func Implemented() []string {
	out := make([]string, 0, len(impls))
	for k := range impls {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// runOp calls one op, turning a panic into an Internal error that names the
// op and the user's line (capi recovers too, but could not say where).
func runOp(f OpFunc, c *Ctx, n *ir.Node, in []*col.Frame) (out *col.Frame, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &ir.Error{Kind: "Internal", Msg: fmt.Sprintf("internal error (panic): %v\n%s", r, debug.Stack()), Op: n.Op, Loc: n.Loc}
		}
	}()
	return f(c, n, in)
}

// Run evaluates the graph (schemas already inferred) and returns the frames
// of g.Outputs. Intermediate results are dropped as soon as their last user
// has run. Errors name the failing node's op and the user's line.
func Run(ctx context.Context, g *ir.Graph, inputs []*col.Frame) ([]*col.Frame, error) {
	c := &Ctx{Context: ctx, Inputs: inputs}
	results := make([]*col.Frame, len(g.Nodes))
	remaining := make([]int, len(g.Nodes))
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			remaining[in]++
		}
	}
	for _, o := range g.Outputs {
		remaining[o]++
	}
	for _, n := range g.Nodes {
		if ctx != nil {
			if err := ctx.Err(); err != nil {
				return nil, ir.Errorf("Cancelled", "run cancelled: %v", err)
			}
		}
		if remaining[n.ID] == 0 {
			continue // dead node (not reachable from outputs)
		}
		f := impls[n.Op]
		if f == nil {
			return nil, &ir.Error{Kind: "NotImplemented", Msg: fmt.Sprintf("op %q has no interpreter implementation", n.Op), Op: n.Op, Loc: n.Loc}
		}
		in := make([]*col.Frame, len(n.Inputs))
		for i, id := range n.Inputs {
			in[i] = results[id]
		}
		out, err := runOp(f, c, n, in)
		if err != nil {
			return nil, ir.AtNode(err, n)
		}
		if err := out.Validate(); err != nil {
			return nil, ir.AtNode(fmt.Errorf("internal: %s produced an invalid frame: %w", n.Op, err), n)
		}
		if n.Schema != nil && !n.Schema.Dynamic && len(out.Cols) != len(n.Schema.Fields) {
			return nil, ir.AtNode(fmt.Errorf("internal: %s produced %d columns, schema has %d", n.Op, len(out.Cols), len(n.Schema.Fields)), n)
		}
		results[n.ID] = out
		for _, id := range n.Inputs {
			remaining[id]--
			if remaining[id] == 0 {
				results[id] = nil
			}
		}
	}
	outs := make([]*col.Frame, len(g.Outputs))
	for i, o := range g.Outputs {
		outs[i] = results[o]
	}
	return outs, nil
}
