// Package frame defines the relational ops of flern's IR: what each op's
// attributes mean and how its output schema follows from its inputs (type
// checking included). Execution lives in exec/interp, which implements
// exactly these semantics; both follow pandas.
//
// User-shaped ops (select, assign, rename, drop_columns) are what the Python
// front end records; the optimizer's resolve pass rewrites them into the one
// resolved op, project, so later passes see a single form.
package frame

import (
	"fmt"

	"github.com/flern/flern/golib/ir"
)

// SniffCSV infers a CSV scan's schema (set by the engine to csvio.Sniff; a
// hook so that this package stays free of I/O).
var SniffCSV func(attrs ir.Attrs) (*ir.Schema, error)

// SniffParquet infers a Parquet scan's schema (set by the engine to
// parquetio.Sniff).
var SniffParquet func(attrs ir.Attrs) (*ir.Schema, error)

// AggFuncs lists the aggregation functions groupby_agg accepts.
var AggFuncs = map[string]bool{"sum": true, "mean": true, "count": true, "min": true, "max": true,
	"std": true, "var": true, "nunique": true, "size": true, "first": true, "last": true, "median": true}

func reg(name string, inputs int, infer func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error)) {
	ir.RegisterOp(&ir.OpInfo{Name: name, Inputs: inputs, Infer: infer, Source: inputs == 0})
}

