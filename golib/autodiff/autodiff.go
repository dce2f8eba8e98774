// Package autodiff is reverse-mode automatic differentiation as a graph ->
// graph transform. The front end records one grad node per (loss, leaf)
// pair (golib/tensor: grad [loss, wrt]); Expand replaces every grad node by
// the backward graph built from plain tensor ops (vector-Jacobian products),
// so the optimizer, explain() and the executor only ever see ordinary ops.
//
// For each distinct loss, the backward sweep runs once over the nodes that
// lie on a path from one of its wrt nodes to the loss (float tensors only:
// comparisons, argmax, casts to int/bool, detach and frame ops cut the
// path), and
// every grad node of that loss reads the accumulated gradient of its wrt
// node (zeros when the loss does not depend on it). As in torch, the wrt
// nodes are leaves: the sweep stops at them, so no gradient flows from one
// wrt node into its inputs (a tensor made a leaf by requires_grad_() after
// being computed under no_grad, or a detach node, is a leaf). Gradients are summed
// back to each input's shape with sum_to (un-broadcasting) and cast to each
// input's dtype, as torch does.
package autodiff

import (
	"sort"
	"strconv"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// Expand rewrites every grad node of g into plain tensor ops. It reports
// whether it changed the graph. g's schemas must be inferred (g.Verify).
func Expand(g *ir.Graph) (changed bool, err error) {
	has := false
	for _, n := range g.Nodes {
		if n.Op == "grad" {
			has = true
			break
		}
	}
	if !has {
		return false, nil
	}
	b := &builder{out: &ir.Graph{}}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(gradError); ok {
				err = e.err
				return
			}
			panic(r)
		}
	}()
	remap := make([]ir.NodeID, len(g.Nodes))
	sweeps := map[ir.NodeID]map[ir.NodeID]ir.NodeID{} // new loss id -> node -> gradient
	for _, n := range g.Nodes {
		if n.Op != "grad" {
			c := *n
			c.Inputs = make([]ir.NodeID, len(n.Inputs))
			for i, in := range n.Inputs {
				c.Inputs[i] = remap[in]
			}
			remap[n.ID] = b.out.Add(&c)
			continue
		}
		b.loc = n.Loc
		loss, wrt := remap[n.Inputs[0]], remap[n.Inputs[1]]
		grads, ok := sweeps[loss]
		if !ok {
			// Every wrt of this loss that is already in the new graph.
			wrts := map[ir.NodeID]bool{}
			for _, m := range g.Nodes {
				if m.Op == "grad" && m.Inputs[0] == n.Inputs[0] && m.Inputs[1] < n.ID {
					wrts[remap[m.Inputs[1]]] = true
				}
			}
			grads = b.backward(loss, wrts)
			sweeps[loss] = grads
		}
		gid, ok := grads[wrt]
		if !ok {
			gid = b.zerosLike(wrt)
		}
		remap[n.ID] = gid
	}
	outs := make([]ir.NodeID, len(g.Outputs))
	for i, o := range g.Outputs {
		outs[i] = remap[o]
	}
	g.Nodes, g.Outputs = b.out.Nodes, outs
	return true, nil
}

type gradError struct{ err error }

type builder struct {
	out *ir.Graph
	loc string
}

func (b *builder) fail(err error, op string) {
	if fe, ok := err.(*ir.Error); ok {
		c := *fe
		if c.Op == "" {
			c.Op = op
		}
		if c.Loc == "" {
			c.Loc = b.loc
		}
		panic(gradError{&c})
	}
	panic(gradError{&ir.Error{Kind: "Internal", Msg: err.Error(), Op: op, Loc: b.loc, Err: err}})
}

func (b *builder) failf(kind, format string, args ...any) {
	b.fail(ir.Errorf(kind, format, args...), "grad")
}

// add appends op(in...) with attrs and infers its schema.
func (b *builder) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	n := &ir.Node{Op: op, Inputs: in, Attrs: attrs, Loc: b.loc}
	schemas := make([]*ir.Schema, len(in))
	for i, id := range in {
		schemas[i] = b.out.Node(id).Schema
	}
	s, err := ir.LookupOp(op).Infer(n, schemas)
	if err != nil {
		b.fail(err, op)
	}
	n.Schema = s
	return b.out.Add(n)
}

func (b *builder) typ(id ir.NodeID) *ir.TensorType { return b.out.Node(id).Schema.Tensor }

// scalar is a 0-dim (not wrapped) constant of dtype dt.
func (b *builder) scalar(v float64, dt ir.DType) ir.NodeID {
	return b.add("full", ir.Attrs{"shape": []any{}, "value": strconv.FormatFloat(v, 'g', -1, 64), "dtype": dt.String()})
}

