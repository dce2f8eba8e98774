package exec

// Parallel dropna: the rows to keep found morsel by morsel (the
// interpreter's rule: how="any" drops a row with any missing value among
// the subset's columns, how="all" one whose values are all missing), then
// the columns gathered in parallel (gatherKept); without a dropped row the columns are
// shared (frames are immutable), a RangeIndex becoming the positions as the
// interpreter's Take makes it.
//
// A col.Lookup column (a Parquet scan's dictionary-coded column, read as
// codes + values: scanlookups.go) is tested per value, not per row: only a
// float's NaN entries are missing (a lookup holds no null), so a column
// without one cannot drop a row, and one with some is tested by its rows'
// codes. Its kept rows' codes are gathered (4 bytes a row instead of 8) into
// a lookup over the same values.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("dropna", runDropna)
}

func runDropna(c *Ctx, n *ir.Node, in []any) (any, error) {
	src := in[0].(*col.Frame)
	if src.N > maxRows {
		return nil, ErrFallback
	}
	cols := src.Cols
	if n.Attrs["subset"] != nil {
		cols = nil
		for _, name := range n.Attrs.Strings("subset") {
			cl := src.Col(name)
			if cl == nil {
				return nil, ErrFallback // the interpreter raises pandas' error
			}
			cols = append(cols, cl)
		}
	}
	how := n.Attrs.Str("how")
	if how == "" {
		how = "any"
	}
	if how != "any" && how != "all" {
		return nil, ErrFallback
	}
	var maybe []*col.Column // columns that can hold a missing value
	var naOf [][]uint8      // per column of maybe: a lookup's missing values by code, 1 (else nil)
	for _, cl := range cols {
		if l := cl.Lookup; l != nil {
			if na := l.Missing(); na != nil {
				maybe, naOf = append(maybe, cl), append(naOf, na)
			}
			continue
		}
		if cl.HasNulls() || cl.Type.IsFloat() {
			maybe, naOf = append(maybe, cl), append(naOf, nil)
		}
	}
	if how == "any" && len(maybe) == 0 || how == "all" && len(maybe) < len(cols) {
		return keepAllRows(src), nil // no row can be dropped
	}
	k := max(numMorsels(src.N), 1)
	sel := make([][]int32, k)
	err := forMorsels(c, n, src.N, func(m, lo, hi int) error {
		if how == "any" {
			// a row kept when no column is missing there: its mask byte 0
			mask := naAny(maybe, naOf, lo, hi)
			idx := make([]int32, hi-lo)
			kept := 0
			for j, b := range mask {
				idx[kept] = int32(lo + j)
				kept += int(1 - b)
			}
			sel[m] = idx[:kept]
			return nil
		}
		na := naCounts(maybe, naOf, lo, hi)
		idx := make([]int32, 0, hi-lo)
		for j, k := range na {
			if (how == "any" && k == 0) || (how == "all" && int(k) < len(cols)) {
				idx = append(idx, int32(lo+j))
			}
		}
		sel[m] = idx
		return nil
	})
	if err != nil {
		return nil, err
	}
	total := 0
	for _, s := range sel {
		total += len(s)
	}
	if total == src.N {
		return keepAllRows(src), nil
	}
	if err := c.reserve(n, int64(total)*rowBytes(src)); err != nil {
		return nil, err
	}
	idx := make([]int32, 0, total)
	for _, s := range sel {
		idx = append(idx, s...)
	}
	return gatherKept(c, n, src, idx)
}

// naAny is, for each of rows lo..hi, whether some column is missing there
// (1) or none (0): null in the validity bitmap, NaN, or a lookup's code
// whose naOf entry is 1.
func naAny(cols []*col.Column, naOf [][]uint8, lo, hi int) []uint8 {
	m := make([]uint8, hi-lo)
	for i, cl := range cols {
		if tab := naOf[i]; tab != nil {
			for j, k := range cl.Lookup.Codes[lo:hi] {
				m[j] |= tab[k]
			}
			continue
		}
		if cl.Valid != nil {
			for r := lo; r < hi; r++ {
				if !cl.IsValid(r) {
					m[r-lo] = 1
				}
			}
		}
		if cl.Type.IsFloat() {
			for j, x := range cl.F64[lo:hi] {
				m[j] |= isNaN8(x)
			}
		}
	}
	return m
}

// isNaN8 is 1 for a NaN, else 0.
func isNaN8(x float64) uint8 {
	if x != x {
		return 1
	}
	return 0
}

