package exec

// Memoized string codes of a column: a string column of short values (at
// most 8 bytes: airport and country codes, category labels) with few
// distinct ones gets, once, each row's value number (first-occurrence
// order; the null value has one too) and each number's first row. Frames
// are immutable, so the numbers stay right as long as the column lives:
// they are kept in a map under a weak pointer to the column and dropped
// when it is collected. distinct (Series.unique()) computes them; a later
// distinct of the same column reads them, and a join probing it with a
// small build side looks each distinct value up once and gathers the ids by
// number instead of hashing every row's string again. Columns of a frame the
// result cache kept are the same objects in every plan that reads it: the
// flights ETL takes unique() of origin and destination, the merges' matched-
// keys probes take their distincts again, then the merges probe them.
// (The stream stage's batches, whose buffers are recycled, only feed fused
// aggregations: they never reach distinct or a join.)

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// colCodes is a column's value numbers: codes[r] is row r's, first[k] the
// first row holding number k.
type colCodes struct {
	codes []int32
	first []int32
}

// codesMinRows is the fewest rows whose codes are memoized (a variable for
// tests); codesMax the most distinct values.
var codesMinRows = 1 << 16

const codesMax = 1 << 12

// weakKey is a memo key: a weak pointer to the column.
type weakKey = weak.Pointer[col.Column]

var codesMemo = struct {
	sync.Mutex
	m map[weakKey]*colCodes
}{m: map[weakKey]*colCodes{}}

// memoCodes is cl's memoized codes, or nil.
func memoCodes(cl *col.Column) *colCodes {
	if cl.Type != ir.String || cl.N < codesMinRows {
		return nil
	}
	codesMemo.Lock()
	defer codesMemo.Unlock()
	return codesMemo.m[weak.Make(cl)]
}

// columnCodes is cl's codes, computed and memoized when not yet (ok false:
// not a column of short strings with few values, or too few rows).
func columnCodes(c *Ctx, n *ir.Node, cl *col.Column) (*colCodes, bool, error) {
	if cc := memoCodes(cl); cc != nil {
		return cc, true, nil
	}
	if cl.Type != ir.String || cl.Offs == nil || cl.N < codesMinRows {
		return nil, false, nil
	}
	cc, ok, err := computeCodes(c, n, cl)
	if !ok || err != nil {
		return nil, false, err
	}
	storeCodes(cl, cc)
	return cc, true, nil
}

// MemoizeCodes keeps codes (row r's value number, first-occurrence order,
// the null numbered too) and first (each number's first row) as cl's value
// numbers: the Parquet reader's numbering from dictionary indices
// (parquetio.StringCodes, for a scan's `codes` columns). Small columns and
// columns of many values are not kept (as columnCodes would not compute
// them).
func MemoizeCodes(cl *col.Column, codes, first []int32) {
	if cl.Type != ir.String || cl.N < codesMinRows || len(codes) != cl.N || len(first) > codesMax {
		return
	}
	storeCodes(cl, &colCodes{codes: codes, first: first})
}

// storeCodes memoizes cc as cl's codes until cl is collected.
func storeCodes(cl *col.Column, cc *colCodes) {
	wp := weak.Make(cl)
	codesMemo.Lock()
	codesMemo.m[wp] = cc
	codesMemo.Unlock()
	runtime.AddCleanup(cl, func(wp weak.Pointer[col.Column]) {
		codesMemo.Lock()
		delete(codesMemo.m, wp)
		codesMemo.Unlock()
	}, wp)
}

// codeSet numbers short strings (and the null) in the order they are added.
type codeSet struct {
	table []shortEntry // id: the number
	shift uint
	null  int32 // the null's number, -1 none
	first []int32
}

func newCodeSet() *codeSet {
	return &codeSet{table: shortRehash(nil, 256, 56), shift: 56, null: -1}
}

