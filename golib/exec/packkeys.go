package exec

// Several integer keys packed into one: when every key column of a
// grouping is integer-like (ints, datetimes) and the product of their value
// ranges fits in an int64, each row's keys become one number,
//
//	((k0 - lo0) * span1 + (k1 - lo1)) * span2 + ...
//
// with a null key at the end of its range (code span-1 of that key). The
// packed value orders rows exactly as cmpKeyRows orders the keys (each key
// ascending, nulls last, the first key most significant), so grouping by
// it (a single int key: values compared in the table's slots, an array by
// value when the range is small) gives the same groups in the same order
// without hashing and comparing every key column per row. With dropna, a
// row with a null key is a null packed value (dropped as before).

import (
	"math/bits"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// packIntKeys returns the packed key column of rows [0, rows) of cols, or
// nil when the keys cannot be packed.
func packIntKeys(c *Ctx, n *ir.Node, cols []*col.Column, rows int, dropna bool) (*col.Column, error) {
	if len(cols) < 2 || rows == 0 {
		return nil, nil
	}
	for _, kc := range cols {
		if !(kc.Type.IsInt() || kc.Type.IsDatetime()) || kc.I64 == nil || len(kc.I64) < rows {
			return nil, nil
		}
	}
	nulls := make([]bool, len(cols))
	anyNull := false
	for j, kc := range cols {
		nulls[j] = kc.Valid != nil && kc.HasNulls()
		anyNull = anyNull || nulls[j]
	}
	k := numMorsels(rows)
	parts := make([][]rng, k)
	err := forMorsels(c, n, rows, func(m, a, b int) error {
		rs := make([]rng, len(cols))
		for j, kc := range cols {
			rs[j] = rangeOf(kc, a, b, nulls[j])
		}
		parts[m] = rs
		return nil
	})
	if err != nil {
		return nil, err
	}
	los := make([]int64, len(cols))
	spans := make([]uint64, len(cols)) // codes per key, the null code included
	total := uint64(1)
	for j := range cols {
		var r rng
		for _, p := range parts {
			q := p[j]
			r.nulls = r.nulls || q.nulls
			if !q.seen {
				continue
			}
			if !r.seen || q.lo < r.lo {
				r.lo = q.lo
			}
			if !r.seen || q.hi > r.hi {
				r.hi = q.hi
			}
			r.seen = true
		}
		span := uint64(0)
		if r.seen {
			span = uint64(r.hi) - uint64(r.lo) + 1 // no overflow as unsigned, unless the full range
			if span == 0 {
				return nil, nil
			}
		}
		if r.nulls && !dropna {
			span++
		}
		span = max(span, 1)
		hi, lo := bits.Mul64(total, span)
		if hi != 0 || lo >= 1<<62 {
			return nil, nil
		}
		total = lo
		los[j], spans[j] = r.lo, span
	}
	if err := c.reserve(n, int64(rows)*8); err != nil {
		return nil, err
	}
	out := &col.Column{Type: ir.Int64, N: rows, I64: col.Uninit[int64](rows)} // every row written below
	if dropna && anyNull {
		out.Valid = col.NewBitmap(rows, true)
	}
	err = forMorsels(c, n, rows, func(_, a, b int) error {
		if !anyNull { // column by column: one multiply-add per key and row
			o := out.I64[a:b]
			for j, kc := range cols {
				packInto(o, kc.I64[a:b], los[j], spans[j], j == 0)
			}
			return nil
		}
		for i := a; i < b; i++ {
			code := uint64(0)
			for j, kc := range cols {
				v := uint64(kc.I64[i]) - uint64(los[j])
				if kc.Valid != nil && !kc.IsValid(i) {
					if dropna {
						col.SetBit(out.Valid, i, false)
						code = 0
						break
					}
					v = spans[j] - 1
				}
				code = code*spans[j] + v
			}
			out.I64[i] = int64(code)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rng is the value range of an integer key column's rows: lo, hi of the
// valid ones (seen: any), and whether any is null.
type rng struct {
	lo, hi      int64
	seen, nulls bool
}

// rangeOf is the range of rows [a, b) of integer column kc (nulls: kc may
// have null rows).
func rangeOf(kc *col.Column, a, b int, nulls bool) rng {
	var r rng
	xs := kc.I64[a:b]
	if !nulls {
		if len(xs) == 0 {
			return r
		}
		lo, hi := xs[0], xs[0]
		for _, x := range xs[1:] {
			lo, hi = min(lo, x), max(hi, x)
		}
		return rng{lo: lo, hi: hi, seen: true}
	}
	for i, x := range xs {
		if !kc.IsValid(a + i) {
			r.nulls = true
			continue
		}
		if !r.seen || x < r.lo {
			r.lo = x
		}
		if !r.seen || x > r.hi {
			r.hi = x
		}
		r.seen = true
	}
	return r
}

// packInto folds one key into the packed codes o: o = o*span + (x - lo)
// (first: o = x - lo), in wrapping uint64 arithmetic as the row loop.
func packInto(o, xs []int64, lo int64, span uint64, first bool) {
	xs = xs[:len(o)]
	if first {
		for i, x := range xs {
			o[i] = int64(uint64(x) - uint64(lo))
		}
		return
	}
	for i, x := range xs {
		o[i] = int64(uint64(o[i])*span + (uint64(x) - uint64(lo)))
	}
}
