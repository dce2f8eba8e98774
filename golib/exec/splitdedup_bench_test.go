package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// BenchmarkDistinctRows numbers the rows of a float32 model input drawn
// from a pool of distinct rows: the flights model input's shape (3M rows of
// 5 with 216K distinct) and Auto MPG resampled (1M rows of 8, 392 distinct).
func BenchmarkDistinctRows(b *testing.B) {
	for _, bc := range []struct{ rows, distinct, w int }{{3_000_000, 216_000, 5}, {1_000_000, 392, 8}} {
		b.Run(fmt.Sprintf("%d/%d/%d", bc.rows, bc.distinct, bc.w), func(b *testing.B) {
			r := rand.New(rand.NewSource(1))
			pool := make([]float32, bc.distinct*bc.w)
			for i := range pool {
				pool[i] = float32(r.Intn(300)) / 7
			}
			x := make([]float32, bc.rows*bc.w)
			for i := 0; i < bc.rows; i++ {
				d := r.Intn(bc.distinct)
				copy(x[i*bc.w:i*bc.w+bc.w], pool[d*bc.w:d*bc.w+bc.w])
			}
			t := &col.Tensor{DType: ir.Float32, Shape: []int{bc.rows, bc.w}, F32: x}
			xb, bw := tensorRowBytes(t, bc.rows)
			key := []rowPart{{xb, bw}}
			b.ResetTimer()
			for range b.N {
				ids, first, err := distinctRows(&Ctx{}, nil, key, bc.rows)
				if err != nil || ids == nil {
					b.Fatal(err, len(first))
				}
			}
		})
	}
}
