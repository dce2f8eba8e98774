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
	// result has the shape of the full-size inputs), "scatter" (a
	// scatter-add of an elementwise chain's rows: one VecMerge builder),
	// "agg" (a
	// filter/project/aggregate pipeline, see frame.go), "to_tensor"
	// (computed frame columns written straight into a [rows, cols] tensor)
	// or "select" (a filter/project chain, see select.go).
	Kind   string
	Schema *ir.Schema // the replaced root node's schema
	Ops    []string   // the high-level ops fused, in order (for explain)
	// Agg describes how an "agg" kernel's builders become columns.
	Agg *AggPlan
	// Select describes how a "select" kernel's (filter/project chain)
	// builders become columns.
	Select *SelectPlan
	// Scatter describes a "scatter" kernel (index_add along dim 0 as a
	// VecMerge loop, see scatter.go).
	Scatter *ScatterPlan
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
// chains (forward, gradient and optimizer-update arithmetic), frame
// filter -> project -> aggregate pipelines, projects feeding to_tensor and
// filter/project chains. g must be verified; it is
// verified again after the rewrite.
func Fuse(g *ir.Graph, o Options) (*Report, error) {
	rep := &Report{}
	if fuseScatters(g, o, rep) {
		g.Compact() // the chains the scatters absorbed are gone
	}
	fuseTensorChains(g, o, rep)
	fuseAggPipelines(g, o, rep)
	fuseToTensor(g, o, rep)
	fuseSelectPipelines(g, o, rep)
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
// runs exactly, on operands of its own shape, one-element operands or
// operands broadcast along leading or trailing dims (Input.Bcast), and the
// loop width those broadcasts need (0: none).
func elementwise(g *ir.Graph, n *ir.Node) (bool, int64) {
	if !n.Schema.IsTensor() || len(n.Schema.Tensor.Shape) == 0 {
		return false, 0
	}
	switch {
	case tensor.Unary[n.Op], tensor.Binary[n.Op], n.Op == "where", n.Op == "cast":
	default:
		return false, 0
	}
	shape := n.Schema.Tensor.Shape
	var width int64
	for i, id := range n.Inputs {
		s := g.Node(id).Schema
		if !s.IsTensor() {
			return false, 0
		}
		_, bc, w, ok := operandBcast(s.Tensor.Shape, shape)
		if !ok || bc != Full && width != 0 && w != width {
			return false, 0
		}
		if bc != Full {
			width = w
		}
		if n.Op == "where" && i == 0 && s.Tensor.DType != ir.Bool {
			return false, 0
		}
	}
	out := n.Schema.Tensor.DType
	switch n.Op {
	case "cast":
		from := g.Node(n.Inputs[0]).Schema.Tensor.DType
		if from.IsFloat() && out == ir.Int64 {
			return false, 0 // float -> int64 is undefined in C for NaN/huge values
		}
	case "pow":
		if out != ir.Float32 && out != ir.Float64 {
			return false, 0 // integer pow raises on negative exponents
		}
	}
	if tensor.Binary[n.Op] {
		_, _, err := binaryTypes(g, n)
		if err != nil {
			return false, 0
		}
	}
	return true, width
}

// operandBcast says how a loop over the elements of a tensor of shape out
// reads an operand of shape s: one element (scalar: 0-dim or all dims 1),
// element by element (Full, the same shape), or broadcast (Inner: s is
// out's trailing dims, Outer: s is out's leading dims followed by 1s) with
// the loop width W (the product of out's trailing dims) that needs; ok is
// false for any other broadcast and for widths not known before the run.
func operandBcast(s, out []int64) (scalar bool, bc Bcast, width int64, ok bool) {
	if len(s) == 0 {
		return true, Full, 0, true
	}
	if sameShape(s, out) {
		return false, Full, 0, true
	}
	if len(s) > len(out) {
		return false, Full, 0, false
	}
	p := make([]int64, len(out)) // s right-aligned, padded with 1s
	for i := range p {
		p[i] = 1
	}
	copy(p[len(out)-len(s):], s)
	ones := func(d []int64) bool {
		for _, x := range d {
			if x != 1 {
				return false
			}
		}
		return true
	}
	prod := func(d []int64) int64 {
		w := int64(1)
		for _, x := range d {
			if x == ir.DynDim {
				return -1
			}
			w *= x
		}
		return w
	}
	if ones(p) {
		return true, Full, 0, true
	}
	for k := 1; k < len(out); k++ { // Inner: the smallest k (widest W)
		if ones(p[:k]) && sameShape(p[k:], out[k:]) {
			if w := prod(out[k:]); w > 0 {
				return false, Inner, w, true
			}
			return false, Full, 0, false
		}
	}
	for k := len(out) - 1; k >= 1; k-- { // Outer: the largest k (narrowest W)
		if sameShape(p[:k], out[:k]) && ones(p[k:]) {
			if w := prod(out[k:]); w > 0 {
				return false, Outer, w, true
			}
			return false, Full, 0, false
		}
	}
	return false, Full, 0, false
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
	width := make([]int64, len(g.Nodes))
	for _, n := range g.Nodes {
		elem[n.ID], width[n.ID] = elementwise(g, n)
	}
	inline := inlinable(g, users, isOut, elem)
	for _, root := range g.Nodes {
		if !elem[root.ID] || inline[root.ID] {
			continue
		}
		members, w, conflict := chainOf(g, root, inline, width)
		if len(members) < 2 && !Transcendental[root.Op] {
			continue
		}
		if conflict {
			continue // broadcasts of two widths: left as separate ops
		}
		k, inputs := lowerTensorGroup(g, members, int(w))
		if k == nil {
			continue
		}
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

// inlinable marks the elementwise nodes that are inlined into their users'
// loops: not a plan output, and every user elementwise of the same shape
// (a node read as a broadcast operand is not inlined: its loop would run
// over other rows).
func inlinable(g *ir.Graph, users [][]ir.NodeID, isOut map[ir.NodeID]bool, elem []bool) []bool {
	inline := make([]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		if !elem[n.ID] || isOut[n.ID] || len(users[n.ID]) == 0 {
			continue
		}
		ok := true
		for _, u := range users[n.ID] {
			ok = ok && elem[u] && sameShape(n.Schema.Tensor.Shape, g.Node(u).Schema.Tensor.Shape)
		}
		inline[n.ID] = ok
	}
	return inline
}

// chainOf is the loop group of root: root plus the inlinable nodes it
// reaches through its inputs, in graph order, with the loop width their
// broadcasts need; conflict reports broadcasts of two widths.
func chainOf(g *ir.Graph, root *ir.Node, inline []bool, width []int64) (members []*ir.Node, w int64, conflict bool) {
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
	for _, n := range g.Nodes[:root.ID+1] {
		if in[n.ID] {
			members = append(members, n)
			if width[n.ID] != 0 {
				conflict = conflict || w != 0 && w != width[n.ID]
				w = width[n.ID]
			}
		}
	}
	return members, w, conflict
}

// scalarExpand reports whether n is expand_as of a float one-element
// tensor x to the static shape shape, and returns x: a loop of that shape
// reads x as a scalar instead of n.
func scalarExpand(g *ir.Graph, n *ir.Node, shape []int64) (ir.NodeID, bool) {
	if n.Op != "expand_as" || len(n.Inputs) != 2 || !n.Schema.IsTensor() || !sameShape(n.Schema.Tensor.Shape, shape) ||
		slices.Contains(shape, ir.DynDim) {
		return 0, false
	}
	x := g.Node(n.Inputs[0]).Schema
	if !x.IsTensor() || (x.Tensor.DType != ir.Float32 && x.Tensor.DType != ir.Float64) || x.Tensor.DType != n.Schema.Tensor.DType {
		return 0, false
	}
	for _, d := range x.Tensor.Shape {
		if d != 1 {
			return 0, false
		}
	}
	return n.Inputs[0], true
}

// Transcendental are the ops a loop of their own runs faster than the
// interpreter (vectorized native exp/tanh/sigmoid, golib/codegen): they are
// lowered even when no other elementwise op joins them.
var Transcendental = map[string]bool{"exp": true, "tanh": true, "sigmoid": true}

// lowerTensorGroup builds the loop of an elementwise group (members in
// topological order, the root last) of loop width w (broadcast inputs) and
// the group's external inputs; nil when the loop could not know its shape
// at run time (no full-size input and a dynamic shape).
func lowerTensorGroup(g *ir.Graph, members []*ir.Node, w int) (*Kernel, []ir.NodeID) {
	l := &Loop{Filter: -1, Group: -1, Width: w}
	rootShape := members[len(members)-1].Schema.Tensor.Shape
	full := false
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
		orig := id
		if x, ok := scalarExpand(g, g.Node(id), rootShape); ok {
			// a one-element value broadcast to the loop's shape (the
			// gradient of sum: expand_as(1, y)) is read as a scalar: the
			// full-size tensor, and y when nothing else needs it, are never
			// computed
			if v, ok := val[x]; ok {
				val[orig] = v
				return v
			}
			id = x
		}
		t := g.Node(id).Schema.Tensor
		scalar, bc, _, _ := operandBcast(t.Shape, rootShape)
		full = full || !scalar && bc == Full
		l.Inputs = append(l.Inputs, Input{Type: t.DType, Scalar: scalar, Bcast: bc})
		inputs = append(inputs, id)
		v := add(Instr{Op: "load", Type: t.DType, Input: len(l.Inputs) - 1})
		val[id], val[orig] = v, v
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
	if !full && slices.Contains(rootShape, ir.DynDim) {
		return nil, nil
	}
	l.Builders = []Builder{{Kind: Append, Value: val[root.ID], Type: root.Schema.Tensor.DType}}
	return &Kernel{Loop: l, Kind: "tensor", Schema: root.Schema, Ops: ops}, inputs
}
