package interp

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flern/flern/golib/col"
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
		return compare(e.Name, a[0], a[1], n)
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
				return PyUpper(s)
			}
			return PyLower(s)
		}), nil
	case "str_len":
		x := a[0]
		if e.Type == ir.Float64 {
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
		b := col.NewStringBuilder(n)
		for i := 0; i < n; i++ {
			if !x.IsValid(i) || !y.IsValid(i) {
				b.AppendNull()
				continue
			}
			b.Append(x.Str(i) + y.Str(i))
		}
		return b.Finish(), nil
	}
	if t.IsFloat() {
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			p, q := asFloat(x, i), asFloat(y, i)
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
				r = pyFloorDiv(p, q)
			case "mod":
				r = pyFloatMod(p, q)
			case "pow":
				r = math.Pow(p, q)
			}
			out[i] = roundTo(t, r)
		}
		return &col.Column{Type: t, N: n, F64: out}, nil
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

func opName(fn string) string {
	if fn == "mod" {
		return "modulo"
	}
	return "floor division"
}

func pyFloorDiv(p, q float64) float64 {
	if q == 0 {
		return p / q // inf / nan, as numpy
	}
	return math.Floor(p / q)
}

func pyFloatMod(p, q float64) float64 {
	if q == 0 {
		return math.NaN()
	}
	m := math.Mod(p, q)
	if m != 0 && (m < 0) != (q < 0) {
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
			out[i] = cmpResult(fn, cmpInt(x.I64[i]*sx, y.I64[i]*sy))
		}
	case (kindX.IsInt() || kindX == ir.Bool) && (kindY.IsInt() || kindY == ir.Bool):
		for i := 0; i < n; i++ {
			out[i] = cmpResult(fn, cmpInt(asInt(x, i), asInt(y, i)))
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
			out[i] = cmpResult(fn, cmpFloat(p, q))
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

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
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
		return x, nil
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
		out := make([]int64, n)
		for i := 0; i < n; i++ {
			if x.IsValid(i) {
				out[i] = x.I64[i]
			} else {
				out[i] = v.I64[i]
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
					return nil, ir.Errorf("Value", "could not convert string to float: %q", x.Str(i))
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
					return nil, ir.Errorf("Value", "cannot convert NA to integer")
				}
				v, err := strconv.ParseInt(strings.TrimSpace(x.Str(i)), 10, 64)
				if err != nil {
					return nil, ir.Errorf("Value", "invalid literal for int() with base 10: %q", x.Str(i))
				}
				out[i] = v
			case from.IsFloat():
				f := x.F64[i]
				if math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, ir.Errorf("Value", "Cannot convert non-finite values (NA or inf) to integer")
				}
				out[i] = int64(f)
			default:
				out[i] = asInt(x, i)
			}
			if t == ir.Int32 {
				out[i] = int64(int32(out[i]))
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

func floorDivInt(a, b int64) int64 {
	d := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		d--
	}
	return d
}

func parsePyFloat(s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "nan", "+nan", "-nan":
		return math.NaN(), nil
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), nil
	case "-inf", "-infinity":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
}

// PyFloatRepr formats f as Python's repr(float) does (str(np.float32) when
// f32 is set): shortest round-trip digits, fixed notation for exponents in
// [-4, 16), scientific otherwise ("1e+16", "1.5e-05").
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
	var out string
	if exp >= -4 && exp < 16 {
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
	idxX := make([]int, n)
	pick := make([]bool, n)
	for i := 0; i < n; i++ {
		pick[i] = c.B[i] && c.IsValid(i)
		idxX[i] = i
	}
	switch {
	case t.IsFloat():
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			src := y
			if pick[i] {
				src = x
			}
			if !src.IsValid(i) {
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
			if !src.IsValid(i) || src.Type == ir.Null {
				b.AppendNull()
			} else {
				b.AppendBytes(src.StrBytes(i))
			}
		}
		return b.Finish(), nil
	case t == ir.Bool:
		out := make([]bool, n)
		var valid []byte
		for i := 0; i < n; i++ {
			src := y
			if pick[i] {
				src = x
			}
			if !src.IsValid(i) || src.Type == ir.Null {
				if valid == nil {
					valid = col.NewBitmap(n, true)
				}
				col.SetBit(valid, i, false)
				continue
			}
			out[i] = src.B[i]
		}
		return &col.Column{Type: t, N: n, B: out, Valid: valid}, nil
	default:
		out := make([]int64, n)
		var valid []byte
		for i := 0; i < n; i++ {
			src := y
			if pick[i] {
				src = x
			}
			if !src.IsValid(i) || src.Type == ir.Null {
				if valid == nil {
					valid = col.NewBitmap(n, true)
				}
				col.SetBit(valid, i, false)
				continue
			}
			out[i] = asInt(src, i)
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
		if regex {
			p := pat
			if !caseSens {
				p = "(?i)" + p
			}
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, ir.Errorf("NotImplemented", "str.contains: pattern %q is not supported by flern's regex engine (RE2 syntax): %v", pat, err)
			}
			test = re.MatchString
		} else if caseSens {
			test = func(s string) bool { return strings.Contains(s, pat) }
		} else {
			lp := PyLower(pat)
			test = func(s string) bool { return strings.Contains(PyLower(s), lp) }
		}
	}
	out := make([]bool, n)
	for i := 0; i < n; i++ {
		if !x.IsValid(i) {
			out[i] = naVal
			continue
		}
		out[i] = test(x.Str(i))
	}
	return col.NewBool(out), nil
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
