package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// Keys of a small domain (one-byte strings, ints of a small range, mixed)
// grouped by direct indexing: the interpreter's groups, ids and key values,
// sorted and by first appearance; keys that do not qualify (a null, a string
// of another length, a wide range) take the general path with the same
// answers.
func TestSmallDomainGroupsDifferential(t *testing.T) {
	smallMorsels(t)
	strs := func(r *rand.Rand, n int, vals []string, null bool) *col.Column {
		b := col.NewStringBuilder(n)
		for range n {
			if null && r.IntN(9) == 0 {
				b.AppendNull()
				continue
			}
			b.Append(vals[r.IntN(len(vals))])
		}
		return b.Finish()
	}
	ints := func(r *rand.Rand, n int, lo, span int64, t ir.DType) *col.Column {
		x := make([]int64, n)
		for i := range x {
			x[i] = lo + r.Int64N(span)
		}
		return &col.Column{Type: t, N: n, I64: x}
	}
	flags := []string{"R", "A", "N", "\x7f", " "}
	cases := []struct {
		name  string
		small bool // the direct path applies
		cols  func(r *rand.Rand, n int) []*col.Column
	}{
		{"two flags", true, func(r *rand.Rand, n int) []*col.Column {
			return []*col.Column{strs(r, n, flags[:3], false), strs(r, n, []string{"F", "O"}, false)}
		}},
		{"flag and small ints", true, func(r *rand.Rand, n int) []*col.Column {
			return []*col.Column{strs(r, n, flags, false), ints(r, n, -7, 30, ir.Int64)}
		}},
		{"int, datetime", true, func(r *rand.Rand, n int) []*col.Column {
			return []*col.Column{ints(r, n, 1<<62, 50, ir.Int64), ints(r, n, -1<<40, 60, ir.DatetimeUS)}
		}},
		{"one int key", true, func(r *rand.Rand, n int) []*col.Column { return []*col.Column{ints(r, n, -3, 4000, ir.Int64)} }},
		{"domain too large", false, func(r *rand.Rand, n int) []*col.Column {
			return []*col.Column{ints(r, n, 0, 100, ir.Int64), ints(r, n, 0, 100, ir.Int64)}
		}},
		{"range overflows", false, func(r *rand.Rand, n int) []*col.Column {
			c := ints(r, n, 0, 3, ir.Int64)
			if n > 1 {
				c.I64[0], c.I64[n-1] = -1<<63, 1<<63-1
			}
			return []*col.Column{c}
		}},
		{"an empty string", false, func(r *rand.Rand, n int) []*col.Column {
			return []*col.Column{strs(r, n, []string{"A", "B", "", "C"}, false)}
		}},
		{"two-byte strings", false, func(r *rand.Rand, n int) []*col.Column {
			return []*col.Column{strs(r, n, []string{"A", "BB", "C"}, false), strs(r, n, flags, false)}
		}},
		{"null flags", false, func(r *rand.Rand, n int) []*col.Column {
			return []*col.Column{strs(r, n, flags, true), strs(r, n, flags, false)}
		}},
		{"unicode", false, func(r *rand.Rand, n int) []*col.Column { return []*col.Column{strs(r, n, []string{"é", "A"}, false)} }},
	}
	for _, tc := range cases {
		for _, n := range append(testSizes, 5000) {
			r := rand.New(rand.NewPCG(uint64(n), 9))
			cols := tc.cols(r, n)
			f := &col.Frame{N: n}
			var keys []string
			for i, c := range cols {
				keys = append(keys, fmt.Sprintf("k%d", i))
				f.Names, f.Cols = append(f.Names, keys[i]), append(f.Cols, c)
			}
			// (small inputs may not show what disqualifies the keys)
			if _, _, ok, err := smallDomainGroups(&Ctx{}, nil, cols, n, true, false, nil); err != nil || n >= 1000 && ok != tc.small {
				t.Fatalf("%s n=%d: direct path %v (%v), want %v", tc.name, n, ok, err, tc.small)
			}
			for _, dropna := range []bool{true, false} {
				label := fmt.Sprintf("%s n=%d dropna=%v", tc.name, n, dropna)
				gid, ng, kc, err := groupIDs(&Ctx{}, nil, f, keys, dropna)
				wgid, wng, wkc, werr := interp.GroupIDs(f, keys, dropna, true)
				if err != nil || werr != nil {
					t.Fatalf("%s: errors %v / %v", label, err, werr)
				}
				if ng != wng || !slices.Equal(gid, wgid) {
					t.Fatalf("%s: groups differ (%d vs %d groups)", label, ng, wng)
				}
				checkSame(t, label, &col.Frame{N: ng, Names: keys, Cols: kc}, &col.Frame{N: wng, Names: keys, Cols: wkc}, nil, nil, 0)
				// by first appearance: the general path's groups and first rows
				g, err := groupRows(&Ctx{}, nil, newRowKeys(cols), n, dropna, false)
				smallGroupsOn = false
				w, werr := groupRows(&Ctx{}, nil, newRowKeys(cols), n, dropna, false)
				smallGroupsOn = true
				if err != nil || werr != nil {
					t.Fatalf("%s unsorted: errors %v / %v", label, err, werr)
				}
				if !slices.Equal(g.gid, w.gid) || !slices.Equal(g.first, w.first) {
					t.Fatalf("%s unsorted: groups differ", label)
				}
			}
		}
	}
}