func init() {
	// source: a frame passed to Run as input number attrs.input, with the
	// schema given in attrs.fields / attrs.index ([{name,type,nullable}]).
	reg("source", 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		f, err := decodeFields(n.Attrs["fields"])
		if err != nil {
			return nil, err
		}
		ix, err := decodeFields(n.Attrs["index"])
		if err != nil {
			return nil, err
		}
		return &ir.Schema{Fields: f, Index: ix}, nil
	})
	// scan_csv: path, sep, header(bool), na_values([]), keep_default_na,
	// usecols([] user's), dtype({col: dtype}), parse_dates([]),
	// columns([] set by projection pushdown: the only columns to produce).
	// key_filters as scan_parquet's (below).
	regKeyedScan("scan_csv", "CSV", func(a ir.Attrs) (*ir.Schema, error) { return SniffCSV(a) }, func() bool { return SniffCSV != nil })
	// scan_parquet: path, usecols([] user's, in the user's order), columns([]
	// set by projection pushdown: the only columns to produce). The index
	// levels are those pandas restores from the file's pandas metadata.
	// key_filters ([{column, key}], one per input; set by the joinfilter
	// pass): the scan keeps only the rows whose value of column occurs in
	// input i's key column, or is missing (a null key matches as the join
	// says); the join that reads the scan still runs, so this only drops
	// rows it would drop.
	regKeyedScan("scan_parquet", "Parquet", func(a ir.Attrs) (*ir.Schema, error) { return SniffParquet(a) }, func() bool { return SniffParquet != nil })
	// project (resolved form): exprs [{name, expr}] are exactly the output
	// columns, in order. Index unchanged.
	reg("project", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		out := &ir.Schema{Index: in[0].Index}
		seen := map[string]bool{}
		for _, ne := range n.Attrs.NamedExprs("exprs") {
			if seen[ne.Name] {
				return nil, ir.Errorf("Value", "duplicate column name %q", ne.Name)
			}
			seen[ne.Name] = true
			if err := TypeExpr(ne.Expr, in[0]); err != nil {
				return nil, err
			}
			out.Fields = append(out.Fields, ir.Field{Name: ne.Name, Type: ne.Expr.Type, Nullable: ne.Expr.Nullable})
		}
		return out, nil
	})
	// select: columns [] (df[["a","b"]]).
	reg("select", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		out := &ir.Schema{Index: in[0].Index}
		for _, c := range n.Attrs.Strings("columns") {
			i := in[0].Lookup(c)
			if i < 0 {
				return nil, notFound(c, in[0])
			}
			out.Fields = append(out.Fields, in[0].Fields[i])
		}
		return out, nil
	})
	// assign: exprs [{name, expr}]; an existing name is replaced in place, a
	// new one appended (df["x"] = ..., df.assign(x=...)). Expressions see the
	// input frame.
	reg("assign", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		out := in[0].Clone()
		for _, ne := range n.Attrs.NamedExprs("exprs") {
			if err := TypeExpr(ne.Expr, in[0]); err != nil {
				return nil, err
			}
			f := ir.Field{Name: ne.Name, Type: ne.Expr.Type, Nullable: ne.Expr.Nullable}
			if i := out.Lookup(ne.Name); i >= 0 {
				out.Fields[i] = f
			} else {
				out.Fields = append(out.Fields, f)
			}
		}
		return out, nil
	})
	// rename: mapping {old: new}; unknown old names are ignored (pandas).
	reg("rename", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		m, _ := n.Attrs["mapping"].(map[string]any)
		out := in[0].Clone()
		for i, f := range out.Fields {
			if nn, ok := m[f.Name].(string); ok {
				out.Fields[i].Name = nn
			}
		}
		return out, nil
	})
	// drop_columns: columns []; unknown names are an error (pandas' default).
	reg("drop_columns", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		drop := map[string]bool{}
		for _, c := range n.Attrs.Strings("columns") {
			if in[0].Lookup(c) < 0 {
				return nil, ir.Errorf("ColumnNotFound", "%s not found in axis", quoteList([]string{c}))
			}
			drop[c] = true
		}
		out := &ir.Schema{Index: in[0].Index}
		for _, f := range in[0].Fields {
			if !drop[f.Name] {
				out.Fields = append(out.Fields, f)
			}
		}
		return out, nil
	})
	// filter: pred (bool expression); rows where it is True. Index kept.
	reg("filter", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		p := n.Attrs.Expr("pred")
		if p == nil {
			return nil, ir.Errorf("Value", "filter without a predicate")
		}
		if err := TypeExpr(p, in[0]); err != nil {
			return nil, err
		}
		if p.Type != ir.Bool {
			return nil, ir.Errorf("Type", "filter predicate must be bool, got %s", p.Type)
		}
		out := keepIndex(in[0]).Clone()
		for name := range notNullColumns(p, map[string]bool{}) {
			if i := out.Lookup(name); i >= 0 {
				out.Fields[i].Nullable = false // df[df.x.notna()]: x holds no nulls after the filter
			}
		}
		return out, nil
	})
	// dropna: subset [] (all columns if absent), how "any"|"all".
	reg("dropna", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		for _, c := range n.Attrs.Strings("subset") {
			if in[0].Lookup(c) < 0 {
				return nil, notFound(c, in[0])
			}
		}
		out := keepIndex(in[0]).Clone()
		subset := n.Attrs.Strings("subset")
		if n.Attrs["subset"] == nil {
			subset = nil
			for _, f := range in[0].Fields {
				subset = append(subset, f.Name)
			}
		}
		// a kept row has no missing value among the subset (how="all": only
		// when the subset is one column; else it may have all but one)
		clear := n.Attrs.Str("how") != "all" || len(subset) == 1
		for i, f := range out.Fields {
			if clear && contains(subset, f.Name) {
				out.Fields[i].Nullable = false
			}
		}
		return out, nil
	})
	// groupby_agg: keys [] (columns, or else named index levels), aggs
	// [{name, col, fn}] (fn in AggFuncs; col "" for size), dropna (drop null
	// keys, default true), sort (default true), as_index (keys become the
	// index, default true). keys == [] reduces the whole frame to one row.
	reg("groupby_agg", 1, inferGroupBy)
	// join (merge): how "inner"|"left"|"right"|"outer", left_on [], right_on [],
	// suffixes ["_x","_y"], matched (optional bool). Result has a fresh
	// RangeIndex. In pandas the types of a left join's right-side columns
	// depend on the data: int becomes float64 and bool object only when some
	// left row has no match. The front end probes the data and records the
	// answer in matched; without it the right side is typed as possibly
	// missing. The interpreter checks the claim (a wrong one is an error:
	// the data changed between the probe and the run).
	reg("join", 2, inferJoin)
	// sort: by [], ascending [] (one per key), na_position "last"|"first".
	// Stable. Keys may name index levels when no column has that name.
	reg("sort", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		by := n.Attrs.Strings("by")
		if len(by) == 0 {
			return nil, ir.Errorf("Value", "sort_values needs at least one key")
		}
		for _, c := range by {
			if in[0].Lookup(c) < 0 && !hasLevel(in[0], c) {
				return nil, notFound(c, in[0])
			}
		}
		return keepIndex(in[0]), nil
	})
	// sort_index: ascending (bool), na_position.
	reg("sort_index", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) { return keepIndex(in[0]), nil })
	// slice: start, stop (Python slice semantics, null = open end).
	reg("slice", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) { return keepIndex(in[0]), nil })
	// sample: n or frac, seed (numpy RandomState seed) or state ({key, pos}:
	// a numpy RandomState's MT19937 state), replace (false only).
	reg("sample", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if n.Attrs.Bool("replace", false) {
			return nil, ir.Errorf("NotImplemented", "sample(replace=True)")
		}
		return keepIndex(in[0]), nil
	})
	// drop_rows: rows of input 0 whose index label is in input 1's index
	// (df.drop(other.index)); every label must exist, as in pandas.
	reg("drop_rows", 2, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) { return keepIndex(in[0]), nil })
	// set_index: keys [] (columns that become the index), drop (default true).
	reg("set_index", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		out := &ir.Schema{}
		keys := n.Attrs.Strings("keys")
		isKey := map[string]bool{}
		for _, k := range keys {
			i := in[0].Lookup(k)
			if i < 0 {
				return nil, notFound(k, in[0])
			}
			isKey[k] = true
			out.Index = append(out.Index, in[0].Fields[i])
		}
		for _, f := range in[0].Fields {
			if !isKey[f.Name] || !n.Attrs.Bool("drop", true) {
				out.Fields = append(out.Fields, f)
			}
		}
		return out, nil
	})
	// reset_index: drop (bool). Index levels become leading columns named by
	// their level names ("index" / "level_i" when unnamed), as in pandas.
	reg("reset_index", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		out := &ir.Schema{}
		if !n.Attrs.Bool("drop", false) {
			levels := in[0].Index
			if len(levels) == 0 {
				levels = []ir.Field{{Name: "", Type: ir.Int64}}
			}
			for i, f := range levels {
				f.Name = ResetIndexName(f.Name, i, len(levels), in[0])
				if in[0].Lookup(f.Name) >= 0 {
					return nil, ir.Errorf("Value", "cannot insert %s, already exists", f.Name)
				}
				out.Fields = append(out.Fields, f)
			}
		}
		out.Fields = append(out.Fields, in[0].Fields...)
		return out, nil
	})
	// get_dummies: columns [] (default: all str columns), prefix
	// ({column: prefix}; default the column's name), prefix_sep, dtype
	// ("bool" default), drop_first. Output columns depend on the data, unless
	// attrs.dummies names the indicator columns (the front end probes them
	// when recording, so later ops see a static schema; execution checks
	// that the data gives exactly those columns).
	reg("get_dummies", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		for _, c := range n.Attrs.Strings("columns") {
			if in[0].Lookup(c) < 0 {
				return nil, notFound(c, in[0])
			}
		}
		if n.Attrs["dummies"] == nil {
			return &ir.Schema{Index: in[0].Index, Dynamic: true}, nil
		}
		dt := ir.Bool
		if s := n.Attrs.Str("dtype"); s != "" {
			t, err := ir.ParseDType(s)
			if err != nil || !(t == ir.Bool || t.IsInt() || t.IsFloat()) {
				return nil, fmt.Errorf("dtype=%s is not a valid dtype for get_dummies", s)
			}
			dt = t
		}
		encoded := map[string]bool{}
		if n.Attrs["columns"] != nil {
			for _, c := range n.Attrs.Strings("columns") {
				encoded[c] = true
			}
		} else {
			for _, f := range in[0].Fields {
				if f.Type == ir.String || (f.Type == ir.Bool && f.Nullable) {
					encoded[f.Name] = true
				}
			}
		}
		out := &ir.Schema{Index: in[0].Index}
		for _, f := range in[0].Fields {
			if !encoded[f.Name] {
				out.Fields = append(out.Fields, f)
			}
		}
		for _, d := range n.Attrs.Strings("dummies") {
			out.Fields = append(out.Fields, ir.Field{Name: d, Type: dt})
		}
		return out, nil
	})
	// describe: statistics (count, mean, std, min, 25%, 50%, 75%, max) of the
	// numeric columns, indexed by the statistic's name.
	reg("describe", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		out := &ir.Schema{Index: []ir.Field{{Name: "", Type: ir.String}}}
		for _, f := range in[0].Fields {
			if f.Type.IsDatetime() {
				return nil, ir.Errorf("NotImplemented", "describe() of a frame with datetime columns (pandas adds them with its own row order)")
			}
			if f.Type.IsNumeric() && f.Type != ir.Bool {
				out.Fields = append(out.Fields, ir.Field{Name: f.Name, Type: ir.Float64})
			}
		}
		if len(out.Fields) == 0 {
			return nil, ir.Errorf("NotImplemented", "describe() of a frame without numeric columns")
		}
		return out, nil
	})
	// value_counts: column, normalize, sort (default true), ascending, dropna.
	// Index: the distinct values (named after the column); column "count"
	// (or "proportion" when normalize).
	reg("value_counts", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		c := n.Attrs.Str("column")
		i := in[0].Lookup(c)
		if i < 0 {
			return nil, notFound(c, in[0])
		}
		f := in[0].Fields[i]
		name, t := "count", ir.Int64
		if n.Attrs.Bool("normalize", false) {
			name, t = "proportion", ir.Float64
		}
		return &ir.Schema{Index: []ir.Field{f}, Fields: []ir.Field{{Name: name, Type: t}}}, nil
	})
	// distinct: column; its distinct values (nulls once) in order of first
	// appearance (Series.unique()).
	reg("distinct", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		c := n.Attrs.Str("column")
		i := in[0].Lookup(c)
		if i < 0 {
			return nil, notFound(c, in[0])
		}
		return &ir.Schema{Fields: []ir.Field{in[0].Fields[i]}}, nil
	})
	// test_panic: test-only op whose execution panics (checks that a Go panic
	// becomes a Python exception).
	reg("test_panic", 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		return &ir.Schema{Fields: []ir.Field{{Name: "x", Type: ir.Int64}}}, nil
	})
}

