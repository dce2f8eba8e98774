package tensor

import (
	"github.com/flern/flern/golib/ir"
)

// Indexing ops (Tensor.__getitem__, gather, index_select, cat) and the
// scatter ops their gradients use.
//
//   - tensor_slice [x]: dim, start, end (null = open), step (> 0): Python slice
//     semantics along one dim (negative start/end count from the end,
//     clamped to the size).
//   - tensor_select [x]: dim, index: x[..., index, ...] with the dim removed
//     (negative index counts from the end).
//   - slice_scatter [g, x]: the attrs of a tensor_slice over x: zeros shaped like
//     x with g written into the slice (the slice's gradient); dtype of g.
//   - index_select [x, idx]: dim, wrap: x's slices at the int64 indices of
//     the 1-D (or 0-dim) idx along dim (wrap: negative indices count from the
//     end, as advanced indexing; otherwise they are out of range, as
//     torch.index_select).
//   - index_add [g, idx, x]: zeros shaped like x, plus g's slices added at
//     idx along dim (index_select's gradient); dtype of g.
//   - gather [x, idx]: dim: torch.gather (idx int64 with x's ndim,
//     idx.size(d) <= x.size(d) for d != dim); shape of idx, dtype of x.
//   - scatter_add [g, idx, x]: dim: zeros shaped like x, g scattered (added)
//     to the positions gather reads; dtype of g.
//   - mask_select [x, mask]: x[mask] for a bool mask whose shape is x's
//     leading dims: [count, x.shape[mask.ndim:]...] with count known at run
//     time.
//   - mask_scatter [g, mask, x]: zeros shaped like x with g's rows written
//     at the true positions of mask, in order (mask_select's gradient).
//   - cat [x0, x1, ...] (variadic): dim: torch.cat (dtype promoted).
//   - cat_part [g, x0, x1, ...] (variadic): dim, part: the piece of g (shaped
//     like cat(x0, x1, ...)) that came from input number part, located with
//     the inputs' run-time sizes (cat's gradient when a size is dynamic);
//     dtype of g.
func init() {
	reg("tensor_slice", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x := in[0].Tensor
		d, _, length, err := SliceOf(n, x.Shape)
		if err != nil {
			return nil, err
		}
		sh := append([]int64{}, x.Shape...)
		sh[d] = length
		return ir.TensorSchema(x.DType, sh), nil
	})
	reg("tensor_select", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x := in[0].Tensor
		d, _, err := SelectOf(n, x.Shape)
		if err != nil {
			return nil, err
		}
		sh := append(append([]int64{}, x.Shape[:d]...), x.Shape[d+1:]...)
		return ir.TensorSchema(x.DType, sh), nil
	})
	reg("slice_scatter", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		g, x := in[0].Tensor, in[1].Tensor
		d, _, length, err := SliceOf(n, x.Shape)
		if err != nil {
			return nil, err
		}
		want := append([]int64{}, x.Shape...)
		want[d] = length
		if !shapesMatch(g.Shape, want) {
			return nil, ir.Errorf("Value", "slice_scatter: source shape %s does not match the slice shape %s", FormatShape(g.Shape), FormatShape(want))
		}
		return ir.TensorSchema(g.DType, x.Shape), nil
	})
	reg("index_select", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x, idx := in[0].Tensor, in[1].Tensor
		d, err := indexArgs(n, x, idx)
		if err != nil {
			return nil, err
		}
		sh := append([]int64{}, x.Shape...)
		if len(sh) > 0 {
			sh[d] = Numel(idx.Shape)
		}
		return ir.TensorSchema(x.DType, sh), nil
	})
	reg("index_add", 3, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		g, idx, x := in[0].Tensor, in[1].Tensor, in[2].Tensor
		d, err := indexArgs(n, x, idx)
		if err != nil {
			return nil, err
		}
		want := append([]int64{}, x.Shape...)
		if len(want) > 0 {
			want[d] = Numel(idx.Shape)
		}
		if !shapesMatch(g.Shape, want) {
			return nil, ir.Errorf("Value", "index_add: source shape %s does not match %s", FormatShape(g.Shape), FormatShape(want))
		}
		return ir.TensorSchema(g.DType, x.Shape), nil
	})
	reg("gather", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x, idx := in[0].Tensor, in[1].Tensor
		if _, err := gatherArgs(n, x, idx); err != nil {
			return nil, err
		}
		return ir.TensorSchema(x.DType, idx.Shape), nil
	})
	reg("scatter_add", 3, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		g, idx, x := in[0].Tensor, in[1].Tensor, in[2].Tensor
		if _, err := gatherArgs(n, x, idx); err != nil {
			return nil, err
		}
		if !shapesMatch(g.Shape, idx.Shape) {
			return nil, ir.Errorf("Value", "scatter_add: source shape %s does not match index shape %s", FormatShape(g.Shape), FormatShape(idx.Shape))
		}
		return ir.TensorSchema(g.DType, x.Shape), nil
	})
	reg("mask_select", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x, m := in[0].Tensor, in[1].Tensor
		if err := maskArgs(x, m); err != nil {
			return nil, err
		}
		sh := append([]int64{ir.DynDim}, x.Shape[len(m.Shape):]...)
		return ir.TensorSchema(x.DType, sh), nil
	})
	reg("mask_scatter", 3, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		g, m, x := in[0].Tensor, in[1].Tensor, in[2].Tensor
		if err := maskArgs(x, m); err != nil {
			return nil, err
		}
		if len(g.Shape) != 1+len(x.Shape)-len(m.Shape) || !shapesMatch(g.Shape[1:], x.Shape[len(m.Shape):]) {
			return nil, ir.Errorf("Value", "mask_scatter: source shape %s does not fit %s", FormatShape(g.Shape), FormatShape(x.Shape))
		}
		return ir.TensorSchema(g.DType, x.Shape), nil
	})
	ir.RegisterOp(&ir.OpInfo{Name: "cat_part", Inputs: ir.Variadic, Infer: func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if err := tensorIn(n, in); err != nil {
			return nil, err
		}
		if len(in) < 2 {
			return nil, ir.Errorf("Value", "cat_part needs the gradient and the concatenated tensors")
		}
		ts := make([]*ir.TensorType, len(in)-1)
		for i, s := range in[1:] {
			ts[i] = s.Tensor
		}
		if _, sh, err := CatType(n, ts); err != nil {
			return nil, err
		} else if !shapesMatch(in[0].Tensor.Shape, sh) {
			return nil, ir.Errorf("Value", "cat_part: gradient shape %s does not match %s", FormatShape(in[0].Tensor.Shape), FormatShape(sh))
		}
		k := n.Attrs.Int("part", 0)
		if k < 0 || int(k) >= len(ts) {
			return nil, ir.Errorf("Value", "cat_part: part %d out of range", k)
		}
		return ir.TensorSchema(in[0].Tensor.DType, ts[k].Shape), nil
	}})
	ir.RegisterOp(&ir.OpInfo{Name: "cat", Inputs: ir.Variadic, Infer: func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if err := tensorIn(n, in); err != nil {
			return nil, err
		}
		ts := make([]*ir.TensorType, len(in))
		for i, s := range in {
			ts[i] = s.Tensor
		}
		dt, sh, err := CatType(n, ts)
		if err != nil {
			return nil, err
		}
		return ir.TensorSchema(dt, sh), nil
	}})
}

