package exec

// Parallel distinct (Series.unique()): the distinct values of a column in
// order of first appearance, the missing value once, from the same
// worker-local hash tables as groupby (buildGroups).

import (
	"slices"

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
	b, err := buildGroups(c, n, newRowKeys([]*col.Column{cl}), src.N, false)
	if err != nil {
		return nil, err
	}
	first := make([]int32, len(b.first))
	for i, r := range b.first {
		first[i] = int32(r)
	}
	slices.Sort(first)
	v, err := gather(c, n, cl, first, cl.Type)
	if err != nil {
		return nil, err
	}
	return &col.Frame{N: len(first), Names: []string{name}, Cols: []*col.Column{v}}, nil
}
