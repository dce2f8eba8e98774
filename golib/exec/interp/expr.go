package interp

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// Eval evaluates a typed expression (see frame.TypeExpr) over every row of f.
func Eval(e *ir.Expr, f *col.Frame) (*col.Column, error) {
	switch e.Kind {
	case ir.ExprCol:
		c := f.Col(e.Name)
		if c == nil {
			return nil, ir.Errorf("ColumnNotFound", "column %q not found", e.Name)
		}
		return c, nil
	case ir.ExprLit:
		return broadcast(e.Lit, e.Type, f.N), nil
	}
	args := make([]*col.Column, len(e.Args))
	for i, a := range e.Args {
		v, err := Eval(a, f)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return call(e, args, f.N)
}

// broadcast makes an n-row column holding literal v (as type t).
func broadcast(v ir.Value, t ir.DType, n int) *col.Column {
	if v.Type == ir.Null {
		switch {
		case t == ir.Null: // a bare None: all-null, read through IsValid/asFloat
			return &col.Column{Type: ir.Null, N: n, Valid: col.NewBitmap(n, false)}
		case t.IsFloat():
			out := make([]float64, n)
			for i := range out {
				out[i] = math.NaN()
			}
			return &col.Column{Type: t, N: n, F64: out}
		default:
			c := &col.Column{Type: t, N: n, Valid: col.NewBitmap(n, false)}
			switch {
			case t == ir.String:
				c.Offs, c.Data = make([]int64, n+1), []byte{}
			case t == ir.Bool:
				c.B = make([]bool, n)
			default:
				c.I64 = make([]int64, n)
			}
			return c
		}
	}
	switch v.Type {
	case ir.Int64, ir.Int32, ir.DatetimeUS, ir.DatetimeNS:
		out := make([]int64, n)
		for i := range out {
			out[i] = v.I
		}
		return &col.Column{Type: v.Type, N: n, I64: out}
	case ir.Float64, ir.Float32:
		out := make([]float64, n)
		for i := range out {
			out[i] = v.F
		}
		return &col.Column{Type: v.Type, N: n, F64: out}
	case ir.Bool:
		out := make([]bool, n)
		for i := range out {
			out[i] = v.B
		}
		return col.NewBool(out)
	case ir.String:
		offs := make([]int64, n+1)
		for i := range offs {
			offs[i] = 0
		}
		// all rows share the same bytes: offsets 0..len for each row would need
		// repeats; build a real column so every row is independent.
		b := col.NewStringBuilder(n)
		for i := 0; i < n; i++ {
			b.Append(v.S)
		}
		return b.Finish()
	}
	panic(fmt.Sprintf("broadcast: bad literal type %v", v.Type))
}

func call(e *ir.Expr, a []*col.Column, n int) (*col.Column, error) {
	switch e.Name {
	case "add", "sub", "mul", "truediv", "floordiv", "mod", "pow":
		return arith(e, a[0], a[1], n)
	case "eq", "ne", "lt", "le", "gt", "ge":
		x, y := a[0], a[1]
		if k := frame.ScalarArg(e); k >= 0 && a[1-k].Type == ir.Float32 {
			// a Python number next to a float32 column is cast to float32
			// (numpy's weak scalars), so float32(0.1) == 0.1
			if l := e.Args[k].Lit; l.Type.IsInt() || l.Type == ir.Float64 {
				v := ir.Value{Type: ir.Float32, F: float64(float32(l.F))}
				if l.Type.IsInt() {
					v.F = float64(float32(l.I))
				}
				c := broadcast(v, ir.Float32, n)
				if k == 0 {
					x = c
				} else {
					y = c
				}
			}
		}
		return compare(e.Name, x, y, n)
	case "and", "or", "xor":
		out := make([]bool, n)
		x, y := a[0], a[1]
		for i := 0; i < n; i++ {
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
		out := make([]bool, n)
		for i := 0; i < n; i++ {
			out[i] = !(a[0].B[i] && a[0].IsValid(i))
		}
		return col.NewBool(out), nil
	case "neg", "abs":
		return unaryNum(e.Name, a[0], e.Type, n)
	case "isna", "notna":
		out := make([]bool, n)
		want := e.Name == "isna"
		for i := 0; i < n; i++ {
			out[i] = a[0].IsNA(i) == want
		}
		return col.NewBool(out), nil
	case "fillna":
		return fillna(a[0], a[1], e.Type, n)
	case "cast":
		return cast(a[0], e.Type, n)
	case "where":
		return where(a[0], a[1], a[2], e.Type, n)
	case "str_lower", "str_upper":
		up := e.Name == "str_upper"
		return mapStrings(a[0], func(s string) string {
			if up {
				return ArrowUpper(s)
			}
			return ArrowLower(s)
		}), nil
	case "str_len":
		x := a[0]
		if e.Type == ir.Float64 {
			if !x.HasNulls() {
				return nil, errNoMissing("str.len()", "int64")
			}
			out := make([]float64, n)
			for i := 0; i < n; i++ {
				if !x.IsValid(i) {
					out[i] = math.NaN()
				} else {
					out[i] = float64(utf8.RuneCount(x.StrBytes(i)))
				}
			}
			return col.NewFloat64(out), nil
		}
		out := make([]int64, n)
		for i := 0; i < n; i++ {
			out[i] = int64(utf8.RuneCount(x.StrBytes(i)))
		}
		return col.NewInt64(out), nil
	case "str_contains", "str_startswith", "str_endswith":
		return strPredicate(e, a[0], n)
	case "dt_year", "dt_month", "dt_day":
		return dtField(e.Name, a[0], e.Type, n)
	case "str_slice":
		return strSlice(e, a[0]), nil
	case "isin":
		return isin(a[0], a[1:], n), nil
	}
	return nil, ir.Errorf("NotImplemented", "function %q has no interpreter implementation", e.Name)
}

// numeric views: every numeric column read as float64 or int64.
func asFloat(c *col.Column, i int) float64 {
	switch {
	case c.Type.IsFloat():
		return c.F64[i]
	case c.Type == ir.Bool:
		if c.B[i] {
			return 1
		}
		return 0
	case c.Type == ir.Null:
		return math.NaN()
	}
	return float64(c.I64[i])
}

func asInt(c *col.Column, i int) int64 {
	if c.Type == ir.Bool {
		if c.B[i] {
			return 1
		}
		return 0
	}
	return c.I64[i]
}

func roundTo(t ir.DType, v float64) float64 {
	if t == ir.Float32 {
		return float64(float32(v))
	}
	return v
}

func arith(e *ir.Expr, x, y *col.Column, n int) (*col.Column, error) {
	t := e.Type
	if t == ir.String {
		// str + str; a missing operand (None or NaN, typed null/float) makes
		// the row missing, as pandas.
		b := col.NewStringBuilder(n)
		for i := 0; i < n; i++ {
			if x.Type != ir.String || y.Type != ir.String || !x.IsValid(i) || !y.IsValid(i) {
				b.AppendNull()
				continue
			}
			b.Append(x.Str(i) + y.Str(i))
		}
		return b.Finish(), nil
	}
	if t.IsFloat() {
		// numpy computes a float32 result in float32: operands are rounded
		// to float32 first (a Python float scalar is cast to the array's
		// dtype), then each step is rounded (exact for + - * / and sqrt).
		rnd := func(v float64) float64 { return roundTo(t, v) }
		sqrt := e.Name == "pow" && frame.ScalarArg(e) == 1 && isLitValue(e.Args[1], 0.5)
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			p, q := rnd(asFloat(x, i)), rnd(asFloat(y, i))
			var r float64
			switch e.Name {
			case "add":
				r = p + q
			case "sub":
				r = p - q
			case "mul":
				r = p * q
			case "truediv":
				r = p / q
			case "floordiv":
				r = npFloorDiv(p, q, rnd)
			case "mod":
				r = pyFloatMod(p, q)
			case "pow":
				if sqrt { // ndarray ** 0.5 is np.sqrt (numpy's fast scalar power)
					r = math.Sqrt(p)
				} else {
					r = math.Pow(p, q)
				}
			}
			out[i] = rnd(r)
		}
		return &col.Column{Type: t, N: n, F64: out}, nil
	}
	if d := e.Args[1]; e.Name == "mod" && d.Kind == ir.ExprLit && d.Lit.Type.IsInt() && d.Lit.I == 0 {
		// pandas makes x % 0 a float64 column of NaN, even with no rows
		return nil, ir.Errorf("NotImplemented", "integer modulo by zero (pandas returns float NaN here)")
	}
	out := make([]int64, n)
	for i := 0; i < n; i++ {
		p, q := asInt(x, i), asInt(y, i)
		switch e.Name {
		case "add":
			out[i] = p + q
		case "sub":
			out[i] = p - q
		case "mul":
			out[i] = p * q
		case "floordiv", "mod":
			if q == 0 {
				if e.Name == "mod" && y.Type == ir.Bool {
					// numpy's integer remainder by zero is 0, and pandas
					// only patches in NaN for integer (not bool) divisors.
					out[i] = 0
					continue
				}
				return nil, ir.Errorf("NotImplemented", "integer %s by zero (pandas returns float inf/NaN here)", opName(e.Name))
			}
			d, m := p/q, p%q
			if m != 0 && (m < 0) != (q < 0) {
				d--
				m += q
			}
			if e.Name == "floordiv" {
				out[i] = d
			} else {
				out[i] = m
			}
		case "pow":
			if q < 0 {
				return nil, ir.Errorf("Value", "Integers to negative integer powers are not allowed.")
			}
			r := int64(1)
			for b, k := p, q; k > 0; k >>= 1 {
				if k&1 == 1 {
					r *= b
				}
				b *= b
			}
			out[i] = r
		}
		if t == ir.Int32 {
			out[i] = int64(int32(out[i]))
		}
	}
	return &col.Column{Type: t, N: n, I64: out}, nil
}

// isLitValue reports whether e is a numeric literal equal to v.
func isLitValue(e *ir.Expr, v float64) bool {
	if e.Kind != ir.ExprLit {
		return false
	}
	switch {
	case e.Lit.Type.IsFloat():
		return e.Lit.F == v
	case e.Lit.Type.IsInt():
		return float64(e.Lit.I) == v
	}
	return false
}

// npFloorDiv is numpy's float floor_divide (npy_floor_divide/npy_divmod),
// with rnd rounding each intermediate to the result's precision. It differs
// from floor(a/b): 1 // 0.1 is 9.0 (as Python), inf // 1 is NaN.
func npFloorDiv(a, b float64, rnd func(float64) float64) float64 {
	if b == 0 {
		return a / b
	}
	mod := math.Mod(a, b)
	div := rnd(rnd(a-mod) / b)
	if mod != 0 && (b < 0) != (mod < 0) { // a NaN mod counts as non-negative, as numpy's isless
		div = rnd(div - 1)
	}
	if div != 0 {
		fl := math.Floor(div)
		if rnd(div-fl) > 0.5 {
			fl++
		}
		return fl
	}
	return math.Copysign(0, rnd(a/b))
}

func opName(fn string) string {
	if fn == "mod" {
		return "modulo"
	}
	return "floor division"
}

// pyFloatMod is numpy's float remainder (npy_divmod): the result takes the
// divisor's sign, a zero result included (-2.0 % 1 is 0.0, 2.0 % -1 is -0.0).
func pyFloatMod(p, q float64) float64 {
	if q == 0 {
		return math.NaN()
	}
	m := math.Mod(p, q)
	switch {
	case m == 0:
		m = math.Copysign(0, q)
	case (m < 0) != (q < 0):
		m += q
	}
	return m
}

func compare(fn string, x, y *col.Column, n int) (*col.Column, error) {
	out := make([]bool, n)
	kindX, kindY := x.Type, y.Type
	switch {
	case kindX == ir.String && kindY == ir.String:
		for i := 0; i < n; i++ {
			if !x.IsValid(i) || !y.IsValid(i) {
				out[i] = fn == "ne"
				continue
			}
			out[i] = cmpResult(fn, strings.Compare(x.Str(i), y.Str(i)))
		}
	case kindX.IsDatetime() && kindY.IsDatetime():
		sx, sy := datetimeScale(kindX), datetimeScale(kindY)
		for i := 0; i < n; i++ {
			if !x.IsValid(i) || !y.IsValid(i) {
				out[i] = fn == "ne"
				continue
			}
			out[i] = cmpResult(fn, cmp.Compare(x.I64[i]*sx, y.I64[i]*sy))
		}
	case (kindX.IsInt() || kindX == ir.Bool) && (kindY.IsInt() || kindY == ir.Bool):
		for i := 0; i < n; i++ {
			out[i] = cmpResult(fn, cmp.Compare(asInt(x, i), asInt(y, i)))
		}
	case kindX.IsNumeric() && kindY.IsNumeric(), kindX == ir.Null || kindY == ir.Null:
		for i := 0; i < n; i++ {
			if !x.IsValid(i) || !y.IsValid(i) {
				out[i] = fn == "ne"
				continue
			}
			p, q := asFloat(x, i), asFloat(y, i)
			if math.IsNaN(p) || math.IsNaN(q) {
				out[i] = fn == "ne"
				continue
			}
			out[i] = cmpResult(fn, cmp.Compare(p, q))
		}
	default: // different kinds: == is all False, != all True (pandas)
		for i := range out {
			out[i] = fn == "ne"
		}
	}
	return col.NewBool(out), nil
}

func datetimeScale(t ir.DType) int64 {
	if t == ir.DatetimeUS {
		return 1000
	}
	return 1
}

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

func unaryNum(fn string, x *col.Column, t ir.DType, n int) (*col.Column, error) {
	switch {
	case t.IsFloat():
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			if fn == "neg" {
				out[i] = -x.F64[i]
			} else {
				out[i] = math.Abs(x.F64[i])
			}
		}
		return &col.Column{Type: t, N: n, F64: out}, nil
	case t == ir.Bool && fn == "neg":
		out := make([]bool, n)
		for i := 0; i < n; i++ {
			out[i] = !x.B[i] // pandas' -bool is ~bool
		}
		return col.NewBool(out), nil
	case t == ir.Bool:
		return x, nil
	}
	out := make([]int64, n)
	for i := 0; i < n; i++ {
		v := x.I64[i]
		if fn == "neg" || v < 0 {
			v = -v // wraps at MinInt64, as numpy
		}
		if t == ir.Int32 {
			v = int64(int32(v)) // and at MinInt32 for int32
		}
		out[i] = v
	}
	return &col.Column{Type: t, N: n, I64: out}, nil
}

