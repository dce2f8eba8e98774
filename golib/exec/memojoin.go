package exec

// A lookup join over a memoized probe column: a left or inner merge whose
// one key is a left string column with memoized value numbers (colcodes.go:
// the flights ETL's airport columns, numbered from the Parquet dictionaries
// by the scan or by its unique() calls) and whose right side is a small
// table of unique keys (the codes table) finds each distinct left value's
// right row once and writes each right output column in one pass,
// out[r] = right[row of value codes[r]]; the left columns pass through.
// The general path takes four passes over the left rows (key ids, match
// counts, right rows, the gather). Nulls match nulls, as the hash join's
// keys do (pandas' merge).

import (
	"math"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// memoJoinMaxRight bounds the right side's rows.
const memoJoinMaxRight = 1 << 16

// memoLookupJoin is runJoin's result by the memoized codes of the left key
// (ok false: not such a join; the caller takes the general path).
func memoLookupJoin(c *Ctx, n *ir.Node, l, r *col.Frame, lk, rk []*col.Column, outs []frame.JoinOutput, left bool) (any, bool, error) {
	if len(lk) != 1 || lk[0].Type != ir.String || rk[0].Type != ir.String || r.N > memoJoinMaxRight {
		return nil, false, nil
	}
	cc := memoCodes(lk[0])
	if cc == nil || cc.first == nil || len(cc.codes) != l.N {
		return nil, false, nil
	}
	// the right rows by key (unique keys only)
	rc := rk[0]
	rows := make(map[string]int32, r.N)
	nullRow := int32(-1)
	for j := 0; j < r.N; j++ {
		if !rc.IsValid(j) {
			if nullRow >= 0 {
				return nil, false, nil
			}
			nullRow = int32(j)
			continue
		}
		s := rc.Str(j)
		if _, dup := rows[s]; dup {
			return nil, false, nil
		}
		rows[s] = int32(j)
	}
	pc := lk[0]
	vals := pc.Lookup // a string lookup: number k's value is row k of its strings
	if vals != nil && (!vals.Numbered || vals.Str == nil || vals.Str.N != len(cc.first)) {
		return nil, false, nil
	}
	per := make([]int32, len(cc.first)) // each left value's right row, -1: none
	anyMissing := false
	for k, fr := range cc.first {
		j := nullRow
		switch {
		case vals != nil:
			var ok bool
			if j, ok = rows[vals.Str.Str(k)]; !ok {
				j = -1
			}
		case pc.IsValid(int(fr)):
			var ok bool
			if j, ok = rows[pc.Str(int(fr))]; !ok {
				j = -1
			}
		}
		per[k] = j
		anyMissing = anyMissing || j < 0
	}
	unmatched := 0
	if anyMissing {
		counts := make([]int, len(per))
		for _, k := range cc.codes {
			counts[k]++
		}
		for k, j := range per {
			if j < 0 {
				unmatched += counts[k]
			}
		}
	}
	if err := interp.JoinMatchedError(n, unmatched, l.N); err != nil {
		return nil, true, err
	}
	if !left && unmatched > 0 {
		return nil, false, nil // an inner join dropping rows: the general path
	}
	res := &col.Frame{N: l.N, Names: make([]string, len(outs)), Cols: make([]*col.Column, len(outs))}
	for i, o := range outs {
		var v *col.Column
		if o.Side == 0 {
			if v = l.Cols[o.Col]; v.Type.IsInt() && o.Field.Type.IsFloat() {
				return nil, false, nil
			}
		} else {
			var err error
			if v, err = gatherByCode(c, n, r.Cols[o.Col], per, cc.codes, o.Field.Type, anyMissing); err != nil {
				return nil, true, err
			}
			if v == nil {
				return nil, false, nil
			}
		}
		res.Names[i], res.Cols[i] = o.Name, v
	}
	return res, true, nil
}

// LookupByChunkAttr marks a join whose right columns only a split stage's
// producers read (attachProducers): the lookup join leaves them as
// col.Lookup columns, gathered chunk by chunk as the producers run.
const LookupByChunkAttr = "lookup_by_chunk"

// takesLookups reports whether node n's runtime takes col.Lookup columns in
// its input frames: a join (the lookup join passes left columns through
// and probes a string lookup key by its numbers, its other paths
// materialize them), a distinct (a string lookup's values are its distinct
// values; it materializes the others), a project (plain columns passed
// through, a row-local function of one lookup column evaluated once per
// value: lookupValueExpr; it materializes the others), a groupby_agg
// without keys (wholeAggs: an int64 lookup's statistics from its codes; it
// materializes the others), a dropna (dropna.go: codes gathered), a
// get_dummies (a string lookup's categories and codes from its codes,
// lookupDummyCodes; it materializes the other encoded columns), and a
// row_split (its producers gather them chunk by chunk). Every other node
// gets them materialized (runNode).
func takesLookups(n *ir.Node) bool {
	switch n.Op {
	case "join", "row_split", "project", "distinct", "dropna", "get_dummies":
		return true
	case "groupby_agg":
		return len(n.Attrs.Strings("keys")) == 0
	}
	return false
}

// plainProject reports whether project n only selects and renames columns.
func plainProject(n *ir.Node) bool {
	for _, ne := range n.Attrs.NamedExprs("exprs") {
		if ne.Expr == nil || ne.Expr.Kind != ir.ExprCol {
			return false
		}
	}
	return true
}

// materializeLookups is in with every frame holding col.Lookup columns
// replaced by a copy with them materialized.
func materializeLookups(in []any) []any {
	return materializeLookupsFor(nil, in)
}

// materializeLookupsFor is materializeLookups for node n's inputs: only the
// columns n reads are materialized when n reads a few named columns of its
// input (distinct: its column; groupby_agg: its keys and aggregated
// columns; get_dummies' schema-only probe: its encoded columns) and leaves
// the others unread; every Lookup column otherwise (n nil: all).
func materializeLookupsFor(n *ir.Node, in []any) []any {
	var reads map[string]bool
	if n != nil && len(in) == 1 {
		switch n.Op {
		case "distinct":
			if c := n.Attrs.Str("column"); c != "" {
				reads = map[string]bool{c: true}
			}
		case "get_dummies":
			if n.Attrs.Bool("schema_only", false) && n.Attrs["columns"] != nil {
				reads = map[string]bool{} // the probe reads no row of the other columns
				for _, c := range n.Attrs.Strings("columns") {
					reads[c] = true
				}
			}
		case "groupby_agg":
			reads = map[string]bool{}
			for _, k := range n.Attrs.Strings("keys") {
				reads[k] = true
			}
			for i := range interp.GroupAggCount(n) {
				_, cname, _ := interp.GroupAggSpec(n, i)
				reads[cname] = true
			}
		}
	}
	var out []any
	for i, x := range in {
		f, ok := x.(*col.Frame)
		if !ok || !f.HasLookup() {
			continue
		}
		if out == nil {
			out = append([]any(nil), in...)
		}
		if reads == nil {
			out[i] = f.Materialized()
			continue
		}
		g := *f
		g.Cols = append([]*col.Column(nil), f.Cols...)
		for j, c := range g.Cols {
			if c.Lookup != nil && reads[g.Names[j]] {
				g.Cols[j] = c.Materialize()
			}
		}
		out[i] = &g
	}
	if out == nil {
		return in
	}
	return out
}

// gatherByCode is src's rows per[codes[r]] for every r (-1: missing), as
// gather gives them: a missing row is NaN for floats and null otherwise; a
// null stays null (a float column keeps its validity bitmap), except that a
// promoted integer column holds NaN. nil for a column type it does not take
// (strings, bools).
func gatherByCode(c *Ctx, n *ir.Node, src *col.Column, per []int32, codes []int32, t ir.DType, missing bool) (*col.Column, error) {
	rows := len(codes)
	promote := src.Type.IsInt() && t.IsFloat()
	isFloat := promote || src.Type.IsFloat()
	if !isFloat && !src.Type.IsInt() && !src.Type.IsDatetime() {
		return nil, nil
	}
	// each code's value and validity
	fv := make([]float64, len(per))
	iv := make([]int64, len(per))
	null := make([]bool, len(per))
	anyNull := false
	for k, j := range per {
		switch {
		case promote && (j < 0 || !src.IsValid(int(j))):
			fv[k] = math.NaN()
		case promote:
			fv[k] = float64(src.I64[j])
		case j < 0 && isFloat:
			fv[k] = math.NaN()
		case j < 0 || !src.IsValid(int(j)):
			null[k], anyNull = true, true
		case isFloat:
			fv[k] = src.F64[j]
		default:
			iv[k] = src.I64[j]
		}
	}
	if err := c.reserve(n, int64(rows)*8); err != nil {
		return nil, err
	}
	out := &col.Column{Type: src.Type, N: rows}
	if promote {
		out.Type = t
	}
	if !promote && (src.Valid != nil || (!isFloat && missing)) {
		out.Valid = col.NewBitmap(rows, true)
	}
	if n.Attrs.Bool(LookupByChunkAttr, false) && !anyNull && !promote && out.Valid == nil {
		// read chunk by chunk by a split stage's producers alone: not gathered here
		out.Lookup = &col.Lookup{Codes: codes}
		if isFloat {
			out.Lookup.F64 = fv
		} else {
			out.Lookup.I64 = iv
		}
		return out, nil
	}
	var err error
	if isFloat {
		out.F64 = col.Uninit[float64](rows) // fillByCode writes every row
		err = fillByCode(c, n, out.F64, fv, codes)
	} else {
		out.I64 = col.Uninit[int64](rows)
		err = fillByCode(c, n, out.I64, iv, codes)
	}
	if anyNull { // sequential: morsels may share a bitmap byte
		for i, k := range codes {
			if null[k] {
				col.SetBit(out.Valid, i, false)
			}
		}
	}
	return out, err
}

// fillByCode writes dst[r] = vals[codes[r]], morsel by morsel.
func fillByCode[T any](c *Ctx, n *ir.Node, dst, vals []T, codes []int32) error {
	return forMorsels(c, n, len(codes), func(_, lo, hi int) error {
		col.GatherCodes(dst[lo:hi], vals, codes[lo:hi])
		return nil
	})
}
