package frame

import (
	"fmt"
	"math"

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
	// str_slice: opts start, stop (absent: open end); Python slicing of the
	// code points, as pandas' str.slice / str[a:b].
	Funcs["str_slice"] = &FuncInfo{Args: 1, Type: strToStr}
	// isin: args[0] is the value, args[1:] the literal values it is tested
	// against (pandas' Series.isin(list)); a missing value matches a
	// missing literal (None or NaN).
	Funcs["isin"] = &FuncInfo{Args: -1, Type: func(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
		for _, v := range a[1:] {
			if v.Kind != ir.ExprLit {
				return 0, false, ir.Errorf("Value", "isin values must be literals")
			}
			if !IsinCompatible(a[0].Type, v.Type) && !(a[0].Type == ir.String && isNaNLit(v)) {
				return 0, false, ir.Errorf("NotImplemented", "isin of a %s column with a %s value", a[0].Type, v.Type)
			}
		}
		return ir.Bool, false, nil
	}}
	// category_code: args[0] a str column, args[1:] distinct non-null str
	// literals (categories); the int64 position of the row's value among
	// them, len(args)-1 when it is none of them or missing. Written by the
	// onehot_embed pass (a dictionary lookup per row instead of a where
	// chain over equalities).
	Funcs["category_code"] = &FuncInfo{Args: -1, Type: func(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
		if len(a) < 1 || a[0].Type != ir.String {
			return 0, false, ir.Errorf("Type", "category_code needs a str column")
		}
		for _, v := range a[1:] {
			if v.Kind != ir.ExprLit || v.Lit.Type != ir.String {
				return 0, false, ir.Errorf("Value", "category_code categories must be non-null str literals")
			}
		}
		return ir.Int64, false, nil
	}}
	for _, fn := range DatetimeFieldFuncs {
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

// numericResult is numpy's promotion of two numeric column dtypes
// (np.result_type): float32 holds bool exactly but not int32/int64.
func numericResult(a, b ir.DType) ir.DType {
	switch {
	case a == ir.Float64 || b == ir.Float64:
		return ir.Float64
	case a == ir.Float32 || b == ir.Float32:
		other := a
		if a == ir.Float32 {
			other = b
		}
		if other == ir.Float32 || other == ir.Bool {
			return ir.Float32
		}
		return ir.Float64
	case a == ir.Int64 || b == ir.Int64:
		return ir.Int64
	case a == ir.Int32 || b == ir.Int32:
		return ir.Int32
	}
	return ir.Int64 // bool op bool
}

func isNumOrNull(t ir.DType) bool { return t.IsNumeric() || t == ir.Null }

// isNaNLit reports whether e is a float NaN literal (pandas reads a NaN
// scalar as "missing" next to str and datetime values).
func isNaNLit(e *ir.Expr) bool {
	return e.Kind == ir.ExprLit && e.Lit.Type.IsFloat() && math.IsNaN(e.Lit.F)
}

// isMissingLit: a None or NaN scalar.
func isMissingLit(e *ir.Expr) bool {
	return (e.Kind == ir.ExprLit && e.Lit.Type == ir.Null) || isNaNLit(e)
}

// ScalarArg returns the index of the argument the Python API recorded from
// a Python/numpy scalar (option "scalar" on arithmetic), or -1. pandas
// treats such scalars as "weak" (numpy's NEP 50): int32 column + 1 stays
// int32, float32 column * 0.5 stays float32. Literals that stand for
// columns (after the optimizer substitutes one) are not marked, so they
// keep column promotion.
func ScalarArg(e *ir.Expr) int {
	var k int
	switch v := e.Opts["scalar"].(type) {
	case float64:
		k = int(v)
	case int:
		k = v
	case int64:
		k = int(v)
	default:
		return -1
	}
	if k < 0 || k >= len(e.Args) || e.Args[k].Kind != ir.ExprLit {
		return -1
	}
	return k
}

// weakResult is the result dtype of column dtype c with a weak scalar l.
func weakResult(e *ir.Expr, c ir.DType, l *ir.Expr) (ir.DType, error) {
	lt := l.Lit.Type
	switch {
	case lt == ir.Bool: // c is not bool here
		return c, nil
	case lt.IsInt():
		switch c {
		case ir.Bool:
			return ir.Int64, nil
		case ir.Int32:
			if l.Lit.I != int64(int32(l.Lit.I)) {
				return 0, ir.Errorf("NotImplemented", "%s of an int32 column and %d (pandas raises OverflowError: out of bounds for int32)", e.Name, l.Lit.I)
			}
		}
		return c, nil
	case lt.IsFloat():
		if c == ir.Float32 {
			return ir.Float32, nil
		}
		return ir.Float64, nil
	}
	return numericResult(c, lt), nil
}

func arithType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	x, y := a[0].Type, a[1].Type
	if e.Name == "add" && x == ir.String && y == ir.String {
		return ir.String, a[0].Nullable || a[1].Nullable, nil
	}
	if e.Name == "add" && (x == ir.String && isMissingLit(a[1]) || y == ir.String && isMissingLit(a[0])) {
		return ir.String, true, nil // str + None/NaN: all missing
	}
	if x == ir.Bool && y == ir.Bool {
		return 0, false, ir.Errorf("NotImplemented", "%s of two bool columns is not supported (use & | ^)", e.Name)
	}
	if (x == ir.Null || y == ir.Null) && (x.IsNumeric() || y.IsNumeric()) {
		// pandas: a numeric column and None is a TypeError (NaN is a float)
		name := func(t ir.DType) string {
			if t == ir.Null {
				return "None"
			}
			return t.String()
		}
		return 0, false, ir.Errorf("Type", "unsupported operand types for %s: %s and %s", opSymbol(e.Name), name(x), name(y))
	}
	if e.Name == "mul" && (x == ir.String && y.IsInt() || y == ir.String && x.IsInt()) {
		return 0, false, ir.Errorf("NotImplemented", "repeating strings (str column * int)")
	}
	if !x.IsNumeric() || !y.IsNumeric() {
		return 0, false, ir.Errorf("Type", "unsupported operand types for %s: %s and %s", opSymbol(e.Name), x, y)
	}
	var t ir.DType
	if k := ScalarArg(e); k >= 0 {
		var err error
		if t, err = weakResult(e, a[1-k].Type, a[k]); err != nil {
			return 0, false, err
		}
	} else {
		t = numericResult(x, y)
	}
	switch e.Name {
	case "truediv":
		if t.IsInt() {
			t = ir.Float64
		}
	case "floordiv":
		// pandas casts a float32 floor division by zero to float64 (its
		// mask_zero_div_zero), which only the data can tell.
		if t == ir.Float32 && !(a[1].Kind == ir.ExprLit && litNonZero(a[1].Lit)) {
			return 0, false, ir.Errorf("NotImplemented", "float32 floor division by a column or by zero (pandas makes the result float64 where a divisor is 0)")
		}
	case "pow":
		// numpy's ndarray ** 2 is np.square, which turns bool into int8.
		if x == ir.Bool && a[1].Kind == ir.ExprLit && a[1].Lit.Type.IsInt() && a[1].Lit.I == 2 {
			return 0, false, ir.Errorf("NotImplemented", "bool column ** 2 (pandas returns int8)")
		}
	}
	return t, false, nil
}

func litNonZero(v ir.Value) bool {
	switch {
	case v.Type.IsFloat():
		return v.F != 0 // NaN too: pandas only patches divisions by 0
	case v.Type.IsInt():
		return v.I != 0
	case v.Type == ir.Bool:
		return v.B
	}
	return false
}

func compareType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	x, y := a[0].Type, a[1].Type
	ordering := e.Name != "eq" && e.Name != "ne"
	// A None/NaN scalar next to str compares like a missing value (== all
	// False, != all True, < all False); next to datetime pandas only allows
	// == and !=.
	if (x == ir.String && isNaNLit(a[1])) || (y == ir.String && isNaNLit(a[0])) {
		return ir.Bool, false, nil
	}
	if ordering && x.IsDatetime() && isMissingLit(a[1]) {
		return 0, false, ir.Errorf("Type", "Invalid comparison between dtype=%s and None", x)
	}
	if ordering && y.IsDatetime() && isMissingLit(a[0]) {
		return 0, false, ir.Errorf("Type", "Invalid comparison between dtype=%s and None", y)
	}
	if (x == ir.String && y.IsDatetime()) || (y == ir.String && x.IsDatetime()) {
		return 0, false, ir.Errorf("NotImplemented", "comparing str with datetime values (pandas parses the strings as dates)")
	}
	ok := (isNumOrNull(x) && isNumOrNull(y)) ||
		(x == ir.String || x == ir.Null) && (y == ir.String || y == ir.Null) ||
		(x.IsDatetime() || x == ir.Null) && (y.IsDatetime() || y == ir.Null)
	if !ok {
		if !ordering {
			return ir.Bool, false, nil // pandas: == across kinds is all False (!= all True)
		}
		return 0, false, ir.Errorf("Type", "'%s' not supported between %s and %s", opSymbol(e.Name), x, y)
	}
	return ir.Bool, false, nil
}

