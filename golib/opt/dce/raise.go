package dce

import (
	"regexp"

	"github.com/flern/flern/golib/ir"
)

// MayRaise reports whether evaluating the typed expression e could fail at
// run time in the reference interpreter, for some data: integer floor
// division or modulo by a zero that is not ruled out, integer powers with a
// possibly negative exponent, astype conversions that parse or can meet
// NaN, a str.contains pattern RE2 rejects, and functions it does not know.
//
// Rewrites that drop an expression (dead-column elimination here; and(x,
// False) and project merging in fold) must keep any that may raise, so an
// optimized plan fails exactly when the recorded one does.
func MayRaise(e *ir.Expr) bool {
	if e == nil || e.Kind != ir.ExprCall {
		return false
	}
	for _, a := range e.Args {
		if MayRaise(a) {
			return true
		}
	}
	switch e.Name {
	case "add", "sub", "mul", "truediv",
		"eq", "ne", "lt", "le", "gt", "ge",
		"and", "or", "xor", "not", "neg", "abs", "isna", "notna", "where",
		"str_lower", "str_upper", "str_len", "str_startswith", "str_endswith",
		"str_slice", "isin", "category_code",
		"dt_year", "dt_month", "dt_day", "dt_hour", "dt_minute", "dt_second",
		"dt_dayofweek", "dt_dayofyear", "dt_quarter":
		return false
	case "floordiv", "mod":
		if e.Type.IsFloat() {
			return false // float division by zero gives inf/nan
		}
		d := e.Args[1]
		return !(d.Kind == ir.ExprLit && (d.Lit.Type.IsInt() || d.Lit.Type == ir.Bool) && litInt(d.Lit) != 0)
	case "pow":
		if e.Type.IsFloat() {
			return false
		}
		d := e.Args[1]
		return !(d.Kind == ir.ExprLit && (d.Lit.Type.IsInt() || d.Lit.Type == ir.Bool) && litInt(d.Lit) >= 0)
	case "cast":
		return castMayRaise(e.Args[0].Type, e.Type)
	case "fillna":
		t := e.Type
		return !(t.IsFloat() || t.IsInt() || t.IsDatetime() || t == ir.String || t == ir.Bool)
	case "str_contains":
		if regex, ok := e.Opts["regex"].(bool); ok && !regex {
			return false
		}
		pat, _ := e.Opts["pat"].(string)
		if cs, ok := e.Opts["case"].(bool); ok && !cs {
			pat = "(?i)" + pat
		}
		_, err := regexp.Compile(pat)
		return err != nil
	}
	return true
}

// castMayRaise follows exec/interp's cast: which conversions can fail.
func castMayRaise(from, to ir.DType) bool {
	switch {
	case from == ir.Null || to == ir.Null:
		return true
	case from == to:
		return false
	case to.IsFloat():
		return !from.IsNumeric() // strings are parsed
	case to.IsInt():
		return !(from.IsInt() || from == ir.Bool) // floats may be NaN/inf, strings parsed
	case to == ir.Bool:
		return !from.IsNumeric()
	case to == ir.String:
		return !from.IsNumeric()
	case to.IsDatetime():
		return !from.IsDatetime()
	}
	return true
}

// litInt reads an integer or bool literal as the interpreter's asInt does.
func litInt(v ir.Value) int64 {
	if v.Type == ir.Bool {
		if v.B {
			return 1
		}
		return 0
	}
	return v.I
}
