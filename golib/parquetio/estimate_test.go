package parquetio

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/flern/flern/golib/ir"
)

// TestRangeFraction estimates range tests over bigColumns' file (i = 7r-100
// for r in [0, 200): i spans [-100, 1293]; t = r ms, null where r%3 == 1:
// [0, 198] ms; f = r/4, null where r%5 == 3: [0, 49.75]) from its ten row
// groups' statistics.
func TestRangeFraction(t *testing.T) {
	p := write(t, t.TempDir(), "est.parquet", bigColumns(200), writeOpts{rowsPerGroup: 20})
	col, lit, c := ir.Col, ir.LitInt, ir.Call
	us := func(v int64) *ir.Expr { return &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.DatetimeUS, I: v}} }
	const span = 1393.0
	cases := []struct {
		name  string
		conjs []*ir.Expr
		want  float64
		ok    bool
	}{
		{"i >= 600", []*ir.Expr{c("ge", col("i"), lit(600))}, 693 / span, true},
		{"i < 110", []*ir.Expr{c("lt", col("i"), lit(110))}, 210 / span, true},
		{"literal first: 110 > i", []*ir.Expr{c("gt", lit(110), col("i"))}, 210 / span, true},
		{"interval", []*ir.Expr{c("ge", col("i"), lit(600)), c("lt", col("i"), lit(700))}, 100 / span, true},
		{"bound past the max keeps all", []*ir.Expr{c("le", col("i"), lit(5000))}, 1, true},
		{"empty interval", []*ir.Expr{c("gt", col("i"), lit(700)), c("lt", col("i"), lit(600))}, 0, true},
		{"no value passes", []*ir.Expr{c("gt", col("i"), lit(1_000_000))}, 0, true},
		{"float column, float literal", []*ir.Expr{c("lt", col("f"), ir.LitFloat(24.75))}, 24.75 / 49.75, true},
		{"datetime[us] literal", []*ir.Expr{c("le", col("t"), us(15000))}, 15.0 / 198, true},
		{"NaN literal", []*ir.Expr{c("lt", col("f"), ir.LitFloat(math.NaN()))}, 0, false},
		{"two columns", []*ir.Expr{c("ge", col("i"), lit(600)), c("lt", col("f"), ir.LitFloat(3))}, 0, false},
		{"eq is not a range", []*ir.Expr{c("eq", col("i"), lit(600))}, 0, false},
		{"column against column", []*ir.Expr{c("lt", col("i"), col("ni"))}, 0, false},
		{"strings", []*ir.Expr{c("lt", col("s"), ir.LitString("5"))}, 0, false},
		{"unknown column", []*ir.Expr{c("lt", col("nope"), lit(1))}, 0, false},
		{"none", nil, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := RangeFraction(ir.Attrs{"path": p}, tc.conjs)
			if ok != tc.ok || (ok && math.Abs(got-tc.want) > 1e-9) {
				t.Errorf("RangeFraction = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestRangeFractionWithoutStatistics gives no estimate for a file written
// without statistics, nor for a missing file.
func TestRangeFractionWithoutStatistics(t *testing.T) {
	p := write(t, t.TempDir(), "ns.parquet", []colSpec{{"v", arrow.PrimitiveTypes.Int64, `[1, 2, 3, 4, 5]`}},
		writeOpts{rowsPerGroup: 2, props: []parquet.WriterProperty{parquet.WithStats(false)}})
	lt := []*ir.Expr{ir.Call("lt", ir.Col("v"), ir.LitInt(3))}
	for _, path := range []string{p, p + ".missing"} {
		if got, ok := RangeFraction(ir.Attrs{"path": path}, lt); ok {
			t.Errorf("%s: estimate %v without statistics", path, got)
		}
	}
}
