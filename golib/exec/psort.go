package exec

// Parallel sort (sort_values / sort_index): the rows are cut into one chunk
// per worker, each chunk is sorted on its own, and the sorted runs are
// merged pairwise (the merges of a round run in parallel). The order is
// the interpreter's (interp.SortCmp: missing values at the end asked for,
// strings by code point, pandas' multi-key NaN rule) with ties broken by
// position, which makes it total, so the result is the stable sort's.
// A single numeric key is radix sorted (radix.go); the missing rows go to
// one end in row order. Trailing keys the rows already follow are dropped
// first (sortsuffix.go).

import (
	"cmp"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("sort", runSort)
	Register("sort_index", runSort)
}

func runSort(c *Ctx, n *ir.Node, in []any) (any, error) {
	src := in[0].(*col.Frame)
	if src.N > maxRows {
		return nil, ErrFallback
	}
	keys, asc, naFirst, lexQuirk, err := interp.SortSpec(n, src)
	if err != nil {
		return nil, err
	}
	if err := c.reserve(n, int64(src.N)*(rowBytes(src)+16)); err != nil {
		return nil, err
	}
	s := orderedSuffix(keys, asc, naFirst, lexQuirk, src.N) // (sortsuffix.go)
	keys, asc = keys[:s], asc[:s]
	var perm []int32
	switch k := keys[0]; {
	case len(keys) == 1 && (k.Type.IsInt() || k.Type.IsDatetime() || (k.Type.IsFloat() && !(lexQuirk && naFirst))):
		// (a float key left alone of several keys keeps pandas' multi-key
		// NaN rule, which sortRadix does not apply)
		perm, err = sortRadix(c, n, k, asc[0], naFirst)
	default:
		perm, err = sortRows(c, n, src.N, interp.SortCmp(keys, asc, naFirst, lexQuirk))
	}
	if err != nil {
		return nil, err
	}
	return gatherFrame(c, n, src, perm)
}

// sortChunks is the number of runs to sort n rows in.
func sortChunks(n int) int {
	if sortRuns > 0 {
		return max(1, min(sortRuns, n))
	}
	return max(1, min(Workers(), n/4096))
}

// sortRuns, when set (by tests), is the number of runs to cut every sort in.
var sortRuns = 0

// sortRows returns the sorting permutation of rows 0..n-1 under cmpRows
// (ties by position).
func sortRows(c *Ctx, n *ir.Node, rows int, cmpRows func(i, j int) int) ([]int32, error) {
	perm := make([]int32, rows)
	for i := range perm {
		perm[i] = int32(i)
	}
	less := func(a, b int32) int {
		if r := cmpRows(int(a), int(b)); r != 0 {
			return r
		}
		return cmp.Compare(a, b)
	}
	return sortMerge(c, n, perm, chunkBounds(rows, sortChunks(rows)), less)
}

// chunkBounds cuts n items into k contiguous runs: run i is
// [b[i], b[i+1]).
func chunkBounds(n, k int) []int {
	b := make([]int, k+1)
	for i := range b {
		b[i] = n * i / k
	}
	return b
}

// sortMerge sorts each run of data (bounds as chunkBounds) in parallel, then
// merges neighbouring runs pairwise until one is left.
func sortMerge[T any](c *Ctx, n *ir.Node, data []T, bounds []int, less func(a, b T) int) ([]T, error) {
	runs := len(bounds) - 1
	err := forTasks(c, n, runs, func(r int) error {
		slices.SortFunc(data[bounds[r]:bounds[r+1]], less)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return mergeSorted(c, n, data, bounds, less)
}

// mergeSorted merges the sorted runs of data (bounds as chunkBounds)
// pairwise, the merges of a round in parallel, until one is left.
func mergeSorted[T any](c *Ctx, n *ir.Node, data []T, bounds []int, less func(a, b T) int) ([]T, error) {
	if len(bounds) <= 2 {
		return data, nil
	}
	buf := make([]T, len(data))
	for len(bounds) > 2 {
		pairs := (len(bounds) - 1) / 2
		odd := (len(bounds)-1)%2 == 1
		err := forTasks(c, n, pairs+btoi(odd), func(p int) error {
			lo := bounds[2*p]
			if p == pairs { // the odd run out: copied as is
				copy(buf[lo:], data[lo:bounds[2*p+1]])
				return nil
			}
			mergeRuns(buf[lo:bounds[2*p+2]], data[lo:bounds[2*p+1]], data[bounds[2*p+1]:bounds[2*p+2]], less)
			return nil
		})
		if err != nil {
			return nil, err
		}
		nb := make([]int, 0, pairs+2)
		for i := 0; i < len(bounds)-1; i += 2 {
			nb = append(nb, bounds[i])
		}
		nb = append(nb, bounds[len(bounds)-1])
		bounds = nb
		data, buf = buf, data
	}
	return data, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mergeRuns merges sorted a and b into dst (a first on ties).
func mergeRuns[T any](dst, a, b []T, less func(x, y T) int) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if less(b[j], a[i]) < 0 {
			dst[k] = b[j]
			j++
		} else {
			dst[k] = a[i]
			i++
		}
		k++
	}
	k += copy(dst[k:], a[i:])
	copy(dst[k:], b[j:])
}
