package exec

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// TestToTensorMatchesInterpreter: the runtime's to_tensor gives the
// interpreter's tensor bit for bit (ints, floats with NaN, infinities and
// nulls, bools, into every tensor type; several morsels) and its error for
// an int column with nulls.
func TestToTensorMatchesInterpreter(t *testing.T) {
	smallMorsels(t)
	specs := [][]genSpec{
		{{name: "i", typ: ir.Int64}, {name: "f", typ: ir.Float64, nulls: true}, {name: "b", typ: ir.Bool}},
		{{name: "f", typ: ir.Float64}},
		{{name: "i", typ: ir.Int64}, {name: "n", typ: ir.Int64, nulls: true}},
	}
	for si, sp := range specs {
		for _, rows := range []int{0, 1, 63, 500} {
			f := genFrame(uint64(rows+si), rows, sp...)
			for _, dt := range []string{"float32", "float64", "int64", "bool"} {
				label := fmt.Sprintf("spec %d rows=%d %s", si, rows, dt)
				typ, _ := ir.ParseDType(dt)
				n := &ir.Node{Op: "to_tensor", Attrs: ir.Attrs{"dtype": dt}, Loc: "test.py:1", Inputs: []ir.NodeID{0},
					Schema: &ir.Schema{Tensor: &ir.TensorType{DType: typ, Shape: []int64{-1, int64(len(sp))}}}}
				ic := &interp.Ctx{Context: context.Background()}
				g, gerr := guarded(impls[n.Op], &Ctx{Ctx: ic}, n, []any{f})
				if gerr == ErrFallback {
					if si != 2 {
						t.Fatalf("%s: fell back", label)
					}
					g, gerr = interp.RunNode(ic, n, []any{f})
				}
				w, werr := interp.RunNode(ic, n, []any{f})
				if (gerr != nil) != (werr != nil) || (gerr != nil && gerr.Error() != werr.Error()) {
					t.Fatalf("%s: error %v, interpreter %v", label, gerr, werr)
				}
				if gerr != nil {
					continue
				}
				a, b := g.(*col.Tensor), w.(*col.Tensor)
				if fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) || a.DType != b.DType {
					t.Fatalf("%s: %v %v, interpreter %v %v", label, a.DType, a.Shape, b.DType, b.Shape)
				}
				for i := range b.F32 {
					if math.Float32bits(a.F32[i]) != math.Float32bits(b.F32[i]) {
						t.Fatalf("%s: element %d %v, interpreter %v", label, i, a.F32[i], b.F32[i])
					}
				}
				for i := range b.F64 {
					if math.Float64bits(a.F64[i]) != math.Float64bits(b.F64[i]) {
						t.Fatalf("%s: element %d %v, interpreter %v", label, i, a.F64[i], b.F64[i])
					}
				}
				if fmt.Sprint(a.I64) != fmt.Sprint(b.I64) || fmt.Sprint(a.B) != fmt.Sprint(b.B) {
					t.Fatalf("%s: %v %v, interpreter %v %v", label, a.I64, a.B, b.I64, b.B)
				}
			}
		}
	}
}

// BenchmarkToTensor: fuel (c)'s unfused to_tensor, 1M category codes into
// an int64 [rows, 1] tensor, on the runtime and on the interpreter.
func BenchmarkToTensor(b *testing.B) {
	const rows = 1_000_000
	v := make([]int64, rows)
	for i := range v {
		v[i] = int64(i % 3)
	}
	f := &col.Frame{N: rows, Names: []string{"c"}, Cols: []*col.Column{col.NewInt64(v)}}
	n := &ir.Node{Op: "to_tensor", Attrs: ir.Attrs{"dtype": "int64"}, Inputs: []ir.NodeID{0},
		Schema: &ir.Schema{Tensor: &ir.TensorType{DType: ir.Int64, Shape: []int64{-1, 1}}}}
	ic := &interp.Ctx{Context: context.Background()}
	b.Run("runtime", func(b *testing.B) {
		for range b.N {
			if _, err := runToTensor(&Ctx{Ctx: ic}, n, []any{f}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("interp", func(b *testing.B) {
		for range b.N {
			if _, err := interp.RunNode(ic, n, []any{f}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
