package exec

// The staged step executor: a training step graph that a Trainer runs
// thousands of times is prepared once into a list of kernels over
// preallocated buffers (shapes are static in a staged step), so a step does
// no type inference, no validation and (for the ops below) no allocation:
//
//   - float32 kernels for elementwise ops (same-shape, scalar and general
//     broadcasting by precomputed index maps), comparisons, where, 2-D
//     matmul through golib/blas with transposes folded into GEMM flags,
//     full reductions, sum_to/expand_as, views (aliases);
//   - nodes whose inputs are all constants are computed once;
//   - fused optimizer updates write the parameter IN PLACE in the store
//     (they and the state writes run last, after every read of a parameter);
//   - every other node runs as RunAny would run it (its runtime
//     implementation, else the reference interpreter).
//
// The reference executor (Options.Reference) keeps running the graph with
// exec.RunAny; the Trainer's tests compare both.

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
	"github.com/flern/flern/golib/tensor"
)

type fastStep struct {
	g     *ir.Graph
	ic    *interp.Ctx
	c     *Ctx
	slots []*col.Tensor
	kerns []func() error
	// pret marks 2-D transposes whose input matmul writes the transposed
	// product directly (the transpose's slot aliases it, no copy).
	pret map[ir.NodeID]bool
	// knodes[i] is the node kernel i computes; mm[i] describes kernel i
	// when it is a matmul (for pairMatmuls). lastMM passes a matmul's
	// description from matmul to buildFast.
	knodes []ir.NodeID
	mm     map[int]*mmKernel
	lastMM *mmKernel
	// ktime[i] sums kernel i's time over the runs (FLERN_EXEC_TRACE only).
	ktime []time.Duration
	runs  int
	// serialGEMM runs every product as one GEMM call on the calling
	// goroutine (row_split chunks: the chunks already run on every worker).
	serialGEMM bool
	// states are the step's state reads, done by kernel 0 all at once
	// (readStates): every read runs before the updates and state writes,
	// which come last, so reading them first reads the same tensors.
	states    []*ir.Node
	stateKeys []int64
	stateBuf  []*col.Tensor
	stateGen  uint64 // the store's generation stateBuf was read at (0: never)
	// adam is the bias corrections the step's Adam updates share.
	adam interp.AdamCache
	// fusedAway marks the nodes computed by their reader (train_fuse.go).
	fusedAway map[ir.NodeID]bool
	// outs is run's result, reused by the next run (callers read it before
	// running again, or copy it).
	outs []any
}

// buildFast prepares g, or returns nil when g is not a static-shape tensor
// graph without run inputs (then the caller uses RunAny).
func buildFast(g *ir.Graph, o Options) *fastStep {
	f := &fastStep{g: g, slots: make([]*col.Tensor, len(g.Nodes)), pret: map[ir.NodeID]bool{}, mm: map[int]*mmKernel{},
		fusedAway: map[ir.NodeID]bool{}}
	ic, err := interp.NewCtx(context.Background(), nil)
	if err != nil {
		return nil
	}
	f.ic = ic
	f.c = &Ctx{Ctx: ic, Options: o, quiet: true}
	users := make([][]*ir.Node, len(g.Nodes))
	for _, n := range g.Nodes {
		s := n.Schema
		if s == nil || s.Tensor == nil || ir.LookupOp(n.Op) == nil {
			return nil
		}
		for _, d := range s.Tensor.Shape {
			if d == ir.DynDim {
				return nil
			}
		}
		for _, in := range n.Inputs {
			users[in] = append(users[in], n)
		}
	}
	// Run order: everything but updates and state writes, then those.
	var first, last []*ir.Node
	for _, n := range g.Nodes {
		if tensor.UpdateOps[n.Op] > 0 || n.Op == "state_write" {
			last = append(last, n)
			continue
		}
		first = append(first, n)
	}
	for _, n := range last {
		if tensor.UpdateOps[n.Op] > 0 {
			for _, u := range users[n.ID] {
				if u.Op != "state_write" {
					return nil // an update read by a compute node: keep graph order
				}
			}
		}
	}
	constant := make([]bool, len(g.Nodes))
	for _, n := range first {
		if n.Op == "state" {
			f.states = append(f.states, n)
			f.stateKeys = append(f.stateKeys, n.Attrs.Int("key", 0))
		}
	}
	if len(f.states) > 0 {
		f.stateBuf = make([]*col.Tensor, len(f.states))
		f.kerns = append(f.kerns, f.readStates)
		f.knodes = append(f.knodes, f.states[0].ID)
	}
	for _, n := range append(first, last...) {
		f.lastMM = nil
		k, isConst, err := f.kernel(n, users, constant)
		if err != nil {
			return nil
		}
		constant[n.ID] = isConst
		if k != nil {
			if f.lastMM != nil {
				f.mm[len(f.kerns)] = f.lastMM
			}
			f.kerns = append(f.kerns, k)
			f.knodes = append(f.knodes, n.ID)
		}
	}
	if pairGEMMs && blas.Workers() > 1 {
		f.pairMatmuls()
	}
	if traceOut != nil {
		f.ktime = make([]time.Duration, len(f.kerns))
	}
	return f
}

