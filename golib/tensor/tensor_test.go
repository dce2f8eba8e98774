package tensor_test

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

func ts(dt ir.DType, shape ...int64) *ir.Schema { return ir.TensorSchema(dt, shape) }

// infer runs op's registered rule; want is the printed type or "error: <substring>".
func TestInfer(t *testing.T) {
	f32, f64, i64, b := ir.Float32, ir.Float64, ir.Int64, ir.Bool
	D := ir.DynDim
	cases := []struct {
		op    string
		attrs ir.Attrs
		in    []*ir.Schema
		want  string
	}{
		{"add", nil, []*ir.Schema{ts(f32, 2, 3), ts(f32, 3)}, "tensor<float32>[2, 3]"},
		{"add", nil, []*ir.Schema{ts(f32, 2, 1, 4), ts(f32, 3, 1)}, "tensor<float32>[2, 3, 4]"},
		{"add", nil, []*ir.Schema{ts(f32, 0, 1), ts(f32, 1, 5)}, "tensor<float32>[0, 5]"},
		{"add", nil, []*ir.Schema{ts(f32, 2, 3), ts(f32, 4)}, "error: The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"},
		{"add", nil, []*ir.Schema{ts(f32, D, 3), ts(f32, 3)}, "tensor<float32>[?, 3]"},
		{"add", nil, []*ir.Schema{ts(i64, 2), ts(f32, 2)}, "tensor<float32>[2]"},
		{"add", nil, []*ir.Schema{ts(f32, 2), ts(f64)}, "tensor<float32>[2]"},                        // 0-dim loses within category
		{"add", nil, []*ir.Schema{ts(i64, 2), ts(f64)}, "tensor<float64>[2]"},                        // 0-dim float wins over int
		{"add", ir.Attrs{"wrapped1": true}, []*ir.Schema{ts(i64, 2), ts(f64)}, "tensor<float32>[2]"}, // python float -> default
		{"add", ir.Attrs{"wrapped1": true}, []*ir.Schema{ts(b, 2), ts(i64)}, "tensor<int64>[2]"},
		{"add", ir.Attrs{"wrapped1": true}, []*ir.Schema{ts(i64, 2), ts(b)}, "tensor<int64>[2]"},
		{"add", nil, []*ir.Schema{ts(b, 2), ts(b, 2)}, "tensor<bool>[2]"},
		{"sub", nil, []*ir.Schema{ts(b, 2), ts(b, 2)}, "error: Subtraction, the `-` operator, with two bool tensors"},
		{"div", nil, []*ir.Schema{ts(i64, 2), ts(i64, 2)}, "tensor<float32>[2]"},
		{"div", nil, []*ir.Schema{ts(f64, 2), ts(i64, 2)}, "tensor<float64>[2]"},
		{"lt", nil, []*ir.Schema{ts(f64, 2, 1), ts(i64, 3)}, "tensor<bool>[2, 3]"},
		{"exp", nil, []*ir.Schema{ts(i64, 4)}, "tensor<float32>[4]"},
		{"neg", nil, []*ir.Schema{ts(b, 4)}, "error: Negation"},
		{"where", nil, []*ir.Schema{ts(b, 2, 1), ts(i64, 3), ts(f64)}, "tensor<float64>[2, 3]"},
		{"where", nil, []*ir.Schema{ts(f32, 2), ts(i64, 2), ts(i64, 2)}, "error: where expected condition to be a boolean tensor"},
		{"matmul", nil, []*ir.Schema{ts(f32, 2, 3), ts(f32, 3, 4)}, "tensor<float32>[2, 4]"},
		{"matmul", nil, []*ir.Schema{ts(f32, 2, 3), ts(f32, 4, 5)}, "error: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"},
		{"matmul", nil, []*ir.Schema{ts(f32, 3), ts(f32, 3)}, "tensor<float32>[]"},
		{"matmul", nil, []*ir.Schema{ts(f32, 3), ts(f32, 4)}, "error: inconsistent tensor size"},
		{"matmul", nil, []*ir.Schema{ts(f32, 2, 3), ts(f32, 3)}, "tensor<float32>[2]"},
		{"matmul", nil, []*ir.Schema{ts(f32, 3), ts(f32, 3, 5)}, "tensor<float32>[5]"},
		{"matmul", nil, []*ir.Schema{ts(f32, 7, 1, 2, 3), ts(f32, 5, 3, 4)}, "tensor<float32>[7, 5, 2, 4]"},
		{"matmul", nil, []*ir.Schema{ts(f32, 5, 2, 3), ts(f32, 3)}, "tensor<float32>[5, 2]"},
		{"matmul", nil, []*ir.Schema{ts(f32, 2, 3), ts(f64, 3, 4)}, "error: expected m1 and m2 to have the same dtype"},
		{"matmul", nil, []*ir.Schema{ts(f32), ts(f32, 3)}, "error: both arguments to matmul need to be at least 1D"},
		{"matmul", nil, []*ir.Schema{ts(f32, D, 3), ts(f32, 3, 4)}, "tensor<float32>[?, 4]"},
		{"sum", ir.Attrs{"dims": []any{1.0}, "keepdim": true}, []*ir.Schema{ts(f32, 2, 3)}, "tensor<float32>[2, 1]"},
		{"sum", ir.Attrs{"dims": nil}, []*ir.Schema{ts(b, 2, 3)}, "tensor<int64>[]"},
		{"sum", ir.Attrs{"dims": []any{-1.0, 0.0}}, []*ir.Schema{ts(f64, 2, 3, 4)}, "tensor<float64>[3]"},
		{"sum", ir.Attrs{"dims": []any{3.0}}, []*ir.Schema{ts(f64, 2, 3, 4)}, "error: Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
		{"mean", ir.Attrs{"dims": nil}, []*ir.Schema{ts(i64, 2)}, "error: mean(): could not infer output dtype"},
		{"max", ir.Attrs{"dim": 0.0}, []*ir.Schema{ts(f32, 0, 3)}, "error: max(): Expected reduction dim 0 to have non-zero size."},
		{"max", ir.Attrs{"dim": nil}, []*ir.Schema{ts(f32, 0)}, "error: max(): Expected reduction dim to be specified"},
		{"argmax", ir.Attrs{"dim": 1.0, "keepdim": true}, []*ir.Schema{ts(f32, 2, 3)}, "tensor<int64>[2, 1]"},
		{"reshape", ir.Attrs{"shape": []any{-1.0, 2.0}}, []*ir.Schema{ts(f32, 2, 3)}, "tensor<float32>[3, 2]"},
		{"reshape", ir.Attrs{"shape": []any{2.0, 5.0}}, []*ir.Schema{ts(f32, 2, 3)}, "error: shape '[2, 5]' is invalid for input of size 6"},
		{"reshape", ir.Attrs{"shape": []any{-1.0, -1.0}}, []*ir.Schema{ts(f32, 6)}, "error: only one dimension can be inferred"},
		{"reshape", ir.Attrs{"shape": []any{-1.0, 0.0}}, []*ir.Schema{ts(f32, 0)}, "error: cannot reshape tensor of 0 elements"},
		{"reshape", ir.Attrs{"shape": []any{-1.0}}, []*ir.Schema{ts(f32, D, 3)}, "tensor<float32>[?]"},
		{"transpose", ir.Attrs{"dim0": 0.0, "dim1": -1.0}, []*ir.Schema{ts(f32, 2, 3, 4)}, "tensor<float32>[4, 3, 2]"},
		{"permute", ir.Attrs{"dims": []any{2.0, 0.0, 1.0}}, []*ir.Schema{ts(f32, 2, 3, 4)}, "tensor<float32>[4, 2, 3]"},
		{"permute", ir.Attrs{"dims": []any{0.0, 0.0}}, []*ir.Schema{ts(f32, 2, 3)}, "error: duplicate dims"},
		{"unsqueeze", ir.Attrs{"dim": -1.0}, []*ir.Schema{ts(f32, 2, 3)}, "tensor<float32>[2, 3, 1]"},
		{"squeeze", ir.Attrs{"dims": nil}, []*ir.Schema{ts(f32, 1, 3, 1)}, "tensor<float32>[3]"},
		{"squeeze", ir.Attrs{"dims": []any{1.0}}, []*ir.Schema{ts(f32, 1, 3, 1)}, "tensor<float32>[1, 3, 1]"},
		{"flatten", ir.Attrs{"start_dim": 1.0, "end_dim": -1.0}, []*ir.Schema{ts(f32, 2, 3, 4)}, "tensor<float32>[2, 12]"},
		{"add", nil, []*ir.Schema{{Fields: []ir.Field{{Name: "a", Type: ir.Int64}}}, ts(f32, 2)}, "error: add expects a tensor as input 0, got a frame"},
		{"to_tensor", nil, []*ir.Schema{{Fields: []ir.Field{{Name: "a", Type: ir.Int64}, {Name: "b", Type: ir.Float64}}}}, "tensor<float32>[?, 2]"},
		{"to_tensor", ir.Attrs{"dtype": "float64"}, []*ir.Schema{{Fields: []ir.Field{{Name: "a", Type: ir.Int64}}}}, "tensor<float64>[?, 1]"},
		{"to_tensor", nil, []*ir.Schema{{Fields: []ir.Field{{Name: "s", Type: ir.String}}}}, "error: can't convert column \"s\""},
		{"full", ir.Attrs{"shape": []any{2.0}, "value": "9223372036854775807", "dtype": "int64"}, nil, "tensor<int64>[2]"},
		{"full", ir.Attrs{"shape": []any{2.0}, "value": "x", "dtype": "float32"}, nil, "error: bad float32 value"},
		{"arange", ir.Attrs{"start": 0.0, "end": 1.0, "step": 0.3, "dtype": "float32"}, nil, "tensor<float32>[4]"},
		{"arange", ir.Attrs{"start": 0.0, "end": 5.0, "step": -1.0}, nil, "error: upper bound and larger bound inconsistent"},
	}
	for _, c := range cases {
		n := &ir.Node{Op: c.op, Attrs: c.attrs}
		if n.Attrs == nil {
			n.Attrs = ir.Attrs{}
		}
		s, err := ir.LookupOp(c.op).Infer(n, c.in)
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			got = s.String()
		}
		if strings.HasPrefix(c.want, "error: ") {
			if !strings.Contains(got, strings.TrimPrefix(c.want, "error: ")) {
				t.Errorf("%s%v: got %q, want %q", c.op, c.in, got, c.want)
			}
		} else if got != c.want {
			t.Errorf("%s%v: got %q, want %q", c.op, c.in, got, c.want)
		}
	}
}

func TestPromoteTable(t *testing.T) {
	order := []ir.DType{ir.Bool, ir.Int64, ir.Float32, ir.Float64}
	for i, a := range order {
		for j, b := range order {
			want := order[max(i, j)]
			if got := tensor.Promote(a, b); got != want {
				t.Errorf("Promote(%s, %s) = %s, want %s", a, b, got, want)
			}
		}
	}
}

func TestPrintTensorSchema(t *testing.T) {
	if got := ir.TensorSchema(ir.Float32, []int64{ir.DynDim, 3}).String(); got != "tensor<float32>[?, 3]" {
		t.Fatal(got)
	}
	if got := ir.TensorSchema(ir.Bool, nil).String(); got != "tensor<bool>[]" {
		t.Fatal(got)
	}
}
