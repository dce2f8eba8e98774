package parquetio

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// TestRLEGather unpacks chosen positions of encoded streams and wants the
// values a full read gives there.
func TestRLEGather(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, tc := range []struct {
		name  string
		width int
		data  []byte
		n     int
	}{
		{"rle run", 3, []byte{5 << 1, 6}, 5},
		{"bit-packed", 3, []byte{1<<1 | 1, 0x88, 0xC6, 0xFA}, 8},
		{"bit-packed then rle", 1, []byte{1<<1 | 1, 0b10110010, 3 << 1, 1}, 11},
		{"width 0", 0, []byte{4 << 1}, 4},
		{"width 8 bit-packed", 8, []byte{1<<1 | 1, 9, 8, 7, 6, 5, 4, 3, 2}, 6},
		{"rle, packed, rle", 12, []byte{3 << 1, 0x34, 0x02, 1<<1 | 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 2 << 1, 0xff, 0x0f}, 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := newRLE(tc.data, tc.width)
			all := make([]int32, tc.n)
			if err := d.read(all); err != nil {
				t.Fatal(err)
			}
			for trial := 0; trial < 20; trial++ {
				var pos []int32
				for i := 0; i < tc.n; i++ {
					if r.Intn(3) == 0 {
						pos = append(pos, int32(i))
					}
				}
				d, _ := newRLE(tc.data, tc.width)
				got := make([]int32, len(pos))
				if err := d.gather(pos, got); err != nil {
					t.Fatal(err)
				}
				for i, p := range pos {
					if got[i] != all[p] {
						t.Fatalf("positions %v: got %v, want %d at %d", pos, got, all[p], p)
					}
				}
			}
			d, _ = newRLE(tc.data, tc.width)
			if err := d.gather([]int32{int32(tc.n + 100)}, make([]int32, 1)); err == nil {
				t.Fatal("a position past the data was gathered")
			}
		})
	}
}

