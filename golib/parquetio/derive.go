package parquetio

// Derived columns: a scan's `derive` attribute (exec's scan-derive stage)
// lists outputs computed by a row-local expression of one string column of
// the file that the plan reads only through such expressions (the fuel
// workload's `Year.str.slice(0, 4).astype("int64") - 1900`). Such a column
// stored as dictionary pages is never expanded into strings: the
// expression is evaluated once per dictionary entry (and once for the null,
// when the row group has one) by the engine's evaluator (EvalExpr: the
// reference interpreter), and each row takes its entry's value. A row-local
// expression's value at a row depends on that row's string alone, so this
// equals evaluating it over the expanded column. The results must be
// non-null fixed-width values (int64, float64 -- NaN allowed --, bool);
// anything else -- a plain-encoded page, a null or string result, an
// entry on which the expression raises (it may be an entry no row holds)
// -- joins the strings and evaluates the expression over the whole column
// instead, which raises exactly the error the project would have (with the
// project's op and location, `derive_loc`).

import (
	"math"
	"sync/atomic"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// derivedFromDict counts the derived columns computed from dictionary
// entries (tests).
var derivedFromDict atomic.Int64

// EvalExpr evaluates a row expression over a frame (set by the engine to
// the reference interpreter's Eval); nil: derived columns cannot be read.
var EvalExpr func(e *ir.Expr, f *col.Frame) (*col.Column, error)

// derived is one output of a scan's `derive` attribute.
type derived struct {
	name   string   // the output column
	source string   // the string column the expression reads
	expr   *ir.Expr // typed; reads only source
	typ    ir.DType // the output's dtype
	loc    string   // the project's location, for its errors
}

// deriveList is the scan's derived outputs by name.
func deriveList(attrs ir.Attrs) (map[string]*derived, error) {
	list := attrs.NamedExprs("derive")
	if len(list) == 0 {
		return nil, nil
	}
	if EvalExpr == nil {
		return nil, ir.Errorf("Internal", "scan_parquet: derived columns need the engine's evaluator")
	}
	out := map[string]*derived{}
	for _, ne := range list {
		cols := map[string]bool{}
		ne.Expr.Columns(cols)
		if len(cols) != 1 {
			return nil, ir.Errorf("Internal", "scan_parquet: derived column %q reads %d columns", ne.Name, len(cols))
		}
		d := &derived{name: ne.Name, expr: ne.Expr, typ: ne.Expr.Type, loc: attrs.Str("derive_loc")}
		for c := range cols {
			d.source = c
		}
		out[ne.Name] = d
	}
	return out, nil
}

// column is the file column read for d, field f of the scan's schema.
func (d *derived) column(fi *fileInfo, full *ir.Schema, f ir.Field, path string) (column, error) {
	i := fi.lookup(d.source)
	if i < 0 || full.Lookup(d.source) < 0 {
		return column{}, ir.Errorf("ColumnNotFound", "column %q not in %s", d.source, path)
	}
	c := fi.cols[i]
	if c.typ != ir.String || f.Type != d.typ {
		return column{}, ir.Errorf("Internal", "scan_parquet: derived column %q of %s column %q typed %s", d.name, c.typ, d.source, f.Type)
	}
	c.derive = d
	return c, nil
}

// fixedResult reports whether v holds non-null fixed-width values of d's
// dtype.
func (d *derived) fixedResult(v *col.Column, n int) bool {
	if v == nil || v.N != n || v.Type != d.typ || v.Valid != nil {
		return false
	}
	switch {
	case d.typ == ir.Int64:
		return len(v.I64) >= n
	case d.typ == ir.Float64:
		return len(v.F64) >= n
	case d.typ == ir.Bool:
		return len(v.B) >= n
	}
	return false
}

// eval is d's expression over the strings s (nil, error: it raises).
func (d *derived) eval(s *col.Column) (*col.Column, error) {
	return EvalExpr(d.expr, &col.Frame{N: s.N, Names: []string{d.source}, Cols: []*col.Column{s}})
}

// fromPieces is d's column from the string column's row groups read as
// dictionary indices, or nil when it cannot be computed that way (see the
// file comment; the caller joins the strings and deriveRest evaluates). As
// a lookup (the scan's `lookups` names it, lookup.go) when asked, the
// result is int64 or float64 and no row is null: the rows' dictionary
// indices, offset by each dictionary's first value, index the
// dictionaries' values one after another.
func (d *derived) fromPieces(ps []*strPiece, n int, lookup bool) *col.Column {
	out := &col.Column{Type: d.typ, N: n}
	switch d.typ {
	case ir.Int64:
		out.I64 = col.Uninit[int64](n)
	case ir.Float64:
		out.F64 = col.Uninit[float64](n)
	case ir.Bool:
		out.B = col.Uninit[bool](n)
	default:
		return nil
	}
	// first the values of each dictionary's entries (and of the null), then
	// the rows, piece by piece in parallel (as joinStrings expands them)
	vals := map[*strDict]*col.Column{} // each dictionary's entries' values
	var null *col.Column               // the null's value, once a row group has nulls
	starts := make([]int, len(ps)+1)
	for i, p := range ps {
		starts[i+1] = starts[i]
		if p == nil {
			continue
		}
		if p.valid != nil && null == nil {
			nb := col.NewStringBuilder(1)
			nb.AppendNull()
			v, err := d.eval(nb.Finish())
			if err != nil || !d.fixedResult(v, 1) {
				return nil // rows hold it: evaluated as strings, the error raised there
			}
			null = v
		}
		for _, s := range p.segs {
			if s.dict == nil {
				return nil
			}
			v, seen := vals[s.dict]
			if !seen {
				v = d.dictValues(s.dict)
				vals[s.dict] = v
			}
			if v == nil {
				return nil
			}
			starts[i+1] += len(s.idx)
		}
	}
	if starts[len(ps)] != n {
		return nil
	}
	if lookup && null == nil && (d.typ == ir.Int64 || d.typ == ir.Float64) {
		if lk := d.lookupFromPieces(ps, starts, vals, n); lk != nil {
			return lk
		}
	}
	var bad atomic.Bool
	parallelFor(len(ps), func(i int) {
		if ps[i] == nil {
			return
		}
		row := starts[i]
		for _, s := range ps[i].segs {
			v, dst := vals[s.dict], row
			row += len(s.idx)
			ok := true
			switch d.typ {
			case ir.Int64:
				ok = takeDerived(out.I64[dst:row], v.I64, s.idx, null)
			case ir.Float64:
				ok = takeDerived(out.F64[dst:row], v.F64, s.idx, null)
			case ir.Bool:
				ok = takeDerived(out.B[dst:row], v.B, s.idx, null)
			}
			if !ok {
				bad.Store(true)
				return
			}
		}
	})
	if bad.Load() {
		return nil
	}
	derivedFromDict.Add(1)
	return out
}

// lookupFromPieces is fromPieces' lookup (see there; nil: an index out of
// its dictionary, a null, or too many values).
func (d *derived) lookupFromPieces(ps []*strPiece, starts []int, vals map[*strDict]*col.Column, n int) *col.Column {
	bases := map[*strDict]int32{}
	out := &col.Lookup{}
	for _, p := range ps { // the dictionaries' values in the order the pieces first use them
		if p == nil {
			continue
		}
		for _, s := range p.segs {
			if _, ok := bases[s.dict]; ok {
				continue
			}
			v := vals[s.dict]
			if len(out.I64)+len(out.F64)+v.N > math.MaxInt32 {
				return nil
			}
			bases[s.dict] = int32(len(out.I64) + len(out.F64))
			out.I64, out.F64 = append(out.I64, v.I64...), append(out.F64, v.F64...)
		}
	}
	if d.typ == ir.Int64 && out.I64 == nil {
		out.I64 = []int64{}
	}
	if d.typ == ir.Float64 && out.F64 == nil {
		out.F64 = []float64{}
	}
	if p := onlyPiece(ps); p != nil {
		if s, ok := p.soleDict(n); ok && vals[s.dict].N == s.dict.len() {
			// one dictionary, no null: its indices, checked against it as
			// they were read, are the codes
			out.Codes = p.giveIndices()
			derivedFromDict.Add(1)
			return &col.Column{Type: d.typ, N: n, Lookup: out}
		}
	}
	out.Codes = col.Uninit[int32](n)
	var bad atomic.Bool
	parallelFor(len(ps), func(i int) {
		if ps[i] == nil {
			return
		}
		row := starts[i]
		for _, s := range ps[i].segs {
			b, nd := bases[s.dict], uint32(vals[s.dict].N)
			dst := out.Codes[row : row+len(s.idx)]
			most := offsetMax(dst, s.idx, b) // a null's -1 is the largest: refused with the out-of-range ones
			if len(s.idx) > 0 && most >= nd {
				bad.Store(true)
				return
			}
			row += len(s.idx)
		}
	})
	if bad.Load() {
		return nil
	}
	derivedFromDict.Add(1)
	return &col.Column{Type: d.typ, N: n, Lookup: out}
}

// onlyPiece is the one piece of ps that is not nil (nil: none, or more).
func onlyPiece(ps []*strPiece) *strPiece {
	var only *strPiece
	for _, p := range ps {
		if p != nil {
			if only != nil {
				return nil
			}
			only = p
		}
	}
	return only
}

// takeDerived writes vals[i] for each index i, the null's value for -1 (ok false:
// a null without one, or an index out of the dictionary).
func takeDerived[T int64 | float64 | bool](dst, vals []T, idx []int32, null *col.Column) bool {
	nd := uint32(len(vals))
	for i, v := range idx {
		if uint32(v) < nd {
			dst[i] = vals[v]
			continue
		}
		if v >= 0 || null == nil {
			return false
		}
		var z T
		switch p := any(&z).(type) {
		case *int64:
			*p = null.I64[0]
		case *float64:
			*p = null.F64[0]
		case *bool:
			*p = null.B[0]
		}
		dst[i] = z
	}
	return true
}

// dictValues is d's expression over the dictionary's entries (nil: it
// raises on one -- maybe an entry no row holds --, or its values are not
// fixed-width non-null ones: see fixedResult).
func (d *derived) dictValues(dict *strDict) *col.Column {
	n := dict.len()
	b := col.NewStringBuilder(n)
	for i := 0; i < n; i++ {
		b.AppendBytes(dict.data[dict.offs[i]:dict.offs[i+1]])
	}
	vals, err := d.eval(b.Finish())
	if err != nil || !d.fixedResult(vals, n) {
		return nil
	}
	return vals
}

// deriveRest evaluates the derived columns read as strings (plain pages,
// a failing entry, the filtered and generic readers) over the whole
// column: exactly the project's evaluation, errors included (reported at
// the project).
func deriveRest(want []column, cols []*col.Column, n int) error {
	for i, c := range want {
		d := c.derive
		if d == nil || i >= len(cols) || cols[i] == nil || cols[i].Type != ir.String {
			continue
		}
		v, err := d.eval(cols[i])
		if err != nil {
			if fe, ok := err.(*ir.Error); ok && fe.Loc == "" && d.loc != "" {
				c := *fe
				c.Op, c.Loc = "project", d.loc
				return &c
			}
			return err
		}
		if v.N != n || v.Type != d.typ {
			return ir.Errorf("Internal", "scan_parquet: derived column %q evaluated to %d %s values", d.name, v.N, v.Type)
		}
		cols[i] = v
	}
	return nil
}
