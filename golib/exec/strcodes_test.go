package exec

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// The packed words of short strings order as the strings' bytes do.
func TestShortWordOrder(t *testing.T) {
	strs := []string{"", "\x00", "\x00\x00", "a", "a\x00", "a\x00b", "ab", "abcdefg", "abcdeff", "b", "é", "\xff", "\xff\xff\xff\xff\xff\xff\xff", "Z", "日本"}
	c := col.NewStrings(strs, nil)
	for i := range strs {
		for j := range strs {
			want := bytes.Compare([]byte(strs[i]), []byte(strs[j]))
			wi, wj := shortWord(c, i), shortWord(c, j)
			got := 0
			if wi < wj {
				got = -1
			} else if wi > wj {
				got = 1
			}
			if got != want {
				t.Fatalf("%q vs %q: words %x %x order %d, want %d", strs[i], strs[j], wi, wj, got, want)
			}
		}
	}
}

// Groupings over short string keys coded as ints (strcodes.go) equal the
// interpreter's: alone and with int and long-string keys, nulls dropped or
// kept, sort on and off; too many distinct strings or a long one fall back.
func TestShortStringCodesDifferential(t *testing.T) {
	smallMorsels(t)
	old := shortCodesMinRows
	shortCodesMinRows = 1
	t.Cleanup(func() { shortCodesMinRows = old })
	for _, n := range []int{1, 7, 333, 3000} {
		in := genFrame(uint64(n)+21, n,
			genSpec{name: "ks", typ: ir.String, card: 7, nulls: true},
			genSpec{name: "kt", typ: ir.String, card: 3},
			genSpec{name: "k", typ: ir.Int64, card: 5},
			genSpec{name: "s", typ: ir.String, nulls: true},
			genSpec{name: "f", typ: ir.Float64, nulls: true})
		for _, keys := range [][]string{{"ks"}, {"kt"}, {"ks", "kt"}, {"kt", "k"}, {"ks", "s"}, {"s"}} {
			for _, dropna := range []bool{true, false} {
				for _, sort := range []bool{true, false} {
					anyKeys := make([]any, len(keys))
					for i, k := range keys {
						anyKeys[i] = k
					}
					attrs := ir.Attrs{"keys": anyKeys, "dropna": dropna, "sort": sort, "as_index": false, "aggs": []any{
						map[string]any{"name": "fsum", "col": "f", "fn": "sum"},
						map[string]any{"name": "n", "col": "", "fn": "size"}}}
					label := fmt.Sprintf("keys=%v n=%d dropna=%v sort=%v", keys, n, dropna, sort)
					node := newNode(t, "groupby_agg", attrs, in)
					got, want, gerr, werr := runBoth(t, node, true, in)
					checkSame(t, label, got, want, gerr, werr, 0)
				}
				gid, ng, kc, err := groupIDs(&Ctx{}, nil, in, keys, dropna)
				wgid, wng, wkc, werr := interp.GroupIDs(in, keys, dropna, true)
				label := fmt.Sprintf("groupIDs keys=%v n=%d dropna=%v", keys, n, dropna)
				if err != nil || werr != nil || ng != wng || !slices.Equal(gid, wgid) {
					t.Fatalf("%s: %d groups (%v), want %d (%v)", label, ng, err, wng, werr)
				}
				names := append([]string(nil), keys...)
				checkSame(t, label, &col.Frame{N: ng, Names: names, Cols: kc}, &col.Frame{N: wng, Names: names, Cols: wkc}, nil, nil, 0)
			}
		}
	}
	// one length: the bytes are the codes; through a grouping with nulls
	flags := make([]string, 500)
	valid := col.NewBitmap(len(flags), true)
	f := make([]float64, len(flags))
	for i := range flags {
		flags[i] = []string{"NO", "AF", "A\xff", "\x00Z", "AE"}[i*7%5]
		f[i] = float64(i)
		if i%11 == 3 {
			col.SetBit(valid, i, false)
		}
	}
	fr := &col.Frame{N: len(flags), Names: []string{"fl", "f"}, Cols: []*col.Column{col.NewStrings(flags, valid), col.NewFloat64(f)}}
	for _, dropna := range []bool{true, false} {
		attrs := ir.Attrs{"keys": []any{"fl"}, "dropna": dropna, "sort": true, "as_index": false, "aggs": []any{
			map[string]any{"name": "fsum", "col": "f", "fn": "sum"}}}
		node := newNode(t, "groupby_agg", attrs, fr)
		got, want, gerr, werr := runBoth(t, node, true, fr)
		checkSame(t, fmt.Sprintf("one length dropna=%v", dropna), got, want, gerr, werr, 0)
	}
	if codes, _ := shortStringCodes(&Ctx{}, nil, col.NewStrings([]string{"AB", "AA", "ZZ"}, nil), 3); codes == nil || !slices.Equal(codes.I64, []int64{0x4142, 0x4141, 0x5a5a}) {
		t.Fatalf("one-length codes %v", codes)
	}
	// coded or not
	c := col.NewStrings([]string{"a", "bb", "a", "", "ccccccc"}, nil)
	if codes, _ := shortStringCodes(&Ctx{}, nil, c, 5); codes == nil || !slices.Equal(codes.I64, []int64{1, 2, 1, 0, 3}) {
		t.Fatalf("codes %v", codes)
	}
	if codes, _ := shortStringCodes(&Ctx{}, nil, col.NewStrings([]string{"a", "eight888"}, nil), 2); codes != nil {
		t.Fatal("an 8-byte string was coded")
	}
	many := make([]string, 3*shortCodesMax)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	if codes, _ := shortStringCodes(&Ctx{}, nil, col.NewStrings(many, nil), len(many)); codes != nil {
		t.Fatal("more than shortCodesMax strings were coded")
	}
}

