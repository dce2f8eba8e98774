package exec

// The runtime of `fused` nodes (golib/lower): a loop run on all cores in
// morsels, by a native kernel (golib/codegen) when the node allows codegen
// and the run is large enough, else by the Go evaluator of the loop IR.

import (
	"math"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

func init() {
	Register("fused", runFused)
}

func runFused(c *Ctx, n *ir.Node, in []any) (any, error) {
	k, ok := n.Attrs["kernel"].(*lower.Kernel)
	if !ok {
		return nil, ir.Errorf("Internal", "fused node without a kernel")
	}
	switch k.Kind {
	case "tensor":
		return runTensorKernel(c, k, in)
	case "agg":
		if s, ok := in[0].(*scanStream); ok {
			return streamAgg(c, n, k, s)
		}
		return runAggKernel(c, k, in)
	case "to_tensor":
		return runToTensorKernel(c, k, in)
	case "select":
		return runSelectKernel(c, n, k, in)
	case "scatter":
		return runScatterKernel(c, n, k, in)
	}
	return nil, ir.Errorf("Internal", "fused kernel of kind %q", k.Kind)
}

// rangeFunc picks how a loop runs over rows: natively when allowed, large
// enough and the compiler succeeds, else with the Go evaluator.
//
// A kernel already compiled (this process, or the disk cache) is used
// at once. Otherwise a run large enough that the Go evaluator would take
// longer than the compile (lower.SyncWork), or a node asking for it
// (SyncCompile), compiles first; smaller runs start the compile in the
// background and use the Go evaluator until the kernel is ready.
func rangeFunc(k *lower.Kernel, l *lower.Loop, bufs []lower.Buf, rows int) lower.RangeFunc {
	if k.Codegen && int64(rows) >= k.MinRows {
		if nk := codegen.Ready(l); nk != nil {
			return nk.Range(l, bufs)
		}
		if k.SyncCompile || int64(rows)*int64(len(l.Body)) >= lower.SyncWork {
			if nk, err := codegen.Compile(l); err == nil {
				return nk.Range(l, bufs)
			}
		} else {
			codegen.CompileAsync(l)
		}
	}
	return lower.EvalRange(l, bufs)
}

func tensorBuf(t *col.Tensor) lower.Buf {
	return lower.Buf{F32: t.F32, F64: t.F64, I64: t.I64, B: t.B}
}

func runTensorKernel(c *Ctx, k *lower.Kernel, in []any) (any, error) {
	l := k.Loop
	bufs := make([]lower.Buf, len(in))
	var shape []int
	for i, x := range in {
		t, ok := x.(*col.Tensor)
		if !ok || t.DType != l.Inputs[i].Type {
			return nil, ir.Errorf("Internal", "fused: input %d is not a %s tensor", i, l.Inputs[i].Type)
		}
		bufs[i] = tensorBuf(t)
		if l.Inputs[i].Scalar {
			if t.Numel() != 1 {
				return nil, ir.Errorf("Internal", "fused: scalar input %d has %d elements", i, t.Numel())
			}
			continue
		}
		if l.Inputs[i].Bcast != lower.Full {
			continue // checked below, against the loop's rows
		}
		if shape == nil {
			shape = t.Shape
		} else if !sameInts(shape, t.Shape) {
			return nil, ir.Errorf("Value", "The size of tensor a %v must match the size of tensor b %v", shape, t.Shape)
		}
	}
	if shape == nil { // only broadcast inputs: the shape is static (lower.Fuse checks)
		for _, d := range k.Schema.Tensor.Shape {
			if d < 0 {
				return nil, ir.Errorf("Internal", "fused: no full-size input and a dynamic shape")
			}
			shape = append(shape, int(d))
		}
	}
	rows := 1
	for _, d := range shape {
		rows *= d
	}
	for i, x := range in {
		t := x.(*col.Tensor)
		want := 0
		switch l.Inputs[i].Bcast {
		case lower.Inner:
			want = l.Width
		case lower.Outer:
			want = rows / l.Width
		default:
			continue
		}
		if t.Numel() != want || rows%l.Width != 0 {
			return nil, ir.Errorf("Value", "The size of tensor a %v must match the size of tensor b %v at a non-singleton dimension", shape, t.Shape)
		}
	}
	out, err := lower.ParallelCtx(c.Context, l, rows, 0, rangeFunc(k, l, bufs, rows))
	if err != nil {
		return nil, cancelled(err)
	}
	b := out.Append[0]
	return &col.Tensor{DType: l.Builders[0].Type, Shape: append([]int{}, shape...), F32: b.F32, F64: b.F64, I64: b.I64, B: b.B}, nil
}

// cancelled is the error of a run stopped between morsels.
func cancelled(err error) error {
	return ir.Errorf("Cancelled", "run cancelled: %v", err)
}

func sameInts(a, b []int) bool {
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

// frameBufs are the loop's input buffers for the base frame's columns:
// the column's values, or its validity bitmap for a bitmap input (all ones
// when the column has none).
func frameBufs(k *lower.Kernel, src *col.Frame) ([]lower.Buf, error) {
	bufs := make([]lower.Buf, len(k.Loop.Inputs))
	nullable := map[string]bool{}
	for i, name := range k.Columns {
		if k.Loop.Inputs[i].Bits {
			nullable[name] = true
		}
	}
	for i, name := range k.Columns {
		c := src.Col(name)
		if c == nil {
			return nil, ir.Errorf("ColumnNotFound", "column %q not found", name)
		}
		if k.Loop.Inputs[i].Bits {
			v := c.Valid
			if v == nil {
				v = col.NewBitmap(c.N, true)
			}
			bufs[i] = lower.Buf{Bits: v}
			continue
		}
		if !nullable[name] && c.Valid != nil && c.HasNulls() {
			return nil, ir.Errorf("Internal", "fused: column %q has nulls, its schema says it has none", name)
		}
		bufs[i] = lower.Buf{F64: c.F64, I64: c.I64, B: c.B}
	}
	return bufs, nil
}

// runToTensorKernel evaluates the computed columns of a frame straight
// into the [rows, cols] tensor.
func runToTensorKernel(c *Ctx, k *lower.Kernel, in []any) (any, error) {
	src, ok := in[0].(*col.Frame)
	if !ok {
		return nil, ir.Errorf("Internal", "fused: input is not a frame")
	}
	bufs, err := frameBufs(k, src)
	if err != nil {
		return nil, err
	}
	l := k.Loop
	out, err := lower.ParallelCtx(c.Context, l, src.N, 0, rangeFunc(k, l, bufs, src.N))
	if err != nil {
		return nil, cancelled(err)
	}
	rows := src.N
	if l.Compacts() {
		rows = out.SelectedRows()
	}
	b := out.Append[0]
	return &col.Tensor{DType: k.Schema.Tensor.DType, Shape: []int{rows, len(l.Builders)}, F32: b.F32, F64: b.F64}, nil
}

// runAggKernel runs a filter/project/aggregate pipeline over the base
// frame and assembles the groupby_agg result as the interpreter does.
func runAggKernel(c *Ctx, k *lower.Kernel, in []any) (any, error) {
	src, ok := in[0].(*col.Frame)
	if !ok {
		return nil, ir.Errorf("Internal", "fused: input is not a frame")
	}
	l, p := k.Loop, k.Agg
	bufs, err := frameBufs(k, src)
	if err != nil {
		return nil, err
	}
	ngroups, rows := 1, src.N
	var keyCols []*col.Column
	var ordered []int64 // the group ids when they never decrease (keys in order)
	if len(p.Keys) > 0 {
		sub, gid, ng, kc, ok, err := selectedGroupIDs(c, k, bufs, src)
		if err == nil && !ok {
			var inOrder bool
			gid, ng, kc, inOrder, err = orderedGroupIDs(c, nil, src, p.Keys, p.Dropna)
			if inOrder {
				ordered = gid
			}
		} else if err == nil {
			// the loop runs over the selected rows only
			bufs, err = frameBufs(k, sub)
			rows = sub.N
		}
		if err != nil {
			return nil, err
		}
		bufs[l.Group] = lower.Buf{I64: gid}
		ngroups, keyCols = ng, kc
	}
	var res *lower.Outputs
	if ordered != nil { // each worker reduces whole groups (sortedkeys.go)
		res, err = lower.ParallelOrdered(c.Context, l, rows, ngroups, ordered, rangeFunc(k, l, bufs, rows))
	} else {
		res, err = lower.ParallelCtx(c.Context, l, rows, ngroups, rangeFunc(k, l, bufs, rows))
	}
	if err != nil {
		return nil, cancelled(err)
	}
	return aggFrame(k, res, keyCols), nil
}

// aggFrame assembles a fused aggregation's result from its loop's
// reduction states (groups in key order, keyCols holding their keys) as
// the interpreter's groupby_agg shapes it.
func aggFrame(k *lower.Kernel, res *lower.Outputs, keyCols []*col.Column) *col.Frame {
	p := k.Agg
	acc := func(b int) []lower.Acc {
		if len(p.Keys) == 0 {
			return res.Merge[b : b+1]
		}
		return res.Groups[b]
	}
	// groups with no selected row do not exist in the filtered frame
	var keep []int
	for gi, a := range acc(p.Rows) {
		if a.N > 0 || len(p.Keys) == 0 {
			keep = append(keep, gi)
		}
	}
	for i := range keyCols {
		keyCols[i] = keyCols[i].Take(keep)
	}
	return aggAssemble(k, len(keep), keyCols, aggColumns(k, acc, keep))
}

// aggAssemble shapes a fused aggregation's result from its key columns and
// aggregated columns (aggColumns), as the interpreter's groupby_agg does.
func aggAssemble(k *lower.Kernel, n int, keyCols, cols []*col.Column) *col.Frame {
	p := k.Agg
	out := &col.Frame{N: n}
	if len(p.Keys) > 0 {
		if p.AsIndex {
			out.Index, out.IndexNames = keyCols, append([]string(nil), p.OutKeys...)
		} else {
			out.Names, out.Cols = append(out.Names, p.OutKeys...), append(out.Cols, keyCols...)
		}
	}
	for i, o := range p.Outs {
		out.Names = append(out.Names, o.Name)
		out.Cols = append(out.Cols, cols[i])
	}
	return out
}

// aggColumns computes each aggregated column of the groups keep from the
// builders' states acc(b).
func aggColumns(k *lower.Kernel, acc func(b int) []lower.Acc, keep []int) []*col.Column {
	l, p := k.Loop, k.Agg
	cols := make([]*col.Column, len(p.Outs))
	for oi, o := range p.Outs {
		rt := ir.Int64
		if i := k.Schema.Lookup(o.Name); i >= 0 {
			rt = k.Schema.Fields[i].Type
		}
		accs := acc(o.Builder)
		vt := l.Body[l.Builders[o.Builder].Value].Type
		c := &col.Column{Type: rt, N: len(keep)}
		if rt == ir.Float64 {
			c.F64 = make([]float64, len(keep))
		} else {
			c.I64 = make([]int64, len(keep))
		}
		for j, gi := range keep {
			a := accs[gi]
			switch {
			case o.Fn == "size" || o.Fn == "count":
				c.I64[j] = a.N
			case rt == ir.Int64: // sum of int64/bool
				c.I64[j] = a.I
			case o.Fn == "mean":
				c.F64[j] = a.F / float64(a.N) // 0/0 = NaN for an empty or all-NaN group
			case (o.Fn == "min" || o.Fn == "max") && a.N == 0:
				c.F64[j] = math.NaN()
			case vt == ir.Float64:
				c.F64[j] = a.F
			default: // sum of ints into a float result
				c.F64[j] = float64(a.I)
			}
		}
		cols[oi] = c
	}
	return cols
}

// runSelectKernel runs a filter/project chain: the loop writes the selected
// rows' computed columns and row numbers; unchanged base columns and the
// index are gathered at those rows (as the runtime filter does).
func runSelectKernel(c *Ctx, node *ir.Node, k *lower.Kernel, in []any) (any, error) {
	src, ok := in[0].(*col.Frame)
	if !ok {
		return nil, ir.Errorf("Internal", "fused: input is not a frame")
	}
	if src.N > maxRows {
		return nil, ir.Errorf("NotImplemented", "filtering more than %d rows", maxRows)
	}
	bufs, err := frameBufs(k, src)
	if err != nil {
		return nil, err
	}
	l, p := k.Loop, k.Select
	res, err := lower.ParallelCtx(c.Context, l, src.N, 0, rangeFunc(k, l, bufs, src.N))
	if err != nil {
		return nil, cancelled(err)
	}
	rows := res.Append[p.Rows].I64
	idx := make([]int32, len(rows))
	for i, r := range rows {
		idx[i] = int32(r)
	}
	// the gathered part: unchanged base columns and the index
	keep := &col.Frame{N: src.N, Index: src.Index, IndexNames: src.IndexNames}
	for _, o := range p.Outs {
		if o.Builder < 0 {
			cl := src.Col(o.Col)
			if cl == nil {
				return nil, ir.Errorf("ColumnNotFound", "column %q not found", o.Col)
			}
			keep.Names = append(keep.Names, o.Name)
			keep.Cols = append(keep.Cols, cl)
		}
	}
	if err := c.reserve(node, int64(len(idx))*rowBytes(keep)); err != nil {
		return nil, err
	}
	got, err := gatherFrame(c, node, keep, idx)
	if err != nil {
		return nil, err
	}
	out := &col.Frame{N: len(idx), Index: got.Index, IndexNames: got.IndexNames}
	j := 0
	for _, o := range p.Outs {
		var cl *col.Column
		if o.Builder < 0 {
			cl = got.Cols[j]
			j++
		} else {
			b := res.Append[o.Builder]
			cl = &col.Column{Type: o.Type, N: len(idx), F64: b.F64, I64: b.I64, B: b.B}
		}
		out.Names = append(out.Names, o.Name)
		out.Cols = append(out.Cols, cl)
	}
	return out, nil
}
