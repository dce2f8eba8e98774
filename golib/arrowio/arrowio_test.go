package arrowio_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// cell renders row i of a column ("None" for null, "nan" for NaN).
func cell(c *col.Column, i int) string {
	if !c.IsValid(i) {
		return "None"
	}
	switch {
	case c.Type.IsInt(), c.Type.IsDatetime():
		return fmt.Sprint(c.I64[i])
	case c.Type.IsFloat():
		if math.IsNaN(c.F64[i]) {
			return "nan"
		}
		return fmt.Sprint(c.F64[i])
	case c.Type == ir.Bool:
		return fmt.Sprint(c.B[i])
	case c.Type == ir.String:
		return fmt.Sprintf("%q", c.Str(i))
	}
	return "?"
}

func render(c *col.Column) string {
	parts := make([]string, c.N)
	for i := range parts {
		parts[i] = cell(c, i)
	}
	return c.Type.String() + "[" + strings.Join(parts, " ") + "]"
}

func bitmap(valid []bool) []byte {
	b := col.NewBitmap(len(valid), false)
	for i, v := range valid {
		col.SetBit(b, i, v)
	}
	return b
}

// ---- Arrow -> column -------------------------------------------------------

const full = 21 // rows in every source array

// isValid is the null pattern of the source arrays: irregular, so that
// sliced bitmaps are checked at every bit position.
func isValid(i int) bool { return i%3 != 1 && i != 12 }

func validity() []bool {
	v := make([]bool, full)
	for i := range v {
		v[i] = isValid(i)
	}
	return v
}

var words = []string{"", "a", "naïve", "日本語", "😀", `q"uote`, "new\nline", "tab\t", "x", "yy"}

type importCase struct {
	name     string
	build    func(mem memory.Allocator) arrow.Array // full rows
	typ      ir.DType
	want     func(i int) string // cell() of source row i
	floatNaN bool               // nulls become NaN (no validity bitmap)
	// zeroCopy returns the data pointer the imported column must share
	// with the (sliced) Arrow array, or nil when a copy is expected.
	zeroCopy func(a arrow.Array, c *col.Column) (arrowPtr, colPtr unsafe.Pointer)
}