func fillna(x, v *col.Column, t ir.DType, n int) (*col.Column, error) {
	if !x.HasNulls() && !x.Type.IsFloat() {
		return x, nil // nothing to fill: pandas returns the column unchanged
	}
	switch {
	case t.IsFloat():
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			if x.IsNA(i) {
				out[i] = roundTo(t, asFloat(v, i))
			} else {
				out[i] = x.F64[i]
			}
		}
		return &col.Column{Type: t, N: n, F64: out}, nil
	case v.Type != t && !(t.IsDatetime() && v.Type.IsDatetime()):
		return nil, ir.Errorf("NotImplemented", "fillna of a %s column holding missing values with a %s value (pandas would make an object column)", t, v.Type)
	case t == ir.String:
		b := col.NewStringBuilder(n)
		for i := 0; i < n; i++ {
			switch {
			case x.IsValid(i):
				b.AppendBytes(x.StrBytes(i))
			case v.IsValid(i):
				b.AppendBytes(v.StrBytes(i))
			default:
				b.AppendNull()
			}
		}
		return b.Finish(), nil
	case t == ir.Bool:
		out := make([]bool, n)
		for i := 0; i < n; i++ {
			if x.IsValid(i) {
				out[i] = x.B[i]
			} else {
				out[i] = v.B[i]
			}
		}
		return col.NewBool(out), nil
	case t.IsDatetime() || t.IsInt():
		scale := int64(1)
		if t == ir.DatetimeNS && v.Type == ir.DatetimeUS {
			scale = 1000
		}
		out := make([]int64, n)
		for i := 0; i < n; i++ {
			if x.IsValid(i) {
				out[i] = x.I64[i]
			} else {
				out[i] = v.I64[i] * scale
			}
		}
		return &col.Column{Type: t, N: n, I64: out}, nil
	}
	return nil, ir.Errorf("NotImplemented", "fillna on %s", t)
}

