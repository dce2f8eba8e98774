package parquetio

// Column chunk pages read straight from the memory-mapped file: the page
// headers are parsed in place (thrift compact protocol, pageHeader) and
// each page body is decompressed from the mapping into a pooled buffer,
// where arrow-go's page reader reads the body through a buffered stream
// (a pread system call and a copy per page) into a cleared buffer first.
// mappedPages implements arrow-go's file.PageReader for the page
// decoder (pages.go, filter.go); a chunk it cannot read (an encrypted
// file, a writer with PARQUET-816's size bug, no mapping) is read by
// arrow-go's page reader instead.
//
// A file that shrinks while mapped makes a read past its end fault
// (SIGBUS): Next reads the mapping with debug.SetPanicOnFault on and
// reports such a fault as a read error.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// mmapPages switches the mapped page reader on (off: arrow-go's page
// reader for every chunk; for tests and comparisons).
var mmapPages = true

// mapFile maps f (size bytes) read-only; nil when it cannot.
func mapFile(f *os.File, size int64) []byte {
	if !mmapPages || size <= 0 || int64(int(size)) != size {
		return nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	return b
}

// unmapFile releases a mapping of mapFile.
func unmapFile(b []byte) {
	if b != nil {
		syscall.Munmap(b)
	}
}

// pageReader returns a page reader of column leaf of row group rg: the
// mapped one when it can read the chunk, else arrow-go's.
func (o *openedFile) pageReader(rg, leaf int) (file.PageReader, error) {
	if o.mm != nil {
		if pr := o.mappedReader(rg, leaf); pr != nil {
			return pr, nil
		}
	}
	return o.pf.RowGroup(rg).GetColumnPageReader(leaf)
}

// mappedReader is the mapped page reader of a chunk, or nil where arrow-go's
// reader must read it.
func (o *openedFile) mappedReader(rg, leaf int) *mappedPages {
	md := o.pf.MetaData()
	if md.IsSetEncryptionAlgorithm() || md.WriterVersion().LessThan(metadata.Parquet816FixedVersion) {
		return nil
	}
	cc, err := md.RowGroup(rg).ColumnChunk(leaf)
	if err != nil || cc.CryptoMetadata() != nil {
		return nil
	}
	start := cc.DataPageOffset()
	if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && cc.DictionaryPageOffset() < start {
		start = cc.DictionaryPageOffset()
	}
	n := cc.TotalCompressedSize()
	if start < 0 || n < 0 || start+n > int64(len(o.mm)) {
		return nil
	}
	var codec compress.Codec
	if c := cc.Compression(); c != compress.Codecs.Uncompressed {
		if codec, err = compress.GetCodec(c); err != nil {
			return nil
		}
	}
	return &mappedPages{data: o.mm[start : start+n], codec: codec, nrows: cc.NumValues(), touched: pagesOf(o.mm, start, start+n)}
}

// mappedPages reads the pages of one column chunk from the mapping (see the
// file comment).
type mappedPages struct {
	data     []byte         // the chunk's bytes
	pos      int            // the next page header's offset in data
	codec    compress.Codec // nil: uncompressed
	nrows    int64          // values in the chunk (the footer's count)
	seen     int64          // values (v1) or rows (v2) of the pages read
	dictBuf  []byte         // the dictionary page's body (pooled)
	dataBuf  []byte         // the current data page's body (pooled)
	cur      file.Page
	err      error
	maxHdr   int
	released bool
	touched  []byte // the mapping's pages holding the chunk
}

// faultAround is the span Linux maps around a faulting address of a file
// mapping (fault_around_bytes, 64 KiB by default: the aligned span's pages
// that are in the page cache are mapped too, saving a fault per page). So
// reading a chunk also maps the pages of its neighbours in the spans at its
// ends, columns the scan never reads (q7's lineitem scan held 12 MiB of
// them until it closed the file).
const faultAround = 64 << 10

// pagesOf is b[s:e] widened to the faultAround-aligned spans (by address)
// holding it, within b: what reading b[s:e] may map.
func pagesOf(b []byte, s, e int64) []byte {
	if len(b) == 0 {
		return b
	}
	base := int64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	s = (base+s)&^(faultAround-1) - base
	e = (base+e+faultAround-1)&^(faultAround-1) - base
	return b[max(s, 0):min(e, int64(len(b)))]
}

var errMappedOnly = errors.New("parquetio: not supported by the mapped page reader")

func (p *mappedPages) SetMaxPageHeaderSize(n int) { p.maxHdr = n }
func (p *mappedPages) Page() file.Page            { return p.cur }
func (p *mappedPages) Err() error                 { return p.err }

// Reset is not supported (the readers here open one reader per chunk).
func (p *mappedPages) Reset(parquet.BufferedReader, int64, compress.Compression, *file.CryptoContext) {
	p.err = errMappedOnly
}

// GetDictionaryPage is not supported (the decoders read the dictionary
// page as the chunk's first page).
func (p *mappedPages) GetDictionaryPage() (*file.DictionaryPage, error) {
	return nil, errMappedOnly
}

// SeekToPageWithRow is not supported.
func (p *mappedPages) SeekToPageWithRow(int64) error { return errMappedOnly }

// Close returns the page buffers to the pool.
func (p *mappedPages) Close() error {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	if !p.released {
		p.released = true
		// The chunk's pages stay in the page cache, but while mapped they
		// count in the process's resident memory: drop them from the
		// mapping, with the neighbours' pages reading it mapped (a
		// neighbouring chunk being read faults its pages back).
		syscall.Madvise(p.touched, syscall.MADV_DONTNEED)
		pagePool.Free(p.dictBuf)
		pagePool.Free(p.dataBuf)
		p.dictBuf, p.dataBuf = nil, nil
	}
	return nil
}

// Next reads the next dictionary or data page (other pages are skipped).
func (p *mappedPages) Next() (ok bool) {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	if p.err != nil || p.released {
		return false
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			p.err, ok = fmt.Errorf("parquetio: reading the mapped file failed (did it change?): %v", r), false
		}
	}()
	for p.seen < p.nrows && p.pos < len(p.data) {
		var h pageHeader
		n, err := h.parse(p.data[p.pos:])
		if err != nil {
			p.err = err
			return false
		}
		p.pos += n
		if h.compressed < 0 || h.uncompressed < 0 || h.compressed > len(p.data)-p.pos {
			p.err = fmt.Errorf("parquet: page of %d bytes (%d uncompressed) in a chunk with %d left", h.compressed, h.uncompressed, len(p.data)-p.pos)
			return false
		}
		body := p.data[p.pos : p.pos+h.compressed]
		p.pos += h.compressed
		switch h.typ {
		case pageDictionary:
			if h.dictNum < 0 {
				p.err = errors.New("parquet: invalid page header (negative number of values)")
				return false
			}
			buf, err := p.body(&p.dictBuf, body, h.uncompressed, 0, p.codec != nil)
			if err != nil {
				p.err = err
				return false
			}
			p.cur = file.NewDictionaryPage(memory.NewBufferBytes(buf), h.dictNum, parquet.Encoding(h.dictEnc))
		case pageData:
			if h.v1Num < 0 {
				p.err = errors.New("parquet: invalid page header (negative number of values)")
				return false
			}
			buf, err := p.body(&p.dataBuf, body, h.uncompressed, 0, p.codec != nil)
			if err != nil {
				p.err = err
				return false
			}
			p.seen += int64(h.v1Num)
			p.cur = file.NewDataPageV1(memory.NewBufferBytes(buf), h.v1Num, parquet.Encoding(h.v1Enc), parquet.Encoding(h.v1DefEnc), parquet.Encoding(h.v1RepEnc), int32(h.uncompressed))
		case pageDataV2:
			if h.v2Num < 0 || h.v2DefLen < 0 || h.v2RepLen < 0 {
				p.err = errors.New("parquet: invalid page header (negative counts)")
				return false
			}
			levels := int(h.v2DefLen) + int(h.v2RepLen)
			if levels > h.compressed || levels > h.uncompressed {
				p.err = fmt.Errorf("parquet: V2 level region %d exceeds page body %d (corrupt page?)", levels, h.compressed)
				return false
			}
			buf, err := p.body(&p.dataBuf, body, h.uncompressed, levels, p.codec != nil && h.v2Compressed)
			if err != nil {
				p.err = err
				return false
			}
			p.seen += int64(h.v2Rows)
			p.cur = file.NewDataPageV2(memory.NewBufferBytes(buf), h.v2Num, h.v2Nulls, h.v2Rows, parquet.Encoding(h.v2Enc), h.v2DefLen, h.v2RepLen, int32(h.uncompressed), h.v2Compressed)
		default:
			continue // index pages and unknown pages are skipped
		}
		return true
	}
	return false
}

