package parquetio

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// refCodes numbers c's values in first-occurrence order (the null too),
// as exec's colcodes does.
func refCodes(c *col.Column) (codes, first []int32) {
	seen := map[string]int32{}
	codes = make([]int32, c.N)
	for r := 0; r < c.N; r++ {
		key := "v" + c.Str(r)
		if !c.IsValid(r) {
			key = "null"
		}
		k, ok := seen[key]
		if !ok {
			k = int32(len(first))
			seen[key] = k
			first = append(first, int32(r))
		}
		codes[r] = k
	}
	return codes, first
}

// TestScanCodes: a scan's `codes` columns get value numbers from the
// dictionary indices equal to numbering the strings read, across row groups
// with different dictionaries, nulls, empty and unicode strings, entries
// over 8 bytes (one sharing a short entry's bytes as its prefix); plain
// pages and columns not asked for get none.
func TestScanCodes(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(3))
	short := []string{"SFO", "", "é", "JFK", "日本", "ORD8byte", "LAX"}
	long := append(slices.Clone(short), "a string over eight bytes", "ORD8byteX", "a string over eight bytez")
	gen := func(vals []string, n int) string {
		out := make([]any, n)
		for i := range out {
			if rng.Intn(10) == 0 {
				continue // null
			}
			// later row groups see values the first does not
			k := rng.Intn(min(len(vals), 2+i*len(vals)/n))
			out[i] = vals[k]
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	const n = 3000
	cases := []struct {
		name  string
		vals  []string
		props []parquet.WriterProperty
		want  bool
	}{
		{"dictionary", short, []parquet.WriterProperty{parquet.WithDictionaryDefault(true)}, true},
		{"dictionary, small pages", short, []parquet.WriterProperty{parquet.WithDataPageSize(64)}, true},
		{"plain", short, []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}, false},
		{"long entries", long, nil, true},
	}
	old := StringCodes
	defer func() { StringCodes = old }()
	for _, tc := range cases {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d workers", tc.name, workers), func(t *testing.T) {
				p := write(t, dir, fmt.Sprintf("codes%d.parquet", rng.Int()), []colSpec{
					{"s", arrow.BinaryTypes.String, gen(tc.vals, n)},
					{"t", arrow.BinaryTypes.String, gen(tc.vals, n)},
				}, writeOpts{rowsPerGroup: 700, props: tc.props})
				got := map[*col.Column][2][]int32{}
				StringCodes = func(c *col.Column, codes, first []int32) { got[c] = [2][]int32{codes, first} }
				f := readWorkers(t, ir.Attrs{"path": p, "codes": []any{"s"}}, workers)
				sc, tcol := f.Col("s"), f.Col("t")
				if _, ok := got[tcol]; ok {
					t.Fatalf("column t was numbered without being asked for")
				}
				c, ok := got[sc]
				if ok != tc.want {
					t.Fatalf("numbered = %v, want %v", ok, tc.want)
				}
				if !ok {
					return
				}
				wc, wf := refCodes(sc)
				if !slices.Equal(c[0], wc) || !slices.Equal(c[1], wf) {
					t.Fatalf("codes differ from numbering the strings:\n got first %v\nwant first %v", c[1], wf)
				}
			})
		}
	}
}

// WriteStringsForTest writes one string column (nil: a null) to a Parquet
// file under dir (dictionary-encoded, rowsPerGroup rows a row group) for the
// engine tests.
func WriteStringsForTest(t *testing.T, dir, name, column string, vals []any, rowsPerGroup int64) string {
	b, err := json.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	return write(t, dir, name, []colSpec{{column, arrow.BinaryTypes.String, string(b)}}, writeOpts{rowsPerGroup: rowsPerGroup})
}

// TestShortDictionaryStrings: dictionary entries of at most 8 bytes are
// expanded with one word store a row (strDict.words); the strings read equal
// the strings written -- empty, unicode, exactly 8 bytes, nulls, row groups
// whose dictionaries differ, a row group with a long entry (the other path),
// small pages, one and three workers.
func TestShortDictionaryStrings(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(5))
	short := []string{"SFO", "", "é", "JFK", "日本", "ORD8byte", "L", "12345678"}
	const n, group = 3000, 700
	vals := make([]any, n)
	for i := range vals {
		switch {
		case rng.Intn(9) == 0: // null
		case i/group == 2 && rng.Intn(50) == 0:
			vals[i] = "an entry longer than eight bytes"
		default:
			vals[i] = short[rng.Intn(min(len(short), 2+i*len(short)/n))]
		}
	}
	js, _ := json.Marshal(vals)
	for _, props := range [][]parquet.WriterProperty{{parquet.WithDictionaryDefault(true)}, {parquet.WithDataPageSize(64)}} {
		p := write(t, dir, fmt.Sprintf("short%d.parquet", rng.Int()), []colSpec{{"s", arrow.BinaryTypes.String, string(js)}},
			writeOpts{rowsPerGroup: group, props: props})
		for _, workers := range []int{1, 3} {
			c := readWorkers(t, ir.Attrs{"path": p}, workers).Col("s")
			if c.N != n {
				t.Fatalf("%d rows, want %d", c.N, n)
			}
			for i, v := range vals {
				if (v == nil) == c.IsValid(i) || (v != nil && c.Str(i) != v.(string)) {
					t.Fatalf("%d workers: row %d = %q (valid %v), want %v", workers, i, c.Str(i), c.IsValid(i), v)
				}
			}
		}
	}
}

