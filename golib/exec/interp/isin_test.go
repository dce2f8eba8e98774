package interp

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// TestIsinFastMatchesRows: isinFast answers exactly as isinRows, and
// declines (nil) the cases it leaves to it, on generated columns with
// missing values against lists of every type, NaN and None included.
func TestIsinFastMatchesRows(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	const n = 500
	withNulls := func(c *col.Column) *col.Column {
		c.Valid = make([]byte, (n+7)/8)
		for i := 0; i < n; i++ {
			if rng.Intn(9) != 0 {
				c.Valid[i>>3] |= 1 << (i & 7)
			}
		}
		return c
	}
	ints := make([]int64, n)
	strs := make([]string, n)
	for i := range ints {
		ints[i] = int64(rng.Intn(40) - 5)
		strs[i] = fmt.Sprintf("s%d", rng.Intn(30))
	}
	cols := map[string]*col.Column{
		"int":          col.NewInt64(ints),
		"int nulls":    withNulls(col.NewInt64(ints)),
		"datetime nat": withNulls(&col.Column{Type: ir.DatetimeUS, N: n, I64: ints}),
		"str":          col.NewStrings(strs, nil),
		"str nulls":    withNulls(col.NewStrings(strs, nil)),
		"float":        col.NewFloat64(make([]float64, n)),
	}
	lit := func(v ir.Value) *col.Column { return broadcast(v, v.Type, 1) }
	manyInts := []*col.Column{}
	for k := int64(0); k < 20; k++ {
		manyInts = append(manyInts, lit(ir.LitInt(k*2).Lit))
	}
	lists := map[string][]*col.Column{
		"ints":           {lit(ir.LitInt(3).Lit), lit(ir.LitInt(-5).Lit), lit(ir.LitInt(99).Lit)},
		"many ints":      manyInts,
		"ints and float": {lit(ir.LitInt(3).Lit), lit(ir.LitFloat(4).Lit)},
		"float nan":      {lit(ir.LitFloat(math.NaN()).Lit), lit(ir.LitFloat(7).Lit)},
		"strs":           {lit(ir.LitString("s3").Lit), lit(ir.LitString("s17").Lit), lit(ir.LitString("x").Lit)},
		"strs and none":  {lit(ir.LitString("s4").Lit), lit(ir.Value{Type: ir.Null})},
		"empty":          {},
	}
	for cn, c := range cols {
		for ln, vals := range lists {
			t.Run(cn+"/"+ln, func(t *testing.T) {
				want := isinRows(c, vals, n)
				got := isinFast(c, vals, n)
				if got == nil {
					return // left to isinRows
				}
				for i := 0; i < n; i++ {
					if got.B[i] != want.B[i] {
						t.Fatalf("row %d: %v, want %v", i, got.B[i], want.B[i])
					}
				}
			})
		}
	}
	if isinFast(cols["int"], lists["ints"], n) == nil || isinFast(cols["str nulls"], lists["strs and none"], n) == nil {
		t.Errorf("the fast cases declined")
	}
}
