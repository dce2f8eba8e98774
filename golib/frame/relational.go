package frame

import (
	"github.com/flern/flern/golib/ir"
)

// AggResultType is the output type of aggregation fn over a column of type t
// (pandas' rules).
func AggResultType(fn string, t ir.DType) (ir.DType, bool, error) {
	switch fn {
	case "size", "count", "nunique":
		return ir.Int64, false, nil
	case "mean", "std", "var", "median":
		if t.IsDatetime() && fn != "var" {
			// pandas gives datetimes (mean, median) and timedeltas (std)
			return 0, false, ir.Errorf("NotImplemented", "groupby %s of a %s column", fn, t)
		}
		if !t.IsNumeric() {
			return 0, false, ir.Errorf("Type", "agg function %s is not supported for %s columns", fn, t)
		}
		if t == ir.Float32 {
			return ir.Float32, false, nil
		}
		return ir.Float64, false, nil
	case "sum":
		switch {
		case t == ir.Bool || t == ir.Int32: // pandas sums int32 (and bool) into int64
			return ir.Int64, false, nil
		case t.IsNumeric():
			return t, false, nil
		case t.IsDatetime(): // pandas: "datetime64 type does not support operation 'sum'"
			return 0, false, ir.Errorf("Type", "agg function sum is not supported for %s columns", t)
		}
		return 0, false, ir.Errorf("NotImplemented", "sum of a %s column", t) // pandas concatenates strings
	case "min", "max", "first", "last":
		if t == ir.Bool || t.IsNumeric() || t == ir.String || t.IsDatetime() {
			return t, t == ir.String || t.IsDatetime(), nil
		}
	}
	return 0, false, ir.Errorf("NotImplemented", "agg function %q", fn)
}

func inferGroupBy(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
	s := in[0]
	out := &ir.Schema{}
	keys := n.Attrs.Strings("keys")
	asIndex := n.Attrs.Bool("as_index", true)
	for _, k := range keys {
		f, ok := keyField(s, k)
		if !ok {
			return nil, notFound(k, s)
		}
		if n.Attrs.Bool("dropna", true) {
			f.Nullable = false
		}
		if asIndex {
			out.Index = append(out.Index, f)
		} else {
			out.Fields = append(out.Fields, f)
		}
	}
	aggs, _ := n.Attrs["aggs"].([]any)
	if len(aggs) == 0 {
		return nil, ir.Errorf("Value", "groupby without aggregations")
	}
	for _, a := range aggs {
		m, _ := a.(map[string]any)
		name, _ := m["name"].(string)
		c, _ := m["col"].(string)
		fn, _ := m["fn"].(string)
		if !AggFuncs[fn] {
			return nil, ir.Errorf("NotImplemented", "agg function %q", fn)
		}
		var t ir.DType = ir.Int64
		if fn != "size" {
			i := s.Lookup(c)
			if i < 0 {
				return nil, notFound(c, s)
			}
			t = s.Fields[i].Type
		}
		rt, nullable, err := AggResultType(fn, t)
		if err != nil {
			return nil, err
		}
		if i := out.Lookup(name); i >= 0 {
			if i < len(keys) && !asIndex {
				// pandas then drops the key column (an odd result)
				return nil, ir.Errorf("NotImplemented", "groupby(as_index=False) with an output column named like the key %q", name)
			}
			return nil, ir.Errorf("Value", "duplicate output column %q in groupby", name)
		}
		out.Fields = append(out.Fields, ir.Field{Name: name, Type: rt, Nullable: nullable})
	}
	return out, nil
}

// keyField finds a groupby key: a column, or else a named index level (as
// pandas groups by index level names).
func keyField(s *ir.Schema, name string) (ir.Field, bool) {
	if i := s.Lookup(name); i >= 0 {
		return s.Fields[i], true
	}
	for _, f := range s.Index {
		if f.Name == name && name != "" {
			return f, true
		}
	}
	return ir.Field{}, false
}

// JoinOutput describes where each output column of a join comes from.
type JoinOutput struct {
	Name  string
	Side  int // 0 left, 1 right
	Col   int // column position in that side's schema
	Field ir.Field
}

