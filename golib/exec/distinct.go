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
		var set shortFirsts
		for r := lo; r < hi; r++ {
			if !set.add(cl, int32(r)) {
				bail.Store(true) // a string longer than 8 bytes
				return nil
			}
			if len(set.rows) > shortDistinctMax {
				bail.Store(true)
				return nil
			}
		}
		lists[m] = set.rows
		return nil
	})
	if err != nil || bail.Load() {
		return nil, false, err
	}
	// Merge in morsel order: a value's first row is its first in the
	// lowest morsel holding it, and the lists are in row order already.
	var set shortFirsts
	for _, list := range lists {
		for _, r := range list {
			set.add(cl, r)
		}
	}
	return set.rows, true, nil
}

// shortFirsts collects the first row of each distinct value of a column of
// short strings (and of its null), in the order rows are added: an
// open-addressing table of (word, length) kept at most half full.
type shortFirsts struct {
	table []shortEntry
	shift uint
	null  bool
	rows  []int32
}

// add notes row r of cl; false when its string is longer than 8 bytes.
func (s *shortFirsts) add(cl *col.Column, r int32) bool {
	if cl.Valid != nil && !cl.IsValid(int(r)) {
		if !s.null {
			s.null = true
			s.rows = append(s.rows, r)
		}
		return true
	}
	w, l, ok := strWord(cl, int(r))
	if !ok {
		return false
	}
	if s.table == nil {
		s.table, s.shift = shortRehash(nil, 256, 56), 56
	}
	mask := uint64(len(s.table) - 1)
	for i := shortSlot(w, l, s.shift); ; i = (i + 1) & mask {
		e := &s.table[i]
		if e.id < 0 {
			*e = shortEntry{w: w, l: int32(l), id: r}
			s.rows = append(s.rows, r)
			break
		}
		if e.w == w && int(e.l) == l {
			return true
		}
	}
	if 2*len(s.rows) > len(s.table) { // keep the load at most 1/2
		s.shift--
		s.table = shortRehash(s.table, 2*len(s.table), s.shift)
	}
	return true
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
