package parquetio

// A pushed filter's conjunct tested on one column chunk without decoding
// its values row by row (filter.go's filterPlan calls these): on the chunk's
// dictionary, once per entry, the rows then kept by their dictionary index
// (dictSelect, keepDict, gatherDict), or on each decoded page's strings for
// a column the scan does not return (stringSelect); dictPagesOnly reads the
// chunk's page encoding statistics first.

import (
	"fmt"
	"slices"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// dictPagesOnly reports whether the chunk of leaf column leaf in row group
// rg may hold only dictionary-encoded data pages: false when the chunk's
// page encoding statistics list a data page of another encoding (a writer
// that fell back to PLAIN once its dictionary grew too big: TPC-H's
// o_comment, written by parquet-cpp), which dictSelect would find only after
// decoding and testing the whole dictionary, to then decode the chunk again.
// (arrow-go's writer lists no fallback pages: such chunks are tried.)
func dictPagesOnly(o *openedFile, rg, leaf int) bool {
	cc, err := o.pf.MetaData().RowGroup(rg).ColumnChunk(leaf)
	if err != nil {
		return true // (dictSelect reports the error)
	}
	return dataPagesIndexDict(cc.EncodingStats())
}

// dataPagesIndexDict reports whether no data page in stats has an encoding
// other than a dictionary's indices.
func dataPagesIndexDict(stats []metadata.PageEncodingStats) bool {
	const dataPage, dataPageV2 = 0, 3 // the format's PageType values
	for _, st := range stats {
		if t := int32(st.PageType); (t == dataPage || t == dataPageV2) &&
			st.Encoding != parquet.Encodings.RLEDict && st.Encoding != parquet.Encodings.PlainDict {
			return false
		}
	}
	return true
}

// dictSelect tests pred, which reads column c alone, on the rows sel
// (ascending; nil: all) of row group rg: once per entry of the chunk's
// dictionary, then per row by its dictionary index (unpacked at the rows
// of sel only when sel is given). It returns the positions in sel (or the
// rows) that pass; done is false when the chunk is not dictionary-encoded
// throughout or has nulls (the caller then decodes the values and tests
// them row by row).
//
// loose > 0 (a key filter, which may keep rows the join drops): when no
// selection is given and pred keeps more than that fraction of the
// dictionary's entries, every row passes (keep nil, done true) without
// reading the indices.
//
// vals (when asked for) are the column's values at the kept rows, gathered
// from the dictionary (strings: the kept rows' dictionary indices, expanded
// once at the end), so a column the scan also returns is not decoded a
// second time.
//
// keepBuf is where keep is built (grown as needed; a reused buffer).
func dictSelect(o *openedFile, fi *fileInfo, rg int, c column, pred func(*col.Frame) (*col.Column, error), loose float64, sel []int, rows int, wantVals bool, keepBuf []int) (keep []int, vals *col.Column, done bool, err error) {
	if !pageDecode || !directFixed {
		return nil, nil, false, nil
	}
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	descr := o.pf.MetaData().Schema.Column(leaf)
	pt := descr.PhysicalType()
	str := c.typ == ir.String && pt == parquet.Types.ByteArray && descr.MaxRepetitionLevel() == 0
	if fk := fixedKind(o, c); !str && fk != parquet.Types.Int64 && fk != parquet.Types.Double {
		return nil, nil, false, nil
	}
	if !dictPagesOnly(o, rg, leaf) {
		return nil, nil, false, nil
	}
	maxDef := descr.MaxDefinitionLevel()
	pr, err := o.pageReader(rg, leaf)
	if err != nil {
		return nil, nil, false, parseError(fi.path, err)
	}
	defer pr.Close()
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	var dm []bool        // pred per dictionary entry
	var dict *col.Column // the dictionary (wantVals)
	var sdict *strDict   // a string dictionary (wantVals)
	var sidx []int32     // its indices at the kept rows
	pos := sc.pos[:0]    // kept positions within a page (reused)
	defer func() { sc.pos = pos[:0] }()
	n := rows
	if sel != nil {
		n = len(sel)
	}
	keep = keepBuf[:0]
	if keep == nil { // (nil keep means "every row passes")
		keep = make([]int, 0, min(n, 1024))
	}
	row, si := 0, 0
	for pr.Next() {
		pg := pr.Page()
		if dp, ok := pg.(*file.DictionaryPage); ok {
			if e := int32(dp.Encoding()); e != encPlain && e != encPlainDict {
				return nil, nil, false, nil
			}
			k := int(dp.NumValues())
			b := dp.Data()
			d := &col.Column{Type: c.typ, N: k}
			switch {
			case str:
				offs, data, err := parsePlainStrings(b, k)
				if err != nil {
					return nil, nil, false, parseError(fi.path, fmt.Errorf("dictionary page: %w", err))
				}
				d.Offs, d.Data = offs, data
			case k < 0 || len(b) < 8*k:
				return nil, nil, false, parseError(fi.path, fmt.Errorf("dictionary page of %d values holds %d bytes", k, len(b)))
			case c.typ.IsFloat():
				d.F64 = dictValues[float64](sc, b, k)
			default:
				d.I64 = dictValues[int64](sc, b, k)
			}
			m, err := pred(&col.Frame{N: k, Names: []string{c.name}, Cols: []*col.Column{d}})
			if err != nil {
				return nil, nil, false, err
			}
			if m.Type != ir.Bool || m.N != k || m.HasNulls() {
				return nil, nil, false, ir.Errorf("Value", "Cannot mask with non-boolean array containing NA / NaN values")
			}
			dm = m.B[:k]
			if wantVals && str {
				sdict, sidx = newStrDict(d.Offs, d.Data), []int32{}
			}
			if wantVals && !str {
				// gathered page by page into the scratch buffers (grown
				// as needed and kept for the next chunk), and copied out
				// at their exact size at the end (appending to the result
				// grew it page by page: TPC-H q7's l_shipdate and
				// l_suppkey, 26 MiB of garbage per run)
				dict, vals = d, &col.Column{Type: c.typ}
				if c.typ.IsFloat() {
					vals.F64 = sc.f64[:0]
				} else {
					vals.I64 = sc.i64[:0]
				}
			}
			if loose > 0 && sel == nil && k > 0 {
				kept := 0
				for _, v := range dm {
					if v {
						kept++
					}
				}
				if float64(kept) > loose*float64(k) {
					return nil, nil, true, nil // (all rows pass; the data pages are not read)
				}
			}
			continue
		}
		p, err := splitPage(pg, maxDef, &sc.defs)
		if err != nil {
			if err == errUnsupported {
				return nil, nil, false, nil
			}
			return nil, nil, false, parseError(fi.path, err)
		}
		if p.present != p.nvals || (p.enc != encRLEDict && p.enc != encPlainDict) || dm == nil {
			return nil, nil, false, nil
		}
		if row+p.nvals > rows {
			return nil, nil, false, parseError(fi.path, fmt.Errorf("column %q holds more values than its %d rows", c.name, rows))
		}
		if sel == nil {
			idx, err := dictIndices(p, len(dm), &sc.idx)
			if err != nil {
				return nil, nil, false, parseError(fi.path, err)
			}
			n0 := len(keep)
			keep = keepDict(keep, idx, dm, row, vals, dict, &sc.hits)
			sidx = keptIndices(sidx, idx, sc.hits[:len(keep)-n0])
			row += p.nvals
			continue
		}
		a := si
		for si < len(sel) && sel[si] < row+p.nvals {
			si++
		}
		if si > a {
			if len(p.values) < 1 {
				return nil, nil, false, parseError(fi.path, fmt.Errorf("dictionary page data is empty"))
			}
			d, err := newRLE(p.values[1:], int(p.values[0]))
			if err != nil {
				return nil, nil, false, parseError(fi.path, err)
			}
			pos = pos[:0]
			for _, r := range sel[a:si] {
				pos = append(pos, int32(r-row))
			}
			if cap(sc.idx) < len(pos) {
				sc.idx = make([]int32, len(pos))
			}
			idx := sc.idx[:len(pos)]
			if err := d.gather(pos, idx); err != nil {
				return nil, nil, false, parseError(fi.path, fmt.Errorf("dictionary indices: %w", err))
			}
			for _, v := range idx {
				if uint32(v) >= uint32(len(dm)) {
					return nil, nil, false, parseError(fi.path, fmt.Errorf("dictionary index %d out of a dictionary of %d", v, len(dm)))
				}
			}
			n0 := len(keep)
			keep = keepDict(keep, idx, dm, a, vals, dict, &sc.hits)
			sidx = keptIndices(sidx, idx, sc.hits[:len(keep)-n0])
		}
		row += p.nvals
	}
	if err := pr.Err(); err != nil {
		return nil, nil, false, parseError(fi.path, err)
	}
	if row != rows {
		return nil, nil, false, parseError(fi.path, fmt.Errorf("column %q has %d rows, the footer says %d", c.name, row, rows))
	}
	if vals != nil {
		vals.N = len(keep)
		if c.typ.IsFloat() {
			sc.f64, vals.F64 = vals.F64[:0], append([]float64{}, vals.F64...)
		} else {
			sc.i64, vals.I64 = vals.I64[:0], append([]int64{}, vals.I64...)
		}
	}
	if sdict != nil {
		sp := &strPiece{n: len(sidx), segs: []strSeg{{dict: sdict, idx: sidx}}}
		for _, v := range sidx {
			sp.size += sdict.offs[v+1] - sdict.offs[v]
		}
		vals = sp.column()
	}
	return keep, vals, true, nil
}

// stringSelect tests pred, which reads the string column c alone, on every
// row of row group rg (rows rows), one decoded page's strings at a time
// (the page decoder's segments, as strPiece holds them), and returns the
// rows that pass (built in keepBuf). The segments are never joined into one
// column: a column read only for its test (TPC-H q13's 1.5M order comments,
// 73 MB) is not copied a second time. ok is false (nothing read) when the
// page decoder does not read the chunk, and when it has missing values.
func stringSelect(o *openedFile, fi *fileInfo, rg int, c column, pred func(*col.Frame) (*col.Column, error), rows int, keepBuf []int) (keep []int, ok bool, err error) {
	if !pageDecode || !directStrings {
		return nil, false, nil
	}
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	descr := o.pf.MetaData().Schema.Column(leaf)
	if descr.MaxRepetitionLevel() != 0 || descr.PhysicalType() != parquet.Types.ByteArray {
		return nil, false, nil
	}
	pr, err := o.pageReader(rg, leaf)
	if err != nil {
		return nil, false, parseError(fi.path, err)
	}
	p, err := decodeStringPages(pr, rows, descr.MaxDefinitionLevel(), c.name, nil)
	pr.Close()
	switch {
	case err == errUnsupported:
		return nil, false, nil
	case err != nil:
		return nil, false, parseError(fi.path, err)
	case p.valid != nil:
		return nil, false, nil
	}
	keep = keepBuf[:0]
	if keep == nil {
		keep = make([]int, 0, rows)
	}
	base := 0
	for _, s := range p.segs {
		var v *col.Column
		if s.dict != nil {
			sp := &strPiece{n: len(s.idx), segs: []strSeg{s}}
			for _, i := range s.idx {
				sp.size += s.dict.offs[i+1] - s.dict.offs[i]
			}
			v = sp.column()
		} else {
			v = &col.Column{Type: ir.String, N: len(s.offs) - 1, Offs: s.offs, Data: s.data}
		}
		m, err := pred(&col.Frame{N: v.N, Names: []string{c.name}, Cols: []*col.Column{v}})
		if err != nil {
			return nil, false, err
		}
		if m.Type != ir.Bool || m.N != v.N || m.HasNulls() {
			return nil, false, ir.Errorf("Value", "Cannot mask with non-boolean array containing NA / NaN values")
		}
		for r, b := range m.B[:v.N] {
			if b {
				keep = append(keep, base+r)
			}
		}
		base += v.N
	}
	if base != rows {
		return nil, false, parseError(fi.path, fmt.Errorf("column %q has %d rows, the footer says %d", c.name, base, rows))
	}
	return keep, true, nil
}

// keptIndices appends to sidx (nil: none wanted) the dictionary indices
// idx[h] of the positions hits that a test kept (keepDict's).
func keptIndices(sidx, idx, hits []int32) []int32 {
	if sidx == nil {
		return nil
	}
	for _, h := range hits {
		sidx = append(sidx, idx[h])
	}
	return sidx
}

// keepDict appends to keep base+i for every i whose dictionary index
// idx[i] (checked: < len(dm)) passes dm, and that entry of the fixed-width
// dictionary dict to vals (nil: no values wanted). The positions passing
// are first collected into the reused hits buffer without a branch per
// row (a test keeping a random part of the rows mispredicts a branch
// often); then keep and vals each grow once, by exactly the rows kept
// (appending row by row spent a fifth of TPC-H q19's scan growing slices).
func keepDict(keep []int, idx []int32, dm []bool, base int, vals, dict *col.Column, hits *[]int32) []int {
	if cap(*hits) < len(idx) {
		*hits = make([]int32, len(idx))
	}
	h := (*hits)[:len(idx)]
	j := 0
	for i, v := range idx {
		h[j] = int32(i) // j <= i: in range
		j += int(*(*uint8)(unsafe.Pointer(&dm[v])))
	}
	if j == 0 {
		return keep
	}
	h = h[:j]
	n0 := len(keep)
	keep = slices.Grow(keep, j)[:n0+j]
	out := keep[n0:]
	for k, i := range h {
		out[k] = base + int(i)
	}
	switch {
	case vals == nil:
	case dict.I64 != nil:
		vals.I64 = gatherDict(vals.I64, dict.I64, idx, h)
	default:
		vals.F64 = gatherDict(vals.F64, dict.F64, idx, h)
	}
	return keep
}

// gatherDict appends dict[idx[i]] for each position i of hits to dst.
func gatherDict[T int64 | float64](dst, dict []T, idx, hits []int32) []T {
	n0 := len(dst)
	dst = slices.Grow(dst, len(hits))[:n0+len(hits)]
	out := dst[n0:]
	for k, i := range hits {
		out[k] = dict[idx[i]]
	}
	return dst
}