// readStates is kernel 0: the step's state reads under one lock of the
// store, each checked against the plan's type; nothing when no entry was
// added, replaced or released since the last run (a Trainer's steps: the
// updates write the parameters and buffers in place).
func (f *fastStep) readStates() error {
	gen, fresh, i, err := interp.StateGetAll(f.stateKeys, f.stateBuf, f.stateGen)
	if err != nil {
		f.stateGen = 0
		return ir.AtNode(err, f.states[i])
	}
	if !fresh { // the slots hold the entries already
		return nil
	}
	f.stateGen = 0
	for i, n := range f.states {
		t, tt := f.stateBuf[i], n.Schema.Tensor
		if t.DType != tt.DType || !tensor.ShapeMatches(tt.Shape, t.Shape) {
			return ir.AtNode(ir.Errorf("Value", "state entry %d is %s%v, the plan expects %s", f.stateKeys[i], t.DType, t.Shape, tt), n)
		}
		f.slots[n.ID] = t
	}
	f.stateGen = gen
	return nil
}

// report writes the time per op of the step's kernels, summed over the runs
// so far, biggest first (FLERN_EXEC_TRACE).
func (f *fastStep) report(w io.Writer) {
	if f == nil || f.ktime == nil || f.runs == 0 {
		return
	}
	byOp := map[string]time.Duration{}
	count := map[string]int{}
	var total time.Duration
	for i, d := range f.ktime {
		op := f.g.Node(f.knodes[i]).Op
		if traceKernels {
			fmt.Fprintf(w, "flern step:     kernel %3d %-16s %v %.1f us\n", i, op, f.g.Node(f.knodes[i]).Schema, float64(d.Nanoseconds())/1e3/float64(f.runs))
		}

		byOp[op] += d
		count[op]++
		total += d
	}
	ops := make([]string, 0, len(byOp))
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return byOp[ops[i]] > byOp[ops[j]] })
	fmt.Fprintf(w, "flern step: %d runs of %d kernels, %.1f us per run\n", f.runs, len(f.kerns), float64(total.Microseconds())/float64(f.runs))
	for _, op := range ops {
		fmt.Fprintf(w, "flern step:   %-16s %3d kernels %8.1f us per run\n", op, count[op], float64(byOp[op].Nanoseconds())/1e3/float64(f.runs))
	}
}

// StepRunner runs a training-step program (an optimizer step recorded by the
// drop-in loop: fixed shapes, state reads and writes) on the prepared step
// executor, built on first use; graphs it cannot prepare run with RunAny.
// Results are copies (the executor reuses its buffers). Safe for concurrent
// use (runs are serialized).
type StepRunner struct {
	g    *ir.Graph
	o    Options
	mu   sync.Mutex
	once bool
	f    *fastStep
}

// NewStepRunner prepares nothing yet; the first Run does.
func NewStepRunner(g *ir.Graph, o Options) *StepRunner { return &StepRunner{g: g, o: o} }

