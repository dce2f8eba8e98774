package interp

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

type fzCol struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Values []any  `json:"values"`
}
type fzFrame struct {
	Cols  []fzCol `json:"cols"`
	Index []fzCol `json:"index"`
	Whole bool    `json:"whole"`
}
type fzCase struct {
	Op     string         `json:"op"`
	Input  fzFrame        `json:"input"`
	Attrs  map[string]any `json:"attrs"`
	Expect *fzFrame       `json:"expect"`
	Error  string         `json:"error"`
}

func fzBuild(c fzCol) (*col.Column, ir.DType) {
	t, _ := ir.ParseDType(c.Type)
	n := len(c.Values)
	valid := col.NewBitmap(n, true)
	hasNull := false
	out := &col.Column{Type: t, N: n}
	var strs []string
	for i, v := range c.Values {
		if v == nil {
			hasNull = true
			col.SetBit(valid, i, false)
		}
		switch t {
		case ir.Int64, ir.Int32, ir.DatetimeUS:
			var x int64
			if v != nil {
				x, _ = strconv.ParseInt(v.(string), 10, 64)
			}
			out.I64 = append(out.I64, x)
		case ir.Float64, ir.Float32:
			var x int64
			if v != nil {
				x, _ = strconv.ParseInt(v.(string), 10, 64)
			}
			out.F64 = append(out.F64, math.Float64frombits(uint64(x)))
		case ir.Bool:
			b, _ := v.(bool)
			out.B = append(out.B, b)
		case ir.String:
			s, _ := v.(string)
			strs = append(strs, s)
		}
	}
	if t == ir.String {
		var vb []byte
		if hasNull {
			vb = valid
		}
		return col.NewStrings(strs, vb), t
	}
	if t == ir.Null {
		out.Valid = valid
		return out, t
	}
	if hasNull {
		out.Valid = valid
	}
	return out, t
}

func fzCompareCol(exp fzCol, got *col.Column) string {
	if got.N != len(exp.Values) {
		return fmt.Sprintf("len %d want %d", got.N, len(exp.Values))
	}
	for i, v := range exp.Values {
		switch exp.Type {
		case "null":
			if !got.IsNA(i) {
				return fmt.Sprintf("row %d: want NA", i)
			}
		case "float64", "float32":
			x, _ := strconv.ParseInt(v.(string), 10, 64)
			f := math.Float64frombits(uint64(x))
			if !got.Type.IsFloat() && math.IsNaN(f) && got.IsNA(i) {
				continue // pandas makes an all-None object column float
			}
			if !got.Type.IsFloat() {
				return fmt.Sprintf("row %d: got type %s want float", i, got.Type)
			}
			g := got.F64[i]
			if !got.IsValid(i) {
				g = math.NaN()
			}
			if math.IsNaN(f) && math.IsNaN(g) {
				continue
			}
			if math.Float64bits(f) != math.Float64bits(g) {
				if f == g {
					return fmt.Sprintf("ZERO row %d: got %v want %v", i, g, f)
				}
				return fmt.Sprintf("row %d: got %v want %v (rel %g)", i, g, f, math.Abs(g-f)/math.Abs(f))
			}
		case "int64", "int32", "datetime64[us]":
			if v == nil {
				if got.IsValid(i) {
					return fmt.Sprintf("row %d: want null", i)
				}
				continue
			}
			x, _ := strconv.ParseInt(v.(string), 10, 64)
			if got.I64 == nil || !got.IsValid(i) || got.I64[i] != x {
				return fmt.Sprintf("row %d: got %v want %d (type %s)", i, fzVal(got, i), x, got.Type)
			}
		case "bool":
			if v == nil {
				if got.IsValid(i) {
					return fmt.Sprintf("row %d: want null", i)
				}
				continue
			}
			if got.B == nil || !got.IsValid(i) || got.B[i] != v.(bool) {
				return fmt.Sprintf("row %d: got %v want %v", i, fzVal(got, i), v)
			}
		case "str":
			if v == nil {
				if got.IsValid(i) {
					return fmt.Sprintf("row %d: want null got %q", i, got.Str(i))
				}
				continue
			}
			if got.Type != ir.String || !got.IsValid(i) || got.Str(i) != v.(string) {
				return fmt.Sprintf("row %d: got %v want %q", i, fzVal(got, i), v)
			}
		}
	}
	return ""
}