// pushedColumns narrows a scan's full schema s to attrs "columns" (set by
// projection pushdown; absent means every column). Index levels stay.
// regKeyedScan registers a file scan that may have key filters (inputs):
// its schema is the file's (sniff), checked against the key filters, then
// narrowed to the pushed-down columns.
func regKeyedScan(name, format string, sniff func(ir.Attrs) (*ir.Schema, error), linked func() bool) {
	ir.RegisterOp(&ir.OpInfo{Name: name, Inputs: ir.ZeroOrMore, Source: true,
		Infer: func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
			if !linked() {
				return nil, ir.Errorf("Internal", "no %s reader linked", format)
			}
			s, err := sniff(n.Attrs)
			if err != nil {
				return nil, err
			}
			if err := checkKeyFilters(n, s, in); err != nil {
				return nil, err
			}
			return pushedColumns(n, s)
		}})
}

// KeyFilter is one entry of a scan's key_filters attribute: keep the rows
// whose Column value occurs in input Input's Key column.
type KeyFilter struct {
	Column, Key string
}

// KeyFilters decodes a scan's key_filters attribute (entry i reads input i).
func KeyFilters(a ir.Attrs) ([]KeyFilter, error) {
	raw, _ := a["key_filters"].([]any)
	if a["key_filters"] != nil && raw == nil {
		return nil, ir.Errorf("Value", "key_filters must be a list")
	}
	out := make([]KeyFilter, len(raw))
	for i, r := range raw {
		m, _ := r.(map[string]any)
		c, _ := m["column"].(string)
		k, _ := m["key"].(string)
		if c == "" || k == "" {
			return nil, ir.Errorf("Value", "key_filters[%d] needs a column and a key", i)
		}
		out[i] = KeyFilter{Column: c, Key: k}
	}
	return out, nil
}

