package lower

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// Kernel is the attribute "kernel" of a fused node: the loop and what the
// runtime needs to turn its buffers back into the node's value.
type Kernel struct {
	Loop *Loop
	// Kind is "tensor" (an elementwise chain: one Append builder, the
	// result has the shape of the full-size inputs), "agg" (a
	// filter/project/aggregate pipeline, see frame.go) or "to_tensor"
	// (computed frame columns written straight into a [rows, cols] tensor).
	Kind   string
	Schema *ir.Schema // the replaced root node's schema
	Ops    []string   // the high-level ops fused, in order (for explain)
	// Agg describes how an "agg" kernel's builders become columns.
	Agg *AggPlan
	// Columns are the base frame's columns read by the loop's first inputs
	// (frame kernels: "agg" and "to_tensor"; the node's one input is the
	// base frame).
	Columns []string
	// Codegen is true when the runtime may compile the loop to native code
	// (codegen on and a C compiler found); it does so for runs of at least
	// MinRows rows and uses the Go evaluator below that.
	Codegen bool
	MinRows int64
	// SyncCompile compiles before the first native-sized run; otherwise a
	// run of less than SyncWork row-instructions starts the compile in the
	// background and runs on the Go evaluator until the kernel is ready.
	SyncCompile bool
}

// SyncWork is the size (rows x loop instructions) from which a run waits
// for its kernel's compile (~75 ms) instead of evaluating in Go meanwhile:
// the Go evaluator takes about as long as the compile at this size.
const SyncWork = 1 << 25

// String is what explain() shows for the kernel attribute.
func (k *Kernel) String() string {
	return fmt.Sprintf("%s[%s] %s", k.Kind, strings.Join(k.Ops, " "), k.Loop)
}

func init() {
	ir.RegisterOp(&ir.OpInfo{Name: "fused", Inputs: ir.Variadic, Infer: func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		k, ok := n.Attrs["kernel"].(*Kernel)
		if !ok || k.Loop == nil {
			return nil, ir.Errorf("Internal", "fused node without a kernel")
		}
		if len(in) != len(k.Loop.Inputs)-k.extraInputs() {
			return nil, ir.Errorf("Internal", "fused node has %d inputs, its loop reads %d", len(in), len(k.Loop.Inputs))
		}
		if err := k.Loop.Validate(); err != nil {
			return nil, err
		}
		return k.Schema.Clone(), nil
	}})
}

// extraInputs counts loop inputs that are not node inputs (an agg kernel
// reads columns of its single frame input, and group ids it computes).
func (k *Kernel) extraInputs() int {
	if k.Agg != nil || k.Columns != nil {
		return len(k.Loop.Inputs) - 1
	}
	return 0
}

// Options configure the fusion stage.
type Options struct {
	// Codegen allows native kernels (codegen on and a compiler found);
	// NoCodegenWhy says why not otherwise ("FLERN_CODEGEN=0", "no C
	// compiler found").
	Codegen      bool
	NoCodegenWhy string
	// MinRows is the smallest run (rows or elements) compiled natively:
	// below it compile time would dominate and the Go evaluator runs.
	MinRows int64
	// SyncCompile: see Kernel.SyncCompile.
	SyncCompile bool
}

// exec is the "exec" attribute of a fused node: how it runs, for explain().
func (o Options) exec(rows int64) string {
	switch {
	case !o.Codegen:
		return "go (" + o.NoCodegenWhy + ")"
	case rows >= 0 && rows < o.MinRows:
		return fmt.Sprintf("go (%d rows < %d: compiling would dominate)", rows, o.MinRows)
	case rows >= 0 && o.SyncCompile:
		return "native"
	case rows >= 0:
		return fmt.Sprintf("native (cached), else go while it compiles in the background unless rows x ops >= %d", SyncWork)
	case o.SyncCompile:
		return fmt.Sprintf("native if rows >= %d, else go", o.MinRows)
	}
	return fmt.Sprintf("native if rows >= %d (cached, or go while it compiles in the background unless rows x ops >= %d), else go", o.MinRows, SyncWork)
}

