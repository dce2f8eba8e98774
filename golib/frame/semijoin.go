package frame

import "github.com/flern/flern/golib/ir"

// semi_join: the rows of input 0 whose left_on column value occurs in input
// 1's right_on column, in order (anti: true keeps the rows whose value does
// not occur). It is pandas' df[df[k].isin(other[k2])] and ~df[k].isin(...):
// values compare as merge keys do (1 == 1.0, NaN == NaN). Index kept.
func init() {
	reg("semi_join", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		l, r := n.Attrs.Str("left_on"), n.Attrs.Str("right_on")
		li, ri := in[0].Lookup(l), in[1].Lookup(r)
		if li < 0 {
			return nil, ir.Errorf("ColumnNotFound", "column %q not found; columns are %s", l, quoteList(in[0].Names()))
		}
		if ri < 0 {
			return nil, ir.Errorf("ColumnNotFound", "column %q not found; columns are %s", r, quoteList(in[1].Names()))
		}
		if !IsinCompatible(in[0].Fields[li].Type, in[1].Fields[ri].Type) {
			return nil, ir.Errorf("NotImplemented", "isin of a %s column with %s values",
				in[0].Fields[li].Type, in[1].Fields[ri].Type)
		}
		return keepIndex(in[0]), nil
	})
}

// IsinCompatible says whether flern defines isin between values of types a
// and b: numbers with numbers, str with str, bool with bool, datetimes with
// datetimes of the same unit (a missing value's Null type goes with any).
func IsinCompatible(a, b ir.DType) bool {
	switch {
	case a == ir.Null || b == ir.Null:
		return true
	case a.IsNumeric() && a != ir.Bool:
		return b.IsNumeric() && b != ir.Bool
	}
	return a == b
}
