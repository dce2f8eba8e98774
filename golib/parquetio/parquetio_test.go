package parquetio

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// ---- helpers ----------------------------------------------------------------

// arr builds an Arrow array of type dt from JSON text.
func arr(t testing.TB, dt arrow.DataType, js string) arrow.Array {
	t.Helper()
	a, _, err := array.FromJSON(memory.DefaultAllocator, dt, strings.NewReader(js))
	if err != nil {
		t.Fatalf("array %s from %s: %v", dt, js, err)
	}
	return a
}

type colSpec struct {
	name string
	dt   arrow.DataType
	js   string // values as JSON
}

type writeOpts struct {
	rowsPerGroup int64             // 0: one row group
	meta         map[string]string // schema (file key-value) metadata
	props        []parquet.WriterProperty
	arrowProps   []pqarrow.WriterOption
	required     map[string]bool // columns written as required (no definition levels)
}

// write writes the columns to a Parquet file under dir with pqarrow and
// returns its path.
func write(t testing.TB, dir, name string, cols []colSpec, o writeOpts) string {
	t.Helper()
	var fields []arrow.Field
	var arrs []arrow.Array
	n := -1
	for _, c := range cols {
		a := arr(t, c.dt, c.js)
		fields = append(fields, arrow.Field{Name: c.name, Type: c.dt, Nullable: !o.required[c.name]})
		arrs = append(arrs, a)
		n = a.Len()
	}
	if n < 0 {
		n = 0
	}
	var md *arrow.Metadata
	if o.meta != nil {
		m := arrow.MetadataFrom(o.meta)
		md = &m
	}
	sc := arrow.NewSchema(fields, md)
	rec := array.NewRecordBatch(sc, arrs, int64(n))
	defer rec.Release()
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer tbl.Release()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	rows := o.rowsPerGroup
	if rows <= 0 {
		rows = int64(max(n, 1))
	}
	props := parquet.NewWriterProperties(append([]parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy)}, o.props...)...)
	if err := pqarrow.WriteTable(tbl, f, rows, props, pqarrow.NewArrowWriterProperties(append([]pqarrow.WriterOption{pqarrow.WithStoreSchema()}, o.arrowProps...)...)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// render shows every row of c: "null" for a null, "NaN" for a float NaN,
// strings quoted, datetimes as their integer ticks.
func render(c *col.Column) []string {
	out := make([]string, c.N)
	for i := range out {
		switch {
		case !c.IsValid(i):
			out[i] = "null"
		case c.Type.IsFloat():
			if math.IsNaN(c.F64[i]) {
				out[i] = "NaN"
			} else {
				out[i] = strconv.FormatFloat(c.F64[i], 'g', -1, 64)
			}
		case c.Type == ir.Bool:
			out[i] = strconv.FormatBool(c.B[i])
		case c.Type == ir.String:
			out[i] = strconv.Quote(c.Str(i))
		default:
			out[i] = strconv.FormatInt(c.I64[i], 10)
		}
	}
	return out
}

func join(s []string) string { return strings.Join(s, " ") }

func readAll(t *testing.T, path string) (*ir.Schema, *col.Frame) {
	t.Helper()
	a := ir.Attrs{"path": path}
	s, err := Sniff(a)
	if err != nil {
		t.Fatalf("Sniff: %v", err)
	}
	f, err := Read(a, s, nil)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if err := f.Validate(); err != nil {
		t.Fatalf("invalid frame: %v", err)
	}
	return s, f
}

func errKind(err error) string {
	var fe *ir.Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return fmt.Sprintf("not an *ir.Error: %v", err)
}

// withWorkers runs fn with the given number of reader goroutines.
func withWorkers(n int, fn func()) {
	old := workers
	workers = n
	defer func() { workers = old }()
	fn()
}

// decodePath is one of the reader's decoding paths.
type decodePath int

const (
	viaPqarrow decodePath = iota // pqarrow's Arrow arrays, imported
	viaColumn                    // arrow-go's typed column readers, straight into flern's buffers
	viaPages                     // flern's page decoder (the default)
)

func (d decodePath) String() string { return [...]string{"pqarrow", "column", "pages"}[d] }

// paths are every decoding path, the default first.
var paths = []decodePath{viaPages, viaColumn, viaPqarrow}

// withDirect switches the decoding path and returns the function that
// restores the previous one.
func withDirect(d decodePath) func() {
	s, f, p := directStrings, directFixed, pageDecode
	directStrings, directFixed, pageDecode = d != viaPqarrow, d != viaPqarrow, d == viaPages
	return func() { directStrings, directFixed, pageDecode = s, f, p }
}

// ---- dtypes -------------------------------------------------------------------

func TestDTypes(t *testing.T) {
	tsUS := &arrow.TimestampType{Unit: arrow.Microsecond}
	tsNS := &arrow.TimestampType{Unit: arrow.Nanosecond}
	cases := []struct {
		name     string
		dt       arrow.DataType
		js       string
		want     ir.DType
		nullable bool
		values   string // rendered rows
		err      string // NotImplemented message part, if unsupported
	}{
		{"int64", arrow.PrimitiveTypes.Int64, `[1, -9223372036854775808, 9223372036854775807]`, ir.Int64, false, "1 -9223372036854775808 9223372036854775807", ""},
		{"int64 nulls become float64", arrow.PrimitiveTypes.Int64, `[1, null, 9007199254740993]`, ir.Float64, false, "1 NaN 9.007199254740992e+15", ""},
		{"int32", arrow.PrimitiveTypes.Int32, `[1, -2147483648]`, ir.Int32, false, "1 -2147483648", ""},
		{"int32 nulls become float64", arrow.PrimitiveTypes.Int32, `[null, 7]`, ir.Float64, false, "NaN 7", ""},
		{"float64", arrow.PrimitiveTypes.Float64, `[1.5, null, -0.0]`, ir.Float64, false, "1.5 NaN -0", ""},
		{"float32", arrow.PrimitiveTypes.Float32, `[0.1, null, 2]`, ir.Float32, false, "0.10000000149011612 NaN 2", ""},
		{"bool", arrow.FixedWidthTypes.Boolean, `[true, false, true]`, ir.Bool, false, "true false true", ""},
		{"bool with nulls", arrow.FixedWidthTypes.Boolean, `[true, null]`, ir.Invalid, false, "", "bools with missing values"},
		{"string", arrow.BinaryTypes.String, `["a", null, "日本", ""]`, ir.String, true, `"a" null "日本" ""`, ""},
		{"string no nulls", arrow.BinaryTypes.String, `["a", "b"]`, ir.String, false, `"a" "b"`, ""},
		{"large_string", arrow.BinaryTypes.LargeString, `["x", null]`, ir.String, true, `"x" null`, ""},
		{"timestamp us", tsUS, `[0, null, -1]`, ir.DatetimeUS, true, "0 null -1", ""},
		{"timestamp ns", tsNS, `[1609804800000000001, 5]`, ir.DatetimeNS, false, "1609804800000000001 5", ""},
		{"timestamp ms", &arrow.TimestampType{Unit: arrow.Millisecond}, `[1]`, ir.Invalid, false, "", "datetime64[ms]"},
		{"timestamp tz", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, `[1]`, ir.Invalid, false, "", "timezone-aware"},
		{"int16", arrow.PrimitiveTypes.Int16, `[1]`, ir.Invalid, false, "", "int16"},
		{"uint8", arrow.PrimitiveTypes.Uint8, `[1]`, ir.Invalid, false, "", "uint8"},
		{"uint64", arrow.PrimitiveTypes.Uint64, `[1]`, ir.Invalid, false, "", "uint64"},
		{"date32", arrow.FixedWidthTypes.Date32, `[1]`, ir.Invalid, false, "", "date32"},
		{"binary", arrow.BinaryTypes.Binary, `["AQ=="]`, ir.Invalid, false, "", "binary"},
		{"decimal", &arrow.Decimal128Type{Precision: 5, Scale: 2}, `["1.25"]`, ir.Invalid, false, "", "decimal"},
		{"list", arrow.ListOf(arrow.PrimitiveTypes.Int64), `[[1, 2]]`, ir.Invalid, false, "", "list"},
		{"struct", arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64}), `[{"x": 1}]`, ir.Invalid, false, "", "struct"},
		{"dictionary", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, `["a", "b", "a"]`, ir.Invalid, false, "", "category"},
		{"null", arrow.Null, `[null, null]`, ir.Invalid, false, "", "only nulls"},
	}
	dir := t.TempDir()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// the column under test sits between two plain columns
			p := write(t, dir, fmt.Sprintf("t%d.parquet", i), []colSpec{
				{"before", arrow.PrimitiveTypes.Int64, rowsJSON(countRows(t, tc.dt, tc.js))},
				{"c", tc.dt, tc.js},
				{"after", arrow.BinaryTypes.String, strRowsJSON(countRows(t, tc.dt, tc.js))},
			}, writeOpts{})
			a := ir.Attrs{"path": p}
			s, err := Sniff(a)
			if tc.err != "" {
				if err == nil || errKind(err) != "NotImplemented" || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), `"c"`) {
					t.Fatalf("Sniff error = %v, want NotImplemented naming column \"c\" and %q", err, tc.err)
				}
				// the other columns stay readable when the user leaves it out
				a["usecols"] = []any{"after", "before"}
				s, err = Sniff(a)
				if err != nil {
					t.Fatalf("Sniff without the column: %v", err)
				}
				if got := join(s.Names()); got != "after before" {
					t.Fatalf("columns %s", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Sniff: %v", err)
			}
			f := s.Fields[1]
			if f.Name != "c" || f.Type != tc.want || f.Nullable != tc.nullable {
				t.Fatalf("field = %+v, want c:%s nullable=%v", f, tc.want, tc.nullable)
			}
			for _, direct := range paths {
				restore := withDirect(direct)
				fr, err := Read(a, s, nil)
				restore()
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if got := join(render(fr.Col("c"))); got != tc.values {
					t.Fatalf("direct=%v: values = %s, want %s", direct, got, tc.values)
				}
				if fr.Index != nil {
					t.Fatalf("want a RangeIndex")
				}
			}
		})
	}
}

