package exec

// Keys of a small domain grouped by direct indexing: when every key column
// has no null and is either one-byte strings (flags: TPC-H Q1's
// l_returnflag, l_linestatus) or integers (ints, datetimes) of a small
// value range, and the product of the ranges is at most smallGroupsMax,
// each row's keys number it directly,
//
//	((k0 - lo0) * span1 + (k1 - lo1)) * span2 + ...
//
// (a string key read as its byte), which orders rows as cmpKeyRows orders
// their keys (each key ascending, the first most significant). The groups
// are the numbers that occur, in ascending order (sorted) or by first row;
// no string codes, packed column, hash or dense table is built per row.

import (
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// smallGroupsMax is the largest key domain grouped by direct indexing (a
// morsel's first-row table is this many int32s).
const smallGroupsMax = 4096

// smallGroupsOn switches the path (tests compare it with the general one).
var smallGroupsOn = true

// smallKey is one key column as a number in [0, span).
type smallKey struct {
	bytes []byte  // one-byte strings: row i's byte is bytes[i] (nil: ints)
	ints  []int64 // integer keys
	lo    int64
	span  int64
}

// idScratch holds the row-sized buffers of a grouping that is redone batch
// after batch (the streamed aggregation's round-robin path: TPC-H q1 built
// 56 MiB of group ids per run, one int32 and one int64 per row of every
// batch): the next grouping reuses them, so the ids it returns are valid
// until then.
type idScratch struct {
	gid32 []int32
	gid64 []int64
}

// int32s returns a buffer of n int32s (contents undefined): sc's, grown
// as needed, or a fresh one when sc is nil.
func (sc *idScratch) int32s(n int) []int32 {
	if sc == nil {
		return col.Uninit[int32](n)
	}
	if cap(sc.gid32) < n {
		sc.gid32 = col.Uninit[int32](n + n/8)
	}
	return sc.gid32[:n]
}

// int64s is int32s for int64s.
func (sc *idScratch) int64s(n int) []int64 {
	if sc == nil {
		return col.Uninit[int64](n)
	}
	if cap(sc.gid64) < n {
		sc.gid64 = col.Uninit[int64](n + n/8)
	}
	return sc.gid64[:n]
}

// smallDomainGroups is groupRows for keys of a small domain (see above);
// ok is false when the keys do not qualify. With as64, the group ids come
// back as int64 in gid64 (groupIDs' form) and the grouping's gid is scratch.
// sc, when not nil, provides the row-sized buffers (the grouping's gid and
// gid64 are then sc's).
func smallDomainGroups(c *Ctx, n *ir.Node, cols []*col.Column, rows int, sorted, as64 bool, sc *idScratch) (_ *grouping, gid64 []int64, ok bool, _ error) {
	if !smallGroupsOn || len(cols) == 0 || rows == 0 {
		return nil, nil, false, nil
	}
	keys := make([]smallKey, len(cols))
	for j, kc := range cols {
		if kc.Valid != nil && kc.HasNulls() {
			return nil, nil, false, nil
		}
		switch {
		case kc.Type == ir.String && len(kc.Offs) > rows:
			a := kc.Offs[0]
			if kc.Offs[rows]-a != int64(rows) || a < 0 || kc.Offs[rows] > int64(len(kc.Data)) {
				return nil, nil, false, nil // not one byte per row
			}
			keys[j].bytes = kc.Data[a : a+int64(rows)]
		case (kc.Type.IsInt() || kc.Type.IsDatetime()) && len(kc.I64) >= rows:
			keys[j].ints = kc.I64[:rows]
		default:
			return nil, nil, false, nil
		}
	}
	if !smallDomainLikely(keys, rows) {
		return nil, nil, false, nil
	}
	// Pass 1: each key's range; strings: every row exactly one byte.
	type span struct {
		lo, hi int64
		bad    bool
	}
	k := numMorsels(rows)
	parts := make([][]span, k)
	err := forMorsels(c, n, rows, func(m, lo, hi int) error {
		ps := make([]span, len(keys))
		for j, key := range keys {
			p := &ps[j]
			if key.bytes != nil {
				offs := cols[j].Offs[lo : hi+1]
				for i := range hi - lo {
					if offs[i+1]-offs[i] != 1 {
						p.bad = true
						break
					}
				}
				var seen [256]bool // (no min/max dependency chain per byte)
				for _, b := range key.bytes[lo:hi] {
					seen[b] = true
				}
				bl, bh := 255, 0
				for b, ok := range seen {
					if ok {
						bl, bh = min(bl, b), b
					}
				}
				p.lo, p.hi = int64(bl), int64(bh)
				continue
			}
			p.lo, p.hi = key.ints[lo], key.ints[lo]
			for _, x := range key.ints[lo:hi] {
				p.lo, p.hi = min(p.lo, x), max(p.hi, x)
			}
		}
		parts[m] = ps
		return nil
	})
	if err != nil {
		return nil, nil, false, err
	}
	total := int64(1)
	for j := range keys {
		lo, hi := parts[0][j].lo, parts[0][j].hi
		for _, p := range parts {
			if p[j].bad {
				return nil, nil, false, nil
			}
			lo, hi = min(lo, p[j].lo), max(hi, p[j].hi)
		}
		if hi-lo < 0 || hi-lo >= smallGroupsMax { // (hi-lo < 0: the range overflowed)
			return nil, nil, false, nil
		}
		keys[j].lo, keys[j].span = lo, hi-lo+1
		total *= keys[j].span
		if total > smallGroupsMax {
			return nil, nil, false, nil
		}
	}
	if err := c.reserve(n, int64(rows)*4); err != nil {
		return nil, nil, false, err
	}
	// Pass 2: each row's number, and each morsel's first row per number.
	gid := sc.int32s(rows)
	firsts := make([][]int32, k)
	err = forMorsels(c, n, rows, func(m, lo, hi int) error {
		g := gid[lo:hi]
		for j, key := range keys {
			s, l := int32(key.span), key.lo
			switch {
			case key.bytes != nil && j == 0:
				for i, b := range key.bytes[lo:hi] {
					g[i] = int32(int64(b) - l)
				}
			case key.bytes != nil:
				for i, b := range key.bytes[lo:hi] {
					g[i] = g[i]*s + int32(int64(b)-l)
				}
			case j == 0:
				for i, x := range key.ints[lo:hi] {
					g[i] = int32(x - l)
				}
			default:
				for i, x := range key.ints[lo:hi] {
					g[i] = g[i]*s + int32(x-l)
				}
			}
		}
		f := make([]int32, total)
		for i := range f {
			f[i] = -1
		}
		for i, v := range g {
			if f[v] < 0 {
				f[v] = int32(lo + i)
			}
		}
		firsts[m] = f
		return nil
	})
	if err != nil {
		return nil, nil, false, err
	}
	// The numbers that occur (morsels are in row order: the first morsel
	// holding a number has its first row), in output order.
	first := make([]int32, total)
	for i := range first {
		first[i] = -1
	}
	for _, f := range firsts {
		for v, r := range f {
			if r >= 0 && first[v] < 0 {
				first[v] = r
			}
		}
	}
	var order []int32 // numbers in output order
	for v, r := range first {
		if r >= 0 {
			order = append(order, int32(v))
		}
	}
	if !sorted {
		slices.SortFunc(order, func(a, b int32) int { return int(first[a]) - int(first[b]) })
	}
	rank := make([]int32, total)
	out := &grouping{gid: gid, first: make([]int, len(order))}
	for p, v := range order {
		rank[v] = int32(p)
		out.first[p] = int(first[v])
	}
	// Pass 3: numbers -> group ids.
	if as64 {
		if err := c.reserve(n, int64(rows)*8); err != nil {
			return nil, nil, false, err
		}
		gid64 = sc.int64s(rows)
	}
	err = forMorsels(c, n, rows, func(_, lo, hi int) error {
		g := gid[lo:hi]
		if gid64 != nil {
			o := gid64[lo:hi]
			for i, v := range g {
				o[i] = int64(rank[v])
			}
			return nil
		}
		for i, v := range g {
			g[i] = rank[v]
		}
		return nil
	})
	if err != nil {
		return nil, nil, false, err
	}
	return out, gid64, true, nil
}

// smallDomainLikely looks at a sample of rows (the first and last ones, and
// some spread between) and reports false when their values alone make a
// domain too large, so that a wide key (TPC-H q18's l_orderkey) costs no
// pass over every row.
func smallDomainLikely(keys []smallKey, rows int) bool {
	const sample = 1024
	step := max(1, rows/sample)
	total := int64(1)
	for _, key := range keys {
		var lo, hi int64
		for k, i := 0, 0; i < rows; k++ {
			var v int64
			if key.bytes != nil {
				v = int64(key.bytes[i])
			} else {
				v = key.ints[i]
			}
			if k == 0 {
				lo, hi = v, v
			}
			lo, hi = min(lo, v), max(hi, v)
			switch {
			case i < sample || i >= rows-sample-1:
				i++
			case i+step < rows-sample:
				i += step
			default:
				i = rows - sample - 1
			}
		}
		if hi-lo < 0 || hi-lo >= smallGroupsMax {
			return false
		}
		total *= hi - lo + 1
		if total > smallGroupsMax {
			return false
		}
	}
	return true
}
