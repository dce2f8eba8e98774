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

// BenchmarkDropnaFuelLookups: fuel (c)'s dropna over the scan's lookups, 1M
// rows: six lookup columns of 400 values (two floats with a NaN entry,
// 3.4% of the rows missing in all), a plain int64 column, a short string
// column with memoized value numbers.
func BenchmarkDropnaFuelLookups(b *testing.B) {
	const n, k = 1_000_000, 400
	r := rand.New(rand.NewPCG(5, 6))
	f := &col.Frame{N: n}
	for c := 0; c < 6; c++ {
		l := &col.Lookup{Codes: make([]int32, n)}
		if c < 4 {
			l.F64 = make([]float64, k+1)
			for i := range l.F64 {
				l.F64[i] = r.Float64()
			}
			l.F64[k] = math.NaN()
		} else {
			l.I64 = make([]int64, k)
			for i := range l.I64 {
				l.I64[i] = r.Int64N(5000)
			}
		}
		for i := range l.Codes {
			l.Codes[i] = int32(r.IntN(k))
			if c < 2 && r.IntN(60) == 0 {
				l.Codes[i] = k
			}
		}
		typ := ir.Float64
		if l.I64 != nil {
			typ = ir.Int64
		}
		f.Cols, f.Names = append(f.Cols, &col.Column{Type: typ, N: n, Lookup: l}), append(f.Names, string(rune('a'+c)))
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = 70 + r.Int64N(13)
	}
	f.Cols, f.Names = append(f.Cols, col.NewInt64(v)), append(f.Names, "y")
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