func countRows(t *testing.T, dt arrow.DataType, js string) int {
	a := arr(t, dt, js)
	defer a.Release()
	return a.Len()
}

func rowsJSON(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return "[" + strings.Join(s, ",") + "]"
}

func strRowsJSON(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = strconv.Quote("r" + strconv.Itoa(i))
	}
	return "[" + strings.Join(s, ",") + "]"
}

// ---- row groups, parallelism, projection ----------------------------------------

// bigColumns is a frame of n rows whose every column has nulls at rows that
// are not aligned to bytes or row groups.
func bigColumns(n int) []colSpec {
	ints, nints, floats, strs, ts, bools := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i := 0; i < n; i++ {
		ints[i] = strconv.Itoa(i*7 - 100)
		nints[i], floats[i], strs[i], ts[i] = "null", "null", "null", "null"
		if i%5 != 3 {
			nints[i] = strconv.Itoa(i)
			floats[i] = strconv.FormatFloat(float64(i)/4, 'g', -1, 64)
		}
		if i%3 != 1 {
			strs[i] = strconv.Quote(strings.Repeat("é", i%4) + strconv.Itoa(i))
			ts[i] = strconv.Itoa(i * 1000)
		}
		bools[i] = strconv.FormatBool(i%2 == 0)
	}
	j := func(s []string) string { return "[" + strings.Join(s, ",") + "]" }
	return []colSpec{
		{"i", arrow.PrimitiveTypes.Int64, j(ints)},
		{"ni", arrow.PrimitiveTypes.Int32, j(nints)},
		{"f", arrow.PrimitiveTypes.Float32, j(floats)},
		{"s", arrow.BinaryTypes.String, j(strs)},
		{"t", &arrow.TimestampType{Unit: arrow.Microsecond}, j(ts)},
		{"b", arrow.FixedWidthTypes.Boolean, j(bools)},
	}
}

