package parquetio

import (
	"math"
	"sync"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Scanner reads a scan_parquet node's rows a few row groups at a time, for
// a consumer that folds each batch into its own state (the executor's
// streaming aggregation) and so never holds the whole scan. The batches
// hold, in file order, exactly the rows Read returns: the same columns,
// the row groups the stats_filter and the key sets' ranges leave, the rows
// the pushed filter and the key sets keep. Only files without stored index
// labels (Read's frame has no index) are scanned this way.
type Scanner struct {
	rp   *readPlan
	o    *openedFile
	fp   *filterPlan // nil: no pushed filter, no key set worth testing
	kept []int       // the row groups to read, ascending
	next int         // kept[next] is the next batch's first row group
}

// NewScanner prepares the batched read of a scan_parquet node (attrs,
// schema and key filters as for Read): the footer is read and the row
// groups chosen once. Close releases the file.
func NewScanner(attrs ir.Attrs, schema *ir.Schema, keys []col.KeyFilter) (*Scanner, error) {
	rp, err := prepare(attrs, schema)
	if err != nil {
		return nil, err
	}
	fi := rp.fi
	if len(fi.index) > 0 || fi.rangeIndex != nil {
		return nil, ir.Errorf("NotImplemented", "scan_parquet: a batched read of a file with stored index labels")
	}
	for _, c := range rp.want {
		if c.derive != nil { // exec's stages never stream a scan with derived columns
			return nil, ir.Errorf("Internal", "scan_parquet: a batched read of derived columns")
		}
	}
	s := &Scanner{rp: rp}
	if len(fi.rgRows) == 0 || fi.numRows == 0 {
		return s, nil
	}
	if s.o, err = openSame(fi); err != nil {
		return nil, err
	}
	s.o.bufs = &batchBufs{}
	if rp.filter != nil || len(keys) > 0 {
		if rp.filter != nil && EvalMask == nil {
			s.Close()
			return nil, ir.Errorf("Internal", "scan_parquet: a pushed filter needs the engine's evaluator")
		}
		if s.fp, err = newFilterPlan(s.o, fi, rp.filter, keys); err != nil {
			s.Close()
			return nil, err
		}
	}
	if s.fp != nil {
		s.kept = s.fp.rowGroups(s.o, fi, rp.pred)
	} else {
		s.kept = keepRowGroups(s.o, fi, rp.pred)
	}
	return s, nil
}

// RowGroups is the number of row groups the scan reads (after skipping).
func (s *Scanner) RowGroups() int { return len(s.kept) }

// Rows is the number of rows in the row groups the scan reads (before the
// pushed filter and the key sets).
func (s *Scanner) Rows() int64 {
	var n int64
	for _, rg := range s.kept {
		n += s.rp.fi.rgRows[rg]
	}
	return n
}

// Next reads the next k row groups (fewer at the end) and returns their
// rows; nil when every row group has been read. A batch may hold no rows
// (a filter that kept none).
func (s *Scanner) Next(k int) (*col.Frame, error) {
	if s.next >= len(s.kept) {
		return nil, nil
	}
	rgs := s.kept[s.next:min(s.next+max(k, 1), len(s.kept))]
	s.next += len(rgs)
	return s.read(rgs)
}

// Batches is the number of batches of k row groups the scan reads (the
// last may hold fewer).
func (s *Scanner) Batches(k int) int {
	k = max(k, 1)
	return (len(s.kept) + k - 1) / k
}

// ReadBatch reads batch i of k row groups (row groups [i*k, i*k+k) of those
// the scan reads): the rows Next returns for it. Unlike Next it may be
// called for any batch, in any order and from several goroutines at once
// (the reads share the file and the recycled buffers, both safe for
// concurrent use), so that a consumer can decode the batches after the one
// it folds in parallel.
func (s *Scanner) ReadBatch(i, k int) (*col.Frame, error) {
	k = max(k, 1)
	if i < 0 || i*k >= len(s.kept) {
		return nil, ir.Errorf("Internal", "scan_parquet: batch %d of %d", i, s.Batches(k))
	}
	return s.read(s.kept[i*k : min(i*k+k, len(s.kept))])
}

// read reads the row groups rgs (ascending).
func (s *Scanner) read(rgs []int) (*col.Frame, error) {
	var cols []*col.Column
	var n int
	var err error
	if s.fp != nil {
		cols, n, err = s.fp.read(s.o, s.rp.fi, s.rp.want, rgs)
	} else {
		cols, n, err = readRowGroups(s.o, s.rp.fi, s.rp.want, rgs)
	}
	if err != nil {
		return nil, err
	}
	return s.rp.frame(cols, n), nil
}

// Empty is the scan's frame without rows (the result of a scan that reads
// no row group).
func (s *Scanner) Empty() *col.Frame {
	return s.rp.frame(emptyColumns(s.rp.want), 0)
}

// Close releases the file.
func (s *Scanner) Close() {
	if s.o != nil {
		s.o.Close()
		s.o = nil
	}
}

// Recycle gives back the buffers of a batch Next returned, once its reader
// is done with it: a later batch's columns are decoded into them instead
// of into fresh memory (which the Go runtime would zero or fault in, and
// collect, batch after batch).
func (s *Scanner) Recycle(f *col.Frame) {
	if s.o == nil || f == nil {
		return
	}
	for _, c := range f.Cols {
		s.o.bufs.put(c)
	}
}

// batchBufs are a Scanner's column buffers free for reuse. Every method
// works on a nil *batchBufs (Read's: fresh buffers, nothing kept).
type batchBufs struct {
	mu  sync.Mutex
	f64 [][]float64
	i64 [][]int64
	i32 [][]int32 // string chunks' dictionary indices (decodeStringPages)
	b   [][]bool
	by  [][]byte
}

// take removes from free the smallest buffer of capacity at least n and
// returns it cut to n; without one, a fresh buffer with room for a little
// more (the next batch's row groups may hold a few more rows).
func take[T any](p *batchBufs, free func(*batchBufs) *[][]T, n int, fresh func(int) []T) []T {
	if p != nil {
		free := free(p)
		p.mu.Lock()
		best := -1
		for i, b := range *free {
			if cap(b) >= n && (best < 0 || cap(b) < cap((*free)[best])) {
				best = i
			}
		}
		if best >= 0 {
			b := (*free)[best]
			last := len(*free) - 1
			(*free)[best] = (*free)[last]
			*free = (*free)[:last]
			p.mu.Unlock()
			return b[:n]
		}
		p.mu.Unlock()
		return fresh(n + n/8 + 64)[:n]
	}
	return fresh(n)
}

func (p *batchBufs) float64s(n int) []float64 {
	return take(p, func(p *batchBufs) *[][]float64 { return &p.f64 }, n, col.Uninit[float64])
}

func (p *batchBufs) int64s(n int) []int64 {
	return take(p, func(p *batchBufs) *[][]int64 { return &p.i64 }, n, col.Uninit[int64])
}

func (p *batchBufs) int32s(n int) []int32 {
	return take(p, func(p *batchBufs) *[][]int32 { return &p.i32 }, n, col.Uninit[int32])
}

// putInt32s keeps b for reuse.
func (p *batchBufs) putInt32s(b []int32) {
	if p == nil || b == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.i32) < maxFree {
		p.i32 = append(p.i32, b[:0])
	}
}

