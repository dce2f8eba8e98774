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

// TestGatherFixed: gathering int64, float64 and bool columns (runs of
// ascending rows copied whole, other indices one by one; nulls and missing
// rows on the general path) equals col.Column.Take.
func TestGatherFixed(t *testing.T) {
	old := morselRows
	t.Cleanup(func() { morselRows = old })
	morselRows = 1024
	r := rand.New(rand.NewSource(12))
	rows := 20000
	i64, f64, b := make([]int64, rows), make([]float64, rows), make([]bool, rows)
	for i := range i64 {
		i64[i], f64[i], b[i] = r.Int63(), r.NormFloat64(), r.Intn(2) == 0
	}
	nulls := col.NewInt64(append([]int64(nil), i64...))
	nulls.Valid = col.NewBitmap(rows, true)
	for i := 0; i < rows; i += 7 {
		col.SetBit(nulls.Valid, i, false)
	}
	cols := []*col.Column{col.NewInt64(i64), col.NewFloat64(f64), col.NewBool(b), nulls}
	patterns := map[string]func() []int32{
		"dropna-like": func() []int32 {
			var idx []int32
			for i := 0; i < rows; i++ {
				if r.Intn(30) != 0 {
					idx = append(idx, int32(i))
				}
			}
			return idx
		},
		"random": func() []int32 {
			idx := make([]int32, 15000)
			for i := range idx {
				idx[i] = int32(r.Intn(rows))
			}
			return idx
		},
		"value numbers": func() []int32 { // a gather by codes: few distinct indices
			idx := make([]int32, rows)
			for i := range idx {
				idx[i] = int32(r.Intn(3))
			}
			return idx
		},
		"descending": func() []int32 {
			idx := make([]int32, rows)
			for i := range idx {
				idx[i] = int32(rows - 1 - i)
			}
			return idx
		},
		"with missing": func() []int32 {
			idx := make([]int32, rows)
			for i := range idx {
				idx[i] = int32(i)
				if i%11 == 0 {
					idx[i] = -1
				}
			}
			return idx
		},
	}
	for name, gen := range patterns {
		idx := gen()
		take := make([]int, len(idx))
		for i, j := range idx {
			take[i] = int(j)
		}
		for _, cl := range cols {
			t.Run(fmt.Sprintf("%s/%s/nulls %v", name, cl.Type, cl.Valid != nil), func(t *testing.T) {
				got, err := gather(&Ctx{}, nil, cl, idx, cl.Type)
				if err != nil {
					t.Fatal(err)
				}
				if d := colDiff(got, cl.Take(take), 0); d != "" {
					t.Fatal(d)
				}
			})
		}
	}
}
