// Package codegen turns a loop of golib/lower into native code: it emits C
// (Emit), compiles it with the system C compiler (cc -O3 -march=native
// -shared -fPIC), caches the shared object on disk under the user's cache
// directory keyed by sha256(code, compiler identity, flags, CPU), and loads
// it with dlopen (loader.go, the package's only cgo file).
//
// Every kernel has one fixed signature, so one cgo trampoline calls any
// kernel:
//
//	void flern_kernel(const uintptr_t *in, const uintptr_t *out, int64_t begin, int64_t end);
//
// in[i] is the address of input buffer i (element 0); out[b] is, per
// builder b: the output vector (append), one fl_acc (merge), an array of
// fl_acc indexed by group id (group_merge) or of double (vec_merge). The
// kernel runs rows [begin, end); callers split rows into morsels.
//
// The C never contains user text: identifiers are generated (in0, t3, o1)
// and constants are numbers printed by Go (floats in hex, exact).
package codegen

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

const prelude = `#include <stdint.h>
#include <math.h>
typedef struct { double f; int64_t i; int64_t n; int64_t nan; } fl_acc;
static inline double fl_max(double x, double y) {
	if (x != x || y != y) return NAN;
	if (x > y) return x;
	if (y > x) return y;
	return signbit(x) ? y : x; /* equal: +0 wins, as Go's math.Max */
}
static inline double fl_min(double x, double y) {
	if (x != x || y != y) return NAN;
	if (x < y) return x;
	if (y < x) return y;
	return signbit(x) ? x : y; /* equal: -0 wins, as Go's math.Min */
}
static inline float fl_maxf(float x, float y) { return (float)fl_max(x, y); }
static inline float fl_minf(float x, float y) { return (float)fl_min(x, y); }
`

func ctype(t ir.DType) string {
	switch t {
	case ir.Float32:
		return "float"
	case ir.Float64:
		return "double"
	case ir.Int64:
		return "int64_t"
	}
	return "uint8_t"
}

