package parquetio

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// TestScanDropna: a scan's `dropna` keeps exactly the rows a dropna over
// the plain read keeps (pandas' rule: how="any" drops a row with a missing
// value among the columns, how="all" one missing in all of them), every
// column equal to the plain read's at those rows and the index their
// positions, with lookups (float nulls as the NaN entry), numbered
// strings, a derived column sharing nothing, plain pages, row groups and
// one and three workers; no row dropped and every row dropped too.
func TestScanDropna(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(21))
	const n, group = 5000, 1300
	ints, floats, nullInts, strs, nullStrs, times, flags := make([]any, n), make([]any, n), make([]any, n), make([]any, n), make([]any, n), make([]any, n), make([]any, n)
	names := []string{"SFO", "JFK", "a string over eight bytes", "é", ""}
	for i := range ints {
		k := rng.Intn(5)
		ints[i] = int64(k*7 - 3)
		if rng.Intn(9) != 0 {
			floats[i] = float64(k) / 4
		}
		if rng.Intn(6) != 0 {
			nullInts[i] = int64(rng.Intn(40))
		}
		strs[i] = names[k]
		if rng.Intn(7) != 0 {
			nullStrs[i] = names[rng.Intn(len(names))]
		}
		if rng.Intn(10) != 0 {
			times[i] = int64(k) * 3_600_000_000
		}
		flags[i] = k%2 == 0
	}
	j := func(v []any) string { b, _ := json.Marshal(v); return string(b) }
	specs := []colSpec{
		{"i", arrow.PrimitiveTypes.Int64, j(ints)},
		{"f", arrow.PrimitiveTypes.Float64, j(floats)},
		{"ni", arrow.PrimitiveTypes.Int64, j(nullInts)},
		{"s", arrow.BinaryTypes.String, j(strs)},
		{"ns", arrow.BinaryTypes.String, j(nullStrs)},
		{"t", &arrow.TimestampType{Unit: arrow.Microsecond}, j(times)},
		{"b", arrow.FixedWidthTypes.Boolean, j(flags)},
	}
	files := map[string]string{
		"dictionary": write(t, dir, "d.parquet", specs, writeOpts{rowsPerGroup: group}),
		"plain":      write(t, dir, "p.parquet", specs, writeOpts{rowsPerGroup: group, props: []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}}),
	}
	cases := []struct {
		subset []any
		how    string
	}{
		{[]any{"f"}, "any"},
		{[]any{"f", "ni", "ns", "t"}, "any"},
		{[]any{"f", "ni", "ns", "t"}, "all"},
		{[]any{"f", "ni"}, "all"},
		{[]any{"i", "s", "b"}, "any"}, // nothing can be missing: every row kept
		{[]any{"f", "i"}, "all"},      // i is never missing: every row kept
		{[]any{}, "all"},              // pandas: every row dropped
		{[]any{}, "any"},
	}
	for fname, p := range files {
		for _, lookups := range []bool{false, true} {
			for _, tc := range cases {
				for _, workers := range []int{1, 3} {
					t.Run(fmt.Sprintf("%s/lookups=%v/%v %s/%d", fname, lookups, tc.subset, tc.how, workers), func(t *testing.T) {
						plain := readWorkers(t, ir.Attrs{"path": p}, workers)
						a := ir.Attrs{"path": p, DropnaAttr: tc.subset, DropnaHowAttr: tc.how}
						if lookups {
							a[LookupsAttr] = []any{"f", "i", "ni", "t", "s"}
							a["codes"] = []any{"s", "ns"}
						}
						s, err := Sniff(ir.Attrs{"path": p})
						if err != nil {
							t.Fatal(err)
						}
						s = &ir.Schema{Fields: s.Fields, Index: []ir.Field{{Name: "", Type: ir.Int64}}}
						var got *col.Frame
						withWorkers(workers, func() { got, err = Read(a, s, nil) })
						if err != nil {
							t.Fatal(err)
						}
						var keep []int // the reference: dropna's rule over the plain read
						for r := 0; r < n; r++ {
							na := 0
							for _, c := range tc.subset {
								if plain.Col(c.(string)).IsNA(r) {
									na++
								}
							}
							if tc.how == "any" && na == 0 || tc.how == "all" && na < len(tc.subset) {
								keep = append(keep, r)
							}
						}
						if got.N != len(keep) || len(got.Index) != 1 || got.Index[0].N != len(keep) || got.IndexNames[0] != "" {
							t.Fatalf("%d rows (index %d levels), want %d", got.N, len(got.Index), len(keep))
						}
						if err := got.Validate(); err != nil {
							t.Fatal(err)
						}
						for i, r := range keep {
							if got.Index[0].I64[i] != int64(r) {
								t.Fatalf("index row %d is %d, want %d", i, got.Index[0].I64[i], r)
							}
						}
						for k, name := range plain.Names {
							g, w := got.Col(name).Materialize(), plain.Cols[k]
							for i, r := range keep {
								if g.IsValid(i) != w.IsValid(r) || (w.IsValid(r) && !sameRow(g, i, w, r)) {
									t.Fatalf("column %s row %d (file row %d) differs from the plain read", name, i, r)
								}
							}
							if l := got.Col(name).Lookup; l != nil && l.Numbered && len(keep) < n {
								t.Fatalf("column %s: a compacted string lookup still numbered", name)
							}
						}
					})
				}
			}
		}
	}
}

// sameRow compares row i of a with row j of b (both valid).
func sameRow(a *col.Column, i int, b *col.Column, j int) bool {
	switch {
	case a.Type == ir.String:
		return a.Str(i) == b.Str(j)
	case a.Type.IsFloat():
		x, y := a.F64[i], b.F64[j]
		return x == y || x != x && y != y
	case a.Type == ir.Bool:
		return a.B[i] == b.B[j]
	default:
		return a.I64[i] == b.I64[j]
	}
}

// TestScanDropnaSharedBuffer: two columns over one row buffer (a scan
// derives two columns from one string column's codes) are compacted once
// and both keep their rows.
func TestScanDropnaSharedBuffer(t *testing.T) {
	codes := []int32{0, 1, 2, 1, 0, 2, 2}
	f := []float64{1, 2, 3, 4, 5, 6, 7}
	nanAt := []int{1, 4}
	for _, r := range nanAt {
		f[r] = math.NaN()
	}
	fr := &col.Frame{N: len(codes), Names: []string{"a", "b", "f"}, Cols: []*col.Column{
		{Type: ir.Int64, N: len(codes), Lookup: &col.Lookup{Codes: codes, I64: []int64{10, 20, 30}}},
		{Type: ir.Int64, N: len(codes), Lookup: &col.Lookup{Codes: codes, I64: []int64{-1, -2, -3}}},
		col.NewFloat64(f),
	}}
	got, err := dropRows(fr, []string{"f"}, "any")
	if err != nil {
		t.Fatal(err)
	}
	wantA, wantB := []int64{10, 30, 20, 30, 30}, []int64{-1, -3, -2, -3, -3}
	a, b := got.Col("a").Materialize(), got.Col("b").Materialize()
	if !slices.Equal(a.I64, wantA) || !slices.Equal(b.I64, wantB) || !slices.Equal(got.Index[0].I64, []int64{0, 2, 3, 5, 6}) {
		t.Fatalf("a %v b %v index %v", a.I64, b.I64, got.Index[0].I64)
	}
}
