package col

import (
	"math"
	"math/bits"
	"slices"

	"github.com/flern/flern/golib/ir"
)

// KeySet is the distinct non-null values of an integer or datetime key
// column (a join's build side), for the scans that keep only the rows whose
// key can match (the joinfilter pass; parquetio and csvio test it): a
// bitmap over [Lo, Hi] when that range is small enough, else the sorted
// values.
type KeySet struct {
	N      int // distinct keys
	Lo, Hi int64
	bits   []uint64 // dense form: bit v-Lo
	sorted []int64  // sparse form
}

// KeyFilter is a scan's key filter at run time: keep the rows whose Column
// value is among Keys (or missing).
type KeyFilter struct {
	Column string
	Keys   *KeySet
}

// maxKeyBitmap bounds the dense form's range (8 MiB of bits).
const maxKeyBitmap = 1 << 26

// NewKeySet collects the distinct non-null values of c (values in I64).
func NewKeySet(c *Column) *KeySet { return newKeySet(c, false) }

// NewDenseKeySet is NewKeySet when the keys' range fits the bitmap form,
// else nil (without sorting the values for the sparse form).
func NewDenseKeySet(c *Column) *KeySet { return newKeySet(c, true) }

func newKeySet(c *Column, denseOnly bool) *KeySet {
	k := &KeySet{Lo: math.MaxInt64, Hi: math.MinInt64}
	vals := c.I64[:c.N]
	valid := func(i int) bool { return c.Valid == nil || c.IsValid(i) }
	for i, v := range vals {
		if valid(i) {
			k.Lo, k.Hi = min(k.Lo, v), max(k.Hi, v)
		}
	}
	if k.Lo > k.Hi {
		return k // no keys
	}
	if span := uint64(k.Hi) - uint64(k.Lo); span < maxKeyBitmap {
		k.bits = make([]uint64, span/64+1)
		for i, v := range vals {
			if valid(i) {
				d := uint64(v - k.Lo)
				k.bits[d>>6] |= 1 << (d & 63)
			}
		}
		for _, w := range k.bits {
			k.N += bits.OnesCount64(w)
		}
		return k
	}
	if denseOnly {
		return nil
	}
	s := make([]int64, 0, len(vals))
	for i, v := range vals {
		if valid(i) {
			s = append(s, v)
		}
	}
	slices.Sort(s)
	k.sorted = slices.Compact(s)
	k.N = len(k.sorted)
	return k
}

// Dense reports whether the set is a bitmap.
func (k *KeySet) Dense() bool { return k.bits != nil }

// Has reports whether v is a key.
func (k *KeySet) Has(v int64) bool {
	if v < k.Lo || v > k.Hi {
		return false
	}
	if k.bits != nil {
		d := uint64(v - k.Lo)
		return k.bits[d>>6]&(1<<(d&63)) != 0
	}
	_, ok := slices.BinarySearch(k.sorted, v)
	return ok
}

// CountIn is the number of keys in [a, b].
func (k *KeySet) CountIn(a, b int64) int {
	a, b = max(a, k.Lo), min(b, k.Hi)
	if a > b {
		return 0
	}
	if k.bits == nil {
		i, _ := slices.BinarySearch(k.sorted, a)
		j, found := slices.BinarySearch(k.sorted, b)
		if found {
			j++
		}
		return j - i
	}
	n := 0
	k.words(a, b, func(x uint64) bool { n += bits.OnesCount64(x); return true })
	return n
}

// AnyIn reports whether some key lies in [a, b].
func (k *KeySet) AnyIn(a, b int64) bool {
	a, b = max(a, k.Lo), min(b, k.Hi)
	if a > b {
		return false
	}
	if k.bits == nil {
		i, _ := slices.BinarySearch(k.sorted, a)
		return i < len(k.sorted) && k.sorted[i] <= b
	}
	found := false
	k.words(a, b, func(x uint64) bool { found = x != 0; return !found })
	return found
}

// words calls f with the bitmap's words over [a, b] (Lo <= a <= b <= Hi),
// masked to that range, while f returns true.
func (k *KeySet) words(a, b int64, f func(uint64) bool) {
	from, to := uint64(a-k.Lo), uint64(b-k.Lo)
	for w := from >> 6; w <= to>>6; w++ {
		x := k.bits[w]
		if w == from>>6 {
			x &= ^uint64(0) << (from & 63)
		}
		if w == to>>6 && to&63 != 63 {
			x &= (1 << (to&63 + 1)) - 1
		}
		if !f(x) {
			return
		}
	}
}

// Mask is the key test of column c (an int or datetime column) as a bool
// column: true where the value is a key or missing (a missing key matches
// as the join decides, so a scan keeps it).
func (k *KeySet) Mask(c *Column) *Column {
	m := &Column{Type: ir.Bool, N: c.N, B: make([]bool, c.N)}
	vals := c.I64[:c.N]
	if k.bits != nil { // (the common case, inlined)
		lo, span, bits := k.Lo, uint64(k.Hi-k.Lo), k.bits
		for i, v := range vals {
			d := uint64(v - lo)
			m.B[i] = d <= span && bits[d>>6]&(1<<(d&63)) != 0
		}
	} else {
		for i, v := range vals {
			m.B[i] = k.Has(v)
		}
	}
	if c.Valid != nil {
		for i := range vals {
			if !c.IsValid(i) {
				m.B[i] = true
			}
		}
	}
	return m
}
