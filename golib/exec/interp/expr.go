package interp

import (
	"cmp"
	"fmt"
	"math"
	"strings"
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
	if e.Name == "isin" && len(e.Args) > 0 && litArgs(e.Args[1:]) { // the list: one row per value, not broadcast
		x, err := Eval(e.Args[0], f)
		if err != nil {
			return nil, err
		}
		vals := make([]*col.Column, len(e.Args)-1)
		for i, a := range e.Args[1:] {
			vals[i] = broadcast(a.Lit, a.Type, 1)
		}
		return isin(x, vals, f.N), nil
	}
	if e.Name == "category_code" && len(e.Args) > 0 { // literal categories: not broadcast
		x, err := Eval(e.Args[0], f)
		if err != nil {
			return nil, err
		}
		cats := make([]string, len(e.Args)-1)
		for i, a := range e.Args[1:] {
			cats[i] = a.Lit.S
		}
		return categoryCode(x, cats, f.N), nil
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
	case "str_slice":
		return strSlice(e, a[0]), nil
	case "isin":
		return isin(a[0], a[1:], n), nil
	case "category_code":
		cats := make([]string, len(a)-1)
		for i, c := range a[1:] {
			cats[i] = c.Str(0)
		}
		return categoryCode(a[0], cats, n), nil
	}
	if frame.IsDatetimeField(e.Name) {
		return dtField(e.Name, a[0], e.Type, n)
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

// isin is pandas' Series.isin(list): whether each value equals one of the
// literal columns vals (numbers compare by value, 1 == 1.0). A missing value
// is in the list when the list holds NaN (float columns) or a missing value,
// None or NaN (str columns); NaT is never in it (pandas).
func isin(x *col.Column, vals []*col.Column, n int) *col.Column {
	if out := isinFast(x, vals, n); out != nil {
		return out
	}
	return isinRows(x, vals, n)
}

// isinRows is isin row by row, each row against each value: the
// definition isinFast (isin.go) is tested against.
func isinRows(x *col.Column, vals []*col.Column, n int) *col.Column {
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

// categoryCode is category_code: the position of each row's string among
// cats (the first equal one), len(cats) for a missing row or another value.
// CategoryCode is category_code(x, cats...) over x's rows (the runtime reads
// it for a column's distinct values, colcodes).
func CategoryCode(x *col.Column, cats []string) *col.Column { return categoryCode(x, cats, x.N) }

func categoryCode(x *col.Column, cats []string, n int) *col.Column {
	none := int64(len(cats))
	out := make([]int64, n)
	if len(cats) <= 8 { // a few categories: compared in order (the first equal one wins)
		for i := 0; i < n; i++ {
			c := none
			if !x.IsNA(i) {
				s := x.StrBytes(i)
				for k, cat := range cats {
					if len(cat) == len(s) && string(s) == cat {
						c = int64(k)
						break
					}
				}
			}
			out[i] = c
		}
		return col.NewInt64(out)
	}
	codes := make(map[string]int64, len(cats))
	for k := len(cats) - 1; k >= 0; k-- { // the first of equal categories wins
		codes[cats[k]] = int64(k)
	}
	for i := 0; i < n; i++ {
		c := none
		if !x.IsNA(i) {
			if k, ok := codes[string(x.StrBytes(i))]; ok {
				c = k
			}
		}
		out[i] = c
	}
	return col.NewInt64(out)
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