func shapesMatch(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !dimsMatch(a[i], b[i]) {
			return false
		}
	}
	return true
}

// SliceRange resolves Python slice bounds over a dim of size size: the
// first index and the length. start/end nil mean open ends.
func SliceRange(size int64, start, end *int64, step int64) (first, length int64) {
	clamp := func(v int64) int64 {
		if v < 0 {
			v += size
		}
		return min(max(v, 0), size)
	}
	s, e := int64(0), size
	if start != nil {
		s = clamp(*start)
	}
	if end != nil {
		e = clamp(*end)
	}
	if e <= s {
		return s, 0
	}
	return s, (e - s + step - 1) / step
}

func optInt(a ir.Attrs, k string) *int64 {
	if a[k] == nil {
		return nil
	}
	v := a.Int(k, 0)
	return &v
}

// SliceOf resolves a slice node over shape: the wrapped dim, the first
// index and the length (DynDim when the dim's size is only known at run
// time).
func SliceOf(n *ir.Node, shape []int64) (dim int, first, length int64, err error) {
	if len(shape) == 0 {
		return 0, 0, 0, ir.Errorf("Index", "slice() cannot be applied to a 0-dim tensor.")
	}
	dim, err = WrapDim(n.Attrs.Int("dim", 0), len(shape))
	if err != nil {
		return 0, 0, 0, err
	}
	step := n.Attrs.Int("step", 1)
	if step <= 0 {
		return 0, 0, 0, ir.Errorf("Value", "step must be greater than zero")
	}
	if shape[dim] == ir.DynDim {
		return dim, 0, ir.DynDim, nil
	}
	first, length = SliceRange(shape[dim], optInt(n.Attrs, "start"), optInt(n.Attrs, "end"), step)
	return dim, first, length, nil
}

