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

// im2colImage unfolds one [C, H, W] image into dst ([C*KH*KW, OH*OW]),
// writing pad outside the image.
func im2colImage[T float32 | float64](src, dst []T, g tensor.Geom, pad T) {
	C, H, W := int(g.C), int(g.H), int(g.W)
	KH, KW := int(g.KH), int(g.KW)
	OH, OW := int(g.OH), int(g.OW)
	SH, SW, PH, PW, DH, DW := int(g.SH), int(g.SW), int(g.PH), int(g.PW), int(g.DH), int(g.DW)
	for c := 0; c < C; c++ {
		for i := 0; i < KH; i++ {
			for j := 0; j < KW; j++ {
				row := dst[((c*KH+i)*KW+j)*OH*OW:]
				for oh := 0; oh < OH; oh++ {
					out := row[oh*OW : (oh+1)*OW]
					ih := oh*SH - PH + i*DH
					if ih < 0 || ih >= H {
						for k := range out {
							out[k] = pad
						}
						continue
					}
					in := src[(c*H+ih)*W : (c*H+ih+1)*W]
					iw := j*DW - PW
					for ow := range out {
						if iw >= 0 && iw < W {
							out[ow] = in[iw]
						} else {
							out[ow] = pad
						}
						iw += SW
					}
				}
			}
		}
	}
}

// col2imImage adds the unfolded src ([C*KH*KW, OH*OW]) back into the
// [C, H, W] image dst (im2colImage's adjoint; padding positions are dropped).
func col2imImage[T float32 | float64](src, dst []T, g tensor.Geom) {
	C, H, W := int(g.C), int(g.H), int(g.W)
	KH, KW := int(g.KH), int(g.KW)
	OH, OW := int(g.OH), int(g.OW)
	SH, SW, PH, PW, DH, DW := int(g.SH), int(g.SW), int(g.PH), int(g.PW), int(g.DH), int(g.DW)
	for c := 0; c < C; c++ {
		for i := 0; i < KH; i++ {
			for j := 0; j < KW; j++ {
				row := src[((c*KH+i)*KW+j)*OH*OW:]
				for oh := 0; oh < OH; oh++ {
					ih := oh*SH - PH + i*DH
					if ih < 0 || ih >= H {
						continue
					}
					in := row[oh*OW : (oh+1)*OW]
					out := dst[(c*H+ih)*W : (c*H+ih+1)*W]
					iw := j*DW - PW
					for _, v := range in {
						if iw >= 0 && iw < W {
							out[iw] += v
						}
						iw += SW
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
			im2colImage(x.F32[b*img:(b+1)*img], res.F32[b*cols:(b+1)*cols], g, float32(padv))
		} else {
			im2colImage(x.F64[b*img:(b+1)*img], res.F64[b*cols:(b+1)*cols], g, padv)
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
	for b := 0; b < int(g.N); b++ {
		if cl.DType == ir.Float32 {
			col2imImage(cl.F32[b*cols:(b+1)*cols], res.F32[b*img:(b+1)*img], g)
		} else {
			col2imImage(cl.F64[b*cols:(b+1)*cols], res.F64[b*img:(b+1)*img], g)
		}
	}
	return res, nil
}