// Run executes one step on inputs (as RunAny's).
func (r *StepRunner) Run(ctx context.Context, inputs []any) ([]any, error) {
	if r.o.Reference {
		return RunAny(ctx, r.g, inputs, r.o)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.once {
		r.once = true
		r.f = buildFast(r.g, r.o)
	}
	if r.f == nil {
		return RunAny(ctx, r.g, inputs, r.o)
	}
	ic, err := interp.NewCtx(ctx, inputs)
	if err != nil {
		return nil, err
	}
	r.f.ic.Tensors = ic.Tensors
	r.f.ic.Inputs = ic.Inputs
	defer func() { r.f.ic.Tensors, r.f.ic.Inputs = nil, nil }()
	res, err := r.f.run()
	if err != nil {
		return nil, err
	}
	// run's slice is reused by the next run: the caller gets its own
	outs := append([]any(nil), res...)
	if traceOut != nil && r.f.runs%100 == 0 { // the drop-in loop's steps: every 100th prints the time per op
		r.f.report(traceOut)
	}
	for i, o := range r.g.Outputs {
		if r.g.Node(o).Op != "state_write" {
			outs[i] = interp.CloneTensor(outs[i].(*col.Tensor))
		}
	}
	return outs, nil
}

func (f *fastStep) run() ([]any, error) {
	if f.ktime != nil {
		f.runs++
		for i, k := range f.kerns {
			t0 := time.Now()
			err := k()
			f.ktime[i] += time.Since(t0)
			if err != nil {
				return nil, err
			}
		}
	} else {
		for _, k := range f.kerns {
			if err := k(); err != nil {
				return nil, err
			}
		}
	}
	if f.outs == nil {
		f.outs = make([]any, len(f.g.Outputs))
	}
	for i, o := range f.g.Outputs {
		f.outs[i] = f.slots[o]
	}
	return f.outs, nil
}

func shapeOf(n *ir.Node) []int {
	s := n.Schema.Tensor.Shape
	out := make([]int, len(s))
	for i, d := range s {
		out[i] = int(d)
	}
	return out
}

// kernel returns the step function of n (nil when n needs none per step) and
// whether n is a constant (computed here, once).
func (f *fastStep) kernel(n *ir.Node, users [][]*ir.Node, constant []bool) (func() error, bool, error) {
	allConst := len(n.Inputs) > 0 || n.Op == "full" || n.Op == "arange"
	for _, in := range n.Inputs {
		allConst = allConst && constant[in]
	}
	if n.Op == "state" || n.Op == "state_write" || tensor.UpdateOps[n.Op] > 0 {
		allConst = false
	}
	id := n.ID
	if allConst || (n.Op == "expand_as" && constant[n.Inputs[0]]) {
		in := make([]any, len(n.Inputs))
		for i, x := range n.Inputs {
			if constant[x] {
				in[i] = f.slots[x]
			} else { // expand_as: only the shape of "like" matters
				in[i] = col.NewTensor(f.g.Node(x).Schema.Tensor.DType, shapeOf(f.g.Node(x)))
			}
		}
		out, err := runNode(f.c, n, in)
		if err != nil {
			return nil, false, err
		}
		f.slots[id] = out.(*col.Tensor)
		return nil, true, nil
	}
	tt := n.Schema.Tensor
	shape := shapeOf(n)
	f32out := tt.DType == ir.Float32
	// operand resolves input i of a float32 kernel.
	operandOf := func(i int) (operand, bool) {
		x := f.g.Node(n.Inputs[i])
		xt := x.Schema.Tensor
		if constant[x.ID] && tensor.Numel(xt.Shape) == 1 {
			c := f.slots[x.ID]
			switch c.DType {
			case ir.Float32:
				return operand{kind: opConst, v: c.F32[0]}, true
			case ir.Float64:
				return operand{kind: opConst, v: float32(c.F64[0])}, true
			case ir.Int64:
				return operand{kind: opConst, v: float32(c.I64[0])}, true
			}
			return operand{}, false
		}
		if xt.DType != ir.Float32 {
			return operand{}, false
		}
		if tensor.Numel(xt.Shape) == 1 && tensor.Numel(tt.Shape) != 1 {
			return operand{kind: opScalar, id: x.ID}, true
		}
		if idx := broadcastIndex(shapeOf(x), shape); idx != nil {
			if w := int(tensor.Numel(xt.Shape)); isRow(idx, w) {
				return operand{kind: opRow, id: x.ID, idx: idx}, true
			}
			return operand{kind: opIndexed, id: x.ID, idx: idx}, true
		}
		return operand{kind: opFull, id: x.ID}, true
	}
	fallback := func() (func() error, bool, error) {
		in := make([]any, len(n.Inputs))
		return func() error {
			for i, x := range n.Inputs {
				in[i] = f.slots[x]
			}
			out, err := runNode(f.c, n, in)
			if err != nil {
				return err
			}
			t, ok := out.(*col.Tensor)
			if !ok {
				return ir.AtNode(ir.Errorf("Internal", "%s returned a %T", n.Op, out), n)
			}
			f.slots[id] = t
			return nil
		}, false, nil
	}
	if f.fuseAway(n, users, constant) { // train_fuse.go: its reader computes it
		f.fusedAway[id] = true
		return nil, false, nil
	}
	if k, ok := f.fusedPair(n, shape, constant); ok {
		return k, false, nil
	}
	if ref, _, _ := fallback(); ref != nil { // indexing ops: stepindex.go
		if k, ok := f.indexKernel(n, shape, ref); ok {
			return k, false, nil
		}
	}
	if k, ok := f.mlpKernel(n, shape); ok { // stepmlp.go
		return k, false, nil
	}
	switch {
	case n.Op == "source_tensor":
		i := int(n.Attrs.Int("input", 0))
		return func() error {
			if i < 0 || i >= len(f.ic.Tensors) || f.ic.Tensors[i] == nil {
				return ir.AtNode(ir.Errorf("Value", "run input %d is missing or not a tensor", i), n)
			}
			t := f.ic.Tensors[i]
			if t.DType != tt.DType || t.Len() != int(tensor.Numel(tt.Shape)) {
				return ir.AtNode(ir.Errorf("Value", "tensor input %d is %s with %d elements, the plan says %s", i, t.DType, t.Len(), tt), n)
			}
			f.slots[id] = t.Reshaped(shape)
			return nil
		}, false, nil
	case n.Op == "state":
		return nil, false, nil // read by readStates
	case tensor.UpdateOps[n.Op] > 0:
		p := f.g.Node(n.Inputs[0])
		inPlace := p.Op == "state" && len(users[id]) > 0
		for _, u := range users[id] {
			inPlace = inPlace && u.Attrs.Int("key", -1) == p.Attrs.Int("key", -2)
		}
		ins := make([]*col.Tensor, len(n.Inputs))
		up := interp.NewUpdate(n)
		up.Share(&f.adam)
		var buf *col.Tensor
		if !inPlace {
			buf = col.NewTensor(tt.DType, shape)
		}
		return func() error {
			for i, x := range n.Inputs {
				ins[i] = f.slots[x]
			}
			out := buf
			if inPlace {
				out = ins[0]
			}
			up.Apply(ins, out)
			f.slots[id] = out
			return nil
		}, false, nil
	case n.Op == "state_write":
		key := n.Attrs.Int("key", 0)
		src := n.Inputs[0]
		return func() error {
			v := f.slots[src]
			cur, err := interp.StateGet(key)
			if err != nil {
				return ir.AtNode(err, n)
			}
			if cur != v { // not updated in place: store a copy (step buffers are reused)
				if err := interp.StateSet(key, interp.CloneTensor(v)); err != nil {
					return ir.AtNode(err, n)
				}
			}
			f.slots[id] = v
			return nil
		}, false, nil
	case tensor.Views[n.Op] || n.Op == "detach":
		src := n.Inputs[0]
		var v viewCache
		return func() error {
			t := f.slots[src]
			if n.Op == "detach" {
				f.slots[id] = t
			} else {
				f.slots[id] = v.of(t, shape)
			}
			return nil
		}, false, nil
	case n.Op == "matmul":
		return f.matmul(n, shape, users[id], fallback)
	case n.Op == "fused":
		if k, ok := f.fusedKernel(n, shape); ok {
			return k, false, nil
		}
		return fallback()
	case isSwap2D(n) && f32out && f.pret[id]:
		src := n.Inputs[0]
		return func() error {
			f.slots[id] = f.slots[src]
			return nil
		}, false, nil
	case isSwap2D(n) && f32out:
		// A chain of transposes reads its root: an even chain is the root
		// itself, an odd one one copy. Matmuls and transposes reading this one
		// resolve their own chains, so only other readers need the copy.
		src, odd := n.Inputs[0], true
		for {
			r := f.g.Node(src)
			if !isSwap2D(r) || f.pret[src] {
				break
			}
			src, odd = r.Inputs[0], !odd
		}
		if !odd {
			var v viewCache
			return func() error {
				f.slots[id] = v.of(f.slots[src], shape)
				return nil
			}, false, nil
		}
		out := col.NewTensor(ir.Float32, shape)
		needed := false
		for _, u := range users[id] {
			needed = needed || (u.Op != "matmul" && !isSwap2D(u))
		}
		for _, o := range f.g.Outputs {
			needed = needed || o == id
		}
		return func() error {
			if needed {
				x := f.slots[src].F32
				r, c := shape[0], shape[1]
				for i := 0; i < c; i++ {
					row := x[i*r : (i+1)*r]
					for j, v := range row {
						out.F32[j*c+i] = v
					}
				}
			}
			f.slots[id] = out
			return nil
		}, false, nil
	case tensor.Unary[n.Op] && f32out && f.g.Node(n.Inputs[0]).Schema.Tensor.DType == ir.Float32:
		src := n.Inputs[0]
		out := col.NewTensor(ir.Float32, shape)
		op := unaryF32(n.Op)
		return func() error {
			op(out.F32, f.slots[src].F32)
			f.slots[id] = out
			return nil
		}, false, nil
	case tensor.Binary[n.Op] && n.Op != "pow" && (f32out || (tensor.Compare[n.Op] && tt.DType == ir.Bool)):
		a, okA := operandOf(0)
		b, okB := operandOf(1)
		if !okA || !okB {
			return fallback()
		}
		out := col.NewTensor(tt.DType, shape)
		op := binaryF32(n.Op)
		cmp := compareF32(n.Op)
		return func() error {
			if cmp != nil && a.kind == opFull && (b.kind == opConst || b.kind == opScalar) {
				blas.CmpConstF32(cmpCode[n.Op], out.B, f.slots[a.id].F32, f.at(&b, 0))
			} else if cmp != nil {
				for k := range out.B {
					out.B[k] = cmp(f.at(&a, k), f.at(&b, k))
				}
			} else if a.kind == opFull && b.kind == opRow && n.Op != "maximum" && n.Op != "minimum" {
				binaryFull(n.Op, out.F32, f.slots[a.id].F32, f.slots[b.id].F32)
			} else if a.kind == opFull && b.kind == opFull && n.Op != "maximum" && n.Op != "minimum" {
				binaryFull(n.Op, out.F32, f.slots[a.id].F32, f.slots[b.id].F32)
			} else if a.kind == opFull && (b.kind == opConst || b.kind == opScalar) {
				x, y := f.slots[a.id].F32, f.at(&b, 0)
				for k := range out.F32 {
					out.F32[k] = op(x[k], y)
				}
			} else {
				for k := range out.F32 {
					out.F32[k] = op(f.at(&a, k), f.at(&b, k))
				}
			}
			f.slots[id] = out
			return nil
		}, false, nil
	case n.Op == "where" && f32out && f.g.Node(n.Inputs[0]).Schema.Tensor.DType == ir.Bool:
		c := f.g.Node(n.Inputs[0])
		cidx := broadcastIndex(shapeOf(c), shape)
		x, okX := operandOf(1)
		y, okY := operandOf(2)
		if !okX || !okY || constant[c.ID] {
			return fallback()
		}
		out := col.NewTensor(ir.Float32, shape)
		return func() error {
			cb := f.slots[c.ID].B
			if cidx == nil && x.kind == opFull && y.kind == opConst {
				blas.WhereConstF32(out.F32, cb, f.slots[x.id].F32, y.v)
				f.slots[id] = out
				return nil
			}
			for k := range out.F32 {
				ck := k
				if cidx != nil {
					ck = int(cidx[k])
				}
				if cb[ck] {
					out.F32[k] = f.at(&x, k)
				} else {
					out.F32[k] = f.at(&y, k)
				}
			}
			f.slots[id] = out
			return nil
		}, false, nil
	case (n.Op == "sum" || n.Op == "mean") && f32out && n.Attrs["dims"] == nil && f.g.Node(n.Inputs[0]).Schema.Tensor.DType == ir.Float32:
		src := n.Inputs[0]
		out := col.NewTensor(ir.Float32, shape)
		return func() error {
			x := f.slots[src].F32
			s := 0.0
			for _, v := range x {
				s += float64(v)
			}
			if n.Op == "mean" {
				s /= float64(len(x))
			}
			out.F32[0] = float32(s)
			f.slots[id] = out
			return nil
		}, false, nil
	case (n.Op == "sum_to" || n.Op == "expand_as") && f32out && f.g.Node(n.Inputs[0]).Schema.Tensor.DType == ir.Float32:
		src := n.Inputs[0]
		out := col.NewTensor(ir.Float32, shape)
		if n.Op == "expand_as" {
			idx := broadcastIndex(shapeOf(f.g.Node(src)), shape)
			return func() error {
				x := f.slots[src].F32
				if idx == nil {
					copy(out.F32, x)
				} else {
					for k, j := range idx {
						out.F32[k] = x[j]
					}
				}
				f.slots[id] = out
				return nil
			}, false, nil
		}
		idx := broadcastIndex(shape, shapeOf(f.g.Node(src)))
		acc := make([]float64, len(out.F32))
		rows := isRow(idx, len(out.F32)) // a sum over the leading dims
		return func() error {
			x := f.slots[src].F32
			if rows {
				blas.ColSumF32(out.F32, x, acc)
			} else if idx == nil {
				copy(out.F32, x)
			} else {
				clear(acc)
				for k, v := range x {
					acc[idx[k]] += float64(v)
				}
				for k, v := range acc {
					out.F32[k] = float32(v)
				}
			}
			f.slots[id] = out
			return nil
		}, false, nil
	}
	return fallback()
}

// fusedKernel runs an element-wise fused loop (a "tensor" kernel with one
// output, as exec's runTensorKernel runs it) into a buffer allocated once,
// over all of its elements in one call of the native kernel (or the Go
// evaluator while it compiles) instead of allocating the output and
// splitting the call over the workers each run: a row_split chunk's loops
// are small and the chunks already run on every worker.
func (f *fastStep) fusedKernel(n *ir.Node, shape []int) (func() error, bool) {
	k, ok := n.Attrs["kernel"].(*lower.Kernel)
	if !ok || k.Kind != "tensor" || k.Loop == nil {
		return nil, false
	}
	l := k.Loop
	if len(l.Builders) != 1 || l.Builders[0].Kind != lower.Append || l.Builders[0].Stride != 0 || l.Scatters() || l.Compacts() ||
		len(l.Inputs) != len(n.Inputs) || l.Builders[0].Type != n.Schema.Tensor.DType {
		return nil, false
	}
	rows := 1
	for _, d := range shape {
		rows *= d
	}
	for i, id := range n.Inputs {
		xt := f.g.Node(id).Schema.Tensor
		if xt == nil || xt.DType != l.Inputs[i].Type {
			return nil, false
		}
		want := rows
		switch {
		case l.Inputs[i].Scalar:
			want = 1
		case l.Inputs[i].Bcast == lower.Inner:
			want = l.Width
		case l.Inputs[i].Bcast == lower.Outer:
			if l.Width == 0 || rows%l.Width != 0 {
				return nil, false
			}
			want = rows / l.Width
		}
		if int(tensor.Numel(xt.Shape)) != want {
			return nil, false
		}
	}
	out := col.NewTensor(n.Schema.Tensor.DType, shape)
	bufs := make([]lower.Buf, len(n.Inputs))
	outs := &lower.Outputs{Append: []lower.Buf{tensorBuf(out)}, Merge: make([]lower.Acc, 1), Groups: make([][]lower.Acc, 1),
		Vec: make([]lower.Buf, 1)}
	id := n.ID
	// The native kernel, once loaded, is kept: looking it up emits the
	// loop's C source and hashes it (codegen.Ready), which cost more than
	// a small chunk's loop when done every run.
	var native *codegen.Kernel
	return func() error {
		for i, x := range n.Inputs {
			bufs[i] = tensorBuf(f.slots[x])
		}
		if native == nil && k.Codegen && int64(rows) >= k.MinRows {
			native = codegen.Ready(l)
		}
		if native != nil {
			native.Range(l, bufs)(0, rows, outs)
		} else {
			rangeFunc(k, l, bufs, rows)(0, rows, outs)
		}
		f.slots[id] = out
		return nil
	}, true
}

// viewCache keeps a view kernel's last result: a step's buffers and state
// entries are the same tensors run after run (tensors are never changed in
// place but for their data), so the view is made once, not allocated per
// step.
type viewCache struct{ src, view *col.Tensor }

// of returns t reshaped to shape.
func (c *viewCache) of(t *col.Tensor, shape []int) *col.Tensor {
	if t != c.src || c.view == nil {
		c.src, c.view = t, t.Reshaped(shape)
	}
	return c.view
}
