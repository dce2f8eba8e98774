package exec

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Groupings by an already sorted key (sortedkeys.go) and nunique over
// their runs (nunique.go's countRuns) equal the interpreter's: runs of
// every length across morsel boundaries, negative keys, sort on and off,
// values with nulls and NaN; an unsorted key (one step down at a morsel
// boundary, or inside one) and a key with nulls take the other paths.
func TestSortedRunsDifferential(t *testing.T) {
	smallMorsels(t)
	old := sortedRunsMinRows
	sortedRunsMinRows = 1
	t.Cleanup(func() { sortedRunsMinRows = old })
	r := rand.New(rand.NewSource(5))
	for _, n := range []int{1, 64, 65, 1000} {
		k := make([]int64, n)
		v := make([]int64, n)
		f := make([]float64, n)
		x := int64(-50)
		for i := range k {
			if r.Intn(3) == 0 {
				x += int64(r.Intn(3) + 1)
			}
			k[i] = x
			v[i] = int64(r.Intn(4))
			f[i] = float64(r.Intn(3))
			if r.Intn(9) == 0 {
				f[i] = math.NaN()
			}
		}
		down := append([]int64(nil), k...)
		if n > 70 {
			down[64] = down[63] - 1 // one step down at a morsel boundary
		}
		inside := append([]int64(nil), k...)
		if n > 10 {
			inside[10] = inside[9] - 1
		}
		vn := col.NewInt64(v)
		vn.Valid = col.NewBitmap(n, true)
		kn := col.NewInt64(append([]int64(nil), k...))
		kn.Valid = col.NewBitmap(n, true)
		for i := 0; i < n; i += 7 {
			col.SetBit(vn.Valid, i, false)
			if i%3 == 0 {
				col.SetBit(kn.Valid, i, false)
			}
		}
		fr := &col.Frame{N: n, Names: []string{"k", "down", "inside", "kn", "v", "vn", "f"},
			Cols: []*col.Column{col.NewInt64(k), col.NewInt64(down), col.NewInt64(inside), kn, col.NewInt64(v), vn, col.NewFloat64(f)}}
		for _, key := range []string{"k", "down", "inside", "kn"} {
			for _, sort := range []bool{true, false} {
				for _, dropna := range []bool{true, false} {
					attrs := ir.Attrs{"keys": []any{key}, "sort": sort, "dropna": dropna, "as_index": false, "aggs": []any{
						map[string]any{"name": "vnu", "col": "v", "fn": "nunique"},
						map[string]any{"name": "vnnu", "col": "vn", "fn": "nunique"},
						map[string]any{"name": "fnu", "col": "f", "fn": "nunique"},
						map[string]any{"name": "fs", "col": "f", "fn": "sum"},
						map[string]any{"name": "n", "col": "", "fn": "size"}}}
					node := newNode(t, "groupby_agg", attrs, fr)
					got, want, gerr, werr := runBoth(t, node, true, fr)
					checkSame(t, fmt.Sprintf("key=%s n=%d sort=%v dropna=%v", key, n, sort, dropna), got, want, gerr, werr, 0)
				}
			}
		}
	}
}
