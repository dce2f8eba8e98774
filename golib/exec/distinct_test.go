package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// shortDistinct (strings of at most 8 bytes, few distinct values per morsel)
// against the interpreter: empty and exactly-8-byte strings, multi-byte
// UTF-8, embedded zero bytes, nulls first or late, and the inputs that make
// it bail out to the general path (a long string late in the column, a
// morsel with too many distinct values).
func TestShortDistinctDifferential(t *testing.T) {
	smallMorsels(t)
	words := []string{"", "a", "ORD", "LAX", "abcdefgh", "abcdefg", "é", "ü€", "a\x00", "\x00", "日本", "SFO"}
	type tc struct {
		name  string
		n     int
		card  int
		nulls int  // one row in nulls is null (0: none)
		long  int  // row that holds a 9-byte string (-1: none)
		short bool // whether shortDistinct must handle it
	}
	cases := []tc{
		{"few", 1000, len(words), 0, -1, true},
		{"few-nulls", 1000, len(words), 7, -1, true},
		{"one-row", 1, len(words), 0, -1, true},
		{"all-null", 300, len(words), 1, -1, true},
		{"long-late", 1000, len(words), 5, 990, false},
		{"many", 3 * shortDistinctMax, 2 * shortDistinctMax, 0, -1, false},
		{"many-across-morsels", 20_000, 3000, 11, -1, true},
	}
	for _, c := range cases {
		r := rand.New(rand.NewPCG(uint64(c.n), 7))
		vals := make([]string, c.n)
		valid := make([]byte, (c.n+7)/8)
		for i := range vals {
			if c.nulls > 0 && r.IntN(c.nulls) == 0 {
				continue
			}
			valid[i/8] |= 1 << (i % 8)
			k := r.IntN(c.card)
			if k < len(words) {
				vals[i] = words[k]
			} else {
				vals[i] = fmt.Sprintf("w%d", k)
			}
			if i == c.long {
				vals[i] = "123456789"
			}
		}
		cl := col.NewStrings(vals, valid)
		in := &col.Frame{N: c.n, Names: []string{"s"}, Cols: []*col.Column{cl}}
		morsels := morselRows
		if c.name == "many" {
			morselRows = c.n // one morsel with more than shortDistinctMax values
		}
		_, ok, err := shortDistinct(&Ctx{}, nil, cl, c.n)
		morselRows = morsels
		if err != nil || ok != c.short {
			t.Fatalf("%s: shortDistinct ok=%v err=%v, want ok=%v", c.name, ok, err, c.short)
		}
		node := newNode(t, "distinct", ir.Attrs{"column": "s"}, in)
		got, want, gerr, werr := runBoth(t, node, true, in)
		checkSame(t, c.name, got, want, gerr, werr, 0)
	}
}
