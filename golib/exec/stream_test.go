package exec_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// fakeScanner hands out a frame's rows in batches of the given sizes
// (cycled), as parquetio.Scanner hands out row groups.
type fakeScanner struct {
	f      *col.Frame
	sizes  []int
	at, k  int
	failAt int // the batch whose read fails (0: none)
	onNext func(k int)
	closed *bool
	mu     sync.Mutex // (ReadBatch's calls of onNext)
}

func (s *fakeScanner) Rows() int64 { return int64(s.f.N) }

func (s *fakeScanner) Next(int) (*col.Frame, error) {
	s.k++
	if s.onNext != nil {
		s.onNext(s.k)
	}
	if s.k == s.failAt {
		return nil, ir.Errorf("Parse", "could not read Parquet file fake.parquet (corrupt or truncated?): row group %d", s.k)
	}
	if s.at >= s.f.N {
		return nil, nil
	}
	n := min(s.sizes[(s.k-1)%len(s.sizes)], s.f.N-s.at)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = s.at + i
	}
	s.at += n
	b := &col.Frame{N: n, Names: s.f.Names}
	for _, c := range s.f.Cols {
		b.Cols = append(b.Cols, c.Take(idx))
	}
	return b, nil
}

// batchBounds are the batches' [lo, hi) rows (sizes cycled).
func (s *fakeScanner) batchBounds() [][2]int {
	var b [][2]int
	for lo, i := 0, 0; lo < s.f.N; i++ {
		hi := min(lo+s.sizes[i%len(s.sizes)], s.f.N)
		b = append(b, [2]int{lo, hi})
		lo = hi
	}
	return b
}

func (s *fakeScanner) Batches(int) int { return len(s.batchBounds()) }

// ReadBatch is Next's batch i, read out of order (exec.ConcurrentBatches).
func (s *fakeScanner) ReadBatch(i, _ int) (*col.Frame, error) {
	s.mu.Lock()
	if s.onNext != nil {
		s.onNext(i + 1)
	}
	s.mu.Unlock()
	if i+1 == s.failAt {
		return nil, ir.Errorf("Parse", "could not read Parquet file fake.parquet (corrupt or truncated?): row group %d", i+1)
	}
	r := s.batchBounds()[i]
	idx := make([]int, r[1]-r[0])
	for j := range idx {
		idx[j] = r[0] + j
	}
	b := &col.Frame{N: len(idx), Names: s.f.Names}
	for _, c := range s.f.Cols {
		b.Cols = append(b.Cols, c.Take(idx))
	}
	return b, nil
}

// serialScanner hides a scanner's ReadBatch: the stream reads it with
// Next only.
type serialScanner struct{ exec.BatchScanner }

func (s *fakeScanner) KeyDomain(keys []string) (float64, bool) {
	d, sorted := 1.0, len(keys) == 1
	for _, name := range keys {
		c := s.f.Col(name)
		if c == nil || c.I64 == nil || c.Type == ir.String {
			sorted = false
			continue
		}
		if c.N == 0 {
			continue
		}
		lo, hi := slices.Min(c.I64[:c.N]), slices.Max(c.I64[:c.N])
		d *= float64(hi) - float64(lo) + 1
		sorted = sorted && slices.IsSorted(c.I64[:c.N])
	}
	return d, sorted
}

func (s *fakeScanner) Recycle(f *col.Frame) {
	for _, c := range f.Cols { // a recycled buffer must not be read again
		for i := range c.F64 {
			c.F64[i] = -7
		}
		for i := range c.I64 {
			c.I64[i] = -7
		}
	}
}

func (s *fakeScanner) Close() { *s.closed = true }

// streamed is g (a fused aggregation over input 0, a source) with its
// source turned into a scan_parquet of f read in batches of sizes, and the
// stream stage run.
func streamed(t *testing.T, g *ir.Graph, f *col.Frame, scanner func() exec.BatchScanner) (*ir.Graph, func()) {
	t.Helper()
	oldB, oldR := exec.ParquetBatches, interp.ReadParquet
	exec.ParquetBatches = func(ir.Attrs, *ir.Schema, []col.KeyFilter) (exec.BatchScanner, error) { return scanner(), nil }
	interp.ReadParquet = func(ir.Attrs, *ir.Schema, []col.KeyFilter) (*col.Frame, error) { return f, nil }
	src := g.Nodes[0]
	src.Op, src.Attrs = "scan_parquet", ir.Attrs{"path": "fake.parquet"}
	all := exec.StreamAll
	exec.StreamAll = true // (the driver's every case, not only the default's sorted keys)
	rep := exec.Stream(g)
	exec.StreamAll = all
	if rep.Scans != 1 {
		t.Fatalf("not streamed:\n%s", g.Print())
	}
	if !strings.Contains(g.Print(), `stream="reads %0`) {
		t.Fatalf("explain does not show the stream:\n%s", g.Print())
	}
	return g, func() { exec.ParquetBatches, interp.ReadParquet = oldB, oldR }
}

// sortedQ is f with its q column ascending in steps of 0 to 3 (a sorted
// int key of a wide range: the ordered grouping).
func sortedQ(f *col.Frame, r *rand.Rand) *col.Frame {
	g := *f
	g.Cols = slices.Clone(f.Cols)
	q := make([]int64, f.N)
	for i := 1; i < f.N; i++ {
		q[i] = q[i-1] + r.Int63n(4)
	}
	g.Cols[2] = col.NewInt64(q)
	return &g
}

