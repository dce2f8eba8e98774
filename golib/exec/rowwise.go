package exec

// Parallel filter and project: row expressions are evaluated per morsel by
// the reference evaluator (interp.Eval on a zero-copy view of the morsel),
// so they cannot drift from the interpreter's scalar semantics. Only
// expressions whose value at a row depends on that row alone run this way;
// anything else (and any function this file does not know) falls back.

import (
	"sync/atomic"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("filter", runFilter)
	Register("project", runProject)
}

// rowLocalFuncs are the scalar functions whose result at a row reads only
// that row. str_len and dt_* typed float64 are not listed: the interpreter
// decides their error from the whole column (see rowLocal).
var rowLocalFuncs = map[string]bool{
	"add": true, "sub": true, "mul": true, "truediv": true, "floordiv": true, "mod": true, "pow": true,
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"and": true, "or": true, "xor": true, "not": true, "neg": true, "abs": true,
	"isna": true, "notna": true, "fillna": true, "cast": true, "where": true,
	"str_lower": true, "str_upper": true, "str_contains": true, "str_startswith": true,
	"str_endswith": true, "str_slice": true, "isin": true, "category_code": true,
	"str_len": true,
}

// rowLocal reports whether e can be evaluated morsel by morsel.
func rowLocal(e *ir.Expr) bool {
	switch e.Kind {
	case ir.ExprCol, ir.ExprLit:
		return true
	case ir.ExprCall:
	default:
		return false
	}
	dtField := frame.IsDatetimeField(e.Name)
	if !rowLocalFuncs[e.Name] && !dtField {
		return false
	}
	if (e.Name == "str_len" || dtField) && e.Type.IsFloat() { // errors when the whole column has no missing value
		return false
	}
	for _, a := range e.Args {
		if !rowLocal(a) {
			return false
		}
	}
	return true
}

