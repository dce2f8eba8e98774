package exec

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// TestGatherStrings: gathering a string column (short strings moved as
// 8-byte words up to each morsel's end, longer ones copied; nulls; missing
// rows from negative indices) equals col.Column.Take, for gatherFrame's
// no-negative form too.
func TestGatherStrings(t *testing.T) {
	old := morselRows
	t.Cleanup(func() { morselRows = old })
	morselRows = 64
	r := rand.New(rand.NewSource(11))
	for _, tc := range []struct {
		maxLen int
		nulls  bool
		neg    bool
	}{{3, false, false}, {8, true, false}, {20, false, true}, {9, true, true}, {0, false, false}} {
		t.Run(fmt.Sprintf("len %d nulls %v neg %v", tc.maxLen, tc.nulls, tc.neg), func(t *testing.T) {
			rows := 1000
			b := col.NewStringBuilder(rows)
			for i := 0; i < rows; i++ {
				if tc.nulls && r.Intn(9) == 0 {
					b.AppendNull()
					continue
				}
				b.Append(strings.Repeat(string(rune('a'+r.Intn(26))), r.Intn(tc.maxLen+1)))
			}
			src := b.Finish()
			idx := make([]int32, 12000) // offsets over col.Uninit's smallest unzeroed allocation
			take := make([]int, len(idx))
			for i := range idx {
				idx[i] = int32(r.Intn(rows))
				if tc.neg && r.Intn(10) == 0 {
					idx[i] = -1
				}
				take[i] = int(idx[i])
			}
			want := src.Take(take)
			got, err := gather(&Ctx{}, nil, src, idx, ir.String)
			if err != nil {
				t.Fatal(err)
			}
			if d := colDiff(got, want, 0); d != "" {
				t.Fatal(d)
			}
			if !tc.neg {
				f, err := gatherFrame(&Ctx{}, nil, &col.Frame{N: rows, Names: []string{"s"}, Cols: []*col.Column{src}}, idx)
				if err != nil {
					t.Fatal(err)
				}
				if d := colDiff(f.Cols[0], want, 0); d != "" {
					t.Fatal(d)
				}
				for i, j := range idx {
					if f.Index[0].I64[i] != int64(j) {
						t.Fatalf("index %d: %d, want %d", i, f.Index[0].I64[i], j)
					}
				}
			}
		})
	}
}
