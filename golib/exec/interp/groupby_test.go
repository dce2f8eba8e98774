package interp

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Expected values in these tests come from running pandas 3.1.1 on the same
// data (see the comment of each case).

var (
	gtNaN     = math.NaN()
	gtNegZero = math.Copysign(0, -1)
)

func gtI64(v ...int64) *col.Column { return col.NewInt64(v) }

func gtI32(v ...int64) *col.Column {
	c := col.NewInt64(v)
	c.Type = ir.Int32
	return c
}

func gtF64(v ...float64) *col.Column { return col.NewFloat64(v) }

func gtF32(v ...float64) *col.Column {
	r := make([]float64, len(v)) // v may be the caller's slice
	for i, x := range v {
		r[i] = float64(float32(x))
	}
	c := col.NewFloat64(r)
	c.Type = ir.Float32
	return c
}

// gtStr builds a String column from strings and nils (nulls).
func gtStr(v ...any) *col.Column {
	b := col.NewStringBuilder(len(v))
	for _, x := range v {
		if x == nil {
			b.AppendNull()
		} else {
			b.Append(x.(string))
		}
	}
	return b.Finish()
}

// gtBool builds a Bool column from bools and nils (nulls).
func gtBool(v ...any) *col.Column {
	c := &col.Column{Type: ir.Bool, N: len(v), B: make([]bool, len(v))}
	for i, x := range v {
		if x == nil {
			if c.Valid == nil {
				c.Valid = col.NewBitmap(len(v), true)
			}
			col.SetBit(c.Valid, i, false)
			continue
		}
		c.B[i] = x.(bool)
	}
	return c
}

// gtDT builds a datetime64[us] column from int64s and nils (NaT).
func gtDT(v ...any) *col.Column {
	c := &col.Column{Type: ir.DatetimeUS, N: len(v), I64: make([]int64, len(v))}
	for i, x := range v {
		if x == nil {
			if c.Valid == nil {
				c.Valid = col.NewBitmap(len(v), true)
			}
			col.SetBit(c.Valid, i, false)
			continue
		}
		c.I64[i] = int64(x.(int))
	}
	return c
}

// gtFrame builds a frame with a RangeIndex from alternating names and columns.
func gtFrame(nameCols ...any) *col.Frame {
	f := &col.Frame{}
	for i := 0; i < len(nameCols); i += 2 {
		c := nameCols[i+1].(*col.Column)
		f.Names = append(f.Names, nameCols[i].(string))
		f.Cols = append(f.Cols, c)
		f.N = c.N
	}
	return f
}

// gtIndexed sets f's index levels from alternating names and columns.
func gtIndexed(f *col.Frame, nameCols ...any) *col.Frame {
	for i := 0; i < len(nameCols); i += 2 {
		c := nameCols[i+1].(*col.Column)
		f.IndexNames = append(f.IndexNames, nameCols[i].(string))
		f.Index = append(f.Index, c)
		f.N = c.N
	}
	return f
}

func gtSchema(f *col.Frame) *ir.Schema {
	s := &ir.Schema{}
	for i, c := range f.Cols {
		s.Fields = append(s.Fields, ir.Field{Name: f.Names[i], Type: c.Type, Nullable: c.Valid != nil})
	}
	for i, c := range f.Index {
		s.Index = append(s.Index, ir.Field{Name: f.IndexNames[i], Type: c.Type})
	}
	return s
}

// gtAggs builds groupby_agg's aggs from "name:col:fn" specs.
func gtAggs(specs ...string) []any {
	out := make([]any, len(specs))
	for i, s := range specs {
		p := strings.Split(s, ":")
		out[i] = map[string]any{"name": p[0], "col": p[1], "fn": p[2]}
	}
	return out
}

func gtKeys(k ...string) []any {
	out := make([]any, len(k))
	for i, x := range k {
		out[i] = x
	}
	return out
}

