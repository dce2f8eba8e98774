// Package tensor defines the tensor ops of flern's IR: their attributes and
// how each output's dtype and shape follow from the inputs, with PyTorch's
// rules (broadcasting, type promotion, matmul shapes, dim wrapping) and
// torch-like error messages. Execution lives in exec/interp (tensor.go),
// which calls the same Infer functions on the real shapes, so static and
// run-time shape rules cannot drift apart.
//
// Tensors and frames live in one graph: a tensor node's ir.Schema has
// Tensor set. Sizes known only at run time (the row count of a frame handed
// to to_tensor) are ir.DynDim; rules treat them as "any size" and the
// interpreter re-checks with the real sizes.
//
// # Element types and promotion
//
// Tensor dtypes are bool < int64 < float32 < float64 (ir.Bool, ir.Int64,
// ir.Float32, ir.Float64); promoting two dtypes gives the larger one. As in
// torch, a binary op's result type is computed in three tiers (see
// ResultType): tensors with at least one dimension decide, unless a 0-dim
// tensor or a Python scalar (a "wrapped" full node) is of a higher category
// (bool < integer < floating); a float Python scalar counts as the default
// dtype float32 and an int one as int64. So int64 tensor + 2.5 is float32,
// float32 tensor + float64 0-dim tensor is float32, bool tensor + 1 is int64.
// True division and the float functions (exp, log, sqrt, sigmoid, tanh, mean
// refuses integers as torch does) turn bool/int64 into float32.
package tensor

import (
	"strconv"
	"strings"

	"github.com/flern/flern/golib/ir"
)

// DTypes are the element types a tensor may have.
var DTypes = map[ir.DType]bool{ir.Bool: true, ir.Int64: true, ir.Float32: true, ir.Float64: true}

// DefaultFloat is torch's default floating dtype.
const DefaultFloat = ir.Float32

// Unary lists the elementwise unary ops.
var Unary = map[string]bool{"neg": true, "exp": true, "log": true, "sqrt": true, "abs": true,
	"relu": true, "sigmoid": true, "tanh": true}

