package dce

import (
	"math"

	"github.com/flern/flern/golib/ir"
)

// Selectivity is the guessed fraction of rows a predicate keeps (the
// optimizer's cardinality estimates: join ordering, CSV filter pushdown): 1/10 for an
// equality, 1/3 for a comparison, 1/10 for string matches, 1/10 per isin
// value (at most 1/2); conjuncts multiply, disjuncts add (a+b-ab); anything
// else keeps 1/2.
func Selectivity(e *ir.Expr) float64 {
	if e == nil {
		return 1
	}
	if e.Kind == ir.ExprLit && e.Lit.Type == ir.Bool {
		if e.Lit.B {
			return 1
		}
		return 0
	}
	if e.Kind != ir.ExprCall {
		return 0.5
	}
	switch e.Name {
	case "and":
		s := 1.0
		for _, a := range e.Args {
			s *= Selectivity(a)
		}
		return s
	case "or":
		s := 0.0
		for _, a := range e.Args {
			x := Selectivity(a)
			s = s + x - s*x
		}
		return s
	case "not", "invert":
		if len(e.Args) == 1 {
			return 1 - Selectivity(e.Args[0])
		}
	case "eq":
		return 0.1
	case "ne":
		return 0.9
	case "lt", "le", "gt", "ge":
		return 1.0 / 3
	case "between":
		return 0.25
	case "str_contains", "str_startswith", "str_endswith", "str_match", "str_fullmatch":
		return 0.1
	case "isin":
		if len(e.Args) > 1 {
			return math.Min(0.5, 0.1*float64(len(e.Args)-1))
		}
		if v, ok := e.Opts["values"].([]any); ok {
			return math.Min(0.5, 0.1*float64(len(v)))
		}
		return 0.5
	case "isna", "isnull":
		return 0.1
	case "notna", "notnull":
		return 0.9
	}
	return 0.5
}