func (o Options) kernel(k *Kernel) *Kernel {
	k.Codegen, k.MinRows, k.SyncCompile = o.Codegen, o.MinRows, o.SyncCompile
	return k
}

// Report says what fusion did (for explain(verbose)).
type Report struct {
	Kernels int
	Ops     int
}

// Fuse replaces fusable subgraphs of g with fused nodes: tensor elementwise
// chains (forward, gradient and optimizer-update arithmetic) and frame
// filter -> project -> aggregate pipelines. g must be verified; it is
// verified again after the rewrite.
func Fuse(g *ir.Graph, o Options) (*Report, error) {
	rep := &Report{}
	fuseTensorChains(g, o, rep)
	fuseAggPipelines(g, o, rep)
	fuseToTensor(g, o, rep)
	if rep.Kernels > 0 {
		g.Compact()
		if err := g.Verify(); err != nil {
			return nil, fmt.Errorf("lower: fused plan does not verify: %w", err)
		}
	}
	return rep, nil
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// elementwise reports whether n is a tensor elementwise op the loop IR
// runs exactly, on operands of its own shape or 0-dim ones.
func elementwise(g *ir.Graph, n *ir.Node) bool {
	if !n.Schema.IsTensor() || len(n.Schema.Tensor.Shape) == 0 {
		return false
	}
	switch {
	case tensor.Unary[n.Op], tensor.Binary[n.Op], n.Op == "where", n.Op == "cast":
	default:
		return false
	}
	shape := n.Schema.Tensor.Shape
	for i, id := range n.Inputs {
		s := g.Node(id).Schema
		if !s.IsTensor() {
			return false
		}
		if len(s.Tensor.Shape) != 0 && !sameShape(s.Tensor.Shape, shape) {
			return false
		}
		if n.Op == "where" && i == 0 && s.Tensor.DType != ir.Bool {
			return false
		}
	}
	out := n.Schema.Tensor.DType
	switch n.Op {
	case "cast":
		from := g.Node(n.Inputs[0]).Schema.Tensor.DType
		if from.IsFloat() && out == ir.Int64 {
			return false // float -> int64 is undefined in C for NaN/huge values
		}
	case "pow":
		if out != ir.Float32 && out != ir.Float64 {
			return false // integer pow raises on negative exponents
		}
	}
	if tensor.Binary[n.Op] {
		_, _, err := binaryTypes(g, n)
		if err != nil {
			return false
		}
	}
	return true
}

func binaryTypes(g *ir.Graph, n *ir.Node) (out, compute ir.DType, err error) {
	a, b := g.Node(n.Inputs[0]).Schema.Tensor, g.Node(n.Inputs[1]).Schema.Tensor
	out, compute, err = tensor.BinaryType(n.Op,
		tensor.Operand{DType: a.DType, Dims: len(a.Shape), Wrapped: n.Attrs.Bool("wrapped0", false)},
		tensor.Operand{DType: b.DType, Dims: len(b.Shape), Wrapped: n.Attrs.Bool("wrapped1", false)})
	if err == nil && compute == ir.Bool && tensor.Compare[n.Op] {
		compute = ir.Int64
	}
	return out, compute, err
}

// fuseTensorChains groups elementwise tensor nodes: a node is inlined into
// its users' loops when it is not a plan output and every user is
// elementwise; each remaining elementwise node roots one loop made of
// itself and the inlinable nodes it reaches through its inputs. Loops of a
// single op are left alone.
func fuseTensorChains(g *ir.Graph, o Options, rep *Report) {
	users := g.Users()
	isOut := map[ir.NodeID]bool{}
	for _, id := range g.Outputs {
		isOut[id] = true
	}
	elem := make([]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		elem[n.ID] = elementwise(g, n)
	}
	inline := make([]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		if !elem[n.ID] || isOut[n.ID] || len(users[n.ID]) == 0 {
			continue
		}
		ok := true
		for _, u := range users[n.ID] {
			ok = ok && elem[u]
		}
		inline[n.ID] = ok
	}
	for _, root := range g.Nodes {
		if !elem[root.ID] || inline[root.ID] {
			continue
		}
		// the group: root plus the inlinable nodes it reaches, in graph order
		in := map[ir.NodeID]bool{root.ID: true}
		var visit func(id ir.NodeID)
		visit = func(id ir.NodeID) {
			for _, x := range g.Node(id).Inputs {
				if inline[x] && !in[x] {
					in[x] = true
					visit(x)
				}
			}
		}
		visit(root.ID)
		if len(in) < 2 {
			continue
		}
		var members []*ir.Node
		for _, n := range g.Nodes[:root.ID+1] {
			if in[n.ID] {
				members = append(members, n)
			}
		}
		k, inputs := lowerTensorGroup(g, members)
		rows := int64(-1) // dynamic
		if !slices.Contains(root.Schema.Tensor.Shape, ir.DynDim) {
			rows = tensor.Numel(root.Schema.Tensor.Shape)
		}
		*root = ir.Node{ID: root.ID, Op: "fused", Inputs: inputs, Loc: root.Loc, Schema: root.Schema,
			Attrs: ir.Attrs{"kernel": o.kernel(k), "exec": o.exec(rows)}}
		rep.Kernels++
		rep.Ops += len(members)
	}
}

// lowerTensorGroup builds the loop of an elementwise group (members in
// topological order, the root last) and the group's external inputs.
func lowerTensorGroup(g *ir.Graph, members []*ir.Node) (*Kernel, []ir.NodeID) {
	l := &Loop{Filter: -1, Group: -1}
	val := map[ir.NodeID]int{}
	var inputs []ir.NodeID
	add := func(ins Instr) int {
		l.Body = append(l.Body, ins)
		return len(l.Body) - 1
	}
	operand := func(id ir.NodeID) int {
		if v, ok := val[id]; ok {
			return v
		}
		t := g.Node(id).Schema.Tensor
		l.Inputs = append(l.Inputs, Input{Type: t.DType, Scalar: len(t.Shape) == 0})
		inputs = append(inputs, id)
		v := add(Instr{Op: "load", Type: t.DType, Input: len(l.Inputs) - 1})
		val[id] = v
		return v
	}
	cast := func(v int, t ir.DType) int {
		if l.Body[v].Type == t {
			return v
		}
		return add(Instr{Op: "cast", Type: t, Args: []int{v}})
	}
	var ops []string
	for _, n := range members {
		out := n.Schema.Tensor.DType
		ops = append(ops, n.Op)
		switch {
		case n.Op == "cast":
			val[n.ID] = cast(operand(n.Inputs[0]), out)
		case n.Op == "where":
			c, a, b := operand(n.Inputs[0]), operand(n.Inputs[1]), operand(n.Inputs[2])
			val[n.ID] = add(Instr{Op: "where", Type: out, Args: []int{c, cast(a, out), cast(b, out)}})
		case tensor.Unary[n.Op]:
			x := cast(operand(n.Inputs[0]), out)
			val[n.ID] = add(Instr{Op: n.Op, Type: out, Args: []int{x}})
		default:
			_, compute, _ := binaryTypes(g, n)
			a := cast(operand(n.Inputs[0]), compute)
			b := cast(operand(n.Inputs[1]), compute)
			val[n.ID] = add(Instr{Op: n.Op, Type: out, Args: []int{a, b}})
		}
	}
	root := members[len(members)-1]
	l.Builders = []Builder{{Kind: Append, Value: val[root.ID], Type: root.Schema.Tensor.DType}}
	return &Kernel{Loop: l, Kind: "tensor", Schema: root.Schema, Ops: ops}, inputs
}
