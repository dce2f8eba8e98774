package tensor

import "github.com/flern/flern/golib/ir"

// Convolution building blocks (conv2d = weights @ im2col, max_pool2d = max
// over im2col's window dim; both composed by the front end).
//
//   - im2col [x]: x [N, C, H, W]; kernel [kh, kw], stride, padding,
//     dilation (pairs), pad (string float, the value outside the input: "0"
//     for convolution, "-inf" for max pooling). Output [N, C*kh*kw, L]
//     (torch.nn.functional.unfold's layout: row c*kh*kw + i*kw + j holds
//     x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]; L = OH*OW, row-major).
//   - col2im [g, x]: the adjoint: g [N, C*kh*kw, L] summed back into zeros
//     shaped like x (im2col's gradient; torch's fold).
func init() {
	reg("im2col", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		x := in[0].Tensor
		g, err := ConvGeom(n, x.Shape)
		if err != nil {
			return nil, err
		}
		return ir.TensorSchema(x.DType, g.ColShape()), nil
	})
	reg("col2im", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		c, x := in[0].Tensor, in[1].Tensor
		g, err := ConvGeom(n, x.Shape)
		if err != nil {
			return nil, err
		}
		if !shapesMatch(c.Shape, g.ColShape()) {
			return nil, ir.Errorf("Value", "col2im: input shape %s, expected %s", FormatShape(c.Shape), FormatShape(g.ColShape()))
		}
		return ir.TensorSchema(c.DType, x.Shape), nil
	})
}

// Geom is the geometry of an im2col node over a [N, C, H, W] input.
type Geom struct {
	N, C, H, W int64
	KH, KW     int64
	SH, SW     int64
	PH, PW     int64
	DH, DW     int64
	OH, OW     int64
}

// ColShape is im2col's output shape.
func (g Geom) ColShape() []int64 {
	return []int64{g.N, mulDyn(g.C, g.KH*g.KW), mulDyn(g.OH, g.OW)}
}

func mulDyn(a, b int64) int64 {
	if a == ir.DynDim || b == ir.DynDim {
		return ir.DynDim
	}
	return a * b
}

func pair(n *ir.Node, k string, def int64) (int64, int64, error) {
	v, ok := Ints(n.Attrs, k)
	if !ok || len(v) != 2 {
		if n.Attrs[k] == nil {
			return def, def, nil
		}
		return 0, 0, ir.Errorf("Value", "%s: %s must be a pair of ints", n.Op, k)
	}
	return v[0], v[1], nil
}

// ConvGeom resolves an im2col/col2im node's geometry over shape, with
// torch's errors.
func ConvGeom(n *ir.Node, shape []int64) (Geom, error) {
	var g Geom
	if len(shape) != 4 {
		return g, ir.Errorf("Value", "Expected 4D (batched) input to conv2d/max_pool2d, but got input of size: %s", FormatShape(shape))
	}
	g.N, g.C, g.H, g.W = shape[0], shape[1], shape[2], shape[3]
	var err error
	if g.KH, g.KW, err = pair(n, "kernel", 1); err != nil {
		return g, err
	}
	if g.SH, g.SW, err = pair(n, "stride", 1); err != nil {
		return g, err
	}
	if g.PH, g.PW, err = pair(n, "padding", 0); err != nil {
		return g, err
	}
	if g.DH, g.DW, err = pair(n, "dilation", 1); err != nil {
		return g, err
	}
	if g.KH <= 0 || g.KW <= 0 || g.SH <= 0 || g.SW <= 0 || g.DH <= 0 || g.DW <= 0 || g.PH < 0 || g.PW < 0 {
		return g, ir.Errorf("Value", "%s: kernel size, stride and dilation must be positive and padding non-negative", n.Op)
	}
	if g.H == ir.DynDim || g.W == ir.DynDim {
		return g, ir.Errorf("NotImplemented", "convolution over an image whose size is only known at run time")
	}
	eh := g.DH*(g.KH-1) + 1
	ew := g.DW*(g.KW-1) + 1
	if g.H+2*g.PH < eh || g.W+2*g.PW < ew {
		return g, ir.Errorf("Value", "Calculated padded input size per channel: (%d x %d). Kernel size: (%d x %d). Kernel size can't be greater than actual input size", g.H+2*g.PH, g.W+2*g.PW, eh, ew)
	}
	g.OH = (g.H+2*g.PH-eh)/g.SH + 1
	g.OW = (g.W+2*g.PW-ew)/g.SW + 1
	return g, nil
}
