package col_test

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// render prints a column row by row ("None" for nulls, "nan" for NaN) so
// columns of every type compare as text.
func render(c *col.Column) string {
	parts := make([]string, c.N)
	for i := 0; i < c.N; i++ {
		if !c.IsValid(i) {
			parts[i] = "None"
			continue
		}
		switch {
		case c.Type.IsInt(), c.Type.IsDatetime():
			parts[i] = fmt.Sprint(c.I64[i])
		case c.Type.IsFloat():
			if math.IsNaN(c.F64[i]) {
				parts[i] = "nan"
			} else {
				parts[i] = fmt.Sprint(c.F64[i])
			}
		case c.Type == ir.Bool:
			parts[i] = fmt.Sprint(c.B[i])
		case c.Type == ir.String:
			parts[i] = fmt.Sprintf("%q", c.Str(i))
		}
	}
	return c.Type.String() + "[" + strings.Join(parts, " ") + "]"
}

// bitmap makes a validity bitmap from "1" (valid) / "0" (null) characters.
func bitmap(bits string) []byte {
	b := col.NewBitmap(len(bits), false)
	for i, ch := range bits {
		col.SetBit(b, i, ch == '1')
	}
	return b
}

func withValid(c *col.Column, bits string) *col.Column {
	c.Valid = bitmap(bits)
	return c
}

func columns() map[string]*col.Column {
	return map[string]*col.Column{
		"int64":    col.NewInt64([]int64{10, 11, 12, 13}),
		"int32":    {Type: ir.Int32, N: 4, I64: []int64{-1, 0, 1, 2}},
		"float64":  col.NewFloat64([]float64{0.5, math.NaN(), -2, math.Inf(1)}),
		"float32":  {Type: ir.Float32, N: 4, F64: []float64{1, 2, 3, 4}},
		"fnull":    withValid(col.NewFloat64([]float64{1, 2, 3, 4}), "1011"),
		"bool":     col.NewBool([]bool{true, false, true, false}),
		"boolnull": withValid(col.NewBool([]bool{true, false, true, false}), "0111"),
		"str":      col.NewStrings([]string{"a", "", "ünï", "d\"q"}, bitmap("1101")), // "ünï" is null
		"ustr":     col.NewStrings([]string{"ünï", "日本", "😀"}, nil),
		"dt":       col.NewDatetime(ir.DatetimeUS, []int64{1, 2, 3, 4}, bitmap("1110")),
		"dtns":     col.NewDatetime(ir.DatetimeNS, []int64{5, 6, 7, 8}, nil),
	}
}

func TestTake(t *testing.T) {
	cases := []struct {
		col  string
		idx  []int
		want string
	}{
		{"int64", []int{3, 0, 0}, "int64[13 10 10]"},
		{"int64", []int{1, -1, 2}, "int64[11 None 12]"}, // negative: null (callers promote int64 first)
		{"int64", []int{}, "int64[]"},
		{"int32", []int{0, -5}, "int32[-1 None]"},
		{"float64", []int{1, 0, -1, 3}, "float64[nan 0.5 nan +Inf]"}, // negative: NaN, not a null
		{"float32", []int{-1, 2}, "float32[nan 3]"},
		{"fnull", []int{1, 0}, "float64[None 1]"},
		{"bool", []int{-1, 0, 1}, "bool[None true false]"},
		{"boolnull", []int{0, 1, -1}, "bool[None false None]"},
		{"str", []int{3, 2, 1, 0, -1, 2}, `str["d\"q" None "" "a" None None]`},
		{"str", []int{0, 1}, `str["a" ""]`},
		{"ustr", []int{2, 0, 1}, `str["😀" "ünï" "日本"]`},
		{"dt", []int{3, 2, -1}, "datetime64[us][None 3 None]"},
		{"dtns", []int{2}, "datetime64[ns][7]"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s%v", c.col, c.idx), func(t *testing.T) {
			src := columns()[c.col]
			before := render(src)
			got := src.Take(c.idx)
			if r := render(got); r != c.want {
				t.Errorf("Take = %s, want %s", r, c.want)
			}
			if got.N != len(c.idx) || got.Len() != len(c.idx) {
				t.Errorf("N = %d, want %d", got.N, len(c.idx))
			}
			if !strings.Contains(c.want, "None") && got.Valid != nil {
				t.Errorf("Take without nulls has a validity bitmap %v", got.Valid)
			}
			if render(src) != before {
				t.Errorf("Take changed its source: %s", render(src))
			}
		})
	}
}

func TestTakeUnsupportedTypePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "unsupported type null") {
			t.Errorf("recover() = %v", r)
		}
	}()
	(&col.Column{Type: ir.Null, N: 1}).Take([]int{0})
}

func TestSlice(t *testing.T) {
	cases := []struct {
		col    string
		lo, hi int
		want   string
	}{
		{"int64", 1, 3, "int64[11 12]"},
		{"int64", 2, 2, "int64[]"},
		{"float64", 1, 4, "float64[nan -2 +Inf]"},
		{"str", 1, 4, `str["" None "d\"q"]`},
		{"str", 3, 4, `str["d\"q"]`},
		{"boolnull", 0, 2, "bool[None false]"},
		{"dt", 2, 4, "datetime64[us][3 None]"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s[%d:%d]", c.col, c.lo, c.hi), func(t *testing.T) {
			if got := render(columns()[c.col].Slice(c.lo, c.hi)); got != c.want {
				t.Errorf("Slice = %s, want %s", got, c.want)
			}
		})
	}
	full := columns()["str"]
	if full.Slice(0, full.N) != full {
		t.Errorf("a full slice must return the column itself")
	}
}