func (p *batchBufs) bools(n int) []bool {
	return take(p, func(p *batchBufs) *[][]bool { return &p.b }, n, col.Uninit[bool])
}

// bytes is a byte buffer of n bytes (not zeroed when recycled: the caller
// writes every byte).
func (p *batchBufs) bytes(n int) []byte {
	return take(p, func(p *batchBufs) *[][]byte { return &p.by }, n, func(n int) []byte { return make([]byte, n) })
}

// maxFree bounds the buffers of each kind kept (a few batches' columns).
const maxFree = 16

// put keeps c's buffers for reuse.
func (p *batchBufs) put(c *col.Column) {
	if p == nil || c == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.F64 != nil && len(p.f64) < maxFree {
		p.f64 = append(p.f64, c.F64[:0])
	}
	if c.I64 != nil && len(p.i64) < maxFree {
		p.i64 = append(p.i64, c.I64[:0])
	}
	if c.Offs != nil && len(p.i64) < maxFree {
		p.i64 = append(p.i64, c.Offs[:0])
	}
	if c.B != nil && len(p.b) < maxFree {
		p.b = append(p.b, c.B[:0])
	}
	if c.Data != nil && len(p.by) < maxFree {
		p.by = append(p.by, c.Data[:0])
	}
}

// KeyDomain bounds the number of distinct key tuples of the int and
// datetime columns keys over the row groups read, from their statistics:
// the product of the columns' value ranges (+Inf when a row group lacks
// statistics; a string column counts 1: unknown). sorted reports, for one
// key, that its row groups' ranges ascend (the file is stored in its order).
func (s *Scanner) KeyDomain(keys []string) (domain float64, sorted bool) {
	domain, sorted = 1, len(keys) == 1
	if s.o == nil {
		return 0, sorted
	}
	fi := s.rp.fi
	for _, name := range keys {
		i := fi.lookup(name)
		if i < 0 {
			return math.Inf(1), false
		}
		c := fi.cols[i]
		if !(c.typ.IsInt() || c.typ.IsDatetime()) {
			sorted = false
			continue
		}
		lo, hi, prev := int64(math.MaxInt64), int64(math.MinInt64), int64(math.MinInt64)
		for _, rg := range s.kept {
			a, b, ok := stats(s.o, c, rg)
			if !ok {
				return math.Inf(1), false
			}
			sorted = sorted && a.i >= prev
			prev = b.i
			lo, hi = min(lo, a.i), max(hi, b.i)
		}
		if lo <= hi {
			domain *= float64(hi) - float64(lo) + 1
		}
	}
	return domain, sorted
}
