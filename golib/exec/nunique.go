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
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// groupNunique returns the number of distinct non-missing values of v in
// each of ng groups (gid: each row's group, -1 for a dropped row; runs, when
// not nil, the first row of each group when the groups are runs of rows in
// order, as sortedRuns makes them); ok is false when v's type is not handled
// here.
func groupNunique(c *Ctx, n *ir.Node, v *col.Column, gid []int32, ng int, runs []int) (out []int64, ok bool, err error) {
	if !hashableKey(v.Type) || v.Type == ir.Bool || hasNegZero(v) || v.N != len(gid) {
		return nil, false, nil
	}
	rows := v.N
	var starts []int32 // where each group's rows start, when the groups are runs
	if len(runs) == ng && rows < 1<<31 {
		starts = make([]int32, ng+1)
		for g, r := range runs {
			starts[g] = int32(r)
		}
		starts[ng] = int32(rows)
	} else {
		starts = groupRuns(gid, ng)
	}
	if (v.Type.IsInt() || v.Type.IsDatetime()) && v.I64 != nil && !(v.Valid != nil && v.HasNulls()) {
		if starts != nil {
			// groups are runs of rows in order (a sorted key) and the values
			// plain ints: each run's values are compared among themselves,
			// no value codes
			out, err := countRunsInts(c, n, v.I64[:rows], starts, ng)
			return out, err == nil, err
		}
	}
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
	if starts != nil {
		// groups are runs of rows in order (a sorted key): each group's
		// codes are its rows' already, no bucketing
		return countRuns(c, n, codes, nc, starts, ng)
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

// groupRuns returns where each group's rows start (and rows at the end)
// when the groups are consecutive runs 0, 1, 2, ... of rows with no row
// dropped, else nil.
func groupRuns(gid []int32, ng int) []int32 {
	if len(gid) == 0 || gid[0] != 0 || len(gid) > 1<<31-1 {
		return nil
	}
	starts := make([]int32, ng+1)
	for i := 1; i < len(gid); i++ {
		switch gid[i] - gid[i-1] {
		case 0:
		case 1:
			starts[gid[i]] = int32(i)
		default:
			return nil
		}
	}
	if int(gid[len(gid)-1]) != ng-1 {
		return nil
	}
	starts[ng] = int32(len(gid))
	return starts
}

// countRuns counts the distinct codes (>= 0; nc of them) of each group's
// rows [starts[g], starts[g+1]), ranges of groups in parallel.
func countRuns(c *Ctx, n *ir.Node, codes []int32, nc int, starts []int32, ng int) ([]int64, bool, error) {
	out := make([]int64, ng)
	last := make([][]int32, Workers())
	const groupsPerTask = 16 << 10
	tasks := (ng + groupsPerTask - 1) / groupsPerTask
	_, err := forTasksW(c, n, tasks, func(w, t int) error {
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
			for _, code := range codes[starts[g]:starts[g+1]] {
				if code >= 0 && seen[code] != int32(g) {
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

// countRunsInts counts the distinct values of each group's rows
// [starts[g], starts[g+1]) of x, ranges of groups in parallel: a short run
// (TPC-H Q21: the lines of one order) by comparing each value with the ones
// before it, a longer one by sorting a copy.
func countRunsInts(c *Ctx, n *ir.Node, x []int64, starts []int32, ng int) ([]int64, error) {
	const short = 16
	out := make([]int64, ng)
	const groupsPerTask = 16 << 10
	tasks := (ng + groupsPerTask - 1) / groupsPerTask
	err := forTasks(c, n, tasks, func(t int) error {
		var scratch []int64
		for g := t * groupsPerTask; g < min((t+1)*groupsPerTask, ng); g++ {
			run := x[starts[g]:starts[g+1]]
			cnt := int64(0)
			if len(run) <= short {
				for i, v := range run {
					if !slices.Contains(run[:i], v) {
						cnt++
					}
				}
			} else {
				scratch = append(scratch[:0], run...)
				slices.Sort(scratch)
				for i, v := range scratch {
					if i == 0 || v != scratch[i-1] {
						cnt++
					}
				}
			}
			out[g] = cnt
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sortedNuniqueAgg is groupby_agg for one sorted int key whose every
// aggregation is nunique of an int column without nulls (TPC-H q21's
// count(distinct l_suppkey) per l_orderkey over 3.8M late lineitems): the
// groups are the key's runs, so only where each run starts is built (one
// int32 per group), not the per-row group ids, each group's first row and
// the bucketing of the general path (q21: 53 -> 28 MiB of working memory
// beside the 61 MiB input). ok is false when the frame does not qualify
// (unsorted, nulls, other aggregations, too few rows: sortedRunsMinRows as
// the general path's sortedRuns); the result is the general path's.
func sortedNuniqueAgg(c *Ctx, n *ir.Node, src *col.Frame, keys []string, kcols []*col.Column) (out *col.Frame, ok bool, err error) {
	rows := src.N
	if len(kcols) != 1 || rows < sortedRunsMinRows || rows >= 1<<31-1 {
		return nil, false, nil
	}
	kc := kcols[0]
	if !(kc.Type.IsInt() || kc.Type.IsDatetime()) || len(kc.I64) < rows || (kc.Valid != nil && kc.HasNulls()) {
		return nil, false, nil
	}
	na := interp.GroupAggCount(n)
	if na == 0 {
		return nil, false, nil
	}
	vals := make([]*col.Column, na)
	for i := range na {
		_, cname, fn := interp.GroupAggSpec(n, i)
		v := src.Col(cname)
		if fn != "nunique" || v == nil || !(v.Type.IsInt() || v.Type.IsDatetime()) || len(v.I64) < rows || v.N != rows ||
			(v.Valid != nil && v.HasNulls()) {
			return nil, false, nil
		}
		vals[i] = v
	}
	starts, ok, err := sortedRunStarts(c, n, kc.I64[:rows])
	if !ok || err != nil {
		return nil, false, err
	}
	ng := len(starts) - 1
	if err := c.reserve(n, int64(ng)*8*int64(na+1)); err != nil {
		return nil, false, err
	}
	key := col.Uninit[int64](ng)
	for g, r := range starts[:ng] {
		key[g] = kc.I64[r]
	}
	out = &col.Frame{N: ng}
	keyCols := []*col.Column{{Type: kc.Type, N: ng, I64: key}}
	withKeys(out, n, keys, keyCols)
	for i, v := range vals {
		counts, err := countRunsInts(c, n, v.I64[:rows], starts, ng)
		if err != nil {
			return nil, false, err
		}
		name, _, _ := interp.GroupAggSpec(n, i)
		out.Names = append(out.Names, name)
		out.Cols = append(out.Cols, col.NewInt64(counts))
	}
	return out, true, nil
}

// sortedRunStarts returns where each run of equal values of k starts, and
// len(k) at the end; ok is false when k decreases somewhere.
func sortedRunStarts(c *Ctx, n *ir.Node, k []int64) (starts []int32, ok bool, err error) {
	rows := len(k)
	runs, total, ok, err := sortedRunCounts(c, n, k)
	if err != nil || !ok {
		return nil, false, err
	}
	if err := c.reserve(n, int64(total+1)*4); err != nil {
		return nil, false, err
	}
	starts = col.Uninit[int32](total + 1) // every entry is written
	err = forMorsels(c, n, rows, func(m, lo, hi int) error {
		g := runs[m]
		for i := lo; i < hi; i++ {
			if i == 0 || k[i] != k[i-1] {
				starts[g] = int32(i)
				g++
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	starts[total] = int32(rows)
	return starts, true, nil
}
