package interp_test

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

func f32t(shape []int, v ...float32) *col.Tensor {
	return &col.Tensor{DType: ir.Float32, Shape: shape, F32: v}
}

func i64t(shape []int, v ...int64) *col.Tensor {
	return &col.Tensor{DType: ir.Int64, Shape: shape, I64: v}
}

func srcNode(i int, t *col.Tensor) *ir.Node {
	sh := make([]any, len(t.Shape))
	for k, d := range t.Shape {
		sh[k] = float64(d)
	}
	return &ir.Node{Op: "source_tensor", Attrs: ir.Attrs{"input": float64(i), "dtype": t.DType.String(), "shape": sh}}
}

// run1 applies op to the input tensors and returns the result (or error).
func run1(t *testing.T, op string, attrs ir.Attrs, ins ...*col.Tensor) (*col.Tensor, error) {
	t.Helper()
	g := &ir.Graph{}
	var ids []ir.NodeID
	var inputs []any
	for i, x := range ins {
		ids = append(ids, g.Add(srcNode(i, x)))
		inputs = append(inputs, x)
	}
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	out := g.Add(&ir.Node{Op: op, Inputs: ids, Attrs: attrs, Loc: "t.py:1"})
	g.Outputs = []ir.NodeID{out}
	if err := g.Verify(); err != nil {
		return nil, err
	}
	res, err := interp.RunAny(context.Background(), g, inputs)
	if err != nil {
		return nil, err
	}
	return res[0].(*col.Tensor), nil
}

func TestTensorKernels(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		op    string
		attrs ir.Attrs
		in    []*col.Tensor
		want  *col.Tensor
	}{
		{"add", nil, []*col.Tensor{f32t([]int{2, 2}, 1, 2, 3, 4), f32t([]int{2}, 10, 20)}, f32t([]int{2, 2}, 11, 22, 13, 24)},
		{"sub", nil, []*col.Tensor{f32t([]int{2, 1}, 1, 2), f32t([]int{3}, 1, 2, 3)}, f32t([]int{2, 3}, 0, -1, -2, 1, 0, -1)},
		{"div", nil, []*col.Tensor{i64t([]int{3}, 1, -7, 0), i64t([]int{3}, 2, 2, 0)}, f32t([]int{3}, 0.5, -3.5, nan)},
		{"maximum", nil, []*col.Tensor{f32t([]int{3}, 1, nan, 3), f32t([]int{3}, 2, 0, nan)}, f32t([]int{3}, 2, nan, nan)},
		{"pow", nil, []*col.Tensor{i64t([]int{3}, 2, 3, 0), i64t([]int{3}, 10, 0, 0)}, i64t([]int{3}, 1024, 1, 1)},
		{"matmul", nil, []*col.Tensor{f32t([]int{2, 3}, 1, 2, 3, 4, 5, 6), f32t([]int{3, 1}, 1, 0, -1)}, f32t([]int{2, 1}, -2, -2)},
		{"matmul", nil, []*col.Tensor{i64t([]int{2, 1, 2}, 1, 2, 3, 4), i64t([]int{2}, 10, 1)}, i64t([]int{2, 1}, 12, 34)},
		{"sum", ir.Attrs{"dims": []any{0.0}}, []*col.Tensor{f32t([]int{2, 3}, 1, 2, 3, 4, 5, 6)}, f32t([]int{3}, 5, 7, 9)},
		{"sum", ir.Attrs{"dims": nil}, []*col.Tensor{f32t([]int{0, 3})}, f32t([]int{}, 0)},
		{"mean", ir.Attrs{"dims": []any{1.0}, "keepdim": true}, []*col.Tensor{f32t([]int{2, 2}, 1, 2, 3, 5)}, f32t([]int{2, 1}, 1.5, 4)},
		{"max", ir.Attrs{"dim": 1.0}, []*col.Tensor{f32t([]int{2, 3}, 1, 9, 3, nan, 5, 6)}, f32t([]int{2}, 9, nan)},
		{"argmax", ir.Attrs{"dim": 0.0}, []*col.Tensor{f32t([]int{3, 2}, 1, 5, 7, 5, 7, nan)}, i64t([]int{2}, 1, 2)},
		{"argmin", ir.Attrs{"dim": nil}, []*col.Tensor{i64t([]int{2, 2}, 4, 1, 1, 0)}, i64t([]int{}, 3)},
		{"transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, []*col.Tensor{i64t([]int{2, 3}, 1, 2, 3, 4, 5, 6)}, i64t([]int{3, 2}, 1, 4, 2, 5, 3, 6)},
		{"reshape", ir.Attrs{"shape": []any{3.0, -1.0}}, []*col.Tensor{i64t([]int{2, 3}, 1, 2, 3, 4, 5, 6)}, i64t([]int{3, 2}, 1, 2, 3, 4, 5, 6)},
		{"relu", nil, []*col.Tensor{f32t([]int{3}, -1, 0, 2)}, f32t([]int{3}, 0, 0, 2)},
	}
	for _, c := range cases {
		got, err := run1(t, c.op, c.attrs, c.in...)
		if err != nil {
			t.Errorf("%s: %v", c.op, err)
			continue
		}
		if got.DType != c.want.DType || !reflect.DeepEqual(append([]int{}, got.Shape...), append([]int{}, c.want.Shape...)) {
			t.Errorf("%s: got %s%v, want %s%v", c.op, got.DType, got.Shape, c.want.DType, c.want.Shape)
			continue
		}
		switch got.DType {
		case ir.Float32:
			for i := range got.F32 {
				g, w := got.F32[i], c.want.F32[i]
				if !(g == w || (g != g && w != w)) {
					t.Errorf("%s: got %v, want %v", c.op, got.F32, c.want.F32)
					break
				}
			}
		default:
			if !reflect.DeepEqual(got.I64, c.want.I64) || !reflect.DeepEqual(got.B, c.want.B) {
				t.Errorf("%s: got %v%v, want %v%v", c.op, got.I64, got.B, c.want.I64, c.want.B)
			}
		}
	}
}

func TestTensorRunErrors(t *testing.T) {
	_, err := run1(t, "pow", nil, i64t([]int{1}, 2), i64t([]int{1}, -1))
	if err == nil || !strings.Contains(err.Error(), "Integers to negative integer powers") || !strings.Contains(err.Error(), "t.py:1") {
		t.Fatalf("got %v", err)
	}
}

func TestToTensor(t *testing.T) {
	g := &ir.Graph{}
	src := g.Add(&ir.Node{Op: "source", Attrs: ir.Attrs{"input": 0.0, "fields": []any{
		map[string]any{"name": "a", "type": "int64"}, map[string]any{"name": "b", "type": "float64"}}}})
	tt := g.Add(&ir.Node{Op: "to_tensor", Inputs: []ir.NodeID{src}, Attrs: ir.Attrs{}})
	g.Outputs = []ir.NodeID{tt}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	f := &col.Frame{Names: []string{"a", "b"}, Cols: []*col.Column{col.NewInt64([]int64{1, 2}), col.NewFloat64([]float64{0.5, math.NaN()})}, N: 2}
	res, err := interp.RunAny(context.Background(), g, []any{f})
	if err != nil {
		t.Fatal(err)
	}
	got := res[0].(*col.Tensor)
	if !reflect.DeepEqual(got.Shape, []int{2, 2}) || got.F32[0] != 1 || got.F32[1] != 0.5 || got.F32[2] != 2 || got.F32[3] == got.F32[3] {
		t.Fatalf("got %v %v", got.Shape, got.F32)
	}
}
