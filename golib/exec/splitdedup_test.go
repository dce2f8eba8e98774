package exec

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// TestSplitDedup: a split region memoized on the distinct rows of its
// feature inputs gives bit-identical results to the same region run on
// every row (and equal to the reference interpreter), whether or not the
// rows repeat; explain() names the memoized part.
func TestSplitDedup(t *testing.T) {
	oldMin, oldProbe, oldMACs := dedupMinRows, dedupProbe, dedupMinMACs
	dedupMinRows, dedupProbe, dedupMinMACs = 1000, 512, 0
	t.Cleanup(func() { dedupMinRows, dedupProbe, dedupMinMACs = oldMin, oldProbe, oldMACs })
	const rows, k, h, pool = 3*SplitChunkRows + 123, 4, 8, 300
	mlp := func(b *splitGraph, x ir.NodeID) ir.NodeID {
		w1 := b.add("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, b.src(1, "float32", h, k))
		z := b.add("relu", nil, b.add("add", nil, b.add("matmul", nil, x, w1), b.src(2, "float32", h)))
		return b.add("matmul", nil, z, b.src(3, "float32", h, 1))
	}
	label := func(b *splitGraph, y ir.NodeID) ir.NodeID {
		hit := b.add("eq", nil, b.add("cast", ir.Attrs{"dtype": "float32"}, b.add("gt", ir.Attrs{"wrapped1": true}, y,
			b.add("full", ir.Attrs{"value": "0", "dtype": "float32", "shape": []any{}}))), b.src(4, "float32", rows, 1))
		return b.add("mean", nil, b.add("cast", ir.Attrs{"dtype": "float32"}, hit))
	}
	cases := []struct {
		name  string
		build func(b *splitGraph) []ir.NodeID
		memo  string // the memoized part's inputs in explain(), "" none (or no split)
	}{
		{"mlp then a label compare", func(b *splitGraph) []ir.NodeID {
			return []ir.NodeID{label(b, mlp(b, b.src(0, "float32", rows, k)))}
		}, "row input(s) [0]"},
		{"embedding lookup and cat, the model alone", func(b *splitGraph) []ir.NodeID {
			x := b.src(0, "float32", rows, k)
			code := b.add("cast", ir.Attrs{"dtype": "int64"}, b.add("tensor_select", ir.Attrs{"dim": 1.0, "index": 3.0}, x))
			emb := b.add("index_select", ir.Attrs{"dim": 0.0}, b.src(7, "float32", 10, 2), code)
			num := b.add("tensor_slice", ir.Attrs{"dim": 1.0, "start": 0.0, "end": 2.0, "step": 1.0}, x)
			return []ir.NodeID{mlp(b, b.add("cat", ir.Attrs{"dim": 1.0}, num, emb))}
		}, "row input(s) [0]"},
		{"features in two inputs, then a label", func(b *splitGraph) []ir.NodeID {
			x := b.src(0, "float32", rows, k)
			emb := b.add("index_select", ir.Attrs{"dim": 0.0}, b.src(5, "float32", 10, k), b.src(6, "int64", rows))
			return []ir.NodeID{label(b, mlp(b, b.add("add", nil, x, emb)))}
		}, "row input(s) [1 2]"},
		{"two inputs read by the first op: both are the key", func(b *splitGraph) []ir.NodeID {
			x := b.add("mul", nil, b.src(0, "float32", rows, k), b.src(4, "float32", rows, 1))
			return []ir.NodeID{mlp(b, x)}
		}, "row input(s) [0 1]"},
		{"no matmul: nothing to memoize", func(b *splitGraph) []ir.NodeID {
			x := b.add("relu", nil, b.add("mul", nil, b.src(0, "float32", rows, k), b.src(4, "float32", rows, 1)))
			return []ir.NodeID{b.add("sum", ir.Attrs{"dims": []any{1.0}}, x)}
		}, ""},
	}
	r := rand.New(rand.NewSource(5))
	mk := func(shape ...int) *col.Tensor {
		tt := col.NewTensor(ir.Float32, shape)
		for i := range tt.F32 {
			tt.F32[i] = float32(r.NormFloat64())
		}
		return tt
	}
	// rows drawn from a pool of distinct rows (NaN and -0 among them), or all distinct
	pooled := func(repeat bool) (*col.Tensor, *col.Tensor) {
		px, pc := mk(pool, k), make([]int64, pool)
		for i := range pc {
			pc[i] = int64(r.Intn(10))
			px.F32[i*k+3] = float32(pc[i])
		}
		px.F32[0] = float32(math.NaN())
		px.F32[k] = float32(math.Copysign(0, -1))
		px.F32[2*k] = 0
		x, codes := mk(rows, k), col.NewTensor(ir.Int64, []int{rows})
		for i := 0; i < rows; i++ {
			if !repeat {
				codes.I64[i] = int64(r.Intn(10))
				x.F32[i*k+3] = float32(codes.I64[i])
				continue
			}
			j := r.Intn(pool)
			copy(x.F32[i*k:i*k+k], px.F32[j*k:j*k+k])
			codes.I64[i] = pc[j]
		}
		return x, codes
	}
	lab := mk(rows, 1)
	for i := range lab.F32 {
		lab.F32[i] = float32(r.Intn(2))
	}
	for _, tc := range cases {
		for _, repeat := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/repeat=%v", tc.name, repeat), func(t *testing.T) {
				x, codes := pooled(repeat)
				in := []any{x, mk(h, k), mk(h), mk(h, 1), lab, mk(10, k), codes, mk(10, 2)}
				run := func(noDedup, ref bool) ([]any, string) {
					b := &splitGraph{g: &ir.Graph{}}
					b.g.Outputs = tc.build(b)
					if err := b.g.Verify(); err != nil {
						t.Fatal(err)
					}
					if !ref {
						if _, err := lower.Fuse(b.g, lower.Options{}); err != nil {
							t.Fatal(err)
						}
						if _, err := Split(b.g, SplitOptions{NoDedup: noDedup}); err != nil {
							t.Fatal(err)
						}
					}
					out, err := RunAny(context.Background(), b.g, in, Options{Reference: ref})
					if err != nil {
						t.Fatal(err)
					}
					return out, b.g.Print()
				}
				dedupMinMACs = k*h + h + 1 // the model is cheaper than numbering its rows: not memoized
				before := dedupRuns.Load()
				run(false, false)
				if dedupRuns.Load() != before {
					t.Fatalf("memoized a part of fewer multiply-adds a row than dedupMinMACs")
				}
				dedupMinMACs = 0
				got, plan := run(false, false)
				memoized := dedupRuns.Load() > before
				if tc.memo == "" {
					if strings.Contains(plan, "memoized") || memoized {
						t.Fatalf("memoized:\n%s", plan)
					}
				} else {
					if !strings.Contains(plan, "memoized: [") || !strings.Contains(plan, tc.memo) {
						t.Fatalf("plan does not memoize on %s:\n%s", tc.memo, plan)
					}
					if memoized != repeat {
						t.Fatalf("ran memoized: %v, rows repeat: %v", memoized, repeat)
					}
				}
				whole, plain := run(true, false)
				if strings.Contains(plain, "memoized") {
					t.Fatalf("split_dedup off still memoizes:\n%s", plain)
				}
				ref, _ := run(false, true)
				for o := range got {
					g, w, e := got[o].(*col.Tensor), whole[o].(*col.Tensor), ref[o].(*col.Tensor)
					if !sameInts(g.Shape, w.Shape) || !sameInts(g.Shape, e.Shape) {
						t.Fatalf("output %d shape %v, unmemoized %v, reference %v", o, g.Shape, w.Shape, e.Shape)
					}
					for i := range w.F32 {
						a, b := g.F32[i], w.F32[i]
						if math.Float32bits(a) != math.Float32bits(b) && !(a != a && b != b) {
							t.Fatalf("output %d element %d: %v memoized, %v not", o, i, a, b)
						}
						if d := math.Abs(float64(a - e.F32[i])); d > 1e-5*(1+math.Abs(float64(e.F32[i]))) {
							t.Fatalf("output %d element %d: %v, reference %v", o, i, a, e.F32[i])
						}
					}
				}
			})
		}
	}
}

