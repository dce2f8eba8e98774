package parquetio

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// describePage renders everything the page decoder reads of a page.
func describePage(pg file.Page) string {
	s := fmt.Sprintf("type %v values %d encoding %v data %x", pg.Type(), pg.NumValues(), pg.Encoding(), pg.Data())
	switch p := pg.(type) {
	case *file.DataPageV1:
		s += fmt.Sprintf(" v1 def %v rep %v", p.DefinitionLevelEncoding(), p.RepetitionLevelEncoding())
	case *file.DataPageV2:
		s += fmt.Sprintf(" v2 nulls %d rows %d def %d rep %d compressed %v", p.NumNulls(), p.NumRows(), p.DefinitionLevelByteLen(), p.RepetitionLevelByteLen(), p.IsCompressed())
	case *file.DictionaryPage:
	default:
		s += fmt.Sprintf(" %T", pg)
	}
	return s
}

// readPages renders every page of a chunk's page reader.
func readPages(t *testing.T, pr file.PageReader) []string {
	t.Helper()
	defer pr.Close()
	var out []string
	for pr.Next() {
		out = append(out, describePage(pr.Page()))
	}
	if err := pr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMappedPagesMatchArrowGo reads every column chunk of files written
// with different page versions, codecs, page sizes and statistics with the
// mapped page reader and with arrow-go's, and wants the same pages.
func TestMappedPagesMatchArrowGo(t *testing.T) {
	dir := t.TempDir()
	variants := []struct {
		name  string
		props []parquet.WriterProperty
	}{
		{"dictionary snappy", nil},
		{"plain", []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}},
		{"small pages", []parquet.WriterProperty{parquet.WithDataPageSize(100)}},
		{"dict fallback", []parquet.WriterProperty{parquet.WithDictionaryPageSizeLimit(200), parquet.WithDataPageSize(300)}},
		{"page v2", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(500)}},
		{"v2 uncompressed", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithCompression(compress.Codecs.Uncompressed)}},
		{"v2 zstd plain", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(false)}},
		{"gzip no stats", []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Gzip), parquet.WithStats(false)}},
		{"uncompressed", []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Uncompressed)}},
		{"page index", []parquet.WriterProperty{parquet.WithPageIndexEnabled(true), parquet.WithDataPageSize(200)}},
	}
	for k, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			p := write(t, dir, fmt.Sprintf("v%d.parquet", k), pageColumns(2000, int64(k)),
				writeOpts{rowsPerGroup: 700, props: v.props, required: map[string]bool{"req": true, "sreq": true}})
			o, err := open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if o.mm == nil {
				t.Fatal("file not mapped")
			}
			md := o.pf.MetaData()
			for rg := 0; rg < md.NumRowGroups(); rg++ {
				for leaf := 0; leaf < md.Schema.NumColumns(); leaf++ {
					mp := o.mappedReader(rg, leaf)
					if mp == nil {
						t.Fatalf("row group %d column %d: no mapped reader", rg, leaf)
					}
					ar, err := o.pf.RowGroup(rg).GetColumnPageReader(leaf)
					if err != nil {
						t.Fatal(err)
					}
					got, want := readPages(t, mp), readPages(t, ar)
					if len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Fatalf("row group %d column %d: mapped reader reads\n%.600s\narrow-go reads\n%.600s", rg, leaf, strings.Join(got, "\n"), strings.Join(want, "\n"))
					}
				}
			}
		})
	}
}

// compact builds thrift compact protocol bytes for the header tests.
type compact struct{ b []byte }

func (c *compact) field(delta int, typ byte) *compact {
	c.b = append(c.b, byte(delta<<4)|typ)
	return c
}
func (c *compact) i32(v int32) *compact {
	u := uint64(uint32((v << 1) ^ (v >> 31)))
	for u >= 0x80 {
		c.b = append(c.b, byte(u)|0x80)
		u >>= 7
	}
	c.b = append(c.b, byte(u))
	return c
}
func (c *compact) raw(b ...byte) *compact { c.b = append(c.b, b...); return c }
func (c *compact) stop() *compact         { return c.raw(ctStop) }