// gtRun infers op's schema over in, executes it and checks the result
// against the schema.
func gtRun(t *testing.T, op string, attrs ir.Attrs, in *col.Frame) (*col.Frame, error) {
	t.Helper()
	n := &ir.Node{Op: op, Attrs: attrs}
	s, err := ir.LookupOp(op).Infer(n, []*ir.Schema{gtSchema(in)})
	if err != nil {
		return nil, err
	}
	n.Schema = s
	out, err := impls[op](&Ctx{}, n, []*col.Frame{in})
	if err != nil {
		return nil, err
	}
	if err := out.Validate(); err != nil {
		t.Fatalf("invalid frame: %v", err)
	}
	if !s.Dynamic {
		if len(out.Cols) != len(s.Fields) {
			t.Fatalf("%d columns, schema has %d", len(out.Cols), len(s.Fields))
		}
		for i, f := range s.Fields {
			if out.Names[i] != f.Name || out.Cols[i].Type != f.Type {
				t.Errorf("column %d is %s:%s, schema says %s:%s", i, out.Names[i], out.Cols[i].Type, f.Name, f.Type)
			}
		}
	}
	if op != "dropna" { // dropna's schema keeps a RangeIndex; its rows keep their labels
		if len(out.Index) != len(s.Index) {
			t.Errorf("%d index levels, schema has %d", len(out.Index), len(s.Index))
		} else {
			for i, f := range s.Index {
				if out.Index[i].Type != f.Type {
					t.Errorf("index level %d is %s, schema says %s", i, out.Index[i].Type, f.Type)
				}
			}
		}
	}
	return out, nil
}

func gtCellString(c *col.Column, i int) string {
	if !c.IsValid(i) {
		return "<null>"
	}
	switch {
	case c.Type == ir.String:
		return fmt.Sprintf("%q", c.Str(i))
	case c.Type.IsFloat():
		return fmt.Sprint(c.F64[i])
	case c.Type == ir.Bool:
		return fmt.Sprint(c.B[i])
	}
	return fmt.Sprint(c.I64[i])
}

// gtColDiff describes the first difference between two columns ("" if
// equal). Floats compare bit for bit (the sign of zero included); any NaN
// equals any NaN.
func gtColDiff(got, want *col.Column) string {
	if got.Type != want.Type {
		return fmt.Sprintf("type %s, want %s", got.Type, want.Type)
	}
	if got.N != want.N {
		return fmt.Sprintf("%d rows, want %d", got.N, want.N)
	}
	for i := 0; i < want.N; i++ {
		gv, wv := got.IsValid(i), want.IsValid(i)
		same := gv == wv
		if same && gv {
			switch {
			case want.Type == ir.String:
				same = got.Str(i) == want.Str(i)
			case want.Type.IsFloat():
				g, w := got.F64[i], want.F64[i]
				same = math.Float64bits(g) == math.Float64bits(w) || (g != g && w != w)
			case want.Type == ir.Bool:
				same = got.B[i] == want.B[i]
			default:
				same = got.I64[i] == want.I64[i]
			}
		}
		if !same {
			return fmt.Sprintf("row %d: got %s, want %s", i, gtCellString(got, i), gtCellString(want, i))
		}
	}
	return ""
}

func gtCheckFrame(t *testing.T, got, want *col.Frame) {
	t.Helper()
	if got.N != want.N {
		t.Errorf("%d rows, want %d", got.N, want.N)
	}
	if strings.Join(got.Names, ",") != strings.Join(want.Names, ",") {
		t.Fatalf("columns %q, want %q", got.Names, want.Names)
	}
	for i, c := range want.Cols {
		if d := gtColDiff(got.Cols[i], c); d != "" {
			t.Errorf("column %s: %s", want.Names[i], d)
		}
	}
	if want.Index == nil {
		if got.Index != nil {
			t.Errorf("index has %d levels, want a RangeIndex", len(got.Index))
		}
		return
	}
	if len(got.Index) != len(want.Index) {
		t.Fatalf("%d index levels, want %d", len(got.Index), len(want.Index))
	}
	if strings.Join(got.IndexNames, ",") != strings.Join(want.IndexNames, ",") {
		t.Errorf("index names %q, want %q", got.IndexNames, want.IndexNames)
	}
	for i, c := range want.Index {
		if d := gtColDiff(got.Index[i], c); d != "" {
			t.Errorf("index level %d: %s", i, d)
		}
	}
}

type gtCase struct {
	name  string
	in    *col.Frame
	attrs ir.Attrs
	want  *col.Frame
}

func gtRunCases(t *testing.T, op string, cases []gtCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := gtRun(t, op, tc.attrs, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			gtCheckFrame(t, got, tc.want)
		})
	}
}