func cast(x *col.Column, t ir.DType, n int) (*col.Column, error) {
	from := x.Type
	if from == t {
		return x, nil
	}
	switch {
	case t.IsFloat():
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			if from == ir.String {
				if !x.IsValid(i) {
					out[i] = math.NaN()
					continue
				}
				f, err := parsePyFloat(x.Str(i))
				if err != nil {
					return nil, err
				}
				out[i] = roundTo(t, f)
				continue
			}
			out[i] = roundTo(t, asFloat(x, i))
		}
		return &col.Column{Type: t, N: n, F64: out}, nil
	case t.IsInt():
		out := make([]int64, n)
		for i := 0; i < n; i++ {
			switch {
			case from == ir.String:
				if !x.IsValid(i) {
					return nil, ir.Errorf("Value", "cannot convert float NaN to integer")
				}
				v, err := parsePyInt(x.Str(i))
				if err != nil {
					return nil, err
				}
				if t == ir.Int32 && int64(int32(v)) != v {
					return nil, ir.Errorf("NotImplemented", "Python integer %d out of bounds for int32 (pandas raises OverflowError)", v)
				}
				out[i] = v
				continue
			case from.IsFloat():
				f := x.F64[i]
				if math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, ir.Errorf("Value", "Cannot convert non-finite values (NA or inf) to integer")
				}
				out[i] = floatToInt(f, t)
				continue
			default:
				out[i] = asInt(x, i)
			}
			if t == ir.Int32 {
				out[i] = int64(int32(out[i])) // wraps, as numpy's astype
			}
		}
		return &col.Column{Type: t, N: n, I64: out}, nil
	case t == ir.Bool:
		if from == ir.String {
			break
		}
		out := make([]bool, n)
		for i := 0; i < n; i++ {
			out[i] = asFloat(x, i) != 0
		}
		return col.NewBool(out), nil
	case t == ir.String:
		b := col.NewStringBuilder(n)
		for i := 0; i < n; i++ {
			if !x.IsValid(i) || (from.IsFloat() && math.IsNaN(x.F64[i])) {
				b.AppendNull()
				continue
			}
			switch {
			case from.IsFloat():
				b.Append(PyFloatRepr(x.F64[i], from == ir.Float32))
			case from.IsInt():
				b.Append(strconv.FormatInt(x.I64[i], 10))
			case from == ir.Bool:
				if x.B[i] {
					b.Append("True")
				} else {
					b.Append("False")
				}
			default:
				return nil, ir.Errorf("NotImplemented", "astype(str) from %s", from)
			}
		}
		return b.Finish(), nil
	case t.IsDatetime() && from.IsDatetime():
		out := make([]int64, n)
		for i := 0; i < n; i++ {
			if t == ir.DatetimeNS {
				out[i] = x.I64[i] * 1000
			} else {
				out[i] = floorDivInt(x.I64[i], 1000)
			}
		}
		return &col.Column{Type: t, N: n, I64: out, Valid: x.Valid}, nil
	}
	return nil, ir.Errorf("NotImplemented", "astype from %s to %s", from, t)
}

