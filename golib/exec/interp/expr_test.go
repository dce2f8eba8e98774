package interp

import (
	"math"
	"testing"

	"github.com/flern/flern/golib/ir"
)

// Expected values come from numpy 2.4 / pandas 3.1.1 / pyarrow 26 / Python 3.11.

func TestNpFloorDiv(t *testing.T) {
	f64 := func(v float64) float64 { return v }
	f32 := func(v float64) float64 { return float64(float32(v)) }
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		a, b, want float64
		rnd        func(float64) float64
	}{
		{1, 0.1, 9, f64}, // Python and numpy: 1 // 0.1 == 9.0, floor(1/0.1) is 10
		{-1, 0.1, -10, f64},
		{7, -2, -4, f64},
		{inf, 1, nan, f64},
		{1, inf, 0, f64},
		{-1, inf, -1, f64},
		{1e308, -inf, -1, f64},
		{1, 0, inf, f64},
		{-1, 0, -inf, f64},
		{0, 0, nan, f64},
		{0, -1, math.Copysign(0, -1), f64},
		{float64(float32(1.5)), float64(float32(0.1)), 14, f32},
	}
	for _, c := range cases {
		got := npFloorDiv(c.a, c.b, c.rnd)
		if !(got == c.want && math.Signbit(got) == math.Signbit(c.want)) && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("npFloorDiv(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestPyFloatModSignOfZero(t *testing.T) {
	for _, c := range [][3]float64{{-2, 1, 0}, {2, -1, math.Copysign(0, -1)}, {0, -1, math.Copysign(0, -1)},
		{math.Copysign(0, -1), 1, 0}, {-1, 3, 2}, {1, math.Inf(-1), math.Inf(-1)}} {
		if got := pyFloatMod(c[0], c[1]); got != c[2] || math.Signbit(got) != math.Signbit(c[2]) {
			t.Errorf("pyFloatMod(%v, %v) = %v, want %v", c[0], c[1], got, c[2])
		}
	}
}

func TestPyFloatReprFloat32(t *testing.T) {
	// str(np.float32(v)) switches to scientific outside [1e-4, 1e6)
	cases := map[float32]string{
		1: "1.0", 0.1: "0.1", 999999.94: "999999.94", 1e6: "1e+06", 1e10: "1e+10", 123456789: "1.2345679e+08",
		0.0001: "1e-04", 0.00012: "0.00012", 2.5e-5: "2.5e-05", 1.5e-45: "1e-45", -1e7: "-1e+07",
	}
	for v, want := range cases {
		if got := PyFloatRepr(float64(v), true); got != want {
			t.Errorf("PyFloatRepr(float32(%v)) = %q, want %q", v, got, want)
		}
	}
	if got := PyFloatRepr(1e15, false); got != "1000000000000000.0" {
		t.Errorf("PyFloatRepr(1e15) = %q", got)
	}
}

func TestParsePy(t *testing.T) {
	ints := map[string]int64{"1": 1, " 2": 2, "-3": -3, "4_0": 40, "+5": 5, "\t6\n": 6, "007": 7, "-0": 0,
		"999999999999999999": 999999999999999999, "-999999999999999999": -999999999999999999,
		"9223372036854775807": 9223372036854775807, "-9223372036854775808": -9223372036854775808, "+0000000000000000001": 1}
	for s, want := range ints {
		if got, err := parsePyInt(s); err != nil || got != want {
			t.Errorf("parsePyInt(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"1.5", "0x10", "1__0", "", "1_", "_1", "- 1", "1e5", "abc", "-", "+", "+-1", "1-", "12a"} {
		if _, err := parsePyInt(s); err == nil || err.(*ir.Error).Kind != "Value" {
			t.Errorf("parsePyInt(%q): err %v, want a Value error", s, err)
		}
	}
	for _, s := range []string{"9223372036854775808", "١٢"} {
		if _, err := parsePyInt(s); err == nil || err.(*ir.Error).Kind != "NotImplemented" {
			t.Errorf("parsePyInt(%q): err %v, want NotImplemented", s, err)
		}
	}
	floats := map[string]float64{"1.5": 1.5, "1_000.5": 1000.5, "1e400": math.Inf(1), "-1E-400": math.Copysign(0, -1),
		" .5 ": 0.5, "5.": 5, "Infinity": math.Inf(1), "-iNF": math.Inf(-1), "\u00a01.5": 1.5, "1e5_0": 1e50}
	for s, want := range floats {
		if got, err := parsePyFloat(s); err != nil || got != want || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("parsePyFloat(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if got, err := parsePyFloat("+nan"); err != nil || !math.IsNaN(got) {
		t.Errorf("parsePyFloat(+nan) = %v, %v", got, err)
	}
	for _, s := range []string{"0x10", "1__0", "inf_", "1d5", "0b1", "", ".", "e5", "1e", "1_.5"} {
		if _, err := parsePyFloat(s); err == nil {
			t.Errorf("parsePyFloat(%q) succeeded, want an error", s)
		}
	}
}

func TestArrowCase(t *testing.T) {
	cases := []struct{ in, upper, lower string }{
		{"straße", "STRAẞE", "straße"},
		{"İstanbul", "İSTANBUL", "istanbul"},
		{"ǅ ﬁ ΣΑΣ", "Ǆ ﬁ ΣΑΣ", "ǆ ﬁ σασ"},
		{"ŉ ΐ", "ŉ ΐ", "ŉ ΐ"},
		{"abc", "ABC", "abc"},
	}
	for _, c := range cases {
		if got := ArrowUpper(c.in); got != c.upper {
			t.Errorf("ArrowUpper(%q) = %q, want %q", c.in, got, c.upper)
		}
		if got := ArrowLower(c.in); got != c.lower {
			t.Errorf("ArrowLower(%q) = %q, want %q", c.in, got, c.lower)
		}
	}
}