func expectBig(t *testing.T, f *col.Frame, n int) {
	t.Helper()
	if f.N != n {
		t.Fatalf("N = %d, want %d", f.N, n)
	}
	for i := 0; i < n; i++ {
		row := fmt.Sprintf("row %d", i)
		if c := f.Col("i"); c != nil && c.I64[i] != int64(i*7-100) {
			t.Fatalf("%s: i = %d", row, c.I64[i])
		}
		if c := f.Col("ni"); c != nil {
			if got := c.F64[i]; (i%5 == 3) != math.IsNaN(got) || (i%5 != 3 && got != float64(i)) {
				t.Fatalf("%s: ni = %v", row, got)
			}
		}
		if c := f.Col("f"); c != nil {
			if got := c.F64[i]; (i%5 == 3) != math.IsNaN(got) || (i%5 != 3 && got != float64(i)/4) {
				t.Fatalf("%s: f = %v", row, got)
			}
		}
		if c := f.Col("s"); c != nil {
			if c.IsValid(i) != (i%3 != 1) || (i%3 != 1 && c.Str(i) != strings.Repeat("é", i%4)+strconv.Itoa(i)) {
				t.Fatalf("%s: s = %v %q", row, c.IsValid(i), c.Str(i))
			}
		}
		if c := f.Col("t"); c != nil {
			if c.IsValid(i) != (i%3 != 1) || (i%3 != 1 && c.I64[i] != int64(i*1000)) {
				t.Fatalf("%s: t = %v %d", row, c.IsValid(i), c.I64[i])
			}
		}
		if c := f.Col("b"); c != nil && c.B[i] != (i%2 == 0) {
			t.Fatalf("%s: b = %v", row, c.B[i])
		}
	}
}