// TestDistinctRows checks the numbering against a map of the rows' bytes:
// one or several key parts, repeated or distinct rows, NaN payloads and
// signed zeros told apart by their bytes, a 12-byte part (half words).
func TestDistinctRows(t *testing.T) {
	oldProbe := dedupProbe
	dedupProbe = 4096
	t.Cleanup(func() { dedupProbe = oldProbe })
	r := rand.New(rand.NewSource(9))
	for _, tc := range []struct {
		rows, distinct int
		widths         []int // float32 columns per part
		want           bool  // memoized
	}{
		{100_000, 1000, []int{5}, true},
		{100_000, 40_000, []int{5}, true},
		{100_000, 90_000, []int{3}, false},
		{70_000, 50, []int{3, 2}, true},
		{50_000, 7, []int{2, 1, 4}, true},
		{300, 10, []int{1}, true}, // fewer rows than a sample: counted exactly
		{300, 290, []int{1}, false},
	} {
		t.Run(fmt.Sprintf("%d rows %d distinct %v", tc.rows, tc.distinct, tc.widths), func(t *testing.T) {
			var key []rowPart
			for _, w := range tc.widths {
				pool := make([]float32, tc.distinct*w)
				for i := range pool {
					pool[i] = float32(r.Intn(1 << 20))
				}
				pool[0] = float32(math.NaN())
				if len(pool) > w {
					pool[w] = math.Float32frombits(0x7fc00001) // another NaN payload
				}
				if len(pool) > 2*w {
					pool[2*w] = float32(math.Copysign(0, -1))
				}
				x := col.NewTensor(ir.Float32, []int{tc.rows, w})
				for i := 0; i < tc.rows; i++ {
					d := r.Intn(tc.distinct)
					copy(x.F32[i*w:i*w+w], pool[d*w:d*w+w])
				}
				b, bw := tensorRowBytes(x, tc.rows)
				key = append(key, rowPart{b: b, w: bw})
			}
			ids, first, err := distinctRows(&Ctx{}, nil, key, tc.rows)
			if err != nil {
				t.Fatal(err)
			}
			if (ids != nil) != tc.want {
				t.Fatalf("memoized %v, want %v", ids != nil, tc.want)
			}
			if ids == nil {
				return
			}
			rowKey := func(i int) string {
				var s []byte
				for _, p := range key {
					s = append(s, p.b[i*p.w:i*p.w+p.w]...)
				}
				return string(s)
			}
			seen := map[string]int32{}
			for i := 0; i < tc.rows; i++ {
				k := rowKey(i)
				id := ids[i]
				if id < 0 || int(id) >= len(first) || rowKey(int(first[id])) != k {
					t.Fatalf("row %d: id %d does not name a row with its bytes", i, id)
				}
				if prev, ok := seen[k]; ok && prev != id {
					t.Fatalf("row %d: id %d, an equal row had %d", i, id, prev)
				}
				seen[k] = id
			}
			if len(seen) != len(first) {
				t.Fatalf("%d distinct rows, %d ids", len(seen), len(first))
			}
		})
	}
}

