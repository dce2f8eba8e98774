package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// BenchmarkGatherInto: one shuffled 1024-row batch gathered from a 3M x 5
// float32 array (flights' features): random rows, memory latency bound.
func BenchmarkGatherInto(b *testing.B) {
	const n, w, batch = 3_000_000, 5, 1024
	src := &col.Tensor{DType: ir.Float32, Shape: []int{n, w}, F32: make([]float32, n*w)}
	key := interp.StateNew(&col.Tensor{DType: ir.Float32, Shape: []int{batch, w}, F32: make([]float32, batch*w)})
	defer interp.StateRelease(key)
	r := rand.New(rand.NewPCG(1, 2))
	perm := make([]int64, n)
	for i := range perm {
		perm[i] = int64(i)
	}
	r.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lo := (i * batch) % (n - batch)
		if err := gatherInto(key, src, perm[lo:lo+batch]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPrefetcherSwapsInTheNextBatch: a batch gathered in the background is
// what the batch keys hold after take, the replaced tensors become the
// spares, and a step that was not prefetched is left to the caller.
func TestPrefetcherSwapsInTheNextBatch(t *testing.T) {
	x := &col.Tensor{DType: ir.Float32, Shape: []int{6, 2}, F32: []float32{0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51}}
	y := &col.Tensor{DType: ir.Int64, Shape: []int{6}, I64: []int64{0, 1, 2, 3, 4, 5}}
	xk := interp.StateNew(col.NewTensor(ir.Float32, []int{2, 2}))
	yk := interp.StateNew(col.NewTensor(ir.Int64, []int{2}))
	defer interp.StateRelease(xk)
	defer interp.StateRelease(yk)
	p := &prefetcher{x: x, y: y}
	if ok, err := p.take(0, xk, yk); ok || err != nil {
		t.Fatalf("take of a step never started: %v %v", ok, err)
	}
	for step, rows := range [][]int64{{5, 2}, {0, 3}, {4, 4}} {
		p.start(step, xk, yk, rows)
		if ok, err := p.take(step+1, xk, yk); ok || err != nil {
			t.Fatalf("step %d: took another step's batch", step)
		}
		ok, err := p.take(step, xk, yk)
		if !ok || err != nil {
			t.Fatalf("step %d: take = %v, %v", step, ok, err)
		}
		xb, _ := interp.StateGet(xk)
		yb, _ := interp.StateGet(yk)
		for j, r := range rows {
			if xb.F32[2*j] != x.F32[2*r] || xb.F32[2*j+1] != x.F32[2*r+1] || yb.I64[j] != r {
				t.Fatalf("step %d row %d: %v / %v, want row %d", step, j, xb.F32, yb.I64, r)
			}
		}
		if p.spareX == xb || p.spareY == yb {
			t.Fatalf("step %d: the entries and the spares are the same tensors", step)
		}
	}
	p.start(0, xk, yk, []int64{1, 1})
	p.finish()
	if p.started {
		t.Fatal("finish left a gather pending")
	}
}

// BenchmarkGatherFrameDropna: a dropna's gather of 1M rows keeping 29 of
// 30 (the fuel workload's 96.5%): six float64 and int64 columns, a string
// column of short values, the positions as the index.
func BenchmarkGatherFrameDropna(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(3, 4))
	f := &col.Frame{N: n}
	for k := 0; k < 6; k++ {
		if k%2 == 0 {
			v := make([]float64, n)
			for i := range v {
				v[i] = r.Float64()
			}
			f.Cols, f.Names = append(f.Cols, col.NewFloat64(v)), append(f.Names, fmt.Sprint("f", k))
		} else {
			v := make([]int64, n)
			for i := range v {
				v[i] = r.Int64N(1000)
			}
			f.Cols, f.Names = append(f.Cols, col.NewInt64(v)), append(f.Names, fmt.Sprint("i", k))
		}
	}
	sb := col.NewStringBuilder(n)
	for i := 0; i < n; i++ {
		sb.Append([]string{"USA", "Europe", "Japan"}[r.IntN(3)])
	}
	f.Cols, f.Names = append(f.Cols, sb.Finish()), append(f.Names, "s")
	var idx []int32
	for i := 0; i < n; i++ {
		if r.IntN(30) != 0 {
			idx = append(idx, int32(i))
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := gatherFrame(&Ctx{}, nil, f, idx); err != nil {
			b.Fatal(err)
		}
	}
}