// TestStreamedAggMatchesMaterialized: a fused aggregation reading its scan
// batch by batch (batches not aligned with morsels, one morsel spread over
// several batches, batches spanning morsels) gives the materializing
// path's bits, natively and on the Go evaluator; a stream that cannot (a
// selective filter, sorted keys it cannot tell apart) reads the scan in
// full.
func TestStreamedAggMatchesMaterialized(t *testing.T) {
	t.Setenv("FLERN_KERNEL_CACHE", t.TempDir())
	_, _, ccErr := codegen.Compiler()
	cases := append(slices.Clone(aggCases),
		aggCase{name: "sorted int key: groups reduced in row order", keys: []any{"q"},
			aggs: []any{agg("s", "p", "sum"), agg("m", "d", "mean"), agg("n", "", "size")}},
		aggCase{name: "sorted key, a filter keeping most rows", keys: []any{"q"}, pred: ir.Call("gt", ir.Col("p"), ir.LitFloat(30)),
			aggs: []any{agg("s", "p", "sum"), agg("n", "", "size")}})
	for _, c := range cases {
		if c.unfused {
			continue // no fused aggregation to stream into
		}
		sorted := strings.HasPrefix(c.name, "sorted")
		for _, n := range []int{0, 1, 999, lower.Morsel*2 + 5, lower.Morsel*5 + 777} {
			f := aggFrame(rand.New(rand.NewSource(int64(n))), n)
			if sorted {
				f = sortedQ(f, rand.New(rand.NewSource(1)))
			}
			for _, sizes := range [][]int{{1000}, {7777, 300, 65539}, {lower.Morsel * 3}} {
				for _, native := range []bool{false, true} {
					if native && ccErr != nil {
						continue
					}
					opts := lower.Options{Codegen: native, NoCodegenWhy: "test", MinRows: 1, SyncCompile: true}
					g := buildAgg(t, c)
					if _, err := lower.Fuse(g, opts); err != nil {
						t.Fatal(err)
					}
					want, err := exec.RunAny(context.Background(), g, []any{f}, exec.Options{})
					if err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
					g = buildAgg(t, c)
					if _, err := lower.Fuse(g, opts); err != nil {
						t.Fatal(err)
					}
					closed := false
					serial := sizes[0] == 1000 // (the others read batches concurrently)
					g, restore := streamed(t, g, f, func() exec.BatchScanner {
						s := &fakeScanner{f: f, sizes: sizes, closed: &closed}
						if serial {
							return serialScanner{s}
						}
						return s
					})
					before := exec.Restreams()
					got, err := exec.RunAny(context.Background(), g, nil, exec.Options{})
					restore()
					if err != nil {
						t.Fatalf("%s n=%d sizes=%v native=%v: %v", c.name, n, sizes, native, err)
					}
					if d := sameFrame(want[0].(*col.Frame), got[0].(*col.Frame), 0); d != "" {
						t.Errorf("%s n=%d sizes=%v native=%v: not the materializing path's bits: %s", c.name, n, sizes, native, d)
					}
					if !closed {
						t.Errorf("%s: the scanner was not closed", c.name)
					}
					// these stream to the end (no full read)
					mustStream := n > 1 && (len(c.keys) == 0 || strings.HasPrefix(c.name, "q1") ||
						sorted && n > lower.Morsel || strings.HasPrefix(c.name, "sum and mean"))
					if restarted := exec.Restreams() > before; mustStream && restarted {
						t.Errorf("%s n=%d sizes=%v: read its scan in full", c.name, n, sizes)
					}
				}
			}
		}
	}
}

// TestStreamedAggFailsCleanly: a batch that cannot be read (a corrupt row
// group), a cancelled run and a memory limit below one batch end the run
// with their error, no result, the file closed, whether the batches are
// read one after another or several at once.
func TestStreamedAggFailsCleanly(t *testing.T) {
	c := aggCases[1] // q1
	f := aggFrame(rand.New(rand.NewSource(3)), 20000)
	for _, tc := range []struct {
		name  string
		limit int64
		fail  int
		kind  string
	}{
		{name: "corrupt third row group", fail: 3, kind: "Parse"},
		{name: "cancelled after the first batch", kind: "Cancelled"},
		{name: "memory limit below a batch", limit: 10 << 10, kind: "Memory"},
	} {
		for _, serial := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/serial=%v", tc.name, serial), func(t *testing.T) {
				g := buildAgg(t, c)
				if _, err := lower.Fuse(g, lower.Options{NoCodegenWhy: "test", MinRows: 1}); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				closed := false
				g, restore := streamed(t, g, f, func() exec.BatchScanner {
					s := &fakeScanner{f: f, sizes: []int{1000}, failAt: tc.fail, closed: &closed}
					if tc.kind == "Cancelled" {
						s.onNext = func(k int) {
							if k == 2 {
								cancel()
							}
						}
					}
					if serial {
						return serialScanner{s}
					}
					return s
				})
				defer restore()
				got, err := exec.RunAny(ctx, g, nil, exec.Options{MemoryLimit: tc.limit})
				var ie *ir.Error
				if !errors.As(err, &ie) || ie.Kind != tc.kind || got != nil {
					t.Fatalf("got %v, %v; want a %s error", got, err, tc.kind)
				}
				if tc.kind != "Cancelled" && ie.Loc == "" {
					t.Errorf("the error does not name the user's line: %v", err)
				}
				if !closed {
					t.Error("the scanner was not closed")
				}
			})
		}
	}
}