// KeyFilterTypes says whether a key filter may test a scan column of type
// col against key values of type key: integers with integers, a datetime
// with the same datetime type (compared as int64 values, as the hash join
// compares them).
func KeyFilterTypes(colT, key ir.DType) bool {
	return colT.IsInt() && key.IsInt() || colT.IsDatetime() && colT == key
}

// checkKeyFilters validates a scan's key_filters against its file schema s
// and its inputs.
func checkKeyFilters(n *ir.Node, s *ir.Schema, in []*ir.Schema) error {
	kf, err := KeyFilters(n.Attrs)
	if err != nil {
		return err
	}
	if len(kf) != len(in) {
		return ir.Errorf("Value", "%s has %d inputs and %d key_filters", n.Op, len(in), len(kf))
	}
	for i, f := range kf {
		c, k := s.Lookup(f.Column), in[i].Lookup(f.Key)
		if c < 0 {
			return ir.Errorf("ColumnNotFound", "key filter column %q not in %s", f.Column, n.Attrs.Str("path"))
		}
		if k < 0 {
			return notFound(f.Key, in[i])
		}
		if !KeyFilterTypes(s.Fields[c].Type, in[i].Fields[k].Type) {
			return ir.Errorf("Value", "key filter of the %s column %q by %s keys", s.Fields[c].Type, f.Column, in[i].Fields[k].Type)
		}
	}
	return nil
}