func TestRowGroupsAndWorkers(t *testing.T) {
	dir := t.TempDir()
	const n = 1000
	for _, rg := range []int64{0, 1, 7, 64, 333, 999} {
		p := write(t, dir, fmt.Sprintf("rg%d.parquet", rg), bigColumns(n), writeOpts{rowsPerGroup: rg})
		for _, w := range []int{1, 3, 16} {
			for _, direct := range paths {
				t.Run(fmt.Sprintf("rows_per_group=%d/workers=%d/path=%v", rg, w, direct), func(t *testing.T) {
					defer withDirect(direct)()
					withWorkers(w, func() {
						s, f := readAll(t, p)
						want := "i:int64 ni:float64 f:float32 s:str t:datetime64[us] b:bool"
						if got := schemaString(s); got != want {
							t.Fatalf("schema %s, want %s", got, want)
						}
						expectBig(t, f, n)
					})
				})
			}
		}
	}
}

// TestEncodingsAndPages reads files with dictionary and plain pages, many
// small pages per row group, data page v2 and several codecs.
func TestEncodingsAndPages(t *testing.T) {
	dir := t.TempDir()
	const n = 2000
	variants := map[string][]parquet.WriterProperty{
		"plain":          {parquet.WithDictionaryDefault(false)},
		"dictionary":     {parquet.WithDictionaryDefault(true)},
		"small pages":    {parquet.WithDataPageSize(64), parquet.WithDictionaryDefault(false)},
		"small dict":     {parquet.WithDictionaryPageSizeLimit(64), parquet.WithDataPageSize(128)}, // falls back to plain
		"page v2":        {parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(256)},
		"zstd":           {parquet.WithCompression(compress.Codecs.Zstd)},
		"gzip":           {parquet.WithCompression(compress.Codecs.Gzip)},
		"uncompressed":   {parquet.WithCompression(compress.Codecs.Uncompressed)},
		"no statistics":  {parquet.WithStats(false)},
		"format 1.0":     {parquet.WithVersion(parquet.V1_0)},
		"lz4 + page v2":  {parquet.WithCompression(compress.Codecs.Lz4Raw), parquet.WithDataPageVersion(parquet.DataPageV2)},
		"brotli + plain": {parquet.WithCompression(compress.Codecs.Brotli), parquet.WithDictionaryDefault(false)},
	}
	for name, props := range variants {
		t.Run(name, func(t *testing.T) {
			p := write(t, dir, strings.ReplaceAll(name, " ", "_")+".parquet", bigColumns(n), writeOpts{rowsPerGroup: 700, props: props})
			for _, direct := range paths {
				restore := withDirect(direct)
				_, f := readAll(t, p)
				restore()
				expectBig(t, f, n)
			}
		})
	}
}

func schemaString(s *ir.Schema) string {
	var parts []string
	for _, f := range s.Index {
		parts = append(parts, fmt.Sprintf("[%s]:%s", f.Name, f.Type))
	}
	for _, f := range s.Fields {
		parts = append(parts, fmt.Sprintf("%s:%s", f.Name, f.Type))
	}
	return strings.Join(parts, " ")
}

