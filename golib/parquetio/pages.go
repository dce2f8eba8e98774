package parquetio

// Page-level decoding of the common column chunks: PLAIN and dictionary
// (RLE_DICTIONARY / PLAIN_DICTIONARY) pages of INT64, DOUBLE and BYTE_ARRAY
// columns with RLE definition levels, data page v1 or v2, read through
// arrow-go's page reader (which decompresses). Fixed-width values land in
// their final buffers (a dictionary page is decoded once per chunk and
// gathered from); strings (strpages.go) keep the chunk's dictionary and one
// index per row, so that the column's final buffers can be sized exactly
// and filled once (strPiece.expand) instead of building each row group's
// strings and concatenating them. Anything else (other encodings, bit-packed levels,
// repeated columns) returns errUnsupported and the caller reads the chunk
// with arrow-go's column reader.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/flern/flern/golib/col"
)

// errUnsupported says the page decoder does not handle a chunk; the caller
// falls back to arrow-go's column reader.
var errUnsupported = errors.New("parquetio: encoding not handled by the page decoder")

// pageDecode switches the page decoder on (off: arrow-go's typed column
// readers; for tests and comparisons).
var pageDecode = true

// Parquet encodings (the Thrift format's Encoding values).
const (
	encPlain     int32 = 0
	encPlainDict int32 = 2
	encRLE       int32 = 3
	encRLEDict   int32 = 8
)

// rleDecoder reads the RLE / bit-packed hybrid encoding (definition levels
// and dictionary indices) of values width bits wide.
type rleDecoder struct {
	data  []byte
	pos   int
	width int
	// the current run: rle values left (repeat of val) or bit-packed
	// values left starting at bit offset packBit of packed
	rleLeft  int
	val      int32
	packLeft int
	packed   []byte
	packBit  int
	// wide is packed and the rest of data after it: 8-byte loads may read
	// past the run's last byte (the bits beyond a value are masked off)
	wide []byte
}

func newRLE(data []byte, width int) (*rleDecoder, error) {
	if width < 0 || width > 32 {
		return nil, fmt.Errorf("bit width %d", width)
	}
	return &rleDecoder{data: data, width: width}, nil
}

// next starts the next run.
func (d *rleDecoder) next() error {
	h, k := binary.Uvarint(d.data[d.pos:])
	if k <= 0 {
		return fmt.Errorf("truncated RLE run header")
	}
	d.pos += k
	if h&1 == 0 {
		nb := (d.width + 7) / 8
		if d.pos+nb > len(d.data) {
			return fmt.Errorf("truncated RLE run")
		}
		var v uint32
		for i := 0; i < nb; i++ {
			v |= uint32(d.data[d.pos+i]) << (8 * i)
		}
		d.pos += nb
		if h>>1 > math.MaxInt32 {
			return fmt.Errorf("RLE run of %d values", h>>1)
		}
		d.rleLeft, d.val = int(h>>1), int32(v)
		return nil
	}
	groups := h >> 1
	if groups > uint64(len(d.data)) {
		return fmt.Errorf("truncated bit-packed run")
	}
	nb := int(groups) * d.width
	if d.pos+nb > len(d.data) {
		// writers may end the last run early: use the bytes there are
		nb = len(d.data) - d.pos
	}
	d.packed, d.packBit = d.data[d.pos:d.pos+nb], 0
	d.wide = d.data[d.pos:]
	d.packLeft = min(int(groups)*8, nb*8/max(d.width, 1))
	if d.width == 0 {
		d.packLeft = int(groups) * 8
	}
	d.pos += nb
	return nil
}

