package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// topk must be exactly sort followed by head(n). The pandas-derived sort
// cases (ties, NaN, None, -0.0, infinities, both na_positions, several
// keys) give the expected first n rows for every n.
func TestTopKMatchesSortCases(t *testing.T) {
	for _, tc := range sortCases {
		if tc.op != "sort" || tc.err != "" {
			continue
		}
		in := rxBuild(t, tc.in[0])
		for k := 0; k <= in.N+1; k++ {
			t.Run(fmt.Sprintf("%s/n=%d", tc.name, k), func(t *testing.T) {
				attrs := ir.Attrs{}
				for key, v := range tc.attrs {
					attrs[key] = v
				}
				attrs["n"] = float64(k)
				got, err := rxRun(t, "topk", attrs, in)
				if err != nil {
					t.Fatal(err)
				}
				rxCompare(t, got, headOf(tc.want, k))
			})
		}
	}
}

func headOf(f rxFrame, k int) rxFrame {
	cut := func(cs []rxCol) []rxCol {
		var out []rxCol
		for _, c := range cs {
			out = append(out, rxCol{c.name, c.typ, c.vals[:min(k, len(c.vals))]})
		}
		return out
	}
	return rxFrame{cols: cut(f.cols), index: cut(f.index)}
}

// TestTopKRandom compares topk with the sort op on larger frames full of
// ties and missing values, where the bounded heap does the work.
func TestTopKRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 500
	for trial := range 40 {
		ints, floats, strs := make([]int64, n), make([]float64, n), make([]string, n)
		valid := col.NewBitmap(n, true)
		for i := range n {
			ints[i] = int64(r.IntN(7)) - 3
			switch r.IntN(6) {
			case 0:
				floats[i] = math.NaN()
			case 1:
				floats[i] = math.Inf(2*r.IntN(2) - 1)
			default:
				floats[i] = float64(r.IntN(5)) / 2
			}
			strs[i] = string(rune('a' + r.IntN(4)))
			if r.IntN(5) == 0 {
				col.SetBit(valid, i, false)
			}
		}
		s := col.NewStrings(strs, nil)
		s.Valid = valid
		f := &col.Frame{N: n, Names: []string{"i", "f", "s"}, Cols: []*col.Column{col.NewInt64(ints), col.NewFloat64(floats), s}}
		keys := [][]any{{"f"}, {"s"}, {"i", "f"}, {"s", "f", "i"}, {"f", "s"}}[trial%5]
		asc := make([]any, len(keys))
		for i := range asc {
			asc[i] = r.IntN(2) == 0
		}
		na := []string{"last", "first"}[r.IntN(2)]
		attrs := ir.Attrs{"by": keys, "ascending": asc, "na_position": na}
		sorted, err := rxRun(t, "sort", attrs, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{0, 1, 5, 37, 124, 125, 300, n, n + 3} {
			ta := ir.Attrs{"n": float64(k)}
			for key, v := range attrs {
				ta[key] = v
			}
			got, err := rxRun(t, "topk", ta, f)
			if err != nil {
				t.Fatal(err)
			}
			want := sorted.Take(firstN(min(k, n)))
			for c := range want.Cols {
				if g, w := rxColString(got.Cols[c]), rxColString(want.Cols[c]); g != w {
					t.Fatalf("trial %d %v n=%d column %s:\n got %s\nwant %s", trial, attrs, k, want.Names[c], g, w)
				}
			}
			if g, w := rxColString(got.Index[0]), rxColString(want.Index[0]); g != w {
				t.Fatalf("trial %d %v n=%d index:\n got %s\nwant %s", trial, attrs, k, g, w)
			}
		}
	}
}

func firstN(k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestTopKErrors(t *testing.T) {
	f := &col.Frame{N: 1, Names: []string{"a"}, Cols: []*col.Column{col.NewInt64([]int64{1})}}
	for _, a := range []ir.Attrs{{"by": []any{"zz"}, "n": float64(1)}, {"by": []any{"a"}}, {"by": []any{"a"}, "n": float64(-1)}, {"by": []any{}, "n": float64(1)}} {
		if _, err := rxRun(t, "topk", a, f); err == nil {
			t.Errorf("topk %v: no error", a)
		}
	}
}
