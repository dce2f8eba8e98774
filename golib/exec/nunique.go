package exec

// Parallel nunique per group (groupby_agg's "nunique", e.g. TPC-H Q21's
// count(distinct l_suppkey) per order). The interpreter counts distinct
// (group, value code) pairs in one map over all rows; here:
//
//  1. the values get dense codes with the parallel hash grouping of
//     hashagg.go (null and NaN rows get -1, -0.0 and 0.0 are one value, as
//     the interpreter's factorization has them);
//  2. the rows' codes are bucketed by group (a counting sort: one count
//     pass, a prefix sum, one scatter pass);
//  3. ranges of groups are counted in parallel, each worker with a
//     "last group that saw this code" array, so each row costs one array
//     read and write instead of a map insert.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// groupNunique returns the number of distinct non-missing values of v in
// each of ng groups (gid: each row's group, -1 for a dropped row); ok is
// false when v's type is not handled here.
func groupNunique(c *Ctx, n *ir.Node, v *col.Column, gid []int32, ng int) (out []int64, ok bool, err error) {
	if !hashableKey(v.Type) || v.Type == ir.Bool || hasNegZero(v) || v.N != len(gid) {
		return nil, false, nil
	}
	rows := v.N
	b, err := buildGroups(c, n, newRowKeys([]*col.Column{v}), rows, true)
	if err != nil {
		return nil, false, err
	}
	if err := b.finish(c, n, nil); err != nil {
		return nil, false, err
	}
	codes, nc := b.gid, b.table.len()
	if err := c.reserve(n, int64(rows)*4+int64(ng)*12+int64(nc)*4*int64(Workers())); err != nil {
		return nil, false, err
	}
	// Bucket the codes by group (rows with a dropped group or a missing
	// value are left out).
	start := make([]int32, ng+1)
	for i, g := range gid {
		if g >= 0 && codes[i] >= 0 {
			start[g+1]++
		}
	}
	for g := 0; g < ng; g++ {
		start[g+1] += start[g]
	}
	at := make([]int32, ng)
	copy(at, start[:ng])
	bucket := make([]int32, start[ng])
	for i, g := range gid {
		if g >= 0 && codes[i] >= 0 {
			bucket[at[g]] = codes[i]
			at[g]++
		}
	}
	at = nil
	out = make([]int64, ng)
	last := make([][]int32, Workers())
	const groupsPerTask = 16 << 10
	tasks := (ng + groupsPerTask - 1) / groupsPerTask
	_, err = forTasksW(c, n, tasks, func(w, t int) error {
		seen := last[w]
		if seen == nil {
			seen = make([]int32, nc)
			for i := range seen {
				seen[i] = -1
			}
			last[w] = seen
		}
		for g := t * groupsPerTask; g < min((t+1)*groupsPerTask, ng); g++ {
			cnt := int64(0)
			for _, code := range bucket[start[g]:start[g+1]] {
				if seen[code] != int32(g) {
					seen[code] = int32(g)
					cnt++
				}
			}
			out[g] = cnt
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}