func ints[T ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32](f func(i int) T) []T {
	out := make([]T, full)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func importCases() []importCase {
	nullOr := func(i int, s string) string {
		if !isValid(i) {
			return "None"
		}
		return s
	}
	nanOr := func(i int, s string) string {
		if !isValid(i) {
			return "nan"
		}
		return s
	}
	i64 := func(i int) int64 { return int64(i)*1_000_000_007 - 9_000_000_000 }
	tsCase := func(unit arrow.TimeUnit, typ ir.DType, mul int64, zc bool) importCase {
		c := importCase{
			name: "timestamp[" + unit.String() + "]", typ: typ,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: unit})
				defer b.Release()
				b.AppendValues(ints(func(i int) arrow.Timestamp { return arrow.Timestamp(i*1000 - 3) }), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(int64(i*1000-3)*mul)) },
		}
		if zc {
			c.zeroCopy = func(a arrow.Array, cl *col.Column) (unsafe.Pointer, unsafe.Pointer) {
				return unsafe.Pointer(unsafe.SliceData(a.(*array.Timestamp).TimestampValues())), unsafe.Pointer(unsafe.SliceData(cl.I64))
			}
		}
		return c
	}
	return []importCase{
		{name: "int64", typ: ir.Int64,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewInt64Builder(mem)
				defer b.Release()
				b.AppendValues(ints(i64), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(i64(i))) },
			zeroCopy: func(a arrow.Array, c *col.Column) (unsafe.Pointer, unsafe.Pointer) {
				return unsafe.Pointer(unsafe.SliceData(a.(*array.Int64).Int64Values())), unsafe.Pointer(unsafe.SliceData(c.I64))
			}},
		{name: "int32", typ: ir.Int32,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewInt32Builder(mem)
				defer b.Release()
				b.AppendValues(ints(func(i int) int32 { return int32(i*100_000_000 - math.MaxInt32) }), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(int32(i*100_000_000-math.MaxInt32))) }},
		{name: "int16", typ: ir.Int64,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewInt16Builder(mem)
				defer b.Release()
				b.AppendValues(ints(func(i int) int16 { return int16(i*1000 - 10000) }), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(i*1000-10000)) }},
		{name: "int8", typ: ir.Int64,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewInt8Builder(mem)
				defer b.Release()
				b.AppendValues(ints(func(i int) int8 { return int8(i*12 - 128) }), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(i*12-128)) }},
		{name: "uint32", typ: ir.Int64,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewUint32Builder(mem)
				defer b.Release()
				b.AppendValues(ints(func(i int) uint32 { return math.MaxUint32 - uint32(i) }), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(math.MaxUint32-i)) }},
		{name: "uint16", typ: ir.Int64,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewUint16Builder(mem)
				defer b.Release()
				b.AppendValues(ints(func(i int) uint16 { return uint16(i * 3000) }), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(i*3000)) }},
		{name: "uint8", typ: ir.Int64,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewUint8Builder(mem)
				defer b.Release()
				b.AppendValues(ints(func(i int) uint8 { return uint8(255 - i) }), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(255-i)) }},
		{name: "float64 with nulls (NaN, copied)", typ: ir.Float64, floatNaN: true,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewFloat64Builder(mem)
				defer b.Release()
				v := make([]float64, full)
				for i := range v {
					v[i] = float64(i) / 4
				}
				v[0] = math.Inf(-1)
				b.AppendValues(v, validity())
				return b.NewArray()
			},
			want: func(i int) string {
				if i == 0 {
					return "-Inf"
				}
				return nanOr(i, fmt.Sprint(float64(i)/4))
			}},
		{name: "float64 without nulls (zero-copy)", typ: ir.Float64,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewFloat64Builder(mem)
				defer b.Release()
				for i := 0; i < full; i++ {
					b.Append(float64(i) - 0.5)
				}
				return b.NewArray()
			},
			want: func(i int) string { return fmt.Sprint(float64(i) - 0.5) },
			zeroCopy: func(a arrow.Array, c *col.Column) (unsafe.Pointer, unsafe.Pointer) {
				return unsafe.Pointer(unsafe.SliceData(a.(*array.Float64).Float64Values())), unsafe.Pointer(unsafe.SliceData(c.F64))
			}},
		{name: "float32", typ: ir.Float32, floatNaN: true,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewFloat32Builder(mem)
				defer b.Release()
				v := make([]float32, full)
				for i := range v {
					v[i] = float32(i) / 10
				}
				b.AppendValues(v, validity())
				return b.NewArray()
			},
			want: func(i int) string { return nanOr(i, fmt.Sprint(float64(float32(i)/10))) }},
		{name: "bool", typ: ir.Bool,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewBooleanBuilder(mem)
				defer b.Release()
				v := make([]bool, full)
				for i := range v {
					v[i] = i%5 < 2
				}
				b.AppendValues(v, validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprint(i%5 < 2)) }},
		{name: "string", typ: ir.String,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewStringBuilder(mem)
				defer b.Release()
				b.AppendValues(stringsOf(), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprintf("%q", words[i%len(words)])) },
			zeroCopy: func(a arrow.Array, c *col.Column) (unsafe.Pointer, unsafe.Pointer) {
				return unsafe.Pointer(unsafe.SliceData(a.Data().Buffers()[2].Bytes())), unsafe.Pointer(unsafe.SliceData(c.Data))
			}},
		{name: "large_string", typ: ir.String,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewLargeStringBuilder(mem)
				defer b.Release()
				b.AppendValues(stringsOf(), validity())
				return b.NewArray()
			},
			want: func(i int) string { return nullOr(i, fmt.Sprintf("%q", words[i%len(words)])) },
			zeroCopy: func(a arrow.Array, c *col.Column) (unsafe.Pointer, unsafe.Pointer) {
				return unsafe.Pointer(unsafe.SliceData(a.(*array.LargeString).ValueOffsets())), unsafe.Pointer(unsafe.SliceData(c.Offs))
			}},
		{name: "string_view", typ: ir.String,
			build: func(mem memory.Allocator) arrow.Array {
				b := array.NewStringViewBuilder(mem)
				defer b.Release()
				s := stringsOf()
				s[9] = "a string longer than twelve bytes, stored out of line"
				b.AppendValues(s, validity())
				return b.NewArray()
			},
			want: func(i int) string {
				if i == 9 {
					return `"a string longer than twelve bytes, stored out of line"`
				}
				return nullOr(i, fmt.Sprintf("%q", words[i%len(words)]))
			}},
		tsCase(arrow.Second, ir.DatetimeUS, 1_000_000, false),
		tsCase(arrow.Millisecond, ir.DatetimeUS, 1000, false),
		tsCase(arrow.Microsecond, ir.DatetimeUS, 1, true),
		tsCase(arrow.Nanosecond, ir.DatetimeNS, 1, true),
	}
}

