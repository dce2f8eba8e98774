package parquetio

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

func TestRLEDecoder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		width int
		data  []byte
		n     int
		want  []int32 // nil: an error
	}{
		{"rle run", 3, []byte{5 << 1, 6}, 5, []int32{6, 6, 6, 6, 6}},
		{"rle run, 2-byte value", 12, []byte{2 << 1, 0x34, 0x02}, 2, []int32{0x234, 0x234}},
		{"rle run read partly", 1, []byte{60 << 1, 1}, 3, []int32{1, 1, 1}},
		{"2-byte run header", 1, []byte{0x80 | 0x40, 0x01, 1}, 96, slices.Repeat([]int32{1}, 96)},
		// one group of 8 values, width 3: 0..7 packed LSB first
		{"bit-packed", 3, []byte{1<<1 | 1, 0x88, 0xC6, 0xFA}, 8, []int32{0, 1, 2, 3, 4, 5, 6, 7}},
		{"bit-packed then rle", 1, []byte{1<<1 | 1, 0b10110010, 3 << 1, 1}, 11, []int32{0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1}},
		{"width 0", 0, []byte{4 << 1}, 4, []int32{0, 0, 0, 0}},
		{"width 8 bit-packed", 8, []byte{1<<1 | 1, 9, 8, 7, 6, 5, 4, 3, 2}, 6, []int32{9, 8, 7, 6, 5, 4}},
		{"too few values", 2, []byte{2 << 1, 1}, 3, nil},
		{"empty", 2, nil, 1, nil},
		{"truncated rle value", 16, []byte{2 << 1, 1}, 2, nil},
		{"truncated header", 2, []byte{0x80}, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := newRLE(tc.data, tc.width)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]int32, tc.n)
			err = d.read(got)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("read %v, want an error", got)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("read = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := newRLE(nil, 33); err == nil {
		t.Fatal("width 33 accepted")
	}
}

// pageColumns are columns the page decoder reads (INT64, DOUBLE,
// BYTE_ARRAY; with and without nulls, required, few and many distinct
// strings, empty, short, long and non-ASCII strings), random but seeded.
func pageColumns(n int, seed int64) []colSpec {
	r := rand.New(rand.NewSource(seed))
	words := []string{"", "A", "N", "R", "é", "MAIL", "TRUCK", "DELIVER IN PERSON", "日本語のテキスト", "exactly8", "nine char"}
	var i64, req, f64, freq, slow, sreq, sflag, suniq, ts []string
	for i := 0; i < n; i++ {
		null := r.Intn(7) == 0
		q := func(s string) string {
			if null {
				return "null"
			}
			return s
		}
		i64 = append(i64, strconv.FormatInt(r.Int63n(1<<40)-1<<39, 10))
		req = append(req, strconv.Itoa(r.Intn(5)))
		f64 = append(f64, q(strconv.FormatFloat(float64(r.Intn(1000))/8, 'g', -1, 64)))
		freq = append(freq, strconv.FormatFloat(r.NormFloat64(), 'g', -1, 64))
		slow = append(slow, q(strconv.Quote(words[r.Intn(len(words))])))
		sreq = append(sreq, strconv.Quote(words[r.Intn(3)+1]))
		sflag = append(sflag, q(strconv.Quote(words[r.Intn(3)+1]))) // one-byte strings and nulls
		suniq = append(suniq, q(strconv.Quote(strings.Repeat("x", r.Intn(40))+strconv.Itoa(i))))
		ts = append(ts, q(strconv.FormatInt(int64(r.Intn(1e6))*1000, 10)))
	}
	j := func(s []string) string { return "[" + strings.Join(s, ",") + "]" }
	return []colSpec{
		{"i64", arrow.PrimitiveTypes.Int64, j(i64)},
		{"req", arrow.PrimitiveTypes.Int64, j(req)},
		{"f64", arrow.PrimitiveTypes.Float64, j(f64)},
		{"freq", arrow.PrimitiveTypes.Float64, j(freq)},
		{"slow", arrow.BinaryTypes.String, j(slow)},
		{"sreq", arrow.BinaryTypes.String, j(sreq)},
		{"sflag", arrow.BinaryTypes.String, j(sflag)},
		{"suniq", arrow.BinaryTypes.String, j(suniq)},
		{"ts", &arrow.TimestampType{Unit: arrow.Microsecond}, j(ts)},
	}
}

