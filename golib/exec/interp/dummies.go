package interp

import (
	"sort"
	"strconv"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// get_dummies is pd.get_dummies(df, columns=..., prefix_sep=..., dtype=...,
// drop_first=...) as pandas 3.1.1 computes it:
//
//   - the encoded columns are those listed (in the list's order), or by
//     default every str column and every object column; of flern's types
//     the latter is a bool column holding nulls, which pandas stores as
//     object;
//   - the output is the other columns in their order, then for each encoded
//     column one column per distinct non-missing value, in ascending order,
//     named column + prefix_sep + str(value) (floats as Python's repr of the
//     float64 value, datetimes as str(Timestamp)); drop_first drops the
//     first of them;
//   - a missing value sets none of its column's dummies;
//   - dummies are bool by default, or dtype's type (0/1);
//   - the index is kept.
//
// attrs.schema_only returns the same columns with no rows.
func init() {
	register("get_dummies", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		return GetDummies(n, in[0], func(c *col.Column) ([]int, []int, *col.Column) {
			cats, codes := dummyCodes(c)
			return cats, codes, nil
		})
	})
}

// GetDummies runs a get_dummies node over src; codesOf computes a column's
// categories and row codes as dummyCodes does (the runtime passes a faster
// one for string columns, golib/exec/dummies.go), the categories as rows of
// labels (nil: of the column itself; the runtime's string lookups give
// their values).
func GetDummies(n *ir.Node, src *col.Frame, codesOf func(*col.Column) (cats []int, codes []int, labels *col.Column)) (*col.Frame, error) {
	sep := "_"
	if v, ok := n.Attrs["prefix_sep"].(string); ok {
		sep = v
	}
	dt := ir.Bool
	if s := n.Attrs.Str("dtype"); s != "" {
		t, err := ir.ParseDType(s)
		if err != nil || !(t == ir.Bool || t.IsInt() || t.IsFloat()) {
			return nil, ir.Errorf("Value", "dtype=%s is not a valid dtype for get_dummies", s)
		}
		dt = t
	}
	dropFirst := n.Attrs.Bool("drop_first", false)

	var encode []string
	if n.Attrs["columns"] != nil {
		seen := map[string]bool{}
		for _, name := range n.Attrs.Strings("columns") {
			if src.Col(name) == nil {
				return nil, ir.Errorf("ColumnNotFound", "None of [%s] are in the columns", quotePy(name))
			}
			if !seen[name] {
				seen[name] = true
				encode = append(encode, name)
			}
		}
	} else {
		for i, name := range src.Names {
			cl := src.Cols[i]
			if cl.Type == ir.String || (cl.Type == ir.Bool && cl.HasNulls()) {
				encode = append(encode, name)
			}
		}
	}
	isEnc := map[string]bool{}
	for _, name := range encode {
		isEnc[name] = true
	}
	// schema_only (the front end's probe for the indicator columns, see
	// python/flern/frame.py _pin_dummies): the same columns with no rows,
	// without building the indicators.
	schemaOnly := n.Attrs.Bool("schema_only", false)
	rows := func(c *col.Column) *col.Column {
		if schemaOnly {
			return c.Slice(0, 0)
		}
		return c
	}
	out := &col.Frame{N: src.N, Index: src.Index, IndexNames: src.IndexNames}
	if schemaOnly {
		out.N, out.Index = 0, nil
		for _, ix := range src.Index {
			out.Index = append(out.Index, rows(ix))
		}
	}
	for i, name := range src.Names {
		if !isEnc[name] {
			out.Names = append(out.Names, name)
			out.Cols = append(out.Cols, rows(src.Cols[i]))
		}
	}
	prefix, _ := n.Attrs["prefix"].(map[string]any)
	for _, name := range encode {
		cl := src.Col(name)
		cats, codes, labels := codesOf(cl)
		if labels == nil {
			labels = cl
		}
		first := 0
		if dropFirst {
			first = 1
		}
		pre := name
		if p, ok := prefix[name].(string); ok {
			pre = p
		}
		for k := first; k < len(cats); k++ {
			out.Names = append(out.Names, pre+sep+dummyLabel(labels, cats[k]))
			if schemaOnly {
				out.Cols = append(out.Cols, dummyColumn(nil, k, dt))
			} else {
				out.Cols = append(out.Cols, dummyColumn(codes, k, dt))
			}
		}
	}
	if n.Schema != nil && !n.Schema.Dynamic && !sameNames(out.Names, n.Schema.Fields) {
		return nil, ir.Errorf("Value", "get_dummies: the data's categories changed after the plan was recorded: "+
			"columns are %s, the plan expected %d columns", quotePyList(out.Names), len(n.Schema.Fields))
	}
	return out, nil
}

