package parquetio

// Value numbers of a string column straight from its dictionary pages. A
// scan whose plan will number a short-string column's values (unique(), a
// merge probing it, get_dummies: exec's colcodes) is told so by the scan's
// `codes` attribute (exec.ScanCodes); the Parquet file already holds each
// row's dictionary index, so the numbers cost one pass over those indices
// (a table lookup per row) instead of hashing every row's string again. The
// numbers follow first occurrence, the null value has one, and equal strings
// get one number even when a row group's dictionary repeats an entry or row
// groups have different dictionaries -- exactly what exec's own numbering
// of the column gives (tested against it). Entries of any length are
// numbered (a project evaluating a string function of the column, e.g. a
// date string's year, evaluates it once per number: exec's rowwise.go);
// columns with plain-encoded pages or more than MaxCodes values get none
// (the consumer then numbers the strings itself).

import (
	"encoding/binary"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// MaxCodes is the most distinct values numbered (exec's colcodes bound).
const MaxCodes = 1 << 12

// StringCodes receives a scanned column's value numbers (codes[r] is row
// r's, first[k] the first row holding number k); set by the engine to
// exec.MemoizeCodes. nil: no numbering.
var StringCodes func(c *col.Column, codes, first []int32)

// codeKey is a value: a string of at most 8 bytes as a little-endian word
// and its length, a longer one as its bytes in s (length longKey); the null
// is length 255.
type codeKey struct {
	w uint64
	l uint8
	s string
}

var nullKey = codeKey{l: 255}

// longKey is the length of a codeKey holding a string over 8 bytes.
const longKey = 254

// pieceLocal is one row group's numbering: each local number's value and
// first row (first-occurrence order within the piece), each dictionary's
// entries' local numbers (-1: no row holds it) and the null's (-1: none).
type pieceLocal struct {
	keys  []codeKey
	first []int32
	slots map[*strDict][]int32
	null  int32
}

// dictKeys is the key of every entry of d.
func dictKeys(d *strDict) []codeKey {
	n := d.len()
	keys := make([]codeKey, n)
	for i := 0; i < n; i++ {
		a, b := d.offs[i], d.offs[i+1]
		if b-a > 8 {
			keys[i] = codeKey{l: longKey, s: string(d.data[a:b])}
			continue
		}
		var buf [8]byte
		copy(buf[:], d.data[a:b])
		keys[i] = codeKey{w: binary.LittleEndian.Uint64(buf[:]), l: uint8(b - a)}
	}
	return keys
}

// numberPiece numbers p's values in first-occurrence order within the
// piece, reading its rows' dictionary indices only until every entry of its
// dictionaries (and the null, when it has nulls) has been seen -- a few
// rows for a column of few values --; ok false when a segment is plain or
// there are too many values. The rows' numbers are written later
// (pieceCodes), straight as global ones.
func numberPiece(p *strPiece) (*pieceLocal, bool) {
	loc := &pieceLocal{slots: map[*strDict][]int32{}, null: -1}
	keysOf := map[*strDict][]codeKey{}
	remaining, rows := 0, 0 // (dictionary, entry) slots and the null not yet seen
	for _, s := range p.segs {
		if s.dict == nil {
			return nil, false
		}
		rows += len(s.idx)
		if _, ok := loc.slots[s.dict]; ok {
			continue
		}
		if s.dict.len() > 4*MaxCodes {
			return nil, false
		}
		keysOf[s.dict] = dictKeys(s.dict)
		slot := make([]int32, s.dict.len())
		for i := range slot {
			slot[i] = -1
		}
		loc.slots[s.dict] = slot
		remaining += len(slot)
	}
	if rows != p.n {
		return nil, false
	}
	if p.valid != nil {
		remaining++
	}
	index := map[codeKey]int32{} // value -> local number
	row := 0
scan:
	for _, s := range p.segs {
		slot, keys := loc.slots[s.dict], keysOf[s.dict]
		for i, v := range s.idx {
			switch {
			case v < 0:
				if loc.null >= 0 {
					continue
				}
				loc.null = number(loc, index, nullKey, row+i)
			case slot[v] < 0:
				slot[v] = number(loc, index, keys[v], row+i)
			default:
				continue
			}
			if len(loc.keys) > MaxCodes {
				return nil, false
			}
			if remaining--; remaining == 0 {
				break scan
			}
		}
		row += len(s.idx)
	}
	return loc, true
}

// number is key's local number, added (first seen at row) when new.
func number(loc *pieceLocal, index map[codeKey]int32, key codeKey, row int) int32 {
	if num, ok := index[key]; ok {
		return num
	}
	num := int32(len(loc.keys))
	index[key] = num
	loc.keys = append(loc.keys, key)
	loc.first = append(loc.first, int32(row))
	return num
}

// pieceCodes numbers the values of the column joined from pieces (rowStart:
// each piece's first row; n rows in all): each piece's values on its own,
// in parallel, then the pieces' values in piece order into one numbering,
// then every row's global number written from its dictionary index. ok
// false: see numberPiece.
func pieceCodes(pieces []*strPiece, rowStart []int, n int) (codes, first []int32, ok bool) {
	codes, first, _, ok = pieceCodesKeys(pieces, rowStart, n, false)
	return codes, first, ok
}

// pieceCodesKeys is pieceCodes with each number's value (keys[k]); own
// says the caller keeps the codes and drops the pieces: one piece's
// dictionary indices that are already the numbers are then the codes
// (identityCodes).
func pieceCodesKeys(pieces []*strPiece, rowStart []int, n int, own bool) (codes, first []int32, keys []codeKey, ok bool) {
	locs := make([]*pieceLocal, len(pieces))
	parallelFor(len(pieces), func(i int) {
		locs[i], _ = numberPiece(pieces[i])
	})
	global := map[codeKey]int32{}
	remap := make([][]int32, len(pieces))
	for i, loc := range locs {
		if loc == nil {
			return nil, nil, nil, false
		}
		remap[i] = make([]int32, len(loc.keys))
		for k, key := range loc.keys {
			num, seen := global[key]
			if !seen {
				num = int32(len(first))
				global[key] = num
				first = append(first, int32(rowStart[i])+loc.first[k])
				keys = append(keys, key)
			}
			remap[i][k] = num
		}
	}
	if len(first) > MaxCodes {
		return nil, nil, nil, false
	}
	if own {
		if idx, ok := identityCodes(pieces, locs, remap, len(first), n); ok {
			return idx, first, keys, true
		}
	}
	codes = col.Uninit[int32](n) // every row written below
	parallelFor(len(pieces), func(i int) {
		loc, rm := locs[i], remap[i]
		nullNum := int32(-1)
		if loc.null >= 0 {
			nullNum = rm[loc.null]
		}
		byEntry := map[*strDict][]int32{} // each dictionary's entries' global numbers
		row := rowStart[i]
		for _, s := range pieces[i].segs {
			m := byEntry[s.dict]
			if m == nil {
				slot := loc.slots[s.dict]
				m = make([]int32, len(slot))
				for e, l := range slot {
					m[e] = -1 // no row holds it
					if l >= 0 {
						m[e] = rm[l]
					}
				}
				byEntry[s.dict] = m
			}
			out := codes[row : row+len(s.idx)]
			for j, v := range s.idx {
				if v < 0 {
					out[j] = nullNum
				} else {
					out[j] = m[v]
				}
			}
			row += len(s.idx)
		}
	})
	return codes, first, keys, true
}

// identityCodes is the one piece's dictionary indices as the rows' numbers
// when they are them: one dictionary, no null, every entry held by a row
// and numbered by its index (a writer that builds its dictionary in
// first-occurrence order, as Arrow's does); the piece gives its index
// buffer up (its release keeps it). ok false: they are not.
func identityCodes(pieces []*strPiece, locs []*pieceLocal, remap [][]int32, values, n int) ([]int32, bool) {
	if len(pieces) != 1 {
		return nil, false
	}
	p := pieces[0]
	s, ok := p.soleDict(n)
	if !ok {
		return nil, false
	}
	slot, rm := locs[0].slots[s.dict], remap[0]
	if len(slot) != values {
		return nil, false
	}
	for e, l := range slot {
		if l < 0 || rm[l] != int32(e) {
			return nil, false
		}
	}
	return p.giveIndices(), true
}

// soleDict is p's one segment when it holds all n rows as indices into one
// dictionary, without a null, in the index buffer p owns (ok false: it
// does not).
func (p *strPiece) soleDict(n int) (strSeg, bool) {
	if p == nil || p.valid != nil || len(p.segs) != 1 || p.segs[0].dict == nil || len(p.segs[0].idx) != n || p.idxBuf == nil {
		return strSeg{}, false
	}
	return p.segs[0], true
}

// giveIndices hands p's sole segment's indices (soleDict) to the caller,
// who keeps them as codes: p's release no longer recycles its buffer.
func (p *strPiece) giveIndices() []int32 {
	p.idxBuf = nil
	return p.segs[0].idx
}

// lookupStrings is the string column of n rows joined from pieces (nil for a
// skipped row group) as a col.Lookup: each row's value number (pieceCodes)
// and each number's string, the numbers memoized as the column's
// (StringCodes); nil when a piece has a null or plain pages, or the column
// has too many values (the caller joins the strings).
func lookupStrings(ps []*strPiece, n int) *col.Column {
	var kept []*strPiece
	for _, p := range ps {
		if p != nil {
			if p.valid != nil {
				return nil
			}
			kept = append(kept, p)
		}
	}
	rowStart := make([]int, len(kept)+1)
	for i, p := range kept {
		rowStart[i+1] = rowStart[i] + p.n
	}
	codes, first, keys, ok := pieceCodesKeys(kept, rowStart, n, true)
	if !ok {
		return nil
	}
	vals := make([]string, len(keys))
	for k, key := range keys {
		switch {
		case key.l == longKey:
			vals[k] = key.s
		case key.l == nullKey.l:
			return nil
		default:
			var buf [8]byte
			binary.LittleEndian.PutUint64(buf[:], key.w)
			vals[k] = string(buf[:key.l])
		}
	}
	out := &col.Column{Type: ir.String, N: n, Lookup: &col.Lookup{Codes: codes, Str: col.NewStrings(vals, nil), Numbered: true}}
	if StringCodes != nil {
		StringCodes(out, codes, first)
	}
	return out
}
