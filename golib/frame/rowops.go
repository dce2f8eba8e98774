package frame

import (
	"fmt"

	"github.com/flern/flern/golib/ir"
)

// Row ops carry DataFrame-wide reductions and the broadcasting of their
// results: df.mean() is a one-row groupby_agg (no keys) turned into a Series
// labeled by column name (transpose_row); df - df.mean() broadcasts that row
// over every row of df (attach_row) and subtracts column by column.

// RowValueColumn is the column name of transpose_row's single column.
const RowValueColumn = "__value__"

func init() {
	// transpose_row: a frame of exactly one row -> a Series-shaped frame whose
	// unnamed str index holds the input's column names and whose one column
	// __value__ holds the row's values at their common dtype (CommonDType).
	// With attrs.size_col, that column (the reduced frame's row count) is not
	// a label: when it is 0 the run fails with attrs.empty_error (pandas'
	// min/max of an empty int column is a float NaN, a dtype flern cannot
	// know before running).
	reg("transpose_row", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if in[0].Dynamic {
			return nil, fmt.Errorf("transpose_row of a frame whose columns are only known at run time is not supported")
		}
		sizeCol := n.Attrs.Str("size_col")
		if sizeCol != "" && in[0].Lookup(sizeCol) < 0 {
			return nil, notFound(sizeCol, in[0])
		}
		types := make([]ir.DType, 0, len(in[0].Fields))
		nullable := false
		for _, f := range in[0].Fields {
			if f.Name == sizeCol {
				continue
			}
			types = append(types, f.Type)
			nullable = nullable || f.Nullable
		}
		t, err := CommonDType(types)
		if err != nil {
			return nil, err
		}
		if t == ir.Float64 || t == ir.Float32 || t == ir.Int64 || t == ir.Int32 {
			nullable = false // NaN encodes missing floats; ints are never null
		}
		return &ir.Schema{Index: []ir.Field{{Name: "", Type: ir.String}},
			Fields: []ir.Field{{Name: RowValueColumn, Type: t, Nullable: nullable}}}, nil
	})
	// attach_row: [frame, one-row frame] -> the frame's columns followed by the
	// row's columns renamed to attrs.names, the row repeated on every row of
	// the frame; the frame's index is kept. Fails at run time unless the
	// second input has exactly one row. attrs.size_col / empty_error as in
	// transpose_row (the size column is checked, not attached).
	reg("attach_row", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if in[0].Dynamic || in[1].Dynamic {
			return nil, fmt.Errorf("attach_row of a frame whose columns are only known at run time is not supported")
		}
		rowFields := attachedFields(n, in[1])
		names := n.Attrs.Strings("names")
		if len(names) != len(rowFields) {
			return nil, fmt.Errorf("attach_row: %d names for %d row columns", len(names), len(rowFields))
		}
		out := in[0].Clone()
		seen := map[string]bool{}
		for _, f := range out.Fields {
			seen[f.Name] = true
		}
		for i, f := range rowFields {
			if seen[names[i]] {
				return nil, fmt.Errorf("attach_row: column %q already exists", names[i])
			}
			seen[names[i]] = true
			out.Fields = append(out.Fields, ir.Field{Name: names[i], Type: f.Type, Nullable: f.Nullable})
		}
		return out, nil
	})
}

// attachedFields are the row's fields attach_row attaches (all but size_col).
func attachedFields(n *ir.Node, row *ir.Schema) []ir.Field {
	sizeCol := n.Attrs.Str("size_col")
	out := make([]ir.Field, 0, len(row.Fields))
	for _, f := range row.Fields {
		if f.Name != sizeCol || sizeCol == "" {
			out = append(out, f)
		}
	}
	return out
}

// CommonDType is the dtype pandas gives a Series built from values of the
// given column dtypes (find_common_type over numpy dtypes): equal dtypes keep
// theirs; int32 with int64 gives int64; a float with any other numeric dtype
// gives float64 (numpy: result_type(int32, float32) is float64). Mixing bool,
// str or datetimes with other kinds gives pandas' object dtype, which flern
// does not hold: an error. No columns gives float64 (pandas' empty reduction).
func CommonDType(types []ir.DType) (ir.DType, error) {
	if len(types) == 0 {
		return ir.Float64, nil
	}
	t := types[0]
	for _, u := range types[1:] {
		if u == t {
			continue
		}
		switch {
		case isIntOrFloat(t) && isIntOrFloat(u):
			if isFloat(t) || isFloat(u) {
				t = ir.Float64
			} else {
				t = ir.Int64
			}
		default:
			return 0, &ir.Error{Kind: "NotImplemented", Msg: fmt.Sprintf("a Series of %s and %s values (pandas makes an object Series) is not supported by flern (yet)", t, u)}
		}
	}
	return t, nil
}

func isFloat(t ir.DType) bool { return t == ir.Float64 || t == ir.Float32 }

func isIntOrFloat(t ir.DType) bool {
	return t == ir.Int64 || t == ir.Int32 || t == ir.Float64 || t == ir.Float32
}
