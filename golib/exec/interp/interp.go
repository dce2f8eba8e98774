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
	Inputs  []*col.Frame // frames passed to Run, by source attrs.input (nil for tensor inputs)
	// Tensors are the tensor inputs, by source_tensor attrs.input (nil for
	// frame inputs); both kinds share one input numbering.
	Tensors []*col.Tensor
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
	out := make([]string, 0, len(impls)+len(tensorImpls))
	for k := range impls {
		out = append(out, k)
	}
	for k := range tensorImpls {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TensorFunc executes one tensor-valued node. Its inputs are *col.Frame or
// *col.Tensor as the node's input schemas say (only to_tensor reads a frame).
type TensorFunc func(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error)

var tensorImpls = map[string]TensorFunc{}

func registerTensor(name string, f TensorFunc) {
	if _, dup := tensorImpls[name]; dup {
		panic("interp: tensor op registered twice: " + name)
	}
	if _, dup := impls[name]; dup {
		panic("interp: op registered as frame and tensor op: " + name)
	}
	tensorImpls[name] = f
}

// runTensorOp is runOp for tensor ops.
func runTensorOp(f TensorFunc, c *Ctx, n *ir.Node, in []any) (out *col.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &ir.Error{Kind: "Internal", Msg: fmt.Sprintf("internal error (panic): %v\n%s", r, debug.Stack()), Op: n.Op, Loc: n.Loc}
		}
	}()
	return f(c, n, in)
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

// Run evaluates a graph whose inputs and outputs are all frames (see RunAny).
func Run(ctx context.Context, g *ir.Graph, inputs []*col.Frame) ([]*col.Frame, error) {
	in := make([]any, len(inputs))
	for i, f := range inputs {
		in[i] = f
	}
	res, err := RunAny(ctx, g, in)
	if err != nil {
		return nil, err
	}
	outs := make([]*col.Frame, len(res))
	for i, r := range res {
		f, ok := r.(*col.Frame)
		if !ok {
			return nil, ir.Errorf("Internal", "output %d is a tensor; use RunAny", i)
		}
		outs[i] = f
	}
	return outs, nil
}

// NewCtx builds the context of one run from its inputs (each a *col.Frame
// or a *col.Tensor, numbered as the source / source_tensor nodes say).
func NewCtx(ctx context.Context, inputs []any) (*Ctx, error) {
	c := &Ctx{Context: ctx, Inputs: make([]*col.Frame, len(inputs)), Tensors: make([]*col.Tensor, len(inputs))}
	for i, x := range inputs {
		switch v := x.(type) {
		case *col.Frame:
			c.Inputs[i] = v
		case *col.Tensor:
			c.Tensors[i] = v
		default:
			return nil, ir.Errorf("Internal", "run input %d is a %T", i, x)
		}
	}
	return c, nil
}

// RunNode evaluates one node on its materialized inputs (*col.Frame or
// *col.Tensor, as the input schemas say) with the reference implementation,
// and checks the result against the node's schema. Errors name the node's op
// and the user's line; a panic inside the op becomes an Internal error.
func RunNode(c *Ctx, n *ir.Node, in []any) (any, error) {
	if tf := tensorImpls[n.Op]; tf != nil {
		t, err := runTensorOp(tf, c, n, in)
		if err != nil {
			return nil, ir.AtNode(err, n)
		}
		if err := t.Validate(); err != nil {
			return nil, ir.AtNode(fmt.Errorf("internal: %s produced an invalid tensor: %w", n.Op, err), n)
		}
		if err := checkTensorType(t, n.Schema); err != nil {
			return nil, ir.AtNode(fmt.Errorf("internal: %s: %w", n.Op, err), n)
		}
		return t, nil
	}
	f := impls[n.Op]
	if f == nil {
		return nil, &ir.Error{Kind: "NotImplemented", Msg: fmt.Sprintf("op %q has no interpreter implementation", n.Op), Op: n.Op, Loc: n.Loc}
	}
	frames := make([]*col.Frame, len(in))
	for i, x := range in {
		fr, ok := x.(*col.Frame)
		if !ok {
			return nil, ir.AtNode(fmt.Errorf("internal: %s got a %T as input %d", n.Op, x, i), n)
		}
		frames[i] = fr
	}
	fr, err := runOp(f, c, n, frames)
	if err != nil {
		return nil, ir.AtNode(err, n)
	}
	if err := CheckFrame(n, fr); err != nil {
		return nil, err
	}
	return fr, nil
}

// CheckFrame checks an op's frame result against its node's schema (used
// by every executor after every frame op).
func CheckFrame(n *ir.Node, fr *col.Frame) error {
	if err := fr.Validate(); err != nil {
		return ir.AtNode(fmt.Errorf("internal: %s produced an invalid frame: %w", n.Op, err), n)
	}
	if n.Schema != nil && !n.Schema.Dynamic && len(fr.Cols) != len(n.Schema.Fields) {
		return ir.AtNode(fmt.Errorf("internal: %s produced %d columns, schema has %d", n.Op, len(fr.Cols), len(n.Schema.Fields)), n)
	}
	return nil
}

// RunAny evaluates the graph (schemas already inferred) and returns the
// results of g.Outputs. Inputs and results are *col.Frame or *col.Tensor,
// as the source / source_tensor nodes and the output schemas say: frame ops
// (impls) see only frames, tensor ops (tensorImpls) get []any. Intermediate
// results are dropped as soon as their last user has run. Errors name the
// failing node's op and the user's line.
func RunAny(ctx context.Context, g *ir.Graph, inputs []any) ([]any, error) {
	c, err := NewCtx(ctx, inputs)
	if err != nil {
		return nil, err
	}
	results := make([]any, len(g.Nodes))
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
		in := make([]any, len(n.Inputs))
		for i, id := range n.Inputs {
			in[i] = results[id]
		}
		out, err := RunNode(c, n, in)
		if err != nil {
			return nil, err
		}
		results[n.ID] = out
		for _, id := range n.Inputs {
			remaining[id]--
			if remaining[id] == 0 {
				results[id] = nil
			}
		}
	}
	outs := make([]any, len(g.Outputs))
	for i, o := range g.Outputs {
		outs[i] = results[o]
	}
	return outs, nil
}