// floatToInt is numpy's astype from a finite float to int64/int32 on
// x86-64: truncation toward zero, and the "integer indefinite" value (the
// type's minimum) for values out of the target's range.
func floatToInt(f float64, t ir.DType) int64 {
	tr := math.Trunc(f)
	if t == ir.Int32 {
		if tr >= 1<<31 || tr < -(1<<31) {
			return math.MinInt32
		}
		return int64(tr)
	}
	if tr >= 1<<63 || tr < -(1<<63) {
		return math.MinInt64
	}
	return int64(tr)
}

func floorDivInt(a, b int64) int64 {
	d := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		d--
	}
	return d
}

// pyStrip is Python's str.strip(): it removes Unicode whitespace.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == 0x1c || r == 0x1d || r == 0x1e || r == 0x1f
	})
}

// pyDigits reports whether s is Python's digitpart: ASCII digits with
// single underscores between them.
func pyDigits(s string) bool {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '_' {
			return false
		}
	}
	return true
}

// nonASCIIDigits reports whether s holds a non-ASCII decimal digit, which
// Python's int() and float() accept and this parser does not.
func nonASCIIDigits(s string) bool {
	for _, r := range s {
		if r >= 0x80 && unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// parsePyInt is Python's int(s) (base 10) for astype(int) of a str column.
func parsePyInt(s string) (int64, error) {
	t := pyStrip(s)
	body := strings.TrimPrefix(strings.TrimPrefix(t, "+"), "-")
	if len(body) < len(t)-1 || !pyDigits(body) {
		if nonASCIIDigits(t) {
			return 0, ir.Errorf("NotImplemented", "astype(int) of %q (non-ASCII digits)", s)
		}
		return 0, ir.Errorf("Value", "invalid literal for int() with base 10: %s", pyQuote(s))
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 10, 64)
	if err != nil {
		return 0, ir.Errorf("NotImplemented", "integer %s does not fit in int64 (pandas raises OverflowError)", t)
	}
	return v, nil
}

// parsePyFloat is Python's float(s) for astype(float) of a str column:
// surrounding whitespace, underscores between digits, inf/infinity/nan in
// any case, overflow to inf; no hex floats.
func parsePyFloat(s string) (float64, error) {
	t := pyStrip(s)
	body := t
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	sign := 1.0
	if neg {
		sign = -1
	}
	switch strings.ToLower(body) {
	case "nan":
		return math.NaN(), nil
	case "inf", "infinity":
		return math.Inf(int(sign)), nil
	}
	mant, exp := body, ""
	if k := strings.IndexAny(body, "eE"); k >= 0 {
		mant, exp = body[:k], body[k+1:]
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		if !pyDigits(exp) {
			mant = "" // invalid
		}
	}
	ip, fp, dot := strings.Cut(mant, ".")
	ok := (ip == "" || pyDigits(ip)) && (fp == "" || pyDigits(fp)) && (ip != "" || (dot && fp != ""))
	if !ok {
		if nonASCIIDigits(t) {
			return 0, ir.Errorf("NotImplemented", "astype(float) of %q (non-ASCII digits)", s)
		}
		return 0, ir.Errorf("Value", "could not convert string to float: %s", pyQuote(s))
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range: +-inf or 0, as Python
		return 0, ir.Errorf("Value", "could not convert string to float: %s", pyQuote(s))
	}
	return f, nil
}

// pyQuote is Python's repr of a str (close enough for error messages).
func pyQuote(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// PyFloatRepr formats f as Python's repr(float) does (str(np.float32) when
// f32 is set): shortest round-trip digits, fixed notation for decimal
// exponents in [-4, 16), scientific otherwise ("1e+16", "1.5e-05"). numpy's
// float32 str switches to scientific outside 1e-4 <= |f| < 1e6, comparing
// the value itself ("1e+06", and "1e-04" for float32(0.0001) < 1e-4).
func PyFloatRepr(f float64, f32 bool) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	bits := 64
	if f32 {
		bits = 32
	}
	s := strconv.FormatFloat(f, 'e', -1, bits)
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	positional := exp >= -4 && exp < 16
	if f32 {
		a := math.Abs(f)
		positional = a == 0 || (a >= 1e-4 && a < 1e6)
	}
	var out string
	if positional {
		if exp >= 0 {
			if len(digits) <= exp+1 {
				out = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
			} else {
				out = digits[:exp+1] + "." + digits[exp+1:]
			}
		} else {
			out = "0." + strings.Repeat("0", -exp-1) + digits
		}
	} else {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		out = fmt.Sprintf("%se%s%02d", m, sign, exp)
	}
	if neg {
		out = "-" + out
	}
	return out
}

func where(c, x, y *col.Column, t ir.DType, n int) (*col.Column, error) {
	pick := make([]bool, n)
	other := false
	for i := 0; i < n; i++ {
		pick[i] = c.B[i] && c.IsValid(i)
		other = other || !pick[i]
	}
	if !other && x.Type != t && x.Type != ir.Null {
		// pandas' where is a no-op when every row keeps its value: the
		// column keeps its dtype instead of the common one.
		return nil, ir.Errorf("NotImplemented", "where/mask that replaces no value of a %s column (pandas keeps %s, flern's plan says %s)", x.Type, x.Type, t)
	}
	// missing: the chosen branch has no value of the result type here (a
	// null, or the NaN/None scalar standing for "missing").
	missing := func(src *col.Column, i int) bool {
		if !src.IsValid(i) || src.Type == ir.Null {
			return true
		}
		return !t.IsFloat() && src.Type != t && !(t.IsInt() && src.Type.IsNumeric())
	}
	var valid []byte
	setMissing := func(i int) {
		if valid == nil {
			valid = col.NewBitmap(n, true)
		}
		col.SetBit(valid, i, false)
	}
	switch {
	case t.IsFloat():
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			src := y
			if pick[i] {
				src = x
			}
			if missing(src, i) {
				out[i] = math.NaN()
			} else {
				out[i] = roundTo(t, asFloat(src, i))
			}
		}
		return &col.Column{Type: t, N: n, F64: out}, nil
	case t == ir.String:
		b := col.NewStringBuilder(n)
		for i := 0; i < n; i++ {
			src := y
			if pick[i] {
				src = x
			}
			if missing(src, i) {
				b.AppendNull()
			} else {
				b.AppendBytes(src.StrBytes(i))
			}
		}
		return b.Finish(), nil
	case t == ir.Bool:
		out := make([]bool, n)
		for i := 0; i < n; i++ {
			src := y
			if pick[i] {
				src = x
			}
			if missing(src, i) {
				setMissing(i)
				continue
			}
			out[i] = src.B[i]
		}
		return &col.Column{Type: t, N: n, B: out, Valid: valid}, nil
	default:
		out := make([]int64, n)
		for i := 0; i < n; i++ {
			src := y
			if pick[i] {
				src = x
			}
			switch {
			case missing(src, i):
				setMissing(i)
			case src.Type.IsFloat():
				out[i] = int64(src.F64[i]) // an integral float scalar the int column holds
			default:
				out[i] = asInt(src, i)
			}
		}
		if t == ir.Int32 {
			for i := range out {
				out[i] = int64(int32(out[i]))
			}
		}
		return &col.Column{Type: t, N: n, I64: out, Valid: valid}, nil
	}
}

func mapStrings(x *col.Column, f func(string) string) *col.Column {
	b := col.NewStringBuilder(x.N)
	for i := 0; i < x.N; i++ {
		if !x.IsValid(i) {
			b.AppendNull()
			continue
		}
		b.Append(f(x.Str(i)))
	}
	return b.Finish()
}

// strPredicate is str.contains/startswith/endswith as pandas 3 runs them on
// Arrow-backed str columns: RE2 regexes (Go's regexp has RE2's syntax and
// semantics), substring search, and case-insensitive matching by RE2's
// Unicode simple case folding (also for regex=False). Missing values give
// na (False by default).
//
// Options set by the Python API where pandas itself would fall back to
// Python's re module for some data: ascii_only (the pattern uses \w, \d or
// \b, which RE2 reads as ASCII-only) and no_newline (the pattern uses $,
// which Python also matches before a final newline). A row that would take
// that fallback is a NotImplemented error rather than a different answer.
func strPredicate(e *ir.Expr, x *col.Column, n int) (*col.Column, error) {
	pat, _ := e.Opts["pat"].(string)
	caseSens := true
	if v, ok := e.Opts["case"].(bool); ok {
		caseSens = v
	}
	naVal := false
	if v, ok := e.Opts["na"].(bool); ok {
		naVal = v
	}
	asciiOnly, _ := e.Opts["ascii_only"].(bool)
	noNewline, _ := e.Opts["no_newline"].(bool)
	var test func(s string) bool
	switch e.Name {
	case "str_startswith":
		test = func(s string) bool { return strings.HasPrefix(s, pat) }
	case "str_endswith":
		test = func(s string) bool { return strings.HasSuffix(s, pat) }
	default:
		regex := true
		if v, ok := e.Opts["regex"].(bool); ok {
			regex = v
		}
		switch {
		case regex || !caseSens:
			p := pat
			if !regex {
				p = regexp.QuoteMeta(pat)
			}
			if !caseSens {
				p = "(?i)" + p
			}
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, ir.Errorf("NotImplemented", "str.contains: pattern %q is not supported by flern's regex engine (RE2 syntax): %v", pat, err)
			}
			test = re.MatchString
		default:
			test = func(s string) bool { return strings.Contains(s, pat) }
		}
	}
	out := make([]bool, n)
	for i := 0; i < n; i++ {
		if !x.IsValid(i) {
			out[i] = naVal
			continue
		}
		s := x.Str(i)
		if asciiOnly && !isASCII(s) {
			return nil, ir.Errorf("NotImplemented", "str.contains(%q) on non-ASCII text: pandas matches \\w, \\d and \\b with Python's re (Unicode-aware) there", pat)
		}
		if noNewline && strings.Contains(s, "\n") {
			return nil, ir.Errorf("NotImplemented", "str.contains(%q) on text with a newline: pandas matches $ with Python's re there", pat)
		}
		out[i] = test(s)
	}
	return col.NewBool(out), nil
}

