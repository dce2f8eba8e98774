package interp

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
)

// TestStrSliceASCII: str_slice of an all-ASCII column (strSliceASCII, bytes
// as characters) equals the row-by-row slicing of Python semantics for
// starts and stops in and past the strings, negative, missing and crossed,
// with nulls and empty strings; a column with a non-ASCII byte takes the
// row-by-row path.
func TestStrSliceASCII(t *testing.T) {
	vals := []string{"13-555-1234", "", "x", "abcdefghijklmnop", "AB", "nullrow", "Zq"}
	valid := col.NewBitmap(len(vals), true)
	col.SetBit(valid, 5, false)
	x := col.NewStrings(vals, valid)
	render := func(c *col.Column) string {
		var b strings.Builder
		for i := 0; i < c.N; i++ {
			if !c.IsValid(i) {
				b.WriteString("<null>|")
				continue
			}
			b.WriteString(c.Str(i) + "|")
		}
		return b.String()
	}
	type bound struct {
		v   int
		has bool
	}
	bounds := []bound{{0, false}, {0, true}, {2, true}, {-3, true}, {20, true}, {-20, true}, {1, true}}
	for _, a := range bounds {
		for _, z := range bounds {
			got := strSliceASCII(x, a.v, a.has, z.v, z.has)
			if got == nil {
				t.Fatal("an ASCII column was not sliced")
			}
			want := mapStrings(x, func(s string) string {
				lo, hi := pySliceBounds(len(s), a.v, a.has, z.v, z.has)
				return s[lo:hi]
			})
			if render(got) != render(want) || got.N != want.N {
				t.Fatalf("[%v:%v]: got %q, want %q", a, z, render(got), render(want))
			}
		}
	}
	if strSliceASCII(col.NewStrings([]string{"ab", "日本"}, nil), 0, true, 1, true) != nil {
		t.Fatal("a non-ASCII column took the ASCII path")
	}
}
