package parquetio

// String column chunks decoded page by page (pages.go's decoder for
// BYTE_ARRAY columns): each row group becomes a strPiece -- the chunk's
// dictionary and one index per row, or plain strings -- so that the
// column's final buffers can be sized exactly and filled once
// (strPiece.expand), or its rows numbered from the indices (codes.go)
// without ever expanding them.

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/flern/flern/golib/col"
)

// strPiece is one row group of a string column before the column's buffers
// exist: segments of rows, each either dictionary indices (into dict) or
// plain strings, and the row group's validity (nil: no nulls).
type strPiece struct {
	n       int
	size    int64 // bytes of string data
	unsized bool  // size counts only plain segments' bytes (pieceSize counts the rest)
	segs    []strSeg
	valid   []byte
	// idxBuf is the chunk's buffer of dictionary indices the segments'
	// idx are cut from (nil: none), returned to a Scanner's buffers once
	// the piece is expanded (release)
	idxBuf []int32
}

// release gives the piece's index buffer back to bufs (a Scanner's; nil:
// nothing kept); the piece must not be used after.
func (p *strPiece) release(bufs *batchBufs) {
	if p != nil && p.idxBuf != nil {
		bufs.putInt32s(p.idxBuf)
		p.idxBuf, p.segs = nil, nil
	}
}

// strSeg is a run of rows of a strPiece: idx (one per row, -1 for a null)
// into dict, or plain strings (offs has one more entry than rows).
type strSeg struct {
	dict *strDict
	idx  []int32
	offs []int64
	data []byte
}

// strDict is a chunk's dictionary of strings.
type strDict struct {
	offs []int64
	data []byte
	one  bool // every entry is one byte long (flags): entry i is data[i]
	// words and lens, when every entry is at most 8 bytes long (codes,
	// abbreviations) and there are at most shortDictMax entries: entry i's
	// bytes zero-padded into one little-endian word, and its length, so
	// that expand writes a row's string with one 8-byte store.
	words []uint64
	lens  []int64
}

// shortDictMax is the most entries a dictionary gets a word table for
// (16 bytes an entry).
const shortDictMax = 1 << 16

// newStrDict is the dictionary of the parsed strings offs, data.
func newStrDict(offs []int64, data []byte) *strDict {
	d := &strDict{offs: offs, data: data, one: len(offs) > 1}
	for i, o := range offs {
		if o != int64(i) {
			d.one = false
			break
		}
	}
	if k := len(offs) - 1; !d.one && k > 0 && k <= shortDictMax {
		words, lens := make([]uint64, k), make([]int64, k)
		for i := range k {
			a, b := offs[i], offs[i+1]
			if b-a > 8 {
				return d
			}
			var w [8]byte
			copy(w[:], data[a:b])
			words[i], lens[i] = binary.LittleEndian.Uint64(w[:]), b-a
		}
		d.words, d.lens = words, lens
	}
	return d
}

func (d *strDict) len() int { return len(d.offs) - 1 }

// parsePlainStrings parses k PLAIN byte arrays (4-byte length, bytes).
func parsePlainStrings(b []byte, k int) (offs []int64, data []byte, err error) {
	offs = make([]int64, k+1)
	total := 0
	pos := 0
	for i := 0; i < k; i++ {
		if pos+4 > len(b) {
			return nil, nil, fmt.Errorf("plain strings end after %d of %d values", i, k)
		}
		l := int(binary.LittleEndian.Uint32(b[pos:]))
		pos += 4
		if l < 0 || l > len(b)-pos {
			return nil, nil, fmt.Errorf("plain string of %d bytes with %d left", l, len(b)-pos)
		}
		pos += l
		total += l
		offs[i+1] = int64(total)
	}
	data = make([]byte, 0, total+32) // spare bytes: expand moves short strings as 8 or 32 bytes
	pos = 0
	for i := 0; i < k; i++ {
		l := int(binary.LittleEndian.Uint32(b[pos:]))
		data = append(data, b[pos+4:pos+4+l]...)
		pos += 4 + l
	}
	return offs, data, nil
}