func logicType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	for _, x := range a {
		if x.Type.IsInt() {
			// pandas: bitwise on ints, logical on an int and a bool
			return 0, false, ir.Errorf("NotImplemented", "%s with an integer operand", opSymbol(e.Name))
		}
		if x.Type != ir.Bool {
			return 0, false, ir.Errorf("Type", "%s needs bool operands, got %s", opSymbol(e.Name), x.Type)
		}
		if user, _ := e.Opts["user"].(bool); user && e.Name == "not" && x.Nullable {
			// the user's ~ (not one the optimizer makes): pandas holds a bool
			// column with missing values as object, where ~NaN is a TypeError
			return 0, false, ir.Errorf("NotImplemented", "~ of a bool column with missing values")
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
		if e.Name == "neg" && a[0].Nullable {
			return 0, false, ir.Errorf("NotImplemented", "negating a bool column with missing values (pandas holds it as object)")
		}
		// pandas: -bool is logical not; abs returns the column as is
		return ir.Bool, a[0].Nullable, nil
	}
	return t, false, nil
}

// fillnaType follows Series.fillna: a column that holds no missing value
// (statically: int, or not nullable) is returned unchanged whatever the
// value; a float column takes any number (cast to its dtype); otherwise the
// value must have the column's type, else pandas makes an object column.
func fillnaType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	x, v := a[0], a[1]
	switch {
	case x.Type.IsFloat() && v.Type.IsNumeric() && v.Type != ir.Bool:
		return x.Type, false, nil
	case x.Type.IsFloat():
	case !x.Nullable && x.Type != ir.Null:
		return x.Type, false, nil
	case x.Type == ir.Bool:
		return 0, false, ir.Errorf("NotImplemented", "fillna of a bool column with missing values (pandas holds it as an object column)")
	case x.Type == v.Type:
		return x.Type, v.Nullable, nil
	case x.Type == ir.DatetimeNS && v.Type == ir.DatetimeUS && v.Kind == ir.ExprLit:
		return x.Type, false, nil // a Timestamp scalar fills in the column's unit
	}
	return 0, false, ir.Errorf("NotImplemented", "fillna of a %s column with a %s value (pandas would make an object column)", x.Type, v.Type)
}

