package interp

import "github.com/flern/flern/golib/col"

// GroupIDs factorizes f's key columns exactly as groupby_agg does (dropna,
// sort): each row's group id (-1 for a dropped row), the number of groups,
// and each key's column of group labels (one row per group). Fused
// aggregation kernels (golib/lower) use it as their opaque hash-build
// kernel, so their groups are the interpreter's by construction.
func GroupIDs(f *col.Frame, keys []string, dropna, sort bool) (gid []int64, ngroups int, keyCols []*col.Column, err error) {
	g, err := gbGroupRows(f, keys, dropna, sort)
	if err != nil {
		return nil, 0, nil, err
	}
	gid = make([]int64, len(g.gid))
	for i, x := range g.gid {
		gid[i] = int64(x)
	}
	keyCols = make([]*col.Column, len(keys))
	for k, name := range keys {
		keyCols[k] = gbKeyCol(f, name).Take(g.keyRows[k])
	}
	return gid, g.n(), keyCols, nil
}
