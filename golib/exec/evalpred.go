package exec

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// EvalPredicate evaluates a typed filter predicate over every row of f with
// the filter op's fast paths (fasteval.go; the interpreter's results). The
// engine hands it to the CSV reader, which evaluates pushed filters per
// chunk.
func EvalPredicate(e *ir.Expr, f *col.Frame) (*col.Column, error) { return evalFast(e, f) }
