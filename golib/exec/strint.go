package exec

// A fast path for parsing integers out of fixed positions of strings in
// projections, pandas' df["date"].str[:4].astype("int64") - 1900: instead
// of a string column of the slices and a parse per row through the general
// cast, each row's bytes at the slice's positions are read as a decimal in
// place. It covers what it can do exactly and declines the morsel
// otherwise (ok=false; interp.Eval then evaluates the whole expression and
// raises its errors): a string column without nulls, non-negative literal
// slice bounds, rows whose bytes up to the slice's end are ASCII (then
// code-point and byte positions agree), slices of an optional sign and 1
// to 18 digits (interp's plainDecimal, what int() reads as strconv does);
// an int64 + - * with an int literal around it wraps as interp's does.

import (
	"unsafe"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// intExpr evaluates e over f when it is such a parse, or int64 + - * of one
// with an int64 literal.
func intExpr(e *ir.Expr, f *col.Frame) (*col.Column, bool) {
	if e.Kind != ir.ExprCall || e.Type != ir.Int64 {
		return nil, false
	}
	switch e.Name {
	case "cast":
		if len(e.Args) == 1 {
			return sliceInt(e.Args[0], f)
		}
	case "add", "sub", "mul":
		if len(e.Args) != 2 {
			return nil, false
		}
		a, b := e.Args[0], e.Args[1]
		lit, litLeft := b, false
		if a.Kind == ir.ExprLit {
			a, lit, litLeft = b, a, true
		}
		if lit.Kind != ir.ExprLit || lit.Type != ir.Int64 || lit.Lit.Type != ir.Int64 {
			return nil, false
		}
		v, ok := intExpr(a, f)
		if !ok {
			return nil, false
		}
		k := lit.Lit.I
		out := make([]int64, f.N)
		for i, x := range v.I64[:f.N] {
			switch {
			case e.Name == "add":
				out[i] = x + k
			case e.Name == "mul":
				out[i] = x * k
			case litLeft:
				out[i] = k - x
			default:
				out[i] = x - k
			}
		}
		return col.NewInt64(out), true
	}
	return nil, false
}

// sliceInt is the int64 parse of str_slice(col, start, stop) over f.
func sliceInt(s *ir.Expr, f *col.Frame) (*col.Column, bool) {
	if s.Kind != ir.ExprCall || s.Name != "str_slice" || len(s.Args) != 1 || s.Args[0].Kind != ir.ExprCol {
		return nil, false
	}
	x := f.Col(s.Args[0].Name)
	if x == nil || x.Type != ir.String || x.HasNulls() {
		return nil, false
	}
	lo, hi := 0, -1 // hi < 0: to the end
	if v, ok := s.Opts["start"]; ok {
		if lo, ok = interp.OptInt(v); !ok || lo < 0 {
			return nil, false
		}
	}
	if v, ok := s.Opts["stop"]; ok {
		if hi, ok = interp.OptInt(v); !ok || hi < 0 {
			return nil, false
		}
	}
	out := make([]int64, f.N)
	for i := 0; i < f.N; i++ {
		b := x.Data[x.Offs[i]:x.Offs[i+1]]
		end := len(b)
		if hi >= 0 && hi < end {
			end = hi
		}
		for _, c := range b[:end] {
			if c >= 0x80 {
				return nil, false
			}
		}
		if lo >= end {
			return nil, false // an empty slice: int("") raises
		}
		v, ok := interp.PlainDecimal(unsafe.String(&b[lo], end-lo))
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return col.NewInt64(out), true
}
