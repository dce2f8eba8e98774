package interp

// astype: conversions between dtypes with numpy/pandas semantics, and the
// Python number parsing and formatting they need.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

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
	if v, ok := plainDecimal(s); ok { // the common case, without the general checks
		return v, nil
	}
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

// plainDecimal parses an optional sign and 1 to 18 ASCII digits (nothing
// else: no spaces, underscores), which int() reads as strconv does.
func plainDecimal(s string) (int64, bool) {
	neg, i := false, 0
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, i = s[0] == '-', 1
	}
	if len(s)-i < 1 || len(s)-i > 18 {
		return 0, false
	}
	var v int64
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + int64(d)
	}
	if neg {
		v = -v
	}
	return v, true
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
