package exec

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// TestColumnCodes: the memoized numbers of a short-string column follow
// first occurrences across morsels (nulls numbered too), a second request
// reads the memo, distinct gives shortDistinct's rows, and a join probing
// the column gets the same key ids with the memo as without.
func TestColumnCodes(t *testing.T) {
	oldMin, oldMorsel := codesMinRows, morselRows
	t.Cleanup(func() { codesMinRows, morselRows = oldMin, oldMorsel })
	codesMinRows, morselRows = 10, 97
	r := rand.New(rand.NewSource(6))
	words := []string{"ATL", "ORD", "", "日本", "SFO", "ABCDEFGH", "A", "é"}
	for _, tc := range []struct {
		rows, kinds int
		nulls       float64
		long        bool // a value over 8 bytes: no codes
	}{{1000, 3, 0, false}, {5000, 8, 0.1, false}, {300, 8, 1, false}, {2000, 5, 0.05, true}} {
		t.Run(fmt.Sprintf("%d rows %d kinds nulls %.2f long %v", tc.rows, tc.kinds, tc.nulls, tc.long), func(t *testing.T) {
			b := col.NewStringBuilder(tc.rows)
			for i := 0; i < tc.rows; i++ {
				switch {
				case r.Float64() < tc.nulls:
					b.AppendNull()
				case tc.long && i == tc.rows/2:
					b.Append("LONGER THAN 8")
				default:
					b.Append(words[r.Intn(tc.kinds)])
				}
			}
			cl := b.Finish()
			cc, ok, err := columnCodes(&Ctx{}, nil, cl)
			if err != nil || ok == tc.long {
				t.Fatalf("ok %v err %v", ok, err)
			}
			want, wok, _ := shortDistinct(&Ctx{}, nil, cl, tc.rows)
			if tc.long {
				if wok || memoCodes(cl) != nil {
					t.Fatal("memoized a column with a long value")
				}
				return
			}
			if !slices.Equal(cc.first, want) {
				t.Fatalf("first rows %v, shortDistinct %v", cc.first, want)
			}
			key := func(i int) string {
				if !cl.IsValid(i) {
					return "\\x00null"
				}
				return cl.Str(i)
			}
			for i, k := range cc.codes {
				if key(int(cc.first[k])) != key(i) {
					t.Fatalf("row %d (%q) numbered %d, whose first row holds %q", i, key(i), k, key(int(cc.first[k])))
				}
			}
			if again, _, _ := columnCodes(&Ctx{}, nil, cl); again != cc {
				t.Fatal("not read from the memo")
			}
			// a build side of a few of the words (and a null): ids with and without the memo
			bb := col.NewStringBuilder(4)
			bb.Append("ORD")
			bb.AppendNull()
			bb.Append("日本")
			bb.Append("ZZZ")
			build := bb.Finish()
			_, pgMemo, _, ok1, err1 := shortKeyIDs(&Ctx{}, nil, build, cl, 4, tc.rows)
			codesMemo.Lock()
			saved := codesMemo.m
			codesMemo.m = map[weakKey]*colCodes{}
			codesMemo.Unlock()
			_, pgPlain, _, ok2, err2 := shortKeyIDs(&Ctx{}, nil, build, cl, 4, tc.rows)
			codesMemo.Lock()
			codesMemo.m = saved
			codesMemo.Unlock()
			if !ok1 || !ok2 || err1 != nil || err2 != nil || !slices.Equal(pgMemo, pgPlain) {
				t.Fatalf("probe ids differ with the memo (%v %v %v %v)", ok1, ok2, err1, err2)
			}
			// category_code read through the memo equals the interpreter's,
			// repeated and absent categories included
			f := &col.Frame{N: tc.rows, Names: []string{"s"}, Cols: []*col.Column{cl}}
			e := ir.Call("category_code", ir.Col("s"), ir.LitString("ORD"), ir.LitString("日本"), ir.LitString("ORD"), ir.LitString("XYZ"), ir.LitString(""))
			if err := frame.TypeExpr(e, frameSchemaOf(f)); err != nil {
				t.Fatal(err)
			}
			got, ok, _ := memoValueExpr(&Ctx{}, nil, e, f)
			want2, err := interp.Eval(e, f)
			if !ok || err != nil || !slices.Equal(got.I64, want2.I64) {
				t.Fatalf("category_code through the memo (ok %v err %v) differs from the interpreter's", ok, err)
			}
		})
	}
}

