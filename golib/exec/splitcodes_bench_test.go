package exec

import (
	"math/rand"
	"testing"
)

// BenchmarkNumberKeys numbers 1M rows of fuel (c)'s key by codes: six
// lookup columns of ~400 values (9 bits), a plain int64 column (4 bits)
// and an int64 key tensor (2 bits), drawn from 392 distinct rows.
func BenchmarkNumberKeys(b *testing.B) {
	const rows, distinct = 1_000_000, 392
	r := rand.New(rand.NewSource(1))
	pool := make([][8]int64, distinct)
	for d := range pool {
		for j := range 6 {
			pool[d][j] = int64(r.Intn(400))
		}
		pool[d][6], pool[d][7] = 70+int64(r.Intn(13)), int64(r.Intn(3))
	}
	codes := make([][]int32, 6)
	for j := range codes {
		codes[j] = make([]int32, rows)
	}
	year, org := make([]int64, rows), make([]int64, rows)
	for i := range rows {
		d := pool[r.Intn(distinct)]
		for j := range 6 {
			codes[j][i] = int32(d[j])
		}
		year[i], org[i] = d[6], d[7]
	}
	var parts []codeKey
	for j := range 6 {
		parts = append(parts, codeKey{codes: codes[j], shift: uint(9 * j)})
	}
	parts = append(parts, codeKey{vals: year, lo: 70, shift: 54}, codeKey{vals: org, shift: 58})
	b.ResetTimer()
	for range b.N {
		ids, first, err := numberKeys(&Ctx{}, nil, parts, rows, distinct)
		if err != nil || ids == nil || len(first) != distinct {
			b.Fatal(err, len(first))
		}
	}
}
