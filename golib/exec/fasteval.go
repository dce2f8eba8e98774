package exec

// Fast paths for the predicates filters are made of: a comparison of a
// column with a literal reads the literal once instead of broadcasting it
// to a whole column (a string literal would be copied into every row), and
// isin reads its literals as one-row columns; and/or/not combine such
// results. Each path reproduces the interpreter's kernel for that case
// (interp/expr.go compare, isin); everything else goes to interp.Eval.

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// evalFast evaluates e over every row of f, as interp.Eval does.
func evalFast(e *ir.Expr, f *col.Frame) (*col.Column, error) {
	if e.Kind != ir.ExprCall {
		return interp.Eval(e, f)
	}
	switch e.Name {
	case "and", "or", "xor":
		x, err := evalFast(e.Args[0], f)
		if err != nil {
			return nil, err
		}
		y, err := evalFast(e.Args[1], f)
		if err != nil {
			return nil, err
		}
		out := make([]bool, f.N)
		for i := range out {
			p, q := x.B[i] && x.IsValid(i), y.B[i] && y.IsValid(i)
			switch e.Name {
			case "and":
				out[i] = p && q
			case "or":
				out[i] = p || q
			default:
				out[i] = p != q
			}
		}
		return col.NewBool(out), nil
	case "not":
		x, err := evalFast(e.Args[0], f)
		if err != nil {
			return nil, err
		}
		out := make([]bool, f.N)
		for i := range out {
			out[i] = !(x.B[i] && x.IsValid(i))
		}
		return col.NewBool(out), nil
	case "eq", "ne", "lt", "le", "gt", "ge":
		if v, ok := compareLit(e, f); ok {
			return v, nil
		}
		if v, ok := compareCols(e, f); ok {
			return v, nil
		}
	case "isin":
		if len(e.Args) > 1 && litArgs(e.Args[1:]) {
			x, err := evalFast(e.Args[0], f)
			if err != nil {
				return nil, err
			}
			if v, ok := isinStrings(x, e.Args[1:], f.N); ok {
				return v, nil
			}
			one := &col.Frame{N: 1}
			vals := make([]*col.Column, len(e.Args)-1)
			for i, a := range e.Args[1:] {
				if vals[i], err = interp.Eval(a, one); err != nil {
					return nil, err
				}
			}
			return interp.Isin(x, vals, f.N), nil
		}
	}
	return interp.Eval(e, f)
}

// isinStrings is isin of a string column in non-null string literals (the
// interpreter's rule for that case: a missing value is in none of them).
func isinStrings(x *col.Column, args []*ir.Expr, n int) (*col.Column, bool) {
	if x.Type != ir.String || x.Offs == nil {
		return nil, false
	}
	lits := make([][]byte, len(args))
	for i, a := range args {
		if a.Lit.Type != ir.String {
			return nil, false
		}
		lits[i] = []byte(a.Lit.S)
	}
	out := make([]bool, n)
	if isinShort(x, lits, out) {
		return col.NewBool(out), true
	}
	for i := range out {
		if x.Valid != nil && !x.IsValid(i) {
			continue
		}
		l := int(x.Offs[i+1] - x.Offs[i])
		for _, s := range lits {
			if l == len(s) && bytes.Equal(x.StrBytes(i), s) {
				out[i] = true
				break
			}
		}
	}
	return col.NewBool(out), true
}

// isinShort sets out[i] for the rows of the string column x equal to one of
// lits when every literal is at most 8 bytes long (country codes, flags,
// ship modes): each row's bytes are compared as one integer with the
// literals of its length instead of byte by byte; false when a literal is
// longer (out untouched).
func isinShort(x *col.Column, lits [][]byte, out []bool) bool {
	type short struct {
		n int
		v uint64
	}
	var keys []short
	var lens uint16 // bit l: some literal is l bytes long
	for _, s := range lits {
		if len(s) > 8 {
			return false
		}
		keys = append(keys, short{len(s), packShort(s)})
		lens |= 1 << len(s)
	}
	data := x.Data
	for i := range out {
		a, b := x.Offs[i], x.Offs[i+1]
		l := int(b - a)
		if l > 8 || lens&(1<<l) == 0 || x.Valid != nil && !x.IsValid(i) {
			continue
		}
		var v uint64
		if int(a)+8 <= len(data) {
			v = binary.LittleEndian.Uint64(data[a:]) & (^uint64(0) >> (64 - 8*l)) // (l = 0: shifted out to 0)
		} else {
			v = packShort(data[a:b])
		}
		for _, k := range keys {
			if k.n == l && k.v == v {
				out[i] = true
				break
			}
		}
	}
	return true
}

// packShort is the little-endian integer of at most 8 bytes b.
func packShort(b []byte) uint64 {
	var v uint64
	for i, c := range b {
		v |= uint64(c) << (8 * i)
	}
	return v
}

func litArgs(args []*ir.Expr) bool {
	for _, a := range args {
		if a.Kind != ir.ExprLit {
			return false
		}
	}
	return true
}

