package interp

// Grouping: factorizing key columns into dense group ids (pandas' order and
// null rules), combining several keys, and sorting the groups.

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// gbFactor is the factorization of a column (or of several combined).
type gbFactor struct {
	codes []int32 // code per row; -1 for a row whose missing value was dropped
	first []int   // first row holding each code; len(first) is the number of codes
	na    int32   // code of the missing value, -1 when there is none
}

// gbFactorize assigns each row of c a dense code in order of first
// appearance. keepNA: missing values form one code of their own; otherwise
// their rows get -1.
func gbFactorize(c *col.Column, keepNA bool) (*gbFactor, error) {
	n := c.N
	f := &gbFactor{codes: make([]int32, n), na: -1}
	missing := func(i int) int32 {
		if !keepNA {
			return -1
		}
		if f.na < 0 {
			f.na = int32(len(f.first))
			f.first = append(f.first, i)
		}
		return f.na
	}
	switch {
	case c.Type.IsInt() || c.Type.IsDatetime():
		if tab, lo, ok := gbDenseRange(c); ok {
			// small value range: index a table instead of hashing
			for i := 0; i < n; i++ {
				if c.Valid != nil && !c.IsValid(i) {
					f.codes[i] = missing(i)
					continue
				}
				k := uint64(c.I64[i] - lo)
				if tab[k] < 0 {
					tab[k] = int32(len(f.first))
					f.first = append(f.first, i)
				}
				f.codes[i] = tab[k]
			}
			break
		}
		m := make(map[int64]int32)
		for i := 0; i < n; i++ {
			if c.Valid != nil && !c.IsValid(i) {
				f.codes[i] = missing(i)
				continue
			}
			v := c.I64[i]
			code, ok := m[v]
			if !ok {
				code = int32(len(f.first))
				m[v] = code
				f.first = append(f.first, i)
			}
			f.codes[i] = code
		}
	case c.Type.IsFloat():
		m := make(map[uint64]int32)
		for i := 0; i < n; i++ {
			v := c.F64[i]
			if v != v || (c.Valid != nil && !c.IsValid(i)) {
				f.codes[i] = missing(i)
				continue
			}
			var bits uint64 // -0.0 and 0.0 are one value
			if v != 0 {
				bits = math.Float64bits(v)
			}
			code, ok := m[bits]
			if !ok {
				code = int32(len(f.first))
				m[bits] = code
				f.first = append(f.first, i)
			}
			f.codes[i] = code
		}
	case c.Type == ir.String:
		m := make(map[string]int32)
		for i := 0; i < n; i++ {
			if c.Valid != nil && !c.IsValid(i) {
				f.codes[i] = missing(i)
				continue
			}
			code, ok := m[string(c.StrBytes(i))] // no allocation for the lookup
			if !ok {
				code = int32(len(f.first))
				m[c.Str(i)] = code // aliases c.Data, which outlives the map
				f.first = append(f.first, i)
			}
			f.codes[i] = code
		}
	case c.Type == ir.Bool:
		slot := [2]int32{-1, -1}
		for i := 0; i < n; i++ {
			if c.Valid != nil && !c.IsValid(i) {
				f.codes[i] = missing(i)
				continue
			}
			b := 0
			if c.B[i] {
				b = 1
			}
			if slot[b] < 0 {
				slot[b] = int32(len(f.first))
				f.first = append(f.first, i)
			}
			f.codes[i] = slot[b]
		}
	case c.Type == ir.Null:
		for i := 0; i < n; i++ {
			f.codes[i] = missing(i)
		}
	default:
		return nil, ir.Errorf("NotImplemented", "grouping by a %s column", c.Type)
	}
	return f, nil
}

