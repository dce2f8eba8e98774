package arrowio_test

import (
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// These tests go through the Arrow C Data Interface (struct
// ArrowArrayStream), as capi does. The stream struct is a zero-initialized
// Go value: cdata moves its contents into C memory on import.

func frameRows(f *col.Frame) []string {
	var out []string
	for i, c := range f.Index {
		out = append(out, "index"+string(rune('0'+i))+"="+render(c))
	}
	for i, c := range f.Cols {
		out = append(out, f.Names[i]+"="+render(c))
	}
	return out
}

func sampleFrame(withIndex bool) *col.Frame {
	v := bitmap([]bool{true, false, true, true, false, true, true, true, true, true})
	f := &col.Frame{N: 10,
		Names: []string{"i", "f", "f32", "i32", "b", "s", "dt", "dtns", "ñ \"odd\" name"},
		Cols: []*col.Column{
			col.NewInt64([]int64{1, -2, 3, math.MaxInt64, math.MinInt64, 6, 7, 8, 9, 10}),
			col.NewFloat64([]float64{0.5, math.NaN(), math.Inf(-1), 4, 5, 6, 7, 8, 9, 10}),
			{Type: ir.Float32, N: 10, F64: []float64{0.25, math.NaN(), 3, 4, 5, 6, 7, 8, 9, 10}},
			{Type: ir.Int32, N: 10, I64: []int64{math.MinInt32, 2, 3, 4, 5, 6, 7, 8, 9, math.MaxInt32}},
			{Type: ir.Bool, N: 10, B: []bool{true, false, true, false, true, false, true, false, true, false}, Valid: v},
			col.NewStrings([]string{"a", "", "日本", "😀", "x", "q\"", "\n", "7", "8", "9"}, v),
			col.NewDatetime(ir.DatetimeUS, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 1700000000000000}, v),
			col.NewDatetime(ir.DatetimeNS, []int64{-1, 1, 2, 3, 4, 5, 6, 7, 8, 9}, nil),
			col.NewStrings([]string{"k", "k", "k", "k", "k", "k", "k", "k", "k", "k"}, nil),
		}}
	if withIndex {
		f.Index = []*col.Column{col.NewStrings([]string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}, nil),
			col.NewInt64([]int64{9, 8, 7, 6, 5, 4, 3, 2, 1, 0})}
		f.IndexNames = []string{"name", ""}
	}
	return f
}

func TestStreamRoundTrip(t *testing.T) {
	for _, withIndex := range []bool{false, true} {
		name := "RangeIndex"
		if withIndex {
			name = "two index levels"
		}
		t.Run(name, func(t *testing.T) {
			f := sampleFrame(withIndex)
			want := frameRows(f)
			var stream cdata.CArrowArrayStream
			if err := arrowio.ExportStream(f, unsafe.Pointer(&stream)); err != nil {
				t.Fatal(err)
			}
			got, err := arrowio.ImportStream(unsafe.Pointer(&stream), len(f.Index))
			if err != nil {
				t.Fatal(err)
			}
			if got.N != f.N || strings.Join(got.Names, "|") != strings.Join(f.Names, "|") {
				t.Errorf("imported N %d names %q", got.N, got.Names)
			}
			if g, w := strings.Join(frameRows(got), "\n"), strings.Join(want, "\n"); g != w {
				t.Errorf("imported:\n%s\nwant:\n%s", g, w)
			}
			// Index names travel in the plan (source node), not in the stream.
			if withIndex && strings.Join(got.IndexNames, "|") != "|" {
				t.Errorf("IndexNames = %q", got.IndexNames)
			}
			if !withIndex && got.Index != nil {
				t.Errorf("RangeIndex imported as %d index levels", len(got.Index))
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
			// Zero-copy end to end: the int64 and float64 columns that come
			// back are the very slices that were exported.
			for _, name := range []string{"i", "f"} {
				a, b := f.Col(name), got.Col(name)
				pa, pb := unsafe.Pointer(unsafe.SliceData(a.I64)), unsafe.Pointer(unsafe.SliceData(b.I64))
				if name == "f" {
					pa, pb = unsafe.Pointer(unsafe.SliceData(a.F64)), unsafe.Pointer(unsafe.SliceData(b.F64))
				}
				if pa != pb {
					t.Errorf("column %s was copied on the way through the C Data Interface", name)
				}
			}
		})
	}
}

// recordReaderStream exports record batches built with arrow-go through the
// C stream interface.
func recordReaderStream(t *testing.T, schema *arrow.Schema, recs []arrow.RecordBatch) *cdata.CArrowArrayStream {
	t.Helper()
	rdr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	stream := new(cdata.CArrowArrayStream)
	cdata.ExportRecordReader(rdr, stream)
	rdr.Release()
	return stream
}

func batch(mem memory.Allocator, schema *arrow.Schema, ids []int64, names []string, valid []bool) arrow.RecordBatch {
	ib := array.NewInt64Builder(mem)
	ib.AppendValues(ids, nil)
	sb := array.NewStringBuilder(mem)
	sb.AppendValues(names, valid)
	ia, sa := ib.NewArray(), sb.NewArray()
	ib.Release()
	sb.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{ia, sa}, int64(len(ids)))
	ia.Release()
	sa.Release()
	return rec
}