func TestProjection(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.parquet", bigColumns(200), writeOpts{rowsPerGroup: 30})
	for _, tc := range []struct {
		usecols []string // the user's selection (nil: all)
		columns []string // what pushdown leaves
		sniffed string
	}{
		{nil, []string{"s", "ni"}, "i ni f s t b"},
		{[]string{"t", "i"}, []string{"t", "i"}, "t i"},
		{[]string{"t", "i", "b"}, []string{"b"}, "t i b"},
		{nil, []string{}, "i ni f s t b"},
	} {
		t.Run(fmt.Sprint(tc.usecols, tc.columns), func(t *testing.T) {
			a := ir.Attrs{"path": p}
			if tc.usecols != nil {
				a["usecols"] = anys(tc.usecols)
			}
			s, err := Sniff(a)
			if err != nil {
				t.Fatal(err)
			}
			if got := join(s.Names()); got != tc.sniffed {
				t.Fatalf("Sniff columns %s, want %s", got, tc.sniffed)
			}
			narrow := &ir.Schema{}
			for _, c := range tc.columns {
				narrow.Fields = append(narrow.Fields, s.Fields[s.Lookup(c)])
			}
			f, err := Read(a, narrow, nil)
			if err != nil {
				t.Fatal(err)
			}
			if join(f.Names) != join(tc.columns) || f.N != 200 {
				t.Fatalf("read %v (%d rows)", f.Names, f.N)
			}
			expectBig(t, f, 200)
		})
	}
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// TestProjectionSkipsOtherColumns damages the pages of one column: reading
// the others still works (their chunks are the only ones read), reading it
// is a Parse error.
func TestProjectionSkipsOtherColumns(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "d.parquet", bigColumns(300), writeOpts{rowsPerGroup: 100,
		props: []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}})
	o, err := open(p)
	if err != nil {
		t.Fatal(err)
	}
	md := o.pf.MetaData()
	leaf := o.fr.Manifest.Fields[3].ColIndex // "s"
	var spans [][2]int64
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		cc, _ := md.RowGroup(rg).ColumnChunk(leaf)
		spans = append(spans, [2]int64{cc.DataPageOffset(), cc.TotalCompressedSize()})
	}
	o.Close()
	data, _ := os.ReadFile(p)
	for _, sp := range spans {
		for k := sp[0]; k < sp[0]+sp[1]; k++ {
			data[k] = 0xA5
		}
	}
	bad := filepath.Join(dir, "damaged.parquet")
	os.WriteFile(bad, data, 0o644)
	a := ir.Attrs{"path": bad}
	s, err := Sniff(a)
	if err != nil {
		t.Fatal(err)
	}
	others := &ir.Schema{}
	for _, f := range s.Fields {
		if f.Name != "s" {
			others.Fields = append(others.Fields, f)
		}
	}
	f, err := Read(a, others, nil)
	if err != nil {
		t.Fatalf("reading the undamaged columns: %v", err)
	}
	expectBig(t, f, 300)
	for _, w := range []int{1, 4} {
		withWorkers(w, func() {
			_, err = Read(a, s, nil)
			if errKind(err) != "Parse" || !strings.Contains(err.Error(), bad) {
				t.Fatalf("reading the damaged column: %v, want a Parse error naming the file", err)
			}
		})
	}
}

// ---- edge files -------------------------------------------------------------------

func TestEmptyFile(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "e.parquet", []colSpec{
		{"i", arrow.PrimitiveTypes.Int64, `[]`},
		{"f", arrow.PrimitiveTypes.Float32, `[]`},
		{"b", arrow.FixedWidthTypes.Boolean, `[]`},
		{"s", arrow.BinaryTypes.LargeString, `[]`},
		{"t", &arrow.TimestampType{Unit: arrow.Nanosecond}, `[]`},
	}, writeOpts{})
	s, f := readAll(t, p)
	if got := schemaString(s); got != "i:int64 f:float32 b:bool s:str t:datetime64[ns]" {
		t.Fatalf("schema %s", got)
	}
	if f.N != 0 || len(f.Cols) != 5 {
		t.Fatalf("frame %d rows, %d columns", f.N, len(f.Cols))
	}
	for i, c := range f.Cols {
		if c.N != 0 || c.Type != s.Fields[i].Type {
			t.Fatalf("column %d: %+v", i, c)
		}
	}
}

