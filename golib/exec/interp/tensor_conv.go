package interp

// im2col / col2im (golib/tensor/conv.go): the unfold that turns conv2d into
// one matmul and max_pool2d into a max over the window dim, and its adjoint.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

func init() {
	registerTensor("im2col", tIm2col)
	registerTensor("col2im", tCol2im)
}

func geomOf(n *ir.Node, shape []int) (tensor.Geom, error) {
	return tensor.ConvGeom(n, toI64(shape))
}

// convWalk calls f(colIndex, srcIndex) for every in-range element of the
// unfolded layout of one [C, H, W] image, and pad(colIndex) for the
// positions outside it.
func convWalk(g tensor.Geom, f func(ci, si int), pad func(ci int)) {
	C, H, W := int(g.C), int(g.H), int(g.W)
	KH, KW := int(g.KH), int(g.KW)
	OH, OW := int(g.OH), int(g.OW)
	SH, SW, PH, PW, DH, DW := int(g.SH), int(g.SW), int(g.PH), int(g.PW), int(g.DH), int(g.DW)
	L := OH * OW
	for c := 0; c < C; c++ {
		for i := 0; i < KH; i++ {
			for j := 0; j < KW; j++ {
				row := ((c*KH+i)*KW + j) * L
				for oh := 0; oh < OH; oh++ {
					ih := oh*SH - PH + i*DH
					base := row + oh*OW
					if ih < 0 || ih >= H {
						for ow := 0; ow < OW; ow++ {
							pad(base + ow)
						}
						continue
					}
					src := (c*H + ih) * W
					for ow := 0; ow < OW; ow++ {
						iw := ow*SW - PW + j*DW
						if iw < 0 || iw >= W {
							pad(base + ow)
						} else {
							f(base+ow, src+iw)
						}
					}
				}
			}
		}
	}
}

func tIm2col(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	x := in[0].(*col.Tensor)
	if !x.DType.IsFloat() {
		return nil, ir.Errorf("NotImplemented", "\"im2col\" (conv2d / max_pool2d) not implemented for '%s' tensors", x.DType)
	}
	g, err := geomOf(n, x.Shape)
	if err != nil {
		return nil, err
	}
	padv := 0.0
	if s := n.Attrs.Str("pad"); s != "" {
		if padv, _, _, err = tensor.ParseScalar(s, ir.Float64); err != nil {
			return nil, err
		}
	}
	shape := ints(g.ColShape())
	res := col.NewTensor(x.DType, shape)
	img := int(g.C * g.H * g.W)
	cols := shape[1] * shape[2]
	for b := 0; b < int(g.N); b++ {
		if x.DType == ir.Float32 {
			src, dst, p := x.F32[b*img:(b+1)*img], res.F32[b*cols:(b+1)*cols], float32(padv)
			convWalk(g, func(ci, si int) { dst[ci] = src[si] }, func(ci int) { dst[ci] = p })
		} else {
			src, dst := x.F64[b*img:(b+1)*img], res.F64[b*cols:(b+1)*cols]
			convWalk(g, func(ci, si int) { dst[ci] = src[si] }, func(ci int) { dst[ci] = padv })
		}
	}
	return res, nil
}

func tCol2im(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	if _, err := outType(n, in); err != nil {
		return nil, err
	}
	cl, x := in[0].(*col.Tensor), in[1].(*col.Tensor)
	if !cl.DType.IsFloat() {
		return nil, ir.Errorf("NotImplemented", "col2im of %s tensors", cl.DType)
	}
	g, err := geomOf(n, x.Shape)
	if err != nil {
		return nil, err
	}
	res := col.NewTensor(cl.DType, x.Shape)
	img := int(g.C * g.H * g.W)
	cols := int(tensor.Numel(g.ColShape()) / max(g.N, 1))
	nopad := func(int) {}
	for b := 0; b < int(g.N); b++ {
		if cl.DType == ir.Float32 {
			src, dst := cl.F32[b*cols:(b+1)*cols], res.F32[b*img:(b+1)*img]
			convWalk(g, func(ci, si int) { dst[si] += src[ci] }, nopad)
		} else {
			src, dst := cl.F64[b*cols:(b+1)*cols], res.F64[b*img:(b+1)*img]
			convWalk(g, func(ci, si int) { dst[si] += src[ci] }, nopad)
		}
	}
	return res, nil
}