// TestLongStringCodes: strings longer than 7 bytes, few distinct, are coded
// in byte order (longStringCodes), and groupbys on them, alone or with
// other keys (every row coded; or, past shortCodesMax distinct strings,
// hashed, the groups then sorted by their codes, groupKeyCodes), give the
// interpreter's groups in its order.
func TestLongStringCodes(t *testing.T) {
	smallMorsels(t)
	old, oldG := shortCodesMinRows, groupKeyCodesMin
	shortCodesMinRows, groupKeyCodesMin = 1, 1
	t.Cleanup(func() { shortCodesMinRows, groupKeyCodesMin = old, oldG })
	c := col.NewStrings([]string{"MEDIUM POLISHED", "Brand#45", "", "Brand#45", "ü long string", "Brand#4"}, nil)
	if codes, _ := longStringCodes(&Ctx{}, nil, c, 6); codes == nil || !slices.Equal(codes.I64, []int64{3, 2, 0, 2, 4, 1}) {
		t.Fatalf("codes %v", codes)
	}
	many := make([]string, 3*shortCodesMax)
	for i := range many {
		many[i] = fmt.Sprintf("a longer string %d", i)
	}
	if codes, _ := longStringCodes(&Ctx{}, nil, col.NewStrings(many, nil), len(many)); codes != nil {
		t.Fatal("more than shortCodesMax strings were coded")
	}
	words := []string{"STANDARD BRUSHED TIN", "Brand#12", "Brand#1", "MEDIUM POLISHED COPPER", "日本語の長い文字列", "x", ""}
	for _, n := range []int{1, 333, 3000} {
		brand, typ, many := make([]string, n), make([]string, n), make([]string, n)
		size, f := make([]int64, n), make([]float64, n)
		valid := col.NewBitmap(n, true)
		for i := range brand {
			brand[i] = words[i*7%len(words)]
			typ[i] = words[(i*3+1)%len(words)] + "-" + fmt.Sprint(i%4)
			many[i] = fmt.Sprintf("a longer string %d", i%2000)
			size[i] = int64(i % 5)
			f[i] = float64(i)
			if i%13 == 5 {
				col.SetBit(valid, i, false)
			}
		}
		fr := &col.Frame{N: n, Names: []string{"brand", "type", "size", "f", "many"},
			Cols: []*col.Column{col.NewStrings(brand, valid), col.NewStrings(typ, nil), col.NewInt64(size), col.NewFloat64(f), col.NewStrings(many, nil)}}
		for _, keys := range [][]any{{"brand"}, {"brand", "type", "size"}, {"type", "size"}, {"many", "brand"}} {
			for _, dropna := range []bool{true, false} {
				for _, sort := range []bool{true, false} {
					attrs := ir.Attrs{"keys": keys, "dropna": dropna, "sort": sort, "as_index": false, "aggs": []any{
						map[string]any{"name": "fsum", "col": "f", "fn": "sum"},
						map[string]any{"name": "u", "col": "size", "fn": "nunique"}}}
					node := newNode(t, "groupby_agg", attrs, fr)
					got, want, gerr, werr := runBoth(t, node, true, fr)
					checkSame(t, fmt.Sprintf("keys=%v n=%d dropna=%v sort=%v", keys, n, dropna, sort), got, want, gerr, werr, 0)
				}
			}
		}
	}
}