// read fills out completely or fails.
func (d *rleDecoder) read(out []int32) error {
	mask := uint64(1)<<d.width - 1
	for i := 0; i < len(out); {
		switch {
		case d.rleLeft > 0:
			k := min(d.rleLeft, len(out)-i)
			v := d.val
			for j := range out[i : i+k] {
				out[i+j] = v
			}
			d.rleLeft -= k
			i += k
		case d.packLeft > 0:
			k := min(d.packLeft, len(out)-i)
			p, bit, w := d.packed, d.packBit, d.width
			j := 0
			// groups of 8 values while 8 bytes can be loaded at the last
			// one's byte: each value one unaligned 64-bit load, shift and
			// mask (independent of the others; w <= 32 leaves room for the
			// bit offset)
			q := d.wide
			if w > 0 && w <= 8 && bit&7 == 0 && len(q) >= 8 {
				// narrow values (flags, small dictionaries) from a group
				// boundary: a group of 8 is 8w <= 64 bits from a byte
				// boundary, one load for all 8
				base := unsafe.Pointer(unsafe.SliceData(q))
				last := len(q) - 8
				s1, s2, s3, s4, s5, s6, s7 := w, 2*w, 3*w, 4*w, 5*w, 6*w, 7*w
				for ; j+8 <= k && bit>>3 <= last; j += 8 {
					x := *(*uint64)(unsafe.Add(base, bit>>3))
					o := (*[8]int32)(out[i+j : i+j+8])
					o[0] = int32(x & mask)
					o[1] = int32((x >> s1) & mask)
					o[2] = int32((x >> s2) & mask)
					o[3] = int32((x >> s3) & mask)
					o[4] = int32((x >> s4) & mask)
					o[5] = int32((x >> s5) & mask)
					o[6] = int32((x >> s6) & mask)
					o[7] = int32((x >> s7) & mask)
					bit += 8 * w
				}
			}
			if w > 0 && len(q) >= 8 {
				base := unsafe.Pointer(unsafe.SliceData(q))
				last := len(q) - 8 // the highest byte a load may start at
				for ; j+8 <= k && (bit+7*w)>>3 <= last; j += 8 {
					o := (*[8]int32)(out[i+j : i+j+8])
					b0, b1, b2, b3 := bit, bit+w, bit+2*w, bit+3*w
					b4, b5, b6, b7 := bit+4*w, bit+5*w, bit+6*w, bit+7*w
					o[0] = int32((*(*uint64)(unsafe.Add(base, b0>>3)) >> (b0 & 7)) & mask)
					o[1] = int32((*(*uint64)(unsafe.Add(base, b1>>3)) >> (b1 & 7)) & mask)
					o[2] = int32((*(*uint64)(unsafe.Add(base, b2>>3)) >> (b2 & 7)) & mask)
					o[3] = int32((*(*uint64)(unsafe.Add(base, b3>>3)) >> (b3 & 7)) & mask)
					o[4] = int32((*(*uint64)(unsafe.Add(base, b4>>3)) >> (b4 & 7)) & mask)
					o[5] = int32((*(*uint64)(unsafe.Add(base, b5>>3)) >> (b5 & 7)) & mask)
					o[6] = int32((*(*uint64)(unsafe.Add(base, b6>>3)) >> (b6 & 7)) & mask)
					o[7] = int32((*(*uint64)(unsafe.Add(base, b7>>3)) >> (b7 & 7)) & mask)
					bit += 8 * w
				}
			}
			for ; j < k; j++ {
				b := bit >> 3
				var word uint64
				if b+8 <= len(q) {
					word = binary.LittleEndian.Uint64(q[b:])
				} else {
					for m := 0; b+m < len(p); m++ {
						word |= uint64(p[b+m]) << (8 * m)
					}
				}
				out[i+j] = int32((word >> (bit & 7)) & mask)
				bit += w
			}
			d.packBit = bit
			d.packLeft -= k
			i += k
		default:
			if d.pos >= len(d.data) {
				return fmt.Errorf("RLE data ends after %d of %d values", i, len(out))
			}
			if err := d.next(); err != nil {
				return err
			}
		}
	}
	return nil
}

// dataPage splits a data page into its definition levels (decoded into
// defs[:nvals]; nil when the column is required) and its value bytes, and
// says the page's value encoding.
type pageParts struct {
	nvals   int     // levels (rows) in the page
	defs    []int32 // nil: every row present (or nulls holds them)
	nulls   []int32 // splitPageNulls: the null rows, ascending (nil: see defs)
	present int     // rows with a value
	values  []byte
	enc     int32
}

func splitPage(pg file.Page, maxDef int16, scratch *[]int32) (pageParts, error) {
	return splitPageAs(pg, maxDef, scratch, false)
}