// DummyCodes is the interpreter's dummyCodes (for the runtime's fallback
// and tests).
func DummyCodes(c *col.Column) (cats []int, codes []int) { return dummyCodes(c) }

// SortDummyCats orders cats (rows of c holding distinct values) as
// get_dummies orders its columns: ascending by value.
func SortDummyCats(c *col.Column, cats []int) {
	cmp := sortKeyCmp(c, true, false, false)
	sort.SliceStable(cats, func(a, b int) bool { return cmp(cats[a], cats[b]) < 0 })
}

// dummyCodes returns the rows holding c's distinct non-missing values
// (first occurrences) sorted ascending, and each row's position in that
// list (-1 for missing).
func dummyCodes(c *col.Column) (cats []int, codes []int) {
	pos := map[string]int{}
	codes = make([]int, c.N)
	var buf []byte
	for i := 0; i < c.N; i++ {
		if c.IsNA(i) {
			continue
		}
		buf = appendKey(buf[:0], c, i, c.Type.IsFloat())
		if _, ok := pos[string(buf)]; !ok {
			pos[string(buf)] = len(cats)
			cats = append(cats, i)
		}
	}
	cmp := sortKeyCmp(c, true, false, false)
	sort.SliceStable(cats, func(a, b int) bool { return cmp(cats[a], cats[b]) < 0 })
	for k, i := range cats {
		buf = appendKey(buf[:0], c, i, c.Type.IsFloat())
		pos[string(buf)] = k
	}
	for i := 0; i < c.N; i++ {
		if c.IsNA(i) {
			codes[i] = -1
			continue
		}
		buf = appendKey(buf[:0], c, i, c.Type.IsFloat())
		codes[i] = pos[string(buf)]
	}
	return cats, codes
}

// dummyLabel is str() of row i's value, as pandas names a dummy column.
func dummyLabel(c *col.Column, i int) string {
	switch {
	case c.Type == ir.String:
		return c.Str(i)
	case c.Type.IsInt():
		return strconv.FormatInt(c.I64[i], 10)
	case c.Type.IsFloat():
		return PyFloatRepr(c.F64[i], false)
	case c.Type == ir.Bool:
		if c.B[i] {
			return "True"
		}
		return "False"
	case c.Type.IsDatetime():
		return pyTimestampStr(c.I64[i], c.Type)
	}
	return "?"
}

// dummyColumn is the indicator of code k as a column of type t.
func dummyColumn(codes []int, k int, t ir.DType) *col.Column {
	n := len(codes)
	switch {
	case t.IsInt():
		v := make([]int64, n)
		for i, c := range codes {
			if c == k {
				v[i] = 1
			}
		}
		return &col.Column{Type: t, N: n, I64: v}
	case t.IsFloat():
		v := make([]float64, n)
		for i, c := range codes {
			if c == k {
				v[i] = 1
			}
		}
		return &col.Column{Type: t, N: n, F64: v}
	}
	v := make([]bool, n)
	for i, c := range codes {
		v[i] = c == k
	}
	return col.NewBool(v)
}

// sameNames reports whether names are exactly the fields' names, in order.
func sameNames(names []string, fields []ir.Field) bool {
	if len(names) != len(fields) {
		return false
	}
	for i, f := range fields {
		if f.Name != names[i] {
			return false
		}
	}
	return true
}

func quotePyList(names []string) string {
	out := "["
	for i, s := range names {
		if i > 0 {
			out += ", "
		}
		out += quotePy(s)
	}
	return out + "]"
}
