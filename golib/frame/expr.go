package frame

import (
	"fmt"

	"github.com/flern/flern/golib/ir"
)

// FuncInfo describes a scalar function usable in expressions.
type FuncInfo struct {
	Args int // number of arguments (-1: variadic >= 1)
	// Type returns the result type and nullability from the argument types.
	Type func(e *ir.Expr, args []*ir.Expr) (ir.DType, bool, error)
}

// Funcs is the table of scalar functions. The reference interpreter
// (exec/interp) implements every entry; a test checks the two agree.
var Funcs = map[string]*FuncInfo{}

func init() {
	for _, fn := range []string{"add", "sub", "mul", "truediv", "floordiv", "mod", "pow"} {
		Funcs[fn] = &FuncInfo{Args: 2, Type: arithType}
	}
	for _, fn := range []string{"eq", "ne", "lt", "le", "gt", "ge"} {
		Funcs[fn] = &FuncInfo{Args: 2, Type: compareType}
	}
	for _, fn := range []string{"and", "or", "xor"} {
		Funcs[fn] = &FuncInfo{Args: 2, Type: logicType}
	}
	Funcs["not"] = &FuncInfo{Args: 1, Type: logicType}
	Funcs["neg"] = &FuncInfo{Args: 1, Type: numericUnary}
	Funcs["abs"] = &FuncInfo{Args: 1, Type: numericUnary}
	Funcs["isna"] = &FuncInfo{Args: 1, Type: func(*ir.Expr, []*ir.Expr) (ir.DType, bool, error) { return ir.Bool, false, nil }}
	Funcs["notna"] = Funcs["isna"]
	Funcs["fillna"] = &FuncInfo{Args: 2, Type: fillnaType}
	Funcs["cast"] = &FuncInfo{Args: 1, Type: castType}
	Funcs["where"] = &FuncInfo{Args: 3, Type: whereType}
	Funcs["str_lower"] = &FuncInfo{Args: 1, Type: strToStr}
	Funcs["str_upper"] = &FuncInfo{Args: 1, Type: strToStr}
	Funcs["str_len"] = &FuncInfo{Args: 1, Type: func(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
		if err := wantString(e, a[0]); err != nil {
			return 0, false, err
		}
		if a[0].Nullable { // pandas: NaN lengths make the result float64
			return ir.Float64, false, nil
		}
		return ir.Int64, false, nil
	}}
	for _, fn := range []string{"str_contains", "str_startswith", "str_endswith"} {
		Funcs[fn] = &FuncInfo{Args: 1, Type: func(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
			if err := wantString(e, a[0]); err != nil {
				return 0, false, err
			}
			return ir.Bool, false, nil
		}}
	}
	for _, fn := range []string{"dt_year", "dt_month", "dt_day"} {
		Funcs[fn] = &FuncInfo{Args: 1, Type: func(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
			if !a[0].Type.IsDatetime() {
				return 0, false, ir.Errorf("Type", "%s needs a datetime column, got %s", e.Name, a[0].Type)
			}
			if a[0].Nullable { // pandas: NaT makes the result float64
				return ir.Float64, false, nil
			}
			return ir.Int32, false, nil
		}}
	}
}

// TypeExpr infers e's type against schema s, filling e.Type and e.Nullable
// throughout the tree. Unknown columns and type errors are *ir.Error.
func TypeExpr(e *ir.Expr, s *ir.Schema) error {
	switch e.Kind {
	case ir.ExprCol:
		i := s.Lookup(e.Name)
		if i < 0 {
			return ir.Errorf("ColumnNotFound", "column %q not found; columns are %s", e.Name, quoteList(s.Names()))
		}
		e.Type, e.Nullable = s.Fields[i].Type, s.Fields[i].Nullable
		return nil
	case ir.ExprLit:
		e.Type, e.Nullable = e.Lit.Type, e.Lit.Type == ir.Null
		return nil
	case ir.ExprCall:
		info := Funcs[e.Name]
		if info == nil {
			return ir.Errorf("NotImplemented", "function %q is not supported", e.Name)
		}
		if info.Args >= 0 && len(e.Args) != info.Args {
			return ir.Errorf("Value", "%s takes %d arguments, got %d", e.Name, info.Args, len(e.Args))
		}
		for _, a := range e.Args {
			if err := TypeExpr(a, s); err != nil {
				return err
			}
		}
		t, nullable, err := info.Type(e, e.Args)
		if err != nil {
			return err
		}
		e.Type, e.Nullable = t, nullable
		return nil
	}
	return fmt.Errorf("bad expression kind %d", e.Kind)
}

// numericResult is numpy's promotion for two numeric operands.
func numericResult(a, b ir.DType) ir.DType {
	switch {
	case a == ir.Float64 || b == ir.Float64:
		return ir.Float64
	case a == ir.Float32 && b == ir.Float32, a == ir.Float32 && b != ir.Int64, b == ir.Float32 && a != ir.Int64:
		return ir.Float32
	case a == ir.Float32 || b == ir.Float32: // float32 with int64 widens in numpy
		return ir.Float64
	case a == ir.Int64 || b == ir.Int64:
		return ir.Int64
	case a == ir.Int32 || b == ir.Int32:
		return ir.Int32
	}
	return ir.Int64 // bool op bool
}

func isNumOrNull(t ir.DType) bool { return t.IsNumeric() || t == ir.Null }