// splitPageNulls is splitPage giving a flat optional column's (maxDef 1)
// nulls as their positions (p.nulls) instead of a level per row: the
// levels' runs of 1s are skipped and a bit-packed run is read 64 levels a
// word, so a page with few nulls costs about its nulls (fuel's
// Miles_per_Gallon: one row in fifty).
func splitPageNulls(pg file.Page, maxDef int16, scratch *[]int32) (pageParts, error) {
	return splitPageAs(pg, maxDef, scratch, maxDef == 1)
}

func splitPageAs(pg file.Page, maxDef int16, scratch *[]int32, nullList bool) (pageParts, error) {
	var p pageParts
	p.nvals = int(pg.NumValues())
	if p.nvals < 0 {
		return p, fmt.Errorf("page of %d values", p.nvals)
	}
	data := pg.Data()
	p.enc = int32(pg.Encoding())
	var lv []byte
	switch dp := pg.(type) {
	case *file.DataPageV1:
		if maxDef > 0 {
			if int32(dp.DefinitionLevelEncoding()) != encRLE {
				return p, errUnsupported
			}
			if len(data) < 4 {
				return p, fmt.Errorf("data page too small for its levels")
			}
			n := int(binary.LittleEndian.Uint32(data))
			if n < 0 || 4+n > len(data) {
				return p, fmt.Errorf("definition levels of %d bytes in a page of %d", n, len(data))
			}
			lv, data = data[4:4+n], data[4+n:]
		}
	case *file.DataPageV2:
		r, d := int(dp.RepetitionLevelByteLen()), int(dp.DefinitionLevelByteLen())
		if r < 0 || d < 0 || r+d > len(data) {
			return p, fmt.Errorf("levels of %d+%d bytes in a page of %d", r, d, len(data))
		}
		lv, data = data[r:r+d], data[r+d:]
		if maxDef == 0 {
			lv = nil
		}
	default:
		return p, errUnsupported
	}
	p.values, p.present = data, p.nvals
	if maxDef > 0 && allDefined(lv, maxDef, p.nvals) {
		return p, nil // a nullable column's page without a null: no levels to spread
	}
	if nullList {
		nulls, err := nullPositions(lv, p.nvals, (*scratch)[:0])
		if err != nil {
			return p, fmt.Errorf("definition levels: %w", err)
		}
		*scratch = nulls[:0] // (grown: kept for the next page)
		p.nulls, p.present = nulls, p.nvals-len(nulls)
		return p, nil
	}
	if maxDef > 0 {
		if cap(*scratch) < p.nvals {
			*scratch = make([]int32, p.nvals)
		}
		p.defs = (*scratch)[:p.nvals]
		d, err := newRLE(lv, bits.Len(uint(maxDef)))
		if err != nil {
			return p, err
		}
		if err := d.read(p.defs); err != nil {
			return p, fmt.Errorf("definition levels: %w", err)
		}
		p.present = 0
		for _, v := range p.defs {
			if v == int32(maxDef) {
				p.present++
			}
		}
	}
	return p, nil
}

// nullPositions decodes the definition levels lv (the RLE / bit-packed
// hybrid, bit width 1) of n values and appends the positions of the nulls
// (level 0) to dst, ascending.
func nullPositions(lv []byte, n int, dst []int32) ([]int32, error) {
	out := dst
	pos, row := 0, 0
	for row < n {
		if pos >= len(lv) {
			return nil, fmt.Errorf("RLE data ends after %d of %d values", row, n)
		}
		h, k := binary.Uvarint(lv[pos:])
		if k <= 0 {
			return nil, fmt.Errorf("truncated RLE run header")
		}
		pos += k
		if h&1 == 0 { // a run of one level
			if pos >= len(lv) {
				return nil, fmt.Errorf("truncated RLE run")
			}
			v := lv[pos]
			pos++
			if v > 1 {
				return nil, fmt.Errorf("definition level %d above the column's 1", v)
			}
			count := n - row
			if h>>1 < uint64(count) {
				count = int(h >> 1)
			}
			if v == 0 {
				for r := row; r < row+count; r++ {
					out = append(out, int32(r))
				}
			}
			row += count
			continue
		}
		groups := h >> 1
		if groups > uint64(len(lv)) {
			return nil, fmt.Errorf("truncated bit-packed run")
		}
		nb := min(int(groups), len(lv)-pos) // writers may end the last run early
		b := lv[pos : pos+nb]
		vals := min(8*nb, n-row)
		for i := 0; i < vals; i += 64 {
			var w uint64
			if at := i / 8; at+8 <= len(b) {
				w = binary.LittleEndian.Uint64(b[at:])
			} else {
				for j := 0; at+j < len(b); j++ {
					w |= uint64(b[at+j]) << (8 * j)
				}
			}
			m := ^w
			if left := vals - i; left < 64 {
				m &= 1<<uint(left) - 1
			}
			for m != 0 {
				out = append(out, int32(row+i+bits.TrailingZeros64(m)))
				m &= m - 1
			}
		}
		row += vals
		pos += nb
	}
	return out, nil
}

