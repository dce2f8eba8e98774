package exec

import (
	"fmt"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// TestMemoLookupJoin: a join probing a column with memoized codes by a
// small table of unique keys equals the interpreter's join: left and
// inner, a right null key or none, unmatched keys (inner: the general
// path), right int/float columns with nulls (missing rows NaN or null),
// the left columns passed through.
func TestMemoLookupJoin(t *testing.T) {
	smallMorsels(t)
	oldMin := codesMinRows
	t.Cleanup(func() { codesMinRows = oldMin })
	codesMinRows = 1
	airports := []string{"SFO", "LAX", "Zürich", "東京", "", "ORD"}
	for _, sz := range []int{1, 7, 300, 5000} {
		for _, missing := range []bool{false, true} {
			for _, rightNull := range []bool{false, true} {
				l := lookupLeft(airports, sz, missing)
				if _, ok, err := columnCodes(&Ctx{}, nil, l.Cols[0]); !ok || err != nil {
					t.Fatalf("no codes (%v)", err)
				}
				rk := append([]string{}, airports...)
				n := len(rk)
				if rightNull {
					n++
					rk = append(rk, "")
				}
				rvalid := col.NewBitmap(n, true)
				if rightNull {
					col.SetBit(rvalid, n-1, false)
				}
				codes, fl := make([]int64, n), make([]float64, n)
				cvalid, fvalid := col.NewBitmap(n, true), col.NewBitmap(n, true)
				for i := range codes {
					codes[i], fl[i] = int64(n-i), float64(i)/3
				}
				col.SetBit(cvalid, 1, false) // LAX's code is null
				col.SetBit(fvalid, 2, false)
				ci, cf := col.NewInt64(codes), col.NewFloat64(fl)
				ci.Valid, cf.Valid = cvalid, fvalid
				r := &col.Frame{N: n, Names: []string{"origin", "code", "f"}, Cols: []*col.Column{col.NewStrings(rk, rvalid), ci, cf}}
				for _, how := range []string{"inner", "left"} {
					node := newNode(t, "join", ir.Attrs{"how": how, "left_on": strs("origin"), "right_on": strs("origin")}, l, r)
					got, want, gerr, werr := runBoth(t, node, true, l, r)
					label := fmt.Sprintf("how=%s rows=%d missing=%v rightNull=%v", how, sz, missing, rightNull)
					checkSame(t, label, got, want, gerr, werr, 0)
					if gerr == nil && (how == "left" || (!missing && rightNull)) && got.Cols[1] != l.Cols[1] {
						t.Fatalf("%s: the left column was copied, not passed through", label)
					}
				}
			}
		}
	}
}