// gbDenseRange returns a table of -1s covering the range of c's valid int
// values, and the range's low end, when that range is small next to c.N.
func gbDenseRange(c *col.Column) ([]int32, int64, bool) {
	lo, hi, seen := int64(0), int64(0), false
	for i, x := range c.I64[:c.N] {
		if c.Valid != nil && !c.IsValid(i) {
			continue
		}
		if !seen || x < lo {
			lo = x
		}
		if !seen || x > hi {
			hi = x
		}
		seen = true
	}
	if !seen {
		return nil, 0, false
	}
	span := uint64(hi) - uint64(lo) // no overflow as unsigned
	if span >= uint64(max(c.N, 1024)) {
		return nil, 0, false
	}
	tab := make([]int32, span+1)
	for i := range tab {
		tab[i] = -1
	}
	return tab, lo, true
}

// gbCombine factorizes the pairs (a.codes[i], b.codes[i]); a row with -1 in
// either stays -1.
func gbCombine(a, b *gbFactor) *gbFactor {
	n := len(a.codes)
	f := &gbFactor{codes: make([]int32, n), na: -1}
	nb := uint64(len(b.first))
	if dense := uint64(len(a.first)) * nb; dense <= uint64(max(n, 1024)) {
		// small product: index a table directly
		tab := make([]int32, dense)
		for i := range tab {
			tab[i] = -1
		}
		for i := 0; i < n; i++ {
			x, y := a.codes[i], b.codes[i]
			if x < 0 || y < 0 {
				f.codes[i] = -1
				continue
			}
			k := uint64(x)*nb + uint64(y)
			if tab[k] < 0 {
				tab[k] = int32(len(f.first))
				f.first = append(f.first, i)
			}
			f.codes[i] = tab[k]
		}
		return f
	}
	m := make(map[uint64]int32)
	for i := 0; i < n; i++ {
		x, y := a.codes[i], b.codes[i]
		if x < 0 || y < 0 {
			f.codes[i] = -1
			continue
		}
		k := uint64(x)<<32 | uint64(y)
		code, ok := m[k]
		if !ok {
			code = int32(len(f.first))
			m[k] = code
			f.first = append(f.first, i)
		}
		f.codes[i] = code
	}
	return f
}

// gbCmpRows orders two non-missing rows of c (strings bytewise, as Python
// compares code points).
func gbCmpRows(c *col.Column, i, j int) int {
	switch {
	case c.Type.IsInt() || c.Type.IsDatetime():
		return cmp.Compare(c.I64[i], c.I64[j])
	case c.Type.IsFloat():
		return cmp.Compare(c.F64[i], c.F64[j])
	case c.Type == ir.String:
		return strings.Compare(c.Str(i), c.Str(j))
	case c.Type == ir.Bool:
		if c.B[i] == c.B[j] {
			return 0
		}
		if c.B[j] {
			return -1
		}
		return 1
	}
	return 0
}

// gbRank returns each code's position when f's distinct values are sorted
// ascending, the missing value last.
func gbRank(c *col.Column, f *gbFactor) []int32 {
	k := len(f.first)
	order := make([]int32, k)
	for i := range order {
		order[i] = int32(i)
	}
	if c.Type == ir.Bool && f.na >= 0 {
		// pandas holds such a column as object-of-bool and sorts its uniques
		// (in order of appearance) with numpy's insertion sort, to which NaN
		// is neither smaller nor larger than anything: reproduce the order.
		less := func(x, y int32) bool {
			if x == f.na || y == f.na {
				return false
			}
			return gbCmpRows(c, f.first[x], f.first[y]) < 0
		}
		for i := 1; i < k; i++ {
			v := order[i]
			j := i
			for j > 0 && less(v, order[j-1]) {
				order[j] = order[j-1]
				j--
			}
			order[j] = v
		}
	} else {
		slices.SortFunc(order, func(x, y int32) int {
			switch {
			case x == f.na:
				return 1
			case y == f.na:
				return -1
			}
			return gbCmpRows(c, f.first[x], f.first[y])
		})
	}
	rank := make([]int32, k)
	for pos, code := range order {
		rank[code] = int32(pos)
	}
	return rank
}

