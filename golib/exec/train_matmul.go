package exec

// The staged step executor's products (train_fast.go): 2-D float32 matmul
// kernels with transposes folded into GEMM flags, a weight gradient's
// product computed transposed, and the pairing of a backward pass's two
// independent products on two goroutines.

import (
	"os"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

// mmKernel is a matmul kernel: the slots it reads, its size in
// multiply-adds and its product as one serial GEMM call.
type mmKernel struct {
	reads  []ir.NodeID
	macs   int
	serial func()
}

// pairGEMMs runs two independent matmuls of a step concurrently, each as
// one serial GEMM (see pairMatmuls); FLERN_STEP_PAIR=0 switches it off.
var pairGEMMs = os.Getenv("FLERN_STEP_PAIR") != "0"

// pairMinMACs is the smallest product pairMatmuls pairs: the size from
// which blas splits one product over the workers (2^21 multiply-adds, ~50
// us). Below it the hand-off to a second goroutine (waking an idle thread,
// a futex each way) costs more than it saves: the flights model's 1024 x 19
// x 64 backward pair (1.2M each) fit 1.51-1.68 s paired vs 1.09-1.47 s not.
var pairMinMACs = 1 << 21

// pairMatmuls joins independent matmuls into one kernel that runs them
// concurrently, each as one serial GEMM call: in a backward pass a layer's
// input gradient (g W) and weight gradient (g^T x) both read only g and
// earlier values. Two whole products on two goroutines cost less CPU than
// each split into blocks over the workers one after the other (every block
// repacks the shared operand and runs smaller, less efficient kernels;
// golib/blas BenchmarkPairGemms). Matmul j moves up to matmul i when every
// slot j reads is computed before i (slots are written once per step; the
// in-place optimizer updates run after every matmul), and both are at least
// pairMinMACs with sizes within 4x of each other. Results are bit for bit
// the same: each product is the same GEMM.
func (f *fastStep) pairMatmuls() {
	prod := map[ir.NodeID]int{}
	for i, id := range f.knodes {
		prod[id] = i
	}
	removed := make([]bool, len(f.kerns))
	for i := range f.kerns {
		a := f.mm[i]
		if a == nil || removed[i] || a.macs < pairMinMACs {
			continue
		}
		for j := i + 1; j < len(f.kerns); j++ {
			b := f.mm[j]
			if b == nil || removed[j] || b.macs < pairMinMACs || 4*min(a.macs, b.macs) < max(a.macs, b.macs) {
				continue
			}
			ready := true
			for _, r := range b.reads {
				if p, ok := prod[r]; ok && p >= i {
					ready = false
				}
			}
			if !ready {
				continue
			}
			one, two := a.serial, b.serial
			f.kerns[i] = func() error {
				done := make(chan struct{})
				go func() {
					two()
					close(done)
				}()
				one()
				<-done
				return nil
			}
			removed[j] = true
			break
		}
	}
	kerns, knodes := f.kerns[:0], f.knodes[:0]
	for i, k := range f.kerns {
		if !removed[i] {
			kerns, knodes = append(kerns, k), append(knodes, f.knodes[i])
		}
	}
	f.kerns, f.knodes = kerns, knodes
	f.mm = nil
}

// matmul is 2-D float32 GEMM; transposed operands (2-D transpose nodes,
// possibly stacked) become GEMM flags instead of copies. A product read only
// by one 2-D transpose (a weight gradient, x^T @ g, turned back to the
// weight's layout) is computed transposed, (A B)^T = B^T A^T, so the
// transpose costs nothing.
func (f *fastStep) matmul(n *ir.Node, shape []int, users []*ir.Node, fallback func() (func() error, bool, error)) (func() error, bool, error) {
	resolve := func(id ir.NodeID) (ir.NodeID, bool) {
		t := false
		for {
			x := f.g.Node(id)
			if isSwap2D(x) && !f.pret[id] {
				t = !t
				id = x.Inputs[0]
				continue
			}
			return id, t
		}
	}
	a0, b0 := f.g.Node(n.Inputs[0]), f.g.Node(n.Inputs[1])
	if n.Schema.Tensor.DType != ir.Float32 || a0.Schema.Tensor.DType != ir.Float32 || b0.Schema.Tensor.DType != ir.Float32 ||
		len(a0.Schema.Tensor.Shape) != 2 || len(b0.Schema.Tensor.Shape) != 2 {
		return fallback()
	}
	aid, ta := resolve(a0.ID)
	bid, tb := resolve(b0.ID)
	m, k, p := shape[0], int(a0.Schema.Tensor.Shape[1]), shape[1]
	out := col.NewTensor(ir.Float32, shape)
	lda, ldb := k, p
	if ta {
		lda = m
	}
	if tb {
		ldb = k
	}
	id := n.ID
	isOut := false
	for _, o := range f.g.Outputs {
		isOut = isOut || o == id
	}
	var gemm func(serial bool)
	if len(users) == 1 && isSwap2D(users[0]) && !isOut {
		f.pret[users[0].ID] = true
		out := col.NewTensor(ir.Float32, []int{p, m})
		gemm = func(serial bool) {
			g := blas.Sgemm
			if serial {
				g = blas.SgemmSerial
			}
			g(!tb, !ta, p, m, k, 1, f.slots[bid].F32, max(1, ldb), f.slots[aid].F32, max(1, lda), 0, out.F32, max(1, m))
			f.slots[id] = out // transposed: read only through users[0]
		}
	} else if transposeB(ta, tb, m, p, k) {
		bt := make([]float32, k*p) // op(B) = B^T, copied into [k, p] each run
		gemm = func(serial bool) {
			g := blas.Sgemm
			if serial {
				g = blas.SgemmSerial
			}
			blas.TransposeF32(bt, f.slots[bid].F32, p, k)
			g(ta, false, m, p, k, 1, f.slots[aid].F32, max(1, lda), bt, p, 0, out.F32, max(1, p))
			f.slots[id] = out
		}
	} else {
		gemm = func(serial bool) {
			g := blas.Sgemm
			if serial {
				g = blas.SgemmSerial
			}
			g(ta, tb, m, p, k, 1, f.slots[aid].F32, max(1, lda), f.slots[bid].F32, max(1, ldb), 0, out.F32, max(1, p))
			f.slots[id] = out
		}
	}
	f.lastMM = &mmKernel{reads: []ir.NodeID{aid, bid}, macs: m * k * p, serial: func() { gemm(true) }}
	return func() error {
		gemm(f.serialGEMM)
		return nil
	}, false, nil
}

// transposeB reports whether the product op(A)[m, k] B^T (B stored [n, k],
// a Linear layer's weight in x @ W^T) runs faster as a copy of B^T and a
// GEMM without transposes: OpenBLAS's kernels for a transposed B at small
// sizes take ~1.5x the non-transposed ones (golib/blas, min of 30 x 200
// calls, one thread, Zen 4: 32 x 64 x 64 3.6-4.1 vs 2.4-2.5 us, with the
// copy 3.0; 32 x 64 x 9 0.9-1.2 vs 0.8 with it; 63 x 64 x 64 6.4-7.5 vs
// 5.3-5.9), while the copy is O(n k) and the product O(m n k): only a few
// rows per weight element (m <= 4n), a weight of at most 16K elements, n
// and k of at least 8 (a product into one column is fast as it is) and a
// product below blas's parallel size. Results equal the transposed
// product's within float rounding (another summation order).
func transposeB(ta, tb bool, m, n, k int) bool {
	return tb && !ta && n >= 8 && k >= 8 && n*k <= 16384 && m <= 4*n && m*n*k < 1<<21
}

// isSwap2D reports whether n transposes a 2-D tensor.
func isSwap2D(n *ir.Node) bool {
	if (n.Op != "transpose" && n.Op != "permute") || len(n.Schema.Tensor.Shape) != 2 {
		return false
	}
	perm, err := tensor.OpPerm(n, 2)
	return err == nil && perm[0] == 1 && perm[1] == 0
}