// errNoMissing is the error for a result typed float64 because its input
// may hold missing values, when this data holds none: pandas decides by the
// data and would return what.
func errNoMissing(what, pandasType string) error {
	return ir.Errorf("NotImplemented", "%s of a column that may hold missing values but holds none here (pandas returns %s then, flern's plan float64)", what, pandasType)
}

func dtField(fn string, x *col.Column, t ir.DType, n int) (*col.Column, error) {
	get := func(i int) int64 {
		v := x.I64[i]
		var tm time.Time
		if x.Type == ir.DatetimeNS {
			tm = time.Unix(0, v).UTC()
		} else {
			tm = time.UnixMicro(v).UTC()
		}
		switch fn {
		case "dt_year":
			return int64(tm.Year())
		case "dt_month":
			return int64(tm.Month())
		}
		return int64(tm.Day())
	}
	if t.IsFloat() {
		if !x.HasNulls() {
			return nil, errNoMissing("."+strings.Replace(fn, "_", ".", 1), "int32")
		}
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			if !x.IsValid(i) {
				out[i] = math.NaN()
			} else {
				out[i] = float64(get(i))
			}
		}
		return col.NewFloat64(out), nil
	}
	out := make([]int64, n)
	for i := 0; i < n; i++ {
		out[i] = get(i)
	}
	return &col.Column{Type: t, N: n, I64: out}, nil
}