// TestDistinctRowsHashCollision: rows whose hashes collide are never
// numbered as one. With every hash forced to one value (or to one of a few)
// the numbering sees few distinct hashes; the check of every row's bytes
// against its distinct row's must then refuse to memoize, on both the
// direct and the partitioned path, and when the colliding rows are in
// different workers' shares only (found as the shares' tables merge).
func TestDistinctRowsHashCollision(t *testing.T) {
	oldProbe, oldHash := dedupProbe, rowHash
	dedupProbe = 4096
	t.Cleanup(func() { dedupProbe, rowHash = oldProbe, oldHash })
	for _, tc := range []struct {
		name     string
		distinct int // distinct rows in the data
		hashes   uint64
	}{
		{"all collide, direct", 1000, 1},
		{"few hashes, direct", 1000, 7},
		{"many rows, partitioned", 40_000, 20_000},
		{"one row per half, direct", 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rowHash = func(h []uint64, key []rowPart, lo int) {
				hashRows(h, key, lo)
				for i := range h {
					h[i] = mix64(h[i] % tc.hashes)
				}
			}
			const rows = 100_000
			x := col.NewTensor(ir.Float32, []int{rows, 3})
			r := rand.New(rand.NewSource(3))
			for i := 0; i < rows; i++ {
				d := float32(i)
				switch {
				case tc.distinct == 2: // the first half one row, the second another
					d = float32(2 * i / rows)
				case i >= tc.distinct:
					d = float32(r.Intn(tc.distinct))
				}
				x.F32[i*3], x.F32[i*3+1], x.F32[i*3+2] = d, -d, d/2
			}
			b, w := tensorRowBytes(x, rows)
			ids, _, err := distinctRows(&Ctx{}, nil, []rowPart{{b: b, w: w}}, rows)
			if err != nil {
				t.Fatal(err)
			}
			if ids != nil {
				t.Fatal("memoized although distinct rows share hashes")
			}
			rowHash = hashRows
			if ids, first, _ := distinctRows(&Ctx{}, nil, []rowPart{{b: b, w: w}}, rows); ids == nil || len(first) != tc.distinct {
				t.Fatalf("with the real hash: %d distinct, want %d", len(first), tc.distinct)
			}
		})
	}
}
