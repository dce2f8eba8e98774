package onehotembed_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame" // frame op schemas, expression typing
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/onehotembed"
	"github.com/flern/flern/golib/opt/opttest"
	_ "github.com/flern/flern/golib/tensor" // tensor op schemas
)

type gb struct{ g *ir.Graph }

func (b *gb) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}

func strs(v ...string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

// input: x float64, o str (nullable), c str.
func input() *col.Frame {
	valid := col.NewBitmap(6, true)
	col.SetBit(valid, 4, false)
	return &col.Frame{N: 6, Names: []string{"x", "o", "c"}, Cols: []*col.Column{
		col.NewFloat64([]float64{1, -2, 3.5, 0, 7, math.NaN()}),
		col.NewStrings([]string{"USA", "Japan", "Europe", "USA", "", "Japan"}, valid),
		col.NewStrings([]string{"r", "b", "b", "r", "r", "b"}, nil),
	}}
}

func (b *gb) graph(dummyAttrs ir.Attrs, cols []string, k int, second ir.NodeID) {
	src := b.add("source", ir.Attrs{"input": 0.0, "fields": []any{
		map[string]any{"name": "x", "type": "float64", "nullable": false},
		map[string]any{"name": "o", "type": "str", "nullable": true},
		map[string]any{"name": "c", "type": "str", "nullable": false}}})
	gd := b.add("get_dummies", dummyAttrs, src)
	exprs := make([]ir.NamedExpr, len(cols))
	for i, c := range cols {
		exprs[i] = ir.NamedExpr{Name: c, Expr: ir.Col(c)}
	}
	tt := b.add("to_tensor", ir.Attrs{"dtype": "float32"}, b.add("project", ir.Attrs{"exprs": exprs}, gd))
	w := b.add("source_tensor", ir.Attrs{"input": 1.0, "dtype": "float32", "shape": []any{3.0, float64(k)}})
	mm := b.add("matmul", nil, tt, b.add("transpose", ir.Attrs{"dim0": 0.0, "dim1": 1.0}, w))
	b.g.Outputs = []ir.NodeID{mm}
	if second >= 0 {
		b.g.Outputs = append(b.g.Outputs, tt)
	}
}

func TestOnehotEmbed(t *testing.T) {
	base := ir.Attrs{"columns": strs("o", "c"), "prefix_sep": "_", "dtype": "float64", "drop_first": false,
		"dummies": strs("o_Europe", "o_Japan", "o_USA", "c_b", "c_r")}
	dropFirst := base.Clone()
	dropFirst["drop_first"] = true
	dropFirst["dummies"] = strs("o_Japan", "o_USA", "c_r")
	cases := []struct {
		name  string
		attrs ir.Attrs
		cols  []string
		extra ir.NodeID // >= 0: the tensor is also a plan output (not rewritten)
		embed bool
	}{
		{"numeric and two blocks, shuffled", base, []string{"o_USA", "x", "c_r", "o_Europe", "c_b", "o_Japan"}, -1, true},
		{"only dummies", base, []string{"c_b", "o_Japan"}, -1, true},
		{"drop_first", dropFirst, []string{"x", "o_Japan", "o_USA", "c_r"}, -1, true},
		{"no dummies read", base, []string{"x"}, -1, false},
		{"tensor read elsewhere", base, []string{"x", "o_USA"}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &gb{g: &ir.Graph{}}
			b.graph(tc.attrs, tc.cols, len(tc.cols), tc.extra)
			if err := b.g.Verify(); err != nil {
				t.Fatal(err)
			}
			w := col.NewTensor(ir.Float32, []int{3, len(tc.cols)})
			for i := range w.F32 {
				w.F32[i] = float32(i%7) - 2.5
			}
			in := []any{input(), w}
			want, err := interp.RunAny(context.Background(), b.g, in)
			if err != nil {
				t.Fatal(err)
			}
			changed, plan := opttest.Apply(t, b.g, onehotembed.Run)
			if changed != tc.embed || strings.Contains(plan, `embedded="onehot_embed"`) != tc.embed {
				t.Fatalf("changed=%v, want %v:\n%s", changed, tc.embed, plan)
			}
			if tc.embed && strings.Contains(plan, "get_dummies") {
				t.Fatalf("get_dummies still runs:\n%s", plan)
			}
			got, err := interp.RunAny(context.Background(), b.g, in)
			if err != nil {
				t.Fatal(err)
			}
			a, e := got[0].(*col.Tensor), want[0].(*col.Tensor)
			for i := range e.F32 {
				if !(math.Abs(float64(a.F32[i]-e.F32[i])) <= 1e-5 || (math.IsNaN(float64(a.F32[i])) && math.IsNaN(float64(e.F32[i])))) {
					t.Fatalf("element %d: %v rewritten, %v before\n%s", i, a.F32[i], e.F32[i], plan)
				}
			}
		})
	}
}

// TestCategoryCodeMatchesWhereChain: the code expression (category_code, a
// dictionary lookup) equals the where chain over equalities it replaced, on
// str data with nulls, the empty string, unicode, values outside the
// categories and categories absent from the data.
func TestCategoryCodeMatchesWhereChain(t *testing.T) {
	vals := []string{"USA", "Japan", "", "Europe", "Zürich", "東京", "usa", "USA ", "Japan"}
	n := 4 * len(vals)
	data := make([]string, n)
	valid := col.NewBitmap(n, true)
	for i := range data {
		data[i] = vals[(i*5)%len(vals)]
		if i%7 == 3 {
			col.SetBit(valid, i, false)
		}
	}
	f := &col.Frame{N: n, Names: []string{"o"}, Cols: []*col.Column{col.NewStrings(data, valid)}}
	for _, cats := range [][]string{{"Europe", "Japan", "USA"}, {"", "東京", "Zürich"}, {"absent"}, {}, {"USA", "USA"}} {
		args := []*ir.Expr{ir.Col("o")}
		chain := ir.LitInt(int64(len(cats)))
		for k := len(cats) - 1; k >= 0; k-- {
			args = append(args, nil)
			eq := ir.Call("fillna", ir.Call("eq", ir.Col("o"), ir.LitString(cats[k])), ir.LitBool(false))
			chain = ir.Call("where", eq, ir.LitInt(int64(k)), chain)
		}
		for k, c := range cats {
			args[1+k] = ir.LitString(c)
		}
		code := ir.Call("category_code", args...)
		var got, want *col.Column
		for _, e := range []*ir.Expr{code, chain} {
			if err := frameTypeExpr(e, f); err != nil {
				t.Fatal(err)
			}
			c, err := interp.Eval(e, f)
			if err != nil {
				t.Fatal(err)
			}
			if e == code {
				got = c
			} else {
				want = c
			}
		}
		if got.Type != ir.Int64 || got.Valid != nil {
			t.Fatalf("cats %q: category_code is %s (nullable %v)", cats, got.Type, got.Valid != nil)
		}
		for i := 0; i < n; i++ {
			w := want.I64[i]
			if want.Type.IsFloat() {
				w = int64(want.F64[i])
			}
			if got.I64[i] != w {
				t.Fatalf("cats %q row %d (%q, valid %v): code %d, where chain %d", cats, i, data[i], f.Cols[0].IsValid(i), got.I64[i], w)
			}
		}
	}
	bad := ir.Call("category_code", ir.Col("o"), ir.Col("o"))
	if err := frameTypeExpr(bad, f); err == nil {
		t.Fatal("a non-literal category was accepted")
	}
}

func frameTypeExpr(e *ir.Expr, f *col.Frame) error {
	return frame.TypeExpr(e, interp.FrameSchema(f))
}
