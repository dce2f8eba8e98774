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

// pieceLocal is one row group's numbering: its rows' local numbers (in
// place in the column's codes), and each local number's value and first row.
type pieceLocal struct {
	keys  []codeKey
	first []int32
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

// numberPiece writes p's rows' local numbers (first-occurrence order within
// the piece) into codes (the piece's rows) and returns the numbering; ok
// false when a segment is plain or there are too many values.
func numberPiece(p *strPiece, codes []int32) (*pieceLocal, bool) {
	loc := &pieceLocal{}
	index := map[codeKey]int32{} // value -> local number
	row := 0
	var lastDict *strDict
	var slot []int32 // the current dictionary's entries' local numbers (-1: not yet seen)
	var keys []codeKey
	nullNum := int32(-1)
	for _, s := range p.segs {
		if s.dict == nil {
			return nil, false
		}
		if s.dict != lastDict {
			if s.dict.len() > 4*MaxCodes {
				return nil, false
			}
			keys = dictKeys(s.dict)
			lastDict = s.dict
			slot = make([]int32, len(keys))
			for i := range slot {
				slot[i] = -1
			}
		}
		for _, v := range s.idx {
			var num int32
			if v < 0 {
				if nullNum < 0 {
					nullNum = number(loc, index, nullKey, row)
				}
				num = nullNum
			} else if num = slot[v]; num < 0 {
				num = number(loc, index, keys[v], row)
				slot[v] = num
			}
			codes[row] = num
			row++
		}
		if len(loc.keys) > MaxCodes {
			return nil, false
		}
	}
	return loc, row == p.n
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
// each piece's first row; n rows in all): each piece on its own, in
// parallel, then the pieces' values in piece order into one numbering, then
// every row's number mapped. ok false: see numberPiece.
func pieceCodes(pieces []*strPiece, rowStart []int, n int) (codes, first []int32, ok bool) {
	codes = make([]int32, n)
	locs := make([]*pieceLocal, len(pieces))
	parallelFor(len(pieces), func(i int) {
		locs[i], _ = numberPiece(pieces[i], codes[rowStart[i]:rowStart[i+1]])
	})
	global := map[codeKey]int32{}
	remap := make([][]int32, len(pieces))
	for i, loc := range locs {
		if loc == nil {
			return nil, nil, false
		}
		remap[i] = make([]int32, len(loc.keys))
		for k, key := range loc.keys {
			num, seen := global[key]
			if !seen {
				num = int32(len(first))
				global[key] = num
				first = append(first, int32(rowStart[i])+loc.first[k])
			}
			remap[i][k] = num
		}
	}
	if len(first) > MaxCodes {
		return nil, nil, false
	}
	parallelFor(len(pieces), func(i int) {
		rm := remap[i]
		for r, c := range codes[rowStart[i]:rowStart[i+1]] {
			codes[rowStart[i]+r] = rm[c]
		}
	})
	return codes, first, true
}