// flipCmp is the comparison with its operands swapped.
var flipCmp = map[string]string{"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}

func cmpResult(fn string, c int) bool {
	switch fn {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	case "gt":
		return c > 0
	}
	return c >= 0
}

// compareLit is a comparison of a column with a non-null literal of the
// same kind (strings, datetimes, integers, float64); ok is false for any
// other shape (float32 operands take the interpreter's scalar rule).
func compareLit(e *ir.Expr, f *col.Frame) (*col.Column, bool) {
	fn := e.Name
	ce, le := e.Args[0], e.Args[1]
	if ce.Kind == ir.ExprLit && le.Kind == ir.ExprCol {
		ce, le, fn = le, ce, flipCmp[fn]
	}
	if ce.Kind != ir.ExprCol || le.Kind != ir.ExprLit {
		return nil, false
	}
	x := f.Col(ce.Name)
	lit := le.Lit
	if x == nil || lit.Type == ir.Null {
		return nil, false
	}
	n := f.N
	out := make([]bool, n)
	ne := fn == "ne"
	xt, lt := x.Type, lit.Type
	switch {
	case xt == ir.String && lt == ir.String && (fn == "eq" || ne):
		s := []byte(lit.S)
		for i := range out {
			if x.Valid != nil && !x.IsValid(i) {
				out[i] = ne
				continue
			}
			out[i] = (int(x.Offs[i+1]-x.Offs[i]) == len(s) && bytes.Equal(x.StrBytes(i), s)) != ne
		}
	case xt == ir.String && lt == ir.String:
		s := []byte(lit.S)
		for i := range out {
			if x.Valid != nil && !x.IsValid(i) {
				out[i] = ne
				continue
			}
			out[i] = cmpResult(fn, bytes.Compare(x.StrBytes(i), s))
		}
	case xt.IsDatetime() && lt.IsDatetime():
		sx, sy := dtScale(xt), dtScale(lt)
		y := lit.I * sy
		for i := range out {
			if x.Valid != nil && !x.IsValid(i) {
				out[i] = ne
				continue
			}
			out[i] = cmpResult(fn, cmp.Compare(x.I64[i]*sx, y))
		}
	case xt.IsInt() && lt.IsInt():
		for i, v := range x.I64[:n] { // as the interpreter: integers compare by value, nulls too
			out[i] = cmpResult(fn, cmp.Compare(v, lit.I))
		}
	case xt == ir.Float64 && (lt == ir.Float64 || lt.IsInt()):
		y := lit.F
		if lt.IsInt() {
			y = float64(lit.I)
		}
		if math.IsNaN(y) {
			for i := range out {
				out[i] = ne
			}
			break
		}
		for i, p := range x.F64[:n] {
			if p != p || (x.Valid != nil && !x.IsValid(i)) {
				out[i] = ne
				continue
			}
			out[i] = cmpResult(fn, cmp.Compare(p, y))
		}
	default:
		return nil, false
	}
	return col.NewBool(out), true
}

// compareCols is a comparison of two columns of the same kind (datetimes
// of one unit, integers, float64), as the interpreter's compare: a null
// datetime or a null/NaN float compares false except for !=; integers
// compare by value.
func compareCols(e *ir.Expr, f *col.Frame) (*col.Column, bool) {
	xe, ye := e.Args[0], e.Args[1]
	if xe.Kind != ir.ExprCol || ye.Kind != ir.ExprCol {
		return nil, false
	}
	x, y := f.Col(xe.Name), f.Col(ye.Name)
	if x == nil || y == nil {
		return nil, false
	}
	fn, n := e.Name, f.N
	ne := fn == "ne"
	out := make([]bool, n)
	switch {
	case (x.Type.IsDatetime() && x.Type == y.Type || x.Type.IsInt() && y.Type.IsInt()) &&
		!(x.Type.IsDatetime() && (x.Valid != nil || y.Valid != nil)):
		compareSlices(fn, x.I64[:n], y.I64[:n], out) // (TPC-H Q21/Q4: l_commitdate < l_receiptdate)
	case x.Type == ir.Float64 && y.Type == ir.Float64 && x.Valid == nil && y.Valid == nil:
		compareSlices(fn, x.F64[:n], y.F64[:n], out) // Go's operators: NaN compares false except !=
	case x.Type.IsDatetime() && x.Type == y.Type, x.Type.IsInt() && y.Type.IsInt():
		nulls := x.Type.IsDatetime() && (x.Valid != nil || y.Valid != nil)
		xs, ys := x.I64[:n], y.I64[:n]
		for i := range out {
			if nulls && (!x.IsValid(i) || !y.IsValid(i)) {
				out[i] = ne
				continue
			}
			out[i] = cmpResult(fn, cmp.Compare(xs[i], ys[i]))
		}
	case x.Type == ir.Float64 && y.Type == ir.Float64:
		nulls := x.Valid != nil || y.Valid != nil
		for i := range out {
			p, q := x.F64[i], y.F64[i]
			if p != p || q != q || (nulls && (!x.IsValid(i) || !y.IsValid(i))) {
				out[i] = ne
				continue
			}
			out[i] = cmpResult(fn, cmp.Compare(p, q))
		}
	default:
		return nil, false
	}
	return col.NewBool(out), true
}

// compareSlices sets out[i] = xs[i] <fn> ys[i] with Go's operators, one
// loop per operator.
func compareSlices[T int64 | float64](fn string, xs, ys []T, out []bool) {
	ys = ys[:len(xs)]
	out = out[:len(xs)]
	switch fn {
	case "eq":
		for i, x := range xs {
			out[i] = x == ys[i]
		}
	case "ne":
		for i, x := range xs {
			out[i] = x != ys[i]
		}
	case "lt":
		for i, x := range xs {
			out[i] = x < ys[i]
		}
	case "le":
		for i, x := range xs {
			out[i] = x <= ys[i]
		}
	case "gt":
		for i, x := range xs {
			out[i] = x > ys[i]
		}
	default:
		for i, x := range xs {
			out[i] = x >= ys[i]
		}
	}
}

func dtScale(t ir.DType) int64 {
	if t == ir.DatetimeUS {
		return 1000
	}
	return 1
}
