package exec

// A fast path for float64 arithmetic in projections: (distance - 731.6) /
// 574.7 evaluated by interp.Eval broadcasts each literal to a whole column,
// allocates a column per operator and dispatches on the operator per
// element. Here a tree of + - * / whose every node is typed float64 runs as
// one tight loop per operator over the morsel, literals read once. Leaves
// that are not columns or literals (dt.hour, str.len, ...) are evaluated by
// interp.Eval. It reproduces interp's arith for float64 results exactly:
// each operand is read as float64 (ints converted), one IEEE operation per
// node, no rounding step (float64 is the result type). Operands with nulls
// (a validity bitmap) or of other types make it decline (ok=false), and the
// caller evaluates the whole expression with interp.Eval.

import (
	"unsafe"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// fastArithOps are the operators fastArithInto runs.
var fastArithOps = map[string]bool{"add": true, "sub": true, "mul": true, "truediv": true}

// fastExpr evaluates e with fastArithInto, or a float cast of a comparison with
// a literal (pandas' (x > 15).astype("float32")) from fasteval's compareLit
// without the broadcast literal; ok=false for anything else.
func fastExpr(e *ir.Expr, f *col.Frame) (*col.Column, bool, error) {
	return fastExprInto(e, f, nil)
}

// isFastFloat reports whether fastExprInto can write e's values into a
// float64 buffer: float64 arithmetic, or a float cast of a comparison.
func isFastFloat(e *ir.Expr) bool {
	if isFastArith(e) {
		return true
	}
	return e.Kind == ir.ExprCall && e.Name == "cast" && len(e.Args) == 1 && (e.Type == ir.Float32 || e.Type == ir.Float64) &&
		e.Args[0].Kind == ir.ExprCall && e.Args[0].Type == ir.Bool
}

// fastExprInto is fastExpr writing a float result into dst (f.N values)
// when dst is not nil (see isFastFloat).
func fastExprInto(e *ir.Expr, f *col.Frame, dst []float64) (*col.Column, bool, error) {
	if v, ok, err := fastArithInto(e, f, dst); ok || err != nil {
		return v, ok, err
	}
	if dst != nil {
		// only the float cast below writes into dst
	} else if v, ok := intExpr(e, f); ok { // strint.go
		return v, true, nil
	}
	if e.Kind != ir.ExprCall || e.Name != "cast" || len(e.Args) != 1 || (e.Type != ir.Float32 && e.Type != ir.Float64) {
		return nil, false, nil
	}
	a := e.Args[0]
	if a.Kind != ir.ExprCall || a.Type != ir.Bool {
		return nil, false, nil
	}
	switch a.Name {
	case "eq", "ne", "lt", "le", "gt", "ge":
	default:
		return nil, false, nil
	}
	b, ok := compareLit(a, f)
	if !ok || b.Type != ir.Bool || b.B == nil || (b.Valid != nil && b.HasNulls()) {
		return nil, false, nil
	}
	out := dst
	if out == nil {
		out = make([]float64, f.N)
	}
	// a Go bool is one byte, 0 or 1: read as a number, without a branch a
	// random mask would mispredict
	for i, x := range unsafe.Slice((*uint8)(unsafe.Pointer(unsafe.SliceData(b.B))), f.N) {
		out[i] = float64(x)
	}
	return &col.Column{Type: e.Type, N: f.N, F64: out}, true, nil
}

// isFastArith reports whether e is a float64 + - * / node.
func isFastArith(e *ir.Expr) bool {
	return e.Kind == ir.ExprCall && fastArithOps[e.Name] && e.Type == ir.Float64 && len(e.Args) == 2
}

// fastArithInto evaluates e over the rows of f when it is float64
// arithmetic over null-free numeric operands (not literals only), writing
// the result into dst (f.N values) when dst is not nil: a morsel's share of
// a column allocated once (evalMorsels), instead of a buffer per morsel
// concatenated afterwards.
func fastArithInto(e *ir.Expr, f *col.Frame, dst []float64) (*col.Column, bool, error) {
	if !isFastArith(e) {
		return nil, false, nil
	}
	out, ok, err := arithNodeInto(e, f, dst)
	if err != nil || !ok {
		return nil, ok, err
	}
	return &col.Column{Type: ir.Float64, N: f.N, F64: out}, true, nil
}

// arithOperand is one input of an arithmetic node: a literal, or a column's
// float64 or int64 values.
type arithOperand struct {
	lit bool
	v   float64
	f   []float64
	i   []int64
	own bool // f is a buffer of this evaluation (may be overwritten)
}

// arithNodeInto computes a float64 arithmetic node over f's rows, into dst
// when not nil.
func arithNodeInto(e *ir.Expr, f *col.Frame, dst []float64) ([]float64, bool, error) {
	if out, ok := dtFieldThenLit(e, f, dst); ok {
		return out, true, nil
	}
	var ops [2]arithOperand
	for k, a := range e.Args {
		var scratch []float64
		if k == 0 && dst != nil {
			scratch = dst // the first operand may be computed in dst: the loop below reads each x[i] before writing out[i]
		}
		o, ok, err := arithArgInto(a, f, scratch)
		if err != nil || !ok {
			return nil, ok, err
		}
		if o.i != nil { // ints are read as float64 (exact up to 2^53, as interp's asFloat)
			if scratch != nil {
				for i, v := range o.i {
					scratch[i] = float64(v)
				}
				o = arithOperand{f: scratch[:len(o.i)], own: true}
			} else {
				o = arithOperand{f: intsToFloats(o.i), own: true}
			}
		}
		ops[k] = o
	}
	x, y := ops[0], ops[1]
	if x.lit && y.lit {
		return nil, false, nil
	}
	var out []float64
	switch {
	case dst != nil:
		out = dst[:f.N]
	case x.own:
		out = x.f
	case y.own:
		out = y.f
	default:
		out = make([]float64, f.N)
	}
	arithLoop(e.Name, out, x, y)
	return out, true, nil
}

// arithArgInto resolves an argument: a literal, a nested float64 arithmetic
// node (computed), or anything else through interp.Eval.
//
// A nested node or a datetime field is computed in scratch (f.N values)
// when it is not nil.
func arithArgInto(a *ir.Expr, f *col.Frame, scratch []float64) (arithOperand, bool, error) {
	switch {
	case a.Kind == ir.ExprLit:
		switch {
		case a.Lit.Type.IsFloat():
			return arithOperand{lit: true, v: a.Lit.F}, true, nil
		case a.Lit.Type == ir.Int64 || a.Lit.Type == ir.Int32:
			return arithOperand{lit: true, v: float64(a.Lit.I)}, true, nil
		}
		return arithOperand{}, false, nil
	case isFastArith(a):
		v, ok, err := arithNodeInto(a, f, scratch)
		return arithOperand{f: v, own: true}, ok, err
	}
	if a.Kind == ir.ExprCall && len(a.Args) == 1 && a.Type.IsInt() && a.Args[0].Kind == ir.ExprCol {
		// dt.hour / dt.dayofweek / ... of a datetime column without nulls:
		// the field written straight into a float buffer (no int column)
		if c := f.Col(a.Args[0].Name); c != nil && (c.Type == ir.DatetimeUS || c.Type == ir.DatetimeNS) && !c.HasNulls() {
			out := scratch
			if out == nil {
				out = make([]float64, f.N)
			}
			if interp.DtClockFieldFloats(a.Name, c.Type, c.I64[:f.N], out) {
				return arithOperand{f: out, own: true}, true, nil
			}
		}
	}
	v, err := interp.Eval(a, f)
	if err != nil {
		return arithOperand{}, false, err
	}
	if v.Valid != nil && v.HasNulls() {
		return arithOperand{}, false, nil
	}
	switch {
	case v.Type.IsFloat():
		return arithOperand{f: v.F64[:f.N]}, true, nil
	case v.Type == ir.Int64 || v.Type == ir.Int32:
		return arithOperand{i: v.I64[:f.N]}, true, nil
	}
	return arithOperand{}, false, nil
}

// dtFieldThenLit computes dt.<clock field> op literal (dt.hour / 23.0) of a
// datetime column without nulls in one pass, the operation applied once per
// hour or day of sorted times (interp.DtClockFieldFloatsThen): the same
// float64 arithmetic as the field's column and then the operation.
func dtFieldThenLit(e *ir.Expr, f *col.Frame, dst []float64) ([]float64, bool) {
	a, b := e.Args[0], e.Args[1]
	if a.Kind != ir.ExprCall || len(a.Args) != 1 || !a.Type.IsInt() || a.Args[0].Kind != ir.ExprCol || b.Kind != ir.ExprLit {
		return nil, false
	}
	lit, ok, _ := arithArgInto(b, f, nil) // the literal as arithNodeInto reads it
	if !ok || !lit.lit {
		return nil, false
	}
	c := lit.v
	var then func(float64) float64
	switch e.Name {
	case "add":
		then = func(v float64) float64 { return v + c }
	case "sub":
		then = func(v float64) float64 { return v - c }
	case "mul":
		then = func(v float64) float64 { return v * c }
	case "truediv":
		then = func(v float64) float64 { return v / c }
	default:
		return nil, false
	}
	dc := f.Col(a.Args[0].Name)
	if dc == nil || (dc.Type != ir.DatetimeUS && dc.Type != ir.DatetimeNS) || dc.HasNulls() {
		return nil, false
	}
	out := dst
	if out == nil {
		out = make([]float64, f.N)
	}
	if !interp.DtClockFieldFloatsThen(a.Name, dc.Type, dc.I64[:f.N], out[:f.N], then) {
		return nil, false
	}
	return out[:f.N], true
}

func intsToFloats(v []int64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// arithLoop writes x op y into out (which may alias x.f or y.f).
func arithLoop(op string, out []float64, x, y arithOperand) {
	switch {
	case y.lit:
		a, c := x.f[:len(out)], y.v
		switch op {
		case "add":
			for i, v := range a {
				out[i] = v + c
			}
		case "sub":
			for i, v := range a {
				out[i] = v - c
			}
		case "mul":
			for i, v := range a {
				out[i] = v * c
			}
		case "truediv":
			for i, v := range a {
				out[i] = v / c
			}
		}
	case x.lit:
		c, b := x.v, y.f[:len(out)]
		switch op {
		case "add":
			for i, v := range b {
				out[i] = c + v
			}
		case "sub":
			for i, v := range b {
				out[i] = c - v
			}
		case "mul":
			for i, v := range b {
				out[i] = c * v
			}
		case "truediv":
			for i, v := range b {
				out[i] = c / v
			}
		}
	default:
		a, b := x.f[:len(out)], y.f[:len(out)]
		switch op {
		case "add":
			for i := range out {
				out[i] = a[i] + b[i]
			}
		case "sub":
			for i := range out {
				out[i] = a[i] - b[i]
			}
		case "mul":
			for i := range out {
				out[i] = a[i] * b[i]
			}
		case "truediv":
			for i := range out {
				out[i] = a[i] / b[i]
			}
		}
	}
}
