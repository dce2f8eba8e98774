package exec

import (
	"fmt"
	"math/bits"
	"math/rand"
	"runtime"
	"testing"

	"github.com/flern/flern/golib/ir"
)

// TestNumberKeys checks the numbering by packed codes against a map of the
// rows' code tuples: lookup codes and offset integer values packed, rows
// repeated or mostly distinct (refused), one to three workers (their
// shares' tables merged), numbers in order of first occurrence.
func TestNumberKeys(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, tc := range []struct {
		rows, distinct int
		values         []int // per part: a lookup's value count, or (negative) an int64 part's span
		want           bool
	}{
		{100_000, 392, []int{400, 5, 400, -13, -3}, true},
		{100_000, 30_000, []int{1 << 12, 1 << 12, -(1 << 20)}, true},
		{100_000, 90_000, []int{1 << 20, 1 << 20}, false},
		{50_000, 1, []int{1, -1}, true},                                                                  // every part one value: zero bits, one row
		{70_000, 20, []int{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, -(1 << 2)}, true}, // 62 bits
	} {
		for _, workers := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%d rows %d distinct %v %d workers", tc.rows, tc.distinct, tc.values, workers), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(workers))
				pool := make([][]int64, tc.distinct)
				for d := range pool {
					pool[d] = make([]int64, len(tc.values))
					for j, v := range tc.values {
						pool[d][j] = int64(r.Intn(max(v, -v)))
					}
				}
				var parts []codeKey
				var used uint
				tuples := make([]string, tc.rows)
				pick := make([]int, tc.rows)
				for i := range pick {
					pick[i] = r.Intn(tc.distinct)
					tuples[i] = fmt.Sprint(pool[pick[i]])
				}
				for j, v := range tc.values {
					k := codeKey{shift: used}
					if v > 0 {
						k.codes = make([]int32, tc.rows)
						for i, d := range pick {
							k.codes[i] = int32(pool[d][j])
						}
						used += uint(bits.Len(uint(v - 1)))
					} else {
						k.vals, k.lo = make([]int64, tc.rows), -1<<40
						for i, d := range pick {
							k.vals[i] = pool[d][j] - 1<<40
						}
						used += uint(bits.Len(uint(-v - 1)))
					}
					parts = append(parts, k)
				}
				if used > 63 {
					t.Fatalf("test case of %d bits", used)
				}
				est, ok := keyRepeats(parts, tc.rows)
				if ok != tc.want || (ok && (est < tc.distinct/2 || est > 2*tc.distinct)) {
					t.Fatalf("sample: estimated %d distinct (repeat %v), have %d", est, ok, tc.distinct)
				}
				ids, first, err := numberKeys(&Ctx{}, nil, parts, tc.rows, tc.distinct)
				if err != nil {
					t.Fatal(err)
				}
				if (ids != nil) != tc.want {
					t.Fatalf("numbered %v, want %v", ids != nil, tc.want)
				}
				if ids == nil {
					return
				}
				seen := map[string]int32{}
				last := int32(-1)
				for i, k := range tuples {
					id := ids[i]
					if id < 0 || int(id) >= len(first) || tuples[first[id]] != k {
						t.Fatalf("row %d: id %d does not name a row of its codes", i, id)
					}
					if prev, ok := seen[k]; ok && prev != id {
						t.Fatalf("row %d: id %d, an equal row had %d", i, id, prev)
					} else if !ok {
						if id != last+1 || int(first[id]) != i {
							t.Fatalf("row %d: new id %d after %d (first row %d): not in order of first occurrence", i, id, last, first[id])
						}
						last = id
					}
					seen[k] = id
				}
				if len(seen) != len(first) {
					t.Fatalf("%d distinct rows, %d ids", len(seen), len(first))
				}
			})
		}
	}
}

// TestCompactRegion: a region keeps only the external inputs its nodes
// read, renumbered in order of first use, with their row flags.
func TestCompactRegion(t *testing.T) {
	r := &splitRegion{Chunk: 7, Row: []bool{true, false, true, true, false}, Nodes: []*ir.Node{
		{Op: "sub", Inputs: []ir.NodeID{-5, -3}},
		{Op: "abs", Inputs: []ir.NodeID{0}},
		{Op: "mul", Inputs: []ir.NodeID{1, -3}},
	}}
	c, inputs := compactRegion(r)
	if fmt.Sprint(inputs) != "[4 2]" || fmt.Sprint(c.Row) != "[false true]" || c.Chunk != 7 {
		t.Fatalf("inputs %v, row %v", inputs, c.Row)
	}
	got := fmt.Sprint(c.Nodes[0].Inputs, c.Nodes[1].Inputs, c.Nodes[2].Inputs)
	if got != "[-1 -2] [0] [1 -2]" || fmt.Sprint(r.Nodes[0].Inputs) != "[-5 -3]" {
		t.Fatalf("compacted inputs %s (original %v)", got, r.Nodes[0].Inputs)
	}
}
