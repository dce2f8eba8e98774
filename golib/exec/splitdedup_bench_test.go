package exec

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"math/rand"
	"testing"
)

// BenchmarkDistinctRows: 3M rows of 5 float32 with 216K distinct rows (the
// flights model input's shape), in runs as a file sorted by date has them.
func BenchmarkDistinctRows(b *testing.B) {
	const rows, distinct, w = 3_000_000, 216_000, 5
	r := rand.New(rand.NewSource(1))
	pool := make([]float32, distinct*w)
	for i := range pool {
		pool[i] = float32(r.Intn(300)) / 7
	}
	x := make([]float32, rows*w)
	for i := 0; i < rows; i++ {
		d := r.Intn(distinct)
		copy(x[i*w:i*w+w], pool[d*w:d*w+w])
	}
	t := &col.Tensor{DType: ir.Float32, Shape: []int{rows, w}, F32: x}
	xb, bw := tensorRowBytes(t, rows)
	key := []rowPart{{xb, bw}}
	c := &Ctx{}
	b.ResetTimer()
	for range b.N {
		ids, first, err := distinctRows(c, nil, key, rows)
		if err != nil || ids == nil {
			b.Fatal(err, len(first))
		}
	}
}