// body is a page's uncompressed body (n bytes) in *buf (grown from the
// pool as needed): the first levels bytes copied as they are, the rest
// decompressed when compressed (else copied).
func (p *mappedPages) body(buf *[]byte, src []byte, n, levels int, compressed bool) ([]byte, error) {
	if cap(*buf) < n {
		pagePool.Free(*buf)
		*buf = pagePool.(*poolAllocator).allocateRaw(n)
	}
	out := (*buf)[:n]
	if !compressed {
		if len(src) != n {
			return nil, fmt.Errorf("parquet: metadata said %d bytes uncompressed page, got %d bytes", n, len(src))
		}
		copy(out, src)
		return out, nil
	}
	copy(out, src[:levels])
	got, err := compress.Decode(p.codec, out[levels:], src[levels:])
	if err != nil {
		return nil, fmt.Errorf("parquet: could not decompress page: %w", err)
	}
	if len(got) != n-levels {
		return nil, fmt.Errorf("parquet: metadata said %d bytes uncompressed page, got %d bytes", n, levels+len(got))
	}
	if len(got) > 0 && &got[0] != &out[levels] {
		copy(out[levels:], got) // the codec decoded elsewhere
	}
	return out, nil
}

// Page types (the Thrift format's PageType values).
const (
	pageData       = 0
	pageIndex      = 1
	pageDictionary = 2
	pageDataV2     = 3
)