var gtAllFns = gtAggs("sum:v:sum", "mean:v:mean", "count:v:count", "min:v:min", "max:v:max", "std:v:std",
	"var:v:var", "nunique:v:nunique", "size::size", "first:v:first", "last:v:last", "median:v:median")

func TestGroupByAgg(t *testing.T) {
	// df.groupby(["a", "b"], dropna=..., sort=...).agg(s=("v", "sum"), n=("v", "size"))
	multi := gtFrame("a", gtStr("x", "y", nil, "x", "y", nil, "x"),
		"b", gtF64(1, gtNaN, 2, 1, gtNaN, 2, 0.5), "v", gtI64(1, 2, 3, 4, 5, 6, 7))
	// values where Kahan (pandas' Cython kernels), ufunc.reduceat (pandas'
	// path for groups already contiguous) and pairwise (Series.sum) differ
	sumv := []float64{1e16, 1, 1, 1, -1e16, 3, 1e-3, 0.1, 0.2, 0.3}
	sumMono := []float64{1e16, 1.0, -1e16, 0.001, 0.2, 1.0, 1.0, 3.0, 0.1, 0.3}

	gtRunCases(t, "groupby_agg", []gtCase{
		{
			// df = pd.DataFrame({"k": [3, 1, 3, 2, 1, 3], "v": [1.5, nan, -2.25, 4.0, 0.1, nan]})
			// df.groupby("k").agg(sum=("v", "sum"), mean=("v", "mean"), ...)
			name:  "float_values_all_fns",
			in:    gtFrame("k", gtI64(3, 1, 3, 2, 1, 3), "v", gtF64(1.5, gtNaN, -2.25, 4, 0.1, gtNaN)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAllFns},
			want: gtIndexed(gtFrame(
				"sum", gtF64(0.1, 4, -0.75), "mean", gtF64(0.1, 4, -0.375), "count", gtI64(1, 1, 2),
				"min", gtF64(0.1, 4, -2.25), "max", gtF64(0.1, 4, 1.5),
				"std", gtF64(gtNaN, gtNaN, 2.6516504294495533), "var", gtF64(gtNaN, gtNaN, 7.03125),
				"nunique", gtI64(1, 1, 2), "size", gtI64(2, 1, 3), "first", gtF64(0.1, 4, 1.5),
				"last", gtF64(0.1, 4, -2.25), "median", gtF64(0.1, 4, -0.375)),
				"k", gtI64(1, 2, 3)),
		},
		{
			// all-NaN group: sum 0, others NaN; -0.0 and 0.0 in one group:
			// min/max keep the first (strict comparisons), median -0.0
			// df = pd.DataFrame({"k": [1, 1, 2, 2, 2, 3], "v": [nan, nan, -0.0, 0.0, nan, 5.0]})
			name: "all_nan_group_and_signed_zeros",
			in:   gtFrame("k", gtI64(1, 1, 2, 2, 2, 3), "v", gtF64(gtNaN, gtNaN, gtNegZero, 0, gtNaN, 5)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:v:sum", "m:v:mean", "mn:v:min", "mx:v:max",
				"md:v:median", "sd:v:std", "f:v:first", "l:v:last", "c:v:count", "u:v:nunique")},
			want: gtIndexed(gtFrame(
				"s", gtF64(0, 0, 5), "m", gtF64(gtNaN, 0, 5), "mn", gtF64(gtNaN, gtNegZero, 5),
				"mx", gtF64(gtNaN, gtNegZero, 5), "md", gtF64(gtNaN, gtNegZero, 5), "sd", gtF64(gtNaN, 0, gtNaN),
				"f", gtF64(gtNaN, gtNegZero, 5), "l", gtF64(gtNaN, 0, 5), "c", gtI64(0, 2, 1), "u", gtI64(0, 1, 1)),
				"k", gtI64(1, 2, 3)),
		},
		{
			// NaN keys kept, first-appearance order; -0.0 and 0.0 are one key
			// labelled by the first seen
			// df = pd.DataFrame({"k": [2.0, nan, -0.0, 1.0, 0.0, nan, 2.0], "v": [1, 2, 3, 4, 5, 6, 7]})
			// df.groupby("k", dropna=False, sort=False).agg(s=("v", "sum"), n=("v", "size"), m=("v", "mean"))
			name: "float_keys_dropna_false_unsorted",
			in:   gtFrame("k", gtF64(2, gtNaN, gtNegZero, 1, 0, gtNaN, 2), "v", gtI64(1, 2, 3, 4, 5, 6, 7)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "dropna": false, "sort": false,
				"aggs": gtAggs("s:v:sum", "n::size", "m:v:mean")},
			want: gtIndexed(gtFrame("s", gtI64(8, 8, 8, 4), "n", gtI64(2, 2, 2, 1), "m", gtF64(4, 4, 4, 4)),
				"k", gtF64(2, gtNaN, gtNegZero, 1)),
		},
		{
			// df.groupby("k", dropna=False).agg(s=("v", "sum")): NaN sorts last
			name:  "float_keys_dropna_false_sorted",
			in:    gtFrame("k", gtF64(2, gtNaN, gtNegZero, 1, 0, gtNaN, 2), "v", gtI64(1, 2, 3, 4, 5, 6, 7)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "dropna": false, "aggs": gtAggs("s:v:sum")},
			want:  gtIndexed(gtFrame("s", gtI64(8, 4, 8, 8)), "k", gtF64(gtNegZero, 1, 2, gtNaN)),
		},
		{
			// df.groupby("k").agg(s=("v", "sum")): NaN keys dropped
			name:  "float_keys_dropna",
			in:    gtFrame("k", gtF64(2, gtNaN, gtNegZero, 1, 0, gtNaN, 2), "v", gtI64(1, 2, 3, 4, 5, 6, 7)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:v:sum")},
			want:  gtIndexed(gtFrame("s", gtI64(8, 4, 8)), "k", gtF64(gtNegZero, 1, 2)),
		},
		{
			// strings sort bytewise (by code point), null key last; string
			// aggregations skip nulls
			// df = pd.DataFrame({"k": ["b", None, "é", "B", "日本", "a", "b", None, "é"], "v": [1, ..., 9],
			//                    "s": ["x", "y", None, "z", "w", None, None, "q", "p"]})
			// df.groupby("k", dropna=False, as_index=False).agg(s=("v", "sum"), mn=("s", "min"), ...)
			name: "string_keys_as_index_false",
			in: gtFrame("k", gtStr("b", nil, "é", "B", "日本", "a", "b", nil, "é"), "v", gtI64(1, 2, 3, 4, 5, 6, 7, 8, 9),
				"s", gtStr("x", "y", nil, "z", "w", nil, nil, "q", "p")),
			attrs: ir.Attrs{"keys": gtKeys("k"), "dropna": false, "as_index": false,
				"aggs": gtAggs("s:v:sum", "mn:s:min", "mx:s:max", "f:s:first", "l:s:last", "c:s:count", "u:s:nunique")},
			want: gtFrame("k", gtStr("B", "a", "b", "é", "日本", nil), "s", gtI64(4, 6, 8, 12, 5, 10),
				"mn", gtStr("z", nil, "x", "p", "w", "q"), "mx", gtStr("z", nil, "x", "p", "w", "y"),
				"f", gtStr("z", nil, "x", "p", "w", "y"), "l", gtStr("z", nil, "x", "p", "w", "q"),
				"c", gtI64(1, 0, 1, 1, 1, 2), "u", gtI64(1, 0, 1, 1, 1, 2)),
		},
		{
			// df.groupby("k", as_index=False, sort=False).agg(s=("v", "sum"))
			name:  "string_keys_unsorted",
			in:    gtFrame("k", gtStr("b", nil, "é", "B", "日本", "a", "b", nil, "é"), "v", gtI64(1, 2, 3, 4, 5, 6, 7, 8, 9)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "as_index": false, "sort": false, "aggs": gtAggs("s:v:sum")},
			want:  gtFrame("k", gtStr("b", "é", "B", "日本", "a"), "s", gtI64(8, 12, 4, 5, 6)),
		},
		{
			name:  "multi_keys_sorted_dropna",
			in:    multi,
			attrs: ir.Attrs{"keys": gtKeys("a", "b"), "aggs": gtAggs("s:v:sum", "n::size")},
			want:  gtIndexed(gtFrame("s", gtI64(7, 5), "n", gtI64(1, 2)), "a", gtStr("x", "x"), "b", gtF64(0.5, 1)),
		},
		{
			name:  "multi_keys_sorted_keep_na",
			in:    multi,
			attrs: ir.Attrs{"keys": gtKeys("a", "b"), "dropna": false, "aggs": gtAggs("s:v:sum", "n::size")},
			want: gtIndexed(gtFrame("s", gtI64(7, 5, 7, 9), "n", gtI64(1, 2, 2, 2)),
				"a", gtStr("x", "x", "y", nil), "b", gtF64(0.5, 1, gtNaN, 2)),
		},
		{
			name:  "multi_keys_unsorted_dropna",
			in:    multi,
			attrs: ir.Attrs{"keys": gtKeys("a", "b"), "sort": false, "aggs": gtAggs("s:v:sum", "n::size")},
			want:  gtIndexed(gtFrame("s", gtI64(5, 7), "n", gtI64(2, 1)), "a", gtStr("x", "x"), "b", gtF64(1, 0.5)),
		},
		{
			name:  "multi_keys_unsorted_keep_na",
			in:    multi,
			attrs: ir.Attrs{"keys": gtKeys("a", "b"), "sort": false, "dropna": false, "aggs": gtAggs("s:v:sum", "n::size")},
			want: gtIndexed(gtFrame("s", gtI64(5, 7, 9, 7), "n", gtI64(2, 2, 2, 1)),
				"a", gtStr("x", "y", nil, "x"), "b", gtF64(1, gtNaN, 2, 0.5)),
		},
		{
			// int64 extremes: keys sort; sums wrap like numpy
			// df = pd.DataFrame({"k": [2**63-1, -2**63, 0, -2**63, 2**63-1], "v": [2**63-1, -2**63, 7, -1, 1]})
			name: "int64_edges",
			in: gtFrame("k", gtI64(math.MaxInt64, math.MinInt64, 0, math.MinInt64, math.MaxInt64),
				"v", gtI64(math.MaxInt64, math.MinInt64, 7, -1, 1)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAllFns},
			want: gtIndexed(gtFrame(
				"sum", gtI64(math.MaxInt64, 7, math.MinInt64),
				"mean", gtF64(-4.611686018427388e+18, 7, 4.611686018427388e+18), "count", gtI64(2, 1, 2),
				"min", gtI64(math.MinInt64, 7, 1), "max", gtI64(-1, 7, math.MaxInt64),
				"std", gtF64(6.521908912666392e+18, gtNaN, 6.521908912666392e+18),
				"var", gtF64(4.253529586511731e+37, gtNaN, 4.253529586511731e+37),
				"nunique", gtI64(2, 1, 2), "size", gtI64(2, 1, 2),
				"first", gtI64(math.MinInt64, 7, math.MaxInt64), "last", gtI64(-1, 7, 1),
				"median", gtF64(-4.611686018427388e+18, 7, 4.611686018427388e+18)),
				"k", gtI64(math.MinInt64, 0, math.MaxInt64)),
		},
		{
			// e = pd.DataFrame({"k": int64[], "v": float64[], "s": str[]})
			// e.groupby("k").agg(a=("v", "sum"), b=("v", "mean"), c=("s", "min"), d=("v", "size"))
			name:  "empty_frame",
			in:    gtFrame("k", gtI64(), "v", gtF64(), "s", gtStr()),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("a:v:sum", "b:v:mean", "c:s:min", "d::size")},
			want:  gtIndexed(gtFrame("a", gtF64(), "b", gtF64(), "c", gtStr(), "d", gtI64()), "k", gtI64()),
		},
		{
			// no keys: Series reductions of an empty frame:
			// e.v.sum() 0.0, e.v.mean() nan, e.v.count() 0, len(e) 0, e.v.min() nan, e.s.min() nan, e.v.std() nan
			name: "empty_frame_no_keys",
			in:   gtFrame("k", gtI64(), "v", gtF64(), "s", gtStr()),
			attrs: ir.Attrs{"keys": gtKeys(), "aggs": gtAggs("a:v:sum", "b:v:mean", "c:v:count", "d::size",
				"e:v:min", "f:s:min", "g:v:std", "h:v:median", "i:k:sum")},
			want: gtFrame("a", gtF64(0), "b", gtF64(gtNaN), "c", gtI64(0), "d", gtI64(0), "e", gtF64(gtNaN),
				"f", gtStr(nil), "g", gtF64(gtNaN), "h", gtF64(gtNaN), "i", gtI64(0)),
		},
		{
			// Cython kernels: Kahan sums, Welford variance
			// df = pd.DataFrame({"k": [0, 1] * 5, "v": [1e16, 1, 1, 1, -1e16, 3, 1e-3, 0.1, 0.2, 0.3]})
			// df.groupby("k").agg(s=("v", "sum"), m=("v", "mean"), sd=("v", "std"), vr=("v", "var"))
			name:  "kahan_sums",
			in:    gtFrame("k", gtI64(0, 1, 0, 1, 0, 1, 0, 1, 0, 1), "v", gtF64(sumv...)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:v:sum", "m:v:mean", "sd:v:std", "vr:v:var")},
			want: gtIndexed(gtFrame("s", gtF64(0.201, 5.4), "m", gtF64(0.0402, 1.08),
				"sd", gtF64(7071067811865475.0, 1.147606204235582), "vr", gtF64(4.999999999999999e+31, 1.317)),
				"k", gtI64(0, 1)),
		},
		{
			// the same rows sorted by key: pandas sums contiguous groups with
			// np.add.reduceat instead
			// df.sort_values("k", kind="stable").reset_index(drop=True).groupby("k").agg(...)
			name:  "reduceat_sums",
			in:    gtFrame("k", gtI64(0, 0, 0, 0, 0, 1, 1, 1, 1, 1), "v", gtF64(sumMono...)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:v:sum", "m:v:mean", "sd:v:std", "vr:v:var")},
			want: gtIndexed(gtFrame("s", gtF64(0, 5.3999999999999995), "m", gtF64(0, 1.0799999999999998),
				"sd", gtF64(7071067811865475.0, 1.147606204235582), "vr", gtF64(4.999999999999999e+31, 1.317)),
				"k", gtI64(0, 1)),
		},
		{
			// no keys: nanops (numpy pairwise sums, two-pass variance)
			// df.v.sum() 6.5, df.v.mean() 0.65, df.v.std(), df.v.var(), df.v.median()
			name: "no_keys_pairwise",
			in:   gtFrame("k", gtI64(0, 1, 0, 1, 0, 1, 0, 1, 0, 1), "v", gtF64(sumv...)),
			attrs: ir.Attrs{"keys": gtKeys(), "aggs": gtAggs("s:v:sum", "m:v:mean", "sd:v:std", "vr:v:var",
				"md:v:median", "n::size", "f:v:first", "l:v:last", "u:k:nunique")},
			want: gtFrame("s", gtF64(6.5), "m", gtF64(0.65), "sd", gtF64(4714045207910317.0),
				"vr", gtF64(2.2222222222222224e+31), "md", gtF64(0.65), "n", gtI64(10), "f", gtF64(1e16),
				"l", gtF64(0.3), "u", gtI64(2)),
		},
		{
			// float32: sum, mean and var accumulate in float32
			// x = np.array([0.1, 0.2, 0.3, 1e7, -1e7, 0.7, 1/3, 2/3], dtype=np.float32)
			// pd.DataFrame({"k": [1, 0] * 4, "v": x}).groupby("k").agg(...)
			// (std: pandas returns float64 4999999.738888892, 5000000.122222228;
			// the schema says float32, so these are rounded)
			name: "float32",
			in:   gtFrame("k", gtI64(1, 0, 1, 0, 1, 0, 1, 0), "v", gtF32(0.1, 0.2, 0.3, 1e7, -1e7, 0.7, 1.0/3, 2.0/3)),
			attrs: ir.Attrs{"keys": gtKeys("k"),
				"aggs": gtAggs("s:v:sum", "m:v:mean", "sd:v:std", "vr:v:var", "md:v:median")},
			want: gtIndexed(gtFrame("s", gtF32(10000001.0, -10000000.0), "m", gtF32(2500000.25, -2500000.0),
				"sd", gtF32(4999999.5, 5000000.0), "vr", gtF32(24999997997056.0, 25000000094208.0),
				"md", gtF32(0.6833333373069763, 0.20000000298023224)),
				"k", gtI64(0, 1)),
		},
		{
			// df.v.sum() etc. of the float32 column above
			name: "float32_no_keys",
			in:   gtFrame("v", gtF32(0.1, 0.2, 0.3, 1e7, -1e7, 0.7, 1.0/3, 2.0/3)),
			attrs: ir.Attrs{"keys": gtKeys(),
				"aggs": gtAggs("s:v:sum", "m:v:mean", "sd:v:std", "vr:v:var", "md:v:median")},
			want: gtFrame("s", gtF32(2.0), "m", gtF32(0.25), "sd", gtF32(5345225.0), "vr", gtF32(28571428978688.0),
				"md", gtF32(0.3166666626930237)),
		},
		{
			// a bool key with nulls is object dtype in pandas, whose sort puts
			// NaN where numpy's insertion sort leaves it
			// df = pd.DataFrame({"k": pd.Series([None, True, False, None, True], dtype=object), "v": [1, 2, 3, 4, 5]})
			// df.groupby("k", dropna=False).agg(s=("v", "sum"))
			name:  "bool_null_key",
			in:    gtFrame("k", gtBool(nil, true, false, nil, true), "v", gtI64(1, 2, 3, 4, 5)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "dropna": false, "aggs": gtAggs("s:v:sum")},
			want:  gtIndexed(gtFrame("s", gtI64(5, 3, 7)), "k", gtBool(nil, false, true)),
		},
		{
			name:  "bool_null_key_dropna",
			in:    gtFrame("k", gtBool(nil, true, false, nil, true), "v", gtI64(1, 2, 3, 4, 5)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:v:sum")},
			want:  gtIndexed(gtFrame("s", gtI64(3, 7)), "k", gtBool(false, true)),
		},
		{
			// df = pd.DataFrame({"k": ["a", "b", "a", "a", "b"],
			//     "t": pd.to_datetime(["2020-01-03", None, "2020-01-01", "2020-01-02", None]).as_unit("us")})
			name: "datetime_values",
			in: gtFrame("k", gtStr("a", "b", "a", "a", "b"),
				"t", gtDT(1578009600000000, nil, 1577836800000000, 1577923200000000, nil)),
			attrs: ir.Attrs{"keys": gtKeys("k"),
				"aggs": gtAggs("mn:t:min", "mx:t:max", "f:t:first", "l:t:last", "c:t:count", "u:t:nunique")},
			want: gtIndexed(gtFrame("mn", gtDT(1577836800000000, nil), "mx", gtDT(1578009600000000, nil),
				"f", gtDT(1578009600000000, nil), "l", gtDT(1577923200000000, nil), "c", gtI64(3, 0), "u", gtI64(3, 0)),
				"k", gtStr("a", "b")),
		},
		{
			// df.groupby("t", dropna=False).agg(n=("k", "size"), f=("k", "first")): NaT last
			name: "datetime_keys",
			in: gtFrame("k", gtStr("a", "b", "a", "a", "b"),
				"t", gtDT(1578009600000000, nil, 1577836800000000, 1577923200000000, nil)),
			attrs: ir.Attrs{"keys": gtKeys("t"), "dropna": false, "aggs": gtAggs("n::size", "f:k:first")},
			want: gtIndexed(gtFrame("n", gtI64(1, 1, 1, 2), "f", gtStr("a", "a", "a", "b")),
				"t", gtDT(1577836800000000, 1577923200000000, 1578009600000000, nil)),
		},
		{
			// df = pd.DataFrame({"k": [1, 1, 2, 2, 2], "b": [True, True, False, True, False]})
			name: "bool_values",
			in:   gtFrame("k", gtI64(1, 1, 2, 2, 2), "b", gtBool(true, true, false, true, false)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:b:sum", "m:b:mean", "mn:b:min", "mx:b:max",
				"sd:b:std", "md:b:median", "f:b:first")},
			want: gtIndexed(gtFrame("s", gtI64(2, 1), "m", gtF64(1, 0.3333333333333333), "mn", gtBool(true, false),
				"mx", gtBool(true, true), "sd", gtF64(0, 0.5773502691896258), "md", gtF64(1, 0), "f", gtBool(true, false)),
				"k", gtI64(1, 2)),
		},
		{
			// int32: pandas sums in int64 (its result dtype is int64 there)
			// df = pd.DataFrame({"k": np.array([1, 1, 2], dtype=np.int32), "v": np.array([2**31-1, 1, 3], dtype=np.int32)})
			name:  "int32",
			in:    gtFrame("k", gtI32(1, 1, 2), "v", gtI32(math.MaxInt32, 1, 3)),
			attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:v:sum", "m:v:mean", "mx:v:max")},
			want: gtIndexed(gtFrame("s", gtI64(2147483648, 3), "m", gtF64(1073741824, 3), "mx", gtI32(math.MaxInt32, 3)),
				"k", gtI32(1, 2)),
		},
	})
}

func TestGroupByAggErrors(t *testing.T) {
	in := gtFrame("k", gtI64(1), "s", gtStr("a"))
	for _, attrs := range []ir.Attrs{
		{"keys": gtKeys("k"), "aggs": gtAggs("m:s:mean")},    // mean of strings
		{"keys": gtKeys("nope"), "aggs": gtAggs("n::size")},  // unknown key
		{"keys": gtKeys("k"), "aggs": gtAggs("n:k:product")}, // unknown function
	} {
		if _, err := gtRun(t, "groupby_agg", attrs, in); err == nil {
			t.Errorf("%v: no error", attrs)
		}
	}
}

// A large frame exercises the map paths (many groups, several keys) against
// a simple reference computed here.
func TestGroupByManyGroups(t *testing.T) {
	const n = 50000
	a := make([]int64, n)
	b := make([]string, n)
	v := make([]float64, n)
	for i := range a {
		a[i] = int64(i*7919) % 3001
		b[i] = fmt.Sprintf("s%d", (i*31)%17)
		v[i] = float64(i % 1000)
	}
	in := gtFrame("a", gtI64(a...), "b", col.NewStrings(b, nil), "v", gtF64(v...))
	got, err := gtRun(t, "groupby_agg", ir.Attrs{"keys": gtKeys("a", "b"), "sort": false,
		"aggs": gtAggs("s:v:sum", "n::size")}, in)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		a int64
		b string
	}
	sum := map[key]float64{}
	cnt := map[key]int64{}
	var order []key
	for i := range a {
		k := key{a[i], b[i]}
		if _, ok := cnt[k]; !ok {
			order = append(order, k)
		}
		sum[k] += v[i]
		cnt[k]++
	}
	if got.N != len(order) {
		t.Fatalf("%d groups, want %d", got.N, len(order))
	}
	for i, k := range order {
		if ga, gb := got.Index[0].I64[i], got.Index[1].Str(i); ga != k.a || gb != k.b {
			t.Fatalf("group %d is (%d, %s), want (%d, %s)", i, ga, gb, k.a, k.b)
		}
		if got.Cols[0].F64[i] != sum[k] || got.Cols[1].I64[i] != cnt[k] {
			t.Fatalf("group %d: sum %v size %d, want %v %d", i, got.Cols[0].F64[i], got.Cols[1].I64[i], sum[k], cnt[k])
		}
	}
}