func castType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	name, _ := e.Opts["dtype"].(string)
	t, err := ir.ParseDType(name)
	if err != nil {
		return 0, false, ir.Errorf("Type", "astype: %v", err)
	}
	from := a[0].Type
	switch {
	case from == ir.Bool && a[0].Nullable:
		return 0, false, ir.Errorf("NotImplemented", "astype of a bool column with missing values (pandas holds it as an object column)")
	case t == from:
	case t.IsNumeric() && from.IsNumeric():
		// float -> int is checked per value at run time (NaN/inf cannot)
	case t == ir.String && (from.IsNumeric() || from == ir.String):
	case t.IsNumeric() && t != ir.Bool && from == ir.String:
		// parsed per value at run time; bad text is a run-time Value error
	case t.IsDatetime() && (from.IsDatetime() || from == ir.String):
	default:
		return 0, false, ir.Errorf("NotImplemented", "astype from %s to %s", from, t)
	}
	// astype(str) turns NaN into a missing value
	nullable := (a[0].Nullable || from.IsFloat() && t == ir.String) && (t == ir.String || t.IsDatetime() || t == ir.Bool)
	return t, nullable, nil
}

// whereType follows Series.where(cond, other): the column keeps its dtype
// when it can hold other (pandas' can_hold_element), else pandas finds a
// common dtype; None/NaN other is missing. Cases where that depends on the
// data (an int column holding a float column's values, ...) or gives an
// object column are NotImplemented.
func whereType(e *ir.Expr, a []*ir.Expr) (ir.DType, bool, error) {
	if a[0].Type != ir.Bool {
		return 0, false, ir.Errorf("Type", "where: condition must be bool, got %s", a[0].Type)
	}
	x, y := a[1], a[2]
	if x.Type == ir.Null || (isMissingLit(x) && !isMissingLit(y)) {
		x, y = y, x // the missing side is "other"
	}
	xt, yt := x.Type, y.Type
	unsupported := func() (ir.DType, bool, error) {
		return 0, false, ir.Errorf("NotImplemented", "where with branches of types %s and %s (pandas would make an object column or decide by the values)", xt, yt)
	}
	switch {
	case isMissingLit(y) || yt == ir.Null:
		switch {
		case xt.IsInt() || xt == ir.Null:
			return ir.Float64, false, nil
		case xt.IsFloat():
			return xt, false, nil
		case xt == ir.String || xt.IsDatetime():
			return xt, true, nil
		}
		return unsupported()
	case xt == yt:
		if xt == ir.Bool && (x.Nullable || y.Nullable) {
			return unsupported()
		}
		return xt, x.Nullable || y.Nullable, nil
	case y.Kind == ir.ExprLit && xt.IsNumeric() && xt != ir.Bool && yt.IsNumeric() && yt != ir.Bool:
		// a scalar: floats hold any number; ints hold integers in range
		// (an integral float too)
		if xt.IsFloat() {
			return xt, false, nil
		}
		var v float64
		if yt.IsInt() {
			v = float64(y.Lit.I)
		} else {
			v = y.Lit.F
		}
		lo, hi := float64(math.MinInt64), float64(math.MaxInt64)
		if xt == ir.Int32 {
			lo, hi = math.MinInt32, math.MaxInt32
		}
		switch {
		case v == math.Trunc(v) && v >= lo && v <= hi && (yt.IsInt() || math.Abs(v) < 1<<53):
			return xt, false, nil
		case yt.IsFloat() && v != math.Trunc(v):
			return ir.Float64, false, nil
		}
	case y.Kind != ir.ExprLit && (xt == ir.Float64 && (yt.IsInt() || yt == ir.Float32) || xt == ir.Int64 && yt == ir.Int32):
		return xt, false, nil // every value fits
	}
	return unsupported()
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

// DatetimeFieldFuncs are the Series.dt fields, one expression function each
// (dt_<pandas name>); each gives int32, or float64 with NaN when the column
// may hold NaT (pandas' rule).
var DatetimeFieldFuncs = []string{"dt_year", "dt_month", "dt_day", "dt_hour", "dt_minute", "dt_second",
	"dt_dayofweek", "dt_dayofyear", "dt_quarter"}

// IsDatetimeField reports whether fn is one of DatetimeFieldFuncs.
func IsDatetimeField(fn string) bool {
	for _, f := range DatetimeFieldFuncs {
		if f == fn {
			return true
		}
	}
	return false
}
