package interp

// The reference implementation of every tensor op (golib/tensor defines
// their dtype and shape rules; each kernel asks those rules for its output
// type with the real input shapes, so static and run-time rules agree).
//
// Numerics, chosen to match torch on CPU within float tolerances:
//   - float32 elementwise math is computed in float64 and rounded once to
//     float32. For + - * / and sqrt this is exactly IEEE float32 arithmetic
//     (float64 has more than 2*24+2 bits); for exp, log, tanh, pow, sigmoid
//     it is the correctly rounded result in almost all cases.
//   - sum and mean accumulate float32 and float64 in float64 and round at
//     the end (torch uses float32 pairwise sums: results differ in the last
//     bits, tests use tolerances). Float matmul is GEMM from golib/blas
//     (OpenBLAS when loaded, else gonum), float32 in float32 as torch's CPU
//     matmul. int64 arithmetic wraps.
//   - max/min/maximum/minimum propagate NaN; argmax treats NaN as the largest
//     value; ties pick the first index.
//   - bool + bool is logical or, bool * bool logical and (torch).

import (
	"math"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

func init() {
	registerTensor("source_tensor", tSource)
	registerTensor("full", tFull)
	registerTensor("arange", tArange)
	registerTensor("cast", func(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
		out, err := outType(n, in)
		if err != nil {
			return nil, err
		}
		return castTensor(in[0].(*col.Tensor), out.DType), nil
	})
	for op := range tensor.Unary {
		registerTensor(op, tUnary)
	}
	registerTensor("erf", tUnary)
	for op := range tensor.Binary {
		registerTensor(op, tBinary)
	}
	registerTensor("where", tWhere)
	registerTensor("matmul", tMatmul)
	for _, op := range []string{"sum", "mean", "max", "min", "argmax", "argmin"} {
		registerTensor(op, tReduce)
	}
	for op := range tensor.Views {
		registerTensor(op, func(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
			out, err := outType(n, in)
			if err != nil {
				return nil, err
			}
			return in[0].(*col.Tensor).Reshaped(ints(out.Shape)), nil
		})
	}
	for _, op := range []string{"permute", "transpose"} {
		registerTensor(op, func(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
			t := in[0].(*col.Tensor)
			perm, err := tensor.OpPerm(n, len(t.Shape))
			if err != nil {
				return nil, err
			}
			return permute(t, perm), nil
		})
	}
	registerTensor("to_tensor", tToTensor)
}

// outType applies the op's inference rule to the real input shapes.
func outType(n *ir.Node, in []any) (*ir.TensorType, error) {
	schemas := make([]*ir.Schema, len(in))
	for i, x := range in {
		switch v := x.(type) {
		case *col.Tensor:
			schemas[i] = ir.TensorSchema(v.DType, v.ShapeI64())
		default:
			return nil, ir.Errorf("Internal", "%s: input %d is not a tensor", n.Op, i)
		}
	}
	s, err := ir.LookupOp(n.Op).Infer(n, schemas)
	if err != nil {
		return nil, err
	}
	return s.Tensor, nil
}

// checkTensorType verifies a kernel's result against the static type.
func checkTensorType(t *col.Tensor, s *ir.Schema) error {
	if s == nil || s.Tensor == nil {
		return ir.Errorf("Internal", "tensor result for a node without a tensor type")
	}
	if t.DType != s.Tensor.DType || len(t.Shape) != len(s.Tensor.Shape) {
		return ir.Errorf("Internal", "result %s%v does not match the inferred %s", t.DType, t.Shape, s.Tensor)
	}
	for i, d := range s.Tensor.Shape {
		if d != ir.DynDim && int64(t.Shape[i]) != d {
			return ir.Errorf("Internal", "result %s%v does not match the inferred %s", t.DType, t.Shape, s.Tensor)
		}
	}
	return nil
}

func ints(s []int64) []int {
	out := make([]int, len(s))
	for i, d := range s {
		out[i] = int(d)
	}
	return out
}

func tSource(c *Ctx, n *ir.Node, _ []any) (*col.Tensor, error) {
	i := int(n.Attrs.Int("input", 0))
	if i < 0 || i >= len(c.Tensors) || c.Tensors[i] == nil {
		if n.Attrs.Bool("rng_seed", false) {
			return nil, ir.Errorf("NotImplemented", "the seed of a random op (rand, randn, randperm, dropout) has no value in this run (run input %d): staged training does not feed random seeds yet", i)
		}
		return nil, ir.Errorf("Value", "run input %d is missing or not a tensor", i)
	}
	t := c.Tensors[i]
	want := n.Schema.Tensor
	if t.DType != want.DType {
		return nil, ir.Errorf("Value", "tensor input %d has dtype %s, the plan says %s", i, t.DType, want.DType)
	}
	if n := tensor.Numel(want.Shape); n != int64(t.Len()) {
		return nil, ir.Errorf("Value", "tensor input %d has %d elements, the plan's shape %s needs %d", i, t.Len(), tensor.FormatShape(want.Shape), n)
	}
	return t.Reshaped(ints(want.Shape)), nil
}

func tFull(c *Ctx, n *ir.Node, _ []any) (*col.Tensor, error) {
	tt := n.Schema.Tensor
	f, iv, b, err := tensor.ParseScalar(n.Attrs.Str("value"), tt.DType)
	if err != nil {
		return nil, err
	}
	t := col.NewTensor(tt.DType, ints(tt.Shape))
	switch tt.DType {
	case ir.Float32:
		fill(t.F32, float32(f))
	case ir.Float64:
		fill(t.F64, f)
	case ir.Int64:
		fill(t.I64, iv)
	case ir.Bool:
		fill(t.B, b)
	}
	return t, nil
}

func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

func tArange(c *Ctx, n *ir.Node, _ []any) (*col.Tensor, error) {
	tt := n.Schema.Tensor
	t := col.NewTensor(tt.DType, ints(tt.Shape))
	start, _ := n.Attrs.Float("start")
	step, ok := n.Attrs.Float("step")
	if !ok {
		step = 1
	}
	for i := 0; i < t.Numel(); i++ {
		v := start + float64(i)*step
		switch tt.DType {
		case ir.Float32:
			t.F32[i] = float32(v)
		case ir.Float64:
			t.F64[i] = v
		case ir.Int64:
			t.I64[i] = int64(start) + int64(i)*int64(step)
		default:
			return nil, ir.Errorf("Type", "arange does not support dtype %s", tt.DType)
		}
	}
	return t, nil
}

// castTensor converts t to dtype dt (t itself when it already is).
// float -> int64 truncates toward zero; x -> bool is x != 0.
func castTensor(t *col.Tensor, dt ir.DType) *col.Tensor {
	if t.DType == dt {
		return t
	}
	out := col.NewTensor(dt, t.Shape)
	n := t.Numel()
	get := floatGetter(t)
	for i := 0; i < n; i++ {
		switch dt {
		case ir.Float32:
			if t.DType == ir.Int64 {
				out.F32[i] = float32(t.I64[i])
			} else {
				out.F32[i] = float32(get(i))
			}
		case ir.Float64:
			if t.DType == ir.Int64 {
				out.F64[i] = float64(t.I64[i])
			} else {
				out.F64[i] = get(i)
			}
		case ir.Int64:
			switch t.DType {
			case ir.Bool:
				if t.B[i] {
					out.I64[i] = 1
				}
			default:
				out.I64[i] = int64(get(i))
			}
		case ir.Bool:
			switch t.DType {
			case ir.Int64:
				out.B[i] = t.I64[i] != 0
			default:
				out.B[i] = get(i) != 0
			}
		}
	}
	return out
}

// floatGetter reads element i of a float or bool tensor as float64.
func floatGetter(t *col.Tensor) func(i int) float64 {
	switch t.DType {
	case ir.Float32:
		return func(i int) float64 { return float64(t.F32[i]) }
	case ir.Float64:
		return func(i int) float64 { return t.F64[i] }
	case ir.Int64:
		return func(i int) float64 { return float64(t.I64[i]) }
	case ir.Bool:
		return func(i int) float64 {
			if t.B[i] {
				return 1
			}
			return 0
		}
	}
	return nil
}

// bcastIndex maps each element of oshape to the element of a tensor of
// shape ishape it reads under broadcasting; nil means the identity.
func bcastIndex(ishape, oshape []int) []int {
	if len(ishape) == len(oshape) {
		same := true
		for i := range ishape {
			if ishape[i] != oshape[i] {
				same = false
				break
			}
		}
		if same {
			return nil
		}
	}
	nd := len(oshape)
	strides := make([]int, nd) // input stride per output dim (0 when broadcast)
	s := 1
	for i := nd - 1; i >= 0; i-- {
		j := len(ishape) - nd + i
		if j >= 0 && ishape[j] != 1 {
			strides[i] = s
		}
		if j >= 0 {
			s *= ishape[j]
		}
	}
	total := 1
	for _, d := range oshape {
		total *= d
	}
	idx := make([]int, total)
	pos := make([]int, nd)
	off := 0
	for k := 0; k < total; k++ {
		idx[k] = off
		for d := nd - 1; d >= 0; d-- {
			pos[d]++
			off += strides[d]
			if pos[d] < oshape[d] {
				break
			}
			off -= strides[d] * pos[d]
			pos[d] = 0
		}
	}
	return idx
}

func at(idx []int, k int) int {
	if idx == nil {
		return k
	}
	return idx[k]
}

func roundF32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// asF64 returns a float tensor's data as float64 (a copy for float32).
func asF64(t *col.Tensor) []float64 {
	if t.DType == ir.Float64 {
		return t.F64
	}
	out := make([]float64, len(t.F32))
	for i, v := range t.F32 {
		out[i] = float64(v)
	}
	return out
}

// floatResult wraps float64 results as a tensor of float dtype dt.
func floatResult(dt ir.DType, shape []int, v []float64) *col.Tensor {
	if dt == ir.Float32 {
		return &col.Tensor{DType: dt, Shape: shape, F32: roundF32(v)}
	}
	return &col.Tensor{DType: dt, Shape: shape, F64: v}
}

func tUnary(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	t := castTensor(in[0].(*col.Tensor), out.DType)
	if r, ok := unaryFast(n.Op, t); ok {
		return r, nil
	}
	shape := append([]int{}, t.Shape...)
	if out.DType == ir.Int64 {
		r := make([]int64, len(t.I64))
		for i, x := range t.I64 {
			switch n.Op {
			case "neg":
				r[i] = -x
			case "abs":
				if x < 0 {
					x = -x
				}
				r[i] = x
			case "relu":
				r[i] = max(x, 0)
			}
		}
		return &col.Tensor{DType: ir.Int64, Shape: shape, I64: r}, nil
	}
	x := asF64(t)
	r := make([]float64, len(x))
	var f func(float64) float64
	switch n.Op {
	case "neg":
		f = func(v float64) float64 { return -v }
	case "abs":
		f = math.Abs
	case "relu":
		f = func(v float64) float64 {
			if v > 0 || math.IsNaN(v) {
				return v
			}
			return 0
		}
	case "exp":
		f = math.Exp
	case "log":
		f = math.Log
	case "sqrt":
		f = math.Sqrt
	case "tanh":
		f = math.Tanh
	case "erf":
		f = math.Erf
	case "sigmoid":
		f = func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	}
	for i, v := range x {
		r[i] = f(v)
	}
	return floatResult(out.DType, shape, r), nil
}

func isWrapped(n *ir.Node, i int) bool {
	return n.Attrs.Bool("wrapped"+string(rune('0'+i)), false)
}

func tBinary(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	a0, b0 := in[0].(*col.Tensor), in[1].(*col.Tensor)
	_, compute, err := tensor.BinaryType(n.Op,
		tensor.Operand{DType: a0.DType, Dims: len(a0.Shape), Wrapped: isWrapped(n, 0)},
		tensor.Operand{DType: b0.DType, Dims: len(b0.Shape), Wrapped: isWrapped(n, 1)})
	if err != nil {
		return nil, err
	}
	if compute == ir.Bool && tensor.Compare[n.Op] {
		compute = ir.Int64 // compare bools as 0/1
	}
	a, b := castTensor(a0, compute), castTensor(b0, compute)
	shape := ints(out.Shape)
	ai, bi := bcastIndex(a.Shape, shape), bcastIndex(b.Shape, shape)
	total := 1
	for _, d := range shape {
		total *= d
	}
	if tensor.Compare[n.Op] {
		r := make([]bool, total)
		switch compute {
		case ir.Int64:
			cmp := cmpFunc[int64](n.Op)
			for k := range r {
				r[k] = cmp(a.I64[at(ai, k)], b.I64[at(bi, k)])
			}
		case ir.Float32:
			cmp := cmpFunc[float32](n.Op)
			for k := range r {
				r[k] = cmp(a.F32[at(ai, k)], b.F32[at(bi, k)])
			}
		default:
			cmp := cmpFunc[float64](n.Op)
			for k := range r {
				r[k] = cmp(a.F64[at(ai, k)], b.F64[at(bi, k)])
			}
		}
		return &col.Tensor{DType: ir.Bool, Shape: shape, B: r}, nil
	}
	switch compute {
	case ir.Bool:
		r := make([]bool, total)
		for k := range r {
			x, y := a.B[at(ai, k)], b.B[at(bi, k)]
			switch n.Op {
			case "add", "maximum":
				r[k] = x || y
			case "mul", "minimum":
				r[k] = x && y
			default:
				return nil, ir.Errorf("Type", "%s is not supported for bool tensors", n.Op)
			}
		}
		return &col.Tensor{DType: ir.Bool, Shape: shape, B: r}, nil
	case ir.Int64:
		r := make([]int64, total)
		for k := range r {
			x, y := a.I64[at(ai, k)], b.I64[at(bi, k)]
			switch n.Op {
			case "add":
				r[k] = x + y
			case "sub":
				r[k] = x - y
			case "mul":
				r[k] = x * y
			case "maximum":
				r[k] = max(x, y)
			case "minimum":
				r[k] = min(x, y)
			case "pow":
				if y < 0 {
					return nil, ir.Errorf("Value", "Integers to negative integer powers are not allowed.")
				}
				r[k] = ipow(x, y)
			default:
				return nil, ir.Errorf("Internal", "%s on int64", n.Op)
			}
		}
		return &col.Tensor{DType: ir.Int64, Shape: shape, I64: r}, nil
	}
	if r, ok := binaryFast(n.Op, a, b, compute); ok {
		return r, nil
	}
	x, y := asF64(a), asF64(b)
	var f func(x, y float64) float64
	switch n.Op {
	case "add":
		f = func(x, y float64) float64 { return x + y }
	case "sub":
		f = func(x, y float64) float64 { return x - y }
	case "mul":
		f = func(x, y float64) float64 { return x * y }
	case "div":
		f = func(x, y float64) float64 { return x / y }
	case "pow":
		f = math.Pow
	case "maximum":
		f = func(x, y float64) float64 {
			if math.IsNaN(x) || math.IsNaN(y) {
				return math.NaN()
			}
			return math.Max(x, y)
		}
	case "minimum":
		f = func(x, y float64) float64 {
			if math.IsNaN(x) || math.IsNaN(y) {
				return math.NaN()
			}
			return math.Min(x, y)
		}
	}
	r := make([]float64, total)
	for k := range r {
		r[k] = f(x[at(ai, k)], y[at(bi, k)])
	}
	return floatResult(compute, shape, r), nil
}

// ipow is x**y for y >= 0 with int64 wraparound (torch).
func ipow(x, y int64) int64 {
	r := int64(1)
	for y > 0 {
		if y&1 == 1 {
			r *= x
		}
		x *= x
		y >>= 1
	}
	return r
}

func cmpFunc[T int64 | float32 | float64](op string) func(x, y T) bool {
	switch op {
	case "eq":
		return func(x, y T) bool { return x == y }
	case "ne":
		return func(x, y T) bool { return x != y }
	case "lt":
		return func(x, y T) bool { return x < y }
	case "le":
		return func(x, y T) bool { return x <= y }
	case "gt":
		return func(x, y T) bool { return x > y }
	}
	return func(x, y T) bool { return x >= y }
}

func tWhere(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	cond := in[0].(*col.Tensor)
	a, b := castTensor(in[1].(*col.Tensor), out.DType), castTensor(in[2].(*col.Tensor), out.DType)
	shape := ints(out.Shape)
	ci, ai, bi := bcastIndex(cond.Shape, shape), bcastIndex(a.Shape, shape), bcastIndex(b.Shape, shape)
	r := col.NewTensor(out.DType, shape)
	for k := 0; k < r.Numel(); k++ {
		src, j := b, at(bi, k)
		if cond.B[at(ci, k)] {
			src, j = a, at(ai, k)
		}
		switch out.DType {
		case ir.Float32:
			r.F32[k] = src.F32[j]
		case ir.Float64:
			r.F64[k] = src.F64[j]
		case ir.Int64:
			r.I64[k] = src.I64[j]
		case ir.Bool:
			r.B[k] = src.B[j]
		}
	}
	return r, nil
}

// permute returns t with its dims reordered (a copy in the new order).
func permute(t *col.Tensor, perm []int) *col.Tensor {
	nd := len(t.Shape)
	shape := make([]int, nd)
	for i, p := range perm {
		shape[i] = t.Shape[p]
	}
	identity := true
	for i, p := range perm {
		if i != p {
			identity = false
		}
	}
	if identity {
		return t.Reshaped(shape)
	}
	istr := make([]int, nd)
	s := 1
	for i := nd - 1; i >= 0; i-- {
		istr[i] = s
		s *= t.Shape[i]
	}
	strides := make([]int, nd) // input stride of each output dim
	for i, p := range perm {
		strides[i] = istr[p]
	}
	out := col.NewTensor(t.DType, shape)
	total := out.Numel()
	pos := make([]int, nd)
	off := 0
	for k := 0; k < total; k++ {
		switch t.DType {
		case ir.Float32:
			out.F32[k] = t.F32[off]
		case ir.Float64:
			out.F64[k] = t.F64[off]
		case ir.Int64:
			out.I64[k] = t.I64[off]
		case ir.Bool:
			out.B[k] = t.B[off]
		}
		for d := nd - 1; d >= 0; d-- {
			pos[d]++
			off += strides[d]
			if pos[d] < shape[d] {
				break
			}
			off -= strides[d] * pos[d]
			pos[d] = 0
		}
	}
	return out
}

func tReduce(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	t := in[0].(*col.Tensor)
	dims, _, err := tensor.ReduceDims(n, len(t.Shape))
	if err != nil {
		return nil, err
	}
	if d, one := singleDim(dims); one {
		if res, ok := reduceOneDim(n.Op, t, d, ints(out.Shape), out.DType); ok {
			return res, nil
		}
	}
	// Move the reduced dims last (order kept within each group): each
	// output element then reduces one contiguous block of k elements.
	var perm []int
	k := 1
	for i := range t.Shape {
		if !dims[i] {
			perm = append(perm, i)
		}
	}
	for i := range t.Shape {
		if dims[i] {
			perm = append(perm, i)
			k *= t.Shape[i]
		}
	}
	src := permute(t, perm)
	shape := ints(out.Shape)
	res := col.NewTensor(out.DType, shape)
	m := res.Numel()
	switch n.Op {
	case "sum", "mean":
		if !t.DType.IsFloat() { // bool/int64 -> int64 sum
			v := castTensor(src, ir.Int64).I64
			for j := 0; j < m; j++ {
				var s int64
				for _, x := range v[j*k : (j+1)*k] {
					s += x
				}
				res.I64[j] = s
			}
			return res, nil
		}
		v := asF64(src)
		r := make([]float64, m)
		for j := range r {
			s := 0.0
			for _, x := range v[j*k : (j+1)*k] {
				s += x
			}
			if n.Op == "mean" {
				s /= float64(k)
			}
			r[j] = s
		}
		return floatResult(out.DType, shape, r), nil
	}
	// max, min, argmax, argmin: scan each block in order; NaN wins and
	// sticks; ties keep the first.
	isMin := n.Op == "min" || n.Op == "argmin"
	better := func(x, best float64) bool {
		if math.IsNaN(best) {
			return false
		}
		if math.IsNaN(x) {
			return true
		}
		if isMin {
			return x < best
		}
		return x > best
	}
	for j := 0; j < m; j++ {
		bi := j * k
		if src.DType == ir.Int64 {
			for i := j * k; i < (j+1)*k; i++ {
				x, b := src.I64[i], src.I64[bi]
				if (isMin && x < b) || (!isMin && x > b) {
					bi = i
				}
			}
		} else {
			get := floatGetter(src)
			for i := j * k; i < (j+1)*k; i++ {
				if better(get(i), get(bi)) {
					bi = i
				}
			}
		}
		switch {
		case n.Op == "argmax" || n.Op == "argmin":
			res.I64[j] = int64(bi - j*k)
		case src.DType == ir.Float32:
			res.F32[j] = src.F32[bi]
		case src.DType == ir.Float64:
			res.F64[j] = src.F64[bi]
		case src.DType == ir.Int64:
			res.I64[j] = src.I64[bi]
		case src.DType == ir.Bool:
			res.B[j] = src.B[bi]
		}
	}
	return res, nil
}

func tMatmul(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	out, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	a, b := in[0].(*col.Tensor), in[1].(*col.Tensor)
	// Promote 1-D operands to matrices; the output shape (from the rule)
	// already has the unit dims removed.
	as, bs := a.Shape, b.Shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	M, K, P := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	abatch, bbatch := as[:len(as)-2], bs[:len(bs)-2]
	bshape64, err := tensor.Broadcast(toI64(abatch), toI64(bbatch))
	if err != nil {
		return nil, err
	}
	batch := ints(bshape64)
	ai, bi := bcastIndex(abatch, batch), bcastIndex(bbatch, batch)
	nb := 1
	for _, d := range batch {
		nb *= d
	}
	var res *col.Tensor
	if a.DType == ir.Int64 || K == 0 {
		res = col.NewTensor(out.DType, ints(out.Shape))
	} else {
		res = col.NewTensorUninit(out.DType, ints(out.Shape)) // GEMM with beta 0 writes every element
	}
	if a.DType == ir.Int64 {
		for q := 0; q < nb; q++ {
			ao, bo, ro := at(ai, q)*M*K, at(bi, q)*K*P, q*M*P
			for i := 0; i < M; i++ {
				row := res.I64[ro+i*P : ro+(i+1)*P]
				for kk := 0; kk < K; kk++ {
					x := a.I64[ao+i*K+kk]
					brow := b.I64[bo+kk*P : bo+(kk+1)*P]
					for j, y := range brow {
						row[j] += x * y
					}
				}
			}
		}
		return res, nil
	}
	// Float GEMM through golib/blas (OpenBLAS when loaded, else gonum).
	if out.DType == ir.Float32 {
		av, bv := castTensor(a, ir.Float32).F32, castTensor(b, ir.Float32).F32
		for q := 0; q < nb; q++ {
			ao, bo, ro := at(ai, q)*M*K, at(bi, q)*K*P, q*M*P
			blas.Sgemm(false, false, M, P, K, 1, av[ao:ao+M*K], max(1, K), bv[bo:bo+K*P], max(1, P), 0, res.F32[ro:ro+M*P], max(1, P))
		}
		return res, nil
	}
	av, bv := castTensor(a, ir.Float64).F64, castTensor(b, ir.Float64).F64
	for q := 0; q < nb; q++ {
		ao, bo, ro := at(ai, q)*M*K, at(bi, q)*K*P, q*M*P
		blas.Dgemm(false, false, M, P, K, 1, av[ao:ao+M*K], max(1, K), bv[bo:bo+K*P], max(1, P), 0, res.F64[ro:ro+M*P], max(1, P))
	}
	return res, nil
}

func toI64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}