// TestMemoValueExpr: a row-local call over one string column with memoized
// numbers (values over 8 bytes, nulls) evaluated once per number and
// gathered equals the interpreter's evaluation row by row (ints, bools,
// strings, category codes); a call that raises for some value is not
// taken (the row-by-row evaluation raises), nor is one of two columns.
func TestMemoValueExpr(t *testing.T) {
	oldMin, oldMorsel := codesMinRows, morselRows
	t.Cleanup(func() { codesMinRows, morselRows = oldMin, oldMorsel })
	codesMinRows, morselRows = 10, 97
	r := rand.New(rand.NewSource(8))
	dates := []string{"1970-01-01", "1982-01-01", "1976-01-01", "", "19", "日本-1999-07"}
	withOpts := func(e *ir.Expr, kv ...any) *ir.Expr {
		e.Opts = map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			e.Opts[kv[i].(string)] = kv[i+1]
		}
		return e
	}
	slice4 := func() *ir.Expr {
		return withOpts(ir.Call("str_slice", ir.Col("s")), "start", int64(0), "stop", int64(4))
	}
	year := func() *ir.Expr {
		return ir.Call("sub", withOpts(ir.Call("cast", slice4()), "dtype", "int64"), ir.LitInt(1900))
	}
	for _, tc := range []struct {
		name  string
		kinds int
		nulls float64
		e     func() *ir.Expr
		taken bool
	}{
		{"year", 3, 0, year, true},
		{"year of a bad value", 5, 0, year, false},
		{"slice with nulls", 6, 0.1, slice4, true},
		{"upper", 6, 0.1, func() *ir.Expr { return ir.Call("str_upper", ir.Col("s")) }, true},
		{"eq", 6, 0.1, func() *ir.Expr { return ir.Call("eq", ir.Col("s"), ir.LitString("1982-01-01")) }, true},
		{"isna", 6, 0.1, func() *ir.Expr { return ir.Call("isna", ir.Col("s")) }, true},
		{"category_code", 6, 0.1, func() *ir.Expr {
			return ir.Call("category_code", ir.Col("s"), ir.LitString("1982-01-01"), ir.LitString(""), ir.LitString("XYZ"))
		}, true},
		{"two columns", 3, 0, func() *ir.Expr { return ir.Call("eq", ir.Col("s"), ir.Col("u")) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := 1000
			b, u := col.NewStringBuilder(rows), col.NewStringBuilder(rows)
			for i := 0; i < rows; i++ {
				u.Append("1970-01-01")
				if r.Float64() < tc.nulls {
					b.AppendNull()
					continue
				}
				b.Append(dates[r.Intn(tc.kinds)])
			}
			cl := b.Finish()
			codes, first := make([]int32, rows), []int32(nil)
			seen := map[string]int32{}
			for i := 0; i < rows; i++ {
				key := "v" + cl.Str(i)
				if !cl.IsValid(i) {
					key = "null"
				}
				k, ok := seen[key]
				if !ok {
					k = int32(len(first))
					seen[key] = k
					first = append(first, int32(i))
				}
				codes[i] = k
			}
			MemoizeCodes(cl, codes, first)
			f := &col.Frame{N: rows, Names: []string{"s", "u"}, Cols: []*col.Column{cl, u.Finish()}}
			e := tc.e()
			if err := frame.TypeExpr(e, frameSchemaOf(f)); err != nil {
				t.Fatal(err)
			}
			got, ok, err := memoValueExpr(&Ctx{}, nil, e, f)
			if err != nil || ok != tc.taken {
				t.Fatalf("ok %v err %v, want taken %v", ok, err, tc.taken)
			}
			want, werr := interp.Eval(e, f)
			if !ok {
				if tc.name == "year of a bad value" && werr == nil {
					t.Fatal("the interpreter does not raise")
				}
				return
			}
			if werr != nil {
				t.Fatal(werr)
			}
			if got.Type != want.Type {
				t.Fatalf("type %s, the interpreter's %s", got.Type, want.Type)
			}
			if d := colDiff(got, want, 0); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestGatherCodes: a gathered column's numbers carried from its source's
// (rows dropped -- values vanishing with them --, repeated, reordered) equal
// numbering the gathered strings afresh.
func TestGatherCodes(t *testing.T) {
	oldMin, oldMorsel := codesMinRows, morselRows
	t.Cleanup(func() { codesMinRows, morselRows = oldMin, oldMorsel })
	codesMinRows, morselRows = 10, 97
	r := rand.New(rand.NewSource(9))
	words := []string{"ATL", "ORD", "", "日本", "SFO", "ABCDEFGH", "A", "é"}
	for _, kind := range []string{"keep most", "drop values", "reorder"} {
		t.Run(kind, func(t *testing.T) {
			rows := 3000
			b := col.NewStringBuilder(rows)
			for i := 0; i < rows; i++ {
				if r.Intn(20) == 0 {
					b.AppendNull()
				} else {
					b.Append(words[r.Intn(len(words))])
				}
			}
			cl := b.Finish()
			if _, ok, err := columnCodes(&Ctx{}, nil, cl); !ok || err != nil {
				t.Fatal(ok, err)
			}
			var idx []int32
			for i := 0; i < rows; i++ {
				switch {
				case kind == "keep most" && r.Intn(30) != 0:
					idx = append(idx, int32(i))
				case kind == "drop values" && (cl.IsValid(i) && cl.Str(i) != "ATL" && cl.Str(i) != "SFO"):
					idx = append(idx, int32(i))
				case kind == "reorder":
					idx = append(idx, int32(r.Intn(rows)))
				}
			}
			g, err := gather(&Ctx{}, nil, cl, idx, cl.Type)
			if err != nil {
				t.Fatal(err)
			}
			if err := gatherCodes(&Ctx{}, nil, cl, g, idx); err != nil {
				t.Fatal(err)
			}
			got := memoCodes(g)
			if got == nil {
				t.Fatal("not memoized")
			}
			want, ok, err := computeCodes(&Ctx{}, nil, g)
			if !ok || err != nil {
				t.Fatal(ok, err)
			}
			if !slices.Equal(got.codes, want.codes) || !slices.Equal(got.first, want.first) {
				t.Fatalf("first %v, numbering afresh %v", got.first, want.first)
			}
		})
	}
}