// decodeStringPages reads a BYTE_ARRAY column chunk of n rows into a strPiece
// (its dictionary indices in a buffer from bufs: a Scanner's, reused from
// batch to batch; nil: a fresh one).
func decodeStringPages(pr file.PageReader, n int, maxDef int16, name string, bufs *batchBufs) (*strPiece, error) {
	return decodeStringPagesSized(pr, n, maxDef, name, bufs, true)
}

// decodeStringPagesSized is decodeStringPages; without sized, a dictionary
// segment's bytes are not counted (the piece's size is then -1 and
// pieceSize counts them when the strings are joined after all: a string
// lookup, parquetio/lookup.go, never joins them).
func decodeStringPagesSized(pr file.PageReader, n int, maxDef int16, name string, bufs *batchBufs, sized bool) (*strPiece, error) {
	var dict *strDict
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	defScratch := &sc.defs
	var idxBuf []int32
	out := &strPiece{n: n}
	row := 0
	for pr.Next() {
		pg := pr.Page()
		err := func() error {
			if dp, ok := pg.(*file.DictionaryPage); ok {
				if e := int32(dp.Encoding()); e != encPlain && e != encPlainDict {
					return errUnsupported
				}
				offs, data, err := parsePlainStrings(dp.Data(), int(dp.NumValues()))
				if err != nil {
					return fmt.Errorf("dictionary page: %w", err)
				}
				dict = newStrDict(offs, data)
				return nil
			}
			p, err := splitPage(pg, maxDef, defScratch)
			if err != nil {
				return err
			}
			if row+p.nvals > n {
				return fmt.Errorf("column %q holds more values than its %d rows", name, n)
			}
			var seg strSeg
			switch p.enc {
			case encPlain:
				offs, data, err := parsePlainStrings(p.values, p.present)
				if err != nil {
					return err
				}
				if p.present < p.nvals { // null rows: empty strings
					full := make([]int64, p.nvals+1)
					vi := 0
					for i, d := range p.defs {
						if d == int32(maxDef) {
							vi++
						}
						full[i+1] = offs[vi]
					}
					offs = full
				}
				seg = strSeg{offs: offs, data: data}
				out.size += int64(len(data))
			case encRLEDict, encPlainDict:
				if dict == nil {
					return fmt.Errorf("dictionary-encoded page without a dictionary page")
				}
				if len(p.values) < 1 && p.present > 0 {
					return fmt.Errorf("dictionary page data is empty")
				}
				// the page's indices land in rows [row, row+nvals) of the
				// chunk's index buffer, nulls spread in as -1
				if idxBuf == nil {
					// (every row a segment reads is written: a dictionary
					// page's rows here, a plain page's rows are not read)
					idxBuf = bufs.int32s(n)
					out.idxBuf = idxBuf
				}
				all := idxBuf[row : row+p.nvals]
				nd := uint32(dict.len())
				var most uint32 // the largest index (unsized: found as they are read)
				if p.present > 0 {
					d, err := newRLE(p.values[1:], int(p.values[0]))
					if err != nil {
						return err
					}
					if sized {
						err = d.read(all[:p.present])
					} else {
						most, err = d.readOffset(all[:p.present], 0)
					}
					if err != nil {
						return fmt.Errorf("dictionary indices: %w", err)
					}
				}
				var size int64
				if sized {
					do := dict.offs
					for _, v := range all[:p.present] {
						if uint32(v) >= nd {
							return fmt.Errorf("dictionary index %d out of a dictionary of %d", v, nd)
						}
						size += do[v+1] - do[v]
					}
				} else if p.present > 0 && most >= nd {
					return fmt.Errorf("dictionary index %d out of a dictionary of %d", most, nd)
				}
				if p.present < p.nvals {
					spreadBack(all, p, maxDef, -1)
				}
				out.size += size
				// consecutive dictionary pages share one segment
				if k := len(out.segs) - 1; k >= 0 && out.segs[k].dict == dict {
					out.segs[k].idx = out.segs[k].idx[:len(out.segs[k].idx)+p.nvals]
				} else {
					seg = strSeg{dict: dict, idx: all}
				}
			default:
				return errUnsupported
			}
			if seg.dict != nil || seg.offs != nil {
				out.segs = append(out.segs, seg)
			}
			if p.present < p.nvals {
				if out.valid == nil {
					out.valid = col.NewBitmap(n, true)
				}
				for i, d := range p.defs {
					if d != int32(maxDef) {
						col.SetBit(out.valid, row+i, false)
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
	out.unsized = !sized
	return out, nil
}

// pieceSize sets p.size when decodeStringPagesSized left it uncounted.
func pieceSize(p *strPiece) {
	if !p.unsized {
		return
	}
	p.size = 0
	for _, s := range p.segs {
		if s.dict == nil {
			p.size += int64(len(s.data))
			continue
		}
		do := s.dict.offs
		for _, v := range s.idx {
			if v >= 0 {
				p.size += do[v+1] - do[v]
			}
		}
	}
	p.unsized = false
}

// pieceOf wraps a column of strings (the column reader's result) as a
// strPiece.
func pieceOf(c *col.Column) *strPiece {
	return &strPiece{n: c.N, size: c.Offs[c.N] - c.Offs[0], valid: c.Valid,
		segs: []strSeg{{offs: c.Offs[:c.N+1], data: c.Data}}}
}

// expand writes the piece's strings into data[pos:pos+p.size] and their
// end offsets into offs[1:p.n+1] (offs[0], the previous piece's end, is
// left alone). Pieces expand in parallel: nothing outside its range is
// written.
func (p *strPiece) expand(offs []int64, pos int64, data []byte) {
	end := pos + p.size // other pieces' bytes follow: never written here
	row := 0
	for _, s := range p.segs {
		if s.dict != nil && s.dict.one { // one-byte strings: a byte and an offset per row
			dd := s.dict.data[:len(s.dict.offs)-1]
			for _, v := range s.idx {
				if v >= 0 {
					data[pos] = dd[v]
					pos++
				}
				row++
				offs[row] = pos
			}
			continue
		}
		if s.dict != nil && s.dict.words != nil && len(s.idx) > 0 {
			// short entries: one 8-byte store a row (the bytes past the
			// string are overwritten by the next one or are slack) while
			// 8 bytes fit before the piece's end, then copies
			words, lens := s.dict.words, s.dict.lens
			o := offs[row+1 : row+1+len(s.idx)]
			base := unsafe.Pointer(unsafe.SliceData(data))
			i := 0
			for ; i < len(s.idx) && pos+8 <= end; i++ {
				if v := s.idx[i]; v >= 0 {
					*(*uint64)(unsafe.Add(base, pos)) = words[v]
					pos += lens[v]
				}
				o[i] = pos
			}
			for ; i < len(s.idx); i++ {
				if v := s.idx[i]; v >= 0 {
					var w [8]byte
					binary.LittleEndian.PutUint64(w[:], words[v])
					pos += int64(copy(data[pos:pos+lens[v]], w[:lens[v]]))
				}
				o[i] = pos
			}
			row += len(s.idx)
			continue
		}
		if s.dict != nil {
			do, dd := s.dict.offs, s.dict.data[:cap(s.dict.data)]
			for _, v := range s.idx {
				if v >= 0 {
					a, b := do[v], do[v+1]
					// short strings as one fixed-size move (the bytes past
					// the string are overwritten by the next one or are
					// slack; never past this piece's end)
					if l := b - a; l <= 8 && pos+8 <= end && a+8 <= int64(len(dd)) {
						binary.LittleEndian.PutUint64(data[pos:], binary.LittleEndian.Uint64(dd[a:a+8]))
					} else if l <= 32 && pos+32 <= end && a+32 <= int64(len(dd)) {
						*(*[32]byte)(data[pos : pos+32]) = *(*[32]byte)(dd[a : a+32])
					} else {
						copy(data[pos:], dd[a:b])
					}
					pos += b - a
				}
				row++
				offs[row] = pos
			}
			continue
		}
		k := len(s.offs) - 1
		base := s.offs[0]
		copy(data[pos:], s.data[base:s.offs[k]])
		shift := pos - base
		for j := 1; j <= k; j++ {
			offs[row+j] = s.offs[j] + shift
		}
		row += k
		pos += s.offs[k] - base
	}
}
