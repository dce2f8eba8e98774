package interp

import (
	"math"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Whole-column statistics (describe, groupby_agg with no keys) and dropna.
//
// Reductions over a whole column follow pandas.core.nanops, whose float
// results depend on numpy's summation order: add.reduce over a contiguous
// array sums pairwise (ndPairwise); one that casts while summing (an int or
// float32 array summed as float64) does so in buffers of 8192 elements, each
// summed pairwise (ndAddReduceCast).

func init() {
	register("describe", execDescribe)
	register("dropna", execDropna)
}

// ndBufSize is numpy's default ufunc buffer size (np.getbufsize()).
const ndBufSize = 8192

// ndPairwise is numpy's pairwise_sum over a contiguous array.
func ndPairwise[T float32 | float64](a []T) T {
	n := len(a)
	switch {
	case n < 8:
		res := T(math.Copysign(0, -1)) // numpy starts from -0.0
		for _, x := range a {
			res += x
		}
		return res
	case n <= 128:
		var r [8]T
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			r[0] += a[i]
			r[1] += a[i+1]
			r[2] += a[i+2]
			r[3] += a[i+3]
			r[4] += a[i+4]
			r[5] += a[i+5]
			r[6] += a[i+6]
			r[7] += a[i+7]
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	}
	n2 := n / 2
	n2 -= n2 % 8
	return ndPairwise(a[:n2]) + ndPairwise(a[n2:])
}

// ndAddReduce is add.reduce over a contiguous array of the accumulator type.
func ndAddReduce[T float32 | float64](a []T) T { return 0 + ndPairwise(a) }

// ndAddReduceCast is add.reduce(dtype=float64) over an array of another type:
// the values are cast buffer by buffer.
func ndAddReduceCast(a []float64) float64 {
	var acc float64
	for s := 0; s < len(a); s += ndBufSize {
		acc += ndPairwise(a[s:min(s+ndBufSize, len(a))])
	}
	return acc
}

// ndValues returns c's non-missing values as float64 with missing ones
// replaced by 0 (nanops' _get_values(fill_value=0)), and their count.
func ndValues(c *col.Column) ([]float64, int) {
	v := make([]float64, c.N)
	cnt := 0
	for i := 0; i < c.N; i++ {
		if c.IsNA(i) {
			continue
		}
		cnt++
		switch {
		case c.Type.IsFloat():
			v[i] = c.F64[i]
		case c.Type == ir.Bool:
			if c.B[i] {
				v[i] = 1
			}
		default:
			v[i] = float64(c.I64[i])
		}
	}
	return v, cnt
}

func ndTo32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// ndSum is nanops.nansum (float: NaN skipped, empty is 0).
func ndSum(c *col.Column) *col.Column {
	switch c.Type {
	case ir.Float64:
		v, _ := ndValues(c)
		return col.NewFloat64([]float64{ndAddReduce(v)})
	case ir.Float32:
		v, _ := ndValues(c)
		return col.NewFloat64([]float64{float64(ndAddReduce(ndTo32(v)))})
	}
	var s int64 // int64 accumulator, wrapping like numpy
	for i := 0; i < c.N; i++ {
		if c.Valid != nil && !c.IsValid(i) {
			continue
		}
		if c.Type == ir.Bool {
			if c.B[i] {
				s++
			}
		} else {
			s += c.I64[i]
		}
	}
	return col.NewInt64([]int64{s})
}

// ndMean is nanops.nanmean.
func ndMean(c *col.Column) float64 {
	if c.N == 0 {
		return math.NaN()
	}
	v, cnt := ndValues(c)
	if cnt == 0 {
		return math.NaN()
	}
	switch {
	case c.Type == ir.Float64:
		return ndAddReduce(v) / float64(cnt)
	case c.Type == ir.Float32:
		return float64(ndAddReduce(ndTo32(v)) / float32(cnt))
	case c.Type == ir.Bool:
		return ndAddReduce(v) / float64(cnt) // an exact int64 sum
	}
	return ndAddReduceCast(v) / float64(cnt) // ints summed with dtype=float64
}

// ndVar is nanops.nanvar (ddof=1): two passes, mean then squared deviations.
func ndVar(c *col.Column) float64 {
	if c.N == 0 {
		return math.NaN()
	}
	v, cnt := ndValues(c)
	sq := make([]float64, len(v))
	if c.Type == ir.Float32 {
		count := float32(cnt) // counts in the values' dtype
		d := count - 1
		if count <= 1 {
			return math.NaN()
		}
		avg := ndAddReduceCast(v) / float64(count)
		for i, x := range v {
			if !c.IsNA(i) {
				dx := avg - x
				sq[i] = dx * dx
			}
		}
		return float64(float32(ndAddReduce(sq) / float64(d)))
	}
	count := float64(cnt)
	if count <= 1 {
		return math.NaN()
	}
	avg := ndAddReduce(v) / count
	for i, x := range v {
		if !c.IsNA(i) {
			dx := avg - x
			sq[i] = dx * dx
		}
	}
	return ndAddReduce(sq) / (count - 1)
}

// ndStd is nanops.nanstd.
func ndStd(c *col.Column) float64 {
	s := math.Sqrt(ndVar(c))
	if c.Type == ir.Float32 {
		s = float64(float32(s))
	}
	return s
}

// ndSorted returns c's non-missing values as float64, sorted.
func ndSorted(c *col.Column) []float64 {
	v := make([]float64, 0, c.N)
	for i := 0; i < c.N; i++ {
		if c.IsNA(i) {
			continue
		}
		switch {
		case c.Type.IsFloat():
			v = append(v, c.F64[i])
		case c.Type == ir.Bool:
			v = append(v, ndB2F(c.B[i]))
		default:
			v = append(v, float64(c.I64[i]))
		}
	}
	slices.Sort(v)
	return v
}

func ndB2F(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// ndMedian is nanops.nanmedian (np.median of the non-missing values).
func ndMedian(c *col.Column) float64 {
	v := ndSorted(c)
	n := len(v)
	if n == 0 {
		return math.NaN()
	}
	var m float64
	if n%2 == 1 {
		m = 0 + v[n/2]
	} else {
		m = (0 + v[n/2-1] + v[n/2]) / 2
	}
	if c.Type == ir.Float32 {
		m = float64(float32(m))
	}
	return m
}

// ndMinMax is nanops.nanmin/nanmax as float64 (NaN when there is no value);
// of equal values (-0.0, 0.0) the later wins, as np.minimum/np.maximum.
func ndMinMax(c *col.Column, isMax bool) float64 {
	acc, ok := 0.0, false
	for i := 0; i < c.N; i++ {
		if c.IsNA(i) {
			continue
		}
		var x float64
		switch {
		case c.Type.IsFloat():
			x = c.F64[i]
		case c.Type == ir.Bool:
			x = ndB2F(c.B[i])
		default:
			x = float64(c.I64[i])
		}
		if !ok || (isMax && x >= acc) || (!isMax && x <= acc) {
			acc, ok = x, true
		}
	}
	if !ok {
		return math.NaN()
	}
	return acc
}

// ndQuantiles is Series.quantile(qs) (np.quantile, method="linear") of c's
// non-missing values, including numpy's arithmetic: b - a is computed in the
// values' dtype (wrapping for ints, rounded for float32), the rest in float64.
func ndQuantiles(c *col.Column, qs []float64) []float64 {
	out := make([]float64, len(qs))
	var ints []int64
	var floats []float64
	n := 0
	if c.Type.IsInt() {
		for i := 0; i < c.N; i++ {
			if !c.IsNA(i) {
				ints = append(ints, c.I64[i])
			}
		}
		slices.Sort(ints)
		n = len(ints)
	} else {
		floats = ndSorted(c)
		n = len(floats)
	}
	for k, q := range qs {
		if n == 0 {
			out[k] = math.NaN()
			continue
		}
		vi := float64(n-1) * q
		var prev, next int
		var gamma float64
		if vi >= float64(n-1) {
			prev, next = n-1, n-1
			gamma = vi + 1 // numpy takes the last element as index -1
		} else {
			prev = int(math.Floor(vi))
			next = prev + 1
			gamma = vi - float64(prev)
		}
		var a, b, diff float64
		switch c.Type {
		case ir.Int64:
			a, b = float64(ints[prev]), float64(ints[next])
			diff = float64(ints[next] - ints[prev])
		case ir.Int32:
			a, b = float64(ints[prev]), float64(ints[next])
			diff = float64(int32(ints[next]) - int32(ints[prev]))
		case ir.Float32:
			a, b = floats[prev], floats[next]
			diff = float64(float32(b) - float32(a))
		default:
			a, b = floats[prev], floats[next]
			diff = b - a
		}
		// conversions keep the products rounded (no fused multiply-add)
		if gamma >= 0.5 {
			out[k] = b - float64(diff*(1-gamma))
		} else {
			out[k] = a + float64(diff*gamma)
		}
	}
	return out
}

// wholeAgg reduces all rows of c to one value (groupby_agg with no keys):
// pandas' Series reductions (nanops) for the numeric ones.
func wholeAgg(fn string, c *col.Column, g *gbGroups) (*col.Column, error) {
	numeric := c.Type.IsNumeric()
	one := func(x float64) *col.Column { return col.NewFloat64([]float64{x}) }
	switch {
	case fn == "sum" && numeric:
		return ndSum(c), nil
	case fn == "mean" && numeric:
		return one(ndMean(c)), nil
	case fn == "var" && numeric:
		return one(ndVar(c)), nil
	case fn == "std" && numeric:
		return one(ndStd(c)), nil
	case fn == "median" && numeric:
		return one(ndMedian(c)), nil
	case (fn == "min" || fn == "max") && c.Type.IsFloat():
		return one(ndMinMax(c, fn == "max")), nil
	}
	return gbAgg(fn, c, g)
}

var ndDescribeStats = []string{"count", "mean", "std", "min", "25%", "50%", "75%", "max"}

// execDescribe is DataFrame.describe() over the numeric (non-bool) columns.
func execDescribe(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
	src := in[0]
	out := &col.Frame{N: len(ndDescribeStats), IndexNames: []string{""},
		Index: []*col.Column{col.NewStrings(ndDescribeStats, nil)}}
	for i, name := range src.Names {
		cl := src.Cols[i]
		if !cl.Type.IsNumeric() || cl.Type == ir.Bool {
			continue
		}
		qs := ndQuantiles(cl, []float64{0.25, 0.5, 0.75})
		cnt := 0
		for j := 0; j < cl.N; j++ {
			if !cl.IsNA(j) {
				cnt++
			}
		}
		if cl.Type == ir.Float32 && cnt < cl.N {
			// pandas casts the quantiles of a float column with NaNs to its dtype
			for k, v := range qs {
				qs[k] = float64(float32(v))
			}
		}
		mn, mx := ndMinMax(cl, false), ndMinMax(cl, true)
		vals := []float64{float64(cnt), ndMean(cl), ndStd(cl), mn, qs[0], qs[1], qs[2], mx}
		out.Names = append(out.Names, name)
		out.Cols = append(out.Cols, col.NewFloat64(vals))
	}
	if len(out.Cols) == 0 {
		return nil, ir.Errorf("NotImplemented", "describe() of a frame without numeric columns")
	}
	return out, nil
}

// execDropna drops the rows with a missing value in the subset columns (all
// columns when absent): any of them (how="any") or all of them (how="all").
func execDropna(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
	src := in[0]
	cols := src.Cols
	if n.Attrs["subset"] != nil {
		cols = nil
		for _, name := range n.Attrs.Strings("subset") {
			cl := src.Col(name)
			if cl == nil {
				return nil, ir.Errorf("ColumnNotFound", "column %q not found", name)
			}
			cols = append(cols, cl)
		}
	}
	how := n.Attrs.Str("how")
	if how == "" {
		how = "any"
	}
	if how != "any" && how != "all" {
		return nil, ir.Errorf("Value", "invalid how option: %s", how)
	}
	keep := make([]int, 0, src.N)
	for i := 0; i < src.N; i++ {
		na := 0
		for _, cl := range cols {
			if cl.IsNA(i) {
				na++
			}
		}
		if (how == "any" && na == 0) || (how == "all" && na < len(cols)) {
			keep = append(keep, i)
		}
	}
	return src.Take(keep), nil
}
