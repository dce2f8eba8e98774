package exec

import (
	"fmt"
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestTopKDifferential(t *testing.T) {
	sortRuns = 3
	t.Cleanup(func() { sortRuns = 0 })
	specs := []genSpec{
		{name: "i", typ: ir.Int64, card: 20},
		{name: "f", typ: ir.Float64, nulls: true},
		{name: "s", typ: ir.String, nulls: true},
	}
	for _, rows := range []int{0, 1, 10, 500} {
		in := genFrame(uint64(rows)+5, rows, specs...)
		for _, by := range [][]string{{"i"}, {"f"}, {"s", "i"}, {"f", "s"}} {
			for _, k := range []int{0, 1, 3, 50, 200, 1000} {
				for _, asc := range []bool{true, false} {
					for _, na := range []string{"last", "first"} {
						attrs := ir.Attrs{"by": strs(by...), "ascending": asc, "na_position": na, "n": int64(k)}
						node := newNode(t, "topk", attrs, in)
						got, want, gerr, werr := runBoth(t, node, true, in)
						checkSame(t, fmt.Sprintf("by=%v k=%d asc=%v na=%s rows=%d", by, k, asc, na, rows), got, want, gerr, werr, 0)
					}
				}
			}
		}
	}
}
