package exec

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// TestWholeAggsMatchInterpreter: mean, var and std of a whole int64 or
// float64 column (a groupby_agg without keys) equal the reference
// interpreter's bit for bit: nulls, NaN, -0.0, one value, none, and columns
// long enough for the parallel sums.
func TestWholeAggsMatchInterpreter(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for _, rows := range []int{0, 1, 2, 7, 129, 70_000, 300_001} {
		for _, kind := range []string{"int", "float", "float-nan", "int-null", "negzero"} {
			t.Run(fmt.Sprintf("%d/%s", rows, kind), func(t *testing.T) {
				var c *col.Column
				switch kind {
				case "int", "int-null":
					v := make([]int64, rows)
					for i := range v {
						v[i] = r.Int63n(5000) - 100
					}
					c = col.NewInt64(v)
					if kind == "int-null" && rows > 0 {
						c.Valid = col.NewBitmap(rows, true)
						for i := 0; i < rows; i += 3 {
							col.SetBit(c.Valid, i, false)
						}
					}
				default:
					v := make([]float64, rows)
					for i := range v {
						v[i] = r.NormFloat64() * 1e3
						if kind == "float-nan" && i%5 == 0 {
							v[i] = math.NaN()
						}
						if kind == "negzero" {
							v[i] = math.Copysign(0, -1)
						}
					}
					c = col.NewFloat64(v)
				}
				src := &col.Frame{N: rows, Names: []string{"x"}, Cols: []*col.Column{c}}
				var aggs []any
				for _, fn := range []string{"mean", "var", "std", "count"} {
					aggs = append(aggs, map[string]any{"col": "x", "fn": fn, "name": fn})
				}
				aggs = append(aggs, map[string]any{"col": "", "fn": "size", "name": "n"})
				n := newNode(t, "groupby_agg", ir.Attrs{"keys": []any{}, "aggs": aggs}, src)
				h, w, gotErr, wantErr := runBoth(t, n, true, src)
				if gotErr != nil || wantErr != nil {
					t.Fatal(gotErr, wantErr)
				}
				for k := range w.Cols {
					if w.Cols[k].Type == ir.Int64 {
						if w.Cols[k].I64[0] != h.Cols[k].I64[0] {
							t.Fatalf("%s: %v native, %v interpreter", w.Names[k], h.Cols[k].I64[0], w.Cols[k].I64[0])
						}
						continue
					}
					x, y := w.Cols[k].F64[0], h.Cols[k].F64[0]
					if math.Float64bits(x) != math.Float64bits(y) && !(math.IsNaN(x) && math.IsNaN(y)) {
						t.Fatalf("%s: %v native, %v interpreter", w.Names[k], y, x)
					}
				}
			})
		}
	}
}
