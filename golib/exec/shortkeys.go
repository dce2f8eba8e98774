package exec

// Join key ids for one string key whose build side is small and short: when
// the build side (the side with fewer rows) has at most shortBuildMax rows
// and every one of its strings is at most 8 bytes (airport codes, country
// codes, category labels), each string is one uint64 word (its bytes, zero
// padded) plus its length, and the probe side is looked up in a small
// open-addressing table of words: one load, one multiply and one integer
// compare per row instead of a byte-string hash (maphash), a table walk and
// a memeq. A probe string longer than 8 bytes cannot equal any build string
// (id -1). Null matches null (the build side's null key gets an id), as in
// pandas' merge and the general path. Ids number the build side's distinct
// keys in first-occurrence order; runJoin and runSemiJoin only need them to
// be consistent between the sides.

import (
	"encoding/binary"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// shortBuildMax bounds the build side handled here (its table stays in L1/L2).
const shortBuildMax = 1 << 16

// shortEntry is one slot of the word table (used: id >= 0).
type shortEntry struct {
	w  uint64
	l  int32
	id int32
}

// strWord returns row r's bytes as a little-endian word (zero padded) and
// its length; ok=false when it is longer than 8 bytes.
func strWord(c *col.Column, r int) (w uint64, l int, ok bool) {
	a, b := c.Offs[r], c.Offs[r+1]
	l = int(b - a)
	if l > 8 {
		return 0, l, false
	}
	if l == 0 {
		return 0, 0, true
	}
	if int(a)+8 <= len(c.Data) {
		w = binary.LittleEndian.Uint64(c.Data[a : a+8])
		if l < 8 {
			w &= 1<<(8*uint(l)) - 1
		}
		return w, l, true
	}
	for i := l - 1; i >= 0; i-- {
		w = w<<8 | uint64(c.Data[int(a)+i])
	}
	return w, l, true
}

// shortSlot is the home slot of (w, l) in a table of mask+1 slots.
func shortSlot(w uint64, l int, shift uint) uint64 {
	return ((w ^ uint64(l)<<59) * 0x9e3779b97f4a7c15) >> shift
}

// shortKeyIDs is keyIDs for one string key with a small build side of short
// strings; ok=false when the keys are not such (the caller takes the general
// path).
func shortKeyIDs(c *Ctx, n *ir.Node, bc, pc *col.Column, nb, np int) (bg, pg []int32, ng int, ok bool, err error) {
	if bc.Type != ir.String || pc.Type != ir.String || nb > shortBuildMax || bc.Offs == nil || pc.Offs == nil {
		return nil, nil, 0, false, nil
	}
	for r := 0; r < nb; r++ {
		if bc.Offs[r+1]-bc.Offs[r] > 8 {
			return nil, nil, 0, false, nil
		}
	}
	size := 16
	for size < 4*nb {
		size *= 2
	}
	shift := uint(64)
	for s := size; s > 1; s >>= 1 {
		shift--
	}
	mask := uint64(size - 1)
	table := make([]shortEntry, size)
	for i := range table {
		table[i].id = -1
	}
	nullID := int32(-1)
	bg = make([]int32, nb)
	for r := 0; r < nb; r++ {
		if bc.Valid != nil && !bc.IsValid(r) {
			if nullID < 0 {
				nullID = int32(ng)
				ng++
			}
			bg[r] = nullID
			continue
		}
		w, l, _ := strWord(bc, r)
		s := shortSlot(w, l, shift)
		for {
			e := &table[s]
			if e.id < 0 {
				*e = shortEntry{w: w, l: int32(l), id: int32(ng)}
				ng++
				break
			}
			if e.w == w && int(e.l) == l {
				break
			}
			s = (s + 1) & mask
		}
		bg[r] = table[s].id
	}
	if err := c.reserve(n, int64(np)*4); err != nil {
		return nil, nil, 0, true, err
	}
	pg = make([]int32, np)
	if cc := memoCodes(pc); cc != nil && cc.first != nil && len(cc.codes) == np {
		// the probe column's values numbered already (colcodes.go): each
		// distinct value looked up once, the rows' ids gathered by number
		ids := make([]int32, len(cc.first))
		for k, r := range cc.first {
			ids[k] = shortLookup(table, pc, int(r), shift, mask, nullID)
		}
		err = forMorsels(c, n, np, func(m, lo, hi int) error {
			for r, k := range cc.codes[lo:hi] {
				pg[lo+r] = ids[k]
			}
			return nil
		})
		return bg, pg, ng, true, err
	}
	err = forMorsels(c, n, np, func(m, lo, hi int) error {
		for r := lo; r < hi; r++ {
			if pc.Valid != nil && !pc.IsValid(r) {
				pg[r] = nullID
				continue
			}
			w, l, short := strWord(pc, r)
			id := int32(-1)
			if short {
				for s := shortSlot(w, l, shift); ; s = (s + 1) & mask {
					e := &table[s]
					if e.id < 0 {
						break
					}
					if e.w == w && int(e.l) == l {
						id = e.id
						break
					}
				}
			}
			pg[r] = id
		}
		return nil
	})
	return bg, pg, ng, true, err
}

// shortLookup is the build id of probe row r (nullID for a null, -1 when
// no build string equals it).
func shortLookup(table []shortEntry, pc *col.Column, r int, shift uint, mask uint64, nullID int32) int32 {
	if pc.Valid != nil && !pc.IsValid(r) {
		return nullID
	}
	w, l, short := strWord(pc, r)
	if !short {
		return -1
	}
	for s := shortSlot(w, l, shift); ; s = (s + 1) & mask {
		e := &table[s]
		if e.id < 0 {
			return -1
		}
		if e.w == w && int(e.l) == l {
			return e.id
		}
	}
}
