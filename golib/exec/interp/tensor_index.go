package interp

// Kernels of the indexing ops (golib/tensor/index.go): slice, select,
// index_select, gather, mask_select, cat, and the scatter ops their
// gradients use. Copies move contiguous blocks (the elements right of the
// indexed dim); the scatter-adds accumulate float32 and float64 in their own
// dtype, as torch's CPU kernels do.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

func init() {
	registerTensor("tensor_slice", tSlice)
	registerTensor("tensor_select", tSlice)
	registerTensor("slice_scatter", tSliceScatter)
	registerTensor("index_select", tIndexSelect)
	registerTensor("index_add", tIndexAdd)
	registerTensor("gather", tGather)
	registerTensor("scatter_add", tScatterAdd)
	registerTensor("mask_select", tMaskSelect)
	registerTensor("mask_scatter", tMaskScatter)
	registerTensor("cat", tCat)
	registerTensor("cat_part", tCatPart)
}

// copyBlock copies n elements from src[si:] to dst[di:] (same dtype).
func copyBlock(dst *col.Tensor, di int, src *col.Tensor, si, n int) {
	switch src.DType {
	case ir.Float32:
		copy(dst.F32[di:di+n], src.F32[si:si+n])
	case ir.Float64:
		copy(dst.F64[di:di+n], src.F64[si:si+n])
	case ir.Int64:
		copy(dst.I64[di:di+n], src.I64[si:si+n])
	case ir.Bool:
		copy(dst.B[di:di+n], src.B[si:si+n])
	}
}

// addBlock adds n elements of src[si:] into dst[di:] (float dtypes).
func addBlock(dst *col.Tensor, di int, src *col.Tensor, si, n int) {
	switch src.DType {
	case ir.Float32:
		d, s := dst.F32[di:di+n], src.F32[si:si+n]
		for i, v := range s {
			d[i] += v
		}
	case ir.Float64:
		d, s := dst.F64[di:di+n], src.F64[si:si+n]
		for i, v := range s {
			d[i] += v
		}
	case ir.Int64:
		d, s := dst.I64[di:di+n], src.I64[si:si+n]
		for i, v := range s {
			d[i] += v
		}
	}
}

// split3 views shape as [outer, shape[d], inner].
func split3(shape []int, d int) (outer, size, inner int) {
	outer, inner = 1, 1
	for _, s := range shape[:d] {
		outer *= s
	}
	for _, s := range shape[d+1:] {
		inner *= s
	}
	return outer, shape[d], inner
}

// sliceSpec resolves a slice or select node over the real shape.
func sliceSpec(n *ir.Node, shape []int) (d, first, length, step int, err error) {
	sh := toI64(shape)
	if n.Op == "tensor_select" {
		dd, idx, err := tensor.SelectOf(n, sh)
		return dd, int(idx), 1, 1, err
	}
	dd, f, l, err := tensor.SliceOf(n, sh)
	return dd, int(f), int(l), int(n.Attrs.Int("step", 1)), err
}

func tSlice(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	x := in[0].(*col.Tensor)
	d, first, length, step, err := sliceSpec(n, x.Shape)
	if err != nil {
		return nil, err
	}
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	outer, size, inner := split3(x.Shape, d)
	res := col.NewTensorUninit(x.DType, ints(out.Shape)) // every element is written below
	if step == 1 {
		copyStrided(res, 0, length*inner, x, first*inner, size*inner, outer, length*inner)
		return res, nil
	}
	for k := 0; k < length; k++ {
		copyStrided(res, k*inner, length*inner, x, (first+k*step)*inner, size*inner, outer, inner)
	}
	return res, nil
}