// header is a PageHeader of type typ with its three required fields.
func header(typ, uncompressed, compressed int32) *compact {
	c := &compact{}
	return c.field(1, ctI32).i32(typ).field(1, ctI32).i32(uncompressed).field(1, ctI32).i32(compressed)
}

func TestPageHeaderParse(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string // the fields read, or "error: ..." (a prefix of the error)
	}{
		{"data page v1",
			header(0, 100, 80).field(2, ctStruct).field(1, ctI32).i32(7).field(1, ctI32).i32(8).field(1, ctI32).i32(3).field(1, ctI32).i32(3).stop().stop().b,
			"type 0 sizes 100/80 v1 7 enc 8 def 3 rep 3"},
		{"dictionary page with crc and sorted flag",
			header(2, 16, 12).field(1, ctI32).i32(-5).field(3, ctStruct).field(1, ctI32).i32(2).field(1, ctI32).i32(0).field(1, ctTrue).stop().stop().b,
			"type 2 sizes 16/12 dict 2 enc 0"},
		{"data page v2, not compressed",
			header(3, 50, 50).field(5, ctStruct).field(1, ctI32).i32(9).field(1, ctI32).i32(1).field(1, ctI32).i32(9).field(1, ctI32).i32(8).
				field(1, ctI32).i32(2).field(1, ctI32).i32(0).field(1, ctFalse).stop().stop().b,
			"type 3 sizes 50/50 v2 9 nulls 1 rows 9 enc 8 def 2 rep 0 compressed false"},
		{"statistics, a list, a map and an unknown field skipped",
			header(0, 10, 10).field(2, ctStruct).field(1, ctI32).i32(1).field(4, ctStruct).
				field(1, ctBinary).raw(2, 'a', 'b').field(1, ctI64).raw(4).field(1, ctDouble).raw(0, 0, 0, 0, 0, 0, 0, 0).
				field(1, ctList).raw(0x25, 2, 4).field(1, ctList).raw(0x21, 1, 0).field(1, ctMap).raw(1, 0x55, 2, 4).field(1, ctSet).raw(0x03).stop().
				stop().raw(0x0c).raw(60).field(1, ctByte).raw(1).stop().stop().b,
			"type 0 sizes 10/10 v1 1 enc 0 def 0 rep 0"},
		{"long field id form", (&compact{}).raw(ctI32).i32(1).i32(0).field(1, ctI32).i32(4).field(1, ctI32).i32(4).stop().b,
			"type 0 sizes 4/4 v1 0 enc 0 def 0 rep 0"},
		{"empty", nil, "error: parquet: could not read a page header: truncated"},
		{"no stop byte", header(0, 1, 1).b, "error: parquet: could not read a page header: truncated"},
		{"required size missing", (&compact{}).field(1, ctI32).i32(0).stop().b, "error: parquet: could not read a page header: required fields missing"},
		{"truncated varint", (&compact{}).field(1, ctI32).raw(0x80).b, "error: parquet: could not read a page header: bad varint"},
		{"i32 overflow", (&compact{}).field(1, ctI32).raw(0xff, 0xff, 0xff, 0xff, 0x7f).b, "error: parquet: could not read a page header: i32 out of range"},
		{"binary past the end", header(0, 1, 1).field(1, ctBinary).raw(9, 1).b, "error: parquet: could not read a page header: truncated"},
		{"unknown type", header(0, 1, 1).field(1, 13).stop().b, "error: parquet: could not read a page header: unknown type 13"},
		{"nested too deep", append(header(0, 1, 1).field(1, ctStruct).b, bytes.Repeat([]byte{0x1c}, 40)...), "error: parquet: could not read a page header: nested too deep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h pageHeader
			n, err := h.parse(tc.b)
			got := ""
			switch {
			case err != nil:
				got = "error: " + err.Error()
			default:
				if n != len(tc.b) {
					t.Fatalf("read %d of %d bytes", n, len(tc.b))
				}
				got = fmt.Sprintf("type %d sizes %d/%d", h.typ, h.uncompressed, h.compressed)
				switch h.typ {
				case pageData:
					got += fmt.Sprintf(" v1 %d enc %d def %d rep %d", h.v1Num, h.v1Enc, h.v1DefEnc, h.v1RepEnc)
				case pageDictionary:
					got += fmt.Sprintf(" dict %d enc %d", h.dictNum, h.dictEnc)
				case pageDataV2:
					got += fmt.Sprintf(" v2 %d nulls %d rows %d enc %d def %d rep %d compressed %v", h.v2Num, h.v2Nulls, h.v2Rows, h.v2Enc, h.v2DefLen, h.v2RepLen, h.v2Compressed)
				}
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	// random bytes: an error or a header, never a panic
	r := rand.New(rand.NewSource(1))
	for k := 0; k < 20000; k++ {
		b := make([]byte, r.Intn(40))
		r.Read(b)
		var h pageHeader
		if n, err := h.parse(b); err == nil && (n <= 0 || n > len(b)) {
			t.Fatalf("%x: read %d bytes", b, n)
		}
	}
}

// TestMappedFileShrinks truncates a file after it was opened (and mapped):
// reading its chunks then fails with an error instead of crashing on the
// fault.
func TestMappedFileShrinks(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "shrinks.parquet", pageColumns(20000, 5), writeOpts{rowsPerGroup: 5000, props: []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Uncompressed)}})
	o, err := open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.mm == nil {
		t.Fatal("file not mapped")
	}
	if err := os.Truncate(p, 4096); err != nil {
		t.Fatal(err)
	}
	md := o.pf.MetaData()
	failed := 0
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		for leaf := 0; leaf < md.Schema.NumColumns(); leaf++ {
			pr, err := o.pageReader(rg, leaf)
			if err != nil {
				t.Fatal(err)
			}
			for pr.Next() {
			}
			if err := pr.Err(); err != nil {
				if !strings.Contains(err.Error(), "did it change?") {
					t.Fatalf("row group %d column %d: %v", rg, leaf, err)
				}
				failed++
			}
			pr.Close()
		}
	}
	if failed == 0 {
		t.Fatal("no chunk read failed after the file shrank")
	}
}

