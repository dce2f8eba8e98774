package csvio

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// goldenCase is one pandas.read_csv result (see testdata/gen_golden.py).
type goldenCase struct {
	name  string
	csv   string
	attrs string // scan_csv attrs as JSON, without the path
	want  string // render() of pandas' frame, or "ERR " + pandas' message
}

// writeCSV stores content in a fresh file and returns its path.
func writeCSV(t testing.TB, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "data.csv")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// attrsFor decodes JSON attrs (as the wire does) and sets the path.
func attrsFor(t testing.TB, js, path string) ir.Attrs {
	t.Helper()
	a := ir.Attrs{}
	if js != "" {
		if err := json.Unmarshal([]byte(js), &a); err != nil {
			t.Fatalf("bad attrs %s: %v", js, err)
		}
	}
	a["path"] = path
	return a
}

// readCSV sniffs and reads every column.
func readCSV(t testing.TB, content, attrsJSON string) (*ir.Schema, *col.Frame, error) {
	t.Helper()
	attrs := attrsFor(t, attrsJSON, writeCSV(t, content))
	s, err := Sniff(attrs)
	if err != nil {
		return nil, nil, err
	}
	f, err := Read(attrs, s, nil)
	if err != nil {
		return s, nil, err
	}
	return s, f, nil
}

// pyFloatRepr formats a float as Python's repr() does.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, es, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(es)
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
		out = digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		out += fmt.Sprintf("e%s%02d", sign, exp)
	}
	if neg {
		out = "-" + out
	}
	return out
}

func esc(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// render prints a frame the way gen_golden.py prints pandas' frames.
func render(s *ir.Schema, f *col.Frame) string {
	var parts []string
	for i, name := range f.Names {
		c := f.Cols[i]
		fl := s.Fields[s.Lookup(name)]
		var dt string
		switch c.Type {
		case ir.Bool:
			dt = "bool"
			if fl.Nullable {
				dt = "bool?"
			}
		default:
			dt = c.Type.String()
		}
		vals := make([]string, c.N)
		for r := 0; r < c.N; r++ {
			switch {
			case c.Type.IsFloat():
				vals[r] = pyFloatRepr(c.F64[r])
			case !c.IsValid(r):
				vals[r] = "None"
			case c.Type == ir.Bool:
				vals[r] = map[bool]string{true: "True", false: "False"}[c.B[r]]
			case c.Type == ir.String:
				vals[r] = esc(c.Str(r))
			default:
				vals[r] = strconv.FormatInt(c.I64[r], 10)
			}
		}
		parts = append(parts, fmt.Sprintf("%s:%s=[%s]", esc(name), dt, strings.Join(vals, ", ")))
	}
	return strings.Join(parts, " | ")
}

// checkFrame verifies the frame's layout invariants against the schema.
func checkFrame(t *testing.T, s *ir.Schema, f *col.Frame) {
	t.Helper()
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if f.Index != nil {
		t.Errorf("Index = %v, want nil (RangeIndex)", f.Index)
	}
	for i, c := range f.Cols {
		fl := s.Fields[s.Lookup(f.Names[i])]
		if c.Type != fl.Type {
			t.Errorf("column %q: type %v, schema says %v", f.Names[i], c.Type, fl.Type)
		}
		if c.HasNulls() != fl.Nullable && c.Type != ir.Float64 && c.Type != ir.Float32 {
			t.Errorf("column %q: has nulls %v, schema nullable %v", f.Names[i], c.HasNulls(), fl.Nullable)
		}
		switch c.Type {
		case ir.String:
			if len(c.Offs) != c.N+1 || c.Offs[0] != 0 || c.Offs[c.N] != int64(len(c.Data)) || c.Data == nil {
				t.Errorf("column %q: bad string layout (offs %d for %d rows, data %d)", f.Names[i], len(c.Offs), c.N, len(c.Data))
			}
		case ir.Int64, ir.Int32, ir.DatetimeUS, ir.DatetimeNS:
			if len(c.I64) != c.N || c.I64 == nil {
				t.Errorf("column %q: %d values for %d rows", f.Names[i], len(c.I64), c.N)
			}
		case ir.Float64, ir.Float32:
			if len(c.F64) != c.N || c.F64 == nil || c.Valid != nil {
				t.Errorf("column %q: %d values for %d rows (valid %v)", f.Names[i], len(c.F64), c.N, c.Valid != nil)
			}
		case ir.Bool:
			if len(c.B) != c.N || c.B == nil {
				t.Errorf("column %q: %d values for %d rows", f.Names[i], len(c.B), c.N)
			}
		}
	}
}

// withChunking runs f with a chunk size and worker count, restoring them.
// A negative target means -target without quote-aware split points.
func withChunking(target, nw int, f func()) {
	ot, ow, op := chunkTarget, workers, quoteParity
	chunkTarget, workers = target, nw
	if target < 0 {
		chunkTarget, quoteParity = -target, false
	}
	defer func() { chunkTarget, workers, quoteParity = ot, ow, op }()
	f()
}

// modes are the chunkings every golden case is read with: one serial
// chunk, and tiny parallel chunks (exercising split points inside quoted
// fields, blank lines and CRLF pairs).
var modes = []struct {
	name            string
	target, workers int
}{
	{"serial", 1 << 20, 1},
	{"tiny-chunks-serial", 3, 1},
	{"tiny-chunks-parallel", 5, 4},
	{"small-chunks-parallel", 16, 3},
	{"tiny-chunks-blind-splits", -4, 3}, // split points ignore quotes
}

func TestGolden(t *testing.T) {
	for _, m := range modes {
		for _, tc := range goldenCases {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				withChunking(m.target, m.workers, func() {
					s, f, err := readCSV(t, tc.csv, tc.attrs)
					if want, isErr := strings.CutPrefix(tc.want, "ERR "); isErr {
						if err == nil {
							t.Fatalf("no error; want one containing %q\ngot %s", want, render(s, f))
						}
						if !strings.Contains(err.Error(), want) {
							t.Fatalf("error %q does not contain pandas' %q", err, want)
						}
						var fe *ir.Error
						if !errors.As(err, &fe) {
							t.Fatalf("error %T is not an *ir.Error", err)
						}
						return
					}
					if err != nil {
						t.Fatalf("unexpected error: %v", err)
					}
					checkFrame(t, s, f)
					if got := render(s, f); got != tc.want {
						t.Errorf("\ngot  %s\nwant %s", got, tc.want)
					}
				})
			})
		}
	}
}

