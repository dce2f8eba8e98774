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

// TestLookups: columns a scan's `lookups` names come back as col.Lookup
// columns -- int64, float64 (nulls: the NaN entry), datetime and numbered
// strings -- whose materialization equals the plain read, across row groups
// with different dictionaries, small pages, one and three workers; plain
// pages, an integer column with nulls and strings with nulls come back as
// values, equal to the plain read too.
func TestLookups(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(9))
	const n, group = 3000, 700
	ints, floats, times, strs, nullInts, nullStrs := make([]any, n), make([]any, n), make([]any, n), make([]any, n), make([]any, n), make([]any, n)
	names := []string{"SFO", "JFK", "a string over eight bytes", "é", ""}
	for i := range ints {
		k := rng.Intn(2 + i*6/n) // later row groups see values the first does not
		ints[i] = int64(k*1000 - 77)
		if rng.Intn(8) != 0 {
			floats[i] = float64(k) / 3
		}
		times[i] = int64(k) * 3_600_000_000
		strs[i] = names[min(k, len(names)-1)]
		if rng.Intn(5) != 0 {
			nullInts[i] = int64(k)
			nullStrs[i] = names[min(k, len(names)-1)]
		}
	}
	j := func(v []any) string { b, _ := json.Marshal(v); return string(b) }
	specs := []colSpec{
		{"i", arrow.PrimitiveTypes.Int64, j(ints)},
		{"f", arrow.PrimitiveTypes.Float64, j(floats)},
		{"t", &arrow.TimestampType{Unit: arrow.Microsecond}, j(times)},
		{"s", arrow.BinaryTypes.String, j(strs)},
		{"ni", arrow.PrimitiveTypes.Int64, j(nullInts)},
		{"ns", arrow.BinaryTypes.String, j(nullStrs)}, // numbered, joined (its pieces' sizes counted late)
	}
	all := []any{"f", "i", "ni", "ns", "s", "t"}
	cases := []struct {
		name   string
		props  []parquet.WriterProperty
		lookup map[string]bool // the columns that come back as lookups
	}{
		{"dictionary", nil, map[string]bool{"i": true, "f": true, "t": true, "s": true}},
		{"small pages", []parquet.WriterProperty{parquet.WithDataPageSize(64)}, map[string]bool{"i": true, "f": true, "t": true, "s": true}},
		{"plain", []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}, map[string]bool{}},
	}
	for _, tc := range cases {
		p := write(t, dir, fmt.Sprintf("lk%d.parquet", rng.Int()), specs, writeOpts{rowsPerGroup: group, props: tc.props})
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d workers", tc.name, workers), func(t *testing.T) {
				want := readWorkers(t, ir.Attrs{"path": p}, workers)
				got := readWorkers(t, ir.Attrs{"path": p, LookupsAttr: all, "codes": []any{"ns", "s"}}, workers)
				for k, name := range want.Names {
					g, w := got.Col(name), want.Cols[k]
					if (g.Lookup != nil) != tc.lookup[name] {
						t.Fatalf("column %s: lookup = %v, want %v", name, g.Lookup != nil, tc.lookup[name])
					}
					if g.Lookup != nil && name == "s" {
						var order []string // the distinct values by first occurrence
						for r := 0; r < n; r++ {
							if !slices.Contains(order, w.Str(r)) {
								order = append(order, w.Str(r))
							}
						}
						if !slices.Equal(colStrings(g.Lookup.Str), order) {
							t.Fatalf("string lookup values %q, want %q (first occurrence)", colStrings(g.Lookup.Str), order)
						}
					}
					m := g.Materialize()
					for r := 0; r < n; r++ {
						if m.IsValid(r) != w.IsValid(r) || !sameValue(m, w, r) {
							t.Fatalf("column %s row %d differs from the plain read", name, r)
						}
					}
				}
			})
		}
	}
}

func colStrings(c *col.Column) []string {
	out := make([]string, c.N)
	for i := range out {
		out[i] = c.Str(i)
	}
	return out
}

func sameValue(a, b *col.Column, r int) bool {
	switch {
	case a.Type == ir.String:
		return a.Str(r) == b.Str(r)
	case a.Type.IsFloat():
		x, y := a.F64[r], b.F64[r]
		return x == y || math.IsNaN(x) && math.IsNaN(y)
	default:
		return !a.IsValid(r) || a.I64[r] == b.I64[r]
	}
}
