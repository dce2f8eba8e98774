package interp_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// TestUninitOutputs: matmul, slices, index_select and cat allocate their
// large outputs without zeroing; after the heap is filled with NaN garbage
// and freed, their results still equal a naive computation (every element
// written, nothing read from the old contents).
func TestUninitOutputs(t *testing.T) {
	for i := 0; i < 8; i++ {
		g := col.NewTensorUninit(ir.Float32, []int{1 << 18})
		for k := range g.F32 {
			g.F32[k] = float32(math.NaN())
		}
		runtime.KeepAlive(g)
		runtime.GC()
	}
	const m, k, p = 2048, 5, 16
	a := col.NewTensor(ir.Float32, []int{m, k})
	for i := range a.F32 {
		a.F32[i] = float32(i%13) - 6
	}
	b := col.NewTensor(ir.Float32, []int{k, p})
	for i := range b.F32 {
		b.F32[i] = float32(i%7) * 0.5
	}
	got, err := run1(t, "matmul", nil, a, b)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < p; j++ {
			var s float32
			for q := 0; q < k; q++ {
				s += a.F32[i*k+q] * b.F32[q*p+j]
			}
			if got.F32[i*p+j] != s {
				t.Fatalf("matmul [%d,%d] = %v, want %v", i, j, got.F32[i*p+j], s)
			}
		}
	}
	sl, err := run1(t, "tensor_slice", ir.Attrs{"dim": 1.0, "start": 1.0, "end": 5.0, "step": 2.0}, got)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < m; i++ {
		if sl.F32[i*2] != got.F32[i*p+1] || sl.F32[i*2+1] != got.F32[i*p+3] {
			t.Fatalf("slice row %d: %v", i, sl.F32[i*2:i*2+2])
		}
	}
	idx := col.NewTensor(ir.Int64, []int{3 * m})
	for i := range idx.I64 {
		idx.I64[i] = int64((i * 7) % m)
	}
	is, err := run1(t, "index_select", ir.Attrs{"dim": 0.0}, got, idx)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range idx.I64 {
		for j := 0; j < p; j++ {
			if is.F32[i*p+j] != got.F32[int(r)*p+j] {
				t.Fatalf("index_select [%d,%d]", i, j)
			}
		}
	}
	ct, err := run1(t, "cat", ir.Attrs{"dim": 1.0}, got, a)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < p+k; j++ {
			want := a.F32[i*k+max(0, j-p)]
			if j < p {
				want = got.F32[i*p+j]
			}
			if ct.F32[i*(p+k)+j] != want {
				t.Fatalf("cat [%d,%d] = %v, want %v", i, j, ct.F32[i*(p+k)+j], want)
			}
		}
	}
}
