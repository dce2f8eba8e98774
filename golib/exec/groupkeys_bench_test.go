package exec

import (
	"math/rand/v2"
	"testing"

	"github.com/flern/flern/golib/col"
)

// BenchmarkGroupIDsShortStrings groups TPC-H Q1's keys (l_returnflag,
// l_linestatus: one-byte strings, 4 groups) of -benchrows rows:
//
//	go test -run XXX -bench GroupIDsShort -benchrows 6000000 ./golib/exec/
func BenchmarkGroupIDsShortStrings(b *testing.B) {
	for _, on := range []bool{true, false} {
		b.Run(map[bool]string{true: "small", false: "general"}[on], func(b *testing.B) {
			defer func(v bool) { smallGroupsOn = v }(smallGroupsOn)
			smallGroupsOn = on
			benchShortStrings(b)
		})
	}
}

func benchShortStrings(b *testing.B) {
	n := *benchRows
	r := rand.New(rand.NewPCG(7, 8))
	flag, status := col.NewStringBuilder(n), col.NewStringBuilder(n)
	for range n {
		flag.Append([]string{"A", "N", "R"}[r.IntN(3)])
		status.Append([]string{"F", "O"}[r.IntN(2)])
	}
	f := &col.Frame{N: n, Names: []string{"f", "s"}, Cols: []*col.Column{flag.Finish(), status.Finish()}}
	b.ResetTimer()
	for range b.N {
		if _, _, _, err := groupIDs(&Ctx{}, nil, f, []string{"f", "s"}, true); err != nil {
			b.Fatal(err)
		}
	}
}