// TestFilteredRead reads files of every page layout with a pushed filter
// and wants exactly the rows (and columns) of a full read masked by the
// same predicate: one-column conjuncts tested on the dictionary, columns
// with nulls, conjuncts over two columns, strings, predicates true on a
// null, a filter that keeps nothing; every decoding path.
func TestFilteredRead(t *testing.T) {
	dir := t.TempDir()
	const n = 3000
	saved := EvalMask
	EvalMask = interp.Eval
	defer func() { EvalMask = saved }()
	variants := map[string][]parquet.WriterProperty{
		"dictionary":    {parquet.WithDictionaryDefault(true)},
		"plain":         {parquet.WithDictionaryDefault(false)},
		"plain pages":   {parquet.WithDictionaryDefault(false), parquet.WithDataPageSize(400)},
		"small pages":   {parquet.WithDataPageSize(100)},
		"dict fallback": {parquet.WithDictionaryPageSizeLimit(200), parquet.WithDataPageSize(300)},
		"page v2":       {parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(500)},
		"delta": {parquet.WithDictionaryDefault(false),
			parquet.WithEncodingFor("i64", parquet.Encodings.DeltaBinaryPacked),
			parquet.WithEncodingFor("slow", parquet.Encodings.DeltaLengthByteArray)},
	}
	c := ir.Col
	preds := []*ir.Expr{
		ir.Call("ge", c("req"), ir.LitInt(2)),
		ir.Call("and", ir.Call("lt", c("f64"), ir.LitFloat(50)), ir.Call("eq", c("sreq"), ir.LitString("N"))),
		ir.Call("and", ir.Call("isin", c("slow"), ir.LitString("A"), ir.LitString("MAIL")), ir.Call("gt", c("i64"), ir.LitInt(0))),
		ir.Call("and", ir.Call("gt", c("i64"), c("req")), ir.Call("lt", c("freq"), ir.LitFloat(0.5))),
		ir.Call("and", ir.Call("isna", c("slow")), ir.Call("ne", c("f64"), ir.LitFloat(3))),
		ir.Call("and", ir.Call("and", ir.Call("ge", c("req"), ir.LitInt(1)), ir.Call("le", c("req"), ir.LitInt(3))), ir.Call("notna", c("ts"))),
		ir.Call("lt", c("req"), ir.LitInt(-1)),
		// a string test alone (plain pages: tested page by page when the
		// column is not returned, stringSelect)
		ir.Call("ne", c("sreq"), ir.LitString("N")),
		// four tests in turn (the kept rows alternate between two buffers)
		ir.Call("and", ir.Call("and", ir.Call("and", ir.Call("ge", c("req"), ir.LitInt(1)), ir.Call("lt", c("f64"), ir.LitFloat(100))),
			ir.Call("gt", c("i64"), c("req"))), ir.Call("isin", c("slow"), ir.LitString("A"), ir.LitString("MAIL"), ir.LitString("N"))),
		ir.Call("and", startsWith(c("suniq"), "xx"), ir.Call("eq", c("req"), ir.LitInt(4))),
	}
	for name, props := range variants {
		for _, rg := range []int64{0, 97, 777} {
			p := write(t, dir, fmt.Sprintf("%s_%d.parquet", strings.ReplaceAll(name, " ", "_"), rg), pageColumns(n, rg+int64(len(name))),
				writeOpts{rowsPerGroup: rg, props: props, required: map[string]bool{"req": true, "freq": true, "sreq": true}})
			full, all := readAll(t, p)
			for pi, pred := range preds {
				pred = pred.Clone()
				if err := frame.TypeExpr(pred, full); err != nil {
					t.Fatal(err)
				}
				m, err := interp.Eval(pred, all)
				if err != nil {
					t.Fatal(err)
				}
				var rows []int
				for i := 0; i < m.N; i++ {
					if m.B[i] {
						rows = append(rows, i)
					}
				}
				for _, cols := range [][]string{nil, {"suniq", "f64"}, {"req"}} {
					s := full
					if cols != nil {
						s = &ir.Schema{}
						for _, name := range cols {
							s.Fields = append(s.Fields, full.Fields[full.Lookup(name)])
						}
					}
					for _, d := range paths {
						t.Run(fmt.Sprintf("%s/rg=%d/pred=%d/cols=%v/%v", name, rg, pi, cols, d), func(t *testing.T) {
							restore := withDirect(d)
							defer restore()
							f, err := Read(ir.Attrs{"path": p, "filter": pred}, s, nil)
							if err != nil {
								t.Fatal(err)
							}
							if err := f.Validate(); err != nil {
								t.Fatal(err)
							}
							if f.N != len(rows) || len(f.Cols) != len(s.Fields) {
								t.Fatalf("%d rows %d columns, want %d rows %d columns", f.N, len(f.Cols), len(rows), len(s.Fields))
							}
							for k, fc := range s.Fields {
								want := render(all.Cols[full.Lookup(fc.Name)].Take(rows))
								if got := render(f.Cols[k]); !slices.Equal(got, want) || f.Names[k] != fc.Name {
									t.Fatalf("column %s:\n got %.400s\nwant %.400s", fc.Name, join(got), join(want))
								}
								if (f.Cols[k].Valid != nil) && !all.Cols[full.Lookup(fc.Name)].HasNulls() {
									t.Fatalf("column %s has a bitmap, the file has no nulls", fc.Name)
								}
							}
						})
					}
				}
			}
		}
	}
}

func startsWith(e *ir.Expr, pat string) *ir.Expr {
	x := ir.Call("str_startswith", e)
	x.Opts = map[string]any{"pat": pat}
	return x
}

// TestFilteredReadStats: a filtered read skips the row groups its
// stats_filter rules out, and an error in the predicate is reported.
func TestFilteredReadStats(t *testing.T) {
	dir := t.TempDir()
	saved := EvalMask
	EvalMask = interp.Eval
	defer func() { EvalMask = saved }()
	p := write(t, dir, "sorted.parquet", []colSpec{{"k", arrow.PrimitiveTypes.Int64, rowsJSON(1000)}}, writeOpts{rowsPerGroup: 100})
	full, _ := readAll(t, p)
	pred := ir.Call("and", ir.Call("ge", ir.Col("k"), ir.LitInt(250)), ir.Call("lt", ir.Col("k"), ir.LitInt(260)))
	if err := frame.TypeExpr(pred, full); err != nil {
		t.Fatal(err)
	}
	f, err := Read(ir.Attrs{"path": p, "filter": pred, "stats_filter": pred}, full, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := join(render(f.Cols[0])); got != "250 251 252 253 254 255 256 257 258 259" {
		t.Fatalf("rows %s", got)
	}
	EvalMask = func(*ir.Expr, *col.Frame) (*col.Column, error) { return nil, ir.Errorf("Value", "boom") }
	if _, err := Read(ir.Attrs{"path": p, "filter": pred}, full, nil); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err %v", err)
	}
}