// TestInt96Timestamps: legacy INT96 timestamps (Spark, Impala) read as
// timestamp[ns], as pyarrow does.
func TestInt96Timestamps(t *testing.T) {
	p := write(t, t.TempDir(), "i96.parquet", []colSpec{
		{"t", &arrow.TimestampType{Unit: arrow.Nanosecond}, `[1609804800000000001, null, -1000]`},
	}, writeOpts{rowsPerGroup: 2, arrowProps: []pqarrow.WriterOption{pqarrow.WithDeprecatedInt96Timestamps(true)}})
	s, f := readAll(t, p)
	if got := schemaString(s); got != "t:datetime64[ns]" {
		t.Fatalf("schema %s", got)
	}
	if got := join(render(f.Cols[0])); got != "1609804800000000001 null -1000" {
		t.Fatal(got)
	}
}

func TestNoStatistics(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "ns.parquet", []colSpec{
		{"clean", arrow.PrimitiveTypes.Int64, `[1, 2, 3, 4, 5]`},
		{"holes", arrow.PrimitiveTypes.Int64, `[1, 2, 3, 4, null]`},
		{"s", arrow.BinaryTypes.String, `["a", "b", "c", "d", "e"]`},
	}, writeOpts{rowsPerGroup: 2, props: []parquet.WriterProperty{parquet.WithStats(false)}})
	s, f := readAll(t, p)
	if got := schemaString(s); got != "clean:int64 holes:float64 s:str" {
		t.Fatalf("schema %s (nulls must be counted when statistics are missing)", got)
	}
	if got := join(render(f.Col("holes"))); got != "1 2 3 4 NaN" {
		t.Fatal(got)
	}
}

func TestCorruptAndTruncated(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "good.parquet", bigColumns(500), writeOpts{rowsPerGroup: 100})
	data, _ := os.ReadFile(good)
	cases := map[string][]byte{
		"empty":          {},
		"tiny":           []byte("PAR1"),
		"not parquet":    []byte("id,name\n1,a\n2,b\n3,c\n"),
		"no footer":      data[:len(data)-8],
		"truncated half": data[:len(data)/2],
		"truncated tail": data[:len(data)-1],
		"garbage footer": append(append([]byte{}, data[:len(data)-200]...), append(make([]byte, 192), data[len(data)-8:]...)...),
	}
	// the footer intact but the data gone: the chunks lie outside the file
	shifted := append([]byte("PAR1"), data[len(data)/2:]...)
	cases["data cut out"] = shifted
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".parquet")
			os.WriteFile(p, b, 0o644)
			a := ir.Attrs{"path": p}
			s, err := Sniff(a)
			if err == nil {
				_, err = Read(a, s, nil)
			}
			if errKind(err) != "Parse" || !strings.Contains(err.Error(), p) {
				t.Fatalf("got %v, want a Parse error naming %s", err, p)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.parquet")
	_, err := Sniff(ir.Attrs{"path": p})
	if errKind(err) != "IO" || !strings.Contains(err.Error(), "No such file or directory") {
		t.Fatalf("got %v", err)
	}
	_, err = Read(ir.Attrs{"path": p}, &ir.Schema{}, nil)
	if errKind(err) != "IO" {
		t.Fatalf("Read: %v", err)
	}
	_, err = Sniff(ir.Attrs{"path": t.TempDir()})
	if errKind(err) != "NotImplemented" {
		t.Fatalf("directory: %v", err)
	}
}

func TestUsecolsErrors(t *testing.T) {
	p := write(t, t.TempDir(), "u.parquet", bigColumns(3), writeOpts{})
	for _, tc := range []struct {
		usecols []string
		kind    string
		msg     string
	}{
		{[]string{"i", "zz"}, "Value", "No match for FieldRef.Name(zz)"},
		{[]string{"i", "i"}, "NotImplemented", "twice"},
		{[]string{}, "NotImplemented", "without columns"},
	} {
		_, err := Sniff(ir.Attrs{"path": p, "usecols": anys(tc.usecols)})
		if errKind(err) != tc.kind || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("usecols %v: %v, want %s %q", tc.usecols, err, tc.kind, tc.msg)
		}
	}
}

func TestCache(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "c.parquet", bigColumns(10), writeOpts{})
	before := analyzed
	for i := 0; i < 3; i++ {
		if _, err := Sniff(ir.Attrs{"path": p}); err != nil {
			t.Fatal(err)
		}
	}
	if analyzed-before != 1 {
		t.Fatalf("footer analyzed %d times, want 1", analyzed-before)
	}
	// a rewritten file (other size, later mtime) is analyzed again
	write(t, dir, "c.parquet", []colSpec{{"x", arrow.PrimitiveTypes.Float64, `[1]`}}, writeOpts{})
	future := time.Now().Add(time.Hour)
	os.Chtimes(p, future, future)
	s, err := Sniff(ir.Attrs{"path": p})
	if err != nil || schemaString(s) != "x:float64" || analyzed-before != 2 {
		t.Fatalf("after rewrite: %v %v (analyzed %d)", s, err, analyzed-before)
	}
}

