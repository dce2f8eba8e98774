package lower

import (
	"context"
	"runtime"
	"sync"
)

// Streaming reductions: a Merge/GroupMerge loop fed its rows in batches (a
// Parquet scan read a few row groups at a time) gives the same bits as one
// run over all the rows, because the partial states are kept across batches
// exactly as ParallelCtx and ParallelOrdered keep them within one run.

// Streamable reports whether a loop's builders are all reductions
// (Merge or GroupMerge): such a loop can be fed batch by batch.
func Streamable(l *Loop) bool {
	if len(l.Builders) == 0 || l.Scatters() || l.Compacts() {
		return false
	}
	for _, b := range l.Builders {
		if b.Kind != Merge && b.Kind != GroupMerge {
			return false
		}
	}
	return true
}

// StreamParts are the per-worker partial states of a streamed reduction:
// one per GOMAXPROCS worker (a worker ParallelCtx would not start has none
// of the rows, and combining its empty state changes nothing).
func StreamParts(l *Loop) []*Outputs {
	parts := make([]*Outputs, runtime.GOMAXPROCS(0))
	for w := range parts {
		parts[w] = NewOutputs(l, 0, 0)
	}
	return parts
}

// GrowGroups extends every GroupMerge builder's accumulators of o to
// ngroups groups (the new ones zero).
func GrowGroups(l *Loop, o *Outputs, ngroups int) {
	for i, b := range l.Builders {
		if b.Kind == GroupMerge && len(o.Groups[i]) < ngroups {
			o.Groups[i] = append(o.Groups[i], make([]Acc, ngroups-len(o.Groups[i]))...)
		}
	}
}

// ParallelStream runs f over the rows [0, rows) of one batch whose first
// row is row offset of the whole stream, into the workers' partial states
// parts (StreamParts): the stream's row r belongs to morsel r/Morsel, which
// ParallelCtx over the whole stream would give to worker (r/Morsel) mod
// workers. Each worker runs its morsels' rows of the batch in order, so after
// the last batch every worker has fed exactly the rows, in the order, it
// would have in one run; Combine then gives the one run's result. It stops
// between morsels once ctx is done.
func ParallelStream(ctx context.Context, rows, offset int, parts []*Outputs, f RangeFunc) error {
	workers := len(parts)
	var wg sync.WaitGroup
	for w := range workers {
		first := offset / Morsel
		for first%workers != w {
			first++
		}
		if first*Morsel >= offset+rows {
			continue // no morsel of this worker in the batch
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := first; m*Morsel < offset+rows && ctx.Err() == nil; m += workers {
				lo, hi := max(m*Morsel, offset), min((m+1)*Morsel, offset+rows)
				f(lo-offset, hi-offset, parts[w])
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// Combine merges the workers' partial states parts into a zeroed result
// with ngroups groups, in worker order (ParallelCtx's combine).
func Combine(l *Loop, parts []*Outputs, ngroups int) *Outputs {
	out := NewOutputs(l, 0, ngroups)
	for _, p := range parts {
		GrowGroups(l, p, ngroups)
	}
	combine(l, out, parts)
	return out
}

// OrderedInto is ParallelOrdered over one batch of a stream whose group ids
// never decrease (gid, the batch's rows' ids in the stream's numbering),
// accumulating into out, whose groups persist across batches: every group
// is reduced by one worker in row order, as one ParallelOrdered run over
// the whole stream reduces it.
func OrderedInto(ctx context.Context, l *Loop, rows int, gid []int64, out *Outputs, f RangeFunc) error {
	workers := min(runtime.GOMAXPROCS(0), (rows+Morsel-1)/Morsel)
	if workers <= 1 {
		for lo := 0; lo < rows; lo += Morsel {
			if err := ctx.Err(); err != nil {
				return err
			}
			f(lo, min(lo+Morsel, rows), out)
		}
		return nil
	}
	cuts := make([]int, workers+1) // worker w runs rows [cuts[w], cuts[w+1]), whole groups
	cuts[workers] = rows
	for w := 1; w < workers; w++ {
		c := max(w*rows/workers, cuts[w-1])
		for c > 0 && c < rows && gid[c] == gid[c-1] {
			c++
		}
		cuts[w] = c
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := cuts[w]; lo < cuts[w+1] && ctx.Err() == nil; lo += Morsel {
				f(lo, min(lo+Morsel, cuts[w+1]), out)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}