// damagedFilter is the pushed filter TestPageDecoderDamagedPages reads every
// other damaged file through: a one-column conjunct on a fixed-width
// column (tried on its dictionary) and one on a string column.
var damagedFilter = func() *ir.Expr {
	e := ir.Call("and", ir.Call("ge", ir.Col("req"), ir.LitInt(1)), ir.Call("ne", ir.Col("sreq"), ir.LitString("A")))
	e.Type, e.Args[0].Type, e.Args[1].Type = ir.Bool, ir.Bool, ir.Bool
	e.Args[0].Args[0].Type, e.Args[0].Args[1].Type = ir.Int64, ir.Int64
	e.Args[1].Args[0].Type, e.Args[1].Args[1].Type = ir.String, ir.String
	return e
}()

func TestKeepDict(t *testing.T) {
	dm := []bool{true, false, true}
	tests := []struct {
		name     string
		keep     []int
		idx      []int32
		base     int
		dict     *col.Column
		wantKeep []int
		wantVals string
	}{
		{"rows kept at base", nil, []int32{0, 1, 2, 2, 1}, 10, nil, []int{10, 12, 13}, ""},
		{"appends to earlier pages' rows", []int{1, 4}, []int32{1, 0}, 8, nil, []int{1, 4, 9}, ""},
		{"none kept", []int{3}, []int32{1, 1}, 0, nil, []int{3}, ""},
		{"int64 values gathered", nil, []int32{2, 1, 0}, 0, &col.Column{Type: ir.Int64, I64: []int64{7, 8, 9}}, []int{0, 2}, "[9 7]"},
		{"float64 values gathered", nil, []int32{0, 0, 1}, 0, &col.Column{Type: ir.Float64, F64: []float64{1.5, 2.5, 3.5}}, []int{0, 1}, "[1.5 1.5]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var vals *col.Column
			if tc.dict != nil {
				vals = &col.Column{Type: tc.dict.Type}
			}
			var hits []int32
			got := keepDict(tc.keep, tc.idx, dm, tc.base, vals, tc.dict, &hits)
			if fmt.Sprint(got) != fmt.Sprint(tc.wantKeep) {
				t.Errorf("keep %v, want %v", got, tc.wantKeep)
			}
			if vals != nil {
				v := fmt.Sprint(vals.I64)
				if vals.Type == ir.Float64 {
					v = fmt.Sprint(vals.F64)
				}
				if v != tc.wantVals {
					t.Errorf("vals %s, want %s", v, tc.wantVals)
				}
			}
		})
	}
}

// TestDataPagesIndexDict: a chunk whose data pages all index its dictionary
// may be tested per dictionary entry; one with a PLAIN data page (its
// writer fell back once the dictionary passed its size limit) may not.
func TestDataPagesIndexDict(t *testing.T) {
	const dataPage, dictPage, dataPageV2 = 0, 2, 3
	type st = metadata.PageEncodingStats
	plain, rle, plainDict := parquet.Encodings.Plain, parquet.Encodings.RLEDict, parquet.Encodings.PlainDict
	for _, tc := range []struct {
		name  string
		stats []st
		want  bool
	}{
		{"dictionary", []st{{Encoding: plain, PageType: dictPage}, {Encoding: rle, PageType: dataPage}}, true},
		{"old dictionary encoding", []st{{Encoding: plainDict, PageType: dictPage}, {Encoding: plainDict, PageType: dataPage}}, true},
		{"fallback", []st{{Encoding: plain, PageType: dictPage}, {Encoding: plain, PageType: dataPage}, {Encoding: rle, PageType: dataPage}}, false},
		{"fallback, v2 pages", []st{{Encoding: plain, PageType: dictPage}, {Encoding: rle, PageType: dataPageV2}, {Encoding: plain, PageType: dataPageV2}}, false},
		{"no statistics", nil, true},
	} {
		if got := dataPagesIndexDict(tc.stats); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
