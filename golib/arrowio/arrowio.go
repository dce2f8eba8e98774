// Package arrowio moves frames across the Arrow C Data Interface without
// copying column data: imported Arrow buffers become col.Column slices in
// place, and exported columns wrap the Go slices they already live in.
//
// Frame layout on the wire: index levels first, named "__index_level_<i>__",
// then the columns. Exported schemas carry metadata "flern.index_names"
// (a JSON list; null for an unnamed level) or "flern.range_index" = "1" when
// the frame has pandas' default RangeIndex.
package arrowio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/bytedance/sonic"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// IndexColumnName is the wire name of index level i.
func IndexColumnName(i int) string { return fmt.Sprintf("__index_level_%d__", i) }

// ImportStream consumes an ArrowArrayStream (ptr to struct ArrowArrayStream)
// and returns its data as a frame whose first nIndex columns are index levels.
// Single-chunk streams are imported without copying; several chunks are
// concatenated. The stream is released.
func ImportStream(ptr unsafe.Pointer, nIndex int) (*col.Frame, error) {
	rdr, err := cdata.ImportCRecordReader((*cdata.CArrowArrayStream)(ptr), nil)
	if err != nil {
		return nil, ir.Errorf("Value", "importing Arrow stream: %v", err)
	}
	schema := rdr.(interface{ Schema() *arrow.Schema }).Schema()
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
		if rel, ok := rdr.(interface{ Release() }); ok {
			rel.Release()
		}
	}()
	for {
		rec, err := rdr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ir.Errorf("Value", "reading Arrow stream: %v", err)
		}
		rec.Retain() // the reader releases its current record on the next Read
		recs = append(recs, rec)
	}
	nc := schema.NumFields()
	if nIndex > nc {
		return nil, ir.Errorf("Value", "Arrow input has %d columns, expected at least %d index levels", nc, nIndex)
	}
	f := &col.Frame{}
	var cols []*col.Column
	for j := 0; j < nc; j++ {
		chunks := make([]arrow.Array, len(recs))
		for k, r := range recs {
			chunks[k] = r.Column(j)
		}
		var arr arrow.Array
		switch len(chunks) {
		case 0:
			arr = array.MakeArrayOfNull(memory.DefaultAllocator, schema.Field(j).Type, 0)
		case 1:
			arr = chunks[0]
			arr.Retain()
		default:
			arr, err = array.Concatenate(chunks, memory.DefaultAllocator)
			if err != nil {
				return nil, ir.Errorf("Value", "concatenating column %q: %v", schema.Field(j).Name, err)
			}
		}
		c, err := ImportArray(arr)
		if err != nil {
			arr.Release()
			return nil, ir.Errorf("NotImplemented", "column %q: %v", schema.Field(j).Name, err)
		}
		cols = append(cols, c)
	}
	n := 0
	for _, r := range recs {
		n += int(r.NumRows())
	}
	f.N = n
	for j, c := range cols {
		if j < nIndex {
			f.Index = append(f.Index, c)
			f.IndexNames = append(f.IndexNames, "")
		} else {
			f.Names = append(f.Names, schema.Field(j).Name)
			f.Cols = append(f.Cols, c)
		}
	}
	return f, nil
}

// keepAlive releases an imported Arrow array when the last column that
// aliases its memory is gone (a finalizer; the array was retained for it),
// unless the process is exiting (Shutdown).
type keepAlive struct{ arr arrow.Array }

// shuttingDown is set by Shutdown.
var shuttingDown atomic.Bool

// Shutdown stops releasing imported arrays from finalizers: the process is
// exiting (the Python side calls it at interpreter exit, before its
// modules and the Arrow C++ library it imported from are torn down). A
// release callback running on a finalizer goroutine while the exporting
// library destroys its globals can abort the process ("terminate called
// without an active exception" from the C++ runtime); what is not released
// then is freed by the exit itself.
func Shutdown() { shuttingDown.Store(true) }

// release is keepAlive's finalizer.
func (k *keepAlive) release() {
	if !shuttingDown.Load() {
		k.arr.Release()
	}
}

