package tensor_test

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
)

// TestInferIndexConvRandom covers the rules of index.go, conv.go and
// random.go; want is the printed type or "error: <substring>".
func TestInferIndexConvRandom(t *testing.T) {
	f32, f64, i64, b := ir.Float32, ir.Float64, ir.Int64, ir.Bool
	D := ir.DynDim
	seed := ts(i64)
	cases := []struct {
		op    string
		attrs ir.Attrs
		in    []*ir.Schema
		want  string
	}{
		{"tensor_slice", ir.Attrs{"dim": 1.0, "start": 1.0, "end": nil, "step": 2.0}, []*ir.Schema{ts(f32, 2, 5)}, "tensor<float32>[2, 2]"},
		{"tensor_slice", ir.Attrs{"dim": 0.0, "start": -100.0, "end": 100.0}, []*ir.Schema{ts(f32, 3)}, "tensor<float32>[3]"},
		{"tensor_slice", ir.Attrs{"dim": 0.0, "start": 3.0, "end": 1.0}, []*ir.Schema{ts(f32, 5)}, "tensor<float32>[0]"},
		{"tensor_slice", ir.Attrs{"dim": 0.0, "start": 1.0}, []*ir.Schema{ts(f32, D, 2)}, "tensor<float32>[?, 2]"},
		{"tensor_slice", ir.Attrs{"dim": 0.0, "step": 0.0}, []*ir.Schema{ts(f32, 5)}, "error: step must be greater than zero"},
		{"tensor_slice", ir.Attrs{"dim": 2.0}, []*ir.Schema{ts(f32, 5)}, "error: Dimension out of range"},
		{"tensor_slice", nil, []*ir.Schema{ts(f32)}, "error: cannot be applied to a 0-dim tensor"},
		{"tensor_select", ir.Attrs{"dim": -1.0, "index": -3.0}, []*ir.Schema{ts(i64, 2, 3)}, "tensor<int64>[2]"},
		{"tensor_select", ir.Attrs{"dim": 0.0, "index": 2.0}, []*ir.Schema{ts(f32, 2, 3)}, "error: index 2 is out of bounds for dimension 0 with size 2"},
		{"index_select", ir.Attrs{"dim": 1.0}, []*ir.Schema{ts(f32, 2, 3), ts(i64, 5)}, "tensor<float32>[2, 5]"},
		{"index_select", ir.Attrs{"dim": 0.0}, []*ir.Schema{ts(f32, 2, 3), ts(f32, 5)}, "error: Expected dtype int64 for index"},
		{"index_select", ir.Attrs{"dim": 0.0}, []*ir.Schema{ts(f32, 2, 3), ts(i64, 5, 1)}, "error: Index is supposed to be a vector"},
		{"gather", ir.Attrs{"dim": 1.0}, []*ir.Schema{ts(f64, 3, 4), ts(i64, 2, 7)}, "tensor<float64>[2, 7]"},
		{"gather", ir.Attrs{"dim": 1.0}, []*ir.Schema{ts(f64, 3, 4), ts(i64, 4, 1)}, "error: Size does not match at dimension 0"},
		{"gather", ir.Attrs{"dim": 0.0}, []*ir.Schema{ts(f64, 3, 4), ts(i64, 4)}, "error: Index tensor must have the same number of dimensions"},
		{"scatter_add", ir.Attrs{"dim": 1.0}, []*ir.Schema{ts(f32, 2, 2), ts(i64, 2, 2), ts(f32, 2, 5)}, "tensor<float32>[2, 5]"},
		{"mask_select", nil, []*ir.Schema{ts(f32, 4, 3), ts(b, 4)}, "tensor<float32>[?, 3]"},
		{"mask_select", nil, []*ir.Schema{ts(f32, 4, 3), ts(b, 4, 3)}, "tensor<float32>[?]"},
		{"mask_select", nil, []*ir.Schema{ts(f32, 4, 3), ts(b, 3)}, "error: The shape of the mask [3] at index 0 does not match"},
		{"mask_select", nil, []*ir.Schema{ts(f32, 4, 3), ts(i64, 4)}, "error: tensors used as indices must be long"},
		{"cat", ir.Attrs{"dim": -1.0}, []*ir.Schema{ts(f32, 2, 3), ts(i64, 2, 1), ts(f64, 2, 0)}, "tensor<float64>[2, 4]"},
		{"cat", ir.Attrs{"dim": 0.0}, []*ir.Schema{ts(f32, D, 3), ts(f32, 2, 3)}, "tensor<float32>[?, 3]"},
		{"cat", ir.Attrs{"dim": 0.0}, []*ir.Schema{ts(f32, 2, 3), ts(f32, 2, 4)}, "error: Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1"},
		{"cat", ir.Attrs{"dim": 0.0}, []*ir.Schema{ts(f32, 2, 3), ts(f32, 3)}, "error: Tensors must have same number of dimensions: got 2 and 1"},
		{"cat", ir.Attrs{"dim": 0.0}, []*ir.Schema{ts(f32)}, "error: zero-dimensional tensor (at position 0) cannot be concatenated"},
		{"im2col", ir.Attrs{"kernel": []any{3.0, 3.0}, "padding": []any{1.0, 1.0}}, []*ir.Schema{ts(f32, 2, 3, 5, 5)}, "tensor<float32>[2, 27, 25]"},
		{"im2col", ir.Attrs{"kernel": []any{2.0, 3.0}, "stride": []any{2.0, 1.0}, "dilation": []any{2.0, 1.0}}, []*ir.Schema{ts(f32, D, 1, 7, 6)}, "tensor<float32>[?, 6, 12]"},
		{"im2col", ir.Attrs{"kernel": []any{3.0, 3.0}}, []*ir.Schema{ts(f32, 1, 1, 2, 2)}, "error: Kernel size can't be greater than actual input size"},
		{"im2col", ir.Attrs{"kernel": []any{3.0, 3.0}}, []*ir.Schema{ts(f32, 2, 2)}, "error: Expected 4D (batched) input"},
		{"im2col", ir.Attrs{"kernel": []any{3.0, 3.0}, "stride": []any{0.0, 1.0}}, []*ir.Schema{ts(f32, 1, 1, 5, 5)}, "error: must be positive"},
		{"col2im", ir.Attrs{"kernel": []any{2.0, 2.0}}, []*ir.Schema{ts(f32, 1, 4, 4), ts(f32, 1, 1, 3, 3)}, "tensor<float32>[1, 1, 3, 3]"},
		{"col2im", ir.Attrs{"kernel": []any{2.0, 2.0}}, []*ir.Schema{ts(f32, 1, 4, 5), ts(f32, 1, 1, 3, 3)}, "error: col2im: input shape"},
		{"rand", ir.Attrs{"shape": []any{2.0, 3.0}}, []*ir.Schema{seed}, "tensor<float32>[2, 3]"},
		{"randn", ir.Attrs{"shape": []any{2.0}, "dtype": "float64"}, []*ir.Schema{seed}, "tensor<float64>[2]"},
		{"randn", ir.Attrs{"shape": []any{2.0}, "dtype": "int64"}, []*ir.Schema{seed}, "error: \"randn\" not implemented for 'Long'"},
		{"rand", ir.Attrs{"shape": []any{2.0}}, []*ir.Schema{ts(f32)}, "error: the seed input must be a 0-dim int64 tensor"},
		{"rand_like", nil, []*ir.Schema{ts(f64, D, 3), seed}, "tensor<float64>[?, 3]"},
		{"rand_like", nil, []*ir.Schema{ts(i64, 3), seed}, "error: not implemented for 'Long'"},
		{"randperm", ir.Attrs{"n": 5.0}, []*ir.Schema{seed}, "tensor<int64>[5]"},
		{"randperm", ir.Attrs{"n": 5.0, "dtype": "bool"}, []*ir.Schema{seed}, "error: not implemented for 'Bool'"},
		{"erf", nil, []*ir.Schema{ts(i64, 2)}, "tensor<float32>[2]"},
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
				t.Errorf("%s%v %v: got %q, want %q", c.op, c.in, c.attrs, got, c.want)
			}
		} else if got != c.want {
			t.Errorf("%s%v %v: got %q, want %q", c.op, c.in, c.attrs, got, c.want)
		}
	}
}

func TestCatIsVariadic(t *testing.T) {
	g := &ir.Graph{}
	src := g.Add(&ir.Node{Op: "full", Attrs: ir.Attrs{"shape": []any{2.0}, "value": "1", "dtype": "float32"}})
	g.Outputs = []ir.NodeID{g.Add(&ir.Node{Op: "cat", Inputs: []ir.NodeID{src, src, src}, Attrs: ir.Attrs{"dim": 0.0}})}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	if got := g.Node(g.Outputs[0]).Schema.String(); got != "tensor<float32>[6]" {
		t.Fatal(got)
	}
	g.Outputs = []ir.NodeID{g.Add(&ir.Node{Op: "cat", Attrs: ir.Attrs{"dim": 0.0}})}
	if err := g.Verify(); err == nil {
		t.Fatal("cat without inputs verified")
	}
}
