package exec

// get_dummies on the runtime: the interpreter's operator (interp.GetDummies)
// with a faster coder for string columns -- one pass comparing each value's
// bytes with the few categories seen so far (a map once there are many),
// no per-row key building -- giving exactly dummyCodes' categories (first
// occurrences, then sorted as get_dummies sorts) and codes.

import (
	"bytes"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("get_dummies", func(c *Ctx, n *ir.Node, in []any) (any, error) {
		return interp.GetDummies(n, in[0].(*col.Frame), dummyCodesFast)
	})
}

// linearCats is how many categories are compared one by one before a map
// takes over.
const linearCats = 8

// dummyCodesFast is interp.DummyCodes, faster for string columns.
func dummyCodesFast(c *col.Column) (cats []int, codes []int) {
	if c.Type != ir.String || c.Offs == nil {
		return interp.DummyCodes(c)
	}
	codes = make([]int, c.N)
	var vals [][]byte // the categories' bytes, in first-occurrence order
	var pos map[string]int
	for i := 0; i < c.N; i++ {
		if c.IsNA(i) {
			codes[i] = -1
			continue
		}
		v := c.Data[c.Offs[i]:c.Offs[i+1]]
		k := -1
		if pos == nil {
			for j, w := range vals {
				if bytes.Equal(v, w) {
					k = j
					break
				}
			}
		} else if j, ok := pos[string(v)]; ok { // (no allocation for a lookup)
			k = j
		}
		if k < 0 {
			k = len(cats)
			cats = append(cats, i)
			vals = append(vals, v)
			if pos == nil && len(vals) > linearCats {
				pos = make(map[string]int, 2*len(vals))
				for j, w := range vals {
					pos[string(w)] = j
				}
			} else if pos != nil {
				pos[string(v)] = k
			}
		}
		codes[i] = k
	}
	first := append([]int(nil), cats...)
	interp.SortDummyCats(c, cats)
	rank := make([]int, len(cats)) // first-occurrence order -> sorted position
	at := make(map[int]int, len(cats))
	for k, r := range cats {
		at[r] = k
	}
	for j, r := range first {
		rank[j] = at[r]
	}
	for i, k := range codes {
		if k >= 0 {
			codes[i] = rank[k]
		}
	}
	return cats, codes
}
