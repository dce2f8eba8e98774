package col

import (
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/ir"
)

// TestKeySet: membership, counts and range tests of both forms (bitmap and
// sorted values) against a map, with nulls among the keys.
func TestKeySet(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, tc := range []struct {
		name   string
		spread int64
		dense  bool
	}{{"dense", 5000, true}, {"sparse", 1 << 40, false}, {"negative", -3000, true}} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 2000
			c := &Column{Type: ir.Int64, N: n, I64: make([]int64, n), Valid: make([]byte, (n+7)/8)}
			want := map[int64]bool{}
			for i := range n {
				v := r.Int63n(max(tc.spread, -tc.spread))
				if tc.spread < 0 {
					v = -v
				}
				c.I64[i] = v
				if r.Intn(9) > 0 {
					c.Valid[i/8] |= 1 << (i % 8)
					want[v] = true
				}
			}
			k := NewKeySet(c)
			if (k.Dense()) != tc.dense || k.N != len(want) {
				t.Fatalf("dense %v n %d, want dense %v n %d", k.Dense(), k.N, tc.dense, len(want))
			}
			probe := func(v int64) {
				if k.Has(v) != want[v] {
					t.Fatalf("has(%d) = %v", v, k.Has(v))
				}
			}
			for v := range want {
				probe(v)
				probe(v + 1)
				probe(v - 1)
			}
			for range 2000 {
				a := k.Lo - 10 + r.Int63n(max(k.Hi-k.Lo, 1)+20)
				b := a + r.Int63n(max((k.Hi-k.Lo)/10, 3))
				cnt := 0
				for v := range want {
					if v >= a && v <= b {
						cnt++
					}
				}
				if got := k.CountIn(a, b); got != cnt {
					t.Fatalf("countIn(%d, %d) = %d, want %d", a, b, got, cnt)
				}
				if got := k.AnyIn(a, b); got != (cnt > 0) {
					t.Fatalf("anyIn(%d, %d) = %v, want %v", a, b, got, cnt > 0)
				}
			}
			m := k.Mask(c)
			for i := range n {
				if m.B[i] != (!c.IsValid(i) || want[c.I64[i]]) {
					t.Fatalf("mask row %d", i)
				}
			}
		})
	}
	empty := NewKeySet(&Column{Type: ir.Int64, N: 1, I64: []int64{7}, Valid: []byte{0}})
	if empty.N != 0 || empty.Has(7) || empty.AnyIn(-100, 100) || empty.CountIn(0, 10) != 0 {
		t.Fatal("a key set of nulls only has keys")
	}
}