// spreadNulls is spreadBack for a page split by splitPageNulls: out[:present]
// holds the page's values, moved up run by run between the nulls (from the
// last), each null row set to null.
func spreadNulls[T any](out []T, nulls []int32, present int, null T) {
	src, dst := present, len(out)
	for k := len(nulls) - 1; k >= 0; k-- {
		p := int(nulls[k])
		cnt := dst - p - 1
		copy(out[p+1:dst], out[src-cnt:src])
		src -= cnt
		out[p] = null
		dst = p
	}
}

// allDefined reports whether RLE-encoded definition levels lv start with
// one run of maxDef covering all n values (the usual page of an optional
// column without nulls: writers emit it as a single run).
func allDefined(lv []byte, maxDef int16, n int) bool {
	h, k := binary.Uvarint(lv)
	if k <= 0 || h&1 != 0 || h>>1 < uint64(n) {
		return false
	}
	w := (bits.Len(uint(maxDef)) + 7) / 8
	if len(lv) < k+w {
		return false
	}
	var v int
	for i := 0; i < w; i++ {
		v |= int(lv[k+i]) << (8 * i)
	}
	return v == int(maxDef)
}

// dictIndices decodes the present values' dictionary indices of a page and
// checks them against a dictionary of size n.
func dictIndices(p pageParts, n int, scratch *[]int32) ([]int32, error) {
	idx, err := unpackIndices(p, scratch)
	if err != nil {
		return nil, err
	}
	for _, v := range idx {
		if uint32(v) >= uint32(n) {
			return nil, fmt.Errorf("dictionary index %d out of a dictionary of %d", v, n)
		}
	}
	return idx, nil
}

// unpackIndices decodes the present values' dictionary indices of a page
// (unchecked).
func unpackIndices(p pageParts, scratch *[]int32) ([]int32, error) {
	if len(p.values) < 1 {
		if p.present == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("dictionary page data is empty")
	}
	if cap(*scratch) < p.present {
		*scratch = make([]int32, p.present)
	}
	idx := (*scratch)[:p.present]
	d, err := newRLE(p.values[1:], int(p.values[0]))
	if err != nil {
		return nil, err
	}
	if err := d.read(idx); err != nil {
		return nil, fmt.Errorf("dictionary indices: %w", err)
	}
	return idx, nil
}

// scratch holds one chunk decoder's temporary buffers, reused across
// chunks (they are not part of any result).
type scratch struct {
	defs, idx []int32
	hits      []int32  // positions a test keeps (keepDict)
	keeps     [2][]int // a filtered read's kept rows (filterPlan.read)
	dict      []uint64 // a fixed-width dictionary's values (bits)
	i64       []int64  // a tested column's values at the kept rows (dictSelect)
	f64       []float64
	pos       []int32 // the selected rows' positions in a page (decodeFixedSel, dictSelect)
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// scratchDict returns k elements of sc's dictionary buffer as T.
func scratchDict[T fixed](sc *scratch, k int) []T {
	if cap(sc.dict) < k {
		sc.dict = make([]uint64, k)
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(sc.dict))), cap(sc.dict))[:k]
}