func stringsOf() []string {
	s := make([]string, full)
	for i := range s {
		s[i] = words[i%len(words)]
	}
	return s
}

// TestImportArray imports every supported Arrow type, whole and sliced at
// offsets that are and are not multiples of 8, and checks values, nulls
// (NaN for floats) and, where promised, that no data was copied.
func TestImportArray(t *testing.T) {
	for _, c := range importCases() {
		for _, sl := range [][2]int{{0, full}, {3, 17}, {8, 19}, {13, 21}, {5, 5}, {16, 17}} {
			lo, hi := sl[0], sl[1]
			t.Run(fmt.Sprintf("%s[%d:%d]", c.name, lo, hi), func(t *testing.T) {
				whole := c.build(memory.NewGoAllocator())
				arr := array.NewSlice(whole, int64(lo), int64(hi))
				whole.Release()
				arr.Retain() // one reference for ImportArray, one kept here
				defer arr.Release()
				cl, err := arrowio.ImportArray(arr)
				if err != nil {
					t.Fatalf("ImportArray: %v", err)
				}
				if cl.Type != c.typ || cl.N != hi-lo {
					t.Fatalf("type %s N %d, want %s %d", cl.Type, cl.N, c.typ, hi-lo)
				}
				var got, want []string
				for i := 0; i < cl.N; i++ {
					got = append(got, cell(cl, i))
					want = append(want, c.want(lo+i))
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("imported\n %v\nwant\n %v", got, want)
				}
				if c.floatNaN && cl.Valid != nil {
					t.Errorf("float column keeps a validity bitmap; nulls must become NaN")
				}
				if c.zeroCopy != nil && cl.N > 0 {
					ap, cp := c.zeroCopy(arr, cl)
					if ap != cp {
						t.Errorf("imported column does not share the Arrow buffer (arrow %p, column %p)", ap, cp)
					}
				}
			})
		}
	}
}

// TestImportFloatNullsDoNotWriteArrowMemory: NaN goes into a copy; the
// producer's buffer is left as it was.
func TestImportFloatNullsDoNotWriteArrowMemory(t *testing.T) {
	b := array.NewFloat64Builder(memory.NewGoAllocator())
	b.AppendValues([]float64{1, 2, 3}, []bool{true, false, true})
	arr := b.NewFloat64Array()
	b.Release()
	before := arr.Data().Buffers()[1].Bytes()[8:16]
	saved := string(before)
	arr.Retain()
	defer arr.Release()
	c, err := arrowio.ImportArray(arr)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(c.F64[1]) {
		t.Errorf("null row imported as %v", c.F64[1])
	}
	if string(arr.Data().Buffers()[1].Bytes()[8:16]) != saved {
		t.Errorf("ImportArray wrote into the Arrow buffer")
	}
	if unsafe.SliceData(c.F64) == unsafe.SliceData(arr.Float64Values()) {
		t.Errorf("float column with nulls aliases the Arrow buffer it had to change")
	}
}

