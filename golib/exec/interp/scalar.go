package interp

import (
	"fmt"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// EvalConst evaluates an expression that reads no columns (a call on
// literals) exactly as Eval would on any row. ok is false when evaluation
// raises or the result is null. The optimizer's fold pass uses it, so
// constant folding is defined by this interpreter and cannot drift from it.
func EvalConst(e *ir.Expr) (v ir.Value, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			v, ok = ir.Value{}, false
		}
	}()
	c, err := Eval(e, &col.Frame{N: 1})
	if err != nil {
		return ir.Value{}, false
	}
	return ValueAt(c, 0)
}

// ValueAt returns row i of c as a literal value; ok is false for a null.
func ValueAt(c *col.Column, i int) (ir.Value, bool) {
	if !c.IsValid(i) {
		return ir.Value{}, false
	}
	switch {
	case c.Type.IsInt(), c.Type.IsDatetime():
		return ir.Value{Type: c.Type, I: c.I64[i]}, true
	case c.Type.IsFloat():
		return ir.Value{Type: c.Type, F: c.F64[i]}, true
	case c.Type == ir.Bool:
		return ir.Value{Type: c.Type, B: c.B[i]}, true
	case c.Type == ir.String:
		return ir.Value{Type: c.Type, S: string(c.StrBytes(i))}, true
	}
	panic(fmt.Sprintf("interp.ValueAt: unsupported type %v", c.Type))
}
