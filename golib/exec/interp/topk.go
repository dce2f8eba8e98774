package interp

import (
	"container/heap"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// topk is sort (by, ascending, na_position) followed by head(n): exactly
// the first n rows of the stable sort, found with a bounded heap in
// O(rows log n) instead of sorting every row. Rows compare by the sort's
// key order (sortKeyCmp, with the same multi-key NaN quirk) and then by
// position, a total order, so ties keep their input order.
func init() {
	register("topk", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		by := n.Attrs.Strings("by")
		if len(by) == 0 {
			return nil, ir.Errorf("Value", "topk needs at least one key")
		}
		asc, err := sortAscending(n.Attrs, len(by))
		if err != nil {
			return nil, err
		}
		naFirst, err := sortNAFirst(n.Attrs)
		if err != nil {
			return nil, err
		}
		k := int(n.Attrs.Int("n", -1))
		if k < 0 {
			return nil, ir.Errorf("Value", "topk needs a row count n >= 0")
		}
		keys := make([]*col.Column, len(by))
		for i, name := range by {
			keys[i] = sortKey(src, name)
			if keys[i] == nil {
				return nil, ir.Errorf("ColumnNotFound", "%s", quotePy(name))
			}
		}
		cmps := make([]func(i, j int) int, len(keys))
		for i, key := range keys {
			cmps[i] = sortKeyCmp(key, asc[i], naFirst, len(keys) > 1 && naFirst && key.Type.IsFloat())
		}
		less := func(i, j int) int {
			for _, cmp := range cmps {
				if r := cmp(i, j); r != 0 {
					return r
				}
			}
			return i - j
		}
		if k > src.N/4 {
			// a large share of the rows: sorting them all is cheaper
			perm := sortPerm(src.N, keys, asc, naFirst, len(keys) > 1)
			return src.Take(perm[:min(k, src.N)]), nil
		}
		return src.Take(smallest(src.N, k, less)), nil
	})
}

// sortKey is the column (or else index level) name of frame f.
func sortKey(f *col.Frame, name string) *col.Column {
	if c := f.Col(name); c != nil {
		return c
	}
	for j, ix := range f.IndexNames {
		if ix == name && j < len(f.Index) {
			return f.Index[j]
		}
	}
	return nil
}

// smallest returns the k smallest of rows 0..n-1 under the total order
// cmp, in order.
func smallest(n, k int, cmp func(i, j int) int) []int {
	k = min(k, n)
	h := &rowHeap{cmp: cmp, rows: make([]int, 0, k)}
	for i := 0; i < n && k > 0; i++ {
		switch {
		case len(h.rows) < k:
			heap.Push(h, i)
		case cmp(i, h.rows[0]) < 0:
			h.rows[0] = i
			heap.Fix(h, 0)
		}
	}
	slices.SortFunc(h.rows, cmp)
	return h.rows
}

// rowHeap is a max-heap of rows: the root is the largest kept row.
type rowHeap struct {
	cmp  func(i, j int) int
	rows []int
}

func (h *rowHeap) Len() int           { return len(h.rows) }
func (h *rowHeap) Less(a, b int) bool { return h.cmp(h.rows[a], h.rows[b]) > 0 }
func (h *rowHeap) Swap(a, b int)      { h.rows[a], h.rows[b] = h.rows[b], h.rows[a] }
func (h *rowHeap) Push(x any)         { h.rows = append(h.rows, x.(int)) }
func (h *rowHeap) Pop() any {
	x := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return x
}