// Binary lists the elementwise binary ops (arithmetic and comparisons).
var Binary = map[string]bool{"add": true, "sub": true, "mul": true, "div": true, "pow": true,
	"maximum": true, "minimum": true, "eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true}

// Compare lists the comparison ops (result bool).
var Compare = map[string]bool{"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true}

func rank(t ir.DType) int {
	switch t {
	case ir.Bool:
		return 0
	case ir.Int64:
		return 1
	case ir.Float32:
		return 2
	case ir.Float64:
		return 3
	}
	return -1
}

// Promote is torch.promote_types on the tensor dtypes.
func Promote(a, b ir.DType) ir.DType {
	if a == ir.Invalid {
		return b
	}
	if b == ir.Invalid || rank(a) >= rank(b) {
		return a
	}
	return b
}

func category(t ir.DType) int {
	switch {
	case t == ir.Bool:
		return 0
	case t.IsInt():
		return 1
	case t.IsFloat():
		return 2
	}
	return -1
}

// combine is torch's combine_categories(higher, lower).
func combine(higher, lower ir.DType) ir.DType {
	if higher == ir.Invalid {
		return lower
	}
	if higher.IsFloat() {
		return higher
	}
	if higher == ir.Bool || lower.IsFloat() {
		return Promote(higher, lower)
	}
	return higher
}

// Operand is one input of a type-promoting op.
type Operand struct {
	DType   ir.DType
	Dims    int
	Wrapped bool // a Python scalar (recorded as full(wrapped=true))
}

// ResultType is torch.result_type over the operands.
func ResultType(ops ...Operand) ir.DType {
	var dim, zero, wrapped ir.DType
	for _, o := range ops {
		switch {
		case o.Wrapped:
			t := o.DType
			if t.IsFloat() {
				t = DefaultFloat
			}
			wrapped = Promote(wrapped, t)
		case o.Dims == 0:
			zero = Promote(zero, o.DType)
		default:
			dim = Promote(dim, o.DType)
		}
	}
	return combine(dim, combine(zero, wrapped))
}

func operand(n *ir.Node, s *ir.Schema, wrapped bool) Operand {
	return Operand{DType: s.Tensor.DType, Dims: len(s.Tensor.Shape), Wrapped: wrapped}
}

// Broadcast returns the broadcast shape of a and b (torch/numpy rules).
func Broadcast(a, b []int64) ([]int64, error) {
	n := max(len(a), len(b))
	out := make([]int64, n)
	for i := 0; i < n; i++ {
		da, db := int64(1), int64(1)
		ia, ib := len(a)-n+i, len(b)-n+i
		if ia >= 0 {
			da = a[ia]
		}
		if ib >= 0 {
			db = b[ib]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		case da == ir.DynDim:
			out[i] = db
		case db == ir.DynDim:
			out[i] = da
		default:
			return nil, ir.Errorf("Value", "The size of tensor a (%d) must match the size of tensor b (%d) at non-singleton dimension %d", da, db, i)
		}
	}
	return out, nil
}

// WrapDim maps a possibly negative dim into [0, ndim) (a 0-dim tensor
// accepts dims -1 and 0, as torch).
func WrapDim(d int64, ndim int) (int, error) {
	lim := int64(max(ndim, 1))
	if d < -lim || d >= lim {
		return 0, ir.Errorf("Value", "Dimension out of range (expected to be in range of [%d, %d], but got %d)", -lim, lim-1, d)
	}
	if d < 0 {
		d += lim
	}
	return int(d), nil
}

// Numel is the number of elements, or DynDim when a size is unknown.
func Numel(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		if d == ir.DynDim {
			return ir.DynDim
		}
		n *= d
	}
	return n
}

// FormatShape renders a shape as torch does in messages: "[2, 3]".
func FormatShape(s []int64) string {
	parts := make([]string, len(s))
	for i, d := range s {
		if d == ir.DynDim {
			parts[i] = "?"
		} else {
			parts[i] = strconv.FormatInt(d, 10)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Ints decodes an attribute holding a list of integers (nil if absent).
func Ints(a ir.Attrs, k string) ([]int64, bool) {
	v, ok := a[k].([]any)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(v))
	for i, x := range v {
		f, ok := x.(float64)
		if !ok {
			return nil, false
		}
		out[i] = int64(f)
	}
	return out, true
}

func attrDType(n *ir.Node, def ir.DType) (ir.DType, error) {
	s := n.Attrs.Str("dtype")
	if s == "" {
		return def, nil
	}
	t, err := ir.ParseDType(s)
	if err != nil || !DTypes[t] {
		return ir.Invalid, ir.Errorf("Type", "unsupported tensor dtype %q (flern supports float32, float64, int64, bool)", s)
	}
	return t, nil
}

func tensorIn(n *ir.Node, in []*ir.Schema) error {
	for i, s := range in {
		if !s.IsTensor() {
			return ir.Errorf("Type", "%s expects a tensor as input %d, got a frame", n.Op, i)
		}
	}
	return nil
}

func reg(name string, inputs int, infer func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error)) {
	ir.RegisterOp(&ir.OpInfo{Name: name, Inputs: inputs, Source: inputs == 0,
		Infer: func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
			if name != "to_tensor" {
				if err := tensorIn(n, in); err != nil {
					return nil, err
				}
			}
			return infer(n, in)
		}})
}

// ParseScalar parses a full node's value (a string on the wire, so that
// int64 edges, NaN and infinities survive JSON) as dtype t.
func ParseScalar(s string, t ir.DType) (f float64, i int64, b bool, err error) {
	switch t {
	case ir.Bool:
		b, err = strconv.ParseBool(strings.ToLower(s))
	case ir.Int64:
		i, err = strconv.ParseInt(s, 10, 64)
	default:
		f, err = strconv.ParseFloat(s, 64)
	}
	if err != nil {
		err = ir.Errorf("Value", "bad %s value %q", t, s)
	}
	return
}

func shapeAttr(n *ir.Node) ([]int64, error) {
	s, ok := Ints(n.Attrs, "shape")
	if !ok {
		return nil, ir.Errorf("Value", "%s needs a shape (list of ints)", n.Op)
	}
	for _, d := range s {
		if d < 0 {
			return nil, ir.Errorf("Value", "Trying to create tensor with negative dimension %d: %s", d, FormatShape(s))
		}
	}
	return s, nil
}

// ArangeLen is the element count of arange(start, end, step) (torch's
// ceil((end-start)/step)), with torch's errors.
func ArangeLen(start, end, step float64) (int64, error) {
	if step == 0 {
		return 0, ir.Errorf("Value", "step must be nonzero")
	}
	if (step > 0 && start > end) || (step < 0 && start < end) {
		return 0, ir.Errorf("Value", "upper bound and larger bound inconsistent with step sign")
	}
	n := (end - start) / step
	c := int64(n)
	if float64(c) < n {
		c++
	}
	return c, nil
}

func init() {
	// source_tensor: run input number attrs.input, with attrs dtype and shape.
	reg("source_tensor", 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
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
	// full: shape, value (string), dtype; wrapped=true marks a Python scalar
	// operand (shape []), which promotes by category only.
	reg("full", 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		dt, err := attrDType(n, DefaultFloat)
		if err != nil {
			return nil, err
		}
		sh, err := shapeAttr(n)
		if err != nil {
			return nil, err
		}
		if _, _, _, err := ParseScalar(n.Attrs.Str("value"), dt); err != nil {
			return nil, err
		}
		return ir.TensorSchema(dt, sh), nil
	})
	// arange: start, end, step (numbers), dtype (the front end picks int64
	// for all-int arguments, else float32, as torch).
	reg("arange", 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		dt, err := attrDType(n, ir.Int64)
		if err != nil {
			return nil, err
		}
		start, _ := n.Attrs.Float("start")
		end, _ := n.Attrs.Float("end")
		step, ok := n.Attrs.Float("step")
		if !ok {
			step = 1
		}
		k, err := ArangeLen(start, end, step)
		if err != nil {
			return nil, err
		}
		return ir.TensorSchema(dt, []int64{k}), nil
	})
	for op := range Unary {
		reg(op, 1, inferUnary)
	}
	// erf: elementwise like Unary, kept out of that table (which the fusing
	// lowering in golib/lower mirrors) until the lowering has it.
	reg("erf", 1, inferUnary)
	for op := range Binary {
		reg(op, 2, inferBinary)
	}
	reg("where", 3, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if in[0].Tensor.DType != ir.Bool {
			return nil, ir.Errorf("Type", "where expected condition to be a boolean tensor, but got a tensor with dtype %s", in[0].Tensor.DType)
		}
		sh, err := Broadcast(in[0].Tensor.Shape, in[1].Tensor.Shape)
		if err == nil {
			sh, err = Broadcast(sh, in[2].Tensor.Shape)
		}
		if err != nil {
			return nil, err
		}
		dt := ResultType(operand(n, in[1], n.Attrs.Bool("wrapped1", false)), operand(n, in[2], n.Attrs.Bool("wrapped2", false)))
		return ir.TensorSchema(dt, sh), nil
	})
	reg("matmul", 2, inferMatmul)
	reg("sum", 1, inferReduce)
	reg("mean", 1, inferReduce)
	reg("max", 1, inferReduce)
	reg("min", 1, inferReduce)
	reg("argmax", 1, inferReduce)
	reg("argmin", 1, inferReduce)
	reg("cast", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		dt, err := attrDType(n, DefaultFloat)
		if err != nil {
			return nil, err
		}
		return ir.TensorSchema(dt, in[0].Tensor.Shape), nil
	})
	for op := range Views {
		reg(op, 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
			sh, err := ViewShape(n, in[0].Tensor.Shape)
			if err != nil {
				return nil, err
			}
			return ir.TensorSchema(in[0].Tensor.DType, sh), nil
		})
	}
	for _, op := range []string{"permute", "transpose"} {
		reg(op, 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
			perm, err := OpPerm(n, len(in[0].Tensor.Shape))
			if err != nil {
				return nil, err
			}
			sh := make([]int64, len(perm))
			for i, p := range perm {
				sh[i] = in[0].Tensor.Shape[p]
			}
			return ir.TensorSchema(in[0].Tensor.DType, sh), nil
		})
	}
	reg("to_tensor", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if in[0].IsTensor() {
			return nil, ir.Errorf("Type", "to_tensor expects a frame")
		}
		if in[0].Dynamic {
			return nil, ir.Errorf("NotImplemented", "to_tensor of a frame whose columns depend on the data; select the columns first")
		}
		dt, err := attrDType(n, DefaultFloat)
		if err != nil {
			return nil, err
		}
		for _, f := range in[0].Fields {
			if !f.Type.IsNumeric() {
				return nil, ir.Errorf("Type", "can't convert column %q of dtype %s to a tensor (only numeric and bool columns)", f.Name, f.Type)
			}
		}
		return ir.TensorSchema(dt, []int64{ir.DynDim, int64(len(in[0].Fields))}), nil
	})
}

