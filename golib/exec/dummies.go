package exec

// get_dummies on the runtime: the interpreter's operator (interp.GetDummies)
// with a faster coder for string columns -- morsel by morsel over the
// workers, each value's bytes compared with the few categories its morsel
// has seen so far (a map once there are many), no per-row key building;
// the morsels' categories are merged in row order -- giving exactly
// dummyCodes' categories (first occurrences, then sorted as get_dummies
// sorts) and codes. The front end's schema-only probe (which only needs
// the categories) writes no codes.

import (
	"bytes"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("get_dummies", func(c *Ctx, n *ir.Node, in []any) (any, error) {
		schemaOnly := n.Attrs.Bool("schema_only", false)
		var err error
		out, gerr := interp.GetDummies(n, in[0].(*col.Frame), func(cl *col.Column) ([]int, []int, *col.Column) {
			if lk := cl.Lookup; lk != nil && lk.Str != nil {
				cats, codes, e := lookupDummyCodes(c, n, cl, !schemaOnly)
				if e != nil && err == nil {
					err = e
				}
				return cats, codes, lk.Str
			}
			cats, codes, e := dummyCodesFast(c, n, cl.Materialize(), !schemaOnly)
			if e != nil && err == nil {
				err = e
			}
			return cats, codes, nil
		})
		if err != nil {
			return nil, err
		}
		return out, gerr
	})
}

// linearCats is how many categories are compared one by one before a map
// takes over.
const linearCats = 8

// morselCats is one morsel's categories: their bytes and first rows, in
// first-occurrence order, and its rows' codes into them.
type morselCats struct {
	vals  [][]byte
	first []int
	codes []int32
}

// dummyCodesFast is interp.DummyCodes, faster for string columns (codes
// false: the categories only, nil codes).
func dummyCodesFast(c *Ctx, n *ir.Node, cl *col.Column, codes bool) (cats []int, out []int, err error) {
	if cl.Type != ir.String || cl.Offs == nil {
		cats, out = interp.DummyCodes(cl)
		return cats, out, nil
	}
	if cc, ok, err := columnCodes(c, n, cl); err != nil || ok {
		if err != nil {
			return nil, nil, err
		}
		return dummyCodesFrom(c, n, cl, cc, codes)
	}
	ms := make([]morselCats, max(numMorsels(cl.N), 1))
	err = forMorsels(c, n, cl.N, func(m, lo, hi int) error {
		mc := &ms[m]
		if codes {
			mc.codes = make([]int32, hi-lo)
		}
		var pos map[string]int
		for i := lo; i < hi; i++ {
			if cl.IsNA(i) {
				if codes {
					mc.codes[i-lo] = -1
				}
				continue
			}
			v := cl.Data[cl.Offs[i]:cl.Offs[i+1]]
			k := -1
			if pos == nil {
				for j, w := range mc.vals {
					if bytes.Equal(v, w) {
						k = j
						break
					}
				}
			} else if j, ok := pos[string(v)]; ok { // (no allocation for a lookup)
				k = j
			}
			if k < 0 {
				k = len(mc.vals)
				mc.vals = append(mc.vals, v)
				mc.first = append(mc.first, i)
				if pos == nil && len(mc.vals) > linearCats {
					pos = make(map[string]int, 2*len(mc.vals))
					for j, w := range mc.vals {
						pos[string(w)] = j
					}
				} else if pos != nil {
					pos[string(v)] = k
				}
			}
			if codes {
				mc.codes[i-lo] = int32(k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	// the morsels' categories in row order: global first occurrences
	global := map[string]int{}
	remap := make([][]int, len(ms))
	for m := range ms {
		remap[m] = make([]int, len(ms[m].vals))
		for j, v := range ms[m].vals {
			k, ok := global[string(v)]
			if !ok {
				k = len(cats)
				global[string(v)] = k
				cats = append(cats, ms[m].first[j])
			}
			remap[m][j] = k
		}
	}
	cats, rank := dummyRanks(cl, cats) // cats: the first rows in first-occurrence order
	if !codes {
		return cats, nil, nil
	}
	out = make([]int, cl.N)
	err = forMorsels(c, n, cl.N, func(m, lo, hi int) error {
		mc, rm := &ms[m], remap[m]
		for i, k := range mc.codes {
			if k < 0 {
				out[lo+i] = -1
			} else {
				out[lo+i] = rank[rm[k]]
			}
		}
		return nil
	})
	return cats, out, err
}

// dummyCodesFrom is dummyCodesFast from the column's memoized value numbers
// (colcodes.go: short strings, numbered in first-occurrence order, the null
// among them), which a unique() of the column or a join on it may have
// computed already and a later category_code reads again.
func dummyCodesFrom(c *Ctx, n *ir.Node, cl *col.Column, cc *colCodes, codes bool) (cats []int, out []int, err error) {
	firsts := make([]int, len(cc.first))
	for k, r := range cc.first {
		firsts[k] = int(r)
		if cl.IsNA(int(r)) {
			firsts[k] = -1 // the null's number: no category
		}
	}
	cats, rank := dummyRanks(cl, firsts)
	if !codes {
		return cats, nil, nil
	}
	out = make([]int, cl.N)
	err = forMorsels(c, n, cl.N, func(_, lo, hi int) error {
		for i, k := range cc.codes[lo:hi] {
			out[lo+i] = rank[k]
		}
		return nil
	})
	return cats, out, err
}

// lookupDummyCodes is dummyCodesFast for a string lookup: the values its
// rows hold (a gathered lookup, dropna's, may hold fewer than its values)
// as rows of its values, sorted as get_dummies sorts, and each row's
// position among them through its code (codes false: the categories only).
func lookupDummyCodes(c *Ctx, n *ir.Node, cl *col.Column, codes bool) (cats []int, out []int, err error) {
	lk := cl.Lookup
	nv := lk.Str.N
	used := make([][]bool, max(numMorsels(cl.N), 1))
	err = forMorsels(c, n, cl.N, func(m, lo, hi int) error {
		u := make([]bool, nv)
		for _, k := range lk.Codes[lo:hi] {
			u[k] = true
		}
		used[m] = u
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	firsts := make([]int, nv) // each value's category: itself when a row holds it (-1: none)
	for k := range firsts {
		firsts[k] = -1
		for _, u := range used {
			if u != nil && u[k] {
				firsts[k] = k
				break
			}
		}
	}
	cats, rank := dummyRanks(lk.Str, firsts)
	if !codes {
		return cats, nil, nil
	}
	out = make([]int, cl.N)
	err = forMorsels(c, n, cl.N, func(_, lo, hi int) error {
		for i, k := range lk.Codes[lo:hi] {
			out[lo+i] = rank[k]
		}
		return nil
	})
	return cats, out, err
}

// dummyRanks is get_dummies' categories from the first rows of numbered
// values (-1: a number with no category) -- sorted as get_dummies sorts --
// and each number's position among them (-1 for none).
func dummyRanks(cl *col.Column, firsts []int) (cats, rank []int) {
	for _, r := range firsts {
		if r >= 0 {
			cats = append(cats, r)
		}
	}
	interp.SortDummyCats(cl, cats)
	at := make(map[int]int, len(cats))
	for k, r := range cats {
		at[r] = k
	}
	rank = make([]int, len(firsts))
	for k, r := range firsts {
		rank[k] = -1
		if j, ok := at[r]; ok && r >= 0 {
			rank[k] = j
		}
	}
	return cats, rank
}
