package arrowio

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestShutdownKeepsImportedArrays: an imported array's finalizer releases
// it, except after Shutdown (the process exiting: its exporter may be
// tearing down), when it leaves it alone.
func TestShutdownKeepsImportedArrays(t *testing.T) {
	defer shuttingDown.Store(false)
	for _, exiting := range []bool{false, true} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		b := array.NewInt64Builder(mem)
		b.AppendValues([]int64{1, 2, 3}, nil)
		arr := b.NewArray()
		b.Release()
		shuttingDown.Store(exiting)
		(&keepAlive{arr}).release()
		if left := mem.CurrentAlloc(); (left == 0) == exiting {
			t.Fatalf("exiting %v: %d bytes still allocated after the finalizer", exiting, left)
		}
	}
}
