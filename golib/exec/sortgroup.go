package exec

// Grouping by sorting, for a sort=True grouping of one integer-like key
// (or several packed into one, packkeys.go) with many groups: the (key,
// row) pairs are radix sorted (stable, so a group's first pair is its first
// row) and each run of equal keys is one group, numbered in key order. No
// hash table is built, merged across workers or sorted by key afterwards,
// which is where a hash grouping of many groups spends its time (TPC-H
// q20: 909K rows into 543K (partkey, suppkey) groups). A grouping of few
// groups stays with the hash tables (a sort costs several passes over
// every row); a sample of the first rows decides.

import (
	"sync/atomic"

	"github.com/flern/flern/golib/ir"
)

// sortGroupMinRows is the fewest rows grouped by sorting; sortGroupSample
// rows are sampled, and sorting is chosen when more than a quarter of them
// are distinct keys.
var (
	sortGroupMinRows = 1 << 16
	sortGroupSample  = 1 << 14
)

// sortGrouped counts the groupings done by sorting (tests).
var sortGrouped atomic.Int64

// manyGroups reports whether the first rows of a single int key hold so
// many distinct values that sorting beats hashing.
func manyGroups(keys *rowKeys, rows int) bool {
	kc := keys.cols[0]
	n := min(rows, sortGroupSample)
	t := newHashTable(true, n)
	h := make([]uint64, n)
	keys.hashRange(0, n, h)
	for i := range n {
		if kc.Valid != nil && !kc.IsValid(i) {
			continue
		}
		t.findOrAdd(h[i], keys, i)
	}
	return t.len()*4 > n
}

// sortGroups is groupRows for sort=True over a single int key (keys.ints)
// by sorting; ok is false when the rows are too few or the sample shows few
// groups (the caller hashes).
func sortGroups(c *Ctx, n *ir.Node, keys *rowKeys, rows int, dropna bool) (g *grouping, ok bool, err error) {
	if !keys.ints || rows < sortGroupMinRows || rows > 1<<31-1 || !manyGroups(keys, rows) {
		return nil, false, nil
	}
	if _, _, dense, err := denseRange(c, n, keys, rows); err != nil || dense {
		return nil, false, err // a value range small enough for arrays by value
	}
	kc := keys.cols[0]
	if err := c.reserve(n, int64(rows)*(2*16+4)); err != nil {
		return nil, false, err
	}
	// the pairs of the valid rows, each morsel's at its rows' start; null
	// rows counted per morsel and left out
	k := numMorsels(rows)
	pairs := make([]radixPair, rows)
	valid := make([]int, k)
	err = forMorsels(c, n, rows, func(m, lo, hi int) error {
		p := lo
		for i := lo; i < hi; i++ {
			if kc.Valid != nil && !kc.IsValid(i) {
				continue
			}
			pairs[p] = radixPair{k: uint64(kc.I64[i]) ^ 1<<63, i: int32(i)}
			p++
		}
		valid[m] = p - lo
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	nv := 0
	for m := range k { // compact the morsels' pairs (in order: stable)
		lo := m * morselRows
		nv += copy(pairs[nv:], pairs[lo:lo+valid[m]])
	}
	pairs = pairs[:nv]
	sortGrouped.Add(1)
	radixSortPairs(pairs, make([]radixPair, nv))
	gid := make([]int32, rows)
	var first []int
	for j, p := range pairs {
		if j == 0 || p.k != pairs[j-1].k {
			first = append(first, int(p.i))
		}
		gid[p.i] = int32(len(first) - 1)
	}
	if nv < rows { // null keys: dropped, or the last group
		null := int32(-1)
		if !dropna {
			null = int32(len(first))
		}
		for i := 0; i < rows; i++ {
			if kc.Valid != nil && !kc.IsValid(i) {
				if null >= 0 && int(null) == len(first) {
					first = append(first, i)
				}
				gid[i] = null
			}
		}
	}
	return &grouping{gid: gid, first: first}, true, nil
}
