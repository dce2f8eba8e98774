package exec

// The prepared step's element-wise pieces (train_fast.go): a kernel's
// float32 operands (a full slot, a constant, a one-element slot, a slot
// broadcast through an index map or along the leading dims), the broadcast
// index maps, and the scalar and slice functions of the unary, binary and
// comparison ops the element-wise kernels apply.

import (
	"math"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/ir"
)

// operand is a float32 kernel input.
type operand struct {
	kind int // opFull, opConst, opScalar, opIndexed
	id   ir.NodeID
	v    float32 // opConst: the value
	idx  []int32 // opIndexed: broadcast index map into the input
}

const (
	opFull    = iota // a slot of the output's shape
	opConst          // a constant scalar
	opScalar         // a one-element slot
	opIndexed        // a slot broadcast through idx
	opRow            // a slot repeated along the leading dims (idx[k] = k % len)
)

// isRow reports whether idx repeats 0..w-1 (a trailing-dims broadcast).
func isRow(idx []int32, w int) bool {
	if w == 0 || len(idx)%w != 0 {
		return false
	}
	for k, j := range idx {
		if int(j) != k%w {
			return false
		}
	}
	return true
}

// broadcastIndex maps each element of out to the element of in it reads.
func broadcastIndex(in, out []int) []int32 {
	same := len(in) == len(out)
	for i := 0; same && i < len(in); i++ {
		same = in[i] == out[i]
	}
	if same {
		return nil
	}
	nd := len(out)
	strides := make([]int, nd)
	st := 1
	for i := len(in) - 1; i >= 0; i-- {
		j := nd - len(in) + i
		if in[i] != 1 {
			strides[j] = st
		}
		st *= in[i]
	}
	total := 1
	for _, d := range out {
		total *= d
	}
	idx := make([]int32, total)
	pos := make([]int, nd)
	off := 0
	for k := 0; k < total; k++ {
		idx[k] = int32(off)
		for d := nd - 1; d >= 0; d-- {
			pos[d]++
			off += strides[d]
			if pos[d] < out[d] {
				break
			}
			off -= strides[d] * pos[d]
			pos[d] = 0
		}
	}
	return idx
}

// at reads element k of a float32 operand.
func (f *fastStep) at(o *operand, k int) float32 {
	switch o.kind {
	case opConst:
		return o.v
	case opScalar:
		return f.slots[o.id].F32[0]
	case opIndexed, opRow:
		return f.slots[o.id].F32[o.idx[k]]
	}
	return f.slots[o.id].F32[k]
}

// binaryFull is an arithmetic op on two same-shape slices, or y one row
// repeated along the rows of x (the vectorized blas kernel for + - * /).
func binaryFull(op string, dst, x, y []float32) {
	if code, ok := binCode[op]; ok {
		blas.BinaryRowsF32(code, dst, x, y)
		return
	}
	y = y[:len(x)]
	dst = dst[:len(x)]
	switch op {
	case "add":
		for i := range x {
			dst[i] = x[i] + y[i]
		}
	case "sub":
		for i := range x {
			dst[i] = x[i] - y[i]
		}
	case "mul":
		for i := range x {
			dst[i] = x[i] * y[i]
		}
	case "div":
		for i := range x {
			dst[i] = x[i] / y[i]
		}
	}
}

// binCode maps binaryFull's ops to blas.BinaryRowsF32's.
var binCode = map[string]int{"add": blas.BinAdd, "sub": blas.BinSub, "mul": blas.BinMul, "div": blas.BinDiv}

func unaryF32(op string) func(dst, src []float32) {
	var g func(float64) float64
	switch op {
	case "relu":
		return blas.ReluF32
	case "neg":
		return func(dst, src []float32) {
			for i, v := range src {
				dst[i] = -v
			}
		}
	case "abs":
		return func(dst, src []float32) {
			for i, v := range src {
				dst[i] = float32(math.Abs(float64(v)))
			}
		}
	case "exp":
		g = math.Exp
	case "log":
		g = math.Log
	case "sqrt":
		g = math.Sqrt
	case "tanh":
		g = math.Tanh
	case "sigmoid":
		g = func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	}
	return func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(g(float64(v)))
		}
	}
}

func binaryF32(op string) func(x, y float32) float32 {
	switch op {
	case "add":
		return func(x, y float32) float32 { return x + y }
	case "sub":
		return func(x, y float32) float32 { return x - y }
	case "mul":
		return func(x, y float32) float32 { return x * y }
	case "div":
		return func(x, y float32) float32 { return x / y }
	case "maximum", "minimum":
		isMax := op == "maximum"
		return func(x, y float32) float32 {
			switch {
			case x != x:
				return x
			case y != y:
				return y
			case (x > y) == isMax:
				return x
			}
			return y
		}
	}
	return nil
}

// cmpCode is blas.CmpConstF32's code of a comparison op.
var cmpCode = map[string]int{"gt": blas.CmpGt, "ge": blas.CmpGe, "lt": blas.CmpLt, "le": blas.CmpLe, "eq": blas.CmpEq, "ne": blas.CmpNe}

func compareF32(op string) func(x, y float32) bool {
	switch op {
	case "eq":
		return func(x, y float32) bool { return x == y }
	case "ne":
		return func(x, y float32) bool { return x != y }
	case "lt":
		return func(x, y float32) bool { return x < y }
	case "le":
		return func(x, y float32) bool { return x <= y }
	case "gt":
		return func(x, y float32) bool { return x > y }
	case "ge":
		return func(x, y float32) bool { return x >= y }
	}
	return nil
}
