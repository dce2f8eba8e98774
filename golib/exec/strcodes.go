package exec

// Short string keys as integer codes: when every string of a grouping key
// column is at most 7 bytes and the column holds few distinct values
// (TPC-H Q1's l_returnflag and l_linestatus), each row's string packs into
// one word,
//
//	bytes big-endian in the top 7 bytes, zero-padded | length in the low byte
//
// whose unsigned order is the strings' byte order (a proper prefix sorts
// first by its length), and the distinct words, sorted, number the rows:
// an int64 code per row in the strings' order (nulls keep their validity
// bit); when every string has the same length, the bytes themselves read as
// a number are the code. Grouping then runs on the codes (packed with other int keys,
// arrays by value) instead of hashing and comparing strings per row; the
// groups and their order are the same.

import (
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// shortCodesMax is the most distinct strings coded; more fall back to
// hashing the strings (the codes' lookup table should stay in cache).
const shortCodesMax = 1024

// shortCodesMinRows is the fewest rows whose short string keys are coded
// (a variable for tests).
var shortCodesMinRows = 1 << 14

// shortWord packs row i of string column c (at most 7 bytes) as above.
func shortWord(c *col.Column, i int) uint64 {
	a, b := c.Offs[i], c.Offs[i+1]
	l := b - a
	var w uint64
	if a+8 <= int64(len(c.Data)) {
		w = binary.LittleEndian.Uint64(c.Data[a:])
	} else {
		for k := int64(0); k < l; k++ {
			w |= uint64(c.Data[a+k]) << (8 * k)
		}
	}
	w &= 1<<(8*uint(l)) - 1
	return bits.ReverseBytes64(w) | uint64(l)
}

// sameLengthCodes codes strings that all have one length l <= 7 (flags,
// fixed-width codes) as their bytes read as a big-endian number: the order
// of equal-length strings, in a value range of 8*l bits, with no table. It
// returns nil when the lengths differ or exceed 7.
func sameLengthCodes(c *Ctx, n *ir.Node, sc *col.Column, rows int) (*col.Column, error) {
	l := int64(-1)
	for i := 0; i < rows; i++ {
		if sc.Valid == nil || sc.IsValid(i) {
			l = sc.Offs[i+1] - sc.Offs[i]
			break
		}
	}
	if l < 0 || l > 7 {
		return nil, nil
	}
	if err := c.reserve(n, int64(rows)*8); err != nil {
		return nil, err
	}
	out := &col.Column{Type: ir.Int64, N: rows, I64: col.Uninit[int64](rows), Valid: sc.Valid}
	failed := make([]bool, numMorsels(rows))
	shift := uint(64 - 8*l)
	err := forMorsels(c, n, rows, func(m, lo, hi int) error {
		offs, o, data := sc.Offs[lo:hi+1], out.I64[lo:hi], sc.Data
		if l == 1 && sc.Valid == nil { // one-byte flags: the byte is the code
			for k := range o {
				a := offs[k]
				if offs[k+1]-a != 1 {
					failed[m] = true
					return nil
				}
				o[k] = int64(data[a])
			}
			return nil
		}
		for k := range o {
			a := offs[k]
			if offs[k+1]-a != l {
				if sc.Valid == nil || sc.IsValid(lo+k) {
					failed[m] = true
					return nil
				}
				o[k] = 0 // a null
				continue
			}
			switch {
			case l == 1:
				o[k] = int64(data[a])
			case l == 0:
				o[k] = 0
			default:
				o[k] = int64(shortWord(sc, lo+k) >> shift)
			}
		}
		if sc.Valid != nil { // null rows: code 0
			for k := range o {
				if !sc.IsValid(lo + k) {
					o[k] = 0
				}
			}
		}
		return nil
	})
	if err != nil || slices.Contains(failed, true) {
		return nil, err
	}
	return out, nil
}

// wordSet is a small open-addressing set of words (0 = empty slot; no
// packed word is 0 apart from the empty string's, which is kept aside).
type wordSet struct {
	slots []uint64
	ids   []int32 // per slot: the word's code (lookup tables)
	n     int
	empty bool // the empty string was seen
}

func newWordSet(capacity int) *wordSet {
	return &wordSet{slots: make([]uint64, capacity), ids: make([]int32, capacity)}
}

// add inserts w and reports false when the set is full.
func (s *wordSet) add(w uint64) bool {
	if w == 0 {
		s.empty = true
		return true
	}
	mask := uint64(len(s.slots) - 1)
	for p := mix64(w) & mask; ; p = (p + 1) & mask {
		switch s.slots[p] {
		case w:
			return true
		case 0:
			if (s.n+1)*2 > len(s.slots) {
				return false
			}
			s.slots[p] = w
			s.n++
			return true
		}
	}
}

// id is the code of w (which the set holds).
func (s *wordSet) id(w uint64, emptyID int32) int32 {
	if w == 0 {
		return emptyID
	}
	mask := uint64(len(s.slots) - 1)
	for p := mix64(w) & mask; ; p = (p + 1) & mask {
		if s.slots[p] == w {
			return s.ids[p]
		}
	}
}

// shortStringCodes returns the order-preserving codes of rows [0, rows) of
// string column sc, or nil when a string is longer than 7 bytes or there
// are more than shortCodesMax distinct strings.
func shortStringCodes(c *Ctx, n *ir.Node, sc *col.Column, rows int) (*col.Column, error) {
	if sc.Type != ir.String || rows == 0 || len(sc.Offs) < rows+1 {
		return nil, nil
	}
	if out, err := sameLengthCodes(c, n, sc, rows); out != nil || err != nil {
		return out, err
	}
	// pass 1: every string short, the distinct words per worker
	sets := make([]*wordSet, Workers())
	failed := make([]bool, numMorsels(rows))
	_, err := forTasksW(c, n, numMorsels(rows), func(w, m int) error {
		lo := m * morselRows
		hi := min(lo+morselRows, rows)
		s := sets[w]
		if s == nil {
			s = newWordSet(4 * shortCodesMax)
			sets[w] = s
		}
		offs := sc.Offs
		for i := lo; i < hi; i++ {
			if offs[i+1]-offs[i] > 7 {
				failed[m] = true
				return nil
			}
		}
		for i := lo; i < hi; i++ {
			if sc.Valid != nil && !sc.IsValid(i) {
				continue
			}
			if !s.add(shortWord(sc, i)) {
				failed[m] = true
				return nil
			}
		}
		return nil
	})
	if err != nil || slices.Contains(failed, true) {
		return nil, err
	}
	var words []uint64
	hasEmpty := false
	for _, s := range sets {
		if s == nil {
			continue
		}
		hasEmpty = hasEmpty || s.empty
		for _, w := range s.slots {
			if w != 0 {
				words = append(words, w)
			}
		}
	}
	slices.Sort(words)
	words = slices.Compact(words)
	if len(words)+1 > shortCodesMax {
		return nil, nil
	}
	// the codes: the empty string first (it sorts first), then the words
	// in order
	table := newWordSet(4 * shortCodesMax)
	base := int32(0)
	if hasEmpty {
		base = 1
	}
	for k, w := range words {
		table.add(w)
		mask := uint64(len(table.slots) - 1)
		for p := mix64(w) & mask; ; p = (p + 1) & mask {
			if table.slots[p] == w {
				table.ids[p] = base + int32(k)
				break
			}
		}
	}
	if err := c.reserve(n, int64(rows)*8); err != nil {
		return nil, err
	}
	out := &col.Column{Type: ir.Int64, N: rows, I64: col.Uninit[int64](rows), Valid: sc.Valid}
	err = forMorsels(c, n, rows, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if sc.Valid != nil && !sc.IsValid(i) {
				out.I64[i] = 0
				continue
			}
			out.I64[i] = int64(table.id(shortWord(sc, i), 0))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
