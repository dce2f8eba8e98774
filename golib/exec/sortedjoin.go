package exec

import (
	"sort"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Joins whose key columns are both already in ascending order: TPC-H's
// lineitem and orders are stored by order key, and filters, key-filtered
// scans and joins probed from such a side keep that order, so most of its
// joins on the order key read two sorted columns. Their key ids come from
// one merge of the two columns instead of a hash table: the right side's
// distinct values, numbered in order, are its ids, and each left morsel
// finds its first value by binary search and walks both in step -- no
// hashing, no table, sequential reads. The ids mean what keyIDs' do (one per
// distinct right key, -1 for a left row the right side lacks), so the join
// lays out exactly the same rows.

// sortedKeyIDs returns keyIDs' result for one int-like key column per side
// when both are ascending and have no nulls; ok=false otherwise (checking
// stops at the first row out of order).
func sortedKeyIDs(c *Ctx, n *ir.Node, lk, rk []*col.Column, nl, nr int) (lg, rg []int32, ng int, ok bool, err error) {
	if len(lk) != 1 || len(rk) != 1 || nl < sortedJoinMinRows && nr < sortedJoinMinRows {
		return nil, nil, 0, false, nil
	}
	l, r := lk[0], rk[0]
	if !sortedInts(l, nl) || !sortedInts(r, nr) {
		return nil, nil, 0, false, nil
	}
	lv, rv := l.I64[:nl], r.I64[:nr]
	if err := c.reserve(n, int64(nl+nr)*4); err != nil {
		return nil, nil, 0, false, err
	}
	// The right side's ids: its distinct values in order (counted first,
	// so vals is allocated once).
	rg = make([]int32, nr)
	nd := 0
	for j, v := range rv {
		if j == 0 || v != rv[j-1] {
			nd++
		}
	}
	vals := make([]int64, 0, nd)
	for j, v := range rv {
		if j == 0 || v != rv[j-1] {
			vals = append(vals, v)
		}
		rg[j] = int32(len(vals) - 1)
	}
	lg = make([]int32, nl)
	err = forMorsels(c, n, nl, func(_, lo, hi int) error {
		g := sort.Search(len(vals), func(i int) bool { return vals[i] >= lv[lo] })
		for i := lo; i < hi; i++ {
			v := lv[i]
			for g < len(vals) && vals[g] < v {
				g++
			}
			if g < len(vals) && vals[g] == v {
				lg[i] = int32(g)
			} else {
				lg[i] = -1
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, false, err
	}
	return lg, rg, len(vals), true, nil
}

// sortedJoinMinRows: below it on both sides the hash path is as quick.
const sortedJoinMinRows = 4096

// sortedInts reports whether the first n values of c are int-like, without
// nulls and ascending.
func sortedInts(c *col.Column, n int) bool {
	if c.Valid != nil || c.I64 == nil || !(c.Type.IsInt() || c.Type.IsDatetime()) {
		return false
	}
	v := c.I64[:n]
	for i := 1; i < len(v); i++ {
		if v[i] < v[i-1] {
			return false
		}
	}
	return true
}
