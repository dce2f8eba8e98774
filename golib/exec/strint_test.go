package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// TestIntExprMatchesInterpreter: the in-place parse of sliced strings (and
// int64 arithmetic with a literal around it) gives the interpreter's column
// where it runs, and declines (for the interpreter to evaluate, raising its
// errors) on nulls, non-ASCII text before the slice's end, signs, spaces,
// empty slices and non-digits.
func TestIntExprMatchesInterpreter(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	dates := func(n int) []string {
		v := make([]string, n)
		for i := range v {
			v[i] = fmt.Sprintf("%04d-%02d-%02d", 1970+r.Intn(60), 1+r.Intn(12), 1+r.Intn(28))
		}
		return v
	}
	slice := func(lo, hi int) *ir.Expr {
		opts := map[string]any{}
		if lo >= 0 {
			opts["start"] = float64(lo)
		}
		if hi >= 0 {
			opts["stop"] = float64(hi)
		}
		e := ir.Call("str_slice", ir.Col("s"))
		e.Type, e.Opts = ir.String, opts
		c := ir.Call("cast", e)
		c.Type = ir.Int64
		c.Opts = map[string]any{"dtype": "int64"}
		return c
	}
	arith := func(op string, a *ir.Expr, k int64, litLeft bool) *ir.Expr {
		l := ir.LitInt(k)
		l.Type = ir.Int64
		e := ir.Call(op, a, l)
		if litLeft {
			e = ir.Call(op, l, a)
		}
		e.Type = ir.Int64
		return e
	}
	cases := []struct {
		name string
		rows []string
		e    *ir.Expr
		runs bool
	}{
		{"year of a date", dates(500), slice(0, 4), true},
		{"year - 1900", dates(500), arith("sub", slice(0, 4), 1900, false), true},
		{"2000 - year, *3 + 1", dates(300), arith("add", arith("mul", arith("sub", slice(0, 4), 2000, true), 3, false), 1, false), true},
		{"month, open end", []string{"12", "07", "+3", "-4"}, slice(-1, -1), true},
		{"day", dates(100), slice(8, 10), true},
		{"a stop past the end", []string{"1", "22", "333"}, slice(0, 10), true},
		{"non-ASCII before the end", []string{"1970-01", "19é0-01"}, slice(0, 4), false},
		{"non-ASCII after the slice", []string{"1970-é"}, slice(0, 4), true},
		{"a space", []string{" 1970"}, slice(0, 5), false},
		{"an underscore", []string{"1_000"}, slice(0, 5), false},
		{"an empty slice", []string{"1970", "19"}, slice(2, 4), false},
		{"not digits", []string{"19x0"}, slice(0, 4), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &col.Frame{N: len(tc.rows), Names: []string{"s"}, Cols: []*col.Column{col.NewStrings(tc.rows, nil)}}
			got, ok := intExpr(tc.e, f)
			if ok != tc.runs {
				t.Fatalf("ran %v, want %v", ok, tc.runs)
			}
			if !ok {
				return
			}
			want, err := interp.Eval(tc.e, f)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want.I64 {
				if got.I64[i] != want.I64[i] {
					t.Fatalf("row %d (%q): %d, interpreter %d", i, tc.rows[i], got.I64[i], want.I64[i])
				}
			}
		})
	}
	f := &col.Frame{N: 2, Names: []string{"s"}, Cols: []*col.Column{col.NewStrings([]string{"1970", ""}, []byte{1})}}
	if _, ok := intExpr(slice(0, 4), f); ok {
		t.Fatal("ran over a null")
	}
}