// copyStrided copies count blocks of blk elements, block k from
// src[so+k*ss:] to dst[do+k*ds:] (same dtype), with one dtype dispatch.
func copyStrided(dst *col.Tensor, do, ds int, src *col.Tensor, so, ss, count, blk int) {
	switch src.DType {
	case ir.Float32:
		stridedCopy(dst.F32, do, ds, src.F32, so, ss, count, blk)
	case ir.Float64:
		stridedCopy(dst.F64, do, ds, src.F64, so, ss, count, blk)
	case ir.Int64:
		stridedCopy(dst.I64, do, ds, src.I64, so, ss, count, blk)
	case ir.Bool:
		stridedCopy(dst.B, do, ds, src.B, so, ss, count, blk)
	}
}

func stridedCopy[T float32 | float64 | int64 | bool](dst []T, do, ds int, src []T, so, ss, count, blk int) {
	switch {
	case blk == 1:
		for k := 0; k < count; k++ {
			dst[do+k*ds] = src[so+k*ss]
		}
	case blk <= 16:
		for k := 0; k < count; k++ {
			d, s := dst[do+k*ds:do+k*ds+blk], src[so+k*ss:so+k*ss+blk]
			for i, v := range s {
				d[i] = v
			}
		}
	default:
		for k := 0; k < count; k++ {
			copy(dst[do+k*ds:do+k*ds+blk], src[so+k*ss:so+k*ss+blk])
		}
	}
}

// gatherBlocks copies, for every outer o and every k, the block
// src[(o*size+ix[k])*inner:][:inner] to dst[(o*len(ix)+k)*inner:].
func gatherBlocks(dst *col.Tensor, src *col.Tensor, ix []int, outer, size, inner int) {
	switch src.DType {
	case ir.Float32:
		gatherT(dst.F32, src.F32, ix, outer, size, inner)
	case ir.Float64:
		gatherT(dst.F64, src.F64, ix, outer, size, inner)
	case ir.Int64:
		gatherT(dst.I64, src.I64, ix, outer, size, inner)
	case ir.Bool:
		gatherT(dst.B, src.B, ix, outer, size, inner)
	}
}

func gatherT[T float32 | float64 | int64 | bool](dst, src []T, ix []int, outer, size, inner int) {
	m := len(ix)
	for o := 0; o < outer; o++ {
		for k, i := range ix {
			d, s := dst[(o*m+k)*inner:(o*m+k+1)*inner], src[(o*size+i)*inner:(o*size+i+1)*inner]
			if inner > 16 {
				copy(d, s)
				continue
			}
			for j, v := range s {
				d[j] = v
			}
		}
	}
}

func tSliceScatter(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	g, x := in[0].(*col.Tensor), in[1].(*col.Tensor)
	if _, err := outType(n, in); err != nil {
		return nil, err
	}
	d, first, length, step, err := sliceSpec(n, x.Shape)
	if err != nil {
		return nil, err
	}
	outer, size, inner := split3(x.Shape, d)
	res := col.NewTensor(g.DType, x.Shape)
	for o := 0; o < outer; o++ {
		for k := 0; k < length; k++ {
			copyBlock(res, (o*size+first+k*step)*inner, g, (o*length+k)*inner, inner)
		}
	}
	return res, nil
}

// indices checks and (with attr wrap) wraps idx against a dim of size size.
func indices(n *ir.Node, idx *col.Tensor, size, dim int) ([]int, error) {
	wrap := n.Attrs.Bool("wrap", false)
	out := make([]int, len(idx.I64))
	for k, v := range idx.I64 {
		if wrap && v < 0 {
			v += int64(size)
		}
		if v < 0 || v >= int64(size) {
			if wrap {
				return nil, ir.Errorf("Index", "index %d is out of bounds for dimension %d with size %d", idx.I64[k], dim, size)
			}
			return nil, ir.Errorf("Index", "index out of range in self")
		}
		out[k] = int(v)
	}
	return out, nil
}

// shape3 is x's shape as [outer, size, inner] around dim d (a 0-dim tensor
// is [1, 1, 1]).
func shape3(shape []int, d int) (outer, size, inner int) {
	if len(shape) == 0 {
		return 1, 1, 1
	}
	return split3(shape, d)
}