// id is row r's number (added when new); ok false for a string over 8 bytes.
func (s *codeSet) id(cl *col.Column, r int32) (int32, bool) {
	if cl.Valid != nil && !cl.IsValid(int(r)) {
		if s.null < 0 {
			s.null = int32(len(s.first))
			s.first = append(s.first, r)
		}
		return s.null, true
	}
	w, l, ok := strWord(cl, int(r))
	if !ok {
		return 0, false
	}
	mask := uint64(len(s.table) - 1)
	for i := shortSlot(w, l, s.shift); ; i = (i + 1) & mask {
		e := &s.table[i]
		if e.id < 0 {
			id := int32(len(s.first))
			*e = shortEntry{w: w, l: int32(l), id: id}
			s.first = append(s.first, r)
			if 2*len(s.first) > len(s.table) { // keep the load at most 1/2
				s.shift--
				s.table = shortRehash(s.table, 2*len(s.table), s.shift)
			}
			return id, true
		}
		if e.w == w && int(e.l) == l {
			return e.id, true
		}
	}
}

// computeCodes numbers cl's values: each morsel in its own set, then the
// morsels' first rows in morsel order into one set (so numbers follow first
// occurrences), and every row's number mapped.
func computeCodes(c *Ctx, n *ir.Node, cl *col.Column) (*colCodes, bool, error) {
	rows := cl.N
	codes := make([]int32, rows)
	sets := make([]*codeSet, numMorsels(rows))
	var failed atomic.Bool
	err := forMorsels(c, n, rows, func(m, lo, hi int) error {
		s := newCodeSet()
		for r := lo; r < hi; r++ {
			id, ok := s.id(cl, int32(r))
			if !ok || len(s.first) > codesMax {
				failed.Store(true)
				return nil
			}
			codes[r] = id
		}
		sets[m] = s
		return nil
	})
	if err != nil || failed.Load() {
		return nil, false, err
	}
	g := newCodeSet()
	remap := make([][]int32, len(sets))
	for m, s := range sets {
		remap[m] = make([]int32, len(s.first))
		for k, r := range s.first {
			id, _ := g.id(cl, r)
			remap[m][k] = id
		}
	}
	if len(g.first) > codesMax {
		return nil, false, nil
	}
	err = forMorsels(c, n, rows, func(m, lo, hi int) error {
		rm := remap[m]
		for r := lo; r < hi; r++ {
			codes[r] = rm[codes[r]]
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return &colCodes{codes: codes, first: g.first}, true, nil
}

// gatherCodes memoizes the value numbers of g, the rows idx of string
// column cl, when cl's are memoized (a dropna or filter of a scanned
// column): each row's number gathered, then renumbered in g's own
// first-occurrence order (values of dropped rows only vanish), so that g's
// codes are what computeCodes would give it.
func gatherCodes(c *Ctx, n *ir.Node, cl, g *col.Column, idx []int32) error {
	if cl.Type != ir.String || g.N < codesMinRows || g.N != len(idx) {
		return nil
	}
	cc := memoCodes(cl)
	if cc == nil || len(cc.codes) != cl.N {
		return nil
	}
	k := len(cc.first)
	codes := make([]int32, g.N)
	parts := max(numMorsels(g.N), 1)
	firsts := make([][]int32, parts) // each morsel's first row of each old number, -1 none
	err := forMorsels(c, n, g.N, func(m, lo, hi int) error {
		fm := make([]int32, k)
		for i := range fm {
			fm[i] = -1
		}
		old := cc.codes
		for i, j := range idx[lo:hi] {
			v := old[j]
			codes[lo+i] = v
			if fm[v] < 0 {
				fm[v] = int32(lo + i)
			}
		}
		firsts[m] = fm
		return nil
	})
	if err != nil {
		return err
	}
	firstRow := make([]int32, k)
	for v := range firstRow {
		firstRow[v] = -1
		for _, fm := range firsts {
			if fm != nil && fm[v] >= 0 {
				firstRow[v] = fm[v] // morsels in row order: the first one holding v
				break
			}
		}
	}
	order := make([]int32, 0, k) // old numbers present, by first row
	for v, r := range firstRow {
		if r >= 0 {
			order = append(order, int32(v))
		}
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(firstRow[a], firstRow[b]) })
	remap := make([]int32, k)
	first := make([]int32, len(order))
	same := true
	for nv, v := range order {
		remap[v] = int32(nv)
		first[nv] = firstRow[v]
		same = same && int(v) == nv
	}
	if !same {
		err = forMorsels(c, n, g.N, func(_, lo, hi int) error {
			for i, v := range codes[lo:hi] {
				codes[lo+i] = remap[v]
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	storeCodes(g, &colCodes{codes: codes, first: first})
	return nil
}
