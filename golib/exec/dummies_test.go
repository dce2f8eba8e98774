package exec

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
)

// TestDummyCodesFastMatchesInterpreter: the runtime's string coder gives
// the interpreter's categories and codes, below and above the linear-scan
// limit, with nulls, empty strings, unicode and prefixes of one another.
func TestDummyCodesFastMatchesInterpreter(t *testing.T) {
	words := []string{"USA", "Europe", "Japan", "", "日本", "US", "USA ", "é", "e\u0301", "a", "b", "c", "d", "zz", "Z"}
	tests := []struct {
		name  string
		n     int
		kinds int
		nulls float64
	}{
		{"empty", 0, 3, 0}, {"one", 1, 1, 0}, {"all null", 50, 3, 1}, {"three", 1000, 3, 0.1},
		{"eight", 2000, 8, 0.05}, {"nine", 2000, 9, 0}, {"fifteen", 5000, 15, 0.2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.kinds)))
			b := col.NewStringBuilder(tc.n)
			for i := 0; i < tc.n; i++ {
				if r.Float64() < tc.nulls {
					b.AppendNull()
				} else {
					b.Append(words[r.IntN(tc.kinds)])
				}
			}
			c := b.Finish()
			wantCats, wantCodes := interp.DummyCodes(c)
			// one morsel, and many merged; then from the column's memoized
			// value numbers (colcodes.go; the second call reads the memo)
			for _, v := range []struct{ morsel, codesMin int }{{MorselRows, codesMinRows}, {100, codesMinRows}, {100, 1}, {MorselRows, 1}} {
				morsel := v.morsel
				old, oldMin := morselRows, codesMinRows
				morselRows, codesMinRows = morsel, v.codesMin
				gotCats, gotCodes, err := dummyCodesFast(&Ctx{}, nil, c, true)
				onlyCats, noCodes, err2 := dummyCodesFast(&Ctx{}, nil, c, false)
				morselRows, codesMinRows = old, oldMin
				if err != nil || err2 != nil {
					t.Fatal(err, err2)
				}
				if !slices.Equal(gotCats, wantCats) || !slices.Equal(gotCodes, wantCodes) {
					t.Fatalf("morsels of %d: cats %v codes %v..., want %v %v...", morsel, gotCats, head(gotCodes), wantCats, head(wantCodes))
				}
				if !slices.Equal(onlyCats, wantCats) || noCodes != nil {
					t.Fatalf("morsels of %d, categories only: %v (codes %v), want %v", morsel, onlyCats, noCodes != nil, wantCats)
				}
			}
		})
	}
}

func head(x []int) []int { return x[:min(len(x), 20)] }