func (b *builder) un(op string, x ir.NodeID) ir.NodeID { return b.add(op, nil, x) }
func (b *builder) bin(op string, x, y ir.NodeID) ir.NodeID {
	return b.add(op, nil, x, y)
}

func static(shape []int64) bool { return tensor.Numel(shape) != ir.DynDim }

func (b *builder) zerosLike(x ir.NodeID) ir.NodeID {
	t := b.typ(x)
	if static(t.Shape) {
		sh := make([]any, len(t.Shape))
		for i, d := range t.Shape {
			sh[i] = float64(d)
		}
		return b.add("full", ir.Attrs{"shape": sh, "value": "0", "dtype": t.DType.String()})
	}
	return b.add("expand_as", nil, b.scalar(0, t.DType), x)
}

// castTo converts gradient gid to dtype dt when it differs.
func (b *builder) castTo(gid ir.NodeID, dt ir.DType) ir.NodeID {
	if b.typ(gid).DType == dt {
		return gid
	}
	return b.add("cast", ir.Attrs{"dtype": dt.String()}, gid)
}

func differentiable(s *ir.Schema) bool { return s.IsTensor() && s.Tensor.DType.IsFloat() }

// backward runs the reverse sweep from loss and returns the gradient of
// every node on a path from one of wrts to loss.
func (b *builder) backward(loss ir.NodeID, wrts map[ir.NodeID]bool) map[ir.NodeID]ir.NodeID {
	// on[i]: node i depends (through float tensors) on some wrt.
	on := make([]bool, loss+1)
	for i := ir.NodeID(0); i <= loss; i++ {
		n := b.out.Node(i)
		if wrts[i] && differentiable(n.Schema) {
			on[i] = true
			continue
		}
		if !differentiable(n.Schema) || n.Op == "detach" {
			continue
		}
		for _, in := range n.Inputs {
			if on[in] {
				on[i] = true
				break
			}
		}
	}
	grads := map[ir.NodeID]ir.NodeID{}
	if !on[loss] {
		return grads
	}
	lt := b.typ(loss)
	if tensor.Numel(lt.Shape) != 1 {
		b.failf("Value", "grad can be implicitly created only for scalar outputs")
	}
	seed := b.scalar(1, lt.DType)
	if len(lt.Shape) > 0 {
		seed = b.add("expand_as", nil, seed, loss)
	}
	parts := map[ir.NodeID][]ir.NodeID{loss: {seed}}
	for i := loss; i >= 0; i-- {
		ps := parts[i]
		if !on[i] || len(ps) == 0 {
			continue
		}
		n := b.out.Node(i)
		sort.Slice(ps, func(x, y int) bool { return ps[x] < ps[y] })
		total := ps[0]
		for _, p := range ps[1:] {
			total = b.bin("add", total, p)
		}
		total = b.castTo(total, n.Schema.Tensor.DType)
		grads[i] = total
		delete(parts, i)
		if wrts[i] {
			continue // wrt nodes are leaves: no gradient flows into their inputs
		}
		need := make([]bool, len(n.Inputs))
		any := false
		for k, in := range n.Inputs {
			need[k] = on[in] && !wrtOnly(n, k)
			any = any || need[k]
		}
		if !any {
			continue
		}
		for k, gin := range b.vjp(n, total, need) {
			if need[k] && gin >= 0 {
				in := n.Inputs[k]
				parts[in] = append(parts[in], gin)
			}
		}
	}
	return grads
}

// wrtOnly reports inputs through which no gradient flows.
func wrtOnly(n *ir.Node, k int) bool {
	return n.Op == "where" && k == 0
}

