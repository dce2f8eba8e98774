package exec

// Radix sort of one numeric sort key. Each value becomes a uint64 whose
// unsigned order is the sort order (sign bit flipped for ints; for floats
// the IEEE bits flipped so negatives come first, -0.0 folded into 0.0;
// every bit inverted for a descending key), and the (key, row) pairs are
// sorted by an LSD radix sort with 11-bit digits. LSD radix sorting is
// stable, so equal keys keep row order, as the interpreter's stable sort.
// Each worker sorts one run of rows; the runs are merged (psort.go).

import (
	"math"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

type radixPair struct {
	k uint64
	i int32
}

// orderKey maps row i of a numeric column to its unsigned sort key.
func orderKey(c *col.Column, i int, asc bool) uint64 {
	var u uint64
	if c.Type.IsFloat() {
		f := c.F64[i]
		if f == 0 {
			f = 0 // -0.0 ties with 0.0
		}
		b := math.Float64bits(f)
		if b>>63 == 1 {
			u = ^b
		} else {
			u = b | 1<<63
		}
	} else {
		u = uint64(c.I64[i]) ^ 1<<63
	}
	if !asc {
		u = ^u
	}
	return u
}

const radixBits = 11

// radixSortPairs sorts p by k (stable), using tmp (same length) as scratch;
// the result is in p.
func radixSortPairs(p, tmp []radixPair) {
	if len(p) < 2 {
		return
	}
	const buckets = 1 << radixBits
	var count [buckets]int
	src, dst := p, tmp
	for shift := uint(0); shift < 64; shift += radixBits {
		count = [buckets]int{}
		for _, x := range src {
			count[(x.k>>shift)&(buckets-1)]++
		}
		if count[(src[0].k>>shift)&(buckets-1)] == len(src) {
			continue // every key has this digit: the pass would not move anything
		}
		sum := 0
		for b := range count {
			count[b], sum = sum, sum+count[b]
		}
		for _, x := range src {
			d := (x.k >> shift) & (buckets - 1)
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &p[0] {
		copy(p, src)
	}
}

// sortRadix is the sorting permutation of the rows of one numeric key k:
// missing rows (null, NaN) at one end in row order.
func sortRadix(c *Ctx, n *ir.Node, k *col.Column, asc, naFirst bool) ([]int32, error) {
	rows := k.N
	chunks := sortChunks(rows)
	bounds := chunkBounds(rows, chunks)
	parts := make([][]radixPair, chunks)
	nas := make([][]int32, chunks)
	err := forTasks(c, n, chunks, func(r int) error {
		lo, hi := bounds[r], bounds[r+1]
		p := make([]radixPair, 0, hi-lo)
		var na []int32
		for i := lo; i < hi; i++ {
			if k.IsNA(i) {
				na = append(na, int32(i))
			} else {
				p = append(p, radixPair{orderKey(k, i, asc), int32(i)})
			}
		}
		radixSortPairs(p, make([]radixPair, len(p)))
		parts[r], nas[r] = p, na
		return nil
	})
	if err != nil {
		return nil, err
	}
	pairs := make([]radixPair, 0, rows)
	pb := []int{0}
	for _, p := range parts {
		pairs = append(pairs, p...)
		pb = append(pb, len(pairs))
	}
	parts = nil
	// the runs are sorted: sortMerge only merges (a sorted run stays as is)
	less := func(a, b radixPair) int {
		switch {
		case a.k < b.k:
			return -1
		case a.k > b.k:
			return 1
		}
		return int(a.i - b.i)
	}
	if pairs, err = mergeSorted(c, n, pairs, pb, less); err != nil {
		return nil, err
	}
	perm := make([]int32, 0, rows)
	if naFirst {
		for _, na := range nas {
			perm = append(perm, na...)
		}
	}
	for _, p := range pairs {
		perm = append(perm, p.i)
	}
	if !naFirst {
		for _, na := range nas {
			perm = append(perm, na...)
		}
	}
	return perm, nil
}
