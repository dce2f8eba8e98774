package exec

// Parallel distinct (Series.unique()): the distinct values of a column in
// order of first appearance, the missing value once, from the same
// worker-local hash tables as groupby (buildGroups). A string column of
// short values (airport codes, flags, category labels) with few distinct
// values takes shortDistinct instead: each string is one uint64 word plus
// its length (as shortkeys.go's join keys), each morsel keeps the first row
// of each word in a small open-addressing table, and the morsels' lists are
// merged in row order.

import (
	"slices"
	"sync/atomic"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("distinct", runDistinct)
}

func runDistinct(c *Ctx, n *ir.Node, in []any) (any, error) {
	src := in[0].(*col.Frame)
	name := n.Attrs.Str("column")
	cl := src.Col(name)
	if cl == nil || !hashableKey(cl.Type) || src.N > maxRows {
		return nil, ErrFallback
	}
	if lk := cl.Lookup; lk != nil && lk.Numbered && lk.Str != nil && lk.Str.N <= cl.N && (cl.N > 0 || lk.Str.N == 0) {
		// a scan's string lookup: its values are numbered by first occurrence
		// over the rows (parquetio.lookupStrings), which is unique()'s order
		return &col.Frame{N: cl.Lookup.Str.N, Names: []string{name}, Cols: []*col.Column{cl.Lookup.Str}}, nil
	}
	cl = cl.Materialize()
	var first []int32
	cc, ok, err := columnCodes(c, n, cl) // colcodes.go: memoized for later distincts and joins
	if err != nil {
		return nil, err
	}
	if ok {
		first = cc.first
	} else if first, ok, err = shortDistinct(c, n, cl, src.N); err != nil {
		return nil, err
	}
	if !ok {
		b, err := buildGroups(c, n, newRowKeys([]*col.Column{cl}), src.N, false)
		if err != nil {
			return nil, err
		}
		first = make([]int32, len(b.first))
		for i, r := range b.first {
			first[i] = int32(r)
		}
		slices.Sort(first)
	}
	v, err := gather(c, n, cl, first, cl.Type)
	if err != nil {
		return nil, err
	}
	return &col.Frame{N: len(first), Names: []string{name}, Cols: []*col.Column{v}}, nil
}

// shortDistinctMax bounds the distinct values a morsel may hold in
// shortDistinct (beyond it the general hash tables pay off).
const shortDistinctMax = 1 << 12

// shortDistinct returns the first row of each distinct value of the string
// column cl (the null value included), in row order; ok=false when cl is
// not a string column, holds a value longer than 8 bytes, or a morsel has
// more than shortDistinctMax distinct values (then nothing is returned and
// the caller takes the general path).
func shortDistinct(c *Ctx, n *ir.Node, cl *col.Column, rows int) ([]int32, bool, error) {
	if cl.Type != ir.String || cl.Offs == nil || rows == 0 {
		return nil, false, nil
	}
	lists := make([][]int32, numMorsels(rows)) // per morsel: first rows, in row order
	var bail atomic.Bool
	err := forMorsels(c, n, rows, func(m, lo, hi int) error {
		if bail.Load() {
			return nil
		}
		set := newCodeSet() // colcodes.go
		for r := lo; r < hi; r++ {
			if _, ok := set.id(cl, int32(r)); !ok {
				bail.Store(true) // a string longer than 8 bytes
				return nil
			}
			if len(set.first) > shortDistinctMax {
				bail.Store(true)
				return nil
			}
		}
		lists[m] = set.first
		return nil
	})
	if err != nil || bail.Load() {
		return nil, false, err
	}
	// Merge in morsel order: a value's first row is its first in the
	// lowest morsel holding it, and the lists are in row order already.
	set := newCodeSet()
	for _, list := range lists {
		for _, r := range list {
			set.id(cl, r)
		}
	}
	return set.first, true, nil
}

// shortRehash moves the used entries of table into a new table of size
// slots (shift as shortSlot's).
func shortRehash(table []shortEntry, size int, shift uint) []shortEntry {
	out := make([]shortEntry, size)
	for i := range out {
		out[i].id = -1
	}
	mask := uint64(size - 1)
	for _, e := range table {
		if e.id < 0 {
			continue
		}
		s := shortSlot(e.w, int(e.l), shift)
		for out[s].id >= 0 {
			s = (s + 1) & mask
		}
		out[s] = e
	}
	return out
}