// gatherKept is gatherFrame(src, idx) (idx ascending) with src's col.Lookup columns
// gathered as lookups (their codes at idx, over the same values) and its
// int64/float64 columns without nulls gathered with them, morsel by morsel:
// the runs of consecutive kept rows are found once per morsel for all of
// them. gatherFrame does the other columns (strings, nulls) and the index.
func gatherKept(c *Ctx, n *ir.Node, src *col.Frame, idx []int32) (*col.Frame, error) {
	rest := *src
	rest.Names, rest.Cols = nil, nil
	var fast []int // src's columns gathered here
	for i, cl := range src.Cols {
		if cl.Lookup != nil || (cl.Valid == nil && (cl.I64 != nil || cl.F64 != nil)) {
			fast = append(fast, i)
			continue
		}
		rest.Names, rest.Cols = append(rest.Names, src.Names[i]), append(rest.Cols, cl)
	}
	out, err := gatherFrame(c, n, &rest, idx)
	if err != nil {
		return nil, err
	}
	rows := len(idx)
	got := make([]*col.Column, len(src.Cols))
	for _, i := range fast {
		cl := src.Cols[i]
		g := &col.Column{Type: cl.Type, N: rows, Keep: cl.Keep}
		switch l := cl.Lookup; {
		case l != nil:
			g.Lookup = &col.Lookup{Codes: col.Uninit[int32](rows), I64: l.I64, F64: l.F64, Str: l.Str}
		case cl.I64 != nil:
			g.I64 = col.Uninit[int64](rows)
		default:
			g.F64 = col.Uninit[float64](rows)
		}
		got[i] = g
	}
	err = forMorsels(c, n, rows, func(_, lo, hi int) error {
		ix := idx[lo:hi]
		ends := keptRuns(ix)
		for _, i := range fast {
			cl, g := src.Cols[i], got[i]
			switch {
			case cl.Lookup != nil:
				copyRuns(g.Lookup.Codes[lo:hi], cl.Lookup.Codes, ix, ends)
			case cl.I64 != nil:
				copyRuns(g.I64[lo:hi], cl.I64, ix, ends)
			default:
				copyRuns(g.F64[lo:hi], cl.F64, ix, ends)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cols := make([]*col.Column, 0, len(src.Cols))
	r := 0
	for i := range src.Cols {
		if got[i] != nil {
			cols = append(cols, got[i])
			continue
		}
		cols = append(cols, out.Cols[r])
		r++
	}
	out.Names, out.Cols = src.Names, cols
	return out, nil
}

// keptRuns is where each run of consecutive rows in idx (ascending) ends:
// run k is idx[ends[k-1]:ends[k]] (ends[-1] = 0); nil when the runs are
// short (under 8 rows on average: gathered row by row).
func keptRuns(idx []int32) []int32 {
	var ends []int32
	for k := 1; k < len(idx); k++ {
		if idx[k] != idx[k-1]+1 {
			ends = append(ends, int32(k))
			if len(ends)*8 > len(idx) {
				return nil
			}
		}
	}
	return append(ends, int32(len(idx)))
}

// copyRuns writes src[idx[i]] to dst[i], run by run (keptRuns' ends), or
// row by row without runs.
func copyRuns[T int32 | int64 | float64](dst, src []T, idx, ends []int32) {
	if ends == nil {
		for i, j := range idx {
			dst[i] = src[j]
		}
		return
	}
	a := int32(0)
	for _, b := range ends {
		j := idx[a]
		copy(dst[a:b], src[j:j+b-a])
		a = b
	}
}

// keepAllRows is src.Take(every row) without copying the columns.
func keepAllRows(src *col.Frame) *col.Frame {
	if src.Index != nil {
		return src
	}
	return src.WithPositions()
}

// naCounts counts, for each of rows lo..hi, the columns missing there (null
// in the validity bitmap, or NaN; a lookup column's by its codes' entries of
// naOf), a column at a time.
func naCounts(cols []*col.Column, naOf [][]uint8, lo, hi int) []int32 {
	na := make([]int32, hi-lo)
	for i, cl := range cols {
		if tab := naOf[i]; tab != nil {
			for j, k := range cl.Lookup.Codes[lo:hi] {
				na[j] += int32(tab[k])
			}
			continue
		}
		if cl.Valid != nil {
			for i := lo; i < hi; i++ {
				if !cl.IsValid(i) {
					na[i-lo]++
				}
			}
		}
		if cl.Type.IsFloat() {
			v := cl.F64[lo:hi]
			if cl.Valid == nil {
				for j, x := range v {
					if x != x {
						na[j]++
					}
				}
			} else {
				for j, x := range v { // a null row counts once
					if x != x && cl.IsValid(lo+j) {
						na[j]++
					}
				}
			}
		}
	}
	return na
}
