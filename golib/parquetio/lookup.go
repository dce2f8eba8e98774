package parquetio

// Dictionary-coded columns read as lookups. A scan's `lookups` attribute
// (exec.ScanLookups marks it where every reader of the column takes a
// col.Lookup) names int64, datetime and float64 columns that are read as
// their dictionary indices and values instead of one value per row: the
// column becomes a col.Lookup whose codes are the row groups' indices (each
// offset by the entries of the row groups before it) and whose values are
// the row groups' dictionaries, one after another. The per-row gather a
// plain read does (8 bytes a row written, then read again by the reader)
// is left to the readers, which do it a chunk at a time or not at all: a
// row-local expression is evaluated once per dictionary entry, a mean sums
// the codes' values.
//
// A row group whose pages are not all dictionary-coded (a writer falls back
// to PLAIN when the dictionary grows too big), or that has a null in an
// integer or datetime column, is decoded as a plain read would, and the
// column is then materialized whole: the same values either way. A float
// column's null is NaN, the dictionary's extra last entry (0 in a row group
// without a null: no row holds it).

import (
	"fmt"
	"math"
	"runtime/debug"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// LookupsAttr is the scan attribute listing the columns read as lookups.
const LookupsAttr = "lookups"

// lookupBlock is how many indices decodeLookupPages unpacks before checking
// and offsetting them (16 KiB: in the L1 cache).
const lookupBlock = 4096

// offsetMax writes src[i] + base into dst[i] and returns the largest
// src[i] as a uint32 (a negative index is larger than any dictionary).
func offsetMax(dst, src []int32, base int32) uint32 {
	var most uint32
	for i, v := range src[:len(dst)] {
		most = max(most, uint32(v))
		dst[i] = v + base
	}
	return most
}

// readOffset fills out with the next len(out) values plus base, as read
// and then offsetMax would, and returns the largest value read (before
// base); a bit-packed run's values are unpacked, offset and checked
// sixteen at a time by blas.UnpackOffset where the CPU allows, the rest by
// read and offsetMax.
func (d *rleDecoder) readOffset(out []int32, base int32) (uint32, error) {
	var most uint32
	for i := 0; i < len(out); {
		switch {
		case d.rleLeft > 0:
			k := min(d.rleLeft, len(out)-i)
			v := d.val
			for j := range out[i : i+k] {
				out[i+j] = v + base
			}
			most = max(most, uint32(v))
			d.rleLeft -= k
			i += k
		case d.packLeft > 0:
			k := min(d.packLeft, len(out)-i)
			done, m := blas.UnpackOffset(out[i:i+k], d.wide, d.packBit, d.width, base)
			most = max(most, m)
			d.packBit += done * d.width
			d.packLeft -= done
			i += done
			if rest := k - done; rest > 0 { // within this run: read takes them from it
				blk := out[i : i+rest]
				if err := d.read(blk); err != nil {
					return 0, err
				}
				most = max(most, offsetMax(blk, blk, base))
				i += rest
			}
		default:
			if d.pos >= len(d.data) {
				return 0, fmt.Errorf("RLE data ends after %d of %d values", i, len(out))
			}
			if err := d.next(); err != nil {
				return 0, err
			}
		}
	}
	return most, nil
}

// lookupPiece is one row group of a lookup column: its dictionary (values,
// a copy) when its codes were decoded, else its plain values (plain) and
// validity.
type lookupPiece struct {
	dict  []uint64 // the row group's entries as bits (int64 or float64)
	plain *col.Column
	valid []byte
}

// lookupKind reports whether column c can be read as a lookup (an int64,
// datetime or float64 column read directly from the mapped file).
func lookupKind(o *openedFile, c column) bool {
	if !c.lookup || !directFixed || !pageDecode || o.mm == nil || fixedKind(o, c) == 0 {
		return false
	}
	return c.typ == ir.Int64 || c.typ.IsDatetime() || c.typ == ir.Float64
}

// dictEntries is the number of entries of the dictionary page that starts
// column leaf's chunk in row group rg (ok false: the chunk does not start
// with one, or is not read from the mapping), read from its page header.
func (o *openedFile) dictEntries(rg, leaf int) (k int, ok bool) {
	p := o.mappedReader(rg, leaf)
	if p == nil {
		return 0, false
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			k, ok = 0, false
		}
	}()
	var h pageHeader
	if _, err := h.parse(p.data); err != nil || h.typ != pageDictionary || h.dictNum < 0 {
		return 0, false
	}
	return int(h.dictNum), true
}

