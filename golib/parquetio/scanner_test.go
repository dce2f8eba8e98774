package parquetio

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// TestScannerBatchesEqualRead: a Scanner's batches, in order, hold exactly
// Read's rows and columns, with a pushed filter, a stats_filter skipping
// row groups, a key filter, or none; batches of one and of several row
// groups, each batch's buffers recycled into the next ones; the same
// batches read by number (ReadBatch), all at once, in reverse order.
func TestScannerBatchesEqualRead(t *testing.T) {
	dir := t.TempDir()
	saved := EvalMask
	EvalMask = interp.Eval
	defer func() { EvalMask = saved }()
	const n = 3000
	c := ir.Col
	for name, props := range map[string][]parquet.WriterProperty{
		"dictionary": {parquet.WithDictionaryDefault(true)},
		"plain":      {parquet.WithDictionaryDefault(false)},
	} {
		p := write(t, dir, name+".parquet", pageColumns(n, 7), writeOpts{rowsPerGroup: 250, props: props,
			required: map[string]bool{"req": true, "freq": true, "sreq": true}})
		full, all := readAll(t, p)
		typed := func(e *ir.Expr) *ir.Expr {
			if err := frame.TypeExpr(e, full); err != nil {
				t.Fatal(err)
			}
			return e
		}
		keys := &col.Column{Type: ir.Int64, N: 3, I64: []int64{1, 2, 3}}
		for _, tc := range []struct {
			name  string
			attrs ir.Attrs
			keys  []col.KeyFilter
		}{
			{name: "all rows", attrs: ir.Attrs{}},
			{name: "pushed filter", attrs: ir.Attrs{"filter": typed(ir.Call("lt", c("f64"), ir.LitFloat(40)))}},
			{name: "stats filter", attrs: ir.Attrs{"stats_filter": typed(ir.Call("gt", c("req"), ir.LitInt(1000)))}},
			{name: "key filter", keys: []col.KeyFilter{{Column: "req", Keys: col.NewKeySet(keys)}}},
		} {
			for _, k := range []int{1, 3} {
				for _, concurrent := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/%s/k=%d/concurrent=%v", name, tc.name, k, concurrent), func(t *testing.T) {
						attrs := ir.Attrs{"path": p}
						for a, v := range tc.attrs {
							attrs[a] = v
						}
						want, err := Read(attrs, full, tc.keys)
						if err != nil {
							t.Fatal(err)
						}
						s, err := NewScanner(attrs, full, tc.keys)
						if err != nil {
							t.Fatal(err)
						}
						defer s.Close()
						got := make([][]string, len(full.Fields))
						rows := 0
						take := func(b *col.Frame) {
							if err := b.Validate(); err != nil {
								t.Fatal(err)
							}
							rows += b.N
							for i := range got {
								got[i] = append(got[i], render(b.Cols[i])...)
							}
							s.Recycle(b)
						}
						if concurrent {
							// every batch read at once, last first; each
							// rendered and recycled as soon as it is read
							nb := s.Batches(k)
							parts := make([][][]string, nb)
							var mu sync.Mutex
							var wg sync.WaitGroup
							errs := make([]error, nb)
							for i := nb - 1; i >= 0; i-- {
								wg.Add(1)
								go func() {
									defer wg.Done()
									b, err := s.ReadBatch(i, k)
									if errs[i] = err; err != nil {
										return
									}
									if errs[i] = b.Validate(); errs[i] != nil {
										return
									}
									parts[i] = make([][]string, len(full.Fields))
									for j := range parts[i] {
										parts[i][j] = render(b.Cols[j])
									}
									mu.Lock()
									rows += b.N
									mu.Unlock()
									s.Recycle(b)
								}()
							}
							wg.Wait()
							for i, p := range parts {
								if errs[i] != nil {
									t.Fatalf("batch %d: %v", i, errs[i])
								}
								for j := range got {
									got[j] = append(got[j], p[j]...)
								}
							}
							if _, err := s.ReadBatch(nb, k); err == nil {
								t.Error("a batch past the end was read")
							}
						}
						for !concurrent {
							b, err := s.Next(k)
							if err != nil {
								t.Fatal(err)
							}
							if b == nil {
								break
							}
							take(b)
						}
						if rows != want.N {
							t.Fatalf("%d rows, Read gives %d (of %d)", rows, want.N, all.N)
						}
						for i, f := range full.Fields {
							if w := render(want.Cols[i]); !slices.Equal(got[i], w) {
								t.Fatalf("column %s:\n got %.300s\nwant %.300s", f.Name, join(got[i]), join(w))
							}
						}
					})
				}
			}
		}
	}
}

// TestSortedColumn: a column whose row groups' ranges ascend is sorted; one
// in no order, a string column and a missing one are not.
func TestSortedColumn(t *testing.T) {
	dir := t.TempDir()
	cols := append(pageColumns(1000, 3), colSpec{"sorted", arrow.PrimitiveTypes.Int64, rowsJSON(1000)})
	p := write(t, dir, "s.parquet", cols, writeOpts{rowsPerGroup: 100, required: map[string]bool{"sorted": true}})
	for col, want := range map[string]bool{"sorted": true, "i64": false, "slow": false, "nope": false} {
		if got := SortedColumn(ir.Attrs{"path": p}, col); got != want {
			t.Errorf("%s: sorted %v, want %v", col, got, want)
		}
	}
	full, all := readAll(t, p)
	s, err := NewScanner(ir.Attrs{"path": p}, full, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := all.Cols[full.Lookup("sorted")].I64
	if d, sorted := s.KeyDomain([]string{"sorted"}); !sorted || d != float64(slices.Max(v)-slices.Min(v)+1) {
		t.Errorf("sorted column: domain %v sorted %v", d, sorted)
	}
	if _, sorted := s.KeyDomain([]string{"i64"}); sorted {
		t.Error("i64 is not stored sorted")
	}
}