// evalMorsels evaluates e over every row of f, morsel by morsel, and
// concatenates the parts. ok is false when the parts cannot be joined.
func evalMorsels(c *Ctx, n *ir.Node, e *ir.Expr, f *col.Frame) (*col.Column, bool, error) {
	if e.Kind == ir.ExprCol {
		v, err := interp.Eval(e, f)
		return v, err == nil, err
	}
	parts := make([]*col.Column, max(numMorsels(f.N), 1))
	if f.N == 0 {
		v, err := interp.Eval(e, f)
		return v, err == nil, err
	}
	if v, ok, err := memoValueExpr(c, n, e, f); ok || err != nil {
		return v, ok, err
	}
	if isFastFloat(e) && len(parts) > 1 {
		if v, ok, err := floatMorsels(c, n, e, f); ok || err != nil {
			return v, ok, err
		}
	}
	err := forMorsels(c, n, f.N, func(m, lo, hi int) error {
		part := sliceFrame(f, lo, hi)
		v, ok, err := fastExpr(e, part)
		if err == nil && !ok {
			v, err = interp.Eval(e, part)
		}
		parts[m] = v
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return concatCols(c, n, parts)
}

// memoValueExpr evaluates e, a row-local call whose only column is a string
// column with memoized value numbers (colcodes.go: the scan numbered it from
// its dictionary, or a get_dummies probe, unique() or a join did), once per
// distinct value -- the interpreter's evaluation of e over the column's
// first row of each number -- and gathers the results by number: a date
// string's year (`Year.str.slice(0, 4).astype(int)`), a category's code.
// Every number's value occurs in a row, so e raises here exactly when it
// would over the column; then ok is false and the caller evaluates e row by
// row for the error it gives there. ok false also when e is not such a call.
func memoValueExpr(c *Ctx, n *ir.Node, e *ir.Expr, f *col.Frame) (*col.Column, bool, error) {
	if e.Kind != ir.ExprCall {
		return nil, false, nil
	}
	name, ok := onlyColumn(e)
	cl := f.Col(name)
	if !ok || cl == nil {
		return nil, false, nil
	}
	cc := memoCodes(cl)
	if cc == nil || len(cc.codes) != f.N || len(cc.first) == 0 {
		return nil, false, nil
	}
	idx := make([]int, len(cc.first))
	for k, r := range cc.first {
		idx[k] = int(r)
	}
	per, err := interp.Eval(e, &col.Frame{N: len(idx), Names: []string{name}, Cols: []*col.Column{cl.Take(idx)}})
	if err != nil || per.N != len(idx) || e.Type != ir.Invalid && per.Type != e.Type {
		return nil, false, nil // the row-by-row evaluation gives the error
	}
	v, err := gatherNeg(c, n, per, cc.codes, per.Type, false) // numbers are never negative
	return v, err == nil, err
}

// floatMorsels evaluates float64 arithmetic, or a float cast of a
// comparison, morsel by morsel into one column allocated up front
// (fastExprInto); ok false when a morsel cannot take the fast path (a null
// operand), and evalMorsels then evaluates the whole expression its general
// way.
func floatMorsels(c *Ctx, n *ir.Node, e *ir.Expr, f *col.Frame) (*col.Column, bool, error) {
	out := col.Uninit[float64](f.N) // the morsels cover every row
	var miss atomic.Bool
	err := forMorsels(c, n, f.N, func(_, lo, hi int) error {
		if miss.Load() {
			return nil
		}
		_, ok, err := fastExprInto(e, sliceFrame(f, lo, hi), out[lo:hi])
		if err == nil && !ok {
			miss.Store(true)
		}
		return err
	})
	if err != nil || miss.Load() {
		return nil, false, err
	}
	return &col.Column{Type: e.Type, N: f.N, F64: out}, true, nil
}

func runProject(c *Ctx, n *ir.Node, in []any) (any, error) {
	src := in[0].(*col.Frame)
	exprs := n.Attrs.NamedExprs("exprs")
	for _, ne := range exprs {
		if !rowLocal(ne.Expr) {
			return nil, ErrFallback
		}
	}
	out := &col.Frame{N: src.N, Index: src.Index, IndexNames: src.IndexNames}
	for _, ne := range exprs {
		var v *col.Column
		ok, err := false, error(nil)
		if ne.Expr.Kind != ir.ExprCol && src.HasLookup() {
			if v, ok, err = lookupValueExpr(c, n, ne.Expr, src); err == nil && !ok {
				v, ok, err = evalMorsels(c, n, ne.Expr, materializedFor(ne.Expr, src))
			}
		} else {
			v, ok, err = evalMorsels(c, n, ne.Expr, src)
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrFallback
		}
		out.Names = append(out.Names, ne.Name)
		out.Cols = append(out.Cols, v)
	}
	return out, nil
}

// lookupValueExpr evaluates e, a row-local expression whose only column is
// a col.Lookup column of f (a dictionary-coded Parquet column, or one made
// by an earlier lookupValueExpr), once per value of the lookup -- the
// values as a column, evaluated as any other (evalMorsels) -- and returns
// a lookup of the results under the same codes (or, for a bool, string or
// nullable result, the results gathered by code). An error there (a value
// no row may hold still gets evaluated) gives ok false: the caller
// evaluates e over the materialized column, for the error (or none) the
// rows give.
func lookupValueExpr(c *Ctx, n *ir.Node, e *ir.Expr, f *col.Frame) (*col.Column, bool, error) {
	name, ok := onlyColumn(e)
	cl := f.Col(name)
	if !ok || cl == nil || cl.Lookup == nil {
		return nil, false, nil
	}
	lk := cl.Lookup
	vals := lk.Str
	if vals == nil {
		vals = &col.Column{Type: cl.Type, N: len(lk.I64) + len(lk.F64), I64: lk.I64, F64: lk.F64}
	}
	per, ok, err := evalMorsels(c, n, e, &col.Frame{N: vals.N, Names: []string{name}, Cols: []*col.Column{vals}})
	if err != nil || !ok || per.N != vals.N || e.Type != ir.Invalid && per.Type != e.Type {
		return nil, false, nil
	}
	if per.Valid == nil && per.Lookup == nil && (per.I64 != nil || per.F64 != nil || per.N == 0) &&
		(per.Type == ir.Int64 || per.Type == ir.Float64 || per.Type.IsDatetime()) {
		out := &col.Lookup{Codes: lk.Codes, I64: per.I64, F64: per.F64}
		if out.I64 == nil && out.F64 == nil { // no values (no rows)
			if per.Type.IsFloat() {
				out.F64 = []float64{}
			} else {
				out.I64 = []int64{}
			}
		}
		return &col.Column{Type: per.Type, N: cl.N, Lookup: out}, true, nil
	}
	v, err := gatherNeg(c, n, per, lk.Codes, per.Type, false) // codes are never negative
	return v, err == nil && v != nil, err
}

// onlyColumn is the one column e reads (ok false: none, or several).
func onlyColumn(e *ir.Expr) (string, bool) {
	names := map[string]bool{}
	e.Columns(names)
	for k := range names {
		return k, len(names) == 1
	}
	return "", false
}

// materializedFor is f with the col.Lookup columns e reads materialized.
func materializedFor(e *ir.Expr, f *col.Frame) *col.Frame {
	names := map[string]bool{}
	e.Columns(names)
	var g *col.Frame
	for i, cl := range f.Cols {
		if cl.Lookup != nil && names[f.Names[i]] {
			if g == nil {
				c := *f
				c.Cols = append([]*col.Column(nil), f.Cols...)
				g = &c
			}
			g.Cols[i] = cl.Materialize()
		}
	}
	if g == nil {
		return f
	}
	return g
}

func runFilter(c *Ctx, n *ir.Node, in []any) (any, error) {
	src := in[0].(*col.Frame)
	pred := n.Attrs.Expr("pred")
	if pred == nil || !rowLocal(pred) || src.N > maxRows {
		return nil, ErrFallback
	}
	k := max(numMorsels(src.N), 1)
	sel := make([][]int32, k)
	var nullMask bool
	nulls := make([]bool, k)
	conjs := refinableConjuncts(pred)
	err := forMorsels(c, n, src.N, func(m, lo, hi int) error {
		if conjs != nil {
			idx, err := selectConjuncts(conjs, src, lo, hi)
			sel[m] = idx
			return err
		}
		v, err := evalFast(pred, sliceFrame(src, lo, hi))
		if err != nil {
			return err
		}
		if v.Type != ir.Bool || v.B == nil {
			return errNotBoolMask
		}
		if v.HasNulls() {
			nulls[m] = true
			return nil
		}
		idx := make([]int32, 0, hi-lo)
		for i, b := range v.B[:hi-lo] {
			if b {
				idx = append(idx, int32(lo+i))
			}
		}
		sel[m] = idx
		return nil
	})
	if err == errNotBoolMask {
		return nil, ErrFallback
	}
	if err != nil {
		return nil, err
	}
	for _, b := range nulls {
		nullMask = nullMask || b
	}
	if nullMask {
		return nil, ir.Errorf("Value", "Cannot mask with non-boolean array containing NA / NaN values")
	}
	total := 0
	for _, s := range sel {
		total += len(s)
	}
	keep := src
	if cols := c.narrow[n.ID]; cols != nil {
		// only the columns the reading project takes are gathered
		keep = &col.Frame{N: src.N, Index: src.Index, IndexNames: src.IndexNames}
		for _, name := range cols {
			cl := src.Col(name)
			if cl == nil {
				keep = src
				break
			}
			keep.Names, keep.Cols = append(keep.Names, name), append(keep.Cols, cl)
		}
	}
	if err := c.reserve(n, int64(total)*rowBytes(keep)); err != nil {
		return nil, err
	}
	idx := make([]int32, 0, total)
	for _, s := range sel {
		idx = append(idx, s...)
	}
	return gatherFrame(c, n, keep, idx)
}

// refinableConjuncts splits an and() predicate into its conjuncts (left to
// right) when each is a bool expression that cannot raise (comparisons,
// isin, isna/notna, logic ops over columns and literals): such a conjunct
// may be evaluated on the rows the earlier ones kept only, with the same
// result as the whole mask. nil: evaluate the predicate as a whole.
func refinableConjuncts(pred *ir.Expr) []*ir.Expr {
	if pred.Kind != ir.ExprCall || pred.Name != "and" {
		return nil
	}
	var cs []*ir.Expr
	var walk func(e *ir.Expr) bool
	walk = func(e *ir.Expr) bool {
		if e.Kind == ir.ExprCall && e.Name == "and" && len(e.Args) == 2 {
			return walk(e.Args[0]) && walk(e.Args[1])
		}
		cs = append(cs, e)
		return e.Type == ir.Bool && cannotRaise(e)
	}
	if !walk(pred) {
		return nil
	}
	return cs
}

// cannotRaise reports whether e is made of columns, literals and functions
// that never raise on any row's values (so evaluating e on fewer rows
// cannot hide an error the whole mask would raise).
func cannotRaise(e *ir.Expr) bool {
	switch e.Kind {
	case ir.ExprCol, ir.ExprLit:
		return true
	case ir.ExprCall:
		switch e.Name {
		case "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "not", "isin", "isna", "notna":
		default:
			return false
		}
		for _, a := range e.Args {
			if !cannotRaise(a) {
				return false
			}
		}
		return true
	}
	return false
}

// selectConjuncts returns the rows of src in [lo, hi) where every
// conjunct is true and not null (the and() of evalFast, which reads a
// missing value as False): the first conjunct is evaluated on every row,
// each next one only on the rows kept so far (those rows' columns gathered
// when they are under a quarter of the morsel, else on the whole morsel).
func selectConjuncts(cs []*ir.Expr, src *col.Frame, lo, hi int) ([]int32, error) {
	view := sliceFrame(src, lo, hi)
	var idx []int32 // kept rows, relative to lo
	for k, e := range cs {
		if k > 0 && len(idx) == 0 {
			break
		}
		var v *col.Column
		var err error
		sub := false
		if k > 0 && 4*len(idx) < hi-lo {
			var f *col.Frame
			if f, sub = gatherRead(e, view, idx); sub {
				v, err = evalFast(e, f)
			}
		}
		if !sub {
			v, err = evalFast(e, view)
		}
		if err != nil {
			return nil, err
		}
		if v.Type != ir.Bool || v.B == nil {
			return nil, errNotBoolMask
		}
		if k == 0 {
			idx = make([]int32, 0, hi-lo)
			for i, b := range v.B[:hi-lo] {
				if b && v.IsValid(i) {
					idx = append(idx, int32(i))
				}
			}
			continue
		}
		kept := idx[:0]
		for j, i := range idx {
			at := int(i)
			if sub {
				at = j
			}
			if v.B[at] && v.IsValid(at) {
				kept = append(kept, i)
			}
		}
		idx = kept
	}
	for j := range idx {
		idx[j] += int32(lo)
	}
	return idx, nil
}

// gatherRead is the frame of the columns e reads, at rows idx of f (ok is
// false when e reads something other than f's columns, e.g. an index level).
func gatherRead(e *ir.Expr, f *col.Frame, idx []int32) (*col.Frame, bool) {
	names := map[string]bool{}
	e.Columns(names)
	rows := make([]int, len(idx))
	for j, i := range idx {
		rows[j] = int(i)
	}
	out := &col.Frame{N: len(idx)}
	for name := range names {
		cl := f.Col(name)
		if cl == nil {
			return nil, false
		}
		out.Names, out.Cols = append(out.Names, name), append(out.Cols, cl.Take(rows))
	}
	return out, true
}

// errNotBoolMask: the predicate did not give a plain bool column.
var errNotBoolMask = ir.Errorf("Internal", "filter predicate is not a bool column")

// maxRows is the most rows the runtime operators index (int32 row ids).
const maxRows = 1<<31 - 1
