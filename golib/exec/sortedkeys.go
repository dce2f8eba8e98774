package exec

// Grouping by a key column that is already sorted (non-decreasing, no
// nulls): TPC-H's lineitem is stored in l_orderkey order, so Q21's and
// Q18's groupings by l_orderkey are runs of equal keys. A parallel check
// finds that, and the groups are the runs, numbered in row order: that is
// both the key order (sort=True) and the order of first appearance
// (sort=False), with no hash table or array by value.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// sortedRunsMinRows is the fewest rows checked for sorted keys (a variable
// for tests).
var sortedRunsMinRows = 1 << 16

// sortedRuns groups rows [0, rows) of a single int key without nulls when
// its values never decrease; ok is false otherwise.
func sortedRuns(c *Ctx, n *ir.Node, keys *rowKeys, rows int) (g *grouping, ok bool, err error) {
	if !keys.ints || rows < sortedRunsMinRows || keys.cols[0].Valid != nil {
		return nil, false, nil
	}
	k := keys.cols[0].I64[:rows]
	runs, total, ok, err := sortedRunCounts(c, n, k)
	if err != nil || !ok {
		return nil, false, err
	}
	if err := c.reserve(n, int64(rows)*4+int64(total)*8); err != nil {
		return nil, false, err
	}
	gid := col.Uninit[int32](rows) // every row's id is written
	first := make([]int, total)
	err = forMorsels(c, n, rows, func(m, lo, hi int) error {
		g := int32(runs[m]) - 1 // the group of the row before lo
		for i := lo; i < hi; i++ {
			if i == 0 || k[i] != k[i-1] {
				g++
				first[g] = i
			}
			gid[i] = g
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return &grouping{gid: gid, first: first, ordered: true}, true, nil
}

// sortedRunCounts checks that k never decreases and counts its runs of
// equal values: runs[m] is the number of the first run starting in morsel
// m (runs before it), total the number of runs; ok is false when k
// decreases somewhere.
func sortedRunCounts(c *Ctx, n *ir.Node, k []int64) (runs []int, total int, ok bool, err error) {
	rows := len(k)
	nm := numMorsels(rows)
	runs = make([]int, nm) // runs starting in each morsel
	bad := make([]bool, nm)
	err = forMorsels(c, n, rows, func(m, lo, hi int) error {
		r := 0
		prev := k[lo]
		if lo == 0 || k[lo-1] != prev {
			r = 1
		}
		if lo > 0 && k[lo-1] > prev {
			bad[m] = true
			return nil
		}
		for _, x := range k[lo+1 : hi] {
			if x != prev {
				if x < prev {
					bad[m] = true
					return nil
				}
				r++
				prev = x
			}
		}
		runs[m] = r
		return nil
	})
	if err != nil {
		return nil, 0, false, err
	}
	for m := range runs {
		if bad[m] {
			return nil, 0, false, nil
		}
		runs[m], total = total, total+runs[m] // the morsel's first run's number
	}
	return runs, total, true, nil
}
