package exec

// Parallel top-k (sort followed by head(n), the optimizer's topk op): each
// worker keeps the k smallest rows of its run in a bounded max-heap, and
// the runs' candidates (at most workers x k) are sorted to give the first
// k. Rows compare by the sort's order (interp.SortCmp) and then by
// position, a total order, so the result is the stable sort's first k
// rows. When k is a large share of the rows the whole input is sorted.

import (
	"container/heap"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("topk", runTopK)
}

func runTopK(c *Ctx, n *ir.Node, in []any) (any, error) {
	src := in[0].(*col.Frame)
	k := int(n.Attrs.Int("n", -1))
	if len(n.Attrs.Strings("by")) == 0 || k < 0 || src.N > maxRows {
		return nil, ErrFallback // the interpreter words these errors
	}
	keys, asc, naFirst, lexQuirk, err := interp.SortSpec(n, src)
	if err != nil {
		return nil, err
	}
	k = min(k, src.N)
	if k > src.N/4 {
		full, err := runSort(c, n, in)
		if err != nil {
			return nil, err
		}
		f := full.(*col.Frame)
		idx := make([]int32, k)
		for i := range idx {
			idx[i] = int32(i)
		}
		return gatherFrame(c, n, f, idx)
	}
	cmpRows := interp.SortCmp(keys, asc, naFirst, lexQuirk)
	total := func(a, b int32) int {
		if r := cmpRows(int(a), int(b)); r != 0 {
			return r
		}
		return int(a - b)
	}
	runs := sortChunks(src.N)
	bounds := chunkBounds(src.N, runs)
	cands := make([][]int32, runs)
	err = forTasks(c, n, runs, func(r int) error {
		h := &topHeap{cmp: total, rows: make([]int32, 0, k)}
		for i := bounds[r]; i < bounds[r+1] && k > 0; i++ {
			switch row := int32(i); {
			case len(h.rows) < k:
				heap.Push(h, row)
			case total(row, h.rows[0]) < 0:
				h.rows[0] = row
				heap.Fix(h, 0)
			}
		}
		cands[r] = h.rows
		return nil
	})
	if err != nil {
		return nil, err
	}
	var all []int32
	for _, cs := range cands {
		all = append(all, cs...)
	}
	slices.SortFunc(all, total)
	return gatherFrame(c, n, src, all[:k])
}

// topHeap is a max-heap of rows under cmp: the root is the largest kept.
type topHeap struct {
	cmp  func(a, b int32) int
	rows []int32
}

func (h *topHeap) Len() int           { return len(h.rows) }
func (h *topHeap) Less(a, b int) bool { return h.cmp(h.rows[a], h.rows[b]) > 0 }
func (h *topHeap) Swap(a, b int)      { h.rows[a], h.rows[b] = h.rows[b], h.rows[a] }
func (h *topHeap) Push(x any)         { h.rows = append(h.rows, x.(int32)) }
func (h *topHeap) Pop() any {
	x := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return x
}
