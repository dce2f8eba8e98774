package exec

// Row keys for the hash operators: hashing the key columns of a range of
// rows at once (column by column), comparing two rows' keys, and an
// open-addressing table from keys to dense group ids. A table is used by
// one goroutine at a time (worker-local partial tables, merged after).

import (
	"bytes"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

var strSeed = maphash.MakeSeed()

// rowKeys are the key columns of one side of a hash operator.
type rowKeys struct {
	cols []*col.Column
	// ints: the single key is an integer-like column (int, datetime): the
	// table keeps the values and compares them directly.
	ints  bool
	nulls bool // some key column has a validity bitmap or is a float (NaN)
}

// hashableKey reports whether a column type can be a hash key here. Float
// keys compare as pandas groups them: -0.0 equals 0.0 and every NaN or null
// is the one missing value (callers check the -0.0 labels, see hasNegZero).
func hashableKey(t ir.DType) bool {
	return t.IsInt() || t.IsDatetime() || t == ir.String || t == ir.Bool || t.IsFloat()
}

// missing reports whether row r of key column c is null (or NaN).
func missing(c *col.Column, r int) bool {
	if c.Valid != nil && !c.IsValid(r) {
		return true
	}
	return c.F64 != nil && c.F64[r] != c.F64[r]
}

// hasNegZero reports whether a float column holds -0.0 (pandas labels a
// group of -0.0 and 0.0 with whichever comes first in that key's column,
// which the hash operators do not track).
func hasNegZero(c *col.Column) bool {
	if !c.Type.IsFloat() {
		return false
	}
	for _, f := range c.F64[:c.N] {
		if f == 0 && math.Signbit(f) {
			return true
		}
	}
	return false
}

func newRowKeys(cols []*col.Column) *rowKeys {
	k := &rowKeys{cols: cols}
	k.ints = len(cols) == 1 && (cols[0].Type.IsInt() || cols[0].Type.IsDatetime())
	for _, c := range cols {
		k.nulls = k.nulls || c.Valid != nil || c.Type.IsFloat()
	}
	return k
}

const nullHash = 0x5bd1e9955bd1e995

// mix64 is a 64-bit finalizer (murmur3's fmix64).
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// hashRange writes the key hash of rows [lo, hi) to h[0:hi-lo].
func (k *rowKeys) hashRange(lo, hi int, h []uint64) {
	h = h[:hi-lo]
	for ci, c := range k.cols {
		first := ci == 0
		for i := range h {
			r := lo + i
			var v uint64
			switch {
			case missing(c, r):
				v = nullHash
			case c.F64 != nil:
				f := c.F64[r]
				if f == 0 {
					f = 0 // -0.0 and 0.0 are one key
				}
				v = mix64(math.Float64bits(f))
			case c.Type == ir.String:
				v = maphash.Bytes(strSeed, c.StrBytes(r))
			case c.Type == ir.Bool:
				if c.B[r] {
					v = 1
				}
			default:
				v = mix64(uint64(c.I64[r]))
			}
			if first {
				h[i] = v
			} else {
				h[i] = mix64(bits.RotateLeft64(h[i], 17) ^ v)
			}
		}
	}
}

// hasNull reports whether row r has a null key.
func (k *rowKeys) hasNull(r int) bool {
	if !k.nulls {
		return false
	}
	for _, c := range k.cols {
		if missing(c, r) {
			return true
		}
	}
	return false
}

// eq compares the keys of row a of k and row b of o (same key types; nulls
// equal each other).
func (k *rowKeys) eq(a int, o *rowKeys, b int) bool {
	for ci, c := range k.cols {
		d := o.cols[ci]
		ma, mb := missing(c, a), missing(d, b)
		if ma != mb {
			return false
		}
		if ma {
			continue
		}
		switch {
		case c.F64 != nil:
			if c.F64[a] != d.F64[b] {
				return false
			}
		case c.Type == ir.String:
			if !bytes.Equal(c.StrBytes(a), d.StrBytes(b)) {
				return false
			}
		case c.Type == ir.Bool:
			if c.B[a] != d.B[b] {
				return false
			}
		default:
			if c.I64[a] != d.I64[b] {
				return false
			}
		}
	}
	return true
}

// hashTable maps row keys to dense ids 0, 1, ... in order of insertion.
// Each id remembers its hash and a representative row (of keys src).
// Open addressing with linear probing; a slot holds the hash (ints mode:
// the key value itself) next to the id, so a probe touches one cache line.
// In ints mode over a small value range (dense) the table is an array
// indexed by value - lo, with no hashing at all.
type hashTable struct {
	slots  []slot
	mask   uint64
	hashes []uint64
	rows   []int32  // representative row of each id
	src    *rowKeys // the keys the representative rows belong to (one per table)
	inull  int32    // ints mode: the id of the null key, or -1
	ints   bool
	dense  []int32 // ints mode over [lo, lo+len(dense)): id+1 by value; 0 = absent
	lo     int64
}

type slot struct {
	h  uint64 // the hash; in ints mode the key value
	id int32  // id+1; 0 = empty
}

func newHashTable(ints bool, sizeHint int) *hashTable {
	n := 16
	for n < sizeHint*2 {
		n <<= 1
	}
	return &hashTable{slots: make([]slot, n), mask: uint64(n - 1), ints: ints, inull: -1}
}

// newDenseTable is an ints-mode table for values in [lo, lo+span).
func newDenseTable(lo int64, span int) *hashTable {
	return &hashTable{ints: true, inull: -1, dense: make([]int32, span), lo: lo}
}

func (t *hashTable) len() int { return len(t.hashes) }

// reserve makes room for more ids without regrowing the id arrays.
func (t *hashTable) reserve(more int) {
	t.hashes = slices.Grow(t.hashes, more)
	t.rows = slices.Grow(t.rows, more)
}

// slotHash is where the probe for slot contents h starts.
func (t *hashTable) slotHash(h uint64) uint64 {
	if t.ints {
		return mix64(h)
	}
	return h
}

func (t *hashTable) grow() {
	n := len(t.slots) * 2
	old := t.slots
	t.slots, t.mask = make([]slot, n), uint64(n-1)
	for _, sl := range old {
		if sl.id == 0 {
			continue
		}
		for s := t.slotHash(sl.h) & t.mask; ; s = (s + 1) & t.mask {
			if t.slots[s].id == 0 {
				t.slots[s] = sl
				break
			}
		}
	}
}

// add registers a new id for row (hash h; in ints mode key is its value,
// null says the key is null).
func (t *hashTable) add(h uint64, row int, src *rowKeys, key int64, null bool) int32 {
	id := int32(len(t.hashes))
	if len(t.hashes) == cap(t.hashes) || len(t.rows) == cap(t.rows) {
		// double (append grows a big slice by a quarter: each id would
		// be copied about four times over a table's growth)
		t.reserve(max(len(t.hashes), 256))
	}
	t.hashes = append(t.hashes, h)
	t.rows = append(t.rows, int32(row))
	if t.src == nil {
		t.src = src
	} else if t.src != src {
		panic("exec: one hash table fed rows of two key sets")
	}
	switch {
	case null && t.ints:
		t.inull = id
		return id
	case t.dense != nil:
		t.dense[key-t.lo] = id + 1
		return id
	}
	sv := h
	if t.ints {
		sv = uint64(key)
	}
	if (len(t.hashes)-len64(t.inull >= 0))*2 > len(t.slots) {
		t.grow()
	}
	for s := h & t.mask; ; s = (s + 1) & t.mask {
		if t.slots[s].id == 0 {
			t.slots[s] = slot{h: sv, id: id + 1}
			break
		}
	}
	return id
}

func len64(b bool) int {
	if b {
		return 1
	}
	return 0
}

// findOrAdd returns the id of row's key (of keys k, hash h), adding it when
// new (isNew).
func (t *hashTable) findOrAdd(h uint64, k *rowKeys, row int) (id int32, isNew bool) {
	if id := t.find(h, k, row); id >= 0 {
		return id, false
	}
	if t.ints {
		c := k.cols[0]
		if c.Valid != nil && !c.IsValid(row) {
			return t.add(h, row, k, 0, true), true
		}
		return t.add(h, row, k, c.I64[row], false), true
	}
	return t.add(h, row, k, 0, false), true
}

// find returns the id of row's key, or -1.
func (t *hashTable) find(h uint64, k *rowKeys, row int) int32 {
	if t.ints {
		c := k.cols[0]
		if c.Valid != nil && !c.IsValid(row) {
			return t.inull
		}
		v := c.I64[row]
		if t.dense != nil {
			if d := uint64(v - t.lo); d < uint64(len(t.dense)) {
				return t.dense[d] - 1
			}
			return -1
		}
		for s := h & t.mask; ; s = (s + 1) & t.mask {
			sl := t.slots[s]
			if sl.id == 0 {
				return -1
			}
			if sl.h == uint64(v) {
				return sl.id - 1
			}
		}
	}
	for s := h & t.mask; ; s = (s + 1) & t.mask {
		sl := t.slots[s]
		if sl.id == 0 {
			return -1
		}
		if sl.h == h && k.eq(row, t.src, int(t.rows[sl.id-1])) {
			return sl.id - 1
		}
	}
}
