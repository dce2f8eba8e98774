package exec

import (
	"fmt"
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestSortDifferential(t *testing.T) {
	// 5 runs: two merge rounds with an odd run out
	sortRuns = 5
	t.Cleanup(func() { sortRuns = 0 })
	specs := []genSpec{
		{name: "i", typ: ir.Int64, card: 30},
		{name: "j", typ: ir.Int64, nulls: true},
		{name: "f", typ: ir.Float64, nulls: true},
		{name: "g", typ: ir.Float32, card: 9},
		{name: "s", typ: ir.String, nulls: true},
		{name: "b", typ: ir.Bool, nulls: true},
		{name: "d", typ: ir.DatetimeUS, nulls: true},
	}
	bys := [][]string{{"i"}, {"j"}, {"f"}, {"g"}, {"s"}, {"b"}, {"d"}, {"i", "f"}, {"f", "s"}, {"s", "i", "j"}, {"b", "g"}}
	for _, n := range []int{0, 1, 3, 7, 333, 2000} {
		in := genFrame(uint64(n)+21, n, specs...)
		for _, by := range bys {
			for _, asc := range []any{true, false, []any{false, true, false}[:len(by)]} {
				if l, ok := asc.([]any); ok && len(l) != len(by) {
					continue
				}
				for _, na := range []string{"last", "first"} {
					label := fmt.Sprintf("by=%v asc=%v na=%s n=%d", by, asc, na, n)
					attrs := ir.Attrs{"by": strs(by...), "ascending": asc, "na_position": na}
					node := newNode(t, "sort", attrs, in)
					got, want, gerr, werr := runBoth(t, node, true, in)
					checkSame(t, label, got, want, gerr, werr, 0)
				}
			}
		}
	}
}

func TestSortIndexDifferential(t *testing.T) {
	for _, n := range []int{0, 1, 5000, 12000} {
		in := genFrame(uint64(n)+1, n, genSpec{name: "k", typ: ir.Float64, nulls: true}, genSpec{name: "s", typ: ir.String})
		in.Index, in.IndexNames = in.Cols[:1], []string{"k"}
		in.Cols, in.Names = in.Cols[1:], in.Names[1:]
		for _, asc := range []bool{true, false} {
			node := newNode(t, "sort_index", ir.Attrs{"ascending": asc}, in)
			got, want, gerr, werr := runBoth(t, node, true, in)
			checkSame(t, fmt.Sprintf("asc=%v n=%d", asc, n), got, want, gerr, werr, 0)
		}
	}
}