// pageHeader holds the fields of a Parquet PageHeader the page decoder
// needs.
type pageHeader struct {
	typ                               int32
	uncompressed, compressed          int
	dictNum, dictEnc                  int32
	v1Num, v1Enc, v1DefEnc, v1RepEnc  int32
	v2Num, v2Nulls, v2Rows, v2Enc     int32
	v2DefLen, v2RepLen                int32
	v2Compressed                      bool
	hasType, hasUncompressed, hasComp bool
}

// parse reads a PageHeader (thrift compact protocol) from the start of b
// and returns its length in bytes.
func (h *pageHeader) parse(b []byte) (int, error) {
	r := compactReader{b: b}
	h.v2Compressed = true // the format's default
	r.fields(func(id int16, t byte) {
		switch {
		case id == 1 && t == ctI32:
			h.typ, h.hasType = r.i32(), true
		case id == 2 && t == ctI32:
			h.uncompressed, h.hasUncompressed = int(r.i32()), true
		case id == 3 && t == ctI32:
			h.compressed, h.hasComp = int(r.i32()), true
		case id == 5 && t == ctStruct: // DataPageHeader
			r.fields(func(id int16, t byte) {
				switch {
				case id == 1 && t == ctI32:
					h.v1Num = r.i32()
				case id == 2 && t == ctI32:
					h.v1Enc = r.i32()
				case id == 3 && t == ctI32:
					h.v1DefEnc = r.i32()
				case id == 4 && t == ctI32:
					h.v1RepEnc = r.i32()
				default:
					r.skip(t, 0)
				}
			})
		case id == 7 && t == ctStruct: // DictionaryPageHeader
			r.fields(func(id int16, t byte) {
				switch {
				case id == 1 && t == ctI32:
					h.dictNum = r.i32()
				case id == 2 && t == ctI32:
					h.dictEnc = r.i32()
				default:
					r.skip(t, 0)
				}
			})
		case id == 8 && t == ctStruct: // DataPageHeaderV2
			r.fields(func(id int16, t byte) {
				switch {
				case id == 1 && t == ctI32:
					h.v2Num = r.i32()
				case id == 2 && t == ctI32:
					h.v2Nulls = r.i32()
				case id == 3 && t == ctI32:
					h.v2Rows = r.i32()
				case id == 4 && t == ctI32:
					h.v2Enc = r.i32()
				case id == 5 && t == ctI32:
					h.v2DefLen = r.i32()
				case id == 6 && t == ctI32:
					h.v2RepLen = r.i32()
				case id == 7 && (t == ctTrue || t == ctFalse):
					h.v2Compressed = t == ctTrue
				default:
					r.skip(t, 0)
				}
			})
		default:
			r.skip(t, 0)
		}
	})
	if r.err != nil {
		return 0, fmt.Errorf("parquet: could not read a page header: %w", r.err)
	}
	if !h.hasType || !h.hasUncompressed || !h.hasComp {
		return 0, errors.New("parquet: could not read a page header: required fields missing")
	}
	return r.pos, nil
}

