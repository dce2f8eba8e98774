package interp

// Exported scalar kernels for the runtime's predicate fast paths
// (golib/exec/fasteval.go), so they share the interpreter's semantics.

import "github.com/flern/flern/golib/col"

// Isin is the isin kernel: x's rows against the first row of each of vals
// (the literals, evaluated as one-row columns).
func Isin(x *col.Column, vals []*col.Column, n int) *col.Column { return isin(x, vals, n) }
