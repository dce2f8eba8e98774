package exec

// Indexing kernels of the staged step executor (train_fast.go) for the ops an
// embedding model's step is made of: column slices and selects of the batch
// (x[:, :k], x[:, k]), the int64 casts of the selected codes, index_select of
// table rows and its gradient index_add, cat of the features, and the cat
// gradient's slices. Each writes
// a buffer preallocated once (the step's shapes are static) with plain
// loops; the reference interpreter's versions allocate per call, re-infer
// types and copy element blocks through a dtype switch (a [1024, 19] -> [1024,
// 8] column slice took ~38 us per step that way, ~1 us here). Results are
// the interpreter's exactly (same copies; the cast is the same Go
// conversion); an index out of range runs the interpreter's op, so the error
// is its error.

import (
	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// indexKernel returns n's step kernel, or ok=false when n is not an indexing
// op handled here (the caller then runs its generic kernel or fallback).
// runRef runs n as RunAny would (used for error reporting only).
func (f *fastStep) indexKernel(n *ir.Node, shape []int, runRef func() error) (k func() error, ok bool) {
	tt := n.Schema.Tensor
	id := n.ID
	if len(n.Inputs) == 0 {
		return nil, false
	}
	x0 := f.g.Node(n.Inputs[0])
	xt := x0.Schema.Tensor
	inShape := shapeOf(x0)
	switch n.Op {
	case "tensor_slice", "tensor_select":
		if xt.DType != tt.DType || (tt.DType != ir.Float32 && tt.DType != ir.Int64) || len(inShape) == 0 {
			return nil, false
		}
		var d, first, length, step int
		if n.Op == "tensor_select" {
			dd, idx, err := tensor.SelectOf(n, xt.Shape)
			if err != nil {
				return nil, false
			}
			d, first, length, step = dd, int(idx), 1, 1
		} else {
			dd, fi, l, err := tensor.SliceOf(n, xt.Shape)
			if err != nil {
				return nil, false
			}
			d, first, length, step = dd, int(fi), int(l), int(n.Attrs.Int("step", 1))
		}
		if step < 1 {
			return nil, false
		}
		outer, size, inner := splitDims(inShape, d)
		src := n.Inputs[0]
		if step == 1 && (outer == 1 || (first == 0 && length == size)) && x0.Op == "source_tensor" {
			// the selected elements are one contiguous run of a step input
			// (x[:, 0] of an [n, 1] chunk; rows of a matrix): a view of it
			// (inputs are never written during a run)
			lo, hi := first*inner, (first+length)*inner
			if outer != 1 {
				lo, hi = 0, outer*size*inner
			}
			view := &col.Tensor{DType: tt.DType, Shape: shape}
			return func() error {
				x := f.slots[src]
				if tt.DType == ir.Float32 {
					view.F32 = x.F32[lo:hi]
				} else {
					view.I64 = x.I64[lo:hi]
				}
				f.slots[id] = view
				return nil
			}, true
		}
		out := col.NewTensor(tt.DType, shape)
		return func() error {
			x := f.slots[src]
			if tt.DType == ir.Float32 {
				sliceCopy(out.F32, x.F32, outer, size, inner, first, length, step)
			} else {
				sliceCopy(out.I64, x.I64, outer, size, inner, first, length, step)
			}
			f.slots[id] = out
			return nil
		}, true
	case "cat":
		if tt.DType != ir.Float32 || len(shape) == 0 {
			return nil, false
		}
		for _, in := range n.Inputs {
			if f.g.Node(in).Schema.Tensor.DType != ir.Float32 {
				return nil, false
			}
		}
		d, err := tensor.WrapDim(n.Attrs.Int("dim", 0), len(shape))
		if err != nil {
			return nil, false
		}
		outer, total, inner := splitDims(shape, d)
		ins := append([]ir.NodeID(nil), n.Inputs...)
		blks := make([]int, len(ins))
		for i, in := range ins {
			blks[i] = shapeOf(f.g.Node(in))[d] * inner
		}
		out := col.NewTensor(ir.Float32, shape)
		return func() error {
			row := total * inner
			at := 0
			for i, in := range ins {
				blk := blks[i]
				blas.CopyBlocksF32(out.F32[at:], row, f.slots[in].F32, blk, blk, outer)
				at += blk
			}
			f.slots[id] = out
			return nil
		}, true
	case "index_select":
		it := f.g.Node(n.Inputs[1]).Schema.Tensor
		if tt.DType != ir.Float32 || xt.DType != ir.Float32 || it.DType != ir.Int64 || len(inShape) < 1 || len(it.Shape) != 1 {
			return nil, false
		}
		if d, err := tensor.WrapDim(n.Attrs.Int("dim", 0), len(inShape)); err != nil || d != 0 {
			return nil, false
		}
		_, size, inner := splitDims(inShape, 0)
		wrap := n.Attrs.Bool("wrap", false)
		out := col.NewTensor(ir.Float32, shape)
		src, idxID := n.Inputs[0], n.Inputs[1]
		return func() error {
			x, idx := f.slots[src].F32, f.slots[idxID].I64
			neg := false
			for _, v := range idx {
				if wrap && v < 0 {
					v += int64(size)
					neg = true
				}
				if v < 0 || v >= int64(size) {
					return runRef() // the interpreter's error
				}
			}
			if !neg {
				blas.GatherRowsF32(out.F32, x, idx, inner)
			} else {
				for k, v := range idx {
					if v < 0 {
						v += int64(size)
					}
					copySmall(out.F32[k*inner:(k+1)*inner], x[int(v)*inner:(int(v)+1)*inner])
				}
			}
			f.slots[id] = out
			return nil
		}, true
	case "index_add":
		// The embedding gradient: rows of the source (input 0, [m, inner])
		// added into a zero tensor of the table's shape (input 2) at the
		// rows idx (input 1), in index order (the interpreter's order, so
		// the sums are the same).
		it := f.g.Node(n.Inputs[1]).Schema.Tensor
		lt := f.g.Node(n.Inputs[2]).Schema.Tensor
		if tt.DType != ir.Float32 || xt.DType != ir.Float32 || lt.DType != ir.Float32 || it.DType != ir.Int64 ||
			len(it.Shape) != 1 || len(shape) < 1 || len(inShape) != len(shape) {
			return nil, false
		}
		if d, err := tensor.WrapDim(n.Attrs.Int("dim", 0), len(shape)); err != nil || d != 0 {
			return nil, false
		}
		_, size, inner := splitDims(shape, 0)
		if _, m, in2 := splitDims(inShape, 0); m != int(it.Shape[0]) || in2 != inner {
			return nil, false
		}
		wrap := n.Attrs.Bool("wrap", false)
		out := col.NewTensor(ir.Float32, shape)
		src, idxID := n.Inputs[0], n.Inputs[1]
		return func() error {
			x, idx := f.slots[src].F32, f.slots[idxID].I64
			for _, v := range idx {
				if wrap && v < 0 {
					v += int64(size)
				}
				if v < 0 || v >= int64(size) {
					return runRef() // the interpreter's error
				}
			}
			clear(out.F32)
			for k, v := range idx {
				if v < 0 {
					v += int64(size)
				}
				d, s := out.F32[int(v)*inner:(int(v)+1)*inner], x[k*inner:(k+1)*inner]
				for i, a := range s {
					d[i] += a
				}
			}
			f.slots[id] = out
			return nil
		}, true
	case "cast":
		if !((xt.DType == ir.Float32 && tt.DType == ir.Int64) || (xt.DType == ir.Int64 && tt.DType == ir.Float32)) {
			return nil, false
		}
		out := col.NewTensor(tt.DType, shape)
		src := n.Inputs[0]
		return func() error {
			x := f.slots[src]
			if tt.DType == ir.Int64 {
				blas.F32ToI64(out.I64, x.F32[:len(out.I64)]) // interp.castTensor's conversion
			} else {
				for i, v := range x.I64[:len(out.F32)] {
					out.F32[i] = float32(v)
				}
			}
			f.slots[id] = out
			return nil
		}, true
	}
	return nil, false
}

// splitDims views shape as [outer, shape[d], inner].
func splitDims(shape []int, d int) (outer, size, inner int) {
	outer, inner = 1, 1
	for _, s := range shape[:d] {
		outer *= s
	}
	for _, s := range shape[d+1:] {
		inner *= s
	}
	return outer, shape[d], inner
}

// sliceCopy copies x[o, first + k*step, :] (x viewed as [outer, size, inner])
// to dst[o, k, :] for k < length.
func sliceCopy[T float32 | int64](dst, x []T, outer, size, inner, first, length, step int) {
	if inner == 1 && length == 1 && outer > 0 { // one column of a matrix: a strided read
		x = x[first : (outer-1)*size+first+1]
		dst = dst[:outer]
		for o := range dst {
			dst[o] = x[o*size]
		}
		return
	}
	if step == 1 {
		blk := length * inner
		if d, ok := any(dst).([]float32); ok && blk > 0 && outer > 0 {
			blas.CopyBlocksF32(d, blk, any(x).([]float32)[first*inner:], size*inner, blk, outer)
			return
		}
		for o := 0; o < outer; o++ {
			s := (o*size + first) * inner
			copySmall(dst[o*blk:(o+1)*blk], x[s:s+blk])
		}
		return
	}
	for o := 0; o < outer; o++ {
		for k := 0; k < length; k++ {
			s, t := (o*size+first+k*step)*inner, (o*length+k)*inner
			copySmall(dst[t:t+inner], x[s:s+inner])
		}
	}
}

// copySmall is copy for the short blocks of a row (a loop beats memmove's
// call below ~16 elements).
func copySmall[T float32 | int64](dst, src []T) {
	if len(src) > 16 {
		copy(dst, src)
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v
	}
}