// Thrift compact protocol field types.
const (
	ctStop   = 0
	ctTrue   = 1
	ctFalse  = 2
	ctByte   = 3
	ctI16    = 4
	ctI32    = 5
	ctI64    = 6
	ctDouble = 7
	ctBinary = 8
	ctList   = 9
	ctSet    = 10
	ctMap    = 11
	ctStruct = 12
)

// maxThriftDepth bounds the nesting skip follows (damaged headers).
const maxThriftDepth = 32

// compactReader reads thrift compact protocol values from b; the first
// error sticks and makes every later read return zero.
type compactReader struct {
	b   []byte
	pos int
	err error
}

func (r *compactReader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
}

func (r *compactReader) byte() byte {
	if r.err != nil || r.pos >= len(r.b) {
		r.fail("truncated")
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *compactReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.pos += n
	return v
}

func (r *compactReader) i64() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *compactReader) i32() int32 {
	v := r.i64()
	if v != int64(int32(v)) {
		r.fail("i32 out of range")
		return 0
	}
	return int32(v)
}

// fields calls fn for every field of a struct (id and compact type) up to
// its stop byte; fn must consume the field's value.
func (r *compactReader) fields(fn func(id int16, t byte)) {
	var last int16
	for r.err == nil {
		c := r.byte()
		if c == ctStop || r.err != nil {
			return
		}
		t := c & 0x0f
		id := last + int16(c>>4)
		if c>>4 == 0 {
			id = int16(r.i64())
		}
		last = id
		fn(id, t)
	}
}

// skip consumes a value of type t.
func (r *compactReader) skip(t byte, depth int) {
	if depth > maxThriftDepth {
		r.fail("nested too deep")
		return
	}
	switch t {
	case ctTrue, ctFalse:
	case ctByte:
		r.byte()
	case ctI16, ctI32, ctI64:
		r.uvarint()
	case ctDouble:
		if r.pos+8 > len(r.b) {
			r.fail("truncated")
			return
		}
		r.pos += 8
	case ctBinary:
		n := r.uvarint()
		if n > uint64(len(r.b)-r.pos) {
			r.fail("truncated")
			return
		}
		r.pos += int(n)
	case ctList, ctSet:
		c := r.byte()
		n, et := uint64(c>>4), c&0x0f
		if n == 15 {
			n = r.uvarint()
		}
		if n > uint64(len(r.b)) {
			r.fail("list too long")
			return
		}
		for i := uint64(0); i < n && r.err == nil; i++ {
			if et == ctTrue || et == ctFalse {
				r.byte() // a bool element is a byte
				continue
			}
			r.skip(et, depth+1)
		}
	case ctMap:
		n := r.uvarint()
		if n == 0 {
			return
		}
		if n > uint64(len(r.b)) {
			r.fail("map too long")
			return
		}
		kv := r.byte()
		for i := uint64(0); i < n && r.err == nil; i++ {
			for _, et := range [2]byte{kv >> 4, kv & 0x0f} {
				if et == ctTrue || et == ctFalse {
					r.byte()
					continue
				}
				r.skip(et, depth+1)
			}
		}
	case ctStruct:
		r.fields(func(_ int16, t byte) { r.skip(t, depth+1) })
	default:
		r.fail(fmt.Sprintf("unknown type %d", t))
	}
}
