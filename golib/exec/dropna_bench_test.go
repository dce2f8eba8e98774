package exec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// BenchmarkDropnaFuel: the fuel workload's dropna, 1M rows: four float64
// columns holding NaN in 3.4% of the rows, three int64 columns, a short
// string column with memoized value numbers.
func BenchmarkDropnaFuel(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(5, 6))
	f := &col.Frame{N: n}
	for k := 0; k < 7; k++ {
		if k < 4 {
			v := make([]float64, n)
			for i := range v {
				v[i] = r.Float64()
				if r.IntN(120) == 0 {
					v[i] = math.NaN()
				}
			}
			f.Cols, f.Names = append(f.Cols, col.NewFloat64(v)), append(f.Names, string(rune('a'+k)))
			continue
		}
		v := make([]int64, n)
		for i := range v {
			v[i] = r.Int64N(1000)
		}
		f.Cols, f.Names = append(f.Cols, col.NewInt64(v)), append(f.Names, string(rune('a'+k)))
	}
	sb := col.NewStringBuilder(n)
	for i := 0; i < n; i++ {
		sb.Append([]string{"USA", "Europe", "Japan"}[r.IntN(3)])
	}
	s := sb.Finish()
	if _, ok, err := columnCodes(&Ctx{}, nil, s); !ok || err != nil {
		b.Fatal(ok, err)
	}
	f.Cols, f.Names = append(f.Cols, s), append(f.Names, "s")
	node := &ir.Node{Op: "dropna", Attrs: ir.Attrs{"how": "any"}}
	b.ResetTimer()
	for range b.N {
		if _, err := runDropna(&Ctx{}, node, []any{f}); err != nil {
			b.Fatal(err)
		}
	}
}
