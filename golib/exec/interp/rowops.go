package interp

import (
	"fmt"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

func init() {
	register("transpose_row", execTransposeRow)
	register("attach_row", execAttachRow)
}

func oneRow(op string, f *col.Frame) error {
	if f.N != 1 {
		return ir.Errorf("Internal", "%s: the row input has %d rows, want exactly 1", op, f.N)
	}
	return nil
}

// emptyCheck fails with attrs.empty_error when the reduced frame's row count
// (the size_col value) is 0 (see frame's transpose_row).
func emptyCheck(n *ir.Node, size *col.Column) error {
	if size.I64[0] == 0 {
		return &ir.Error{Kind: "NotImplemented", Msg: n.Attrs.Str("empty_error")}
	}
	return nil
}

// execTransposeRow turns the one row into a column labeled by column name.
func execTransposeRow(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
	src := in[0]
	if err := oneRow("transpose_row", src); err != nil {
		return nil, err
	}
	t := n.Schema.Fields[0].Type
	sizeCol := n.Attrs.Str("size_col")
	names := make([]string, 0, len(src.Names))
	parts := make([]*col.Column, 0, len(src.Cols))
	for i, x := range src.Cols {
		if src.Names[i] == sizeCol {
			if err := emptyCheck(n, x); err != nil {
				return nil, err
			}
			continue
		}
		y, err := cast(x, t, 1)
		if err != nil {
			return nil, fmt.Errorf("transpose_row: column %q: %w", src.Names[i], err)
		}
		names = append(names, src.Names[i])
		parts = append(parts, y)
	}
	labels := col.NewStrings(names, nil)
	vals := concatColumns(t, parts)
	return &col.Frame{Names: []string{frame.RowValueColumn}, Cols: []*col.Column{vals},
		Index: []*col.Column{labels}, IndexNames: []string{""}, N: len(parts)}, nil
}

// concatColumns stacks one-value columns of type t into one column.
func concatColumns(t ir.DType, parts []*col.Column) *col.Column {
	n := len(parts)
	out := &col.Column{Type: t, N: n}
	var valid []byte
	setNull := func(i int) {
		if valid == nil {
			valid = col.NewBitmap(n, true)
		}
		col.SetBit(valid, i, false)
	}
	switch t {
	case ir.Float64, ir.Float32:
		out.F64 = make([]float64, n)
		for i, p := range parts {
			out.F64[i] = p.F64[0]
		}
	case ir.Bool:
		out.B = make([]bool, n)
		for i, p := range parts {
			out.B[i] = p.B[0]
			if !p.IsValid(0) {
				setNull(i)
			}
		}
	case ir.String:
		b := col.NewStringBuilder(n)
		for _, p := range parts {
			if p.IsValid(0) {
				b.AppendBytes(p.StrBytes(0))
			} else {
				b.AppendNull()
			}
		}
		return b.Finish()
	default: // Int64, Int32, Datetime*
		out.I64 = make([]int64, n)
		for i, p := range parts {
			out.I64[i] = p.I64[0]
			if !p.IsValid(0) {
				setNull(i)
			}
		}
	}
	out.Valid = valid
	return out
}

// execAttachRow repeats the one row of in[1] on every row of in[0].
func execAttachRow(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
	src, row := in[0], in[1]
	if err := oneRow("attach_row", row); err != nil {
		return nil, err
	}
	names := n.Attrs.Strings("names")
	sizeCol := n.Attrs.Str("size_col")
	out := &col.Frame{Names: append(append([]string{}, src.Names...), names...), Index: src.Index,
		IndexNames: src.IndexNames, N: src.N}
	out.Cols = append([]*col.Column{}, src.Cols...)
	idx := make([]int, src.N) // all zeros: take row 0 N times
	for i, x := range row.Cols {
		if sizeCol != "" && row.Names[i] == sizeCol {
			if err := emptyCheck(n, x); err != nil {
				return nil, err
			}
			continue
		}
		out.Cols = append(out.Cols, x.Take(idx))
	}
	return out, nil
}