// WritePlainStringsForTest is WriteStringsForTest with PLAIN pages (no
// dictionary).
func WritePlainStringsForTest(t *testing.T, dir, name, column string, vals []any, rowsPerGroup int64) string {
	b, err := json.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	return write(t, dir, name, []colSpec{{column, arrow.BinaryTypes.String, string(b)}},
		writeOpts{rowsPerGroup: rowsPerGroup, props: []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}})
}

// readWorkers reads the scan a describes on the given number of workers.
func readWorkers(t *testing.T, a ir.Attrs, workers int) *col.Frame {
	t.Helper()
	s, err := Sniff(a)
	if err != nil {
		t.Fatal(err)
	}
	var f *col.Frame
	withWorkers(workers, func() { f, err = Read(a, s, nil) })
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// BenchmarkScanCodes: reading a 1M-row dictionary string column of three
// values (Auto MPG's Origin) numbered from its dictionary indices.
func BenchmarkScanCodes(b *testing.B) {
	rng := rand.New(rand.NewSource(4))
	vals := make([]any, 1_000_000)
	for i := range vals {
		vals[i] = []string{"USA", "Europe", "Japan"}[rng.Intn(3)]
	}
	js, _ := json.Marshal(vals)
	p := write(b, b.TempDir(), "codes.parquet", []colSpec{{"s", arrow.BinaryTypes.String, string(js)}}, writeOpts{rowsPerGroup: 100_000})
	old := StringCodes
	defer func() { StringCodes = old }()
	StringCodes = func(*col.Column, []int32, []int32) {}
	a := ir.Attrs{"path": p, "codes": []any{"s"}}
	s, err := Sniff(a)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Read(a, s, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIdentityCodes: a lone piece whose dictionary indices are already the
// rows' value numbers gives its index buffer as the codes (and keeps it from
// its release); a dictionary out of first-occurrence order, an entry no row
// holds, a null or the caller keeping the pieces number the rows afresh --
// the same numbers either way.
func TestIdentityCodes(t *testing.T) {
	dict := newStrDict([]int64{0, 3, 6, 8}, []byte("SFOJFKLA"))
	cases := []struct {
		name  string
		idx   []int32
		valid []byte
		own   bool
		alias bool // the codes are the piece's buffer
		want  []int32
	}{
		{"identity", []int32{0, 1, 0, 2, 2, 1}, nil, true, true, []int32{0, 1, 0, 2, 2, 1}},
		{"caller keeps the pieces", []int32{0, 1, 0, 2, 2, 1}, nil, false, false, []int32{0, 1, 0, 2, 2, 1}},
		{"not first-occurrence order", []int32{1, 0, 2, 2}, nil, true, false, []int32{0, 1, 2, 2}},
		{"an entry no row holds", []int32{0, 0, 1, 1}, nil, true, false, []int32{0, 0, 1, 1}},
		{"a null", []int32{0, -1, 1, 2}, []byte{0b1101}, true, false, []int32{0, 1, 2, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			buf := append([]int32(nil), tc.idx...)
			p := &strPiece{n: len(buf), segs: []strSeg{{dict: dict, idx: buf}}, valid: tc.valid, idxBuf: buf}
			codes, _, _, ok := pieceCodesKeys([]*strPiece{p}, []int{0, len(buf)}, len(buf), tc.own)
			if !ok || !slices.Equal(codes, tc.want) {
				t.Fatalf("codes %v ok %v, want %v", codes, ok, tc.want)
			}
			aliased := &codes[0] == &buf[0]
			if aliased != tc.alias || (p.idxBuf == nil) != tc.alias {
				t.Fatalf("codes are the piece's buffer: %v (piece keeps it: %v), want %v", aliased, p.idxBuf != nil, tc.alias)
			}
		})
	}
}
