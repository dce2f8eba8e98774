package interp

import (
	"cmp"
	"math"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// Hash grouping: groupby_agg, value_counts and distinct.
//
// Every op here starts by factorizing columns: each row gets a dense code, in
// order of first appearance, such that two rows get the same code exactly when
// pandas puts them in the same group (floats: -0.0 == 0.0, all NaN/nulls are
// one missing value). Several keys are combined pairwise into one code per row.
//
// Aggregations follow pandas' algorithms, not just its results, so that float
// results agree bit for bit: grouped sum/mean use Kahan summation, var/std
// Welford's method, median quickselect (pandas/_libs/groupby.pyx), except that
// pandas 3.1 sums, averages and takes min/max of NaN-free numeric columns
// with np.ufunc.reduceat when each group's rows are contiguous (gbReduceat).
// Reductions of the whole frame (keys == []) follow pandas.core.nanops, i.e.
// numpy's pairwise summation and a two-pass variance (see stats.go).

func init() {
	register("groupby_agg", execGroupByAgg)
	register("value_counts", execValueCounts)
	register("distinct", execDistinct)
}

// gbAggSpec is one entry of groupby_agg's aggs attribute.
type gbAggSpec struct{ name, col, fn string }

func gbAggSpecs(a ir.Attrs) []gbAggSpec {
	list, _ := a["aggs"].([]any)
	out := make([]gbAggSpec, 0, len(list))
	for _, x := range list {
		m, _ := x.(map[string]any)
		s := gbAggSpec{}
		s.name, _ = m["name"].(string)
		s.col, _ = m["col"].(string)
		s.fn, _ = m["fn"].(string)
		out = append(out, s)
	}
	return out
}

func execGroupByAgg(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
	src := in[0]
	keys := n.Attrs.Strings("keys")
	dropna := n.Attrs.Bool("dropna", true)
	asIndex := n.Attrs.Bool("as_index", true)
	g, err := gbGroupRows(src, keys, dropna, n.Attrs.Bool("sort", true))
	if err != nil {
		return nil, err
	}
	whole := len(keys) == 0
	out := &col.Frame{N: g.n()}
	if !whole {
		keyCols := make([]*col.Column, len(keys))
		for k, name := range keys {
			keyCols[k] = gbKeyCol(src, name).Take(g.keyRows[k])
		}
		if asIndex {
			out.Index = keyCols
			out.IndexNames = append([]string(nil), keys...)
		} else {
			out.Names = append(out.Names, keys...)
			out.Cols = append(out.Cols, keyCols...)
		}
	}
	for _, a := range gbAggSpecs(n.Attrs) {
		var v *col.Column
		rt := ir.Int64
		if a.fn == "size" {
			v = gbSize(g)
		} else {
			cl := src.Col(a.col)
			if cl == nil {
				return nil, ir.Errorf("ColumnNotFound", "column %q not found", a.col)
			}
			if rt, _, err = frame.AggResultType(a.fn, cl.Type); err != nil {
				return nil, err
			}
			if whole {
				v, err = wholeAgg(a.fn, cl, g)
			} else {
				v, err = gbAgg(a.fn, cl, g)
			}
			if err != nil {
				return nil, err
			}
		}
		if n.Schema != nil {
			if i := n.Schema.Lookup(a.name); i >= 0 {
				rt = n.Schema.Fields[i].Type
			}
		}
		v.Type = rt
		if rt == ir.Float32 {
			for i, x := range v.F64 {
				v.F64[i] = float64(float32(x))
			}
		}
		out.Names = append(out.Names, a.name)
		out.Cols = append(out.Cols, v)
	}
	return out, nil
}

func gbSize(g *gbGroups) *col.Column {
	out := make([]int64, g.n())
	for _, gi := range g.gid {
		if gi >= 0 {
			out[gi]++
		}
	}
	return col.NewInt64(out)
}

// gbAgg computes aggregation fn of c per group (pandas' groupby kernels).
// The result's Type is set by the caller from the schema.
func gbAgg(fn string, c *col.Column, g *gbGroups) (*col.Column, error) {
	if g.mono && gbReduceatOK(fn, c) {
		return gbReduceat(fn, c, g), nil
	}
	switch fn {
	case "count":
		out := make([]int64, g.n())
		for i, gi := range g.gid {
			if gi >= 0 && !c.IsNA(i) {
				out[gi]++
			}
		}
		return col.NewInt64(out), nil
	case "nunique":
		return gbNunique(c, g)
	case "first", "last", "min", "max":
		return c.Take(gbPick(fn, c, g)), nil
	case "sum":
		return gbSum(c, g)
	case "mean":
		switch c.Type {
		case ir.Float32:
			return gbMean[float32](c, g), nil
		case ir.Float64, ir.Int64, ir.Int32, ir.Bool:
			return gbMean[float64](c, g), nil
		}
	case "var":
		switch c.Type {
		case ir.Float32:
			return gbVar[float32](c, g, false), nil
		case ir.Float64, ir.Int64, ir.Int32, ir.Bool:
			return gbVar[float64](c, g, false), nil
		}
	case "std":
		if c.Type.IsNumeric() {
			return gbVar[float64](c, g, true), nil
		}
	case "median":
		if c.Type.IsNumeric() {
			return gbMedian(c, g), nil
		}
	}
	return nil, ir.Errorf("NotImplemented", "agg function %s of a %s column", fn, c.Type)
}

// gbReduceatOK reports whether pandas aggregates c with ufunc.reduceat when
// the groups are monotonic: sum, mean, min, max of a numpy int, float or bool
// column holding no NaN.
func gbReduceatOK(fn string, c *col.Column) bool {
	switch fn {
	case "sum", "mean", "min", "max":
	default:
		return false
	}
	switch c.Type {
	case ir.Int64, ir.Int32, ir.Bool:
		return c.Valid == nil || !c.HasNulls() // a bool column with nulls is object
	case ir.Float64, ir.Float32:
		for i := 0; i < c.N; i++ {
			if c.IsNA(i) {
				return false
			}
		}
		return true
	}
	return false
}

// gbReduceat is np.<ufunc>.reduceat over the groups' contiguous segments:
// each segment reduces as its first value combined with the pairwise sum
// (add) or the running min/max (numpy keeps the later of equal values) of
// the rest. mean sums float64 images; every result is float64 there.
func gbReduceat(fn string, c *col.Column, g *gbGroups) *col.Column {
	ng := g.n()
	start := 0
	for start < len(g.gid) && g.gid[start] < 0 {
		start++
	}
	bounds := make([]int, ng+1) // segment of group i: bounds[i]:bounds[i+1]
	bounds[0] = start
	for i := start; i < len(g.gid); i++ {
		bounds[g.gid[i]+1] = i + 1
	}
	switch fn {
	case "min", "max":
		if c.Type.IsFloat() {
			out := make([]float64, ng)
			for gi := range out {
				seg := c.F64[bounds[gi]:bounds[gi+1]]
				acc := seg[0]
				for _, x := range seg[1:] {
					if fn == "min" && !(acc < x) || fn == "max" && !(acc > x) {
						acc = x
					}
				}
				out[gi] = acc
			}
			return col.NewFloat64(out)
		}
		pick := gbPick(fn, c, g) // exact for ints and bools
		return c.Take(pick)
	case "sum":
		switch c.Type {
		case ir.Float64:
			out := make([]float64, ng)
			for gi := range out {
				seg := c.F64[bounds[gi]:bounds[gi+1]]
				out[gi] = seg[0] + ndPairwise(seg[1:])
			}
			return col.NewFloat64(out)
		case ir.Float32:
			out := make([]float64, ng)
			for gi := range out {
				seg := ndTo32(c.F64[bounds[gi]:bounds[gi+1]])
				out[gi] = float64(seg[0] + ndPairwise(seg[1:]))
			}
			return col.NewFloat64(out)
		}
		v, _ := gbSum(c, g) // int64 sums are exact (wrapping) in any order
		return v
	}
	// mean
	vals := gbNumeric(c)
	out := make([]float64, ng)
	for gi := range out {
		seg := vals[bounds[gi]:bounds[gi+1]]
		out[gi] = (seg[0] + ndPairwise(seg[1:])) / float64(len(seg))
	}
	return col.NewFloat64(out)
}

// gbPick returns, per group, the row holding the first/last non-missing value
// or the min/max (ties: the first such row, as pandas' strict comparisons);
// -1 where the group has no value.
func gbPick(fn string, c *col.Column, g *gbGroups) []int {
	pick := make([]int, g.n())
	for i := range pick {
		pick[i] = -1
	}
	sign := 1 // replace the candidate when cmp(row, cand) == sign
	switch fn {
	case "first":
		for i, gi := range g.gid {
			if gi >= 0 && pick[gi] < 0 && !c.IsNA(i) {
				pick[gi] = i
			}
		}
		return pick
	case "last":
		for i, gi := range g.gid {
			if gi >= 0 && !c.IsNA(i) {
				pick[gi] = i
			}
		}
		return pick
	case "min":
		sign = -1
	}
	for i, gi := range g.gid {
		if gi < 0 || c.IsNA(i) {
			continue
		}
		if p := pick[gi]; p < 0 || gbCmpRows(c, i, p) == sign {
			pick[gi] = i
		}
	}
	return pick
}

// gbNumeric returns c's values as float64 (bools as 0/1); missing values are
// reported by c.IsNA.
func gbNumeric(c *col.Column) []float64 {
	switch {
	case c.Type.IsFloat():
		return c.F64
	case c.Type == ir.Bool:
		v := make([]float64, c.N)
		for i, b := range c.B {
			if b {
				v[i] = 1
			}
		}
		return v
	case c.Type.IsInt():
		v := make([]float64, c.N)
		for i, x := range c.I64 {
			v[i] = float64(x)
		}
		return v
	}
	return nil
}

func gbSum(c *col.Column, g *gbGroups) (*col.Column, error) {
	switch c.Type {
	case ir.Float64:
		s, _ := gbKahan[float64](c.F64, c, g)
		return gbFloatCol(s), nil
	case ir.Float32:
		s, _ := gbKahan[float32](c.F64, c, g)
		return gbFloatCol(s), nil
	case ir.Int64, ir.Int32, ir.Bool:
		// int64 accumulation wraps like numpy (pandas sums int32 in int64 too)
		out := make([]int64, g.n())
		for i, gi := range g.gid {
			if gi < 0 || (c.Valid != nil && !c.IsValid(i)) {
				continue
			}
			if c.Type == ir.Bool {
				if c.B[i] {
					out[gi]++
				}
			} else {
				out[gi] += c.I64[i]
			}
		}
		return col.NewInt64(out), nil
	}
	return nil, ir.Errorf("NotImplemented", "sum of a %s column", c.Type)
}

// gbKahan is pandas' group_sum: Kahan-compensated sums in T, per group, of
// the non-missing values; also returns the counts of those values.
func gbKahan[T float32 | float64](vals []float64, c *col.Column, g *gbGroups) ([]T, []int64) {
	ng := g.n()
	sum := make([]T, ng)
	comp := make([]T, ng)
	nobs := make([]int64, ng)
	for i, gi := range g.gid {
		if gi < 0 || c.IsNA(i) {
			continue
		}
		nobs[gi]++
		y := T(vals[i]) - comp[gi]
		t := sum[gi] + y
		comp[gi] = t - sum[gi] - y
		if comp[gi] != comp[gi] {
			comp[gi] = 0 // val was ±inf (GH#53606)
		}
		sum[gi] = t
	}
	return sum, nobs
}

func gbFloatCol[T float32 | float64](v []T) *col.Column {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return col.NewFloat64(out)
}

// gbMean is pandas' group_mean: a Kahan sum in T divided by the count.
func gbMean[T float32 | float64](c *col.Column, g *gbGroups) *col.Column {
	sum, nobs := gbKahan[T](gbNumeric(c), c, g)
	out := make([]float64, len(sum))
	for i := range sum {
		if nobs[i] == 0 {
			out[i] = math.NaN()
		} else {
			out[i] = float64(sum[i] / T(nobs[i]))
		}
	}
	return col.NewFloat64(out)
}

// gbVar is pandas' group_var (ddof=1): Welford's method in T; std takes the
// square root (pandas computes std in float64 for every input type).
func gbVar[T float32 | float64](c *col.Column, g *gbGroups, std bool) *col.Column {
	vals := gbNumeric(c)
	ng := g.n()
	mean := make([]T, ng)
	m2 := make([]T, ng)
	nobs := make([]int64, ng)
	for i, gi := range g.gid {
		if gi < 0 || c.IsNA(i) {
			continue
		}
		nobs[gi]++
		v := T(vals[i])
		old := mean[gi]
		mean[gi] += (v - old) / T(nobs[gi])
		m2[gi] += T((v - mean[gi]) * (v - old)) // conversion: no fused multiply-add
	}
	out := make([]float64, ng)
	for i := range out {
		ct := T(nobs[i])
		switch {
		case ct <= 1:
			out[i] = math.NaN()
		case std:
			out[i] = math.Sqrt(float64(m2[i] / (ct - 1)))
		default:
			out[i] = float64(m2[i] / (ct - 1))
		}
	}
	return col.NewFloat64(out)
}

// gbMedian is pandas' group_median_float64: each group's non-missing values
// in row order, then quickselect.
func gbMedian(c *col.Column, g *gbGroups) *col.Column {
	vals := gbNumeric(c)
	ng := g.n()
	start := make([]int, ng+1)
	for i, gi := range g.gid {
		if gi >= 0 && !c.IsNA(i) {
			start[gi+1]++
		}
	}
	for i := 0; i < ng; i++ {
		start[i+1] += start[i]
	}
	buf := make([]float64, start[ng])
	fill := append([]int(nil), start[:ng]...)
	for i, gi := range g.gid {
		if gi >= 0 && !c.IsNA(i) {
			buf[fill[gi]] = vals[i]
			fill[gi]++
		}
	}
	out := make([]float64, ng)
	for gi := range out {
		out[gi] = gbMedianLinear(buf[start[gi]:start[gi+1]])
	}
	return col.NewFloat64(out)
}

// gbMedianLinear is pandas' calc_median_linear (reorders a).
func gbMedianLinear(a []float64) float64 {
	n := len(a)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return gbKthSmallest(a, n/2)
	}
	hi := gbKthSmallest(a, n/2)
	lo := gbKthSmallest(a, n/2-1)
	return (hi + lo) / 2
}

