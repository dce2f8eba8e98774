package exec

import (
	"fmt"
	"testing"

	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// TestSortOrderedSuffixDifferential sorts frames already in order of some
// trailing sort keys (sorted first by the interpreter; missing values,
// NaN, -0.0, unicode strings, ties in the leading key) and compares with
// the interpreter's sort: the runtime then sorts by the leading keys alone
// (sortsuffix.go), and must give the same rows in the same order.
func TestSortOrderedSuffixDifferential(t *testing.T) {
	specs := []genSpec{
		{name: "c", typ: ir.Int64, card: 4},
		{name: "x", typ: ir.Float64, nulls: true, card: 5},
		{name: "s", typ: ir.String, nulls: true},
		{name: "k", typ: ir.Int64, card: 50},
		{name: "f", typ: ir.Float64, nulls: true},
	}
	cases := []struct {
		pre, by     []string
		preAsc, asc []any
		leading     int // keys orderedSuffix keeps, when the pre-sort's nulls go where the sort's do
	}{
		{[]string{"s", "k"}, []string{"c", "s", "k"}, []any{true, true}, []any{false, true, true}, 1},
		{[]string{"s", "k"}, []string{"c", "s", "k"}, []any{false, true}, []any{true, false, true}, 1},
		{[]string{"s", "k"}, []string{"c", "s", "k"}, []any{true, true}, []any{true, false, true}, 3},
		{[]string{"f"}, []string{"c", "f"}, []any{true}, []any{true, true}, 1},
		{[]string{"f"}, []string{"x", "f"}, []any{false}, []any{false, false}, 1},
		{[]string{"s"}, []string{"x", "s"}, []any{true}, []any{true, true}, 1},
		{[]string{"c", "s"}, []string{"c", "s"}, []any{true, true}, []any{true, true}, 2}, // (s alone is not in order)
		{[]string{"k"}, []string{"c", "x", "k"}, []any{true}, []any{true, false, true}, 2},
		{nil, []string{"c", "s", "k"}, nil, []any{true, true, true}, 3},
	}
	for _, n := range []int{0, 1, 2, 9, 500, 3000} {
		base := genFrame(uint64(n)+77, n, specs...)
		for _, tc := range cases {
			for _, na := range []string{"last", "first"} {
				in := base
				if tc.pre != nil {
					pre := newNode(t, "sort", ir.Attrs{"by": strs(tc.pre...), "ascending": tc.preAsc, "na_position": na}, base)
					_, sorted, _, err := runBoth(t, pre, true, base)
					if err != nil {
						t.Fatal(err)
					}
					in = sorted
				}
				label := fmt.Sprintf("pre=%v%v by=%v%v na=%s n=%d", tc.pre, tc.preAsc, tc.by, tc.asc, na, n)
				node := newNode(t, "sort", ir.Attrs{"by": strs(tc.by...), "ascending": tc.asc, "na_position": na}, in)
				got, want, gerr, werr := runBoth(t, node, true, in)
				checkSame(t, label, got, want, gerr, werr, 0)
				if n < 500 {
					continue
				}
				keys, asc, naFirst, lexQuirk, err := interp.SortSpec(node, in)
				if err != nil {
					t.Fatal(err)
				}
				if s := orderedSuffix(keys, asc, naFirst, lexQuirk, in.N); s != tc.leading {
					t.Errorf("%s: %d leading keys decide the order, want %d", label, s, tc.leading)
				}
			}
		}
	}
}