// JoinColumns computes the output columns of a merge (pandas' naming:
// a key shared by name appears once; other clashes get the suffixes).
func JoinColumns(n *ir.Node, l, r *ir.Schema) ([]JoinOutput, error) {
	lon, ron := n.Attrs.Strings("left_on"), n.Attrs.Strings("right_on")
	if len(lon) == 0 || len(lon) != len(ron) {
		return nil, ir.Errorf("Value", "merge needs the same number of left and right keys (got %d and %d)", len(lon), len(ron))
	}
	suffixes := n.Attrs.Strings("suffixes")
	if len(suffixes) != 2 {
		suffixes = []string{"_x", "_y"}
	}
	how := n.Attrs.Str("how")
	for i := range lon {
		li, ri := l.Lookup(lon[i]), r.Lookup(ron[i])
		for _, side := range []struct {
			s   *ir.Schema
			i   int
			key string
		}{{l, li, lon[i]}, {r, ri, ron[i]}} {
			if side.i >= 0 {
				continue
			}
			if hasLevel(side.s, side.key) {
				return nil, ir.Errorf("NotImplemented", "merge on the index level %q (call reset_index() first)", side.key)
			}
			return nil, notFound(side.key, side.s)
		}
		lt, rt := l.Fields[li].Type, r.Fields[ri].Type
		switch {
		case lt == rt || lt.IsNumeric() && rt.IsNumeric() && lt != ir.Bool && rt != ir.Bool:
		case lt.IsNumeric() && rt.IsNumeric():
			// pandas compares bool and number keys as objects (True == 1)
			return nil, ir.Errorf("NotImplemented", "merge on %s and %s keys (column %q)", lt, rt, lon[i])
		case lt.IsDatetime() && rt.IsDatetime():
			// pandas converts both to a common unit
			return nil, ir.Errorf("NotImplemented", "merge on %s and %s keys (column %q)", lt, rt, lon[i])
		default:
			return nil, ir.Errorf("Value", "You are trying to merge on %s and %s columns for key %q. If you wish to proceed you should use pd.concat", lt, rt, lon[i])
		}
	}
	// Keys with the same name on both sides are emitted once (from the left).
	sharedKey := map[string]bool{}
	for i := range lon {
		if lon[i] == ron[i] {
			sharedKey[lon[i]] = true
		}
	}
	var out []JoinOutput
	// A left join leaves the right side missing only when some left row has
	// no match; attribute "matched" (see frame.go) says whether every left
	// row matched, which keeps pandas' types (int64 stays int64).
	matched, _ := n.Attrs["matched"].(bool)
	rightNullable := how == "left" && !matched || how == "outer"
	leftNullable := how == "right" || how == "outer"
	for i, f := range l.Fields {
		name := f.Name
		if !sharedKey[name] && r.Lookup(name) >= 0 {
			name += suffixes[0]
		}
		if leftNullable && !sharedKey[f.Name] {
			f = nullableField(f)
		}
		f.Name = name
		out = append(out, JoinOutput{Name: name, Side: 0, Col: i, Field: f})
	}
	for i, f := range r.Fields {
		if sharedKey[f.Name] {
			continue
		}
		name := f.Name
		if l.Lookup(name) >= 0 {
			name += suffixes[1]
		}
		if rightNullable {
			f = nullableField(f)
		}
		f.Name = name
		out = append(out, JoinOutput{Name: name, Side: 1, Col: i, Field: f})
	}
	seen := map[string]bool{}
	for _, o := range out {
		if seen[o.Name] {
			return nil, ir.Errorf("Value", "merge would create duplicate column %q", o.Name)
		}
		seen[o.Name] = true
	}
	return out, nil
}

// nullableField is the type a column takes when a join may leave it missing:
// pandas turns int64 into float64 (NaN) and bool into object.
func nullableField(f ir.Field) ir.Field {
	switch {
	case f.Type.IsInt():
		f.Type = ir.Float64
	case f.Type.IsFloat():
	default:
		f.Nullable = true
	}
	return f
}

func inferJoin(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
	switch n.Attrs.Str("how") {
	case "inner", "left":
	case "right", "outer":
		return nil, ir.Errorf("NotImplemented", "merge(how=%q)", n.Attrs.Str("how"))
	default:
		return nil, ir.Errorf("Value", "merge: how must be 'inner' or 'left', got %q", n.Attrs.Str("how"))
	}
	cols, err := JoinColumns(n, in[0], in[1])
	if err != nil {
		return nil, err
	}
	out := &ir.Schema{}
	for _, c := range cols {
		out.Fields = append(out.Fields, c.Field)
	}
	return out, nil
}