// gbKthSmallest is pandas' kth_smallest_c (Hoare's selection, in place).
func gbKthSmallest(a []float64, k int) float64 {
	l, m := 0, len(a)-1
	for l < m {
		x := a[k]
		i, j := l, m
		for {
			for a[i] < x {
				i++
			}
			for x < a[j] {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
			if i > j {
				break
			}
		}
		if j < k {
			l = i
		}
		if k < i {
			m = j
		}
	}
	return a[k]
}

// gbNunique counts the distinct non-missing values of each group.
func gbNunique(c *col.Column, g *gbGroups) (*col.Column, error) {
	f, err := gbFactorize(c, false)
	if err != nil {
		return nil, err
	}
	out := make([]int64, g.n())
	if g.n() == 1 {
		seen := make([]bool, len(f.first))
		for i, gi := range g.gid {
			if code := f.codes[i]; gi >= 0 && code >= 0 && !seen[code] {
				seen[code] = true
				out[0]++
			}
		}
		return col.NewInt64(out), nil
	}
	seen := make(map[uint64]struct{})
	for i, gi := range g.gid {
		code := f.codes[i]
		if gi < 0 || code < 0 {
			continue
		}
		k := uint64(gi)<<32 | uint64(code)
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			out[gi]++
		}
	}
	return col.NewInt64(out), nil
}

