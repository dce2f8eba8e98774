package parquetio

import (
	"math"
	"testing"

	"github.com/flern/flern/golib/ir"
)

// TestStatsFilter reads a file of ten row groups with a stats_filter: the
// row groups whose statistics rule the predicate out are skipped, and no
// row that satisfies it is lost. Rows are bigColumns' (row r: i = 7r-100,
// ni = r or null, f = r/4 or null, t = r ms or null), 20 per group.
func TestStatsFilter(t *testing.T) {
	const n, per = 200, 20
	p := write(t, t.TempDir(), "stats.parquet", bigColumns(n), writeOpts{rowsPerGroup: per})
	col := ir.Col
	lit := ir.LitInt
	us := func(v int64) *ir.Expr { return &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.DatetimeUS, I: v}} }
	ns := func(v int64) *ir.Expr { return &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.DatetimeNS, I: v}} }
	c := ir.Call
	cases := []struct {
		name  string
		pred  *ir.Expr
		match func(r int) bool
		rows  int // rows read; -1: not checked
	}{
		{"i >= 600", c("ge", col("i"), lit(600)), func(r int) bool { return 7*r-100 >= 600 }, 100},
		{"i < 110", c("lt", col("i"), lit(110)), func(r int) bool { return 7*r-100 < 110 }, 40},
		{"i > 110", c("gt", col("i"), lit(110)), func(r int) bool { return 7*r-100 > 110 }, 180},
		{"i <= 30", c("le", col("i"), lit(30)), func(r int) bool { return 7*r-100 <= 30 }, 20},
		{"i == 215", c("eq", col("i"), lit(215)), func(r int) bool { return 7*r-100 == 215 }, 20},
		{"literal first: 10 > ni", c("gt", lit(10), col("ni")), func(r int) bool { return r%5 != 3 && r < 10 }, 20},
		{"float32 f >= 45.0", c("ge", col("f"), ir.LitFloat(45)), func(r int) bool { return r%5 != 3 && r >= 180 }, 20},
		{"int column, float literal", c("eq", col("i"), ir.LitFloat(215.5)), func(r int) bool { return false }, -1},
		{"NaN literal rules nothing out", c("lt", col("f"), ir.LitFloat(math.NaN())), func(r int) bool { return false }, 200},
		{"datetime[us] literal", c("le", col("t"), us(15000)), func(r int) bool { return r%3 != 1 && r <= 15 }, 20},
		{"datetime[ns] literal", c("gt", col("t"), ns(185_000_000)), func(r int) bool { return r%3 != 1 && r > 185 }, 20},
		{"and", c("and", c("ge", col("i"), lit(600)), c("lt", col("i"), lit(700))), func(r int) bool { return r >= 100 && r < 115 }, 20},
		{"strings", c("eq", col("s"), ir.LitString("55")), func(r int) bool { return r == 55 }, -1},
		{"no match at all", c("gt", col("i"), lit(1_000_000)), func(r int) bool { return false }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := ir.Attrs{"path": p, "stats_filter": tc.pred}
			s, err := Sniff(a)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Read(a, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Validate(); err != nil {
				t.Fatal(err)
			}
			if tc.rows >= 0 && f.N != tc.rows {
				t.Errorf("read %d rows, want %d", f.N, tc.rows)
			}
			if f.N%per != 0 {
				t.Errorf("read %d rows: not whole row groups", f.N)
			}
			read := map[int]bool{}
			for k := 0; k < f.N; k++ {
				read[int(f.Cols[0].I64[k]+100)/7] = true
			}
			for r := 0; r < n; r++ {
				if tc.match(r) && !read[r] {
					t.Errorf("row %d matches but its row group was skipped", r)
				}
			}
			// A count-only read skips the same groups.
			cnt, err := Read(a, &ir.Schema{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cnt.N != f.N {
				t.Errorf("count-only read has %d rows, want %d", cnt.N, f.N)
			}
		})
	}
}