// tToTensor stacks a frame's columns into an [N, ncols] row-major tensor.
func tToTensor(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	f, ok := in[0].(*col.Frame)
	if !ok {
		return nil, ir.Errorf("Internal", "to_tensor input is not a frame")
	}
	dt := n.Schema.Tensor.DType
	nc := len(f.Cols)
	res := col.NewTensor(dt, []int{f.N, nc})
	for j, cl := range f.Cols {
		if cl.Type != ir.Float64 && cl.Type != ir.Float32 && cl.HasNulls() {
			return nil, ir.Errorf("Value", "can't convert column %q to a tensor: it has missing values", f.Names[j])
		}
		for i := 0; i < f.N; i++ {
			var x float64
			var xi int64
			isInt := cl.Type.IsInt()
			switch {
			case isInt:
				xi = cl.I64[i]
				x = float64(xi)
			case cl.Type.IsFloat():
				x = cl.F64[i]
			case cl.Type == ir.Bool:
				if cl.B[i] {
					x, xi = 1, 1
				}
			}
			k := i*nc + j
			switch dt {
			case ir.Float32:
				res.F32[k] = float32(x)
			case ir.Float64:
				res.F64[k] = x
			case ir.Int64:
				if isInt || cl.Type == ir.Bool {
					res.I64[k] = xi
				} else {
					res.I64[k] = int64(x)
				}
			case ir.Bool:
				if isInt {
					res.B[k] = xi != 0
				} else {
					res.B[k] = x != 0
				}
			}
		}
	}
	return res, nil
}

// singleDim returns the one reduced dim, if exactly one dim is reduced.
func singleDim(dims []bool) (int, bool) {
	d := -1
	for i, r := range dims {
		if r {
			if d >= 0 {
				return 0, false
			}
			d = i
		}
	}
	return d, d >= 0
}