func inferUnary(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
	t := in[0].Tensor
	dt := t.DType
	switch n.Op {
	case "neg":
		if dt == ir.Bool {
			return nil, ir.Errorf("Type", "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
		}
	case "abs", "relu":
		if dt == ir.Bool {
			return nil, ir.Errorf("Type", "%s is not supported for bool tensors", n.Op)
		}
	default: // exp, log, sqrt, sigmoid, tanh, erf: integral -> default float
		if !dt.IsFloat() {
			dt = DefaultFloat
		}
	}
	return ir.TensorSchema(dt, t.Shape), nil
}

// BinaryType is the result dtype of binary op op on the operands, and the
// dtype the operands are computed in.
func BinaryType(op string, a, b Operand) (out, compute ir.DType, err error) {
	compute = ResultType(a, b)
	out = compute
	switch {
	case Compare[op]:
		out = ir.Bool
	case op == "div":
		if !compute.IsFloat() {
			compute, out = DefaultFloat, DefaultFloat
		}
	case op == "sub" && a.DType == ir.Bool && b.DType == ir.Bool:
		return 0, 0, ir.Errorf("Type", "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.")
	case op == "sub" && (a.DType == ir.Bool || b.DType == ir.Bool) && compute == ir.Bool:
		return 0, 0, ir.Errorf("Type", "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
	case op == "pow" && compute == ir.Bool:
		compute, out = ir.Int64, ir.Int64
	}
	return out, compute, nil
}

func inferBinary(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
	sh, err := Broadcast(in[0].Tensor.Shape, in[1].Tensor.Shape)
	if err != nil {
		return nil, err
	}
	out, _, err := BinaryType(n.Op, operand(n, in[0], n.Attrs.Bool("wrapped0", false)), operand(n, in[1], n.Attrs.Bool("wrapped1", false)))
	if err != nil {
		return nil, err
	}
	return ir.TensorSchema(out, sh), nil
}

func dimsMatch(a, b int64) bool { return a == b || a == ir.DynDim || b == ir.DynDim }

// MatmulShape is torch.matmul's output shape, with torch's errors.
func MatmulShape(a, b []int64) ([]int64, error) {
	if len(a) == 0 || len(b) == 0 {
		return nil, ir.Errorf("Value", "both arguments to matmul need to be at least 1D, but they are %dD and %dD", len(a), len(b))
	}
	switch {
	case len(a) == 1 && len(b) == 1:
		if !dimsMatch(a[0], b[0]) {
			return nil, ir.Errorf("Value", "inconsistent tensor size, expected tensor [%d] and src [%d] to have the same number of elements, but got %d and %d elements respectively", a[0], b[0], a[0], b[0])
		}
		return []int64{}, nil
	case len(a) == 2 && len(b) == 1:
		if !dimsMatch(a[1], b[0]) {
			return nil, ir.Errorf("Value", "size mismatch, got input (%d), mat (%dx%d), vec (%d)", a[0], a[0], a[1], b[0])
		}
		return []int64{a[0]}, nil
	case len(a) == 1 && len(b) == 2:
		if !dimsMatch(a[0], b[0]) {
			return nil, ir.Errorf("Value", "size mismatch, got input (%d), mat (%dx%d), vec (%d)", b[1], b[1], b[0], a[0])
		}
		return []int64{b[1]}, nil
	case len(a) == 2 && len(b) == 2:
		if !dimsMatch(a[1], b[0]) {
			return nil, ir.Errorf("Value", "mat1 and mat2 shapes cannot be multiplied (%sx%s and %sx%s)", dimStr(a[0]), dimStr(a[1]), dimStr(b[0]), dimStr(b[1]))
		}
		return []int64{a[0], b[1]}, nil
	}
	// Batched: 1-D operands get a unit dim that is removed afterwards.
	aa, bb := a, b
	if len(a) == 1 {
		aa = []int64{1, a[0]}
	}
	if len(b) == 1 {
		bb = []int64{b[0], 1}
	}
	m, k := aa[len(aa)-2], aa[len(aa)-1]
	k2, p := bb[len(bb)-2], bb[len(bb)-1]
	if !dimsMatch(k, k2) {
		return nil, ir.Errorf("Value", "Expected size for first two dimensions of batch2 tensor to be: [%s, %s] but got: [%s, %s].",
			batchStr(aa[:len(aa)-2], bb[:len(bb)-2]), dimStr(k), batchStr(aa[:len(aa)-2], bb[:len(bb)-2]), dimStr(k2))
	}
	batch, err := Broadcast(aa[:len(aa)-2], bb[:len(bb)-2])
	if err != nil {
		return nil, err
	}
	out := append([]int64{}, batch...)
	if len(a) > 1 {
		out = append(out, m)
	}
	if len(b) > 1 {
		out = append(out, p)
	}
	return out, nil
}

func dimStr(d int64) string {
	if d == ir.DynDim {
		return "?"
	}
	return strconv.FormatInt(d, 10)
}

func batchStr(a, b []int64) string {
	s, err := Broadcast(a, b)
	if err != nil {
		return "?"
	}
	return dimStr(Numel(s))
}

func inferMatmul(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
	a, b := in[0].Tensor, in[1].Tensor
	if a.DType != b.DType {
		return nil, ir.Errorf("Type", "expected m1 and m2 to have the same dtype, but got: %s != %s", a.DType, b.DType)
	}
	if a.DType == ir.Bool {
		return nil, ir.Errorf("Type", "matmul is not implemented for bool tensors")
	}
	sh, err := MatmulShape(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	return ir.TensorSchema(a.DType, sh), nil
}

// ReduceDims returns the reduced dims (sorted set, wrapped) of a reduction
// node over a tensor of ndim dims: attr "dims" (sum, mean; null = all) or
// "dim" (max, min, argmax; null = all).
func ReduceDims(n *ir.Node, ndim int) (dims []bool, all bool, err error) {
	dims = make([]bool, ndim)
	var list []int64
	if n.Op == "sum" || n.Op == "mean" {
		if n.Attrs["dims"] == nil {
			all = true
		} else {
			var ok bool
			if list, ok = Ints(n.Attrs, "dims"); !ok {
				return nil, false, ir.Errorf("Value", "%s: dims must be a list of ints", n.Op)
			}
			if len(list) == 0 {
				all = true // torch: sum(dim=[]) reduces everything
			}
		}
	} else if n.Attrs["dim"] == nil {
		all = true
	} else {
		list = []int64{n.Attrs.Int("dim", 0)}
	}
	if all {
		for i := range dims {
			dims[i] = true
		}
		return dims, true, nil
	}
	for _, d := range list {
		w, err := WrapDim(d, ndim)
		if err != nil {
			return nil, false, err
		}
		if ndim == 0 {
			continue
		}
		if dims[w] {
			return nil, false, ir.Errorf("Value", "dim %d appears multiple times in the list of dims", w)
		}
		dims[w] = true
	}
	return dims, false, nil
}

// ReduceShape is the output shape of a reduction.
func ReduceShape(shape []int64, dims []bool, keepdim bool) []int64 {
	out := []int64{}
	for i, d := range shape {
		switch {
		case !dims[i]:
			out = append(out, d)
		case keepdim:
			out = append(out, 1)
		}
	}
	return out
}

func inferReduce(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
	t := in[0].Tensor
	dims, all, err := ReduceDims(n, len(t.Shape))
	if err != nil {
		return nil, err
	}
	keep := n.Attrs.Bool("keepdim", false)
	arg := n.Op == "argmax" || n.Op == "argmin"
	if all && (n.Op == "max" || n.Op == "min" || arg) {
		keep = keep && arg
	}
	var dt ir.DType
	switch n.Op {
	case "sum":
		dt = t.DType
		if !dt.IsFloat() {
			dt = ir.Int64
		}
	case "mean":
		if !t.DType.IsFloat() {
			return nil, ir.Errorf("Type", "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: %s", torchName(t.DType))
		}
		dt = t.DType
	case "argmax", "argmin":
		dt = ir.Int64
		if t.DType == ir.Bool {
			return nil, ir.Errorf("Type", "\"%s_cpu\" not implemented for 'Bool'", n.Op)
		}
	default:
		dt = t.DType
	}
	if n.Op == "max" || n.Op == "min" || arg {
		for i, d := range t.Shape {
			if dims[i] && d == 0 {
				if all {
					return nil, ir.Errorf("Value", "%s(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.", n.Op)
				}
				return nil, ir.Errorf("Value", "%s(): Expected reduction dim %d to have non-zero size.", n.Op, i)
			}
		}
	}
	return ir.TensorSchema(dt, ReduceShape(t.Shape, dims, keep)), nil
}

func torchName(t ir.DType) string {
	switch t {
	case ir.Int64:
		return "Long"
	case ir.Bool:
		return "Bool"
	case ir.Float32:
		return "Float"
	case ir.Float64:
		return "Double"
	}
	return t.String()
}

// ReshapeShape resolves a reshape spec (at most one -1) against shape.
func ReshapeShape(shape, spec []int64) ([]int64, error) {
	infer := -1
	known := int64(1)
	for i, d := range spec {
		switch {
		case d == -1:
			if infer >= 0 {
				return nil, ir.Errorf("Value", "only one dimension can be inferred")
			}
			infer = i
		case d < 0:
			return nil, ir.Errorf("Value", "invalid shape dimension %d", d)
		default:
			known *= d
		}
	}
	numel := Numel(shape)
	out := append([]int64{}, spec...)
	if numel == ir.DynDim {
		// Only the run-time size can check it; the inferred dim is unknown.
		if infer >= 0 {
			out[infer] = ir.DynDim
		}
		return out, nil
	}
	if infer >= 0 {
		if known == 0 {
			return nil, ir.Errorf("Value", "cannot reshape tensor of 0 elements into shape %s because the unspecified dimension size -1 can be any value and is ambiguous", FormatShape(spec))
		}
		if numel%known != 0 {
			return nil, ir.Errorf("Value", "shape '%s' is invalid for input of size %d", FormatShape(spec), numel)
		}
		out[infer] = numel / known
		return out, nil
	}
	if known != numel {
		return nil, ir.Errorf("Value", "shape '%s' is invalid for input of size %d", FormatShape(spec), numel)
	}
	return out, nil
}

// Perm returns the permutation of a permute node (attr dims) over ndim dims.
func Perm(n *ir.Node, ndim int) ([]int, error) {
	dims, ok := Ints(n.Attrs, "dims")
	if !ok {
		return nil, ir.Errorf("Value", "permute needs dims")
	}
	if len(dims) != ndim {
		return nil, ir.Errorf("Value", "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = %d is not equal to len(dims) = %d", ndim, len(dims))
	}
	seen := make([]bool, ndim)
	out := make([]int, ndim)
	for i, d := range dims {
		w, err := WrapDim(d, ndim)
		if err != nil {
			return nil, err
		}
		if seen[w] {
			return nil, ir.Errorf("Value", "permute(): duplicate dims are not allowed.")
		}
		seen[w] = true
		out[i] = w
	}
	return out, nil
}

// Layout ops that only rename dims (data order unchanged): reshape,
// unsqueeze, squeeze, flatten. transpose and permute move data (Perm).
var Views = map[string]bool{"reshape": true, "unsqueeze": true, "squeeze": true, "flatten": true}

// ViewShape is the output shape of a view op (Views) over shape.
func ViewShape(n *ir.Node, shape []int64) ([]int64, error) {
	nd := len(shape)
	switch n.Op {
	case "reshape":
		spec, ok := Ints(n.Attrs, "shape")
		if !ok {
			return nil, ir.Errorf("Value", "reshape needs a shape")
		}
		return ReshapeShape(shape, spec)
	case "unsqueeze":
		d, err := WrapDim(n.Attrs.Int("dim", 0), nd+1)
		if err != nil {
			return nil, err
		}
		out := append(append(append([]int64{}, shape[:d]...), 1), shape[d:]...)
		return out, nil
	case "squeeze":
		drop := make([]bool, nd)
		if n.Attrs["dims"] == nil {
			for i := range drop {
				drop[i] = true
			}
		} else {
			ds, ok := Ints(n.Attrs, "dims")
			if !ok {
				return nil, ir.Errorf("Value", "squeeze: dims must be a list of ints")
			}
			for _, d := range ds {
				w, err := WrapDim(d, nd)
				if err != nil {
					return nil, err
				}
				if nd > 0 {
					drop[w] = true
				}
			}
		}
		out := []int64{}
		for i, d := range shape {
			if drop[i] && d == ir.DynDim {
				return nil, ir.Errorf("NotImplemented", "squeeze of dim %d, whose size is only known at run time", i)
			}
			if !(drop[i] && d == 1) {
				out = append(out, d)
			}
		}
		return out, nil
	case "flatten":
		if nd == 0 {
			return []int64{1}, nil
		}
		s, err := WrapDim(n.Attrs.Int("start_dim", 0), nd)
		if err != nil {
			return nil, err
		}
		e, err := WrapDim(n.Attrs.Int("end_dim", -1), nd)
		if err != nil {
			return nil, err
		}
		if s > e {
			return nil, ir.Errorf("Value", "flatten() has invalid args: start_dim cannot come after end_dim")
		}
		out := append([]int64{}, shape[:s]...)
		out = append(out, Numel(shape[s:e+1]))
		return append(out, shape[e+1:]...), nil
	}
	return nil, ir.Errorf("Internal", "%s is not a view op", n.Op)
}

// TransposePerm is the permutation of transpose(dim0, dim1) over ndim dims.
func TransposePerm(n *ir.Node, ndim int) ([]int, error) {
	a, err := WrapDim(n.Attrs.Int("dim0", 0), ndim)
	if err != nil {
		return nil, err
	}
	b, err := WrapDim(n.Attrs.Int("dim1", 0), ndim)
	if err != nil {
		return nil, err
	}
	perm := make([]int, ndim)
	for i := range perm {
		perm[i] = i
	}
	if ndim > 0 {
		perm[a], perm[b] = perm[b], perm[a]
	}
	return perm, nil
}

// OpPerm is the permutation of a permute or transpose node.
func OpPerm(n *ir.Node, ndim int) ([]int, error) {
	if n.Op == "transpose" {
		return TransposePerm(n, ndim)
	}
	return Perm(n, ndim)
}