// dictValues are the k 8-byte values of a PLAIN dictionary page's body b
// (len(b) >= 8k): b itself when it is 8-byte aligned (the page readers
// keep a dictionary page's body until the next dictionary page or until
// they close), else a copy in sc's dictionary buffer.
func dictValues[T fixed](sc *scratch, b []byte, k int) []T {
	if k == 0 {
		return []T{}
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%8 == 0 {
		return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), k)
	}
	dict := scratchDict[T](sc, k)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dict))), 8*k), b)
	return dict
}

// fixed are the fixed-width values decoded page by page.
type fixed interface{ int64 | float64 }

// decodeFixedPages decodes an INT64 or DOUBLE column chunk into dst (one
// element per row) and returns its validity (nil without nulls); null slots
// hold null.
func decodeFixedPages[T fixed](pr file.PageReader, dst []T, maxDef int16, null T, name string) ([]byte, error) {
	var dict []T
	hasDict := false
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	defScratch, idxScratch := &sc.defs, &sc.idx
	var valid []byte
	row := 0
	n := len(dst)
	for pr.Next() {
		pg := pr.Page()
		err := func() error {
			if dp, ok := pg.(*file.DictionaryPage); ok {
				if e := int32(dp.Encoding()); e != encPlain && e != encPlainDict {
					return errUnsupported
				}
				k := int(dp.NumValues())
				b := dp.Data()
				if k < 0 || len(b) < 8*k {
					return fmt.Errorf("dictionary page of %d values holds %d bytes", k, len(b))
				}
				dict, hasDict = dictValues[T](sc, b, k), true
				return nil
			}
			p, err := splitPage(pg, maxDef, defScratch)
			if err != nil {
				return err
			}
			if row+p.nvals > n {
				return fmt.Errorf("column %q holds more values than its %d rows", name, n)
			}
			if err := decodeFixedPage(p, dict, hasDict, dst[row:row+p.nvals], maxDef, null, idxScratch); err != nil {
				return err
			}
			if p.present < p.nvals {
				if valid == nil {
					valid = col.NewBitmap(n, true)
				}
				for i, d := range p.defs {
					if d != int32(maxDef) {
						col.SetBit(valid, row+i, false)
					}
				}
			}
			row += p.nvals
			return nil
		}()
		if err != nil {
			return nil, err
		}
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	if row != n {
		return nil, fmt.Errorf("column %q has %d rows, the footer says %d", name, row, n)
	}
	return valid, nil
}

// decodeFixedPage decodes one data page (split by splitPage) of an INT64 or
// DOUBLE chunk into out (one element per row, len p.nvals); null slots hold
// null. dict is the chunk's dictionary (hasDict: its page was read).
func decodeFixedPage[T fixed](p pageParts, dict []T, hasDict bool, out []T, maxDef int16, null T, idxScratch *[]int32) error {
	switch p.enc {
	case encPlain:
		if len(p.values) < 8*p.present {
			return fmt.Errorf("plain page of %d values holds %d bytes", p.present, len(p.values))
		}
		copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(out))), 8*p.present), p.values)
	case encRLEDict, encPlainDict:
		if !hasDict {
			return fmt.Errorf("dictionary-encoded page without a dictionary page")
		}
		idx, err := unpackIndices(p, idxScratch)
		if err != nil {
			return err
		}
		dense := out[:len(idx)]
		nd := uint32(len(dict))
		for i, v := range idx { // checked and gathered in one pass
			if uint32(v) >= nd {
				return fmt.Errorf("dictionary index %d out of a dictionary of %d", v, nd)
			}
			dense[i] = dict[v]
		}
	default:
		return errUnsupported
	}
	if p.present < p.nvals {
		spreadBack(out, p, maxDef, null)
	}
	return nil
}

// spreadBack spreads a page's dense values (out[:p.present]) backwards over
// its rows (out[:p.nvals]), null in the rows its definition levels say are
// missing.
func spreadBack[T any](out []T, p pageParts, maxDef int16, null T) {
	vi := p.present - 1
	for i := p.nvals - 1; i >= 0; i-- {
		if p.defs[i] == int32(maxDef) {
			out[i] = out[vi]
			vi--
			continue
		}
		out[i] = null
	}
}