func BenchmarkGroupByInt64Key(b *testing.B) {
	const n = 1 << 20
	k := make([]int64, n)
	v := make([]float64, n)
	for i := range k {
		k[i] = int64(i*2654435761) % 1000
		v[i] = float64(i)
	}
	in := gtFrame("k", gtI64(k...), "v", gtF64(v...))
	node := &ir.Node{Op: "groupby_agg", Attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:v:sum", "m:v:mean")}}
	s, err := ir.LookupOp("groupby_agg").Infer(node, []*ir.Schema{gtSchema(in)})
	if err != nil {
		b.Fatal(err)
	}
	node.Schema = s
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := impls["groupby_agg"](&Ctx{}, node, []*col.Frame{in}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupByStringKey(b *testing.B) {
	const n = 1 << 20
	k := make([]string, n)
	v := make([]float64, n)
	for i := range k {
		k[i] = fmt.Sprintf("key%d", (i*2654435761)%1000)
		v[i] = float64(i)
	}
	in := gtFrame("k", col.NewStrings(k, nil), "v", gtF64(v...))
	node := &ir.Node{Op: "groupby_agg", Attrs: ir.Attrs{"keys": gtKeys("k"), "aggs": gtAggs("s:v:sum")}}
	s, err := ir.LookupOp("groupby_agg").Infer(node, []*ir.Schema{gtSchema(in)})
	if err != nil {
		b.Fatal(err)
	}
	node.Schema = s
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := impls["groupby_agg"](&Ctx{}, node, []*col.Frame{in}); err != nil {
			b.Fatal(err)
		}
	}
}