// SelectOf resolves a select node over shape: the wrapped dim and index
// (index -1 when the size is only known at run time and index is negative).
func SelectOf(n *ir.Node, shape []int64) (dim int, index int64, err error) {
	if len(shape) == 0 {
		return 0, 0, ir.Errorf("Index", "select() cannot be applied to a 0-dim tensor.")
	}
	dim, err = WrapDim(n.Attrs.Int("dim", 0), len(shape))
	if err != nil {
		return 0, 0, err
	}
	i := n.Attrs.Int("index", 0)
	size := shape[dim]
	if size == ir.DynDim {
		return dim, -1, nil
	}
	if i < -size || i >= size {
		return 0, 0, ir.Errorf("Index", "index %d is out of bounds for dimension %d with size %d", i, dim, size)
	}
	if i < 0 {
		i += size
	}
	return dim, i, nil
}

func indexArgs(n *ir.Node, x, idx *ir.TensorType) (int, error) {
	if idx.DType != ir.Int64 {
		return 0, ir.Errorf("Type", "%s(): Expected dtype int64 for index", n.Op)
	}
	if len(idx.Shape) > 1 {
		return 0, ir.Errorf("Index", "index_select(): Index is supposed to be a vector")
	}
	return WrapDim(n.Attrs.Int("dim", 0), len(x.Shape))
}

func gatherArgs(n *ir.Node, x, idx *ir.TensorType) (int, error) {
	if idx.DType != ir.Int64 {
		return 0, ir.Errorf("Type", "gather(): Expected dtype int64 for index")
	}
	d, err := WrapDim(n.Attrs.Int("dim", 0), len(x.Shape))
	if err != nil {
		return 0, err
	}
	if max(len(idx.Shape), 1) != max(len(x.Shape), 1) {
		return 0, ir.Errorf("Value", "Index tensor must have the same number of dimensions as input tensor")
	}
	for i := range idx.Shape {
		if i == d || i >= len(x.Shape) {
			continue
		}
		a, b := idx.Shape[i], x.Shape[i]
		if a != ir.DynDim && b != ir.DynDim && a > b {
			return 0, ir.Errorf("Value", "Size does not match at dimension %d expected index %s to be smaller than self %s apart from dimension %d", i, FormatShape(idx.Shape), FormatShape(x.Shape), d)
		}
	}
	return d, nil
}

func maskArgs(x, m *ir.TensorType) error {
	if m.DType != ir.Bool {
		return ir.Errorf("Index", "tensors used as indices must be long, int, byte or bool tensors")
	}
	if len(m.Shape) > len(x.Shape) {
		return ir.Errorf("Index", "too many indices for tensor of dimension %d", len(x.Shape))
	}
	for i, d := range m.Shape {
		if !dimsMatch(d, x.Shape[i]) {
			return ir.Errorf("Index", "The shape of the mask %s at index %d does not match the shape of the indexed tensor %s at index %d", FormatShape(m.Shape), i, FormatShape(x.Shape), i)
		}
	}
	return nil
}

// CatType is torch.cat's result dtype and shape.
func CatType(n *ir.Node, ts []*ir.TensorType) (ir.DType, []int64, error) {
	if len(ts) == 0 {
		return 0, nil, ir.Errorf("Value", "torch.cat(): expected a non-empty list of Tensors")
	}
	nd := len(ts[0].Shape)
	if nd == 0 {
		return 0, nil, ir.Errorf("Value", "zero-dimensional tensor (at position 0) cannot be concatenated")
	}
	d, err := WrapDim(n.Attrs.Int("dim", 0), nd)
	if err != nil {
		return 0, nil, err
	}
	dt := ir.Invalid
	out := append([]int64{}, ts[0].Shape...)
	out[d] = 0
	for i, t := range ts {
		dt = Promote(dt, t.DType)
		if len(t.Shape) != nd {
			if len(t.Shape) == 0 {
				return 0, nil, ir.Errorf("Value", "zero-dimensional tensor (at position %d) cannot be concatenated", i)
			}
			return 0, nil, ir.Errorf("Value", "Tensors must have same number of dimensions: got %d and %d", nd, len(t.Shape))
		}
		for j, s := range t.Shape {
			if j == d {
				if s == ir.DynDim || out[d] == ir.DynDim {
					out[d] = ir.DynDim
				} else {
					out[d] += s
				}
				continue
			}
			if !dimsMatch(s, out[j]) {
				return 0, nil, ir.Errorf("Value", "Sizes of tensors must match except in dimension %d. Expected size %d but got size %d for tensor number %d in the list.", d, out[j], s, i)
			}
			if out[j] == ir.DynDim {
				out[j] = s
			}
		}
	}
	return dt, out, nil
}
