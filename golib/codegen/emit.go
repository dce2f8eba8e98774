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
// fl_acc indexed by group id (group_merge) or the [size, W] matrix
// (vec_merge); a compacting loop (lower.Loop.Compacts) has one more slot,
// an int64_t that receives the number of rows selected, and a scatter loop
// (lower.Loop.Scatters) one more holding two int64_t, the target rows
// [lo, hi) this run adds to (indices outside them are skipped, so a kernel
// never writes out of bounds). The kernel runs rows [begin, end); callers
// split rows into morsels.
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
` + mathPrelude

// mathPrelude holds exp, tanh and sigmoid in double precision written
// without calls or branches, so that loops using them vectorize (libm's
// are scalar calls: a float32 tanh over 4M elements took 145 ms through
// libm, 9 ms with fl_tanh on one core). Accuracy against a long double
// reference over 20M arguments (normal, tiny, huge, subnormal results):
// fl_exp <= 1 ulp, fl_tanh <= 2.6 ulp (libm's tanh is not correctly rounded
// either), and rounded to float32 all 20M equal the correctly rounded
// value. NaN propagates through the arithmetic; the range clamps keep the
// integer exponent arithmetic in range.
const mathPrelude = `static inline double fl_bits2d(uint64_t u) { double d; __builtin_memcpy(&d, &u, 8); return d; }
static inline uint64_t fl_d2bits(double d) { uint64_t u; __builtin_memcpy(&u, &d, 8); return u; }
/* e^r - 1 for |r| <= ln2/2: Taylor series to r^14 (truncation < 1e-17) */
static inline double fl_expm1_poly(double r) {
	double p = 1.0 / 87178291200.0;
	p = p * r + 1.0 / 6227020800.0;
	p = p * r + 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	return (p * r) * r + r;
}
/* x = k ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 in two parts); the
   nearest integer k comes from the low bits of x/ln2 + 1.5*2^52 */
static inline double fl_reduce(double x, int64_t *k) {
	double kd = x * 1.4426950408889634 + 0x1.8p52;
	*k = (int64_t)(fl_d2bits(kd) - fl_d2bits(0x1.8p52));
	kd -= 0x1.8p52;
	return (x - kd * 0x1.62e42fee00000p-1) - kd * 0x1.a39ef35793c76p-33;
}
/* 2^k for k in [-1022, 1023] */
static inline double fl_pow2(int64_t k) { return fl_bits2d((uint64_t)(k + 1023) << 52); }
static inline double fl_exp(double x) {
	double xc = x > 709.8 ? 709.8 : x;
	xc = xc < -745.2 ? -745.2 : xc; /* beyond: inf and 0; NaN stays NaN */
	int64_t k;
	double r = fl_reduce(xc, &k);
	int64_t k1 = k >> 1; /* 2^k in two factors: subnormal results, k = 1024 */
	return (fl_expm1_poly(r) + 1.0) * fl_pow2(k1) * fl_pow2(k - k1);
}
/* e^x - 1 for x <= 709.8; below -60 it is -1 to double precision */
static inline double fl_expm1(double x) {
	double xc = x > 709.8 ? 709.8 : x;
	xc = xc < -60.0 ? -60.0 : xc;
	int64_t k;
	double r = fl_reduce(xc, &k);
	double s = fl_pow2(k);
	return s * fl_expm1_poly(r) + (s - 1.0);
}
/* tanh |x| = -m / (2 + m) with m = e^(-2|x|) - 1: no cancellation near 0 */
static inline double fl_tanh(double x) {
	double m = fl_expm1(-2.0 * fabs(x));
	return copysign(-m / (2.0 + m), x);
}
static inline double fl_sigmoid(double x) { return 1.0 / (1.0 + fl_exp(-x)); }
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

// streamBlock is the number of rows a streaming kernel computes into a
// local buffer before storing them to memory with non-temporal stores.
const streamBlock = 256

