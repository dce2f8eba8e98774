package exec

// Parallel dropna: the rows to keep found morsel by morsel (the
// interpreter's rule: how="any" drops a row with any missing value among
// the subset's columns, how="all" one whose values are all missing), then
// the columns gathered in parallel; without a dropped row the columns are
// shared (frames are immutable), a RangeIndex becoming the positions as the
// interpreter's Take makes it.

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
	for _, cl := range cols {
		if cl.HasNulls() || cl.Type.IsFloat() {
			maybe = append(maybe, cl)
		}
	}
	if how == "any" && len(maybe) == 0 || how == "all" && len(maybe) < len(cols) {
		return keepAllRows(src), nil // no row can be dropped
	}
	k := max(numMorsels(src.N), 1)
	sel := make([][]int32, k)
	err := forMorsels(c, n, src.N, func(m, lo, hi int) error {
		na := naCounts(maybe, lo, hi)
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
	return gatherFrame(c, n, src, idx)
}

// keepAllRows is src.Take(every row) without copying the columns.
func keepAllRows(src *col.Frame) *col.Frame {
	if src.Index != nil {
		return src
	}
	out := *src
	pos := make([]int64, src.N)
	for i := range pos {
		pos[i] = int64(i)
	}
	out.Index, out.IndexNames = []*col.Column{col.NewInt64(pos)}, []string{""}
	return &out
}

// naCounts counts, for each of rows lo..hi, the columns missing there (null
// in the validity bitmap, or NaN), a column at a time.
func naCounts(cols []*col.Column, lo, hi int) []int32 {
	na := make([]int32, hi-lo)
	for _, cl := range cols {
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