// strSlice is pandas' str.slice(start, stop) / str[start:stop]: Python
// slicing of each value's code points (opts start, stop; absent is an open
// end). Missing values stay missing.
func strSlice(e *ir.Expr, x *col.Column) *col.Column {
	start, hasStart := optInt(e.Opts["start"])
	stop, hasStop := optInt(e.Opts["stop"])
	return mapStrings(x, func(s string) string {
		if isASCII(s) {
			lo, hi := pySliceBounds(len(s), start, hasStart, stop, hasStop)
			return s[lo:hi]
		}
		r := []rune(s)
		lo, hi := pySliceBounds(len(r), start, hasStart, stop, hasStop)
		return string(r[lo:hi])
	})
}

// optInt reads an integer option (JSON numbers decode as float64 or int64).
func optInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case int64:
		return int(x), true
	case int:
		return x, true
	}
	return 0, false
}

// pySliceBounds clamps a Python slice [start:stop] (step 1) of a length-n
// sequence to 0 <= lo <= hi <= n.
func pySliceBounds(n, start int, hasStart bool, stop int, hasStop bool) (int, int) {
	norm := func(i int) int {
		if i < 0 {
			i += n
			if i < 0 {
				i = 0
			}
		}
		if i > n {
			i = n
		}
		return i
	}
	lo, hi := 0, n
	if hasStart {
		lo = norm(start)
	}
	if hasStop {
		hi = norm(stop)
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// isin is pandas' Series.isin(list): whether each value equals one of the
// literal columns vals (numbers compare by value, 1 == 1.0). A missing value
// is in the list when the list holds NaN (float columns) or a missing value,
// None or NaN (str columns); NaT is never in it (pandas).
func isin(x *col.Column, vals []*col.Column, n int) *col.Column {
	out := make([]bool, n)
	naIn := false
	for _, v := range vals {
		if v.N > 0 && v.IsNA(0) && (x.Type == ir.String || x.Type.IsFloat() && v.Type.IsFloat()) {
			naIn = true
		}
	}
	for i := 0; i < n; i++ {
		if x.IsNA(i) {
			out[i] = naIn
			continue
		}
		for _, v := range vals {
			if v.N == 0 || v.IsNA(0) || !frame.IsinCompatible(x.Type, v.Type) {
				continue
			}
			if isinEqual(x, i, v) {
				out[i] = true
				break
			}
		}
	}
	return col.NewBool(out)
}

// isinEqual compares row i of x with row 0 of v (types IsinCompatible).
func isinEqual(x *col.Column, i int, v *col.Column) bool {
	switch {
	case x.Type == ir.String:
		return x.Str(i) == v.Str(0)
	case x.Type == ir.Bool:
		return x.B[i] == v.B[0]
	case x.Type.IsInt() && v.Type.IsInt(), x.Type.IsDatetime():
		return x.I64[i] == v.I64[0]
	}
	return asFloat(x, i) == asFloat(v, 0)
}