// TestPagesOfCoversFaultAround: the span a chunk's Close drops from the
// mapping is the chunk widened to the faultAround-aligned spans (by address)
// at its ends, cut to the mapping.
func TestPagesOfCoversFaultAround(t *testing.T) {
	const fa = faultAround
	region, err := syscall.Mmap(-1, 0, 8*fa, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Skip("no anonymous mapping:", err)
	}
	defer syscall.Munmap(region)
	addr := func(b []byte) int { return int(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }
	// b starts 3 pages past a faultAround boundary and ends 5 pages past one
	ps := os.Getpagesize()
	lead := (fa - addr(region)%fa) % fa
	b := region[lead+3*ps : lead+5*fa+5*ps]
	for _, c := range []struct {
		name           string
		s, e           int
		wantS, wantEnd int // offsets in b
	}{
		{"inside the first span", 10, 20, 0, fa - 3*ps},
		{"across a boundary", fa - 3*ps - 1, fa - 3*ps + 1, 0, 2*fa - 3*ps},
		{"on boundaries", fa - 3*ps, 2*fa - 3*ps, fa - 3*ps, 2*fa - 3*ps},
		{"middle", fa, 3*fa + 1, fa - 3*ps, 4*fa - 3*ps},
		{"to the end", 4 * fa, len(b), 4*fa - 3*ps, len(b)},
		{"last bytes", len(b) - 1, len(b), 5*fa - 3*ps, len(b)},
	} {
		got := pagesOf(b, int64(c.s), int64(c.e))
		gs, ge := addr(got)-addr(b), addr(got)-addr(b)+len(got)
		if gs != c.wantS || ge != c.wantEnd {
			t.Errorf("%s: pagesOf(%d, %d) = [%d, %d), want [%d, %d)", c.name, c.s, c.e, gs, ge, c.wantS, c.wantEnd)
		}
	}
}
