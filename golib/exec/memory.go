package exec

// The memory limit (Options.MemoryLimit). The runtime accounts for the bytes
// of every live result (a node's result lives until its last reader has
// run: RunAny's refcounts) and, before a big allocation (join output, hash
// tables, gathers), asks reserve whether it fits. Over the limit, the run
// fails with a MemoryError naming the op and the user's line instead of
// growing until the operating system kills the process. Buffers shared by
// several results (a project passing a column through) count once.

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// memBudget tracks the live bytes of one run.
type memBudget struct {
	limit int64 // 0: no limit
	mu    sync.Mutex
	used  int64
	refs  map[*col.Column]int // live results holding each column
}

// newMemBudget returns nil (no accounting) when there is no limit.
func newMemBudget(limit int64) *memBudget {
	if limit <= 0 {
		return nil
	}
	return &memBudget{limit: limit, refs: map[*col.Column]int{}}
}

// colBytes is the size of c's buffers.
func colBytes(c *col.Column) int64 {
	b := int64(8*(len(c.I64)+len(c.F64)+len(c.Offs)) + len(c.B) + len(c.Data) + len(c.Valid))
	if c.Lookup != nil {
		b += c.Lookup.Bytes()
	}
	return b
}

// resultCols lists the columns of a result (frames: columns and index).
func resultCols(x any) []*col.Column {
	switch v := x.(type) {
	case *col.Frame:
		if v == nil {
			return nil
		}
		return append(append([]*col.Column(nil), v.Cols...), v.Index...)
	}
	return nil
}

// tensorBytes is the size of a tensor result (not shared with others).
func tensorBytes(x any) int64 {
	if t, ok := x.(*col.Tensor); ok && t != nil {
		return int64(8*(len(t.F64)+len(t.I64)) + 4*len(t.F32) + len(t.B))
	}
	return 0
}

// hold starts accounting for a result; it fails when the live total is
// over the limit (the result is dropped by the caller).
func (b *memBudget) hold(n *ir.Node, x any) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range resultCols(x) {
		if b.refs[c] == 0 {
			b.used += colBytes(c)
		}
		b.refs[c]++
	}
	b.used += tensorBytes(x)
	if b.limit > 0 && b.used > b.limit {
		return memError(n, 0, b.used, b.limit)
	}
	return nil
}

// drop stops accounting for a dead result.
func (b *memBudget) drop(x any) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range resultCols(x) {
		if b.refs[c]--; b.refs[c] <= 0 {
			delete(b.refs, c)
			b.used -= colBytes(c)
		}
	}
	b.used -= tensorBytes(x)
}

// reserve reports whether an allocation of size more bytes fits next to
// the live results; ops call it before allocating join outputs, hash tables
// and gathered columns.
func (c *Ctx) reserve(n *ir.Node, more int64) error {
	if c == nil || c.mem == nil || c.mem.limit <= 0 {
		return nil
	}
	b := c.mem
	b.mu.Lock()
	used := b.used
	b.mu.Unlock()
	if used+more > b.limit {
		return memError(n, more, used, b.limit)
	}
	return nil
}

func memError(n *ir.Node, more, used, limit int64) error {
	what := fmt.Sprintf("live results take %s", FormatBytes(used))
	if more > 0 {
		what = fmt.Sprintf("it needs about %s more while live results take %s", FormatBytes(more), FormatBytes(used))
	}
	e := ir.Errorf("Memory", "memory limit exceeded: %s, over the limit of %s (raise flern.options.memory_limit or FLERN_MEMORY_LIMIT)", what, FormatBytes(limit))
	if n != nil {
		e.Op, e.Loc = n.Op, n.Loc
	}
	return e
}

// rowBytes estimates the bytes one row of f takes (strings at their mean
// length), for reserve.
func rowBytes(f *col.Frame) int64 {
	if f.N == 0 {
		return 8
	}
	total := int64(0)
	for _, c := range resultCols(f) {
		total += colBytes(c)
	}
	return max(total/int64(f.N), 1)
}

// ParseBytes reads a memory size: a number of bytes with an optional unit
// (B, KB, MB, GB, TB as powers of 1024; also KiB, MiB, GiB, TiB), e.g. "2GB",
// "512 MiB", "1000000". "" and "0" mean no limit.
func ParseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mul    float64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
		{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"T", 1 << 40}, {"G", 1 << 30},
		{"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	mul := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mul = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mul
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*mul > 1<<62 {
		return 0, ir.Errorf("Value", "bad memory limit %q (want a size such as \"2GB\", \"512MB\" or a number of bytes)", s)
	}
	return int64(v * mul), nil
}

// FormatBytes writes a byte count for people (1.5 GiB).
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// freedBytes counts the bytes of the results a run has dropped since the
// last collection. Column buffers hold no pointers, so a collection costs
// little (only the live pointer-holding objects are marked), while waiting
// for the Go heap to double before the next one keeps dead columns
// resident: a run collects once big results have died (their memory is
// then reused by the next operators instead of growing the heap), and at
// its end (so the next run reuses this run's memory).
type freedBytes struct{ n, total int64 }

// gcAfterFreed is how many bytes of dead results trigger a collection.
const gcAfterFreed = 128 << 20

func (f *freedBytes) add(x any) {
	b := tensorBytes(x)
	for _, c := range resultCols(x) {
		b += colBytes(c)
	}
	f.n += b
	f.total += b
}

func (f *freedBytes) collectIfBig() {
	if f.n >= gcAfterFreed {
		runtime.GC()
		f.n = 0
	}
}

func (f *freedBytes) collectIfAny() {
	if f.total >= gcAfterFreed {
		runtime.GC()
	}
}