// Emit returns the C source of the loop's kernel.
func Emit(l *lower.Loop) (string, error) {
	if err := l.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(prelude)
	b.WriteString("void flern_kernel(const uintptr_t *in, const uintptr_t *out, int64_t begin, int64_t end) {\n")
	for i, in := range l.Inputs {
		fmt.Fprintf(&b, "\tconst %s *restrict in%d = (const %s *)in[%d];\n", ctype(in.Type), i, ctype(in.Type), i)
	}
	for i, bl := range l.Builders {
		switch bl.Kind {
		case lower.Append:
			restrict := "restrict "
			if bl.Stride > 0 {
				restrict = "" // the strided outputs share one matrix
			}
			fmt.Fprintf(&b, "\t%s *%so%d = (%s *)out[%d];\n", ctype(bl.Type), restrict, i, ctype(bl.Type), i)
		case lower.Merge:
			fmt.Fprintf(&b, "\tfl_acc *o%d = (fl_acc *)out[%d];\n", i, i)
			fmt.Fprintf(&b, "\tdouble m%d_f = o%d->f; int64_t m%d_i = o%d->i, m%d_n = o%d->n, m%d_nan = o%d->nan;\n", i, i, i, i, i, i, i, i)
		case lower.GroupMerge:
			fmt.Fprintf(&b, "\tfl_acc *restrict o%d = (fl_acc *)out[%d];\n", i, i)
		case lower.VecMerge:
			fmt.Fprintf(&b, "\tdouble *restrict o%d = (double *)out[%d];\n", i, i)
		}
	}
	b.WriteString("\tfor (int64_t i = begin; i < end; i++) {\n")
	for k, ins := range l.Body {
		expr, err := instrC(l, k, ins)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\t\t%s t%d = %s;\n", ctype(ins.Type), k, expr)
	}
	if l.Filter >= 0 {
		fmt.Fprintf(&b, "\t\tif (!t%d) continue;\n", l.Filter)
	}
	if l.Group >= 0 {
		fmt.Fprintf(&b, "\t\tif (in%d[i] < 0) continue; /* a dropped row (null key) */\n", l.Group)
	}
	for i, bl := range l.Builders {
		v := fmt.Sprintf("t%d", bl.Value)
		t := l.Body[bl.Value].Type
		switch bl.Kind {
		case lower.Append:
			if bl.Stride > 0 {
				fmt.Fprintf(&b, "\t\to%d[i * %d + %d] = %s;\n", i, bl.Stride, bl.Offset, v)
			} else {
				fmt.Fprintf(&b, "\t\to%d[i] = %s;\n", i, v)
			}
		case lower.Merge:
			emitAcc(&b, bl, t, v, fmt.Sprintf("m%d_", i), "")
		case lower.GroupMerge:
			fmt.Fprintf(&b, "\t\t{ fl_acc *a = &o%d[in%d[i]];\n", i, l.Group)
			emitAcc(&b, bl, t, v, "a->", "")
			b.WriteString("\t\t}\n")
		case lower.VecMerge:
			fmt.Fprintf(&b, "\t\to%d[in%d[i]] += (double)%s;\n", i, l.Group, v)
		}
	}
	b.WriteString("\t}\n")
	for i, bl := range l.Builders {
		if bl.Kind == lower.Merge {
			fmt.Fprintf(&b, "\to%d->f = m%d_f; o%d->i = m%d_i; o%d->n = m%d_n; o%d->nan = m%d_nan;\n", i, i, i, i, i, i, i, i)
		}
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// emitAcc feeds value v (of type t) to the accumulator whose fields are
// named p+"f", p+"i", p+"n", p+"nan" (locals m0_f or a->f).
func emitAcc(b *strings.Builder, bl lower.Builder, t ir.DType, v, p, _ string) {
	f, i, n, nan := p+"f", p+"i", p+"n", p+"nan"
	if t == ir.Float32 || t == ir.Float64 {
		if bl.SkipNaN {
			fmt.Fprintf(b, "\t\tif (%s == %s) {", v, v)
		} else {
			fmt.Fprintf(b, "\t\tif (%s != %s) %s = 1; else {", v, v, nan)
		}
		switch bl.Agg {
		case "sum":
			fmt.Fprintf(b, " %s += (double)%s;", f, v)
		case "min":
			fmt.Fprintf(b, " if (%s == 0 || (double)%s < %s) %s = (double)%s;", n, v, f, f, v)
		case "max":
			fmt.Fprintf(b, " if (%s == 0 || (double)%s > %s) %s = (double)%s;", n, v, f, f, v)
		}
		fmt.Fprintf(b, " %s++; }\n", n)
		return
	}
	switch bl.Agg {
	case "sum":
		fmt.Fprintf(b, "\t\t%s = (int64_t)((uint64_t)%s + (uint64_t)(int64_t)%s);", i, i, v)
	case "min":
		fmt.Fprintf(b, "\t\tif (%s == 0 || (int64_t)%s < %s) %s = (int64_t)%s;", n, v, i, i, v)
	case "max":
		fmt.Fprintf(b, "\t\tif (%s == 0 || (int64_t)%s > %s) %s = (int64_t)%s;", n, v, i, i, v)
	default:
		b.WriteString("\t\t")
	}
	fmt.Fprintf(b, " %s++;\n", n)
}

// constC prints a constant of type t exactly.
func constC(v ir.Value, t ir.DType) string {
	switch t {
	case ir.Float32, ir.Float64:
		x := v.F
		if v.Type.IsInt() {
			x = float64(v.I)
		}
		if t == ir.Float32 {
			x = float64(float32(x))
		}
		var s string
		switch {
		case math.IsNaN(x):
			s = "NAN"
		case math.IsInf(x, 1):
			s = "INFINITY"
		case math.IsInf(x, -1):
			s = "(-INFINITY)"
		default:
			s = "(" + strconv.FormatFloat(x, 'x', -1, 64) + ")"
		}
		return "(" + ctype(t) + ")" + s
	case ir.Int64:
		if v.I == math.MinInt64 {
			return "(-INT64_MAX - 1)"
		}
		return "INT64_C(" + strconv.FormatInt(v.I, 10) + ")"
	}
	if v.B {
		return "1"
	}
	return "0"
}

var cmpOps = map[string]string{"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}

func instrC(l *lower.Loop, k int, ins lower.Instr) (string, error) {
	a := make([]string, len(ins.Args))
	for i, x := range ins.Args {
		a[i] = fmt.Sprintf("t%d", x)
	}
	t := ins.Type
	ct := ctype(t)
	switch ins.Op {
	case "load":
		if l.Inputs[ins.Input].Scalar {
			return fmt.Sprintf("in%d[0]", ins.Input), nil
		}
		return fmt.Sprintf("in%d[i]", ins.Input), nil
	case "const":
		return constC(ins.Const, t), nil
	case "cast":
		from := l.Body[ins.Args[0]].Type
		if t == ir.Bool {
			return fmt.Sprintf("(uint8_t)(%s != 0)", a[0]), nil
		}
		if t == ir.Int64 && (from == ir.Float32 || from == ir.Float64) {
			return "", fmt.Errorf("codegen: float -> int64 cast is not lowered")
		}
		return fmt.Sprintf("(%s)%s", ct, a[0]), nil
	case "where":
		return fmt.Sprintf("%s ? %s : %s", a[0], a[1], a[2]), nil
	case "and":
		return fmt.Sprintf("(uint8_t)(%s & %s)", a[0], a[1]), nil
	case "or":
		return fmt.Sprintf("(uint8_t)(%s | %s)", a[0], a[1]), nil
	case "not":
		return fmt.Sprintf("(uint8_t)!%s", a[0]), nil
	}
	if op, ok := cmpOps[ins.Op]; ok {
		return fmt.Sprintf("(uint8_t)(%s %s %s)", a[0], op, a[1]), nil
	}
	switch t {
	case ir.Bool:
		switch ins.Op {
		case "add", "maximum":
			return fmt.Sprintf("(uint8_t)(%s | %s)", a[0], a[1]), nil
		case "mul", "minimum":
			return fmt.Sprintf("(uint8_t)(%s & %s)", a[0], a[1]), nil
		}
	case ir.Int64:
		u := func(op string) string {
			return fmt.Sprintf("(int64_t)((uint64_t)%s %s (uint64_t)%s)", a[0], op, a[1])
		}
		switch ins.Op {
		case "add":
			return u("+"), nil
		case "sub":
			return u("-"), nil
		case "mul":
			return u("*"), nil
		case "neg":
			return fmt.Sprintf("(int64_t)(0 - (uint64_t)%s)", a[0]), nil
		case "abs":
			return fmt.Sprintf("%s < 0 ? (int64_t)(0 - (uint64_t)%s) : %s", a[0], a[0], a[0]), nil
		case "relu":
			return fmt.Sprintf("%s > 0 ? %s : 0", a[0], a[0]), nil
		case "maximum":
			return fmt.Sprintf("%s > %s ? %s : %s", a[0], a[1], a[0], a[1]), nil
		case "minimum":
			return fmt.Sprintf("%s < %s ? %s : %s", a[0], a[1], a[0], a[1]), nil
		}
	case ir.Float32, ir.Float64:
		f32 := t == ir.Float32
		// functions computed in double and rounded once (the interpreter's
		// definition); + - * / sqrt are exact in float.
		dbl := func(format string) string {
			s := fmt.Sprintf(format, a2any(a)...)
			if f32 {
				return "(float)(" + s + ")"
			}
			return s
		}
		switch ins.Op {
		case "add":
			return a[0] + " + " + a[1], nil
		case "sub":
			return a[0] + " - " + a[1], nil
		case "mul":
			return a[0] + " * " + a[1], nil
		case "div":
			return a[0] + " / " + a[1], nil
		case "neg":
			return "-" + a[0], nil
		case "abs":
			if f32 {
				return "fabsf(" + a[0] + ")", nil
			}
			return "fabs(" + a[0] + ")", nil
		case "sqrt":
			if f32 {
				return "sqrtf(" + a[0] + ")", nil
			}
			return "sqrt(" + a[0] + ")", nil
		case "relu":
			return fmt.Sprintf("(%s > 0 || %s != %s) ? %s : (%s)0", a[0], a[0], a[0], a[0], ct), nil
		case "maximum", "minimum":
			fn := "fl_" + ins.Op[:3]
			if f32 {
				fn += "f"
			}
			return fmt.Sprintf("%s(%s, %s)", fn, a[0], a[1]), nil
		case "exp", "log", "tanh":
			return dbl(ins.Op + "((double)%s)"), nil
		case "sigmoid":
			return dbl("1.0 / (1.0 + exp(-(double)%s))"), nil
		case "pow":
			return dbl("pow((double)%s, (double)%s)"), nil
		}
	}
	return "", fmt.Errorf("codegen: no C for %s on %s", ins.Op, t)
}

func a2any(a []string) []any {
	out := make([]any, len(a))
	for i, s := range a {
		out[i] = s
	}
	return out
}