// ImportArray converts one Arrow array to a column, aliasing its buffers
// where the layouts agree. It takes over one reference to arr.
func ImportArray(arr arrow.Array) (*col.Column, error) {
	n := arr.Len()
	ka := &keepAlive{arr}
	runtime.SetFinalizer(ka, (*keepAlive).release)
	c := &col.Column{N: n, Keep: ka}
	if arr.NullN() > 0 {
		c.Valid = validity(arr)
	}
	switch a := arr.(type) {
	case *array.Int64:
		c.Type, c.I64 = ir.Int64, a.Int64Values()
	case *array.Int32:
		c.Type, c.I64 = ir.Int32, widenInt(a.Int32Values())
	case *array.Int16:
		c.Type, c.I64 = ir.Int64, widenInt(a.Int16Values())
	case *array.Int8:
		c.Type, c.I64 = ir.Int64, widenInt(a.Int8Values())
	case *array.Uint32:
		c.Type, c.I64 = ir.Int64, widenInt(a.Uint32Values())
	case *array.Uint16:
		c.Type, c.I64 = ir.Int64, widenInt(a.Uint16Values())
	case *array.Uint8:
		c.Type, c.I64 = ir.Int64, widenInt(a.Uint8Values())
	case *array.Float64:
		c.Type, c.F64 = ir.Float64, a.Float64Values()
	case *array.Float32:
		vals := a.Float32Values()
		c.Type, c.F64 = ir.Float32, make([]float64, n)
		for i, v := range vals {
			c.F64[i] = float64(v)
		}
	case *array.Boolean:
		c.Type, c.B = ir.Bool, make([]bool, n)
		for i := 0; i < n; i++ {
			c.B[i] = a.Value(i)
		}
	case *array.String:
		offs := a.ValueOffsets()
		c.Type, c.Offs = ir.String, make([]int64, n+1)
		for i, o := range offs {
			c.Offs[i] = int64(o)
		}
		c.Data = a.ValueBytes()
		if len(offs) > 0 {
			c.Data = rawData(a.Data())
		}
	case *array.LargeString:
		c.Type, c.Offs = ir.String, a.ValueOffsets()
		c.Data = rawData(a.Data())
	case *array.StringView:
		b := col.NewStringBuilder(n)
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(a.Value(i))
			}
		}
		c = b.Finish()
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		if tt.TimeZone != "" {
			return nil, fmt.Errorf("timezone-aware timestamps are not supported yet")
		}
		vals := a.TimestampValues()
		raw := unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals))
		switch tt.Unit {
		case arrow.Microsecond:
			c.Type, c.I64 = ir.DatetimeUS, raw
		case arrow.Nanosecond:
			c.Type, c.I64 = ir.DatetimeNS, raw
		case arrow.Millisecond, arrow.Second:
			mul := int64(1000)
			if tt.Unit == arrow.Second {
				mul = 1000000
			}
			c.Type, c.I64 = ir.DatetimeUS, make([]int64, n)
			for i, v := range raw {
				c.I64[i] = v * mul
			}
		}
	default:
		return nil, fmt.Errorf("Arrow type %s is not supported", arr.DataType())
	}
	if c.Type.IsFloat() && c.Valid != nil {
		// pandas' missing float is NaN: copy once so null slots hold NaN.
		f := make([]float64, n)
		copy(f, c.F64)
		for i := 0; i < n; i++ {
			if !c.IsValid(i) {
				f[i] = math.NaN()
			}
		}
		c.F64, c.Valid = f, nil
	}
	if c.Data == nil && c.Type == ir.String {
		c.Data = []byte{}
	}
	return c, nil
}

func widenInt[T int8 | int16 | int32 | uint8 | uint16 | uint32](v []T) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// rawData returns a string array's whole value buffer (offsets index into it).
func rawData(d arrow.ArrayData) []byte {
	bufs := d.Buffers()
	if len(bufs) < 3 || bufs[2] == nil {
		return []byte{}
	}
	return bufs[2].Bytes()
}

func validity(arr arrow.Array) []byte {
	bm := arr.NullBitmapBytes()
	off := arr.Data().Offset()
	n := arr.Len()
	if off%8 == 0 {
		return bm[off/8:]
	}
	out := col.NewBitmap(n, false)
	for i := 0; i < n; i++ {
		if bitutil.BitIsSet(bm, off+i) {
			col.SetBit(out, i, true)
		}
	}
	return out
}

// ExportStream writes frame f to the ArrowArrayStream at ptr (zero-copy for
// fixed-width columns). The consumer owns the stream and releases it.
func ExportStream(f *col.Frame, ptr unsafe.Pointer) error {
	rec, err := ToRecord(f)
	if err != nil {
		return err
	}
	return exportRecord(rec, ptr)
}

// exportRecord writes one record batch as a one-batch ArrowArrayStream at
// ptr, taking over the caller's reference to rec.
func exportRecord(rec arrow.RecordBatch, ptr unsafe.Pointer) error {
	rdr, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	rec.Release()
	if err != nil {
		return err
	}
	cdata.ExportRecordReader(rdr, (*cdata.CArrowArrayStream)(ptr))
	rdr.Release()
	return nil
}

