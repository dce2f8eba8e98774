package exec

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// TestDropnaMatchesInterpreter: the parallel dropna keeps the interpreter's
// rows (how any/all, subsets, nulls and NaN, no droppable column, empty).
func TestDropnaMatchesInterpreter(t *testing.T) {
	smallMorsels(t)
	specs := []genSpec{
		{name: "i", typ: ir.Int64},
		{name: "f", typ: ir.Float64, nulls: true},
		{name: "s", typ: ir.String, nulls: true},
		{name: "n", typ: ir.Int64, nulls: true},
		{name: "g", typ: ir.Float64},
	}
	attrs := []ir.Attrs{
		{},
		{"how": "all"},
		{"subset": []any{"s"}},
		{"subset": []any{"f", "n"}, "how": "all"},
		{"subset": []any{"i"}},
		{"subset": []any{"i"}, "how": "all"},
		{"subset": []any{}},
		{"subset": []any{}, "how": "all"},
		{"subset": []any{"nope"}},
		{"how": "some"},
	}
	for _, rows := range []int{0, 1, 63, 500} {
		f := genFrame(uint64(rows), rows, specs...)
		for _, a := range attrs {
			label := fmt.Sprintf("rows=%d %v", rows, a)
			n := &ir.Node{Op: "dropna", Attrs: a.Clone(), Loc: "test.py:1", Inputs: []ir.NodeID{0}, Schema: frameSchemaOf(f)}
			got, want, gotErr, wantErr := runBoth(t, n, false, f)
			checkSame(t, label, got, want, gotErr, wantErr, 0)
		}
	}
}

// TestDropnaLookups: dropna over col.Lookup columns (a float's NaN entries
// missing, tested by code; int and string lookups never missing) keeps the
// interpreter's rows of the materialized frame, its lookup columns staying
// lookups over the same values; runs of kept rows long and short.
func TestDropnaLookups(t *testing.T) {
	smallMorsels(t)
	for _, rows := range []int{0, 1, 63, 500, 3000} {
		for _, sparse := range []bool{false, true} {
			r := uint64(rows*2 + 1)
			next := func(k int) int32 {
				r = r*6364136223846793005 + 1442695040888963407
				return int32((r >> 33) % uint64(k))
			}
			fv := []float64{1.5, math.NaN(), -0.0, 7, math.NaN()}
			codes := func(k int, nanShare int) []int32 {
				c := make([]int32, rows)
				for i := range c {
					c[i] = next(k)
					if k == len(fv) && c[i]%2 == 1 && next(nanShare) != 0 {
						c[i] = 0 // NaN codes (1, 3 is 7.0: even) rarer when not sparse
					}
				}
				return c
			}
			share := 40
			if sparse {
				share = 1
			}
			sb := col.NewStringBuilder(3)
			for _, s := range []string{"a", "bb", "a"} {
				sb.Append(s)
			}
			plainF := make([]float64, rows)
			for i := range plainF {
				plainF[i] = float64(next(9))
				if next(50) == 0 {
					plainF[i] = math.NaN()
				}
			}
			tb := col.NewStringBuilder(rows) // a string column without nulls: gathered run by run
			for range rows {
				tb.Append(unicodeWords[next(len(unicodeWords))])
			}
			f := &col.Frame{N: rows, Names: []string{"f", "i", "s", "p", "q", "t"}, Cols: []*col.Column{
				{Type: ir.Float64, N: rows, Lookup: &col.Lookup{Codes: codes(len(fv), share), F64: fv}},
				{Type: ir.Int64, N: rows, Lookup: &col.Lookup{Codes: codes(4, 1), I64: []int64{3, -9, 3, 1 << 60}}},
				{Type: ir.String, N: rows, Lookup: &col.Lookup{Codes: codes(3, 1), Str: sb.Finish()}},
				col.NewFloat64(plainF),
				col.NewInt64(make([]int64, rows)),
				tb.Finish(),
			}}
			for _, a := range []ir.Attrs{{}, {"how": "all"}, {"subset": []any{"f"}}, {"subset": []any{"i", "s"}},
				{"subset": []any{"f", "p"}, "how": "all"}} {
				label := fmt.Sprintf("rows=%d sparse=%v %v", rows, sparse, a)
				n := &ir.Node{Op: "dropna", Attrs: a.Clone(), Loc: "test.py:1", Inputs: []ir.NodeID{0}, Schema: frameSchemaOf(f.Materialized())}
				out, err := runDropna(&Ctx{Ctx: &interp.Ctx{Context: context.Background()}}, n, []any{f})
				if err != nil {
					t.Fatal(label, err)
				}
				got := out.(*col.Frame)
				for j := range 3 {
					if got.Cols[j].Lookup == nil && got.N > 0 {
						t.Fatalf("%s: column %s is no longer a lookup", label, got.Names[j])
					}
				}
				_, want, _, wantErr := runBoth(t, n, false, f.Materialized())
				checkSame(t, label, got.Materialized(), want, nil, wantErr, 0)
			}
		}
	}
}
