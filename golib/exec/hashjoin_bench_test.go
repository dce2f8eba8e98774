package exec

import (
	"context"
	"fmt"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// BenchmarkJoinLookupStrings: a left merge of 3M rows with a 229-row table
// of unique 3-letter string keys (the flights benchmark's airport codes).
func BenchmarkJoinLookupStrings(b *testing.B) {
	const n, k = 3_000_000, 229
	names := make([]string, k)
	for i := range names {
		names[i] = fmt.Sprintf("%c%c%c", 'A'+i%26, 'A'+(i/26)%26, 'K'+i%7)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = names[(i*7919+i/5)%k]
	}
	codes := make([]int64, k)
	for i := range codes {
		codes[i] = int64(i)
	}
	l := &col.Frame{N: n, Names: []string{"origin"}, Cols: []*col.Column{col.NewStrings(keys, nil)}}
	r := &col.Frame{N: k, Names: []string{"origin", "code"}, Cols: []*col.Column{col.NewStrings(names, nil), col.NewInt64(codes)}}
	node := newNode(b, "join", ir.Attrs{"how": "left", "left_on": strs("origin"), "right_on": strs("origin")}, l, r)
	c := &Ctx{Ctx: &interp.Ctx{Context: context.Background()}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := runJoin(c, node, []any{l, r}); err != nil {
			b.Fatal(err)
		}
	}
}