func TestStringBuilder(t *testing.T) {
	cases := []struct {
		name  string
		ops   []any // string: Append, []byte: AppendBytes, nil: AppendNull
		want  string
		offs  []int64
		nulls bool
	}{
		{name: "empty", ops: nil, want: "str[]", offs: []int64{0}},
		{name: "no nulls: no bitmap", ops: []any{"ab", "", []byte("c")}, want: `str["ab" "" "c"]`, offs: []int64{0, 2, 2, 3}},
		{name: "nulls", ops: []any{nil, "x", nil}, want: `str[None "x" None]`, offs: []int64{0, 0, 1, 1}, nulls: true},
		{name: "only nulls", ops: []any{nil, nil}, want: "str[None None]", offs: []int64{0, 0, 0}, nulls: true},
		{name: "unicode and bytes", ops: []any{"日本", []byte{0xff, 0}, "é"}, want: `str["日本" "\xff\x00" "é"]`, offs: []int64{0, 6, 8, 10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bld := col.NewStringBuilder(len(c.ops))
			for _, op := range c.ops {
				switch v := op.(type) {
				case string:
					bld.Append(v)
				case []byte:
					bld.AppendBytes(v)
				case nil:
					bld.AppendNull()
				}
			}
			got := bld.Finish()
			if got.Type != ir.String || got.N != len(c.ops) {
				t.Fatalf("type %s, N %d", got.Type, got.N)
			}
			if r := render(got); r != c.want {
				t.Errorf("built %s, want %s", r, c.want)
			}
			if !reflect.DeepEqual(got.Offs, c.offs) {
				t.Errorf("offsets %v, want %v", got.Offs, c.offs)
			}
			if got.Data == nil {
				t.Errorf("Data is nil; Arrow export needs a non-nil value buffer")
			}
			if (got.Valid != nil) != c.nulls || got.HasNulls() != c.nulls {
				t.Errorf("Valid = %v, HasNulls = %v, want nulls=%v", got.Valid, got.HasNulls(), c.nulls)
			}
		})
	}
	// More than 8 rows: the bitmap grows a byte at a time.
	bld := col.NewStringBuilder(0)
	for k := 0; k < 20; k++ {
		if k%7 == 3 {
			bld.AppendNull()
		} else {
			bld.Append(fmt.Sprint(k))
		}
	}
	c := bld.Finish()
	if len(c.Valid) != 3 {
		t.Errorf("bitmap of 20 rows has %d bytes", len(c.Valid))
	}
	for k := 0; k < 20; k++ {
		if c.IsValid(k) != (k%7 != 3) || (c.IsValid(k) && c.Str(k) != fmt.Sprint(k)) {
			t.Errorf("row %d: valid=%v %q", k, c.IsValid(k), c.Str(k))
		}
	}
	if string(c.StrBytes(12)) != "12" {
		t.Errorf("StrBytes(12) = %q", c.StrBytes(12))
	}
}

func TestNewStrings(t *testing.T) {
	if got := render(col.NewStrings([]string{"a", "b", "c"}, bitmap("101"))); got != `str["a" None "c"]` {
		t.Errorf("NewStrings with validity = %s", got)
	}
	c := col.NewStrings([]string{"a", "b"}, nil)
	if render(c) != `str["a" "b"]` || c.Valid != nil {
		t.Errorf("NewStrings without validity = %s (Valid %v)", render(c), c.Valid)
	}
}

func TestBitmaps(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 16, 17} {
		ones, zeros := col.NewBitmap(n, true), col.NewBitmap(n, false)
		if len(ones) != (n+7)/8 || len(zeros) != (n+7)/8 {
			t.Errorf("NewBitmap(%d) has %d bytes", n, len(ones))
		}
		for i := 0; i < n; i++ {
			if !col.GetBit(ones, i) || col.GetBit(zeros, i) {
				t.Errorf("NewBitmap(%d): bit %d wrong", n, i)
			}
		}
	}
	b := col.NewBitmap(16, false)
	for _, i := range []int{0, 3, 7, 8, 15} {
		col.SetBit(b, i, true)
	}
	if b[0] != 0b10001001 || b[1] != 0b10000001 {
		t.Errorf("bits set LSB first: %08b %08b", b[0], b[1])
	}
	col.SetBit(b, 3, false)
	col.SetBit(b, 8, false)
	col.SetBit(b, 9, false) // clearing a clear bit
	if b[0] != 0b10000001 || b[1] != 0b10000000 {
		t.Errorf("after clearing: %08b %08b", b[0], b[1])
	}
}

func TestIsValidIsNAHasNulls(t *testing.T) {
	cs := columns()
	cases := []struct {
		col         string
		valid, isna string // per row: 1/0
		hasNulls    bool
	}{
		{"int64", "1111", "0000", false},
		{"float64", "1111", "0100", false}, // NaN is valid but NA
		{"fnull", "1011", "0100", true},
		{"str", "1101", "0010", true},
		{"dt", "1110", "0001", true},
		{"boolnull", "0111", "1000", true},
	}
	for _, c := range cases {
		cl := cs[c.col]
		var v, na strings.Builder
		for i := 0; i < cl.N; i++ {
			v.WriteByte("01"[btoi(cl.IsValid(i))])
			na.WriteByte("01"[btoi(cl.IsNA(i))])
		}
		if v.String() != c.valid || na.String() != c.isna || cl.HasNulls() != c.hasNulls {
			t.Errorf("%s: IsValid %s IsNA %s HasNulls %v; want %s %s %v", c.col, v.String(), na.String(), cl.HasNulls(), c.valid, c.isna, c.hasNulls)
		}
	}
	// A bitmap with every bit set has no nulls.
	if withValid(col.NewInt64([]int64{1, 2}), "11").HasNulls() {
		t.Errorf("all-valid bitmap reports nulls")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
