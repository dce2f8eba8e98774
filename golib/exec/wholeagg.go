package exec

// Whole-column statistics (a groupby_agg without keys: Series.mean(),
// .var(), .std(), with the size and count Series' reductions ask for) over the workers, with the interpreter's arithmetic
// (nanops: the values as float64, a missing one as 0 and not counted;
// numpy's pairwise sums): the values and the squared deviations are made
// morsel by morsel, and each pairwise sum's top split runs its halves on two
// goroutines at numpy's split point, so every sum is the serial one bit for
// bit. Other aggregations, and float32 or bool columns, take the
// interpreter.

import (
	"math"
	"sync"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// wholeAggs computes the keyless aggregations of groupby_agg n over src
// (ok false: one of them is not handled here).
func wholeAggs(c *Ctx, n *ir.Node, src *col.Frame) (*col.Frame, bool, error) {
	na := interp.GroupAggCount(n)
	out := &col.Frame{N: 1}
	for i := 0; i < na; i++ {
		name, cname, fn := interp.GroupAggSpec(n, i)
		want := ir.Float64
		if fn == "size" || fn == "count" {
			want = ir.Int64
		}
		if n.Schema != nil {
			if k := n.Schema.Lookup(name); k < 0 || n.Schema.Fields[k].Type != want {
				return nil, false, nil
			}
		}
		if fn == "size" {
			out.Names = append(out.Names, name)
			out.Cols = append(out.Cols, col.NewInt64([]int64{int64(src.N)}))
			continue
		}
		cl := src.Col(cname)
		if cl != nil && cl.Lookup != nil && (cl.Type != ir.Int64 || fn != "count" && fn != "mean" && fn != "var" && fn != "std") {
			cl = cl.Materialize() // intStat and count take an int64 lookup column as it is
		}
		if cl != nil && fn == "count" {
			k, err := countValid(c, n, cl)
			if err != nil {
				return nil, false, err
			}
			out.Names = append(out.Names, name)
			out.Cols = append(out.Cols, col.NewInt64([]int64{int64(k)}))
			continue
		}
		if cl == nil || (cl.Type != ir.Int64 && cl.Type != ir.Float64) || (fn != "mean" && fn != "var" && fn != "std") {
			return nil, false, nil
		}
		v, err := wholeStat(c, n, fn, cl)
		if err != nil {
			return nil, false, err
		}
		out.Names = append(out.Names, name)
		out.Cols = append(out.Cols, col.NewFloat64([]float64{v}))
	}
	return out, true, nil
}

// wholeStat is interp's ndMean / ndVar / ndStd of an int64 or float64 column.
func wholeStat(c *Ctx, n *ir.Node, fn string, cl *col.Column) (float64, error) {
	if cl.N == 0 {
		return math.NaN(), nil
	}
	if cl.Lookup != nil && cl.Type == ir.Int64 {
		return intStat(c, n, fn, cl.Lookup.I64, cl.Lookup.Codes)
	}
	if cl.Valid == nil && cl.Type == ir.Int64 {
		return intStat(c, n, fn, cl.I64, nil)
	}
	v := col.Uninit[float64](cl.N)
	counts := make([]int, max(numMorsels(cl.N), 1))
	err := forMorsels(c, n, cl.N, func(m, lo, hi int) error {
		cnt := 0
		switch {
		case cl.Valid == nil && cl.Type == ir.Int64: // no missing value: a plain conversion
			for i, x := range cl.I64[lo:hi] {
				v[lo+i] = float64(x)
			}
			cnt = hi - lo
		case cl.Valid == nil: // float64: NaN is missing
			for i, x := range cl.F64[lo:hi] {
				if x != x {
					v[lo+i] = 0
					continue
				}
				v[lo+i] = x
				cnt++
			}
		default:
			for i := lo; i < hi; i++ {
				if cl.IsNA(i) {
					v[i] = 0
					continue
				}
				cnt++
				if cl.Type == ir.Float64 {
					v[i] = cl.F64[i]
				} else {
					v[i] = float64(cl.I64[i])
				}
			}
		}
		counts[m] = cnt
		return nil
	})
	if err != nil {
		return 0, err
	}
	cnt := 0
	for _, k := range counts {
		cnt += k
	}
	if fn == "mean" {
		if cnt == 0 {
			return math.NaN(), nil
		}
		if cl.Type == ir.Float64 {
			return (0 + parPairwise(v)) / float64(cnt), nil
		}
		s, err := castSum(c, n, v) // ints summed with dtype=float64
		return s / float64(cnt), err
	}
	count := float64(cnt)
	if count <= 1 {
		return math.NaN(), nil
	}
	avg := (0 + parPairwise(v)) / count
	err = forMorsels(c, n, cl.N, func(_, lo, hi int) error {
		if cnt == cl.N { // no missing value
			for i, x := range v[lo:hi] {
				dx := avg - x
				v[lo+i] = dx * dx
			}
			return nil
		}
		for i := lo; i < hi; i++ {
			if cl.IsNA(i) {
				continue // v[i] is 0: its square stays 0
			}
			dx := avg - v[i]
			v[i] = dx * dx
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	r := (0 + parPairwise(v)) / (count - 1)
	if fn == "std" {
		r = math.Sqrt(r)
	}
	return r, nil
}

// parPairwise is numpy's pairwise sum of a, its first split's halves summed
// concurrently when a is large (the same additions in the same order).
func parPairwise(a []float64) float64 {
	return firstSplit(len(a), func(lo, n int) float64 { return interp.Pairwise(a[lo : lo+n]) })
}

// firstSplit is sum(0, n), or, for n large enough on two or more workers,
// sum(0, n2) + sum(n2, n-n2) at the pairwise sum's first split n2, the
// halves computed concurrently (sum(lo, n): the pairwise sum of the n
// values from lo).
func firstSplit(n int, sum func(lo, n int) float64) float64 {
	if Workers() < 2 || n < 1<<16 {
		return sum(0, n)
	}
	n2 := n / 2
	n2 -= n2 % 8
	var left float64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		left = sum(0, n2)
	}()
	right := sum(n2, n-n2)
	wg.Wait()
	return left + right
}

// castSum is add.reduce(dtype=float64) of values cast from another type:
// the pairwise sums of buffers of interp.BufSize values, added in order
// (the buffers' sums computed over the workers).
func castSum(c *Ctx, n *ir.Node, v []float64) (float64, error) {
	return castSumOf(c, n, len(v), func(lo, m int) float64 { return interp.Pairwise(v[lo : lo+m]) })
}

// castSumOf is castSum of n values whose pairwise sums sum(lo, m) gives.
func castSumOf(c *Ctx, node *ir.Node, n int, sum func(lo, m int) float64) (float64, error) {
	k := (n + interp.BufSize - 1) / interp.BufSize
	sums := make([]float64, k)
	err := forTasks(c, node, k, func(t int) error {
		lo := t * interp.BufSize
		sums[t] = sum(lo, min(interp.BufSize, n-lo))
		return nil
	})
	var acc float64
	for _, s := range sums {
		acc += s
	}
	return acc, err
}

// countValid is the number of rows of cl that are not missing (pandas' count).
func countValid(c *Ctx, n *ir.Node, cl *col.Column) (int, error) {
	if cl.Valid == nil && !cl.Type.IsFloat() {
		return cl.N, nil // nothing missing
	}
	counts := make([]int, max(numMorsels(cl.N), 1))
	err := forMorsels(c, n, cl.N, func(m, lo, hi int) error {
		k := 0
		if cl.Valid == nil && cl.Type == ir.Float64 { // NaN is missing
			for _, v := range cl.F64[lo:hi] {
				if v == v {
					k++
				}
			}
			counts[m] = k
			return nil
		}
		for i := lo; i < hi; i++ {
			if !cl.IsNA(i) {
				k++
			}
		}
		counts[m] = k
		return nil
	})
	total := 0
	for _, k := range counts {
		total += k
	}
	return total, err
}

// intStat is wholeStat of an int64 column without missing values: the same
// sums in the same order (castSum's buffers for the mean, parPairwise for
// the variance's mean and its squared deviations), each pairwise leaf's
// values computed as they are summed (pairwiseOf) instead of converted into
// a column first: no 8-byte-a-row buffer is written and read back twice.
// codes, when not nil, is a col.Lookup's: row i's value is x[codes[i]].
func intStat(c *Ctx, n *ir.Node, fn string, x []int64, codes []int32) (float64, error) {
	rows := len(x)
	conv := func(lo int, dst []float64) {
		for i, v := range x[lo : lo+len(dst)] {
			dst[i] = float64(v)
		}
	}
	if codes != nil {
		rows = len(codes)
		conv = func(lo int, dst []float64) {
			for i, k := range codes[lo : lo+len(dst)] {
				dst[i] = float64(x[k])
			}
		}
	}
	count := float64(rows)
	if fn == "mean" {
		if codes != nil {
			if s, ok, err := exactLookupSum(c, n, x, codes); ok || err != nil {
				return float64(s) / count, err
			}
		}
		acc, err := castSumOf(c, n, rows, func(lo, m int) float64 {
			return pairwiseOf(lo, m, conv, make([]float64, pairwiseLeaf))
		})
		return acc / count, err
	}
	if count <= 1 {
		return math.NaN(), nil
	}
	avg, exact := 0.0, false
	if codes != nil {
		s, ok, err := exactLookupSum(c, n, x, codes)
		if err != nil {
			return 0, err
		}
		avg, exact = float64(s)/count, ok // numpy's pairwise sum, each addition exact
	}
	if !exact {
		avg = (0 + parPairwiseOf(rows, conv)) / count
	}
	sq := func(lo int, dst []float64) {
		for i, v := range x[lo : lo+len(dst)] {
			dx := avg - float64(v)
			dst[i] = dx * dx
		}
	}
	if codes != nil {
		sq = func(lo int, dst []float64) {
			for i, k := range codes[lo : lo+len(dst)] {
				dx := avg - float64(x[k])
				dst[i] = dx * dx
			}
		}
	}
	r := (0 + parPairwiseOf(rows, sq)) / (count - 1)
	if fn == "std" {
		r = math.Sqrt(r)
	}
	return r, ctxErr(c)
}

// exactLookupSum is the sum of a lookup column's values (row i's is
// x[codes[i]]) in int64 when every partial sum of them is an integer of at
// most 2^53 in magnitude (the largest |value| times the rows is): each
// float64 addition of numpy's pairwise sum is then exact, so its result is
// this sum whatever the order. ok false otherwise.
func exactLookupSum(c *Ctx, n *ir.Node, x []int64, codes []int32) (int64, bool, error) {
	var most uint64
	for _, v := range x {
		a := uint64(v)
		if v < 0 {
			a = uint64(-v) // math.MinInt64 stays 1<<63: over the bound
		}
		most = max(most, a)
	}
	if most != 0 && (most > 1<<53 || uint64(len(codes)) > (1<<53)/most) {
		return 0, false, nil
	}
	parts := make([]int64, max(numMorsels(len(codes)), 1))
	err := forMorsels(c, n, len(codes), func(m, lo, hi int) error {
		var s0, s1, s2, s3 int64
		cs := codes[lo:hi]
		i := 0
		for ; i+4 <= len(cs); i += 4 {
			s0 += x[cs[i]]
			s1 += x[cs[i+1]]
			s2 += x[cs[i+2]]
			s3 += x[cs[i+3]]
		}
		for ; i < len(cs); i++ {
			s0 += x[cs[i]]
		}
		parts[m] = s0 + s1 + s2 + s3
		return nil
	})
	var s int64
	for _, p := range parts {
		s += p
	}
	return s, err == nil, err
}

// pairwiseLeaf is the most values numpy's pairwise sum adds without
// splitting.
const pairwiseLeaf = 128

// pairwiseOf is interp.Pairwise of the n values that fill writes (fill(lo,
// dst) writes values lo..lo+len(dst)-1), without them in memory: the same
// splits, each leaf filled into buf (pairwiseLeaf values, reused) and summed
// by interp.Pairwise itself.
func pairwiseOf(lo, n int, fill func(lo int, dst []float64), buf []float64) float64 {
	if n <= pairwiseLeaf {
		fill(lo, buf[:n])
		return interp.Pairwise(buf[:n])
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseOf(lo, n2, fill, buf) + pairwiseOf(lo+n2, n-n2, fill, buf)
}

// parPairwiseOf is parPairwise of the values fill writes.
func parPairwiseOf(n int, fill func(lo int, dst []float64)) float64 {
	return firstSplit(n, func(lo, m int) float64 { return pairwiseOf(lo, m, fill, make([]float64, pairwiseLeaf)) })
}