// gbGroups assigns rows to output groups.
type gbGroups struct {
	gid   []int32 // output group of each row, -1 for a dropped row
	first []int   // first row of each group, in output order
	// mono: gid is non-decreasing (the dropped rows, if any, come first) and
	// some row is kept. pandas then computes sum, mean, min and max of
	// numeric columns without NaN with numpy's ufunc.reduceat, not its
	// Cython kernels (pandas.core.groupby.ops.BaseGrouper._reduceat_aggregate).
	mono bool
	// keyRows[k][i]: the row whose value labels key k of group i: the
	// value's first appearance in that key's column (pandas factorizes each
	// key on its own, so -0.0/0.0 label as whichever came first).
	keyRows [][]int
}

// setMono computes g.mono.
func (g *gbGroups) setMono() {
	g.mono = false
	prev := int32(-1)
	for _, gi := range g.gid {
		if gi < prev {
			return
		}
		prev = gi
	}
	g.mono = prev >= 0
}

func (g *gbGroups) n() int { return len(g.first) }

// gbGroupRows groups the rows of f by the key columns.
func gbGroupRows(f *col.Frame, keys []string, dropna, sorted bool) (*gbGroups, error) {
	if len(keys) == 0 {
		return &gbGroups{gid: make([]int32, f.N), first: []int{0}}, nil
	}
	cols := make([]*col.Column, len(keys))
	facs := make([]*gbFactor, len(keys))
	var comb *gbFactor
	for k, name := range keys {
		c := gbKeyCol(f, name)
		if c == nil {
			return nil, ir.Errorf("ColumnNotFound", "column %q not found", name)
		}
		fac, err := gbFactorize(c, !dropna)
		if err != nil {
			return nil, err
		}
		cols[k], facs[k] = c, fac
		if comb == nil {
			comb = fac
		} else {
			comb = gbCombine(comb, fac)
		}
	}
	g := &gbGroups{gid: comb.codes, first: comb.first}
	if sorted && g.n() > 1 {
		g = gbSortGroups(g, cols, facs)
	}
	g.setMono()
	g.keyRows = make([][]int, len(keys))
	for k, fac := range facs {
		rows := make([]int, g.n())
		for i, row := range g.first {
			rows[i] = fac.first[fac.codes[row]]
		}
		g.keyRows[k] = rows
	}
	return g, nil
}

// gbSortGroups orders the groups by their keys (each key ascending, missing
// values last; the first key most significant).
func gbSortGroups(g *gbGroups, cols []*col.Column, facs []*gbFactor) *gbGroups {
	nk := len(cols)
	ranks := make([][]int32, nk)
	for k := range cols {
		ranks[k] = gbRank(cols[k], facs[k])
	}
	ng := g.n()
	order := make([]int32, ng) // groups in output order
	for i := range order {
		order[i] = int32(i)
	}
	if nk == 1 {
		for code, r := range ranks[0] {
			order[r] = int32(code)
		}
	} else {
		// group rank tuples, flattened
		tup := make([]int32, ng*nk)
		for gi, row := range g.first {
			for k := range cols {
				tup[gi*nk+k] = ranks[k][facs[k].codes[row]]
			}
		}
		slices.SortFunc(order, func(x, y int32) int {
			return slices.Compare(tup[int(x)*nk:int(x)*nk+nk], tup[int(y)*nk:int(y)*nk+nk])
		})
	}
	pos := make([]int32, ng)
	first := make([]int, ng)
	for p, gi := range order {
		pos[gi] = int32(p)
		first[p] = g.first[gi]
	}
	gid := make([]int32, len(g.gid))
	for i, gi := range g.gid {
		gid[i] = -1
		if gi >= 0 {
			gid[i] = pos[gi]
		}
	}
	return &gbGroups{gid: gid, first: first}
}

// gbKeyCol is the column named name, or else the index level of that name
// (pandas groups by index level names too).
func gbKeyCol(f *col.Frame, name string) *col.Column {
	if c := f.Col(name); c != nil {
		return c
	}
	for i, ix := range f.IndexNames {
		if ix == name && name != "" && i < len(f.Index) {
			return f.Index[i]
		}
	}
	return nil
}