func TestImportStreamChunks(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	cases := []struct {
		name   string
		recs   func() []arrow.RecordBatch
		nIndex int
		want   string
		n      int
	}{
		{name: "no batches", recs: func() []arrow.RecordBatch { return nil },
			want: "id=int64[]\nname=str[]", n: 0},
		{name: "one batch", recs: func() []arrow.RecordBatch {
			return []arrow.RecordBatch{batch(mem, schema, []int64{1, 2}, []string{"a", "b"}, []bool{true, false})}
		}, want: `id=int64[1 2]` + "\n" + `name=str["a" None]`, n: 2},
		{name: "three batches are concatenated", recs: func() []arrow.RecordBatch {
			return []arrow.RecordBatch{
				batch(mem, schema, []int64{1, 2}, []string{"a", "b"}, []bool{true, false}),
				batch(mem, schema, []int64{}, []string{}, nil),
				batch(mem, schema, []int64{3, 4, 5}, []string{"c", "", "日本"}, []bool{true, true, true}),
			}
		}, want: `id=int64[1 2 3 4 5]` + "\n" + `name=str["a" None "c" "" "日本"]`, n: 5},
		{name: "first column as index", nIndex: 1, recs: func() []arrow.RecordBatch {
			return []arrow.RecordBatch{batch(mem, schema, []int64{7}, []string{"z"}, nil)}
		}, want: `index0=int64[7]` + "\n" + `name=str["z"]`, n: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stream := recordReaderStream(t, schema, c.recs())
			f, err := arrowio.ImportStream(unsafe.Pointer(stream), c.nIndex)
			if err != nil {
				t.Fatal(err)
			}
			if f.N != c.n {
				t.Errorf("N = %d, want %d", f.N, c.n)
			}
			if got := strings.Join(frameRows(f), "\n"); got != c.want {
				t.Errorf("imported:\n%s\nwant:\n%s", got, c.want)
			}
			if err := f.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestImportStreamErrors(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "name", Type: arrow.BinaryTypes.String}}, nil)
	stream := recordReaderStream(t, schema, []arrow.RecordBatch{batch(mem, schema, []int64{1}, []string{"a"}, nil)})
	_, err := arrowio.ImportStream(unsafe.Pointer(stream), 3)
	if err == nil || !strings.Contains(err.Error(), "Arrow input has 2 columns, expected at least 3 index levels") {
		t.Errorf("too many index levels: %v", err)
	}

	u8 := array.NewUint64Builder(mem)
	u8.Append(1)
	ua := u8.NewArray()
	uschema := arrow.NewSchema([]arrow.Field{{Name: "big", Type: arrow.PrimitiveTypes.Uint64}}, nil)
	rec := array.NewRecordBatch(uschema, []arrow.Array{ua}, 1)
	ua.Release()
	stream = recordReaderStream(t, uschema, []arrow.RecordBatch{rec})
	_, err = arrowio.ImportStream(unsafe.Pointer(stream), 0)
	if err == nil || !strings.Contains(err.Error(), `column "big": Arrow type uint64 is not supported`) {
		t.Errorf("unsupported column: %v", err)
	} else if e, ok := err.(*ir.Error); !ok || e.Kind != "NotImplemented" {
		t.Errorf("unsupported column error %#v is not a NotImplemented *ir.Error", err)
	}
}

// TestImportedMemoryOutlivesTheStream: an imported column keeps the Arrow
// memory it aliases alive after the stream and its batches are released,
// and lets it go once the column is unreachable.
func TestImportedMemoryOutlivesTheStream(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "name", Type: arrow.BinaryTypes.String}}, nil)
	ids := make([]int64, 1000)
	names := make([]string, 1000)
	for i := range ids {
		ids[i] = int64(i) * 3
		names[i] = strings.Repeat("x", i%7)
	}
	func() {
		stream := recordReaderStream(t, schema, []arrow.RecordBatch{batch(mem, schema, ids, names, nil)})
		f, err := arrowio.ImportStream(unsafe.Pointer(stream), 0)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 3; k++ {
			runtime.GC()
		}
		// Scribble over fresh allocations: freed memory would show.
		junk := make([][]int64, 100)
		for k := range junk {
			junk[k] = make([]int64, 1000)
			for m := range junk[k] {
				junk[k][m] = -1
			}
		}
		c, s := f.Col("id"), f.Col("name")
		for i := range ids {
			if c.I64[i] != ids[i] || s.Str(i) != names[i] {
				t.Fatalf("row %d after GC: %d %q", i, c.I64[i], s.Str(i))
			}
		}
		if mem.CurrentAlloc() == 0 {
			t.Errorf("Arrow memory was freed while imported columns still use it")
		}
		runtime.KeepAlive(f)
	}()
	deadline := time.Now().Add(3 * time.Second)
	for mem.CurrentAlloc() != 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if n := mem.CurrentAlloc(); n != 0 {
		t.Errorf("%d bytes of Arrow memory still allocated after the imported frame became unreachable", n)
	}
}
