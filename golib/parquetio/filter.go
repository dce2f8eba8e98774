package parquetio

// A filter pushed into the scan (the scan's "filter" attribute, set by
// predicate pushdown for a selective filter): each row group evaluates the
// predicate one conjunct at a time — a conjunct's columns are decoded for
// the rows the conjuncts before it kept, and it narrows them further — and
// then decodes the other requested columns for the rows finally kept only.
// A dictionary page's indices are then unpacked at the kept rows' positions
// (rleDecoder.gather) instead of for every row, and nothing is allocated for
// the dropped rows. Conjuncts only read safe, non-raising expressions (the
// optimizer's rule), so evaluating one on fewer rows, or before another,
// changes nothing but the work. The result holds the kept rows in file
// order.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// EvalMask evaluates a typed boolean row expression over a frame (set by the
// engine to the executor's filter evaluation, so a pushed filter means
// exactly what the filter op means).
var EvalMask func(pred *ir.Expr, f *col.Frame) (*col.Column, error)

// gather writes to out[i] the value at position pos[i] of the encoded
// stream (pos ascending, relative to the decoder's current position),
// unpacking only those values; the runs between are skipped. The decoder
// is left past the run holding the last position.
func (d *rleDecoder) gather(pos []int32, out []int32) error {
	mask := uint64(1)<<d.width - 1
	at := 0 // stream position of the current run's next value
	for i := 0; i < len(pos); {
		switch {
		case d.rleLeft > 0:
			end := at + d.rleLeft
			for v := d.val; i < len(pos) && int(pos[i]) < end; i++ {
				out[i] = v
			}
			d.rleLeft, at = 0, end
		case d.packLeft > 0:
			end := at + d.packLeft
			p, q, w, bit0 := d.packed, d.wide, d.width, d.packBit
			for ; i < len(pos) && int(pos[i]) < end; i++ {
				bit := bit0 + (int(pos[i])-at)*w
				b := bit >> 3
				var word uint64
				if b+8 <= len(q) {
					word = binary.LittleEndian.Uint64(q[b:])
				} else {
					for m := 0; b+m < len(p); m++ {
						word |= uint64(p[b+m]) << (8 * m)
					}
				}
				out[i] = int32((word >> (bit & 7)) & mask)
			}
			d.packLeft, at = 0, end
		default:
			if d.pos >= len(d.data) {
				return fmt.Errorf("RLE data ends before value %d", pos[i])
			}
			if err := d.next(); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeFixedSel decodes the rows sel (ascending, chunk-relative) of an
// INT64 or DOUBLE column chunk into dst (len(sel)) and returns their
// validity (nil without nulls). Pages holding none of the rows are only
// read; dictionary indices of a page without nulls are unpacked at the
// selected rows alone; a page with nulls is decoded in full and gathered.
func decodeFixedSel[T fixed](pr file.PageReader, sel []int, dst []T, maxDef int16, null T, name string, rows int) ([]byte, error) {
	var dict []T
	hasDict := false
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	defScratch, idxScratch := &sc.defs, &sc.idx
	var valid []byte
	var full []T
	pos := sc.pos[:0] // kept positions within a page (reused)
	defer func() { sc.pos = pos[:0] }()
	row, si := 0, 0
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
			if row+p.nvals > rows {
				return fmt.Errorf("column %q holds more values than its %d rows", name, rows)
			}
			a := si
			for si < len(sel) && sel[si] < row+p.nvals {
				si++
			}
			rs, out := sel[a:si], dst[a:si]
			if len(rs) == 0 {
				row += p.nvals
				return nil
			}
			switch {
			case p.present == p.nvals && p.enc == encPlain:
				if len(p.values) < 8*p.present {
					return fmt.Errorf("plain page of %d values holds %d bytes", p.present, len(p.values))
				}
				for i, r := range rs {
					u := binary.LittleEndian.Uint64(p.values[8*(r-row):])
					out[i] = *(*T)(unsafe.Pointer(&u))
				}
			case p.present == p.nvals && (p.enc == encRLEDict || p.enc == encPlainDict):
				if !hasDict {
					return fmt.Errorf("dictionary-encoded page without a dictionary page")
				}
				if len(p.values) < 1 {
					return fmt.Errorf("dictionary page data is empty")
				}
				d, err := newRLE(p.values[1:], int(p.values[0]))
				if err != nil {
					return err
				}
				pos = pos[:0]
				for _, r := range rs {
					pos = append(pos, int32(r-row))
				}
				if cap(*idxScratch) < len(rs) {
					*idxScratch = make([]int32, len(rs))
				}
				idx := (*idxScratch)[:len(rs)]
				if err := d.gather(pos, idx); err != nil {
					return fmt.Errorf("dictionary indices: %w", err)
				}
				nd := uint32(len(dict))
				for i, v := range idx {
					if uint32(v) >= nd {
						return fmt.Errorf("dictionary index %d out of a dictionary of %d", v, nd)
					}
					out[i] = dict[v]
				}
			default:
				if cap(full) < p.nvals {
					full = make([]T, p.nvals)
				}
				full = full[:p.nvals]
				if err := decodeFixedPage(p, dict, hasDict, full, maxDef, null, idxScratch); err != nil {
					return err
				}
				for i, r := range rs {
					out[i] = full[r-row]
					if p.present < p.nvals && p.defs[r-row] != int32(maxDef) {
						if valid == nil {
							valid = col.NewBitmap(len(dst), true)
						}
						col.SetBit(valid, a+i, false)
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
	if row != rows {
		return nil, fmt.Errorf("column %q has %d rows, the footer says %d", name, row, rows)
	}
	return valid, nil
}

// take is the piece's rows sel (ascending), in that order.
func (p *strPiece) take(sel []int) *strPiece {
	out := &strPiece{n: len(sel)}
	if p.valid != nil {
		out.valid = col.NewBitmap(len(sel), true)
		for i, r := range sel {
			if !col.GetBit(p.valid, r) {
				col.SetBit(out.valid, i, false)
			}
		}
	}
	si, r0 := 0, 0
	for _, s := range p.segs {
		k := len(s.idx)
		if s.dict == nil {
			k = len(s.offs) - 1
		}
		a := si
		for si < len(sel) && sel[si] < r0+k {
			si++
		}
		if si > a {
			rs := sel[a:si]
			if s.dict != nil {
				idx := make([]int32, len(rs))
				do := s.dict.offs
				for i, r := range rs {
					v := s.idx[r-r0]
					idx[i] = v
					if v >= 0 {
						out.size += do[v+1] - do[v]
					}
				}
				out.segs = append(out.segs, strSeg{dict: s.dict, idx: idx})
			} else {
				offs := make([]int64, 1, len(rs)+1)
				var data []byte
				for _, r := range rs {
					data = append(data, s.data[s.offs[r-r0]:s.offs[r-r0+1]]...)
					offs = append(offs, int64(len(data)))
				}
				out.size += int64(len(data))
				out.segs = append(out.segs, strSeg{offs: offs, data: data})
			}
		}
		r0 += k
	}
	return out
}

// column is the piece as a string column of its own.
func (p *strPiece) column() *col.Column {
	c := &col.Column{Type: ir.String, N: p.n, Offs: make([]int64, p.n+1), Data: make([]byte, p.size), Valid: p.valid}
	p.expand(c.Offs, 0, c.Data)
	return c
}

// readChunk reads column c of row group rg (rows rows) in full as a column.
func readChunk(o *openedFile, fi *fileInfo, rg int, c column, rows int) (*col.Column, error) {
	if directFixed && fixedKind(o, c) != 0 {
		dst := &col.Column{Type: c.typ, N: rows}
		switch {
		case c.typ.IsFloat():
			dst.F64 = make([]float64, rows)
		case c.typ == ir.Bool:
			dst.B = make([]bool, rows)
		default:
			dst.I64 = make([]int64, rows)
		}
		valid, err := readFixed(o, rg, c, dst, 0, rows)
		if err != nil {
			return nil, parseError(fi.path, err)
		}
		if valid != nil && !c.nullable && !c.typ.IsFloat() {
			return nil, ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
		}
		if !c.typ.IsFloat() {
			dst.Valid = valid
		}
		return dst, nil
	}
	if c.typ == ir.String && directStrings {
		p, err := readStringPiece(o, rg, c)
		if err != nil {
			return nil, parseError(fi.path, err)
		}
		if p.valid != nil && !c.nullable {
			return nil, ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
		}
		return p.column(), nil
	}
	cols, err := readChunkGeneric(o, fi, rg, c)
	if err != nil {
		return nil, err
	}
	return concat(cols, c.typ, rows), nil
}

// readSel reads rows sel (ascending; nil: all) of column c of row group rg
// (rows rows): INT64/DOUBLE chunks through decodeFixedSel, strings kept as
// dictionary indices until the rows are taken, anything else read in full
// and taken.
func readSel(o *openedFile, fi *fileInfo, rg int, c column, sel []int, rows int) (*col.Column, error) {
	if sel == nil {
		return readChunk(o, fi, rg, c, rows)
	}
	if directFixed && pageDecode {
		if pt := fixedKind(o, c); pt == parquet.Types.Int64 || pt == parquet.Types.Double {
			leaf := o.fr.Manifest.Fields[c.pos].ColIndex
			maxDef := o.pf.MetaData().Schema.Column(leaf).MaxDefinitionLevel()
			pr, err := o.pageReader(rg, leaf)
			if err != nil {
				return nil, parseError(fi.path, err)
			}
			dst := &col.Column{Type: c.typ, N: len(sel)}
			var valid []byte
			if c.typ.IsFloat() {
				dst.F64 = make([]float64, len(sel))
				valid, err = decodeFixedSel(pr, sel, dst.F64, maxDef, math.NaN(), c.name, rows)
			} else {
				dst.I64 = make([]int64, len(sel))
				valid, err = decodeFixedSel(pr, sel, dst.I64, maxDef, 0, c.name, rows)
			}
			pr.Close()
			switch {
			case err == errUnsupported:
			case err != nil:
				return nil, parseError(fi.path, err)
			default:
				if valid != nil && !c.nullable && !c.typ.IsFloat() {
					return nil, ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
				}
				if !c.typ.IsFloat() {
					dst.Valid = valid
				}
				return dst, nil
			}
		}
	}
	if c.typ == ir.String && directStrings {
		p, err := readStringPiece(o, rg, c)
		if err != nil {
			return nil, parseError(fi.path, err)
		}
		if p.valid != nil && !c.nullable {
			return nil, ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
		}
		return p.take(sel).column(), nil
	}
	all, err := readChunk(o, fi, rg, c, rows)
	if err != nil {
		return nil, err
	}
	return all.Take(sel), nil
}

// readFiltered reads the columns want of the row groups that statsPred
// does not rule out, keeping the rows filter selects (see the file
// comment). It returns the columns and their row count.
//
// The scan's key filters (keys, keyfilter.go)
// are conjuncts too, tested first. With no filter and no key set worth
// testing, readFiltered reads nothing and returns done false.
func readFiltered(fi *fileInfo, want []column, filter, statsPred *ir.Expr, keys []col.KeyFilter) (_ []*col.Column, _ int, done bool, _ error) {
	if len(fi.rgRows) == 0 || fi.numRows == 0 {
		return emptyColumns(want), 0, true, nil
	}
	o, err := openSame(fi)
	if err != nil {
		return nil, 0, false, err
	}
	defer o.Close()
	fp, err := newFilterPlan(o, fi, filter, keys)
	if err != nil || fp == nil {
		return nil, 0, false, err
	}
	cols, n, err := fp.read(o, fi, want, fp.rowGroups(o, fi, statsPred))
	return cols, n, err == nil, err
}

// conj is one test of a filtered read: a conjunct of the pushed filter
// (those reading one column joined into one) or a key set.
type conj struct {
	e    *ir.Expr
	keys *keySet
	cols []column
	str  bool
}

// filterPlan is the order in which a filtered read tests its conjuncts:
// those reading one column (tried on the column's dictionary), then the
// key sets, then the rest; fixed-width columns before strings (cheaper to
// decode).
type filterPlan struct {
	conjs []conj
	sets  []*keySet
}

// newFilterPlan orders the conjuncts of filter and the key sets worth
// testing; nil when there is nothing to test.
func newFilterPlan(o *openedFile, fi *fileInfo, filter *ir.Expr, keys []col.KeyFilter) (*filterPlan, error) {
	sets, err := keySets(o, fi, keys)
	if err != nil {
		return nil, err
	}
	if filter == nil && len(sets) == 0 {
		return nil, nil
	}
	var single, multi []conj
	var conjuncts []*ir.Expr
	if filter != nil {
		conjuncts = splitAnd(filter, nil)
	}
	for _, e := range conjuncts {
		refs := map[string]bool{}
		e.Columns(refs)
		names := make([]string, 0, len(refs))
		for n := range refs {
			names = append(names, n)
		}
		sort.Strings(names)
		cj := conj{e: e}
		for _, n := range names {
			i := fi.lookup(n)
			if i < 0 || fi.cols[i].unsupported != "" {
				return nil, ir.Errorf("ColumnNotFound", "column %q not in %s", n, fi.path)
			}
			cj.cols = append(cj.cols, fi.cols[i])
			cj.str = cj.str || fi.cols[i].typ == ir.String
		}
		if len(cj.cols) == 1 {
			joined := false
			for k := range single {
				if single[k].cols[0].name == cj.cols[0].name {
					single[k].e = andBool(single[k].e, e)
					joined = true
				}
			}
			if joined {
				continue
			}
			single = append(single, cj)
			continue
		}
		multi = append(multi, cj)
	}
	conjs := append(single, multi...)
	sort.SliceStable(conjs, func(a, b int) bool {
		ra, rb := len(conjs[a].cols) > 1, len(conjs[b].cols) > 1
		if ra != rb {
			return !ra
		}
		return !conjs[a].str && conjs[b].str
	})
	// key filters after the one-column conjuncts of the pushed filter
	// (estimated to keep at most a fifth of the rows) and before the
	// conjuncts that read several columns; a key filter estimated to keep
	// at most keyFirst of the column's values goes first (TPC-H q19: 485
	// part keys of 200K, before the quantity, ship mode and instruction
	// tests, which would each test most of the rows first)
	at := 0
	for at < len(conjs) && len(conjs[at].cols) == 1 {
		at++
	}
	// (also before one-column conjuncts whose file statistics say they
	// keep more of the rows than the key set keeps of the key's values:
	// TPC-H q7's 800 of 10K supplier keys before its two-year ship-date
	// range, ~30%, which kept 1.8M rows' dates to be thinned again)
	rangeMin := math.Inf(1) // the smallest estimated fraction of the one-column conjuncts (+Inf: none estimated)
	for _, cj := range conjs[:at] {
		f, ok := RangeFraction(ir.Attrs{"path": fi.path}, splitAnd(cj.e, nil))
		if !ok {
			rangeMin = 0 // a test the statistics cannot judge: the key set keeps its place
			break
		}
		rangeMin = math.Min(rangeMin, f)
	}
	var keyConjs, firstConjs []conj
	for _, k := range sets {
		if k.frac <= keyFirst || (at > 0 && k.frac < rangeMin) {
			firstConjs = append(firstConjs, conj{keys: k, cols: []column{k.col}})
		} else {
			keyConjs = append(keyConjs, conj{keys: k, cols: []column{k.col}})
		}
	}
	conjs = append(conjs[:at:at], append(keyConjs, conjs[at:]...)...)
	conjs = append(firstConjs, conjs...)
	return &filterPlan{conjs: conjs, sets: sets}, nil
}

// rowGroups lists the row groups that statsPred and the key sets' ranges
// do not rule out.
func (fp *filterPlan) rowGroups(o *openedFile, fi *fileInfo, statsPred *ir.Expr) []int {
	return keepByKeys(o, keepRowGroups(o, fi, statsPred), fp.sets)
}

// read reads the columns want of the row groups kept (ascending), keeping
// the rows every conjunct selects.
func (fp *filterPlan) read(o *openedFile, fi *fileInfo, want []column, kept []int) ([]*col.Column, int, error) {
	out := make([]*col.Column, len(want))
	conjs := fp.conjs
	test := func(cj conj, f *col.Frame) (*col.Column, error) {
		if cj.keys != nil {
			return cj.keys.Mask(f.Cols[0]), nil
		}
		return EvalMask(cj.e, f)
	}
	wanted := map[string]bool{}
	for _, c := range want {
		wanted[c.name] = true
	}
	// later[i]: the columns the conjuncts after conjs[i] read; a decoded
	// column neither wanted nor read later is dropped, not copied, when a
	// conjunct drops rows (TPC-H q13's o_comment, tested by a contains that
	// keeps 99% of the rows)
	later := make([]map[string]bool, len(conjs))
	seen := map[string]bool{}
	for i := len(conjs) - 1; i >= 0; i-- {
		later[i] = maps.Clone(seen)
		for _, c := range conjs[i].cols {
			seen[c.name] = true
		}
	}
	// direct[i]: want[i] is decoded at the kept rows straight into the
	// result (decodeFixedSel) once every row group's kept rows are known,
	// instead of into a piece per row group joined at the end: the pieces
	// and the joined column were both held (TPC-H q21's late-delivery
	// lineitem: 2 x 2 x 29 MiB)
	direct := make([]bool, len(want))
	anyDirect := false
	for i, c := range want {
		if directFixed && pageDecode {
			if pt := fixedKind(o, c); pt == parquet.Types.Int64 || pt == parquet.Types.Double {
				direct[i], anyDirect = true, true
			}
		}
	}
	tested := &batchBufs{}                     // the buffers of columns read for the tests alone, reused (readTestChunk)
	pieces := make([][]*col.Column, len(kept)) // [kept row group][want column]; nil: direct, decoded later
	sels := make([][]int32, len(kept))         // the kept rows of row groups with direct columns (nil: all)
	counts := make([]int, len(kept))           // rows kept per row group (no column may be wanted: len())
	err := parallelTasks(len(kept), func(k int) error {
		var err error
		rg := kept[k]
		rows := int(fi.rgRows[rg])
		var sel []int // rows kept so far (nil: all)
		n := rows
		// keep and sel live in two reused buffers, taking turns: each
		// conjunct's kept positions go to the buffer sel is not in, and
		// become the next sel there (mapped through the old sel in place)
		sc := scratchPool.Get().(*scratch)
		defer scratchPool.Put(sc)
		turn := 0
		cur := map[string]*col.Column{} // decoded columns, aligned with sel
		for ci, cj := range conjs {
			if n == 0 {
				break
			}
			var keep []int       // positions in the current selection that pass
			var vals *col.Column // the conjunct's column at the kept rows (dictSelect)
			done := false
			if len(cj.cols) == 1 && cur[cj.cols[0].name] == nil {
				var err error
				loose := 0.0
				if cj.keys != nil {
					loose = keyLoose
				}
				keep, vals, done, err = dictSelect(o, fi, rg, cj.cols[0], func(f *col.Frame) (*col.Column, error) { return test(cj, f) }, loose, sel, rows, wanted[cj.cols[0].name], sc.keeps[turn])
				if err != nil {
					return err
				}
				if done && keep == nil {
					continue // a key filter that keeps most of this row group: not applied here
				}
			}
			if !done && len(cj.cols) == 1 && cj.keys == nil && sel == nil && cj.str &&
				cur[cj.cols[0].name] == nil && !wanted[cj.cols[0].name] && !later[ci][cj.cols[0].name] {
				// a string column read for this test alone: tested page by
				// page, never joined into one column
				var err error
				keep, done, err = stringSelect(o, fi, rg, cj.cols[0], func(f *col.Frame) (*col.Column, error) { return test(cj, f) }, rows, sc.keeps[turn])
				if err != nil {
					return err
				}
			}
			if !done {
				pf := &col.Frame{N: n}
				for _, c := range cj.cols {
					v := cur[c.name]
					if v == nil {
						if sel == nil && !wanted[c.name] {
							// read for the tests alone: into a buffer the
							// next row groups reuse
							v, err = readTestChunk(o, fi, rg, c, rows, tested)
							if v != nil {
								defer tested.put(v)
							}
						} else {
							v, err = readSel(o, fi, rg, c, sel, rows)
						}
						if err != nil {
							return err
						}
						cur[c.name] = v
					}
					pf.Names = append(pf.Names, c.name)
					pf.Cols = append(pf.Cols, v)
				}
				m, err := test(cj, pf)
				if err != nil {
					return err
				}
				if m.Type != ir.Bool || m.N != n || m.HasNulls() {
					return ir.Errorf("Value", "Cannot mask with non-boolean array containing NA / NaN values")
				}
				keep = slices.Grow(sc.keeps[turn][:0], n)
				for r, v := range m.B[:n] {
					if v {
						keep = append(keep, r)
					}
				}
			}
			if len(keep) == n {
				if vals != nil {
					cur[cj.cols[0].name] = vals
				}
				continue
			}
			for name, v := range cur {
				if !wanted[name] && !later[ci][name] {
					delete(cur, name)
					continue
				}
				cur[name] = v.Take(keep)
			}
			if vals != nil {
				cur[cj.cols[0].name] = vals
			}
			if sel != nil {
				for i, r := range keep {
					keep[i] = sel[r] // (sel is in the other buffer)
				}
			}
			sc.keeps[turn] = keep[:0]
			sel, n = keep, len(keep)
			turn ^= 1
		}
		ps := make([]*col.Column, len(want))
		deferred := false // a direct column is left for the second phase
		for i, c := range want {
			if v := cur[c.name]; v != nil {
				ps[i] = v
				continue
			}
			if n == 0 {
				ps[i] = emptyColumn(c.typ)
				continue
			}
			if direct[i] {
				deferred = true
				continue
			}
			v, err := readSel(o, fi, rg, c, sel, rows)
			if err != nil {
				return err
			}
			ps[i] = v
		}
		if deferred && sel != nil {
			s := make([]int32, n)
			for i, r := range sel {
				s[i] = int32(r)
			}
			sels[k] = s
		}
		pieces[k], counts[k] = ps, n
		return nil
	})
	var ie *ir.Error
	if err != nil && !errors.As(err, &ie) {
		err = parseError(fi.path, err) // a decoder's panic (damaged data)
	}
	if err != nil {
		return nil, 0, err
	}
	total := 0
	starts := make([]int, len(kept)+1)
	for k, c := range counts {
		total += c
		starts[k+1] = total
	}
	if anyDirect && total > 0 {
		if err := fp.readDirect(o, fi, want, kept, direct, pieces, sels, starts, out); err != nil {
			return nil, 0, err
		}
	}
	for i, c := range want {
		if out[i] != nil {
			continue
		}
		var cs []*col.Column
		for _, ps := range pieces {
			if ps[i].N > 0 {
				cs = append(cs, ps[i])
			}
		}
		out[i] = concat(cs, c.typ, total)
	}
	return out, total, nil
}

// andBool is and(a, b) typed as a filter conjunct.
func andBool(a, b *ir.Expr) *ir.Expr {
	e := ir.Call("and", a, b)
	e.Type = ir.Bool
	return e
}

// splitAnd appends the conjuncts of e (and(a, b) -> a, b) to dst.
func splitAnd(e *ir.Expr, dst []*ir.Expr) []*ir.Expr {
	if e.Kind == ir.ExprCall && e.Name == "and" && len(e.Args) == 2 {
		return splitAnd(e.Args[1], splitAnd(e.Args[0], dst))
	}
	return append(dst, e)
}

// parallelTasks runs fn(0..n-1) on at most GOMAXPROCS goroutines and
// returns the first error (a panic is one); the remaining tasks are then
// skipped.
func parallelTasks(n int, fn func(i int) error) error {
	var (
		next     atomic.Int64
		failed   atomic.Bool
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		failed.Store(true)
	}
	for w := numWorkers(n); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					fail(fmt.Errorf("parquetio: %v", r))
				}
			}()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}