// sumTo un-broadcasts gradient gid to the shape of node x.
func (b *builder) sumTo(gid, x ir.NodeID) ir.NodeID {
	gs, xs := b.typ(gid).Shape, b.typ(x).Shape
	if sameShape(gs, xs) && static(xs) {
		return gid
	}
	return b.add("sum_to", nil, gid, x)
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

func shapeAttr(shape []int64) ([]any, bool) {
	out := make([]any, len(shape))
	dyn := 0
	for i, d := range shape {
		if d == ir.DynDim {
			dyn++
			d = -1
		}
		out[i] = float64(d)
	}
	return out, dyn <= 1
}

func intsAttr(v ...int) []any {
	out := make([]any, len(v))
	for i, d := range v {
		out[i] = float64(d)
	}
	return out
}

// reshapeTo reshapes gradient gid to the shape of node x.
func (b *builder) reshapeTo(gid, x ir.NodeID) ir.NodeID {
	sh, ok := shapeAttr(b.typ(x).Shape)
	if !ok {
		b.failf("NotImplemented", "gradient through a reshape of a tensor with more than one size known only at run time")
	}
	return b.add("reshape", ir.Attrs{"shape": sh}, gid)
}

// vjp returns, for each input of n that needs it, the gradient contribution
// (already summed to the input's shape); -1 where none.
func (b *builder) vjp(n *ir.Node, g ir.NodeID, need []bool) []ir.NodeID {
	res := make([]ir.NodeID, len(n.Inputs))
	for i := range res {
		res[i] = -1
	}
	y := n.ID
	in := n.Inputs
	dt := n.Schema.Tensor.DType
	one := func() ir.NodeID { return b.scalar(1, dt) }
	zero := func() ir.NodeID { return b.scalar(0, dt) }
	switch n.Op {
	case "add":
		if need[0] {
			res[0] = b.sumTo(g, in[0])
		}
		if need[1] {
			res[1] = b.sumTo(g, in[1])
		}
	case "sub":
		if need[0] {
			res[0] = b.sumTo(g, in[0])
		}
		if need[1] {
			res[1] = b.sumTo(b.un("neg", g), in[1])
		}
	case "mul":
		if need[0] {
			res[0] = b.sumTo(b.bin("mul", g, in[1]), in[0])
		}
		if need[1] {
			res[1] = b.sumTo(b.bin("mul", g, in[0]), in[1])
		}
	case "div":
		if need[0] {
			res[0] = b.sumTo(b.bin("div", g, in[1]), in[0])
		}
		if need[1] { // -g * y / b
			res[1] = b.sumTo(b.un("neg", b.bin("div", b.bin("mul", g, y), in[1])), in[1])
		}
	case "pow":
		if need[0] { // g * e * a^(e-1)
			e := in[1]
			em1 := b.bin("sub", e, one())
			res[0] = b.sumTo(b.bin("mul", g, b.bin("mul", e, b.bin("pow", in[0], em1))), in[0])
		}
		if need[1] { // g * y * log(a)
			res[1] = b.sumTo(b.bin("mul", g, b.bin("mul", y, b.un("log", in[0]))), in[1])
		}
	case "maximum", "minimum":
		cmp := "gt"
		if n.Op == "minimum" {
			cmp = "lt"
		}
		half := b.bin("mul", g, b.scalar(0.5, dt))
		tie := b.bin("eq", in[0], in[1])
		if need[0] {
			res[0] = b.sumTo(b.add("where", nil, b.bin(cmp, in[0], in[1]), g, b.add("where", nil, tie, half, zero())), in[0])
		}
		if need[1] {
			res[1] = b.sumTo(b.add("where", nil, b.bin(cmp, in[1], in[0]), g, b.add("where", nil, tie, half, zero())), in[1])
		}
	case "where":
		if need[1] {
			res[1] = b.sumTo(b.add("where", nil, in[0], g, zero()), in[1])
		}
		if need[2] {
			res[2] = b.sumTo(b.add("where", nil, in[0], zero(), g), in[2])
		}
	case "neg":
		res[0] = b.un("neg", g)
	case "exp":
		res[0] = b.bin("mul", g, y)
	case "log":
		res[0] = b.bin("div", g, in[0])
	case "sqrt":
		res[0] = b.bin("div", g, b.bin("mul", y, b.scalar(2, dt)))
	case "abs":
		x := in[0]
		sign := b.add("where", nil, b.bin("gt", x, zero()), one(),
			b.add("where", nil, b.bin("lt", x, zero()), b.scalar(-1, dt), zero()))
		res[0] = b.bin("mul", g, sign)
	case "relu":
		res[0] = b.add("where", nil, b.bin("gt", y, zero()), g, zero())
	case "sigmoid": // g * y * (1 - y)
		res[0] = b.bin("mul", g, b.bin("mul", y, b.bin("sub", one(), y)))
	case "tanh": // g * (1 - y*y)
		res[0] = b.bin("mul", g, b.bin("sub", one(), b.bin("mul", y, y)))
	case "cast":
		res[0] = g // castTo at accumulation converts to the input dtype
	case "matmul":
		b.matmulVJP(n, g, need, res)
	case "sum", "mean":
		x := in[0]
		xt := b.typ(x)
		dims, _, err := tensor.ReduceDims(n, len(xt.Shape))
		if err != nil {
			b.fail(err, n.Op)
		}
		gk := g
		if !n.Attrs.Bool("keepdim", false) {
			for d := range dims {
				if dims[d] {
					gk = b.add("unsqueeze", ir.Attrs{"dim": float64(d)}, gk)
				}
			}
		}
		gx := b.add("expand_as", nil, gk, x)
		if n.Op == "mean" {
			cnt := int64(1)
			dyn := false
			for d, r := range dims {
				if r {
					if xt.Shape[d] == ir.DynDim {
						dyn = true
					}
					cnt *= xt.Shape[d]
				}
			}
			var c ir.NodeID
			if dyn {
				ones := b.add("expand_as", nil, b.scalar(1, xt.DType), x)
				c = b.add("sum", ir.Attrs{"dims": intsAttr(reducedList(dims)...), "keepdim": true}, ones)
			} else {
				c = b.scalar(float64(cnt), xt.DType)
			}
			gx = b.bin("div", gx, c)
		}
		res[0] = gx
	case "max", "min":
		if n.Attrs["dim"] != nil {
			res[0] = b.extremeDimVJP(n, g)
			break
		}
		// torch: evenly distributed among the elements equal to the result.
		x := in[0]
		mask := b.bin("eq", x, b.add("expand_as", nil, y, x))
		ones := b.add("where", nil, mask, one(), zero())
		cnt := b.add("sum", ir.Attrs{"dims": nil, "keepdim": false}, ones)
		res[0] = b.add("where", nil, mask, b.add("expand_as", nil, b.bin("div", g, cnt), x), zero())
	case "reshape", "flatten":
		res[0] = b.reshapeTo(g, in[0])
	case "unsqueeze":
		d, err := tensor.WrapDim(n.Attrs.Int("dim", 0), len(b.typ(in[0]).Shape)+1)
		if err != nil {
			b.fail(err, n.Op)
		}
		res[0] = b.add("squeeze", ir.Attrs{"dims": intsAttr(d)}, g)
	case "squeeze":
		gx := g
		for _, d := range b.squeezed(n) {
			gx = b.add("unsqueeze", ir.Attrs{"dim": float64(d)}, gx)
		}
		res[0] = gx
	case "permute":
		perm, err := tensor.OpPerm(n, len(b.typ(in[0]).Shape))
		if err != nil {
			b.fail(err, n.Op)
		}
		inv := make([]int, len(perm))
		for i, p := range perm {
			inv[p] = i
		}
		res[0] = b.add("permute", ir.Attrs{"dims": intsAttr(inv...)}, g)
	case "transpose":
		res[0] = b.add("transpose", ir.Attrs{"dim0": n.Attrs["dim0"], "dim1": n.Attrs["dim1"]}, g)
	case "sum_to":
		res[0] = b.add("expand_as", nil, g, in[0])
	case "expand_as":
		res[0] = b.sumTo(g, in[0])
	default:
		if !b.vjpIndex(n, g, res) {
			b.fail(ir.Errorf("NotImplemented", "the derivative for '%s' is not implemented", n.Op), n.Op)
		}
	}
	return res
}

func reducedList(dims []bool) []int {
	var out []int
	for d, r := range dims {
		if r {
			out = append(out, d)
		}
	}
	return out
}

// squeezed lists, ascending, the dims of n's input that squeeze node n drops.
func (b *builder) squeezed(n *ir.Node) []int {
	xs := b.typ(n.Inputs[0]).Shape
	drop := make([]bool, len(xs))
	if n.Attrs["dims"] == nil {
		for i := range drop {
			drop[i] = true
		}
	} else {
		ds, _ := tensor.Ints(n.Attrs, "dims")
		for _, d := range ds {
			w, err := tensor.WrapDim(d, len(xs))
			if err != nil {
				b.fail(err, n.Op)
			}
			if len(xs) > 0 {
				drop[w] = true
			}
		}
	}
	var out []int
	for i, d := range xs {
		if drop[i] && d == 1 {
			out = append(out, i)
		}
	}
	return out
}

func (b *builder) matmulVJP(n *ir.Node, g ir.NodeID, need []bool, res []ir.NodeID) {
	a, bb := n.Inputs[0], n.Inputs[1]
	na, nb := len(b.typ(a).Shape), len(b.typ(bb).Shape)
	a1, b1, g1 := a, bb, g
	if na == 1 {
		a1 = b.add("unsqueeze", ir.Attrs{"dim": 0.0}, a)
	}
	if nb == 1 {
		b1 = b.add("unsqueeze", ir.Attrs{"dim": -1.0}, bb)
		g1 = b.add("unsqueeze", ir.Attrs{"dim": -1.0}, g1)
	}
	if na == 1 {
		g1 = b.add("unsqueeze", ir.Attrs{"dim": -2.0}, g1)
	}
	tr := func(x ir.NodeID) ir.NodeID {
		return b.add("transpose", ir.Attrs{"dim0": -1.0, "dim1": -2.0}, x)
	}
	if need[0] {
		ga := b.sumTo(b.bin("matmul", g1, tr(b1)), a1)
		if na == 1 {
			ga = b.add("squeeze", ir.Attrs{"dims": intsAttr(0)}, ga)
		}
		res[0] = ga
	}
	if need[1] {
		gb := b.sumTo(b.bin("matmul", tr(a1), g1), b1)
		if nb == 1 {
			gb = b.add("squeeze", ir.Attrs{"dims": []any{-1.0}}, gb)
		}
		res[1] = gb
	}
}
