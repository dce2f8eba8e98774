package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// sortedKeys returns n ascending keys drawn from [lo, lo+span): duplicates
// and gaps.
func sortedKeys(seed uint64, n int, lo, span int64) []int64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	k := make([]int64, n)
	for i := range k {
		k[i] = lo + rng.Int64N(span)
	}
	slices.Sort(k)
	return k
}

// TestSortedJoinDifferential: joins and semi joins of two ascending key
// columns take the merge path (sortedKeyIDs) and equal the interpreter:
// duplicates on both sides, keys only one side has, one side's keys all
// below or above the other's, many morsels; a column out of order or with
// nulls takes the hash path and the same answer.
func TestSortedJoinDifferential(t *testing.T) {
	smallMorsels(t)
	cases := []struct {
		name           string
		nl, nr         int
		llo, lspan     int64
		rlo, rspan     int64
		unsortLeft     bool
		nullsLeft, dts bool
	}{
		{name: "overlapping, duplicates both sides", nl: 5000, nr: 4500, llo: 0, lspan: 3000, rlo: 500, rspan: 3000},
		{name: "unique right keys (a lookup)", nl: 6000, nr: 5000, llo: 0, lspan: 9000, rlo: 0, rspan: 1 << 40},
		{name: "left all below the right", nl: 5000, nr: 5000, llo: -9000, lspan: 4000, rlo: 0, rspan: 4000},
		{name: "left all above the right", nl: 5000, nr: 5000, llo: 9000, lspan: 4000, rlo: 0, rspan: 4000},
		{name: "tiny right", nl: 8000, nr: 3, llo: 0, lspan: 50, rlo: 10, rspan: 20},
		{name: "tiny left", nl: 3, nr: 8000, llo: 0, lspan: 50, rlo: 10, rspan: 20},
		{name: "datetimes", nl: 5000, nr: 5000, llo: 1e15, lspan: 4000, rlo: 1e15 + 1000, rspan: 4000, dts: true},
		{name: "left out of order: the hash path", nl: 5000, nr: 4000, llo: 0, lspan: 3000, rlo: 0, rspan: 3000, unsortLeft: true},
		{name: "left with nulls: the hash path", nl: 5000, nr: 4000, llo: 0, lspan: 3000, rlo: 0, rspan: 3000, nullsLeft: true},
	}
	for _, cs := range cases {
		lk := sortedKeys(1, cs.nl, cs.llo, cs.lspan)
		rk := sortedKeys(2, cs.nr, cs.rlo, cs.rspan)
		if cs.rspan == 1<<40 {
			rk = slices.Compact(rk)
		}
		if cs.unsortLeft {
			lk[0], lk[len(lk)-1] = lk[len(lk)-1], lk[0]
		}
		kc := func(v []int64) *col.Column {
			c := col.NewInt64(v)
			if cs.dts {
				c.Type = ir.DatetimeUS
			}
			return c
		}
		lc := kc(lk)
		if cs.nullsLeft {
			lc.Valid = make([]byte, (len(lk)+7)/8)
			for i := range lk {
				if i%7 != 0 {
					lc.Valid[i>>3] |= 1 << (uint(i) & 7)
				}
			}
		}
		l := &col.Frame{N: len(lk), Names: []string{"k", "v"}, Cols: []*col.Column{lc, genFrame(3, len(lk), genSpec{name: "v", typ: ir.Float64, nulls: true}).Cols[0]}}
		r := &col.Frame{N: len(rk), Names: []string{"k", "w"}, Cols: []*col.Column{kc(rk), genFrame(4, len(rk), genSpec{name: "w", typ: ir.String}).Cols[0]}}
		_, _, _, merged, _ := sortedKeyIDs(nil, nil, l.Cols[:1], r.Cols[:1], l.N, r.N)
		if want := !cs.unsortLeft && !cs.nullsLeft; merged != want && (cs.nl >= sortedJoinMinRows || cs.nr >= sortedJoinMinRows) {
			t.Fatalf("%s: merge path taken = %v, want %v", cs.name, merged, want)
		}
		for _, how := range []string{"inner", "left"} {
			node := newNode(t, "join", ir.Attrs{"how": how, "left_on": strs("k"), "right_on": strs("k")}, l, r)
			got, want, gerr, werr := runBoth(t, node, true, l, r)
			checkSame(t, fmt.Sprintf("%s how=%s", cs.name, how), got, want, gerr, werr, 0)
		}
		for _, anti := range []bool{false, true} {
			node := newNode(t, "semi_join", ir.Attrs{"left_on": "k", "right_on": "k", "anti": anti}, l, r)
			got, want, gerr, werr := runBoth(t, node, true, l, r)
			checkSame(t, fmt.Sprintf("%s semi anti=%v", cs.name, anti), got, want, gerr, werr, 0)
		}
	}
}
