package fold

import (
	"math"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Simplify folds and simplifies a typed expression (see frame.TypeExpr),
// bottom-up. It may rewrite e's nodes in place (pass a clone to keep e) and
// returns the result and whether anything changed. The result has e's type;
// it has e's nullability too unless pred is set, which says the consumer
// only asks "is it True and not null" (a filter predicate), so a nullable
// bool may stand for a non-nullable one.
//
// Every rewrite preserves the reference interpreter's result exactly (int64
// wraparound, float NaN/-0.0/inf, Python floor division and modulo) and
// never removes or performs a computation that could raise.
func Simplify(e *ir.Expr, pred bool) (*ir.Expr, bool) {
	if e == nil || e.Kind != ir.ExprCall || e.Type == ir.Invalid {
		return e, false
	}
	changed := false
	for i, a := range e.Args {
		if r, c := Simplify(a, argIsPredicate(e.Name, i)); c {
			e.Args[i] = r
			changed = true
		}
	}
	for e.Kind == ir.ExprCall {
		r := rewrite(e, pred)
		if r == nil {
			break
		}
		e, changed = r, true
	}
	return e, changed
}

// argIsPredicate reports whether the interpreter reads argument i of fn only
// as "True and not null": the operands of the logical operators and where's
// condition.
func argIsPredicate(fn string, i int) bool {
	switch fn {
	case "and", "or", "xor", "not":
		return true
	case "where":
		return i == 0
	}
	return false
}

// rewrite returns a simpler equivalent of call e (whose arguments are
// already simplified), or nil.
func rewrite(e *ir.Expr, pred bool) *ir.Expr {
	if r := foldLiterals(e); r != nil {
		return r
	}
	// same: x has e's type and declared nullability (so schemas stay put).
	same := func(x *ir.Expr) bool {
		return x.Type != ir.Invalid && x.Type == e.Type && x.Nullable == e.Nullable
	}
	// asValue: x may replace e, whose value never holds nulls: x must not
	// either, unless only truthiness is read (then null and False agree).
	asValue := func(x *ir.Expr) bool {
		return x.Type != ir.Invalid && x.Type == e.Type && (pred || (same(x) && nullFree(x)))
	}
	switch e.Name {
	case "add", "sub", "mul", "truediv":
		// Numeric identities give a fresh null-free column; x + "" keeps
		// x's nulls, exactly as x.
		ok := asValue
		if e.Type == ir.String {
			ok = same
		}
		x, y := e.Args[0], e.Args[1]
		if isRightIdentity(e.Name, e.Type, y) && ok(x) {
			return x
		}
		if (e.Name == "add" || e.Name == "mul") && isRightIdentity(e.Name, e.Type, x) && ok(y) {
			return y // 0 + y, 1 * y: both commute exactly in the interpreter
		}
	case "and", "or", "xor":
		x, y := e.Args[0], e.Args[1]
		for _, pair := range [2][2]*ir.Expr{{x, y}, {y, x}} {
			other, l := pair[0], pair[1]
			b, ok := boolLit(l)
			if !ok {
				continue
			}
			switch {
			case e.Name == "and" && b, e.Name == "or" && !b, e.Name == "xor" && !b:
				// and(x, True), or(x, False), xor(x, False): truthiness of x.
				if asValue(other) {
					return other
				}
			case e.Name == "and" && !b, e.Name == "or" && b:
				// and(x, False) is False, or(x, True) is True, whatever x
				// is, null included; x must not be able to raise.
				if !dce.MayRaise(other) {
					return lit(ir.Value{Type: ir.Bool, B: b})
				}
			case e.Name == "xor" && b:
				// xor(x, True) is exactly not(x).
				return &ir.Expr{Kind: ir.ExprCall, Name: "not", Args: []*ir.Expr{other}, Type: ir.Bool}
			}
		}
	case "not":
		if in := e.Args[0]; in.Kind == ir.ExprCall && in.Name == "not" && asValue(in.Args[0]) {
			return in.Args[0]
		}
	case "cast":
		// astype to the type x already has: the interpreter returns x.
		if x := e.Args[0]; x.Type != ir.Null && same(x) {
			return x
		}
	}
	return nil
}

// nullFree reports whether the interpreter's value of e holds no nulls.
// That is stricter than !e.Nullable: type inference under-reports a few
// (abs of a nullable bool returns it as is; astype(str) turns NaN into null;
// fillna with a nullable string), so only results the interpreter builds
// afresh without a validity bitmap are trusted on their own. Columns are
// trusted as declared (float columns mark missing values with NaN).
func nullFree(e *ir.Expr) bool {
	if e.Nullable {
		return false
	}
	if e.Kind != ir.ExprCall {
		return true
	}
	switch e.Name {
	case "add", "sub", "mul", "truediv", "floordiv", "mod", "pow":
		if e.Type != ir.String {
			return true
		}
	case "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "not", "isna", "notna",
		"str_len", "str_contains", "str_startswith", "str_endswith":
		return true
	case "cast":
		if e.Type == ir.String && !e.Args[0].Type.IsInt() && e.Args[0].Type != ir.Bool {
			return false
		}
	default:
		if frame.IsDatetimeField(e.Name) {
			return true
		}
	}
	for _, a := range e.Args {
		if !nullFree(a) {
			return false
		}
	}
	return true
}

// isRightIdentity reports whether x OP lit == x exactly for every x of the
// result type t (the caller also requires x's type to be t).
func isRightIdentity(fn string, t ir.DType, l *ir.Expr) bool {
	if l.Kind != ir.ExprLit {
		return false
	}
	v := l.Lit
	if t == ir.String {
		return fn == "add" && v.Type == ir.String && v.S == ""
	}
	f, ok := numValue(v)
	if !ok {
		return false
	}
	// Int32 and Float32 results are re-rounded (int32 wrap, float32 round)
	// after every op, and the interpreter does not guarantee their inputs
	// are already in range (abs of an int32 column, a float32 literal), so
	// x*1 is not always x there: only int64 and float64 qualify.
	switch t {
	case ir.Int64:
		switch fn {
		case "add", "sub":
			return f == 0
		case "mul":
			return f == 1
		}
	case ir.Float64:
		switch fn {
		case "add":
			// x + 0.0 turns -0.0 into +0.0; only x + -0.0 is exact.
			return v.Type.IsFloat() && f == 0 && math.Signbit(f)
		case "sub":
			// x - 0.0 is exact (-0.0 - 0.0 == -0.0); x - -0.0 is not.
			return f == 0 && !math.Signbit(f)
		case "mul", "truediv":
			return f == 1
		}
	}
	return false
}

// numValue reads a numeric literal (bool as 0/1) as a float64.
func numValue(v ir.Value) (float64, bool) {
	switch {
	case v.Type.IsInt():
		return float64(v.I), true
	case v.Type.IsFloat():
		return v.F, true
	case v.Type == ir.Bool:
		if v.B {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func boolLit(e *ir.Expr) (bool, bool) {
	if e.Kind == ir.ExprLit && e.Lit.Type == ir.Bool {
		return e.Lit.B, true
	}
	return false, false
}

// lit makes a typed literal expression.
func lit(v ir.Value) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprLit, Lit: v, Type: v.Type, Nullable: v.Type == ir.Null}
}

// foldable reports whether e is a literal this pass computes with.
func foldable(e *ir.Expr) bool {
	if e.Kind != ir.ExprLit {
		return false
	}
	switch e.Lit.Type {
	case ir.Int64, ir.Float64, ir.Bool, ir.String:
		return true
	}
	return false
}

// EvalConst evaluates a call whose arguments are all literals with the
// reference interpreter (exec/interp) on a one-row frame, so folding can never
// disagree with execution; ok is false when the call would raise or yields a
// null. The engine sets it (a hook: the optimizer does not import the
// executor); when nil, literal calls are left unfolded.
var EvalConst func(e *ir.Expr) (v ir.Value, ok bool)

// foldLiterals evaluates a call whose arguments are all literals, or returns
// nil (not foldable, or it would raise).
func foldLiterals(e *ir.Expr) *ir.Expr {
	if EvalConst == nil || e.Nullable { // a literal would narrow the declared nullability
		return nil
	}
	for _, a := range e.Args {
		if !foldable(a) && !(a.Kind == ir.ExprLit && a.Lit.Type == ir.Null && (e.Name == "isna" || e.Name == "notna")) {
			return nil
		}
	}
	v, ok := EvalConst(e)
	if !ok || v.Type != e.Type {
		return nil
	}
	return lit(v)
}