// ---- pandas metadata ------------------------------------------------------------

func pandasMetaJSON(index string, cols ...string) string {
	return `{"index_columns": [` + index + `], "column_indexes": [{"name": null, "field_name": null, "pandas_type": "unicode", "numpy_type": "object", "metadata": {"encoding": "UTF-8"}}], "columns": [` +
		strings.Join(cols, ", ") + `], "creator": {"library": "pyarrow", "version": "26.0.1"}, "pandas_version": "3.1.1"}`
}

func pcol(name, field, pandasType, numpyType string) string {
	n := "null"
	if name != "" {
		n = strconv.Quote(name)
	}
	return fmt.Sprintf(`{"name": %s, "field_name": %q, "pandas_type": %q, "numpy_type": %q, "metadata": null}`, n, field, pandasType, numpyType)
}

func TestPandasMetadata(t *testing.T) {
	dir := t.TempDir()
	data := []colSpec{
		{"a", arrow.PrimitiveTypes.Int64, `[10, 20, 30]`},
		{"s", arrow.BinaryTypes.String, `["x", null, "z"]`},
		{"__index_level_0__", arrow.PrimitiveTypes.Int64, `[7, 3, 5]`},
	}
	ca, cs := pcol("a", "a", "int64", "int64"), pcol("s", "s", "unicode", "str")
	cases := []struct {
		name   string
		meta   string
		schema string // schemaString, or the error
		index  string // rendered index levels
	}{
		{"default range", pandasMetaJSON(`{"kind": "range", "name": null, "start": 0, "stop": 3, "step": 1}`, ca, cs),
			"a:int64 s:str __index_level_0__:int64", ""},
		{"range from 1", pandasMetaJSON(`{"kind": "range", "name": null, "start": 1, "stop": 4, "step": 1}`, ca, cs),
			"[]:int64 a:int64 s:str __index_level_0__:int64", "1 2 3"},
		{"named range with step", pandasMetaJSON(`{"kind": "range", "name": "r", "start": 10, "stop": 1, "step": -3}`, ca, cs),
			"[r]:int64 a:int64 s:str __index_level_0__:int64", "10 7 4"},
		{"range of other length ignored", pandasMetaJSON(`{"kind": "range", "name": "r", "start": 0, "stop": 9, "step": 1}`, ca, cs),
			"a:int64 s:str __index_level_0__:int64", ""},
		{"stored index", pandasMetaJSON(`"__index_level_0__"`, ca, cs, pcol("", "__index_level_0__", "int64", "int64")),
			"[]:int64 a:int64 s:str", "7 3 5"},
		{"named stored index", pandasMetaJSON(`"s"`, ca, cs, pcol("__index_level_0__", "__index_level_0__", "int64", "int64")),
			"[s]:str a:int64 __index_level_0__:int64", `"x" null "z"`},
		{"two levels", pandasMetaJSON(`"s", "__index_level_0__"`, ca, cs, pcol("", "__index_level_0__", "int64", "int64")),
			"[s]:str []:int64 a:int64", `"x" null "z" | 7 3 5`},
		{"extension dtype", pandasMetaJSON(`"__index_level_0__"`, pcol("a", "a", "int64", "Int64"), cs),
			`NotImplemented: column "a": pandas dtype Int64`, ""},
		{"string[pd.NA]", pandasMetaJSON(`"__index_level_0__"`, ca, pcol("s", "s", "unicode", "string")),
			`NotImplemented: column "s": pandas dtype string`, ""},
		{"named columns index", strings.Replace(pandasMetaJSON(`"__index_level_0__"`, ca, cs), `"column_indexes": [{"name": null`, `"column_indexes": [{"name": "cols"`, 1),
			"NotImplemented: a frame whose columns Index has a name", ""},
		{"missing index column", pandasMetaJSON(`"nope"`, ca, cs), "NotImplemented: the index column", ""},
		{"unparsable metadata", `{not json`, "a:int64 s:str __index_level_0__:int64", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, dir, fmt.Sprintf("m%d.parquet", i), data, writeOpts{meta: map[string]string{"pandas": tc.meta}})
			a := ir.Attrs{"path": p}
			s, err := Sniff(a)
			if err != nil {
				kind, msg, _ := strings.Cut(tc.schema, ": ")
				if errKind(err) != kind || !strings.Contains(err.Error(), msg) {
					t.Fatalf("error %s: %v, want %s", errKind(err), err, tc.schema)
				}
				return
			}
			if got := schemaString(s); got != tc.schema {
				t.Fatalf("schema %s, want %s", got, tc.schema)
			}
			f, err := Read(a, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			var levels []string
			for j, c := range f.Index {
				if f.IndexNames[j] != s.Index[j].Name {
					t.Fatalf("index name %q, want %q", f.IndexNames[j], s.Index[j].Name)
				}
				levels = append(levels, join(render(c)))
			}
			if got := strings.Join(levels, " | "); got != tc.index {
				t.Fatalf("index %s, want %s", got, tc.index)
			}
			// projection keeps the index
			if len(s.Fields) > 0 {
				one := &ir.Schema{Fields: s.Fields[:1], Index: s.Index}
				g, err := Read(a, one, nil)
				if err != nil || len(g.Index) != len(f.Index) || len(g.Cols) != 1 {
					t.Fatalf("projected read: %v", err)
				}
			}
			if tc.index != "" && (tc.name == "stored index" || tc.name == "named stored index") {
				// the index column is not a column: naming it is refused
				a["usecols"] = anys([]string{"a", s.Index[0].Name})
				if s.Index[0].Name == "" {
					a["usecols"] = anys([]string{"a", "__index_level_0__"})
				}
				if _, err := Sniff(a); errKind(err) != "NotImplemented" {
					t.Fatalf("usecols naming the index: %v", err)
				}
			}
		})
	}
}

