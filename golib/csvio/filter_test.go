package csvio

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// testMask is a small evaluator for the tests' predicates: and(...),
// or(...) and col <op> literal over int64, float64 (NaN compares false),
// str and datetime columns; a null never matches.
func testMask(pred *ir.Expr, f *col.Frame) (*col.Column, error) {
	out := make([]bool, f.N)
	switch pred.Name {
	case "and", "or":
		a, err := testMask(pred.Args[0], f)
		if err != nil {
			return nil, err
		}
		b, err := testMask(pred.Args[1], f)
		if err != nil {
			return nil, err
		}
		for i := range out {
			if pred.Name == "and" {
				out[i] = a.B[i] && b.B[i]
			} else {
				out[i] = a.B[i] || b.B[i]
			}
		}
		return col.NewBool(out), nil
	}
	c := f.Col(pred.Args[0].Name)
	if c == nil {
		return nil, fmt.Errorf("column %q not given to the predicate", pred.Args[0].Name)
	}
	lit := pred.Args[1].Lit
	for i := range out {
		if !c.IsValid(i) {
			continue
		}
		var cmp int
		switch {
		case c.Type.IsFloat():
			v, w := c.F64[i], lit.F
			if v != v {
				continue
			}
			cmp = map[bool]int{true: -1, false: 0}[v < w] + map[bool]int{true: 1, false: 0}[v > w]
		case c.Type == ir.String:
			cmp = strings.Compare(c.Str(i), lit.S)
		default:
			v, w := c.I64[i], lit.I
			cmp = map[bool]int{true: -1, false: 0}[v < w] + map[bool]int{true: 1, false: 0}[v > w]
		}
		switch pred.Name {
		case "eq":
			out[i] = cmp == 0
		case "gt":
			out[i] = cmp > 0
		case "le":
			out[i] = cmp <= 0
		}
	}
	return col.NewBool(out), nil
}

// TestPushedFilter: a scan with a pushed filter produces exactly the rows
// (and values) of reading every row and filtering after, for every chunking.
func TestPushedFilter(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,x,s,f,d\n")
	words := []string{"a", "ünï", "日本", "", "q\"uote", "multi\nline"}
	for i := 0; i < 400; i++ {
		f := fmt.Sprintf("%d.5", i%7)
		if i%11 == 0 {
			f = ""
		}
		w := words[i%len(words)]
		if strings.ContainsAny(w, "\"\n") {
			w = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		}
		fmt.Fprintf(&b, "%d,%d,%s,%s,2020-01-%02d\n", i, i%13, w, f, 1+i%28)
	}
	path := writeCSV(t, b.String())
	old := EvalMask
	EvalMask = testMask
	defer func() { EvalMask = old }()
	lit := func(v any) *ir.Expr {
		switch x := v.(type) {
		case int:
			return ir.LitInt(int64(x))
		case float64:
			return ir.LitFloat(x)
		}
		return ir.LitString(v.(string))
	}
	cmp := func(op, c string, v any) *ir.Expr { return ir.Call(op, ir.Col(c), lit(v)) }
	cases := []struct {
		name string
		cols []string // requested (nil: all)
		pred *ir.Expr
	}{
		{"int column not requested", []string{"id", "s"}, cmp("gt", "x", 9)},
		{"predicate column also requested", []string{"x", "s", "f"}, cmp("le", "x", 3)},
		{"string equality, unicode", nil, cmp("eq", "s", "日本")},
		{"quoted newlines kept", []string{"s", "id"}, cmp("eq", "s", "multi\nline")},
		{"float with NaN", []string{"id", "f"}, cmp("gt", "f", 3.0)},
		{"two columns, and/or", []string{"s"}, ir.Call("and", cmp("gt", "x", 2), ir.Call("or", cmp("eq", "s", "a"), cmp("le", "f", 1.0)))},
		{"three conjuncts, one column each", []string{"s", "f", "id"}, ir.Call("and", ir.Call("and", cmp("gt", "x", 1), cmp("le", "f", 5.0)), cmp("eq", "s", "a"))},
		{"a later conjunct keeps nothing", []string{"s", "d"}, ir.Call("and", cmp("gt", "x", 1), cmp("eq", "s", "none"))},
		{"no row kept", []string{"id", "s", "f"}, cmp("gt", "x", 100)},
		{"every row kept", []string{"d", "s"}, cmp("le", "x", 100)},
		{"no column requested", []string{}, cmp("gt", "x", 9)},
	}
	attrs := ir.Attrs{"path": path, "parse_dates": []any{"d"}}
	full, err := Sniff(attrs)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modes {
		for _, tc := range cases {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				withChunking(m.target, m.workers, func() {
					want := full
					if tc.cols != nil {
						want = &ir.Schema{}
						for _, c := range tc.cols {
							want.Fields = append(want.Fields, full.Fields[full.Lookup(c)])
						}
					}
					every, err := Read(attrs, full, nil)
					if err != nil {
						t.Fatal(err)
					}
					mask, _ := testMask(tc.pred, every)
					var idx []int
					for i, v := range mask.B {
						if v {
							idx = append(idx, i)
						}
					}
					exp := every.Take(idx)
					sel := &col.Frame{N: exp.N}
					for _, f := range want.Fields {
						sel.Names = append(sel.Names, f.Name)
						sel.Cols = append(sel.Cols, exp.Col(f.Name))
					}
					fa := ir.Attrs{"path": path, "parse_dates": []any{"d"}, "filter": tc.pred}
					got, err := Read(fa, want, nil)
					if err != nil {
						t.Fatal(err)
					}
					if got.N != sel.N {
						t.Fatalf("%d rows, want %d", got.N, sel.N)
					}
					if err := got.Validate(); err != nil { // (the kept rows may hold no null of a nullable column)
						t.Fatal(err)
					}
					if g, w := render(want, got), render(want, sel); g != w {
						t.Fatalf("got  %s\nwant %s", g, w)
					}
				})
			})
		}
	}
}

