package interp

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// semi_join (see frame): the rows of input 0 whose left_on value is among
// input 1's right_on values (anti: those whose value is not), in order. Values
// compare as merge keys do (keyEncoder: 1 == 1.0, NaN == NaN, None == None).
func init() {
	register("semi_join", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src, other := in[0], in[1]
		l, r := src.Col(n.Attrs.Str("left_on")), other.Col(n.Attrs.Str("right_on"))
		if l == nil || r == nil {
			return nil, ir.Errorf("ColumnNotFound", "semi_join key column not found")
		}
		anti := n.Attrs.Bool("anti", false)
		lg, _, _ := keyGroups(newKeyEncoder([]*col.Column{l}, []*col.Column{r}), src.N, other.N)
		keep := make([]int, 0, src.N)
		for i, g := range lg {
			if (g >= 0) != anti {
				keep = append(keep, i)
			}
		}
		return src.Take(keep), nil
	})
}
