package parquetio

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// TestKeyFilteredRead reads files of several page layouts with key filters
// (with and without a pushed filter) and wants the rows of a full read whose
// key is among the keys or missing. A key filter may keep rows that do not
// match (when it is not worth testing, or in a row group where it keeps most
// of the dictionary): then the result must still hold every matching row, in
// file order, and only rows of the file; a selective key set must be exact.
func TestKeyFilteredRead(t *testing.T) {
	dir := t.TempDir()
	const n = 3000
	saved := EvalMask
	EvalMask = interp.Eval
	defer func() { EvalMask = saved }()
	variants := map[string][]parquet.WriterProperty{
		"dictionary":    {parquet.WithDictionaryDefault(true)},
		"plain":         {parquet.WithDictionaryDefault(false)},
		"small pages":   {parquet.WithDataPageSize(100)},
		"dict fallback": {parquet.WithDictionaryPageSizeLimit(200), parquet.WithDataPageSize(300)},
	}
	r := rand.New(rand.NewSource(5))
	for name, props := range variants {
		for _, rg := range []int64{0, 250} {
			cols := pageColumns(n, rg+int64(len(name)))
			cols = append(cols, colSpec{"sorted", arrow.PrimitiveTypes.Int64, rowsJSON(n)})
			p := write(t, dir, fmt.Sprintf("%s_%d.parquet", strings.ReplaceAll(name, " ", "_"), rg), cols,
				writeOpts{rowsPerGroup: rg, props: props, required: map[string]bool{"req": true, "freq": true, "sreq": true, "sorted": true}})
			full, all := readAll(t, p)
			for _, key := range []string{"i64", "req", "ts", "sorted"} {
				kc := all.Cols[full.Lookup(key)]
				for _, frac := range []float64{0, 0.01, 0.3, 1} {
					// keys: a fraction of the column's rows' values, values
					// the column lacks, a null
					keys := &col.Column{Type: kc.Type, Valid: []byte{}}
					add := func(v int64, valid bool) {
						if keys.N%8 == 0 {
							keys.Valid = append(keys.Valid, 0)
						}
						if valid {
							keys.Valid[keys.N/8] |= 1 << (keys.N % 8)
						}
						keys.I64 = append(keys.I64, v)
						keys.N++
					}
					for i := range n {
						if kc.IsValid(i) && r.Float64() < frac {
							add(kc.I64[i], true)
						}
					}
					add(-12345, true)
					add(99, false)
					in := &col.Frame{N: keys.N, Names: []string{"key"}, Cols: []*col.Column{keys}}
					set := map[int64]bool{}
					for i := range keys.N {
						if keys.IsValid(i) {
							set[keys.I64[i]] = true
						}
					}
					for _, filter := range []*ir.Expr{nil, ir.Call("ge", ir.Col("req"), ir.LitInt(2))} {
						match := make([]bool, n)
						for i := range n {
							match[i] = !kc.IsValid(i) || set[kc.I64[i]]
							if filter != nil {
								match[i] = match[i] && all.Cols[full.Lookup("req")].I64[i] >= 2
							}
						}
						attrs := ir.Attrs{"path": p}
						if filter != nil {
							filter = filter.Clone()
							if err := frame.TypeExpr(filter, full); err != nil {
								t.Fatal(err)
							}
							attrs["filter"] = filter
						}
						t.Run(fmt.Sprintf("%s/rg=%d/%s/frac=%v/filter=%v", name, rg, key, frac, filter != nil), func(t *testing.T) {
							f, err := Read(attrs, full, []col.KeyFilter{{Column: key, Keys: col.NewKeySet(in.Col("key"))}})
							if err != nil {
								t.Fatal(err)
							}
							if err := f.Validate(); err != nil {
								t.Fatal(err)
							}
							checkSubsequence(t, full, all, f, match, frac <= 0.01)
						})
					}
				}
			}
		}
	}
}

// checkSubsequence wants got's rows to be rows of all in order (every
// column equal), among them every row marked in match; exact: only those.
func checkSubsequence(t *testing.T, s *ir.Schema, all, got *col.Frame, match []bool, exact bool) {
	t.Helper()
	rows := make([][]string, len(s.Fields))
	for k := range s.Fields {
		rows[k] = render(all.Cols[k])
	}
	out := make([][]string, len(s.Fields))
	for k := range s.Fields {
		out[k] = render(got.Cols[k])
	}
	same := func(i, j int) bool {
		for k := range s.Fields {
			if rows[k][i] != out[k][j] {
				return false
			}
		}
		return true
	}
	i, matched, want := 0, 0, 0
	for _, m := range match {
		if m {
			want++
		}
	}
	for j := 0; j < got.N; j++ {
		for i < all.N && (!same(i, j) || false) {
			if match[i] {
				t.Fatalf("row %d matches the keys but is missing (output row %d is a later row)", i, j)
			}
			i++
		}
		if i == all.N {
			t.Fatalf("output row %d is not a row of the file in order", j)
		}
		if match[i] {
			matched++
		}
		i++
	}
	if matched != want {
		t.Fatalf("%d of the %d matching rows in the output", matched, want)
	}
	if exact && got.N != want {
		t.Fatalf("%d rows, want exactly the %d matching", got.N, want)
	}
}

// TestKeySetOrder: a key set goes before the one-column conjuncts when it
// keeps at most keyFirst of the key's values, or less of them than every
// such conjunct keeps of the rows by the file's statistics; otherwise after
// them.
func TestKeySetOrder(t *testing.T) {
	const n = 1000
	p := write(t, t.TempDir(), "order.parquet", []colSpec{
		{"d", arrow.PrimitiveTypes.Int64, rowsJSON(n)},
		{"k", arrow.PrimitiveTypes.Int64, rowsJSON(n)},
	}, writeOpts{rowsPerGroup: 250, required: map[string]bool{"d": true, "k": true}})
	full, _ := readAll(t, p)
	keys := func(m int) *col.KeySet {
		c := &col.Column{Type: ir.Int64, N: m, I64: make([]int64, m)}
		for i := range m {
			c.I64[i] = int64(i * (n / m))
		}
		return col.NewKeySet(c)
	}
	lt := func(v int64) *ir.Expr { return ir.Call("lt", ir.Col("d"), ir.LitInt(v)) }
	tests := []struct {
		name     string
		filter   *ir.Expr
		keys     int  // keys of k's 1000 values
		keyFirst bool // the key set is tested first
	}{
		{"few keys", lt(500), 40, true},                                         // 4% <= keyFirst
		{"keys under the range", lt(500), 200, true},                            // 20% < 50%
		{"range under the keys", lt(100), 200, false},                           // 20% > 10%
		{"unjudged test", ir.Call("ne", ir.Col("d"), ir.LitInt(3)), 200, false}, // no estimate: after it
	}
	o, err := open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	fi, err := info(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter.Clone()
			if err := frame.TypeExpr(f, full); err != nil {
				t.Fatal(err)
			}
			fp, err := newFilterPlan(o, fi, f, []col.KeyFilter{{Column: "k", Keys: keys(tc.keys)}})
			if err != nil {
				t.Fatal(err)
			}
			if len(fp.conjs) != 2 {
				t.Fatalf("%d conjuncts, want 2", len(fp.conjs))
			}
			if got := fp.conjs[0].keys != nil; got != tc.keyFirst {
				t.Fatalf("key set first = %v, want %v", got, tc.keyFirst)
			}
		})
	}
}