// ToRecord converts f to an Arrow record batch (index levels first).
func ToRecord(f *col.Frame) (arrow.RecordBatch, error) {
	var fields []arrow.Field
	var arrs []arrow.Array
	add := func(name string, c *col.Column) error {
		a, err := ExportColumn(c)
		if err != nil {
			return fmt.Errorf("column %q: %w", name, err)
		}
		fields = append(fields, arrow.Field{Name: name, Type: a.DataType(), Nullable: true})
		arrs = append(arrs, a)
		return nil
	}
	meta := map[string]string{}
	if f.Index == nil {
		meta["flern.range_index"] = "1"
	} else {
		names := make([]any, len(f.Index))
		for i, c := range f.Index {
			if err := add(IndexColumnName(i), c); err != nil {
				return nil, err
			}
			if f.IndexNames[i] != "" {
				names[i] = f.IndexNames[i]
			}
		}
		js, _ := sonic.MarshalString(names)
		meta["flern.index_names"] = js
	}
	for i, c := range f.Cols {
		if err := add(f.Names[i], c); err != nil {
			return nil, err
		}
	}
	md := arrow.MetadataFrom(meta)
	schema := arrow.NewSchema(fields, &md)
	rec := array.NewRecordBatch(schema, arrs, int64(f.N))
	for _, a := range arrs {
		a.Release()
	}
	return rec, nil
}

// goAllocator is the "allocator" of an exported buffer of Go memory: it
// allocates nothing; Free (the consumer released the last Arrow reference)
// counts the bytes handed back (ReleasedBytes) and keeps the column's owner
// reachable until then.
type goAllocator struct{ keep any }

func (goAllocator) Allocate(int) []byte           { panic("arrowio: goAllocator cannot allocate") }
func (goAllocator) Reallocate(int, []byte) []byte { panic("arrowio: goAllocator cannot allocate") }
func (k goAllocator) Free(b []byte) {
	_ = k.keep
	released.Add(int64(len(b)))
}

var released atomic.Int64

// TakeReleasedBytes returns the bytes of exported Go memory whose Arrow
// consumers released them since the last call, and starts counting again.
// The memory is garbage for Go's collector only from then on, which
// otherwise waits until the heap doubles: a caller about to allocate a lot
// (the next run) collects first when much was handed back (capi).
func TakeReleasedBytes() int64 { return released.Swap(0) }
func bytesOf[T any](v []T) []byte {
	if len(v) == 0 {
		return []byte{}
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*int(unsafe.Sizeof(z)))
}

// buffer wraps memory the column owns; when the column aliases imported
// memory the buffer keeps the column's owner reachable until Arrow frees it;
// the release is counted (TakeReleasedBytes).
func buffer(c *col.Column, b []byte) *memory.Buffer {
	return memory.NewBufferWithAllocator(b, goAllocator{c.Keep})
}

// ExportColumn converts a column to an Arrow array sharing its memory.
func ExportColumn(c *col.Column) (arrow.Array, error) {
	n := c.N
	var valid *memory.Buffer
	nulls := 0
	if c.Valid != nil {
		for i := 0; i < n; i++ {
			if !c.IsValid(i) {
				nulls++
			}
		}
		if nulls > 0 {
			valid = buffer(c, c.Valid[:(n+7)/8])
		}
	}
	var data arrow.ArrayData
	switch c.Type {
	case ir.Int64:
		data = newData(arrow.PrimitiveTypes.Int64, n, []*memory.Buffer{valid, buffer(c, bytesOf(c.I64[:n]))}, nil, nulls, 0)
	case ir.Float64:
		data = newData(arrow.PrimitiveTypes.Float64, n, []*memory.Buffer{valid, buffer(c, bytesOf(c.F64[:n]))}, nil, nulls, 0)
	case ir.Int32:
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(c.I64[i])
		}
		data = newData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{valid, memory.NewBufferBytes(bytesOf(v))}, nil, nulls, 0)
	case ir.Float32:
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(c.F64[i])
		}
		data = newData(arrow.PrimitiveTypes.Float32, n, []*memory.Buffer{valid, memory.NewBufferBytes(bytesOf(v))}, nil, nulls, 0)
	case ir.Bool:
		bits := col.NewBitmap(n, false)
		for i := 0; i < n; i++ {
			if c.B[i] {
				col.SetBit(bits, i, true)
			}
		}
		data = newData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{valid, memory.NewBufferBytes(bits)}, nil, nulls, 0)
	case ir.String:
		data = newData(arrow.BinaryTypes.LargeString, n, []*memory.Buffer{valid, buffer(c, bytesOf(c.Offs[:n+1])), buffer(c, c.Data)}, nil, nulls, 0)
	case ir.DatetimeUS, ir.DatetimeNS:
		unit := arrow.Microsecond
		if c.Type == ir.DatetimeNS {
			unit = arrow.Nanosecond
		}
		data = newData(&arrow.TimestampType{Unit: unit}, n, []*memory.Buffer{valid, buffer(c, bytesOf(c.I64[:n]))}, nil, nulls, 0)
	default:
		return nil, fmt.Errorf("cannot export %s", c.Type)
	}
	defer data.Release()
	return array.MakeFromData(data), nil
}

// newData is array.NewData handing over the caller's reference to each
// buffer (NewData takes its own), so that the buffers are freed -- and
// goAllocator counts them -- when the last array over them is released.
func newData(dt arrow.DataType, n int, bufs []*memory.Buffer, children []arrow.ArrayData, nulls, offset int) arrow.ArrayData {
	d := array.NewData(dt, n, bufs, children, nulls, offset)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	return d
}