// lookupBases is where each row group's dictionary starts in a lookup
// column's values (a float's with one more entry, its NaN for the nulls),
// and their total; ok false when a kept row group's chunk does not start
// with a dictionary page (the column is then read as values).
func lookupBases(o *openedFile, c column, rgRows []int64) (bases []int32, total int, ok bool) {
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	bases = make([]int32, len(rgRows))
	for rg, rows := range rgRows {
		if rows == 0 {
			continue
		}
		k, ok := o.dictEntries(rg, leaf)
		if !ok {
			return nil, 0, false
		}
		if c.typ.IsFloat() {
			k++
		}
		bases[rg] = int32(total)
		if total += k; total > math.MaxInt32 {
			return nil, 0, false
		}
	}
	return bases, total, true
}

// readLookupChunk reads column c of row group rg: the dictionary indices,
// plus base, into codes (one per row) and the dictionary into the piece,
// or, when the chunk is not wholly dictionary-coded (or has a null that is
// not a float's), its values into a plain column.
func readLookupChunk(o *openedFile, rg int, c column, codes []int32, base int32) (*lookupPiece, error) {
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	maxDef := o.pf.MetaData().Schema.Column(leaf).MaxDefinitionLevel()
	pr, err := o.pageReader(rg, leaf)
	if err != nil {
		return nil, err
	}
	ok, piece, err := decodeLookupPages(pr, codes, base, maxDef, c.typ.IsFloat(), c.name)
	pr.Close()
	if err != nil || ok {
		return piece, err
	}
	plain := &col.Column{Type: c.typ, N: len(codes)}
	if c.typ.IsFloat() {
		plain.F64 = make([]float64, len(codes))
	} else {
		plain.I64 = make([]int64, len(codes))
	}
	valid, err := readFixed(o, rg, c, plain, 0, len(codes))
	if err != nil {
		return nil, err
	}
	return &lookupPiece{plain: plain, valid: valid}, nil
}

// decodeLookupPages decodes a chunk's dictionary indices, plus base, into
// codes, and returns its dictionary (a float's with an entry after it: the
// nulls' code, NaN, or 0 when the chunk has no null); ok false (and no error) when a page is not
// dictionary-coded, or has a null and float is false.
func decodeLookupPages(pr file.PageReader, codes []int32, base int32, maxDef int16, float bool, name string) (bool, *lookupPiece, error) {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	var dict []uint64
	hasDict, nulls := false, false
	row, n := 0, len(codes)
	for pr.Next() {
		pg := pr.Page()
		if dp, isDict := pg.(*file.DictionaryPage); isDict {
			if e := int32(dp.Encoding()); (e != encPlain && e != encPlainDict) || hasDict {
				return false, nil, nil
			}
			k := int(dp.NumValues())
			b := dp.Data()
			if k < 0 || len(b) < 8*k {
				return false, nil, fmt.Errorf("dictionary page of %d values holds %d bytes", k, len(b))
			}
			dict = make([]uint64, k, k+1)
			copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dict))), 8*k), b)
			if float {
				dict = append(dict, math.Float64bits(math.NaN()))
			}
			hasDict = true
			continue
		}
		p, err := splitPageNulls(pg, maxDef, &sc.defs)
		if err == errUnsupported {
			return false, nil, nil
		}
		if err != nil {
			return false, nil, err
		}
		if !hasDict || (p.enc != encRLEDict && p.enc != encPlainDict) || (p.present < p.nvals && !float) {
			return false, nil, nil
		}
		if row+p.nvals > n {
			return false, nil, fmt.Errorf("column %q holds more values than its %d rows", name, n)
		}
		out := codes[row : row+p.nvals]
		dense := out[:p.present]
		nd := uint32(len(dict))
		if float {
			nd-- // the NaN entry is the nulls' only
		}
		if p.present > 0 {
			if len(p.values) < 1 {
				return false, nil, fmt.Errorf("dictionary page data is empty")
			}
			d, err := newRLE(p.values[1:], int(p.values[0]))
			if err != nil {
				return false, nil, err
			}
			// unpacked a block at a time, each block checked and offset while
			// it is in the L1 cache
			var most uint32
			for lo := 0; lo < len(dense); lo += lookupBlock {
				blk := dense[lo:min(lo+lookupBlock, len(dense))]
				m, err := d.readOffset(blk, base)
				if err != nil {
					return false, nil, fmt.Errorf("dictionary indices: %w", err)
				}
				most = max(most, m)
			}
			if len(dense) > 0 && most >= nd {
				return false, nil, fmt.Errorf("dictionary index %d out of a dictionary of %d", most, nd)
			}
		}
		if p.present < p.nvals { // a float's nulls: the NaN entry
			if p.nulls != nil {
				spreadNulls(out, p.nulls, p.present, base+int32(nd))
			} else {
				spreadBack(out, p, maxDef, base+int32(nd))
			}
			nulls = true
		}
		row += p.nvals
	}
	if err := pr.Err(); err != nil {
		return false, nil, err
	}
	if row != n {
		return false, nil, fmt.Errorf("column %q has %d rows, the footer says %d", name, row, n)
	}
	if !hasDict && n > 0 {
		return false, nil, nil
	}
	if float && !nulls && len(dict) > 0 {
		// no row holds the nulls' entry: not NaN, so that a reader asking
		// which values are missing (dropna) need not look at the rows
		dict[len(dict)-1] = 0
	}
	return true, &lookupPiece{dict: dict}, nil
}