// TestPandasFiles reads files written by pandas.DataFrame.to_parquet
// (testdata/gen.py) and checks pandas.read_parquet's answer.
func TestPandasFiles(t *testing.T) {
	t.Run("types", func(t *testing.T) {
		for k, w := range []int{1, 8, 3} { // one decoding path each
			defer withDirect(paths[k])()
			withWorkers(w, func() {
				s, f := readAll(t, "testdata/pandas_types.parquet")
				if got := schemaString(s); got != "[]:int64 i:int64 i32:int32 f:float64 f32:float32 b:bool s:str t:datetime64[us] tn:datetime64[ns]" {
					t.Fatalf("schema %s", got)
				}
				want := map[string]string{
					"i":   "-1 0 5 7 9007199254740993",
					"i32": "2 -4 1 5 3",
					"f":   "NaN 3.25 1.5 1e+300 -0",
					"f32": "1.5 2 0.5 -3 NaN",
					"b":   "false true true false true",
					"s":   `null "" "a" "z" "日本"`,
					"t":   "null 9223286400000000 1609804800000000 951782400000000 -500000",
					"tn":  "1609891200000000000 0 1609804800000000001 951782400000000000 null",
				}
				for name, v := range want {
					if got := join(render(f.Col(name))); got != v {
						t.Errorf("%s = %s, want %s", name, got, v)
					}
				}
				if got := join(render(f.Index[0])); got != "1 3 0 4 2" || f.IndexNames[0] != "" {
					t.Errorf("index %s %q", got, f.IndexNames[0])
				}
			})
		}
	})
	t.Run("range index", func(t *testing.T) {
		s, f := readAll(t, "testdata/pandas_range_index.parquet")
		if got := schemaString(s); got != "[r]:int64 i:int64 s:str" {
			t.Fatalf("schema %s", got)
		}
		if got := join(render(f.Index[0])); got != "2 3 4" || f.IndexNames[0] != "r" {
			t.Fatalf("index %s %q", got, f.IndexNames[0])
		}
	})
	t.Run("multiindex", func(t *testing.T) {
		s, f := readAll(t, "testdata/pandas_multiindex.parquet")
		if got := schemaString(s); got != "[s]:str [i]:int64 f:float64" {
			t.Fatalf("schema %s", got)
		}
		if got := join(render(f.Index[0])) + " | " + join(render(f.Index[1])); got != `"a" null "日本" "" "z" | 5 -1 9007199254740993 0 7` {
			t.Fatalf("index %s", got)
		}
	})
}