func tIndexSelect(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	x, idx := in[0].(*col.Tensor), in[1].(*col.Tensor)
	d, _ := tensor.WrapDim(n.Attrs.Int("dim", 0), len(x.Shape))
	outer, size, inner := shape3(x.Shape, d)
	ix, err := indices(n, idx, size, d)
	if err != nil {
		return nil, err
	}
	res := col.NewTensorUninit(x.DType, ints(out.Shape)) // every element is written below
	gatherBlocks(res, x, ix, outer, size, inner)
	return res, nil
}

func tIndexAdd(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	if _, err := outType(n, in); err != nil {
		return nil, err
	}
	g, idx, x := in[0].(*col.Tensor), in[1].(*col.Tensor), in[2].(*col.Tensor)
	if g.DType == ir.Bool {
		return nil, ir.Errorf("Type", "index_add is not implemented for bool tensors")
	}
	d, _ := tensor.WrapDim(n.Attrs.Int("dim", 0), len(x.Shape))
	outer, size, inner := shape3(x.Shape, d)
	ix, err := indices(n, idx, size, d)
	if err != nil {
		return nil, err
	}
	res := col.NewTensor(g.DType, x.Shape)
	m := len(ix)
	for o := 0; o < outer; o++ {
		for k, i := range ix {
			addBlock(res, (o*size+i)*inner, g, (o*m+k)*inner, inner)
		}
	}
	return res, nil
}

// gatherOffsets returns, for each element of idx (row-major), the offset of
// the element of x it addresses along dim d, with torch's bounds error.
func gatherOffsets(idx *col.Tensor, xshape []int, d int) ([]int, error) {
	nd := len(idx.Shape)
	if nd == 0 || len(xshape) == 0 {
		off := make([]int, len(idx.I64))
		for k, v := range idx.I64 {
			if v < -1 || v > 0 {
				return nil, ir.Errorf("Index", "index %d is out of bounds for dimension 0 with size 1", v)
			}
			off[k] = 0
		}
		return off, nil
	}
	xstr := make([]int, nd)
	s := 1
	for i := nd - 1; i >= 0; i-- {
		xstr[i] = s
		s *= xshape[i]
	}
	size := xshape[d]
	total := len(idx.I64)
	off := make([]int, total)
	pos := make([]int, nd)
	base := 0 // offset of pos in x without the dim-d part
	for k := 0; k < total; k++ {
		v := idx.I64[k]
		if v < -int64(size) || v >= int64(size) {
			return nil, ir.Errorf("Index", "index %d is out of bounds for dimension %d with size %d", v, d, size)
		}
		if v < 0 {
			v += int64(size)
		}
		off[k] = base + int(v)*xstr[d]
		for j := nd - 1; j >= 0; j-- {
			pos[j]++
			if j != d {
				base += xstr[j]
			}
			if pos[j] < idx.Shape[j] {
				break
			}
			if j != d {
				base -= xstr[j] * pos[j]
			}
			pos[j] = 0
		}
	}
	return off, nil
}

func tGather(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	x, idx := in[0].(*col.Tensor), in[1].(*col.Tensor)
	d, _ := tensor.WrapDim(n.Attrs.Int("dim", 0), len(x.Shape))
	off, err := gatherOffsets(idx, x.Shape, d)
	if err != nil {
		return nil, err
	}
	res := col.NewTensor(x.DType, ints(out.Shape))
	for k, o := range off {
		copyBlock(res, k, x, o, 1)
	}
	return res, nil
}