// TestErrors covers error kinds and the line numbers, columns and values
// csvio adds to pandas' messages (and the cases csvio refuses).
func TestErrors(t *testing.T) {
	cases := []struct {
		name, csv, attrs string
		kind             string
		contains         []string
	}{
		{"ragged", "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n", ``, "Parse", []string{"Expected 3 fields in line 4, saw 4"}},
		{"ragged after blank and quoted newline", "a,b\n\"x\n\ny\",1\n\n\n3,4,5\n", ``, "Parse", []string{"Expected 2 fields in line 5, saw 3"}},
		{"eof in quote", "a,b\n1,2\n3,\"abc\n\n", ``, "Parse", []string{"EOF inside string starting at row 2"}},
		{"empty", "", ``, "Parse", []string{"No columns to parse from file"}},
		{"bom only", "\ufeff", ``, "Parse", []string{"No columns to parse from file"}},
		{"bad utf8 line", "a,b\n1,x\n2,y\n3,\xffz\n", ``, "Parse", []string{"can't decode byte 0xff in position 0", `column "b"`, "line 4"}},
		{"bad utf8 in header", "a,b\xfe\n1,2\n", ``, "Parse", []string{"can't decode byte 0xfe in position 1", "header", "line 1"}},
		{"bad utf8 in str dtype", "a\n\xc3\n", `{"dtype":{"a":"str"}}`, "Parse", []string{"unexpected end of data", "line 2"}},
		{"usecols", "a,b\n1,2\n", `{"usecols":["b","x","y"]}`, "ColumnNotFound", []string{"Usecols do not match columns, columns expected but not found: ['x', 'y']"}},
		{"parse_dates missing", "a,b\n1,2\n", `{"parse_dates":["x","y"]}`, "ColumnNotFound", []string{"Missing column provided to 'parse_dates': 'x, y'"}},
		{"int dtype text", "a,b\n1,2\n\n3,4\nx,5\n", `{"dtype":{"a":"int64"}}`, "Value", []string{"invalid literal for int() with base 10: 'x'", `column "a"`, "line 5"}},
		{"int dtype missing", "a,b\n1,2\n3,4\nNA,5\n", `{"dtype":{"a":"int"}}`, "Value", []string{"Integer column has NA values in column 0", `column "a"`, "line 4"}},
		{"int dtype after quoted newline", "a,b\n\"x\ny\",1\n\"z\",NA\n", `{"dtype":{"b":"int64"}}`, "Value", []string{"Integer column has NA values in column 1", "line 3"}},
		{"int dtype fraction", "a\n1\n2.5\n", `{"dtype":{"a":"int64"}}`, "Value", []string{"for float64 dtyped data in column 0", "line 3"}},
		{"int32 overflow", "a\n1\n3000000000\n", `{"dtype":{"a":"int32"}}`, "Value", []string{"int32 for int64", "line 3"}},
		{"int64 overflow dtype", "a\n1\n9223372036854775808\n", `{"dtype":{"a":"int64"}}`, "Value", []string{"9223372036854775808", "line 3"}},
		{"float dtype text", "a\n1\n2\nabc\n", `{"dtype":{"a":"float32"}}`, "Value", []string{"could not convert string to float: 'abc'", "line 4"}},
		{"bool dtype missing", "a\nTrue\n\nNA\n", `{"dtype":{"a":"bool"}}`, "Value", []string{"Bool column has NA values in column 0", "line 4"}},
		{"bool dtype numbers", "a\n1\n0\n2\n", `{"dtype":{"a":"bool"}}`, "Value", []string{"bool for int64", "line 4"}},
		{"datetime dtype", "a\n1\n", `{"dtype":{"a":"datetime64[us]"}}`, "Type", []string{"pass this column using parse_dates"}},
		{"unknown dtype", "a\n1\n", `{"dtype":{"a":"category"}}`, "NotImplemented", []string{"category"}},
		{"overflow natural", "a\n1\n9223372036854775808\n", ``, "NotImplemented", []string{"9223372036854775808", "outside int64", "line 3"}},
		{"underflow natural", "a\n-9223372036854775809\n", ``, "NotImplemented", []string{"-9223372036854775809", "line 2"}},
		{"overflow with missing", "a\n1\n99999999999999999999\nNA\n", ``, "NotImplemented", []string{"outside int64"}},
		{"implicit index", "a,b\n1,2,3\n4,5,6\n", ``, "NotImplemented", []string{"index", "line 2"}},
		{"implicit index with usecols", "a,b\n1,2,3\n4,5,6\n", `{"usecols":["b"]}`, "NotImplemented", []string{"index"}},
		{"implicit index names", "1,2,3\n", `{"names":["a","b"],"header":false}`, "NotImplemented", []string{"index", "line 1"}},
		{"header none without names", "1,2\n", `{"header":false}`, "NotImplemented", []string{"names"}},
		{"duplicate names", "1,2\n", `{"names":["a","a"]}`, "Value", []string{"Duplicate names are not allowed."}},
		{"multi-char sep", "a::b\n", `{"sep":"::"}`, "NotImplemented", []string{"separator"}},
		{"date not iso", "d\n2020-01-02\n01/02/2020\n", `{"parse_dates":["d"]}`, "Parse", []string{`"d"`, "'01/02/2020'", "line 3"}},
		{"date with spaces", "d\n 2020-01-02\n", `{"parse_dates":["d"]}`, "Parse", []string{"' 2020-01-02'", "line 2"}},
		{"date timezone", "d\n2020-01-02 03:04:05Z\n", `{"parse_dates":["d"]}`, "Parse", []string{"03:04:05Z"}},
		{"date first value a word", "d\nbad\n2020-01-02\n", `{"parse_dates":["d"]}`, "Parse", []string{"'bad'", "line 2"}},
		{"date now", "d\n2020-01-02\nnow\n", `{"parse_dates":["d"]}`, "Parse", []string{"'now'", "line 3"}},
		{"date lenient layout", "d\n2020-1-2\n", `{"parse_dates":["d"]}`, "Parse", []string{"2020-1-2"}},
		{"parse_dates true", "d\n2020-01-02\n", `{"parse_dates":true}`, "NotImplemented", []string{"parse_dates=True"}},
		{"missing path", "", `{"path":""}`, "Value", []string{"no path"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readCSV(t, tc.csv, tc.attrs)
			if tc.name == "missing path" {
				_, err = Sniff(ir.Attrs{"path": ""})
			}
			if err == nil {
				t.Fatal("no error")
			}
			var fe *ir.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %T (%v) is not an *ir.Error", err, err)
			}
			if fe.Kind != tc.kind {
				t.Errorf("kind %q, want %q (%v)", fe.Kind, tc.kind, err)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.csv")
	for _, f := range []func() error{
		func() error { _, err := Sniff(ir.Attrs{"path": p}); return err },
		func() error {
			_, err := Read(ir.Attrs{"path": p}, &ir.Schema{}, nil)
			return err
		},
	} {
		err := f()
		var fe *ir.Error
		if !errors.As(err, &fe) || fe.Kind != "IO" {
			t.Fatalf("got %v, want an IO error", err)
		}
		if !strings.Contains(err.Error(), "No such file") || !strings.Contains(err.Error(), p) {
			t.Errorf("message %q lacks 'No such file' or the path", err)
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error does not wrap os.ErrNotExist")
		}
	}
	// a directory is unreadable as a file
	_, err := Sniff(ir.Attrs{"path": t.TempDir()})
	var fe *ir.Error
	if !errors.As(err, &fe) || fe.Kind != "IO" {
		t.Fatalf("directory: got %v, want an IO error", err)
	}
}

// TestProjection checks that Read returns exactly the requested columns,
// in the requested order, with the values a full read gives.
func TestProjection(t *testing.T) {
	content := "a,b,c,d\n1,x,2.5,2020-01-01\n2,\"y\ny\",,2020-01-02\n3,z,4.5,\n"
	attrs := attrsFor(t, `{"parse_dates":["d"]}`, writeCSV(t, content))
	full, err := Sniff(attrs)
	if err != nil {
		t.Fatal(err)
	}
	pick := func(names ...string) *ir.Schema {
		s := &ir.Schema{}
		for _, n := range names {
			s.Fields = append(s.Fields, full.Fields[full.Lookup(n)])
		}
		return s
	}
	cases := []struct {
		cols []string
		want string
	}{
		{[]string{"c", "a"}, `"c":float64=[2.5, nan, 4.5] | "a":int64=[1, 2, 3]`},
		{[]string{"b"}, `"b":str=["x", "y\ny", "z"]`},
		{[]string{"d", "b", "d"}, `"d":datetime64[us]=[1577836800000000, 1577923200000000, None] | "b":str=["x", "y\ny", "z"] | "d":datetime64[us]=[1577836800000000, 1577923200000000, None]`},
		{nil, ``},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.cols, ","), func(t *testing.T) {
			s := pick(tc.cols...)
			f, err := Read(attrs, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if f.N != 3 {
				t.Errorf("N = %d, want 3", f.N)
			}
			if got := render(full, f); got != tc.want {
				t.Errorf("\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
	// a column the file lacks, and a type that disagrees with the file
	if _, err := Read(attrs, &ir.Schema{Fields: []ir.Field{{Name: "zz", Type: ir.Int64}}}, nil); err == nil {
		t.Error("unknown column: no error")
	}
	if _, err := Read(attrs, &ir.Schema{Fields: []ir.Field{{Name: "a", Type: ir.String}}}, nil); err == nil {
		t.Error("wrong type: no error")
	}
}

// TestSniffIgnoresColumns checks that the optimizer's columns attr does not
// change the inferred schema.
func TestSniffIgnoresColumns(t *testing.T) {
	p := writeCSV(t, "a,b\n1,x\n")
	s1, err := Sniff(ir.Attrs{"path": p})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Sniff(ir.Attrs{"path": p, "columns": []any{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(s1) != fmt.Sprint(s2) || len(s2.Fields) != 2 {
		t.Errorf("schemas differ: %v vs %v", s1, s2)
	}
}

func TestSniffCache(t *testing.T) {
	p := writeCSV(t, "a,b\n1,x\n")
	s1, err := Sniff(ir.Attrs{"path": p})
	if err != nil {
		t.Fatal(err)
	}
	// the cached schema is a copy: mutating it must not leak
	s1.Fields[0].Name = "mutated"
	s2, _ := Sniff(ir.Attrs{"path": p})
	if s2.Fields[0].Name != "a" {
		t.Fatalf("cache returned a shared schema")
	}
	// different schema-affecting attrs are different entries
	s3, err := Sniff(ir.Attrs{"path": p, "dtype": map[string]any{"a": "float64"}})
	if err != nil || s3.Fields[0].Type != ir.Float64 {
		t.Fatalf("dtype attr not part of the key: %v %v", s3, err)
	}
	// a changed file is re-read
	if err := os.WriteFile(p, []byte("a,b\n1.5,x\n2,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s4, err := Sniff(ir.Attrs{"path": p})
	if err != nil || s4.Fields[0].Type != ir.Float64 {
		t.Fatalf("changed file not re-sniffed: %v %v", s4, err)
	}
	// errors are cached too, and still returned
	bad := writeCSV(t, "a\n1\nx,y\n")
	for i := 0; i < 2; i++ {
		if _, err := Sniff(ir.Attrs{"path": bad}); err == nil {
			t.Fatal("no error")
		}
	}
}

func TestAttrDecoding(t *testing.T) {
	p := writeCSV(t, "a,b\n-999,x\n1,y\n")
	cases := []struct {
		name  string
		attrs ir.Attrs
		want  string
	}{
		{"numeric na_values", ir.Attrs{"na_values": []any{-999.0}}, `"a":float64=[nan, 1.0] | "b":str=["x", "y"]`},
		{"string na_values", ir.Attrs{"na_values": "x"}, `"a":int64=[-999, 1] | "b":str=[None, "y"]`},
		{"[]string usecols", ir.Attrs{"usecols": []string{"b"}}, `"b":str=["x", "y"]`},
		{"header 0", ir.Attrs{"header": 0.0}, `"a":int64=[-999, 1] | "b":str=["x", "y"]`},
		{"nil sep", ir.Attrs{"sep": nil}, `"a":int64=[-999, 1] | "b":str=["x", "y"]`},
		{"dtype all", ir.Attrs{"dtype": "float64", "usecols": []any{"a"}}, `"a":float64=[-999.0, 1.0]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.attrs["path"] = p
			s, err := Sniff(tc.attrs)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Read(tc.attrs, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(s, f); got != tc.want {
				t.Errorf("\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestDiffDir renders every $CSVIO_DIFF_DIR/*.csv (attrs from the matching
// .json file) into a .got file, for testdata/diff_pandas.py to compare with
// pandas. Skipped unless the variable is set.
func TestDiffDir(t *testing.T) {
	dir := os.Getenv("CSVIO_DIFF_DIR")
	if dir == "" {
		t.Skip("CSVIO_DIFF_DIR not set")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	for _, p := range files {
		base := strings.TrimSuffix(p, ".csv")
		js, _ := os.ReadFile(base + ".json")
		attrs := attrsFor(t, string(js), p)
		var out string
		s, err := Sniff(attrs)
		if err == nil {
			var f *col.Frame
			f, err = Read(attrs, s, nil)
			if err == nil {
				out = render(s, f)
			}
		}
		if err != nil {
			var fe *ir.Error
			errors.As(err, &fe)
			out = "ERR " + fe.Kind + " " + err.Error()
		}
		if err := os.WriteFile(base+".got", []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNumberParsers checks the hand-written fast paths against strconv on
// many generated spellings, and the pandas syntax rules.
func TestNumberParsers(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.Intn(10))
		}
		return string(b)
	}
	for i := 0; i < 200000; i++ {
		var s string
		switch rng.Intn(8) {
		case 0:
			s = digits(1 + rng.Intn(20))
		case 1:
			s = "-" + digits(1+rng.Intn(20))
		case 2:
			s = digits(rng.Intn(10)) + "." + digits(rng.Intn(12))
		case 3:
			s = digits(1+rng.Intn(25)) + "." + digits(rng.Intn(25))
		case 4:
			s = digits(1+rng.Intn(5)) + "e" + []string{"", "-", "+"}[rng.Intn(3)] + digits(1+rng.Intn(3))
		case 5:
			s = "+" + digits(rng.Intn(3)) + "." + digits(1+rng.Intn(17))
		case 6:
			s = []string{"", "-", "+"}[rng.Intn(3)] + digits(rng.Intn(5)) + "." + digits(rng.Intn(5))
		case 7:
			s = []string{"", "-", "+"}[rng.Intn(3)] + digits(rng.Intn(9))
			if rng.Intn(4) == 0 && len(s) > 1 {
				b := []byte(s)
				b[rng.Intn(len(b))] = "x.e-+/:"[rng.Intn(7)]
				s = string(b)
			}
		}
		// as in a file: bytes of the next fields follow the value
		padded := []byte(s + ",9.9,12345678")[:len(s)]
		f, ok := parseFloat([]byte(s))
		if f2, ok2 := parseFloat(padded); ok2 != ok || math.Float64bits(f2) != math.Float64bits(f) {
			t.Fatalf("parseFloat(%q) differs with spare capacity: %v %v vs %v %v", s, f2, ok2, f, ok)
		}
		if v1, ok1, o1 := parseInt(padded); fmt.Sprint(parseInt([]byte(s))) != fmt.Sprint(v1, ok1, o1) {
			t.Fatalf("parseInt(%q) differs with spare capacity", s)
		}
		g, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			if ok && s != "." && s != "+." {
				t.Fatalf("parseFloat(%q) = %v, strconv fails: %v", s, f, err)
			}
			continue
		}
		if !ok || math.Float64bits(f) != math.Float64bits(g) {
			t.Fatalf("parseFloat(%q) = %v %v, want %v", s, f, ok, g)
		}
		v, iok, ovf := parseInt([]byte(s))
		w, ierr := strconv.ParseInt(s, 10, 64)
		switch {
		case ierr == nil && (!iok || v != w):
			t.Fatalf("parseInt(%q) = %v %v, want %v", s, v, iok, w)
		case ierr != nil && iok:
			t.Fatalf("parseInt(%q) = %v, strconv: %v", s, v, ierr)
		case !strings.ContainsAny(s, ".e") && errors.Is(ierr, strconv.ErrRange) != ovf:
			t.Fatalf("parseInt(%q): overflow %v, strconv %v", s, ovf, ierr)
		}
	}
	cases := []struct {
		s        string
		intOK    bool
		floatOK  bool
		floatVal float64
	}{
		{"12", true, true, 12}, {" 12 ", true, true, 12}, {"\t-3\r", true, true, -3}, {"+5", true, true, 5},
		{"1_000", false, false, 0}, {"0x10", false, false, 0}, {"1e5", false, true, 1e5}, {"1E+05", false, true, 1e5},
		{"1e", false, false, 0}, {"e5", false, false, 0}, {".", false, false, 0}, {"-.e5", false, false, 0},
		{".5", false, true, 0.5}, {"5.", false, true, 5}, {"-", false, false, 0}, {"", false, false, 0},
		{"1.5.2", false, false, 0}, {"inf", false, false, 0}, {"nan", false, false, 0}, {"1 2", false, false, 0},
		{"12345678", true, true, 12345678}, {"1234567a", false, false, 0}, {"2020-01-02", false, false, 0},
		{"1e400", false, true, math.Inf(1)}, {"-1e400", false, true, math.Inf(-1)}, {"1e-400", false, true, 0},
	}
	for _, c := range cases {
		padded := []byte(c.s + "123456789")[:len(c.s)]
		if _, ok, _ := parseInt(padded); ok != c.intOK {
			t.Errorf("parseInt(padded %q) ok = %v", c.s, ok)
		}
		if f, ok := parseFloat(padded); ok != c.floatOK || (ok && f != c.floatVal) {
			t.Errorf("parseFloat(padded %q) = %v %v", c.s, f, ok)
		}
		if _, ok, _ := parseInt([]byte(c.s)); ok != c.intOK {
			t.Errorf("parseInt(%q) ok = %v", c.s, ok)
		}
		f, ok := parseFloat([]byte(c.s))
		if ok != c.floatOK || (ok && f != c.floatVal) {
			t.Errorf("parseFloat(%q) = %v %v", c.s, f, ok)
		}
	}
	for _, s := range []string{"inf", "+inf", "-inf", "Inf", "INFINITY", "-Infinity", "+infinity"} {
		if f, ok := parseNum([]byte(s)); !ok || !math.IsInf(f, 0) {
			t.Errorf("parseNum(%q) = %v %v", s, f, ok)
		}
	}
	for _, s := range []string{" inf", "inf ", "infinit", "-+inf"} {
		if _, ok := parseNum([]byte(s)); ok {
			t.Errorf("parseNum(%q) accepted", s)
		}
	}
}

// TestFileShrinksWhileRead checks that reading a memory-mapped file that
// was truncated meanwhile is an IO error, not a crash.
func TestFileShrinksWhileRead(t *testing.T) {
	p := writeCSV(t, "a,b\n"+strings.Repeat("1,2\n", 100000))
	data, release, _, err := loadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	sum := 0
	err = guardFault(p, func() error {
		for _, c := range data {
			sum += int(c)
		}
		return nil
	})
	if err == nil {
		t.Skipf("no fault (the platform does not map files): sum %d", sum)
	}
	var fe *ir.Error
	if !errors.As(err, &fe) || fe.Kind != "IO" || !strings.Contains(err.Error(), "changed while") {
		t.Fatalf("got %v, want an IO error", err)
	}
	// other panics are not swallowed
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("recovered %v, want boom", r)
		}
	}()
	_ = guardFault(p, func() error { panic("boom") })
}

// TestChunkingInvariance reads random files serially and split into tiny
// parallel chunks (split points land inside quoted fields, CRLF pairs and
// blank lines): results, and errors, must be identical.
func TestChunkingInvariance(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	redone0 := redoneChunks.Load()
	defer func() {
		if redoneChunks.Load() == redone0 {
			t.Error("no chunk was ever re-read: the speculative split logic was not exercised")
		}
	}()
	tokens := []string{"1", "-2", "3.5", "1e3", "", "NA", "nan", "True", "false", "x", "héllo", "\"q,u\"", "\"a\"\"b\"",
		"\"line\nbreak\"", "\"crlf\r\nin\"", "2020-01-02", "2021-03-04 05:06:07", "bad", " 7 ", "\"\"", "\"x\"tail", "inf",
		"9223372036854775808", "  ", "ab\"c", "x\"", "\"long quoted field\nspanning\nseveral\nlines, with, commas\""}
	for iter := 0; iter < 400; iter++ {
		ncols := 1 + rng.Intn(4)
		var sb strings.Builder
		for c := 0; c < ncols; c++ {
			if c > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "c%d", c%3)
		}
		nl := []string{"\n", "\r\n", "\r"}[rng.Intn(3)]
		sb.WriteString(nl)
		rows := rng.Intn(40)
		for r := 0; r < rows; r++ {
			if rng.Intn(15) == 0 {
				sb.WriteString(nl)
				continue
			}
			n := ncols
			if rng.Intn(20) == 0 {
				n = 1 + rng.Intn(ncols+1)
			}
			for c := 0; c < n; c++ {
				if c > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString(tokens[rng.Intn(len(tokens))])
			}
			sb.WriteString(nl)
		}
		attrs := []string{``, `{"parse_dates":["c0"]}`, `{"keep_default_na":false}`, `{"usecols":["c0"]}`,
			`{"dtype":{"c1":"str"}}`, `{"na_values":["x"]}`}[rng.Intn(6)]
		content := sb.String()
		var want string
		for mi, m := range modes {
			var got string
			withChunking(m.target, m.workers, func() {
				s, f, err := readCSV(t, content, attrs)
				if err != nil {
					got = "ERR " + err.Error()
				} else {
					got = render(s, f)
				}
			})
			if mi == 0 {
				want = got
			} else if got != want {
				t.Fatalf("file %q attrs %s:\n%s: %s\nserial: %s", content, attrs, m.name, got, want)
			}
		}
	}
}

// FuzzChunking checks on arbitrary input that reading never panics and
// that tiny parallel chunks give what a serial read gives. Seeds are the
// golden cases; run with go test -fuzz FuzzChunking.
func FuzzChunking(f *testing.F) {
	for _, tc := range goldenCases {
		f.Add(tc.csv, tc.attrs)
	}
	f.Fuzz(func(t *testing.T, content, attrs string) {
		a := ir.Attrs{}
		if attrs != "" && json.Unmarshal([]byte(attrs), &a) != nil {
			return
		}
		js, _ := json.Marshal(a)
		var want string
		for i, m := range []struct{ target, workers int }{{1 << 20, 1}, {3, 3}, {-5, 2}} {
			var got string
			withChunking(m.target, m.workers, func() {
				s, fr, err := readCSV(t, content, string(js))
				if err != nil {
					got = "ERR " + err.Error()
				} else {
					got = render(s, fr)
				}
			})
			if i == 0 {
				want = got
			} else if got != want {
				t.Fatalf("chunking %v: %s\nserial: %s", m, got, want)
			}
		}
	})
}