// TestKeyFilteredRead: a scan with key filters (the joinfilter pass) keeps
// exactly the rows whose key is among the input's keys (or missing), alone
// and with a pushed filter, for every chunking; a key set of more than half
// the rows is not tested (every row kept).
func TestKeyFilteredRead(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,x,s,d\n")
	for i := 0; i < 300; i++ {
		d := fmt.Sprintf("2020-01-%02d", 1+i%28)
		if i%17 == 0 {
			d = ""
		}
		fmt.Fprintf(&b, "%d,%d,w%d,%s\n", i, i%13, i%5, d)
	}
	path := writeCSV(t, b.String())
	old := EvalMask
	EvalMask = testMask
	defer func() { EvalMask = old }()
	attrs := ir.Attrs{"path": path, "parse_dates": []any{"d"}}
	full, err := Sniff(attrs)
	if err != nil {
		t.Fatal(err)
	}
	every, err := Read(attrs, full, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := func(k int) int64 { // the d value of 2020-01-(k+1)
		dc := every.Col("d")
		for i := 0; i < every.N; i++ {
			if dc.IsValid(i) && i%28 == k {
				return dc.I64[i]
			}
		}
		t.Fatal("no such day")
		return 0
	}
	cases := []struct {
		name   string
		column string
		keys   []int64
		null   bool // a missing key among the keys
		pred   *ir.Expr
		all    bool // too many keys: every row kept
	}{
		{"int keys", "x", []int64{2, 5, 99}, false, nil, false},
		{"int keys with a missing one", "x", []int64{0}, true, nil, false},
		{"int keys and a pushed filter", "x", []int64{1, 3, 7}, false, ir.Call("eq", ir.Col("s"), ir.LitString("w1")), false},
		{"no key matches", "x", []int64{-4}, false, nil, false},
		{"datetime keys keep missing dates", "d", []int64{day(0), day(3)}, false, nil, false},
		{"a key per row: not tested", "id", func() []int64 {
			var ks []int64
			for i := range 300 {
				ks = append(ks, int64(i))
			}
			return ks
		}(), false, nil, true},
	}
	for _, m := range modes {
		for _, tc := range cases {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				withChunking(m.target, m.workers, func() {
					kt := full.Fields[full.Lookup(tc.column)].Type
					keys := &col.Column{Type: kt, N: len(tc.keys), I64: append([]int64(nil), tc.keys...)}
					if tc.null {
						keys.I64 = append(keys.I64, 0)
						keys.N++
						keys.Valid = make([]byte, (keys.N+7)/8)
						for i := 0; i < keys.N-1; i++ {
							keys.Valid[i/8] |= 1 << (i % 8)
						}
					}
					in := &col.Frame{N: keys.N, Names: []string{"k"}, Cols: []*col.Column{keys}}
					set := map[int64]bool{}
					for _, k := range tc.keys {
						set[k] = true
					}
					kc := every.Col(tc.column)
					var mask []bool
					if tc.pred != nil {
						m, _ := testMask(tc.pred, every)
						mask = m.B
					}
					var idx []int
					for i := 0; i < every.N; i++ {
						keep := tc.all || !kc.IsValid(i) || set[kc.I64[i]]
						if keep && (mask == nil || mask[i]) {
							idx = append(idx, i)
						}
					}
					exp := every.Take(idx)
					fa := ir.Attrs{"path": path, "parse_dates": []any{"d"}}
					if tc.pred != nil {
						fa["filter"] = tc.pred
					}
					got, err := Read(fa, full, []col.KeyFilter{{Column: tc.column, Keys: col.NewKeySet(in.Col("k"))}})
					if err != nil {
						t.Fatal(err)
					}
					if err := got.Validate(); err != nil {
						t.Fatal(err)
					}
					if g, w := render(full, got), render(full, exp); g != w {
						t.Fatalf("got  %s\nwant %s", g, w)
					}
				})
			})
		}
	}
}

func TestPushedFilterError(t *testing.T) {
	path := writeCSV(t, "a,b\n1,x\n2,y\n")
	old := EvalMask
	defer func() { EvalMask = old }()
	EvalMask = func(*ir.Expr, *col.Frame) (*col.Column, error) { return nil, ir.Errorf("Type", "boom") }
	s, _ := Sniff(ir.Attrs{"path": path})
	if _, err := Read(ir.Attrs{"path": path, "filter": ir.Call("gt", ir.Col("a"), ir.LitInt(1))}, s, nil); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error %v, want the predicate's", err)
	}
	EvalMask = func(_ *ir.Expr, f *col.Frame) (*col.Column, error) { return col.NewInt64(make([]int64, f.N)), nil }
	if _, err := Read(ir.Attrs{"path": path, "filter": ir.Call("gt", ir.Col("a"), ir.LitInt(1))}, s, nil); err == nil || !strings.Contains(err.Error(), "mask") {
		t.Fatalf("error %v, want a mask error", err)
	}
}
