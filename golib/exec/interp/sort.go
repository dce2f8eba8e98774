package interp

import (
	"bytes"
	"cmp"
	"math"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// sort is DataFrame.sort_values(by, ascending, na_position) and sort_index
// is DataFrame.sort_index(ascending, na_position). Both are always stable:
// rows with equal keys keep their input order, for ascending and for
// descending keys alike (pandas' descending sorts reverse, sort stably and
// reverse back, so they keep ties in input order too). pandas' default
// kind="quicksort" is not stable for ties on arrays of more than 16 rows, so
// flern matches pandas' kind="stable" (and every multi-key sort, which pandas
// always does with the stable np.lexsort).
//
// Missing values (NaN, None, NaT) go last or first per na_position whatever
// the direction. Strings order by code point (bytewise UTF-8). Index labels
// move with their rows.
//
// One pandas quirk is reproduced: a sort on several keys with
// na_position="first" runs numpy's lexsort on float keys with NaN replaced
// by -inf (after negating the key when descending), so there NaN ties with
// -inf (ascending) or +inf (descending) and later keys break the tie.
func init() {
	register("sort", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		by := n.Attrs.Strings("by")
		if len(by) == 0 {
			return nil, ir.Errorf("Value", "sort_values needs at least one key")
		}
		asc, err := sortAscending(n.Attrs, len(by))
		if err != nil {
			return nil, err
		}
		naFirst, err := sortNAFirst(n.Attrs)
		if err != nil {
			return nil, err
		}
		keys := make([]*col.Column, len(by))
		for i, name := range by {
			keys[i] = src.Col(name)
			if keys[i] == nil {
				for j, ix := range src.IndexNames {
					if ix == name && j < len(src.Index) {
						keys[i] = src.Index[j]
						break
					}
				}
			}
			if keys[i] == nil {
				return nil, ir.Errorf("ColumnNotFound", "%s", quotePy(name))
			}
		}
		return src.Take(sortPerm(src.N, keys, asc, naFirst, len(keys) > 1)), nil
	})
	register("sort_index", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		levels := src.IndexColumns()
		asc, err := sortAscending(n.Attrs, len(levels))
		if err != nil {
			return nil, err
		}
		naFirst, err := sortNAFirst(n.Attrs)
		if err != nil {
			return nil, err
		}
		// pandas sorts a MultiIndex by level codes (no float quirk).
		return src.Take(sortPerm(src.N, levels, asc, naFirst, false)), nil
	})
}

// sortAscending reads ascending: a bool for all keys, or one bool per key.
func sortAscending(a ir.Attrs, keys int) ([]bool, error) {
	asc := make([]bool, keys)
	switch v := a["ascending"].(type) {
	case nil:
		for i := range asc {
			asc[i] = true
		}
	case bool:
		for i := range asc {
			asc[i] = v
		}
	default:
		list := a.Bools("ascending")
		if len(list) == 1 {
			for i := range asc {
				asc[i] = list[0]
			}
		} else if len(list) == keys {
			copy(asc, list)
		} else {
			return nil, ir.Errorf("Value", "Length of ascending (%d) != length of by (%d)", len(list), keys)
		}
	}
	return asc, nil
}

func sortNAFirst(a ir.Attrs) (bool, error) {
	switch p := a.Str("na_position"); p {
	case "", "last":
		return false, nil
	case "first":
		return true, nil
	default:
		return false, ir.Errorf("Value", "invalid na_position: %s", p)
	}
}

// sortPerm returns the stable sorting permutation of n rows by keys.
// lexQuirk applies pandas' multi-key NaN-as-infinity rule (see above).
func sortPerm(n int, keys []*col.Column, asc []bool, naFirst, lexQuirk bool) []int {
	if len(keys) == 1 {
		switch c := keys[0]; {
		case c.Type.IsInt() || c.Type.IsDatetime():
			return sortPermValues(c, c.I64, asc[0], naFirst)
		case c.Type.IsFloat():
			return sortPermValues(c, c.F64, asc[0], naFirst)
		}
	}
	cmps := make([]func(i, j int) int, len(keys))
	for k, c := range keys {
		cmps[k] = sortKeyCmp(c, asc[k], naFirst, lexQuirk && naFirst && c.Type.IsFloat())
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	// Ties are broken by position, which makes the order total: any sort
	// then gives the stable result.
	slices.SortFunc(perm, func(i, j int) int {
		for _, cmp := range cmps {
			if r := cmp(i, j); r != 0 {
				return r
			}
		}
		return i - j
	})
	return perm
}

// sortPermValues is sortPerm for one numeric key: missing rows in order at
// one end, the others sorted as (value, position) pairs, which keeps memory
// access sequential.
func sortPermValues[T int64 | float64](c *col.Column, vals []T, asc, naFirst bool) []int {
	type pair struct {
		v T
		i int
	}
	pairs := make([]pair, 0, c.N)
	var na []int
	for i := 0; i < c.N; i++ {
		if c.IsNA(i) {
			na = append(na, i)
		} else {
			pairs = append(pairs, pair{vals[i], i})
		}
	}
	dir := 1
	if !asc {
		dir = -1
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		switch {
		case a.v < b.v:
			return -dir
		case a.v > b.v:
			return dir
		}
		return a.i - b.i
	})
	perm := make([]int, 0, c.N)
	if naFirst {
		perm = append(perm, na...)
	}
	for _, p := range pairs {
		perm = append(perm, p.i)
	}
	if !naFirst {
		perm = append(perm, na...)
	}
	return perm
}

// sortKeyCmp compares rows i and j of one key in output order.
func sortKeyCmp(c *col.Column, asc, naFirst, nanAsInf bool) func(i, j int) int {
	var val func(i, j int) int
	switch {
	case nanAsInf:
		inf := math.Inf(-1)
		if !asc {
			inf = math.Inf(1)
		}
		v := func(i int) float64 {
			if c.IsNA(i) {
				return inf
			}
			return c.F64[i]
		}
		return func(i, j int) int {
			r := cmp.Compare(v(i), v(j))
			if !asc {
				r = -r
			}
			return r
		}
	case c.Type.IsInt() || c.Type.IsDatetime():
		val = func(i, j int) int { return cmp.Compare(c.I64[i], c.I64[j]) }
	case c.Type.IsFloat():
		val = func(i, j int) int { return cmp.Compare(c.F64[i], c.F64[j]) }
	case c.Type == ir.Bool:
		val = func(i, j int) int {
			bi, bj := c.B[i], c.B[j]
			switch {
			case bi == bj:
				return 0
			case bj:
				return -1
			}
			return 1
		}
	case c.Type == ir.String:
		val = func(i, j int) int { return bytes.Compare(c.StrBytes(i), c.StrBytes(j)) }
	default:
		val = func(i, j int) int { return 0 }
	}
	if !sortHasNA(c) {
		if asc {
			return val
		}
		return func(i, j int) int { return -val(i, j) }
	}
	return func(i, j int) int {
		ni, nj := c.IsNA(i), c.IsNA(j)
		if ni || nj {
			switch {
			case ni && nj:
				return 0
			case ni == naFirst:
				return -1
			}
			return 1
		}
		r := val(i, j)
		if !asc {
			r = -r
		}
		return r
	}
}

// sortHasNA reports whether any row of c is missing (null or NaN).
func sortHasNA(c *col.Column) bool {
	if c.HasNulls() {
		return true
	}
	if c.Type.IsFloat() {
		for _, f := range c.F64[:c.N] {
			if f != f {
				return true
			}
		}
	}
	return false
}
