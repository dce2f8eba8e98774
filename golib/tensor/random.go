package tensor

import "github.com/flern/flern/golib/ir"

// Random ops. Each carries its own seed (attr seed, an integer below 2^53
// drawn by the front end from flern.manual_seed's generator or a
// torch.Generator-like object), so a graph is a pure function of its
// attributes and re-running it gives the same values. The stream itself is
// defined by exec/interp (tensor_random.go); it differs from torch's.
//
//   - rand, randn: shape, dtype (float32/float64), seed: uniform [0, 1) and
//     standard normal values.
//   - rand_like, randn_like [x]: the same over x's shape; dtype attr or x's
//     (a float dtype). No gradient flows to x.
//   - randperm: n, seed, dtype (int64 default): a random permutation of
//     0..n-1.
func init() {
	for _, op := range []string{"rand", "randn"} {
		reg(op, 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
			dt, err := randDType(n, DefaultFloat)
			if err != nil {
				return nil, err
			}
			sh, err := shapeAttr(n)
			if err != nil {
				return nil, err
			}
			return ir.TensorSchema(dt, sh), nil
		})
	}
	for _, op := range []string{"rand_like", "randn_like"} {
		reg(op, 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
			x := in[0].Tensor
			dt, err := randDType(n, x.DType)
			if err != nil {
				return nil, err
			}
			return ir.TensorSchema(dt, x.Shape), nil
		})
	}
	reg("randperm", 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		dt, err := attrDType(n, ir.Int64)
		if err != nil {
			return nil, err
		}
		if dt == ir.Bool {
			return nil, ir.Errorf("Type", "\"randperm\" not implemented for 'Bool'")
		}
		k := n.Attrs.Int("n", 0)
		if k < 0 {
			return nil, ir.Errorf("Value", "n must be non-negative, got%d", k)
		}
		return ir.TensorSchema(dt, []int64{k}), nil
	})
}

func randDType(n *ir.Node, def ir.DType) (ir.DType, error) {
	dt, err := attrDType(n, def)
	if err != nil {
		return 0, err
	}
	if !dt.IsFloat() {
		return 0, ir.Errorf("Type", "\"%s\" not implemented for '%s'", n.Op, torchName(dt))
	}
	return dt, nil
}
