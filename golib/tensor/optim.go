package tensor

import "github.com/flern/flern/golib/ir"

// Go-resident state and fused optimizer updates.
//
// Training keeps parameters, gradients and optimizer state in a Go-side
// store of named tensors (golib/exec/interp/optim_state.go) across plan runs:
//
//   - state (source): the tensor stored under attrs.key, with attrs dtype and
//     shape (checked against the stored tensor when it runs).
//   - state_write [value]: stores value under attrs.key (replacing the
//     tensor there, never writing into it) and returns value. A plan that
//     updates a parameter lists the state_write as an output.
//
// The fused updates take [param, grad, hyper, step, buffers...] and return
// the updated parameter (a new tensor: the old one may still be read by
// other nodes of the same step). hyper is a float64 [1] tensor holding the
// learning rate (a state entry, so a scheduler changes it without a
// recompile); step is an int64 0-dim counter and the buffers are the
// optimizer's per-parameter state: the kernel updates both IN PLACE (only
// that update node reads them). Constant hyper-parameters are attributes:
//
//   - sgd_update: momentum, dampening, weight_decay, nesterov, maximize;
//     buffers [momentum_buffer] (unused when momentum is 0).
//   - adam_update / adamw_update: beta1, beta2, eps, weight_decay, maximize;
//     buffers [exp_avg, exp_avg_sq].
//   - rmsprop_update: alpha, eps, weight_decay, momentum, centered, maximize;
//     buffers [square_avg, momentum_buffer, grad_avg] (the last two unused
//     unless momentum > 0, centered).
//
// Every buffer is an input whether used or not, so each op has a fixed arity.
//
// The formulas are torch.optim's (see the kernels).
func init() {
	reg("state", 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		if _, ok := n.Attrs.Float("key"); !ok {
			return nil, ir.Errorf("Value", "state needs a key")
		}
		dt, err := attrDType(n, DefaultFloat)
		if err != nil {
			return nil, err
		}
		sh, err := shapeAttr(n)
		if err != nil {
			return nil, err
		}
		return ir.TensorSchema(dt, sh), nil
	})
	reg("state_write", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if _, ok := n.Attrs.Float("key"); !ok {
			return nil, ir.Errorf("Value", "state_write needs a key")
		}
		return ir.TensorSchema(in[0].Tensor.DType, in[0].Tensor.Shape), nil
	})
	for op := range UpdateOps {
		ir.RegisterOp(&ir.OpInfo{Name: op, Inputs: 4 + UpdateOps[op], Infer: inferUpdate})
	}
}

// UpdateOps are the fused optimizer updates and their number of buffers.
var UpdateOps = map[string]int{"sgd_update": 1, "adam_update": 2, "adamw_update": 2, "rmsprop_update": 3}

func inferUpdate(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
	if err := tensorIn(n, in); err != nil {
		return nil, err
	}
	want := 4 + UpdateOps[n.Op]
	if len(in) != want {
		return nil, ir.Errorf("Value", "%s takes %d inputs (param, grad, hyper, step, buffers), got %d", n.Op, want, len(in))
	}
	p := in[0].Tensor
	if !p.DType.IsFloat() {
		return nil, ir.Errorf("Type", "%s: parameters must be float tensors, got %s", n.Op, p.DType)
	}
	same := func(i int, what string) error {
		t := in[i].Tensor
		if t.DType != p.DType || !sameShape(t.Shape, p.Shape) {
			return ir.Errorf("Value", "%s: %s is %s, the parameter is %s", n.Op, what, t, p)
		}
		return nil
	}
	if err := same(1, "the gradient"); err != nil {
		return nil, err
	}
	if h := in[2].Tensor; h.DType != ir.Float64 || Numel(h.Shape) < 1 {
		return nil, ir.Errorf("Internal", "%s: hyper-parameters must be a float64 tensor, got %s", n.Op, h)
	}
	if s := in[3].Tensor; s.DType != ir.Int64 || Numel(s.Shape) != 1 {
		return nil, ir.Errorf("Internal", "%s: the step counter must be one int64, got %s", n.Op, s)
	}
	for i := 4; i < len(in); i++ {
		if err := same(i, "an optimizer buffer"); err != nil {
			return nil, err
		}
	}
	return ir.TensorSchema(p.DType, p.Shape), nil
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && a[i] != ir.DynDim && b[i] != ir.DynDim {
			return false
		}
	}
	return true
}

// ShapeMatches reports whether a run-time shape fits a static one (whose
// dynamic dims match any size).
func ShapeMatches(static []int64, shape []int) bool {
	if len(static) != len(shape) {
		return false
	}
	for i, d := range static {
		if d != ir.DynDim && d != int64(shape[i]) {
			return false
		}
	}
	return true
}
