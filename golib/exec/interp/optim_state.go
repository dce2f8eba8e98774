package interp

// The state store: tensors that live in Go memory across plan runs
// (parameters, gradients, optimizer buffers, learning rates, the batches of
// a staged training loop), named by int64 keys. Plans read an entry with a
// state node and replace one with state_write (golib/tensor/optim.go).
//
// Ownership: the store owns every tensor in it. StateNew/StateSet copy the
// caller's data; StateGet returns the stored tensor itself (callers that hand
// it out of the process copy it: fused optimizer updates write optimizer
// buffers in place). Entries live until StateRelease.

import (
	"sync"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

var store = struct {
	sync.RWMutex
	next int64
	m    map[int64]*col.Tensor
	// gen counts the changes of m (new, replaced and released entries), so
	// that StateGetAll can tell a caller that what it read last is current.
	gen uint64
}{m: map[int64]*col.Tensor{}, gen: 1}

// StateNew stores t (not copied: the caller hands it over) and returns its key.
func StateNew(t *col.Tensor) int64 {
	store.Lock()
	defer store.Unlock()
	store.next++
	store.gen++
	store.m[store.next] = t
	return store.next
}

// StateSet replaces the tensor under key (handing t over).
func StateSet(key int64, t *col.Tensor) error {
	store.Lock()
	defer store.Unlock()
	if _, ok := store.m[key]; !ok {
		return ir.Errorf("Value", "no state entry %d (released?)", key)
	}
	store.m[key] = t
	store.gen++
	return nil
}

// StateGet returns the tensor under key.
func StateGet(key int64) (*col.Tensor, error) {
	store.RLock()
	t, ok := store.m[key]
	store.RUnlock()
	if !ok {
		return nil, ir.Errorf("Value", "no state entry %d (released?)", key)
	}
	return t, nil
}

// StateGetAll stores the tensor under keys[i] in out[i] (one lock for all:
// a prepared step reads its parameters and optimizer state at once) and
// returns the store's generation. When gen is that generation already (the
// caller's last read; no entry was added, replaced or released since), out
// is left as it is and fresh is false. On a missing key it returns the index
// of the first one and StateGet's error.
func StateGetAll(keys []int64, out []*col.Tensor, gen uint64) (now uint64, fresh bool, missing int, err error) {
	store.RLock()
	defer store.RUnlock()
	if gen == store.gen {
		return gen, false, 0, nil
	}
	for i, k := range keys {
		t, ok := store.m[k]
		if !ok {
			return 0, false, i, ir.Errorf("Value", "no state entry %d (released?)", k)
		}
		out[i] = t
	}
	return store.gen, true, 0, nil
}

// StateRelease drops the entry under key (a missing key is a no-op).
func StateRelease(key int64) {
	store.Lock()
	delete(store.m, key)
	store.gen++
	store.Unlock()
}

// StateLen is the number of live entries (for tests and leak checks).
func StateLen() int {
	store.RLock()
	defer store.RUnlock()
	return len(store.m)
}

// CloneTensor returns a deep copy of t.
func CloneTensor(t *col.Tensor) *col.Tensor {
	c := &col.Tensor{DType: t.DType, Shape: append([]int{}, t.Shape...)}
	c.F32 = append([]float32(nil), t.F32...)
	c.F64 = append([]float64(nil), t.F64...)
	c.I64 = append([]int64(nil), t.I64...)
	c.B = append([]bool(nil), t.B...)
	return c
}

func init() {
	registerTensor("state", tState)
	registerTensor("state_write", tStateWrite)
}

func tState(c *Ctx, n *ir.Node, _ []any) (*col.Tensor, error) {
	key := n.Attrs.Int("key", 0)
	t, err := StateGet(key)
	if err != nil {
		return nil, err
	}
	want := n.Schema.Tensor
	if t.DType != want.DType || !tensor.ShapeMatches(want.Shape, t.Shape) {
		return nil, ir.Errorf("Value", "state entry %d is %s%v, the plan expects %s (was it reassigned with another shape?)", key, t.DType, t.Shape, want)
	}
	return t, nil
}

func tStateWrite(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	t := in[0].(*col.Tensor)
	if err := StateSet(n.Attrs.Int("key", 0), t); err != nil {
		return nil, err
	}
	return t, nil
}
