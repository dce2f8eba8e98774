package interp

// Exported pieces of sort / sort_index for the parallel runtime
// (golib/exec): the keys, directions and row order, so the runtime's
// parallel sort orders rows exactly as the interpreter does.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// SortSpec reads a sort or sort_index node over src: the key columns, the
// direction of each, where missing values go, and whether pandas' multi-key
// NaN-as-infinity rule applies (see sort.go).
func SortSpec(n *ir.Node, src *col.Frame) (keys []*col.Column, asc []bool, naFirst, lexQuirk bool, err error) {
	if n.Op == "sort_index" {
		keys = src.IndexColumns()
	} else {
		by := n.Attrs.Strings("by")
		if len(by) == 0 {
			return nil, nil, false, false, ir.Errorf("Value", "sort_values needs at least one key")
		}
		keys = make([]*col.Column, len(by))
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
				return nil, nil, false, false, ir.Errorf("ColumnNotFound", "%s", quotePy(name))
			}
		}
		lexQuirk = len(keys) > 1
	}
	if asc, err = sortAscending(n.Attrs, len(keys)); err != nil {
		return nil, nil, false, false, err
	}
	if naFirst, err = sortNAFirst(n.Attrs); err != nil {
		return nil, nil, false, false, err
	}
	return keys, asc, naFirst, lexQuirk, nil
}

// SortCmp compares two rows in the output order of a stable sort by keys
// (0 for ties; the caller breaks them by position).
func SortCmp(keys []*col.Column, asc []bool, naFirst, lexQuirk bool) func(i, j int) int {
	cmps := make([]func(i, j int) int, len(keys))
	for k, c := range keys {
		cmps[k] = sortKeyCmp(c, asc[k], naFirst, lexQuirk && naFirst && c.Type.IsFloat())
	}
	if len(cmps) == 1 {
		return cmps[0]
	}
	return func(i, j int) int {
		for _, cmp := range cmps {
			if r := cmp(i, j); r != 0 {
				return r
			}
		}
		return 0
	}
}