func pushedColumns(n *ir.Node, s *ir.Schema) (*ir.Schema, error) {
	if n.Attrs["columns"] == nil {
		return s, nil
	}
	out := &ir.Schema{Index: s.Index}
	for _, c := range n.Attrs.Strings("columns") {
		i := s.Lookup(c)
		if i < 0 {
			return nil, ir.Errorf("ColumnNotFound", "column %q not in %s", c, n.Attrs.Str("path"))
		}
		out.Fields = append(out.Fields, s.Fields[i])
	}
	return out, nil
}

// notNullColumns adds to dst the columns a filter predicate proves non-null:
// notna(col) terms of a conjunction.
func notNullColumns(p *ir.Expr, dst map[string]bool) map[string]bool {
	if p.Kind != ir.ExprCall {
		return dst
	}
	switch p.Name {
	case "notna":
		if a := p.Args[0]; a.Kind == ir.ExprCol {
			dst[a.Name] = true
		}
	case "and":
		notNullColumns(p.Args[0], dst)
		notNullColumns(p.Args[1], dst)
	}
	return dst
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ResetIndexName is the column name reset_index gives index level i.
func ResetIndexName(name string, i, levels int, s *ir.Schema) string {
	if name != "" {
		return name
	}
	if levels == 1 {
		if s.Lookup("index") < 0 {
			return "index"
		}
		return "level_0"
	}
	return fmt.Sprintf("level_%d", i)
}

// keepIndex returns in with a RangeIndex turned into an int64 label index:
// row-selecting ops keep the original labels, as in pandas.
func keepIndex(in *ir.Schema) *ir.Schema {
	if len(in.Index) > 0 {
		return in
	}
	out := in.Clone()
	out.Index = []ir.Field{{Name: "", Type: ir.Int64}}
	return out
}

// hasLevel reports whether s has an index level named name.
func hasLevel(s *ir.Schema, name string) bool {
	for _, f := range s.Index {
		if f.Name == name && name != "" {
			return true
		}
	}
	return false
}

func notFound(c string, s *ir.Schema) error {
	return ir.Errorf("ColumnNotFound", "column %q not found; columns are %s", c, quoteList(s.Names()))
}

func decodeFields(v any) ([]ir.Field, error) {
	list, _ := v.([]any)
	var out []ir.Field
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, ir.Errorf("Value", "bad field description %v", x)
		}
		name, _ := m["name"].(string)
		tn, _ := m["type"].(string)
		t, err := ir.ParseDType(tn)
		if err != nil {
			return nil, ir.Errorf("NotImplemented", "column %q: %v", name, err)
		}
		nullable, _ := m["nullable"].(bool)
		out = append(out, ir.Field{Name: name, Type: t, Nullable: nullable})
	}
	return out, nil
}