func tScatterAdd(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	if _, err := outType(n, in); err != nil {
		return nil, err
	}
	g, idx, x := in[0].(*col.Tensor), in[1].(*col.Tensor), in[2].(*col.Tensor)
	if g.DType == ir.Bool {
		return nil, ir.Errorf("Type", "scatter_add is not implemented for bool tensors")
	}
	d, _ := tensor.WrapDim(n.Attrs.Int("dim", 0), len(x.Shape))
	off, err := gatherOffsets(idx, x.Shape, d)
	if err != nil {
		return nil, err
	}
	res := col.NewTensor(g.DType, x.Shape)
	switch g.DType {
	case ir.Float32:
		for k, o := range off {
			res.F32[o] += g.F32[k]
		}
	case ir.Float64:
		for k, o := range off {
			res.F64[o] += g.F64[k]
		}
	case ir.Int64:
		for k, o := range off {
			res.I64[o] += g.I64[k]
		}
	}
	return res, nil
}

// maskRows checks mask against x and returns the row size (elements right
// of the mask's dims).
func maskRows(x, m *col.Tensor) (int, error) {
	if len(m.Shape) > len(x.Shape) {
		return 0, ir.Errorf("Index", "too many indices for tensor of dimension %d", len(x.Shape))
	}
	for i, d := range m.Shape {
		if d != x.Shape[i] {
			return 0, ir.Errorf("Index", "The shape of the mask %v at index %d does not match the shape of the indexed tensor %v at index %d", m.Shape, i, x.Shape, i)
		}
	}
	inner := 1
	for _, d := range x.Shape[len(m.Shape):] {
		inner *= d
	}
	return inner, nil
}

func tMaskSelect(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	x, m := in[0].(*col.Tensor), in[1].(*col.Tensor)
	inner, err := maskRows(x, m)
	if err != nil {
		return nil, err
	}
	cnt := 0
	for _, b := range m.B {
		if b {
			cnt++
		}
	}
	shape := append([]int{cnt}, x.Shape[len(m.Shape):]...)
	res := col.NewTensor(x.DType, shape)
	k := 0
	for i, b := range m.B {
		if b {
			copyBlock(res, k*inner, x, i*inner, inner)
			k++
		}
	}
	return res, nil
}

func tMaskScatter(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	g, m, x := in[0].(*col.Tensor), in[1].(*col.Tensor), in[2].(*col.Tensor)
	inner, err := maskRows(x, m)
	if err != nil {
		return nil, err
	}
	res := col.NewTensor(g.DType, x.Shape)
	k := 0
	for i, b := range m.B {
		if b {
			if (k+1)*inner > g.Numel() {
				return nil, ir.Errorf("Value", "mask_scatter: the source has fewer rows than the mask selects")
			}
			copyBlock(res, i*inner, g, k*inner, inner)
			k++
		}
	}
	return res, nil
}

func tCat(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	shape := ints(out.Shape)
	d, _ := tensor.WrapDim(n.Attrs.Int("dim", 0), len(shape))
	res := col.NewTensorUninit(out.DType, shape) // the inputs cover every element
	outer, total, inner := split3(shape, d)
	at := 0
	for _, a := range in {
		t := castTensor(a.(*col.Tensor), out.DType)
		s := t.Shape[d]
		blk := s * inner
		copyStrided(res, at*inner, total*inner, t, 0, blk, outer, blk)
		at += s
	}
	return res, nil
}

// tCatPart cuts input number attrs.part's piece out of g (cat's gradient).
func tCatPart(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	g := in[0].(*col.Tensor)
	d, _ := tensor.WrapDim(n.Attrs.Int("dim", 0), len(g.Shape))
	part := int(n.Attrs.Int("part", 0))
	at := 0
	for _, x := range in[1 : 1+part] {
		at += x.(*col.Tensor).Shape[d]
	}
	outer, total, inner := split3(g.Shape, d)
	res := col.NewTensor(g.DType, ints(out.Shape))
	s := res.Shape[d]
	for o := 0; o < outer; o++ {
		copyBlock(res, o*s*inner, g, (o*total+at)*inner, s*inner)
	}
	return res, nil
}