// execValueCounts is Series.value_counts: counts of the distinct values,
// sorted by count (stable: ties keep the order of first appearance, the
// missing value included) or in order of first appearance.
func execValueCounts(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
	name := n.Attrs.Str("column")
	cl := in[0].Col(name)
	if cl == nil {
		return nil, ir.Errorf("ColumnNotFound", "column %q not found", name)
	}
	f, err := gbFactorize(cl, !n.Attrs.Bool("dropna", true))
	if err != nil {
		return nil, err
	}
	k := len(f.first)
	counts := make([]int64, k)
	var total int64
	for _, code := range f.codes {
		if code >= 0 {
			counts[code]++
			total++
		}
	}
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	if n.Attrs.Bool("sort", true) {
		asc := n.Attrs.Bool("ascending", false)
		slices.SortStableFunc(order, func(x, y int) int {
			if asc {
				return cmp.Compare(counts[x], counts[y])
			}
			return cmp.Compare(counts[y], counts[x])
		})
	}
	rows := make([]int, k)
	for i, code := range order {
		rows[i] = f.first[code]
	}
	out := &col.Frame{N: k, Index: []*col.Column{cl.Take(rows)}, IndexNames: []string{name}}
	if n.Attrs.Bool("normalize", false) {
		p := make([]float64, k)
		for i, code := range order {
			p[i] = float64(counts[code]) / float64(total)
		}
		out.Names, out.Cols = []string{"proportion"}, []*col.Column{col.NewFloat64(p)}
	} else {
		cnt := make([]int64, k)
		for i, code := range order {
			cnt[i] = counts[code]
		}
		out.Names, out.Cols = []string{"count"}, []*col.Column{col.NewInt64(cnt)}
	}
	return out, nil
}

// execDistinct is Series.unique(): distinct values in order of first
// appearance, the missing value once.
func execDistinct(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
	name := n.Attrs.Str("column")
	cl := in[0].Col(name)
	if cl == nil {
		return nil, ir.Errorf("ColumnNotFound", "column %q not found", name)
	}
	f, err := gbFactorize(cl, true)
	if err != nil {
		return nil, err
	}
	return &col.Frame{N: len(f.first), Names: []string{name}, Cols: []*col.Column{cl.Take(f.first)}}, nil
}