func TestImportArrayUnsupported(t *testing.T) {
	mem := memory.NewGoAllocator()
	tz := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	tz.Append(1)
	u64 := array.NewUint64Builder(mem)
	u64.Append(1)
	d32 := array.NewDate32Builder(mem)
	d32.Append(1)
	cases := []struct {
		arr  arrow.Array
		want string
	}{
		{tz.NewArray(), "timezone-aware timestamps are not supported yet"},
		{u64.NewArray(), "Arrow type uint64 is not supported"},
		{d32.NewArray(), "Arrow type date32 is not supported"},
	}
	for _, c := range cases {
		_, err := arrowio.ImportArray(c.arr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ImportArray(%s) error = %v, want %q", c.arr.DataType(), err, c.want)
		}
	}
}

// ---- column -> Arrow -> column ---------------------------------------------

func roundTripColumns() map[string]*col.Column {
	v := []bool{true, false, true, true, false, true, true, true, true, false, true}
	n := len(v)
	i64 := make([]int64, n)
	f64 := make([]float64, n)
	bs := make([]bool, n)
	ss := make([]string, n)
	for i := range v {
		i64[i] = int64(i*i) - 50
		f64[i] = float64(i) * 1.25
		bs[i] = i%2 == 0
		ss[i] = words[i%len(words)]
	}
	f64[1] = math.NaN()
	withValid := func(c *col.Column) *col.Column { c.Valid = bitmap(v); return c }
	return map[string]*col.Column{
		"int64":          col.NewInt64(i64),
		"int64 nulls":    withValid(col.NewInt64(append([]int64(nil), i64...))),
		"int32":          {Type: ir.Int32, N: n, I64: []int64{math.MinInt32, -1, 0, 1, math.MaxInt32, 5, 6, 7, 8, 9, 10}},
		"float64 NaN":    col.NewFloat64(f64),
		"float32":        {Type: ir.Float32, N: n, F64: []float64{0.5, math.NaN(), -2, math.Inf(1), float64(float32(1e30)), 0, 0, 0, 0, 0, 3}},
		"bool":           col.NewBool(bs),
		"bool nulls":     withValid(col.NewBool(append([]bool(nil), bs...))),
		"str":            col.NewStrings(ss, nil),
		"str nulls":      col.NewStrings(ss, bitmap(v)),
		"datetime us":    col.NewDatetime(ir.DatetimeUS, append([]int64(nil), i64...), bitmap(v)),
		"datetime ns":    col.NewDatetime(ir.DatetimeNS, append([]int64(nil), i64...), nil),
		"empty str":      col.NewStrings(nil, nil),
		"empty int64":    col.NewInt64([]int64{}),
		"all-valid mask": {Type: ir.Int64, N: 2, I64: []int64{1, 2}, Valid: col.NewBitmap(2, true)},
	}
}

func TestExportImportColumns(t *testing.T) {
	for name, c := range roundTripColumns() {
		t.Run(name, func(t *testing.T) {
			want := render(c)
			arr, err := arrowio.ExportColumn(c)
			if err != nil {
				t.Fatalf("ExportColumn: %v", err)
			}
			if arr.Len() != c.N {
				t.Fatalf("exported %d rows, want %d", arr.Len(), c.N)
			}
			nulls := 0
			for i := 0; i < c.N; i++ {
				if !c.IsValid(i) {
					nulls++
				}
			}
			if arr.NullN() != nulls {
				t.Errorf("exported NullN %d, want %d", arr.NullN(), nulls)
			}
			back, err := arrowio.ImportArray(arr)
			if err != nil {
				t.Fatalf("ImportArray: %v", err)
			}
			if got := render(back); got != want {
				t.Errorf("round trip\n %s\nwant\n %s", got, want)
			}
			if render(c) != want {
				t.Errorf("export changed the source column: %s", render(c))
			}
		})
	}
}