// TestPageDecoderMatchesOtherPaths reads the same files with the page
// decoder, arrow-go's column readers and pqarrow and wants the same
// frames, buffer for buffer.
func TestPageDecoderMatchesOtherPaths(t *testing.T) {
	dir := t.TempDir()
	const n = 3000
	variants := map[string][]parquet.WriterProperty{
		"dictionary":    {parquet.WithDictionaryDefault(true)},
		"plain":         {parquet.WithDictionaryDefault(false)},
		"small pages":   {parquet.WithDataPageSize(100)},
		"dict fallback": {parquet.WithDictionaryPageSizeLimit(200), parquet.WithDataPageSize(300)},
		"page v2":       {parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(500)},
		"v2 zstd plain": {parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(false)},
		"uncompressed":  {parquet.WithCompression(compress.Codecs.Uncompressed)},
		// encodings the page decoder leaves to arrow-go's readers
		"delta and split": {parquet.WithDictionaryDefault(false),
			parquet.WithEncodingFor("suniq", parquet.Encodings.DeltaByteArray),
			parquet.WithEncodingFor("slow", parquet.Encodings.DeltaLengthByteArray),
			parquet.WithEncodingFor("i64", parquet.Encodings.DeltaBinaryPacked),
			parquet.WithEncodingFor("f64", parquet.Encodings.ByteStreamSplit)},
	}
	required := map[string]bool{"req": true, "freq": true, "sreq": true}
	for name, props := range variants {
		for _, rg := range []int64{0, 97, 777} {
			t.Run(fmt.Sprintf("%s/rows_per_group=%d", name, rg), func(t *testing.T) {
				p := write(t, dir, fmt.Sprintf("%s_%d.parquet", strings.ReplaceAll(name, " ", "_"), rg), pageColumns(n, rg+int64(len(name))),
					writeOpts{rowsPerGroup: rg, props: props, required: required})
				if name == "delta and split" { // the encodings were written as asked
					o, err := open(p)
					if err != nil {
						t.Fatal(err)
					}
					cc, err := o.pf.MetaData().RowGroup(0).ColumnChunk(7) // suniq
					o.Close()
					if err != nil || !slices.Contains(cc.Encodings(), parquet.Encodings.DeltaByteArray) {
						t.Fatalf("suniq encodings %v, %v", cc.Encodings(), err)
					}
				}
				var frames []string
				for _, d := range paths {
					restore := withDirect(d)
					_, f := readAll(t, p)
					restore()
					if f.N != n {
						t.Fatalf("%v: %d rows", d, f.N)
					}
					var b strings.Builder
					for k, c := range f.Cols {
						fmt.Fprintf(&b, "%s %s %v: %s\n", f.Names[k], c.Type, c.HasNulls(), join(render(c)))
						if c.Type == ir.String {
							fmt.Fprintf(&b, "  offsets %v\n", c.Offs[:c.N+1])
						}
					}
					frames = append(frames, b.String())
				}
				for k := 1; k < len(frames); k++ {
					if frames[k] != frames[0] {
						t.Fatalf("path %v reads\n%.2000s\npath %v reads\n%.2000s", paths[0], frames[0], paths[k], frames[k])
					}
				}
				if !strings.Contains(frames[0], "slow str true:") || !strings.Contains(frames[0], "sreq str false:") {
					t.Fatalf("nulls not as written:\n%.500s", frames[0])
				}
			})
		}
	}
}

// TestPageDecoderDamagedPages damages bytes inside the column chunks of
// uncompressed files (so that the damage reaches the page decoder's level,
// index and string decoding, not only the decompressor) and wants each read
// to end in a Parse error naming the file or in a valid frame (a damaged
// value can be a different valid value: Parquet pages carry no checksum
// here), never a crash.
func TestPageDecoderDamagedPages(t *testing.T) {
	saved := EvalMask
	EvalMask = interp.Eval
	defer func() { EvalMask = saved }()
	dir := t.TempDir()
	r := rand.New(rand.NewSource(3))
	for _, props := range [][]parquet.WriterProperty{
		{parquet.WithCompression(compress.Codecs.Uncompressed)},
		{parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithDictionaryDefault(false)},
		{parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithDataPageVersion(parquet.DataPageV2)},
	} {
		good := write(t, dir, "good.parquet", pageColumns(500, 1), writeOpts{rowsPerGroup: 200, props: props, required: map[string]bool{"req": true, "sreq": true}})
		data, err := os.ReadFile(good)
		if err != nil {
			t.Fatal(err)
		}
		footer := int(binary.LittleEndian.Uint32(data[len(data)-8:])) + 8
		errs, frames := 0, 0
		for k := 0; k < 150; k++ {
			b := slices.Clone(data)
			for m := r.Intn(3); m >= 0; m-- {
				b[4+r.Intn(len(b)-footer-4)] ^= byte(1 + r.Intn(255))
			}
			p := filepath.Join(dir, fmt.Sprintf("damaged%d.parquet", k))
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			a := ir.Attrs{"path": p}
			if k%2 == 1 { // every other file through a pushed filter (filter.go)
				a["filter"] = damagedFilter
			}
			s, err := Sniff(a)
			var f *col.Frame
			if err == nil {
				f, err = Read(a, s, nil)
			}
			switch {
			case err != nil:
				// NotImplemented: damaged levels claim nulls the footer's
				// statistics do not report
				if kind := errKind(err); kind != "NotImplemented" && (kind != "Parse" || !strings.Contains(err.Error(), p)) {
					t.Fatalf("damaged file %d: %v, want a Parse error naming the file", k, err)
				}
				errs++
			default:
				if err := f.Validate(); err != nil {
					t.Fatalf("damaged file %d read as an invalid frame: %v", k, err)
				}
				frames++
			}
		}
		if errs == 0 {
			t.Fatalf("no damage was noticed in 150 damaged files (%d frames)", frames)
		}
	}
}
