package ipcio

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func sample() *col.Frame {
	sb := col.NewStringBuilder(4)
	for _, s := range []string{"a", "", "日本", "é"} {
		sb.Append(s)
	}
	s := sb.Finish()
	s.Valid = col.NewBitmap(4, true)
	col.SetBit(s.Valid, 1, false)
	return &col.Frame{N: 4, Names: []string{"i", "f", "s", "b"}, Cols: []*col.Column{
		{Type: ir.Int64, N: 4, I64: []int64{math.MaxInt64, math.MinInt64, 0, -1}},
		{Type: ir.Float64, N: 4, F64: []float64{1.5, math.NaN(), math.Inf(1), -0.0}},
		s,
		{Type: ir.Bool, N: 4, B: []bool{true, false, true, true}},
	}}
}

func TestWriteSniffRead(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, compression string
		index             bool
		usecols           []any
		want              []string
	}{
		{"plain", "uncompressed", false, nil, []string{"i", "f", "s", "b"}},
		{"lz4", "lz4", false, nil, []string{"i", "f", "s", "b"}},
		{"zstd index", "zstd", true, nil, []string{"i", "f", "s", "b"}},
		{"usecols", "lz4", true, []any{"s", "i"}, []string{"s", "i"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := sample()
			if c.index {
				f.Index = []*col.Column{{Type: ir.Int64, N: 4, I64: []int64{7, 8, 9, 10}}}
				f.IndexNames = []string{"k"}
			}
			p := filepath.Join(dir, c.name+".feather")
			if err := Write(f, ir.Attrs{"path": p, "compression": c.compression}); err != nil {
				t.Fatal(err)
			}
			attrs := ir.Attrs{"path": p}
			if c.usecols != nil {
				attrs["usecols"] = c.usecols
			}
			s, err := Sniff(attrs)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, fl := range s.Fields {
				names = append(names, fl.Name)
			}
			if !reflect.DeepEqual(names, c.want) {
				t.Fatalf("fields %v, want %v", names, c.want)
			}
			if wantIdx := c.index && c.usecols == nil; (len(s.Index) == 1) != wantIdx {
				t.Fatalf("index %v, want index: %v", s.Index, wantIdx)
			}
			got, err := Read(attrs, s)
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range names {
				want := f.Cols[indexOf(f.Names, n)]
				g := got.Cols[i]
				for r := 0; r < 4; r++ {
					if g.IsValid(r) != want.IsValid(r) {
						t.Fatalf("%s[%d] validity differs", n, r)
					}
				}
				switch want.Type {
				case ir.Int64:
					if !reflect.DeepEqual(g.I64[:4], want.I64) {
						t.Fatalf("%s = %v, want %v", n, g.I64, want.I64)
					}
				case ir.String:
					for r := 0; r < 4; r++ {
						if want.IsValid(r) && g.Str(r) != want.Str(r) {
							t.Fatalf("%s[%d] = %q, want %q", n, r, g.Str(r), want.Str(r))
						}
					}
				}
			}
			if c.index && c.usecols == nil && (got.IndexNames[0] != "k" || got.Index[0].I64[3] != 10) {
				t.Fatalf("index %v %v", got.IndexNames, got.Index[0].I64)
			}
		})
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.feather")
	if err := Write(sample(), ir.Attrs{"path": good, "compression": "uncompressed"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	garbage := append([]byte("ARROW1\x00\x00"), make([]byte, 100)...)
	for i := range garbage[8:] {
		garbage[8+i] = byte(i * 37)
	}
	cases := []struct {
		name string
		data []byte
		kind string
	}{
		{"empty", []byte{}, "Parse"},
		{"text", []byte("a,b\n1,2\n"), "Parse"},
		{"truncated half", data[:len(data)/2], "Parse"},
		{"truncated tail", data[:len(data)-3], "Parse"},
		{"garbage after magic", garbage, "Parse"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".feather")
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Sniff(ir.Attrs{"path": p})
			fe, ok := err.(*ir.Error)
			if !ok || fe.Kind != c.kind {
				t.Fatalf("got %v, want an error of kind %s", err, c.kind)
			}
		})
	}
	_, err := Sniff(ir.Attrs{"path": filepath.Join(dir, "absent.feather")})
	if fe, ok := err.(*ir.Error); !ok || fe.Kind != "IO" {
		t.Fatalf("missing file: %v", err)
	}
	if err := Write(sample(), ir.Attrs{"path": filepath.Join(dir, "no", "x.feather")}); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
}

func indexOf(names []string, n string) int {
	for i, x := range names {
		if x == n {
			return i
		}
	}
	return -1
}