// joinLookup assembles a lookup column of n rows from its row groups'
// pieces (starts[rg]: the row group's first row, bases[rg] its dictionary's
// in the values; a nil piece: the row group was skipped): a col.Lookup when
// every piece is dictionary-coded (with the dictionary lookupBases
// expected), else the materialized column (with its validity).
func joinLookup(c column, codes []int32, pieces []*lookupPiece, starts []int, bases []int32, total int) *col.Column {
	n := len(codes)
	coded := true
	for rg, p := range pieces {
		if p != nil && (p.plain != nil || int(bases[rg])+len(p.dict) > total ||
			rg+1 < len(pieces) && pieces[rg+1] != nil && int(bases[rg])+len(p.dict) != int(bases[rg+1])) {
			coded = false
		}
	}
	if coded {
		vals := make([]uint64, total)
		for rg, p := range pieces {
			if p != nil {
				copy(vals[bases[rg]:], p.dict)
			}
		}
		lk := &col.Lookup{Codes: codes}
		if c.typ.IsFloat() {
			lk.F64 = unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals))
		} else {
			lk.I64 = unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals))
		}
		return &col.Column{Type: c.typ, N: n, Lookup: lk}
	}
	out := &col.Column{Type: c.typ, N: n}
	if c.typ.IsFloat() {
		out.F64 = col.Uninit[float64](n)
	} else {
		out.I64 = col.Uninit[int64](n)
	}
	parallelFor(len(pieces), func(rg int) {
		p := pieces[rg]
		if p == nil {
			return
		}
		s, e := starts[rg], starts[rg+1]
		switch {
		case p.plain != nil && out.F64 != nil:
			copy(out.F64[s:e], p.plain.F64)
		case p.plain != nil:
			copy(out.I64[s:e], p.plain.I64)
		default:
			b := bases[rg]
			for i := s; i < e; i++ {
				if out.F64 != nil {
					out.F64[i] = math.Float64frombits(p.dict[codes[i]-b])
				} else {
					out.I64[i] = int64(p.dict[codes[i]-b])
				}
			}
		}
	})
	for rg, p := range pieces { // sequential: neighbouring row groups may share a bitmap byte
		if p == nil || p.valid == nil || c.typ.IsFloat() {
			continue
		}
		if out.Valid == nil {
			out.Valid = col.NewBitmap(n, true)
		}
		for i := 0; i < starts[rg+1]-starts[rg]; i++ {
			if !col.GetBit(p.valid, i) {
				col.SetBit(out.Valid, starts[rg]+i, false)
			}
		}
	}
	return out
}