// TestExportSharesMemory: fixed-width and string columns are exported
// without copying.
func TestExportSharesMemory(t *testing.T) {
	cols := roundTripColumns()
	check := func(name string, colPtr unsafe.Pointer, arrPtr unsafe.Pointer) {
		t.Helper()
		if colPtr != arrPtr {
			t.Errorf("%s: exported array does not share the column's memory", name)
		}
	}
	i64 := cols["int64"]
	a, _ := arrowio.ExportColumn(i64)
	check("int64", unsafe.Pointer(unsafe.SliceData(i64.I64)), unsafe.Pointer(unsafe.SliceData(a.(*array.Int64).Int64Values())))
	f64 := cols["float64 NaN"]
	a, _ = arrowio.ExportColumn(f64)
	check("float64", unsafe.Pointer(unsafe.SliceData(f64.F64)), unsafe.Pointer(unsafe.SliceData(a.(*array.Float64).Float64Values())))
	dt := cols["datetime us"]
	a, _ = arrowio.ExportColumn(dt)
	check("datetime", unsafe.Pointer(unsafe.SliceData(dt.I64)), unsafe.Pointer(unsafe.SliceData(a.(*array.Timestamp).TimestampValues())))
	if a.DataType().(*arrow.TimestampType).Unit != arrow.Microsecond || a.DataType().(*arrow.TimestampType).TimeZone != "" {
		t.Errorf("datetime64[us] exported as %s", a.DataType())
	}
	s := cols["str nulls"]
	a, _ = arrowio.ExportColumn(s)
	if a.DataType().ID() != arrow.LARGE_STRING {
		t.Errorf("strings exported as %s, want large_string", a.DataType())
	}
	check("str offsets", unsafe.Pointer(unsafe.SliceData(s.Offs)), unsafe.Pointer(unsafe.SliceData(a.(*array.LargeString).ValueOffsets())))
	check("str data", unsafe.Pointer(unsafe.SliceData(s.Data)), unsafe.Pointer(unsafe.SliceData(a.Data().Buffers()[2].Bytes())))
}

func TestExportUnsupported(t *testing.T) {
	_, err := arrowio.ExportColumn(&col.Column{Type: ir.Null, N: 1})
	if err == nil || !strings.Contains(err.Error(), "cannot export null") {
		t.Errorf("ExportColumn(null) = %v", err)
	}
	_, err = arrowio.ToRecord(&col.Frame{N: 1, Names: []string{"x"}, Cols: []*col.Column{{Type: ir.Null, N: 1}}})
	if err == nil || !strings.Contains(err.Error(), `column "x": cannot export null`) {
		t.Errorf("ToRecord with a null column = %v", err)
	}
}

