package arrowio

// Tensor layout on the wire: a record batch with one primitive column named
// "data" holding the elements in row-major order (float32, float64, int64,
// or boolean), and schema metadata "flern.tensor_shape" (a JSON list of
// ints) and "flern.tensor_dtype" (float32, float64, int64, bool). float32,
// float64 and int64 data is shared, not copied, in both directions; bool is
// bit-packed by Arrow, so it is converted (one copy) each way.

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/bytedance/sonic"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// ImportTensorStream consumes an ArrowArrayStream holding one primitive
// column and returns it as a 1-D tensor of dtype dt (the caller reshapes).
// The stream is released.
func ImportTensorStream(ptr unsafe.Pointer, dt ir.DType) (*col.Tensor, error) {
	rdr, err := cdata.ImportCRecordReader((*cdata.CArrowArrayStream)(ptr), nil)
	if err != nil {
		return nil, ir.Errorf("Value", "importing Arrow stream: %v", err)
	}
	defer func() {
		if rel, ok := rdr.(interface{ Release() }); ok {
			rel.Release()
		}
	}()
	var chunks []arrow.Array
	defer func() {
		for _, c := range chunks {
			c.Release()
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
		if rec.NumCols() != 1 {
			return nil, ir.Errorf("Value", "a tensor input must have exactly one column, got %d", rec.NumCols())
		}
		c := rec.Column(0)
		c.Retain()
		chunks = append(chunks, c)
	}
	var arr arrow.Array
	switch len(chunks) {
	case 0:
		return col.NewTensor(dt, []int{0}), nil
	case 1:
		arr = chunks[0]
		arr.Retain()
	default:
		arr, err = array.Concatenate(chunks, memory.DefaultAllocator)
		if err != nil {
			return nil, ir.Errorf("Value", "concatenating tensor chunks: %v", err)
		}
	}
	if arr.NullN() > 0 {
		arr.Release()
		return nil, ir.Errorf("Value", "a tensor input cannot hold nulls")
	}
	n := arr.Len()
	ka := &keepAlive{arr}
	runtime.SetFinalizer(ka, (*keepAlive).release)
	t := &col.Tensor{DType: dt, Shape: []int{n}, Keep: ka}
	switch a := arr.(type) {
	case *array.Float32:
		t.F32 = a.Float32Values()
	case *array.Float64:
		t.F64 = a.Float64Values()
	case *array.Int64:
		t.I64 = a.Int64Values()
	case *array.Boolean:
		t.B = make([]bool, n)
		for i := range t.B {
			t.B[i] = a.Value(i)
		}
	default:
		return nil, ir.Errorf("Value", "tensor input of Arrow type %s is not supported", arr.DataType())
	}
	if t.Len() != n || (dt == ir.Float32) != (t.F32 != nil) || (dt == ir.Float64) != (t.F64 != nil) ||
		(dt == ir.Int64) != (t.I64 != nil) || (dt == ir.Bool) != (t.B != nil) {
		return nil, ir.Errorf("Value", "tensor input of Arrow type %s does not match the plan's dtype %s", arr.DataType(), dt)
	}
	return t, nil
}

func tensorBuffer(t *col.Tensor, b []byte) *memory.Buffer {
	// The Go slice stays reachable through the allocator until Arrow frees
	// the buffer (goAllocator holds t, which holds the slice and Keep).
	return memory.NewBufferWithAllocator(b, goAllocator{t})
}

// TensorRecord converts t to a one-column record batch sharing its memory.
func TensorRecord(t *col.Tensor) (arrow.RecordBatch, error) {
	n := t.Numel()
	var data arrow.ArrayData
	switch t.DType {
	case ir.Float32:
		data = newData(arrow.PrimitiveTypes.Float32, n, []*memory.Buffer{nil, tensorBuffer(t, bytesOf(t.F32[:n]))}, nil, 0, 0)
	case ir.Float64:
		data = newData(arrow.PrimitiveTypes.Float64, n, []*memory.Buffer{nil, tensorBuffer(t, bytesOf(t.F64[:n]))}, nil, 0, 0)
	case ir.Int64:
		data = newData(arrow.PrimitiveTypes.Int64, n, []*memory.Buffer{nil, tensorBuffer(t, bytesOf(t.I64[:n]))}, nil, 0, 0)
	case ir.Bool:
		bits := col.NewBitmap(n, false)
		for i, v := range t.B[:n] {
			if v {
				col.SetBit(bits, i, true)
			}
		}
		data = newData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{nil, memory.NewBufferBytes(bits)}, nil, 0, 0)
	default:
		return nil, fmt.Errorf("cannot export a tensor of dtype %s", t.DType)
	}
	arr := array.MakeFromData(data)
	data.Release()
	dims := t.Shape
	if dims == nil {
		dims = []int{}
	}
	shape, _ := sonic.MarshalString(dims)
	md := arrow.MetadataFrom(map[string]string{"flern.tensor_shape": shape, "flern.tensor_dtype": t.DType.String()})
	schema := arrow.NewSchema([]arrow.Field{{Name: "data", Type: arr.DataType()}}, &md)
	rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(n))
	arr.Release()
	return rec, nil
}

// ExportTensorStream writes t to the ArrowArrayStream at ptr (see the
// layout at the top of this file). The consumer owns the stream.
func ExportTensorStream(t *col.Tensor, ptr unsafe.Pointer) error {
	rec, err := TensorRecord(t)
	if err != nil {
		return err
	}
	return exportRecord(rec, ptr)
}