// Emit returns the C source of the loop's kernel.
//
// A loop whose builders are all Append (one output vector each, or one
// shared row-major matrix) also gets flern_kernel_stream: the same loop,
// computed in blocks of streamBlock rows into a local buffer that is then
// written with non-temporal (streaming) stores. For outputs larger than the
// cache this skips reading every output line before it is overwritten (a
// third of a copy loop's memory traffic); the runtime picks it by output
// size (Kernel.Range). It needs the block's output address 64-byte aligned
// and falls back to the plain loop otherwise.
func Emit(l *lower.Loop) (string, error) {
	if err := l.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(prelude)
	stream := streamable(l)
	if stream {
		b.WriteString(streamPrelude)
	}
	b.WriteString("void flern_kernel(const uintptr_t *in, const uintptr_t *out, int64_t begin, int64_t end) {\n")
	emitDecls(&b, l)
	if l.Scatters() {
		// index rows r of W rows each; the rows of an index outside this
		// run's target rows are not even computed
		fmt.Fprintf(&b, "\tconst int64_t W = %d;\n", l.ScatterWidth())
		fmt.Fprintf(&b, "\tconst int64_t lo = ((const int64_t *)out[%d])[0], hi = ((const int64_t *)out[%d])[1];\n", len(l.Builders), len(l.Builders))
		b.WriteString("\tfor (int64_t r = begin / W; r * W < end; r++) {\n")
		fmt.Fprintf(&b, "\t\tconst int64_t d = in%d[r];\n", l.Group)
		b.WriteString("\t\tif (d < lo || d >= hi) continue;\n")
		b.WriteString("\t\tconst int64_t base = r * W;\n")
		b.WriteString("\t\tconst int64_t first = base > begin ? base : begin, stop = base + W < end ? base + W : end;\n")
		b.WriteString("\t\tfor (int64_t j = first; j < stop; j++) {\n")
		if err := emitBody(&b, l, "j", "\t\t\t", nil); err != nil {
			return "", err
		}
		b.WriteString("\t\t}\n\t}\n}\n")
		return b.String(), nil
	}
	if l.Compacts() {
		b.WriteString("\tint64_t k = begin; /* where the next selected row goes */\n")
	}
	if l.Width > 0 {
		// rows as a matrix of Width columns: row r's columns run in an
		// inner loop, where inner broadcast inputs are contiguous and
		// outer ones constant
		fmt.Fprintf(&b, "\tconst int64_t W = %d;\n", l.Width)
		b.WriteString("\tfor (int64_t i = begin; i < end;) {\n")
		b.WriteString("\t\tconst int64_t r = i / W, base = r * W;\n")
		b.WriteString("\t\tconst int64_t stop = base + W < end ? base + W : end;\n")
		b.WriteString("\t\tfor (int64_t j = i; j < stop; j++) {\n")
		if err := emitBody(&b, l, "j", "\t\t\t", nil); err != nil {
			return "", err
		}
		b.WriteString("\t\t}\n\t\ti = stop;\n\t}\n")
	} else {
		b.WriteString("\tfor (int64_t i = begin; i < end; i++) {\n")
		if err := emitBody(&b, l, "i", "\t\t", nil); err != nil {
			return "", err
		}
		b.WriteString("\t}\n")
	}
	for i, bl := range l.Builders {
		if bl.Kind == lower.Merge {
			fmt.Fprintf(&b, "\to%d->f = m%d_f; o%d->i = m%d_i; o%d->n = m%d_n; o%d->nan = m%d_nan;\n", i, i, i, i, i, i, i, i)
		}
	}
	if l.Compacts() { // the slot after the builders' receives the count
		fmt.Fprintf(&b, "\t*(int64_t *)out[%d] = k - begin;\n", len(l.Builders))
	}
	b.WriteString("}\n")
	if stream {
		if err := emitStream(&b, l); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// streamable reports whether the loop gets a streaming variant: only
// Append builders, all plain or all strided into one matrix.
func streamable(l *lower.Loop) bool {
	if len(l.Builders) == 0 || l.Filter >= 0 || l.Group >= 0 || l.Width > 0 {
		return false
	}
	first := l.Builders[0]
	for _, bl := range l.Builders {
		if bl.Kind != lower.Append || bl.Stride != first.Stride {
			return false
		}
		if bl.Stride > 0 && bl.Type != first.Type {
			return false
		}
	}
	// a strided block buffer holds streamBlock rows of the matrix: at most
	// 64 KiB on the kernel's stack
	return first.Stride == 0 || first.Stride*elemSize(first.Type)*streamBlock <= 64<<10
}

func elemSize(t ir.DType) int {
	switch t {
	case ir.Float32:
		return 4
	case ir.Bool:
		return 1
	}
	return 8
}

const streamPrelude = `#if defined(__SSE2__)
#include <immintrin.h>
#endif
#include <string.h>
/* fl_stream copies n bytes (a multiple of 64) from the 64-byte aligned
   buffer src to the 64-byte aligned dst with non-temporal stores. */
static inline void fl_stream(void *dst, const void *src, int64_t n) {
#if defined(__AVX512F__)
	for (int64_t k = 0; k < n; k += 64) _mm512_stream_si512((void *)((char *)dst + k), _mm512_load_si512((const void *)((const char *)src + k)));
#elif defined(__AVX__)
	for (int64_t k = 0; k < n; k += 32) _mm256_stream_si256((__m256i *)((char *)dst + k), _mm256_load_si256((const __m256i *)((const char *)src + k)));
#elif defined(__SSE2__)
	for (int64_t k = 0; k < n; k += 16) _mm_stream_si128((__m128i *)((char *)dst + k), _mm_load_si128((const __m128i *)((const char *)src + k)));
#else
	memcpy(dst, src, (size_t)n);
#endif
}
static inline void fl_stream_fence(void) {
#if defined(__SSE2__)
	_mm_sfence();
#endif
}
`

// emitDecls declares the kernel's input and output pointers (and the
// Merge builders' local accumulators).
func emitDecls(b *strings.Builder, l *lower.Loop) {
	for i, in := range l.Inputs {
		fmt.Fprintf(b, "\tconst %s *restrict in%d = (const %s *)in[%d];\n", ctype(in.Type), i, ctype(in.Type), i)
	}
	k := len(l.Inputs) // an indexed input's codes follow the inputs, in input order
	for i, in := range l.Inputs {
		if in.Indexed {
			fmt.Fprintf(b, "\tconst int32_t *restrict c%d = (const int32_t *)in[%d];\n", i, k)
			k++
		}
	}
	for i, bl := range l.Builders {
		switch bl.Kind {
		case lower.Append:
			restrict := "restrict "
			if bl.Stride > 0 {
				restrict = "" // the strided outputs share one matrix
			}
			fmt.Fprintf(b, "\t%s *%so%d = (%s *)out[%d];\n", ctype(bl.Type), restrict, i, ctype(bl.Type), i)
		case lower.Merge:
			fmt.Fprintf(b, "\tfl_acc *o%d = (fl_acc *)out[%d];\n", i, i)
			fmt.Fprintf(b, "\tdouble m%d_f = o%d->f; int64_t m%d_i = o%d->i, m%d_n = o%d->n, m%d_nan = o%d->nan;\n", i, i, i, i, i, i, i, i)
		case lower.GroupMerge:
			fmt.Fprintf(b, "\tfl_acc *restrict o%d = (fl_acc *)out[%d];\n", i, i)
		case lower.VecMerge:
			fmt.Fprintf(b, "\t%s *restrict o%d = (%s *)out[%d];\n", ctype(bl.Type), i, ctype(bl.Type), i)
		}
	}
}

// emitBody writes one row's instructions and builder updates, for row
// index expression idx. appendTo, when set, names where Append builder i
// stores its value (the streaming kernel's block buffer).
func emitBody(b *strings.Builder, l *lower.Loop, idx, tab string, appendTo func(i int, bl lower.Builder) string) error {
	for k, ins := range l.Body {
		expr, err := instrC(l, k, ins, idx)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "%s%s t%d = %s;\n", tab, ctype(ins.Type), k, expr)
	}
	if l.Filter >= 0 {
		fmt.Fprintf(b, "%sif (!t%d) continue;\n", tab, l.Filter)
	}
	if l.Group >= 0 && !l.Scatters() {
		fmt.Fprintf(b, "%sif (in%d[%s] < 0) continue; /* a dropped row (null key) */\n", tab, l.Group, idx)
	}
	row := idx
	if l.Compacts() {
		row = "k"
		defer b.WriteString(tab + "k++;\n")
	}
	for i, bl := range l.Builders {
		v := fmt.Sprintf("t%d", bl.Value)
		t := l.Body[bl.Value].Type
		switch bl.Kind {
		case lower.Append:
			switch {
			case appendTo != nil:
				fmt.Fprintf(b, "%s%s = %s;\n", tab, appendTo(i, bl), v)
			case bl.Stride > 0:
				fmt.Fprintf(b, "%so%d[%s * %d + %d] = %s;\n", tab, i, row, bl.Stride, bl.Offset, v)
			default:
				fmt.Fprintf(b, "%so%d[%s] = %s;\n", tab, i, row, v)
			}
		case lower.Merge:
			emitAcc(b, bl, t, v, fmt.Sprintf("m%d_", i), "")
		case lower.GroupMerge:
			fmt.Fprintf(b, "%s{ fl_acc *a = &o%d[in%d[%s]];\n", tab, i, l.Group, idx)
			emitAcc(b, bl, t, v, "a->", "")
			b.WriteString(tab + "}\n")
		case lower.VecMerge: // d, base: the index row's target row and first row (Emit)
			at := fmt.Sprintf("o%d[d * W + (%s - base)]", i, idx)
			if bl.Type == ir.Int64 {
				fmt.Fprintf(b, "%s%s = (int64_t)((uint64_t)%s + (uint64_t)%s);\n", tab, at, at, v)
			} else {
				fmt.Fprintf(b, "%s%s += %s;\n", tab, at, v)
			}
		}
	}
	return nil
}

// emitStream writes flern_kernel_stream (see Emit).
func emitStream(b *strings.Builder, l *lower.Loop) error {
	stride := l.Builders[0].Stride
	b.WriteString("void flern_kernel_stream(const uintptr_t *in, const uintptr_t *out, int64_t begin, int64_t end) {\n")
	emitDecls(b, l)
	var aligned []string
	if stride > 0 {
		// one matrix: rows [i, i+block) are block*stride contiguous elements
		ct := ctype(l.Builders[0].Type)
		fmt.Fprintf(b, "\t_Alignas(64) %s s0[%d];\n", ct, streamBlock*stride)
		aligned = append(aligned, fmt.Sprintf("((uintptr_t)(o0 + begin * %d) & 63)", stride))
	} else {
		for i, bl := range l.Builders {
			fmt.Fprintf(b, "\t_Alignas(64) %s s%d[%d];\n", ctype(bl.Type), i, streamBlock)
			aligned = append(aligned, fmt.Sprintf("((uintptr_t)(o%d + begin) & 63)", i))
		}
	}
	// every block starts 64-byte aligned when the first does (a block's
	// bytes are a multiple of 64)
	fmt.Fprintf(b, "\tint64_t i = begin;\n\tif ((%s) == 0) {\n", strings.Join(aligned, " | "))
	fmt.Fprintf(b, "\t\tfor (; i + %d <= end; i += %d) {\n", streamBlock, streamBlock)
	fmt.Fprintf(b, "\t\t\tfor (int64_t r = 0; r < %d; r++) {\n", streamBlock)
	b.WriteString("\t\t\t\tint64_t j = i + r;\n")
	err := emitBody(b, l, "j", "\t\t\t\t", func(i int, bl lower.Builder) string {
		if stride > 0 {
			return fmt.Sprintf("s0[r * %d + %d]", stride, bl.Offset)
		}
		return fmt.Sprintf("s%d[r]", i)
	})
	if err != nil {
		return err
	}
	b.WriteString("\t\t\t}\n")
	if stride > 0 {
		fmt.Fprintf(b, "\t\t\tfl_stream(o0 + i * %d, s0, (int64_t)sizeof(s0));\n", stride)
	} else {
		for i := range l.Builders {
			fmt.Fprintf(b, "\t\t\tfl_stream(o%d + i, s%d, (int64_t)sizeof(s%d));\n", i, i, i)
		}
	}
	b.WriteString("\t\t}\n\t\tfl_stream_fence();\n\t}\n")
	b.WriteString("\tfor (; i < end; i++) {\n")
	if err := emitBody(b, l, "i", "\t\t", nil); err != nil {
		return err
	}
	b.WriteString("\t}\n}\n")
	return nil
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

func instrC(l *lower.Loop, k int, ins lower.Instr, idx string) (string, error) {
	a := make([]string, len(ins.Args))
	for i, x := range ins.Args {
		a[i] = fmt.Sprintf("t%d", x)
	}
	t := ins.Type
	ct := ctype(t)
	switch ins.Op {
	case "load":
		switch in := l.Inputs[ins.Input]; {
		case in.Bits:
			return fmt.Sprintf("(uint8_t)((in%d[%s >> 3] >> (%s & 7)) & 1)", ins.Input, idx, idx), nil
		case in.Scalar:
			return fmt.Sprintf("in%d[0]", ins.Input), nil
		case in.Bcast == lower.Inner: // inside the row loop of Emit (Width > 0)
			return fmt.Sprintf("in%d[%s - base]", ins.Input, idx), nil
		case in.Bcast == lower.Outer:
			return fmt.Sprintf("in%d[r]", ins.Input), nil
		case in.Indexed:
			return fmt.Sprintf("in%d[c%d[%s]]", ins.Input, ins.Input, idx), nil
		}
		return fmt.Sprintf("in%d[%s]", ins.Input, idx), nil
	case "const":
		return constC(ins.Const, t), nil
	case "row":
		return "(int64_t)" + idx, nil
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
		case "exp", "tanh", "sigmoid":
			return dbl("fl_" + ins.Op + "((double)%s)"), nil
		case "log":
			return dbl("log((double)%s)"), nil
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