func arithType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	x, y := a[0].Type, a[1].Type
	if e.Name == "add" && x == ir.String && y == ir.String {
		return ir.String, a[0].Nullable || a[1].Nullable, nil
	}
	if x == ir.Bool && y == ir.Bool {
		return 0, false, ir.Errorf("NotImplemented", "%s of two bool columns is not supported (use & | ^)", e.Name)
	}
	if !isNumOrNull(x) || !isNumOrNull(y) {
		return 0, false, ir.Errorf("Type", "unsupported operand types for %s: %s and %s", opSymbol(e.Name), x, y)
	}
	if x == ir.Null || y == ir.Null {
		return ir.Float64, false, nil
	}
	if e.Name == "truediv" {
		if x == ir.Float32 && y == ir.Float32 {
			return ir.Float32, false, nil
		}
		return ir.Float64, false, nil
	}
	if e.Name == "pow" && (x.IsInt() && y.IsInt()) {
		return numericResult(x, y), false, nil
	}
	return numericResult(x, y), false, nil
}

func compareType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	x, y := a[0].Type, a[1].Type
	ok := (isNumOrNull(x) && isNumOrNull(y)) ||
		(x == ir.String || x == ir.Null) && (y == ir.String || y == ir.Null) ||
		(x.IsDatetime() || x == ir.Null) && (y.IsDatetime() || y == ir.Null)
	if !ok {
		if e.Name == "eq" || e.Name == "ne" {
			return ir.Bool, false, nil // pandas: == across kinds is all False (!= all True)
		}
		return 0, false, ir.Errorf("Type", "'%s' not supported between %s and %s", opSymbol(e.Name), x, y)
	}
	return ir.Bool, false, nil
}

func logicType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	for _, x := range a {
		if x.Type != ir.Bool {
			return 0, false, ir.Errorf("Type", "%s needs bool operands, got %s", opSymbol(e.Name), x.Type)
		}
	}
	return ir.Bool, false, nil
}

func numericUnary(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	t := a[0].Type
	if !t.IsNumeric() {
		return 0, false, ir.Errorf("Type", "%s needs a numeric operand, got %s", e.Name, t)
	}
	if t == ir.Bool {
		if e.Name == "neg" {
			return 0, false, ir.Errorf("Type", "negating a bool column is not supported, use ~")
		}
		return ir.Bool, a[0].Nullable, nil
	}
	return t, a[0].Nullable, nil
}

func fillnaType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	x, v := a[0].Type, a[1].Type
	switch {
	case x == v, x.IsFloat() && v.IsNumeric():
		return x, false, nil
	case x.IsInt() && v.IsNumeric():
		return x, false, nil // int columns hold no nulls: fillna is the identity
	case x == ir.Bool && v == ir.Bool:
		return x, false, nil
	}
	return 0, false, ir.Errorf("NotImplemented", "fillna of a %s column with a %s value (pandas would make an object column)", x, v)
}

func castType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	name, _ := e.Opts["dtype"].(string)
	t, err := ir.ParseDType(name)
	if err != nil {
		return 0, false, ir.Errorf("Type", "astype: %v", err)
	}
	from := a[0].Type
	switch {
	case t == from:
	case t.IsNumeric() && from.IsNumeric():
		if t.IsInt() && from.IsFloat() {
			// checked per value at run time: NaN/inf cannot become int
		}
	case t == ir.String && (from.IsNumeric() || from == ir.String):
	case t.IsNumeric() && from == ir.String:
		// parsed per value at run time; bad text is a run-time Value error
	case t.IsDatetime() && (from.IsDatetime() || from == ir.String):
	default:
		return 0, false, ir.Errorf("NotImplemented", "astype from %s to %s", from, t)
	}
	nullable := a[0].Nullable && (t == ir.String || t.IsDatetime() || t == ir.Bool) ||
		(from.IsFloat() || from == ir.Null) && (t == ir.String || t.IsDatetime()) // NaN -> missing
	return t, nullable, nil
}

func whereType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	if a[0].Type != ir.Bool {
		return 0, false, ir.Errorf("Type", "where: condition must be bool, got %s", a[0].Type)
	}
	x, y := a[1].Type, a[2].Type
	switch {
	case x == y:
		return x, a[1].Nullable || a[2].Nullable, nil
	case isNumOrNull(x) && isNumOrNull(y):
		if x == ir.Null || y == ir.Null {
			return ir.Float64, false, nil
		}
		return numericResult(x, y), false, nil
	case x == ir.Null:
		return y, true, nil
	case y == ir.Null:
		return x, true, nil
	}
	return 0, false, ir.Errorf("NotImplemented", "where with branches of types %s and %s (pandas would make an object column)", x, y)
}

func strToStr(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	if err := wantString(e, a[0]); err != nil {
		return 0, false, err
	}
	return ir.String, a[0].Nullable, nil
}

func wantString(e *ir.Expr, a *ir.Expr) error {
	if a.Type != ir.String {
		return ir.Errorf("Type", "Can only use .str accessor with string values (%s on %s)", e.Name, a.Type)
	}
	return nil
}

var symbols = map[string]string{"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%", "pow": "**",
	"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "and": "&", "or": "|", "xor": "^", "not": "~"}

func opSymbol(fn string) string {
	if s, ok := symbols[fn]; ok {
		return s
	}
	return fn
}

func quoteList(names []string) string {
	s := "["
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", n)
	}
	return s + "]"
}
