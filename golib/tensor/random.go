package tensor

import "github.com/flern/flern/golib/ir"

// Random ops. Each reads its seed from its last input, a 0-dim int64 tensor
// (the front end draws it from flern.manual_seed's generator or a
// torch.Generator-like object and passes it as run data, so one training
// step and the next compile to the same plan while their random values
// differ, and a staged loop can feed a fresh seed per step). The stream is
// defined by exec/interp (tensor_random.go); it differs from torch's.
//
//   - rand, randn [seed]: shape, dtype (float32/float64): uniform [0, 1) and
//     standard normal values.
//   - rand_like, randn_like [x, seed]: the same over x's shape; dtype attr or
//     x's (a float dtype). No gradient flows to x.
//   - randperm [seed]: n, dtype (int64 default): a random permutation of
//     0..n-1.
func init() {
	for _, op := range []string{"rand", "randn"} {
		reg(op, 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
			if err := seedInput(n, in[0]); err != nil {
				return nil, err
			}
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
		reg(op, 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
			if err := seedInput(n, in[1]); err != nil {
				return nil, err
			}
			x := in[0].Tensor
			dt, err := randDType(n, x.DType)
			if err != nil {
				return nil, err
			}
			return ir.TensorSchema(dt, x.Shape), nil
		})
	}
	reg("randperm", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if err := seedInput(n, in[0]); err != nil {
			return nil, err
		}
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

func seedInput(n *ir.Node, s *ir.Schema) error {
	if s.Tensor.DType != ir.Int64 || len(s.Tensor.Shape) != 0 {
		return ir.Errorf("Type", "%s: the seed input must be a 0-dim int64 tensor, got %s", n.Op, s.Tensor)
	}
	return nil
}