func fzVal(c *col.Column, i int) any {
	if !c.IsValid(i) {
		return "<null>"
	}
	switch {
	case c.Type == ir.String:
		return c.Str(i)
	case c.Type.IsFloat():
		return c.F64[i]
	case c.Type == ir.Bool:
		return c.B[i]
	}
	return c.I64[i]
}

func TestPandasFuzz(t *testing.T) {
	path := os.Getenv("FZ_CASES")
	if path == "" {
		t.Skip()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []fzCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	typeMis := map[string]int{}
	fails := 0
	for ci, cs := range cases {
		in := &col.Frame{}
		sch := &ir.Schema{}
		for _, c := range cs.Input.Cols {
			cl, tp := fzBuild(c)
			in.Names = append(in.Names, c.Name)
			in.Cols = append(in.Cols, cl)
			in.N = cl.N
			sch.Fields = append(sch.Fields, ir.Field{Name: c.Name, Type: tp, Nullable: cl.Valid != nil})
		}
		n := &ir.Node{Op: cs.Op, Attrs: ir.Attrs(cs.Attrs)}
		s, err := ir.LookupOp(cs.Op).Infer(n, []*ir.Schema{sch})
		desc := func() string { b, _ := json.Marshal(cs.Attrs); return fmt.Sprintf("case %d %s %s", ci, cs.Op, b) }
		if cs.Error != "" {
			if err == nil {
				t.Logf("%s: pandas error %s, infer ok", desc(), cs.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: infer: %v", desc(), err)
			fails++
			continue
		}
		n.Schema = s
		out, err := impls[cs.Op](nil, n, []*col.Frame{in})
		if err != nil {
			t.Errorf("%s: %v", desc(), err)
			fails++
			continue
		}
		if err := out.Validate(); err != nil {
			t.Errorf("%s: invalid: %v", desc(), err)
		}
		exp := cs.Expect
		if len(exp.Cols) != len(out.Cols) {
			t.Errorf("%s: %d cols want %d", desc(), len(out.Cols), len(exp.Cols))
			fails++
			continue
		}
		for i, ec := range exp.Cols {
			if out.Names[i] != ec.Name {
				t.Errorf("%s: col %d named %q want %q", desc(), i, out.Names[i], ec.Name)
			}
			if !s.Dynamic && i < len(s.Fields) && ec.Type != "null" && s.Fields[i].Type.String() != ec.Type && !exp.Whole {
				typeMis[fmt.Sprintf("%s %v: schema %s pandas %s", cs.Op, cs.Attrs["aggs"], s.Fields[i].Type, ec.Type)]++
			}
			if ec.Type == "float64" && out.Cols[i].Type == ir.Float32 {
				// pandas keeps float64 where flern's schema says float32: compare rounded
				for j, v := range ec.Values {
					x, _ := strconv.ParseInt(v.(string), 10, 64)
					f := float64(float32(math.Float64frombits(uint64(x))))
					ec.Values[j] = strconv.FormatInt(int64(math.Float64bits(f)), 10)
				}
			}
			if m := fzCompareCol(ec, out.Cols[i]); m != "" {
				t.Errorf("%s: col %s: %s", desc(), ec.Name, m)
				fails++
			}
		}
		if len(exp.Index) == 0 {
			if out.Index != nil && cs.Op != "dropna" {
				t.Errorf("%s: want RangeIndex", desc())
			}
		} else {
			if len(out.Index) != len(exp.Index) {
				t.Errorf("%s: %d index levels want %d", desc(), len(out.Index), len(exp.Index))
				continue
			}
			for i, ec := range exp.Index {
				if out.IndexNames[i] != ec.Name {
					t.Errorf("%s: index %d named %q want %q", desc(), i, out.IndexNames[i], ec.Name)
				}
				if m := fzCompareCol(ec, out.Index[i]); m != "" {
					t.Errorf("%s: index %s: %s", desc(), ec.Name, m)
					fails++
				}
			}
		}
		if fails > 40 {
			t.Fatal("too many failures")
		}
	}
	for k, v := range typeMis {
		if len(k) < 300 {
			t.Logf("type mismatch x%d: %s", v, k)
		}
	}
}