// An imported column exported again keeps pointing at the original Arrow
// memory (and keeps it alive).
func TestReexportImported(t *testing.T) {
	b := array.NewInt64Builder(memory.NewGoAllocator())
	b.AppendValues([]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, nil)
	whole := b.NewArray()
	sliced := array.NewSlice(whole, 2, 9)
	whole.Release()
	c, err := arrowio.ImportArray(sliced)
	if err != nil {
		t.Fatal(err)
	}
	out, err := arrowio.ExportColumn(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(out.(*array.Int64).Int64Values()); got != "[3 4 5 6 7 8 9]" {
		t.Errorf("re-exported %s", got)
	}
	if unsafe.SliceData(out.(*array.Int64).Int64Values()) != unsafe.SliceData(c.I64) {
		t.Errorf("re-export copied the data")
	}
	out.Release()
}

// ---- frames and metadata ---------------------------------------------------

func TestToRecordLayoutAndMetadata(t *testing.T) {
	cases := []struct {
		name   string
		frame  *col.Frame
		fields string
		meta   map[string]string
	}{
		{name: "RangeIndex",
			frame:  &col.Frame{N: 2, Names: []string{"a", "s"}, Cols: []*col.Column{col.NewInt64([]int64{1, 2}), col.NewStrings([]string{"x", "y"}, nil)}},
			fields: "a:int64, s:large_utf8",
			meta:   map[string]string{"flern.range_index": "1"}},
		{name: "named and unnamed index levels",
			frame: &col.Frame{N: 2, Names: []string{"v"}, Cols: []*col.Column{col.NewFloat64([]float64{1, 2})},
				Index:      []*col.Column{col.NewStrings([]string{"p", "q"}, nil), col.NewInt64([]int64{5, 6})},
				IndexNames: []string{"key", ""}},
			fields: "__index_level_0__:large_utf8, __index_level_1__:int64, v:float64",
			meta:   map[string]string{"flern.index_names": `["key",null]`}},
		{name: "unicode index name",
			frame: &col.Frame{N: 1, Names: []string{}, Cols: []*col.Column{},
				Index: []*col.Column{col.NewInt64([]int64{1})}, IndexNames: []string{"größe \"q\""}},
			fields: "__index_level_0__:int64",
			meta:   map[string]string{"flern.index_names": `["größe \"q\""]`}},
		{name: "no columns",
			frame:  &col.Frame{N: 3},
			fields: "",
			meta:   map[string]string{"flern.range_index": "1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, err := arrowio.ToRecord(c.frame)
			if err != nil {
				t.Fatal(err)
			}
			defer rec.Release()
			if rec.NumRows() != int64(c.frame.N) {
				t.Errorf("NumRows %d, want %d", rec.NumRows(), c.frame.N)
			}
			var fs []string
			for _, f := range rec.Schema().Fields() {
				fs = append(fs, f.Name+":"+f.Type.String())
				if !f.Nullable {
					t.Errorf("field %s is not nullable", f.Name)
				}
			}
			if got := strings.Join(fs, ", "); got != c.fields {
				t.Errorf("fields %q, want %q", got, c.fields)
			}
			md := rec.Schema().Metadata()
			got := map[string]string{}
			for i, k := range md.Keys() {
				got[k] = md.Values()[i]
			}
			if fmt.Sprint(got) != fmt.Sprint(c.meta) {
				t.Errorf("metadata %v, want %v", got, c.meta)
			}
		})
	}
	if arrowio.IndexColumnName(12) != "__index_level_12__" {
		t.Errorf("IndexColumnName(12) = %q", arrowio.IndexColumnName(12))
	}
}

// TestExportReleaseIsCounted: when the last Arrow reference to an exported
// frame or tensor goes, its Go buffers are counted as handed back
// (TakeReleasedBytes), and not before.
func TestExportReleaseIsCounted(t *testing.T) {
	arrowio.TakeReleasedBytes()
	vals := make([]int64, 1000)
	strs := col.NewStringBuilder(3)
	strs.Append("ab")
	strs.AppendNull()
	strs.Append("日本")
	f := &col.Frame{N: 3, Names: []string{"s"}, Cols: []*col.Column{strs.Finish()}}
	big := &col.Frame{N: 1000, Names: []string{"i"}, Cols: []*col.Column{col.NewInt64(vals)}}
	tests := []struct {
		name string
		f    *col.Frame
		want int64 // bytes of the buffers exported
	}{
		{"int64 column and range index", big, 8000},
		{"strings with nulls", f, 1 + 4*8 + int64(len(f.Cols[0].Data))},
	}
	for _, tc := range tests {
		rec, err := arrowio.ToRecord(tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if got := arrowio.TakeReleasedBytes(); got != 0 {
			t.Errorf("%s: %d bytes counted while exported", tc.name, got)
		}
		rec.Release()
		if got := arrowio.TakeReleasedBytes(); got != tc.want {
			t.Errorf("%s: %d bytes counted after the release, want %d", tc.name, got, tc.want)
		}
	}
	tens := &col.Tensor{DType: ir.Float32, Shape: []int{4, 5}, F32: make([]float32, 20)}
	rec, err := arrowio.TensorRecord(tens)
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if got := arrowio.TakeReleasedBytes(); got != 80 {
		t.Errorf("tensor: %d bytes counted, want 80", got)
	}
}
