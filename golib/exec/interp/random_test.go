package interp

import (
	"reflect"
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestSample(t *testing.T) { rxRunCases(t, sampleCases) }

func TestMT19937MatchesNumpy(t *testing.T) {
	for _, tc := range mtCases {
		m := newMT19937(tc.seed)
		for i, want := range tc.raw {
			if got := m.next32(); got != want {
				t.Errorf("seed %d: draw %d = %d, want %d", tc.seed, i, got, want)
			}
		}
		m = newMT19937(tc.seed)
		for i, want := range tc.r40 {
			if got := m.interval(1 << 40); got != want {
				t.Errorf("seed %d: interval(2**40) draw %d = %d, want %d", tc.seed, i, got, want)
			}
		}
		m = newMT19937(tc.seed)
		for i, want := range tc.r64 {
			if got := m.interval(1<<64 - 2); got != want {
				t.Errorf("seed %d: interval(2**64-2) draw %d = %d, want %d", tc.seed, i, got, want)
			}
		}
		for n, want := range tc.perm {
			got := newMT19937(tc.seed).permutation(n)
			if !reflect.DeepEqual(got, append([]int{}, want...)) {
				t.Errorf("seed %d: permutation(%d) = %v, want %v", tc.seed, n, got, want)
			}
		}
		p := newMT19937(tc.seed).permutation(1000)
		if !reflect.DeepEqual(p[:12], tc.perm1000) {
			t.Errorf("seed %d: permutation(1000)[:12] = %v, want %v", tc.seed, p[:12], tc.perm1000)
		}
		sum := 0
		for i, v := range p {
			sum += (i + 1) * v
		}
		if sum != tc.sum1000 {
			t.Errorf("seed %d: permutation(1000) checksum %d, want %d", tc.seed, sum, tc.sum1000)
		}
	}
}

func TestSampleTrainSplit1000(t *testing.T) {
	x := make([]any, 1000)
	for i := range x {
		x[i] = i
	}
	df := rxBuild(t, rxFrame{cols: []rxCol{{"x", ir.Int64, x}}})
	train, err := rxRun(t, "sample", ir.Attrs{"frac": 0.8, "seed": 0.0}, df)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != trainLen1000 || !reflect.DeepEqual(train.Index[0].I64[:10], trainIdx1000) {
		t.Fatalf("train has %d rows starting %v, want %d starting %v", train.N, train.Index[0].I64[:10], trainLen1000, trainIdx1000)
	}
	test, err := rxRun(t, "drop_rows", ir.Attrs{}, df, train)
	if err != nil {
		t.Fatal(err)
	}
	if test.N != 1000-trainLen1000 {
		t.Fatalf("test has %d rows", test.N)
	}
	for i := 1; i < test.N; i++ {
		if test.Index[0].I64[i] <= test.Index[0].I64[i-1] {
			t.Fatalf("test rows out of order: %v", test.Index[0].I64)
		}
	}
}

func TestSampleUnseeded(t *testing.T) {
	x := make([]any, 50)
	for i := range x {
		x[i] = i
	}
	df := rxBuild(t, rxFrame{cols: []rxCol{{"x", ir.Int64, x}}})
	got, err := rxRun(t, "sample", ir.Attrs{"n": 20.0}, df)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for i := 0; i < got.N; i++ {
		v := got.Cols[0].I64[i]
		if seen[v] || v < 0 || v >= 50 || got.Index[0].I64[i] != v {
			t.Fatalf("bad unseeded sample %v", got.Cols[0].I64)
		}
		seen[v] = true
	}
	if got.N != 20 {
		t.Fatalf("got %d rows, want 20", got.N)
	}
}

// sampleCases was generated from pandas 3.1.1 / numpy 2.4.6 results by a script
// (each case's want, or err, is what pandas returned or raised).
var sampleCases = []rxCase{
	{name: "rows=0 seed=0 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=0 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=0 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=0 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=0 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=0 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}}, err: "a must be greater than 0 unless no samples are taken"},
	{name: "rows=0 seed=0 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}}, err: "a must be greater than 0 unless no samples are taken"},
	{name: "rows=0 seed=1 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=1 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=1 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=1 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=1 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=1 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}}, err: "a must be greater than 0 unless no samples are taken"},
	{name: "rows=0 seed=1 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}}, err: "a must be greater than 0 unless no samples are taken"},
	{name: "rows=0 seed=42 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=42 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=42 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=42 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=42 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=42 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}}, err: "a must be greater than 0 unless no samples are taken"},
	{name: "rows=0 seed=42 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}}, err: "a must be greater than 0 unless no samples are taken"},
	{name: "rows=0 seed=4294967295 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=4294967295 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=4294967295 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=4294967295 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=4294967295 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=0 seed=4294967295 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}}, err: "a must be greater than 0 unless no samples are taken"},
	{name: "rows=0 seed=4294967295 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Float64, []any{}}, {"s", ir.String, []any{}}}}}, err: "a must be greater than 0 unless no samples are taken"},
	{name: "rows=1 seed=0 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=0 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=0 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=0 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=0 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=0 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=0 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "rows=1 seed=1 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=1 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=1 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=1 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=1 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=1 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=1 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "rows=1 seed=42 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=42 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=42 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=42 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=42 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=42 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=42 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "rows=1 seed=4294967295 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=4294967295 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=4294967295 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=4294967295 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=4294967295 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=1 seed=4294967295 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=1 seed=4294967295 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "rows=2 seed=0 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 0}}, {"s", ir.String, []any{"r1", "r0"}}}, index: []rxCol{{"", ir.Int64, []any{1, 0}}}}},
	{name: "rows=2 seed=0 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1}}, {"s", ir.String, []any{"r1"}}}, index: []rxCol{{"", ir.Int64, []any{1}}}}},
	{name: "rows=2 seed=0 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 0}}, {"s", ir.String, []any{"r1", "r0"}}}, index: []rxCol{{"", ir.Int64, []any{1, 0}}}}},
	{name: "rows=2 seed=0 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=2 seed=0 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=2 seed=0 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1}}, {"s", ir.String, []any{"r1"}}}, index: []rxCol{{"", ir.Int64, []any{1}}}}},
	{name: "rows=2 seed=0 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "rows=2 seed=1 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}, index: []rxCol{{"", ir.Int64, []any{0, 1}}}}},
	{name: "rows=2 seed=1 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=2 seed=1 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}, index: []rxCol{{"", ir.Int64, []any{0, 1}}}}},
	{name: "rows=2 seed=1 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=2 seed=1 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=2 seed=1 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=2 seed=1 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "rows=2 seed=42 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 0}}, {"s", ir.String, []any{"r1", "r0"}}}, index: []rxCol{{"", ir.Int64, []any{1, 0}}}}},
	{name: "rows=2 seed=42 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1}}, {"s", ir.String, []any{"r1"}}}, index: []rxCol{{"", ir.Int64, []any{1}}}}},
	{name: "rows=2 seed=42 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 0}}, {"s", ir.String, []any{"r1", "r0"}}}, index: []rxCol{{"", ir.Int64, []any{1, 0}}}}},
	{name: "rows=2 seed=42 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=2 seed=42 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=2 seed=42 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1}}, {"s", ir.String, []any{"r1"}}}, index: []rxCol{{"", ir.Int64, []any{1}}}}},
	{name: "rows=2 seed=42 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "rows=2 seed=4294967295 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}, index: []rxCol{{"", ir.Int64, []any{0, 1}}}}},
	{name: "rows=2 seed=4294967295 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=2 seed=4294967295 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}, index: []rxCol{{"", ir.Int64, []any{0, 1}}}}},
	{name: "rows=2 seed=4294967295 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=2 seed=4294967295 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=2 seed=4294967295 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0}}, {"s", ir.String, []any{"r0"}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "rows=2 seed=4294967295 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1}}, {"s", ir.String, []any{"r0", "r1"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "rows=10 seed=0 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 8, 4, 9, 1, 6, 7, 3}}, {"s", ir.String, []any{"r2", "r8", "r4", "r9", "r1", "r6", "r7", "r3"}}}, index: []rxCol{{"", ir.Int64, []any{2, 8, 4, 9, 1, 6, 7, 3}}}}},
	{name: "rows=10 seed=0 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 8, 4, 9, 1}}, {"s", ir.String, []any{"r2", "r8", "r4", "r9", "r1"}}}, index: []rxCol{{"", ir.Int64, []any{2, 8, 4, 9, 1}}}}},
	{name: "rows=10 seed=0 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 8, 4, 9, 1, 6, 7, 3, 0, 5}}, {"s", ir.String, []any{"r2", "r8", "r4", "r9", "r1", "r6", "r7", "r3", "r0", "r5"}}}, index: []rxCol{{"", ir.Int64, []any{2, 8, 4, 9, 1, 6, 7, 3, 0, 5}}}}},
	{name: "rows=10 seed=0 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=10 seed=0 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=10 seed=0 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2}}, {"s", ir.String, []any{"r2"}}}, index: []rxCol{{"", ir.Int64, []any{2}}}}},
	{name: "rows=10 seed=0 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 8, 4}}, {"s", ir.String, []any{"r2", "r8", "r4"}}}, index: []rxCol{{"", ir.Int64, []any{2, 8, 4}}}}},
	{name: "rows=10 seed=1 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 9, 6, 4, 0, 3, 1, 7}}, {"s", ir.String, []any{"r2", "r9", "r6", "r4", "r0", "r3", "r1", "r7"}}}, index: []rxCol{{"", ir.Int64, []any{2, 9, 6, 4, 0, 3, 1, 7}}}}},
	{name: "rows=10 seed=1 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 9, 6, 4, 0}}, {"s", ir.String, []any{"r2", "r9", "r6", "r4", "r0"}}}, index: []rxCol{{"", ir.Int64, []any{2, 9, 6, 4, 0}}}}},
	{name: "rows=10 seed=1 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 9, 6, 4, 0, 3, 1, 7, 8, 5}}, {"s", ir.String, []any{"r2", "r9", "r6", "r4", "r0", "r3", "r1", "r7", "r8", "r5"}}}, index: []rxCol{{"", ir.Int64, []any{2, 9, 6, 4, 0, 3, 1, 7, 8, 5}}}}},
	{name: "rows=10 seed=1 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=10 seed=1 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=10 seed=1 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2}}, {"s", ir.String, []any{"r2"}}}, index: []rxCol{{"", ir.Int64, []any{2}}}}},
	{name: "rows=10 seed=1 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 9, 6}}, {"s", ir.String, []any{"r2", "r9", "r6"}}}, index: []rxCol{{"", ir.Int64, []any{2, 9, 6}}}}},
	{name: "rows=10 seed=42 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{8, 1, 5, 0, 7, 2, 9, 4}}, {"s", ir.String, []any{"r8", "r1", "r5", "r0", "r7", "r2", "r9", "r4"}}}, index: []rxCol{{"", ir.Int64, []any{8, 1, 5, 0, 7, 2, 9, 4}}}}},
	{name: "rows=10 seed=42 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{8, 1, 5, 0, 7}}, {"s", ir.String, []any{"r8", "r1", "r5", "r0", "r7"}}}, index: []rxCol{{"", ir.Int64, []any{8, 1, 5, 0, 7}}}}},
	{name: "rows=10 seed=42 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{8, 1, 5, 0, 7, 2, 9, 4, 3, 6}}, {"s", ir.String, []any{"r8", "r1", "r5", "r0", "r7", "r2", "r9", "r4", "r3", "r6"}}}, index: []rxCol{{"", ir.Int64, []any{8, 1, 5, 0, 7, 2, 9, 4, 3, 6}}}}},
	{name: "rows=10 seed=42 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=10 seed=42 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=10 seed=42 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{8}}, {"s", ir.String, []any{"r8"}}}, index: []rxCol{{"", ir.Int64, []any{8}}}}},
	{name: "rows=10 seed=42 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{8, 1, 5}}, {"s", ir.String, []any{"r8", "r1", "r5"}}}, index: []rxCol{{"", ir.Int64, []any{8, 1, 5}}}}},
	{name: "rows=10 seed=4294967295 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{6, 9, 5, 1, 8, 0, 7, 4}}, {"s", ir.String, []any{"r6", "r9", "r5", "r1", "r8", "r0", "r7", "r4"}}}, index: []rxCol{{"", ir.Int64, []any{6, 9, 5, 1, 8, 0, 7, 4}}}}},
	{name: "rows=10 seed=4294967295 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{6, 9, 5, 1, 8}}, {"s", ir.String, []any{"r6", "r9", "r5", "r1", "r8"}}}, index: []rxCol{{"", ir.Int64, []any{6, 9, 5, 1, 8}}}}},
	{name: "rows=10 seed=4294967295 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{6, 9, 5, 1, 8, 0, 7, 4, 2, 3}}, {"s", ir.String, []any{"r6", "r9", "r5", "r1", "r8", "r0", "r7", "r4", "r2", "r3"}}}, index: []rxCol{{"", ir.Int64, []any{6, 9, 5, 1, 8, 0, 7, 4, 2, 3}}}}},
	{name: "rows=10 seed=4294967295 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=10 seed=4294967295 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=10 seed=4294967295 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{6}}, {"s", ir.String, []any{"r6"}}}, index: []rxCol{{"", ir.Int64, []any{6}}}}},
	{name: "rows=10 seed=4294967295 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{6, 9, 5}}, {"s", ir.String, []any{"r6", "r9", "r5"}}}, index: []rxCol{{"", ir.Int64, []any{6, 9, 5}}}}},
	{name: "rows=37 seed=0 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{22, 20, 16, 10, 31, 28, 15, 11, 2, 25, 30, 32, 36, 34, 29, 33, 8, 13, 5, 17, 14, 7, 27, 1, 12, 26, 24, 6, 23, 4}}, {"s", ir.String, []any{"r22", "r20", "r16", "r10", "r31", "r28", "r15", "r11", "r2", "r25", "r30", "r32", "r36", "r34", "r29", "r33", "r8", "r13", "r5", "r17", "r14", "r7", "r27", "r1", "r12", "r26", "r24", "r6", "r23", "r4"}}}, index: []rxCol{{"", ir.Int64, []any{22, 20, 16, 10, 31, 28, 15, 11, 2, 25, 30, 32, 36, 34, 29, 33, 8, 13, 5, 17, 14, 7, 27, 1, 12, 26, 24, 6, 23, 4}}}}},
	{name: "rows=37 seed=0 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{22, 20, 16, 10, 31, 28, 15, 11, 2, 25, 30, 32, 36, 34, 29, 33, 8, 13}}, {"s", ir.String, []any{"r22", "r20", "r16", "r10", "r31", "r28", "r15", "r11", "r2", "r25", "r30", "r32", "r36", "r34", "r29", "r33", "r8", "r13"}}}, index: []rxCol{{"", ir.Int64, []any{22, 20, 16, 10, 31, 28, 15, 11, 2, 25, 30, 32, 36, 34, 29, 33, 8, 13}}}}},
	{name: "rows=37 seed=0 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{22, 20, 16, 10, 31, 28, 15, 11, 2, 25, 30, 32, 36, 34, 29, 33, 8, 13, 5, 17, 14, 7, 27, 1, 12, 26, 24, 6, 23, 4, 18, 21, 19, 9, 35, 3, 0}}, {"s", ir.String, []any{"r22", "r20", "r16", "r10", "r31", "r28", "r15", "r11", "r2", "r25", "r30", "r32", "r36", "r34", "r29", "r33", "r8", "r13", "r5", "r17", "r14", "r7", "r27", "r1", "r12", "r26", "r24", "r6", "r23", "r4", "r18", "r21", "r19", "r9", "r35", "r3", "r0"}}}, index: []rxCol{{"", ir.Int64, []any{22, 20, 16, 10, 31, 28, 15, 11, 2, 25, 30, 32, 36, 34, 29, 33, 8, 13, 5, 17, 14, 7, 27, 1, 12, 26, 24, 6, 23, 4, 18, 21, 19, 9, 35, 3, 0}}}}},
	{name: "rows=37 seed=0 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=37 seed=0 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=37 seed=0 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{22}}, {"s", ir.String, []any{"r22"}}}, index: []rxCol{{"", ir.Int64, []any{22}}}}},
	{name: "rows=37 seed=0 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 0.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{22, 20, 16}}, {"s", ir.String, []any{"r22", "r20", "r16"}}}, index: []rxCol{{"", ir.Int64, []any{22, 20, 16}}}}},
	{name: "rows=37 seed=1 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 29, 3, 22, 25, 27, 21, 35, 19, 24, 30, 17, 28, 34, 31, 26, 4, 14, 10, 33, 23, 32, 20, 18, 6, 13, 7, 36, 1, 16}}, {"s", ir.String, []any{"r2", "r29", "r3", "r22", "r25", "r27", "r21", "r35", "r19", "r24", "r30", "r17", "r28", "r34", "r31", "r26", "r4", "r14", "r10", "r33", "r23", "r32", "r20", "r18", "r6", "r13", "r7", "r36", "r1", "r16"}}}, index: []rxCol{{"", ir.Int64, []any{2, 29, 3, 22, 25, 27, 21, 35, 19, 24, 30, 17, 28, 34, 31, 26, 4, 14, 10, 33, 23, 32, 20, 18, 6, 13, 7, 36, 1, 16}}}}},
	{name: "rows=37 seed=1 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 29, 3, 22, 25, 27, 21, 35, 19, 24, 30, 17, 28, 34, 31, 26, 4, 14}}, {"s", ir.String, []any{"r2", "r29", "r3", "r22", "r25", "r27", "r21", "r35", "r19", "r24", "r30", "r17", "r28", "r34", "r31", "r26", "r4", "r14"}}}, index: []rxCol{{"", ir.Int64, []any{2, 29, 3, 22, 25, 27, 21, 35, 19, 24, 30, 17, 28, 34, 31, 26, 4, 14}}}}},
	{name: "rows=37 seed=1 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 29, 3, 22, 25, 27, 21, 35, 19, 24, 30, 17, 28, 34, 31, 26, 4, 14, 10, 33, 23, 32, 20, 18, 6, 13, 7, 36, 1, 16, 0, 15, 5, 11, 9, 8, 12}}, {"s", ir.String, []any{"r2", "r29", "r3", "r22", "r25", "r27", "r21", "r35", "r19", "r24", "r30", "r17", "r28", "r34", "r31", "r26", "r4", "r14", "r10", "r33", "r23", "r32", "r20", "r18", "r6", "r13", "r7", "r36", "r1", "r16", "r0", "r15", "r5", "r11", "r9", "r8", "r12"}}}, index: []rxCol{{"", ir.Int64, []any{2, 29, 3, 22, 25, 27, 21, 35, 19, 24, 30, 17, 28, 34, 31, 26, 4, 14, 10, 33, 23, 32, 20, 18, 6, 13, 7, 36, 1, 16, 0, 15, 5, 11, 9, 8, 12}}}}},
	{name: "rows=37 seed=1 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=37 seed=1 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=37 seed=1 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2}}, {"s", ir.String, []any{"r2"}}}, index: []rxCol{{"", ir.Int64, []any{2}}}}},
	{name: "rows=37 seed=1 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{2, 29, 3}}, {"s", ir.String, []any{"r2", "r29", "r3"}}}, index: []rxCol{{"", ir.Int64, []any{2, 29, 3}}}}},
	{name: "rows=37 seed=42 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{17, 13, 4, 29, 35, 25, 6, 26, 24, 16, 8, 15, 12, 32, 9, 19, 0, 31, 5, 11, 1, 27, 21, 2, 36, 34, 3, 33, 23, 30}}, {"s", ir.String, []any{"r17", "r13", "r4", "r29", "r35", "r25", "r6", "r26", "r24", "r16", "r8", "r15", "r12", "r32", "r9", "r19", "r0", "r31", "r5", "r11", "r1", "r27", "r21", "r2", "r36", "r34", "r3", "r33", "r23", "r30"}}}, index: []rxCol{{"", ir.Int64, []any{17, 13, 4, 29, 35, 25, 6, 26, 24, 16, 8, 15, 12, 32, 9, 19, 0, 31, 5, 11, 1, 27, 21, 2, 36, 34, 3, 33, 23, 30}}}}},
	{name: "rows=37 seed=42 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{17, 13, 4, 29, 35, 25, 6, 26, 24, 16, 8, 15, 12, 32, 9, 19, 0, 31}}, {"s", ir.String, []any{"r17", "r13", "r4", "r29", "r35", "r25", "r6", "r26", "r24", "r16", "r8", "r15", "r12", "r32", "r9", "r19", "r0", "r31"}}}, index: []rxCol{{"", ir.Int64, []any{17, 13, 4, 29, 35, 25, 6, 26, 24, 16, 8, 15, 12, 32, 9, 19, 0, 31}}}}},
	{name: "rows=37 seed=42 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{17, 13, 4, 29, 35, 25, 6, 26, 24, 16, 8, 15, 12, 32, 9, 19, 0, 31, 5, 11, 1, 27, 21, 2, 36, 34, 3, 33, 23, 30, 10, 22, 18, 20, 7, 14, 28}}, {"s", ir.String, []any{"r17", "r13", "r4", "r29", "r35", "r25", "r6", "r26", "r24", "r16", "r8", "r15", "r12", "r32", "r9", "r19", "r0", "r31", "r5", "r11", "r1", "r27", "r21", "r2", "r36", "r34", "r3", "r33", "r23", "r30", "r10", "r22", "r18", "r20", "r7", "r14", "r28"}}}, index: []rxCol{{"", ir.Int64, []any{17, 13, 4, 29, 35, 25, 6, 26, 24, 16, 8, 15, 12, 32, 9, 19, 0, 31, 5, 11, 1, 27, 21, 2, 36, 34, 3, 33, 23, 30, 10, 22, 18, 20, 7, 14, 28}}}}},
	{name: "rows=37 seed=42 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=37 seed=42 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=37 seed=42 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{17}}, {"s", ir.String, []any{"r17"}}}, index: []rxCol{{"", ir.Int64, []any{17}}}}},
	{name: "rows=37 seed=42 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 42.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{17, 13, 4}}, {"s", ir.String, []any{"r17", "r13", "r4"}}}, index: []rxCol{{"", ir.Int64, []any{17, 13, 4}}}}},
	{name: "rows=37 seed=4294967295 frac=0.8", op: "sample", attrs: ir.Attrs{"frac": 0.8, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{15, 2, 23, 20, 17, 31, 21, 24, 3, 30, 16, 1, 6, 8, 33, 28, 4, 36, 19, 9, 5, 14, 13, 10, 29, 11, 18, 27, 32, 25}}, {"s", ir.String, []any{"r15", "r2", "r23", "r20", "r17", "r31", "r21", "r24", "r3", "r30", "r16", "r1", "r6", "r8", "r33", "r28", "r4", "r36", "r19", "r9", "r5", "r14", "r13", "r10", "r29", "r11", "r18", "r27", "r32", "r25"}}}, index: []rxCol{{"", ir.Int64, []any{15, 2, 23, 20, 17, 31, 21, 24, 3, 30, 16, 1, 6, 8, 33, 28, 4, 36, 19, 9, 5, 14, 13, 10, 29, 11, 18, 27, 32, 25}}}}},
	{name: "rows=37 seed=4294967295 frac=0.5", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{15, 2, 23, 20, 17, 31, 21, 24, 3, 30, 16, 1, 6, 8, 33, 28, 4, 36}}, {"s", ir.String, []any{"r15", "r2", "r23", "r20", "r17", "r31", "r21", "r24", "r3", "r30", "r16", "r1", "r6", "r8", "r33", "r28", "r4", "r36"}}}, index: []rxCol{{"", ir.Int64, []any{15, 2, 23, 20, 17, 31, 21, 24, 3, 30, 16, 1, 6, 8, 33, 28, 4, 36}}}}},
	{name: "rows=37 seed=4294967295 frac=1.0", op: "sample", attrs: ir.Attrs{"frac": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{15, 2, 23, 20, 17, 31, 21, 24, 3, 30, 16, 1, 6, 8, 33, 28, 4, 36, 19, 9, 5, 14, 13, 10, 29, 11, 18, 27, 32, 25, 26, 22, 0, 7, 12, 34, 35}}, {"s", ir.String, []any{"r15", "r2", "r23", "r20", "r17", "r31", "r21", "r24", "r3", "r30", "r16", "r1", "r6", "r8", "r33", "r28", "r4", "r36", "r19", "r9", "r5", "r14", "r13", "r10", "r29", "r11", "r18", "r27", "r32", "r25", "r26", "r22", "r0", "r7", "r12", "r34", "r35"}}}, index: []rxCol{{"", ir.Int64, []any{15, 2, 23, 20, 17, 31, 21, 24, 3, 30, 16, 1, 6, 8, 33, 28, 4, 36, 19, 9, 5, 14, 13, 10, 29, 11, 18, 27, 32, 25, 26, 22, 0, 7, 12, 34, 35}}}}},
	{name: "rows=37 seed=4294967295 frac=0.0", op: "sample", attrs: ir.Attrs{"frac": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=37 seed=4294967295 n=0", op: "sample", attrs: ir.Attrs{"n": 0.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "rows=37 seed=4294967295 n=1", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{15}}, {"s", ir.String, []any{"r15"}}}, index: []rxCol{{"", ir.Int64, []any{15}}}}},
	{name: "rows=37 seed=4294967295 n=3", op: "sample", attrs: ir.Attrs{"n": 3.0, "seed": 4294967295.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}}, {"s", ir.String, []any{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{15, 2, 23}}, {"s", ir.String, []any{"r15", "r2", "r23"}}}, index: []rxCol{{"", ir.Int64, []any{15, 2, 23}}}}},
	{name: "labels kept", op: "sample", attrs: ir.Attrs{"frac": 0.6, "seed": 3.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{4, 5, 2}}}, index: []rxCol{{"k", ir.String, []any{"d", "e", "b"}}}}},
	{name: "frac half rounds to even", op: "sample", attrs: ir.Attrs{"frac": 0.5, "seed": 3.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{4, 5}}}, index: []rxCol{{"k", ir.String, []any{"d", "e"}}}}},
	{name: "frac 0.7 of 5", op: "sample", attrs: ir.Attrs{"frac": 0.7, "seed": 3.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{4, 5, 2, 1}}}, index: []rxCol{{"k", ir.String, []any{"d", "e", "b", "a"}}}}},
	{name: "default n=1", op: "sample", attrs: ir.Attrs{"seed": 5.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{5}}}, index: []rxCol{{"k", ir.String, []any{"e"}}}}},
	{name: "too many", op: "sample", attrs: ir.Attrs{"n": 6.0, "seed": 5.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}}, err: "Cannot take a larger sample than population when 'replace=False'"},
	{name: "frac > 1", op: "sample", attrs: ir.Attrs{"frac": 1.5, "seed": 5.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}}, err: "Replace has to be set to `True` when upsampling the population `frac` > 1."},
	{name: "negative n", op: "sample", attrs: ir.Attrs{"n": -1.0, "seed": 5.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}}, err: "A negative number of rows requested. Please provide `n` >= 0."},
	{name: "n and frac", op: "sample", attrs: ir.Attrs{"n": 1.0, "frac": 0.5, "seed": 5.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}}, err: "Please enter a value for `frac` OR `n`, not both"},
	{name: "bad seed", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": 4294967296.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}}, err: "Seed must be between 0 and 2**32 - 1"},
	{name: "negative seed", op: "sample", attrs: ir.Attrs{"n": 1.0, "seed": -1.0}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4, 5}}}, index: []rxCol{{"k", ir.String, []any{"a", "b", "c", "d", "e"}}}}}, err: "Seed must be between 0 and 2**32 - 1"},
}

// mtCases were produced by numpy 2.4.6's legacy RandomState(seed):
// raw: randint(0, 2**32, size=5, dtype=np.uint64) (raw next_uint32 draws);
// r40: randint(0, 2**40+1, size=5, dtype=np.int64) (64-bit masked draws);
// r64: randint(0, 2**64-1, size=3, dtype=np.uint64);
// perm: permutation(n) for small n; perm1000: its first 12 entries and
// sum((i+1)*p[i]) for permutation(1000).
var mtCases = []struct {
	seed     uint32
	raw      []uint32
	r40      []uint64
	r64      []uint64
	perm     map[int][]int
	perm1000 []int
	sum1000  int
}{
	{seed: 0, raw: []uint32{2357136044, 2546248239, 3071714933, 3626093760, 2588848963}, r40: []uint64{741280623151, 506137267392, 841157541223, 41332891347, 300891291096}, r64: []uint64{10123822223749065263, 13192915183495924928, 11119021634053362427},
		perm:     map[int][]int{0: {}, 1: {0}, 2: {1, 0}, 3: {2, 1, 0}, 10: {2, 8, 4, 9, 1, 6, 7, 3, 0, 5}, 17: {1, 6, 8, 9, 13, 4, 2, 14, 10, 7, 16, 11, 3, 0, 5, 15, 12}},
		perm1000: []int{993, 859, 298, 553, 672, 971, 27, 231, 306, 706, 496, 558}, sum1000: 248372140},
	{seed: 1, raw: []uint32{1791095845, 4282876139, 3093770124, 4005303368, 491263}, r40: []uint64{163196666091, 1095766950793, 876169207429, 620178591873, 1020783786492}, r64: []uint64{7692698082559361259, 13287641507927168072, 2109959069025161},
		perm:     map[int][]int{0: {}, 1: {0}, 2: {0, 1}, 3: {0, 2, 1}, 10: {2, 9, 6, 4, 0, 3, 1, 7, 8, 5}, 17: {3, 13, 7, 2, 6, 10, 4, 1, 14, 0, 16, 15, 9, 8, 12, 11, 5}},
		perm1000: []int{507, 818, 452, 368, 242, 929, 262, 810, 318, 49, 446, 142}, sum1000: 250494799},
	{seed: 42, raw: []uint32{1608637542, 3421126067, 4083286876, 787846414, 3143890026}, r40: []uint64{441507790259, 458615280711, 810017303572, 440001501305, 375095422324}, r64: []uint64{6909045637428952499, 17537583593393853710, 13502904847239337031},
		perm:     map[int][]int{0: {}, 1: {0}, 2: {1, 0}, 3: {0, 1, 2}, 10: {8, 1, 5, 0, 7, 2, 9, 4, 3, 6}, 17: {0, 1, 5, 15, 11, 14, 8, 13, 2, 9, 16, 4, 7, 10, 12, 3, 6}},
		perm1000: []int{521, 737, 740, 660, 411, 678, 626, 513, 859, 136, 811, 76}, sum1000: 251874299},
	{seed: 12345, raw: []uint32{3992670690, 3823185381, 1358822685, 561383553, 789925284}, r40: []uint64{128661371649, 508790099313, 452577545307, 1061522527606, 897185784690}, r64: []uint64{17148390041070939621, 5836098993699293313, 3392703261234277801},
		perm:     map[int][]int{0: {}, 1: {0}, 2: {1, 0}, 3: {0, 1, 2}, 10: {0, 7, 3, 9, 6, 4, 1, 8, 5, 2}, 17: {12, 0, 11, 10, 7, 3, 8, 6, 14, 16, 15, 9, 4, 1, 13, 5, 2}},
		perm1000: []int{144, 833, 270, 468, 962, 186, 942, 516, 286, 458, 890, 957}, sum1000: 247866174},
	{seed: 2147483648, raw: []uint32{652847386, 1439962116, 3524204305, 1548966947, 3330739781}, r40: []uint64{297049606665, 774810410397, 216579571582, 326599229557, 46598951815}, r64: []uint64{2803958173589050372, 15136342235946376227, 14305418431578065417},
		perm:     map[int][]int{0: {}, 1: {0}, 2: {1, 0}, 3: {1, 0, 2}, 10: {7, 0, 2, 6, 9, 8, 5, 3, 1, 4}, 17: {7, 11, 8, 15, 14, 0, 6, 10, 13, 12, 2, 16, 9, 5, 3, 1, 4}},
		perm1000: []int{428, 832, 386, 938, 304, 360, 909, 961, 378, 570, 593, 526}, sum1000: 248462318},
	{seed: 4294967295, raw: []uint32{419326371, 479346978, 3918654476, 2416749639, 3388880820}, r40: []uint64{53956357191, 922432766458, 547627168379, 1042369230955, 116697488525}, r64: []uint64{1800993050274709794, 16830492821160766535, 14555132294202195520},
		perm:     map[int][]int{0: {}, 1: {0}, 2: {0, 1}, 3: {1, 0, 2}, 10: {6, 9, 5, 1, 8, 0, 7, 4, 2, 3}, 17: {8, 1, 5, 14, 10, 15, 16, 13, 11, 9, 6, 0, 4, 7, 12, 2, 3}},
		perm1000: []int{94, 405, 819, 632, 217, 169, 449, 275, 165, 828, 959, 475}, sum1000: 250435292},
}

// trainIdx1000 is pandas' df.sample(frac=0.8, random_state=0).index[:10] for a 1000-row df.
var trainIdx1000 = []int64{993, 859, 298, 553, 672, 971, 27, 231, 306, 706}
var trainLen1000 = 800

// TestSampleFromState: attribute state (a numpy RandomState's MT19937 key
// and position, as the front end passes for random_state=None or a
// RandomState object) continues the generator exactly where it stands.
func TestSampleFromState(t *testing.T) {
	stateOf := func(m *mt19937) map[string]any {
		key := make([]any, len(m.key))
		for i, w := range m.key {
			key[i] = float64(w)
		}
		return map[string]any{"key": key, "pos": float64(m.pos)}
	}
	m := newMT19937(7)
	for i := 0; i < 700; i++ { // past one regeneration, mid-block
		m.next32()
	}
	st := stateOf(m)
	c, err := mtFromState(st)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.permutation(97), m.permutation(97); !reflect.DeepEqual(got, want) {
		t.Fatalf("permutation from state = %v, want %v", got, want)
	}

	x := make([]any, 40)
	for i := range x {
		x[i] = i
	}
	df := rxBuild(t, rxFrame{cols: []rxCol{{"x", ir.Int64, x}}})
	bySeed, err := rxRun(t, "sample", ir.Attrs{"frac": 0.5, "seed": 3.0}, df)
	if err != nil {
		t.Fatal(err)
	}
	byState, err := rxRun(t, "sample", ir.Attrs{"frac": 0.5, "state": stateOf(newMT19937(3))}, df)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(bySeed.Index[0].I64, byState.Index[0].I64) {
		t.Fatalf("sample by state %v, by seed %v", byState.Index[0].I64, bySeed.Index[0].I64)
	}

	short := map[string]any{"key": []any{1.0, 2.0}, "pos": 0.0}
	badPos := stateOf(newMT19937(1))
	badPos["pos"] = 625.0
	badWord := stateOf(newMT19937(1))
	badWord["key"].([]any)[5] = -1.0
	for _, bad := range []map[string]any{short, badPos, badWord} {
		if _, err := rxRun(t, "sample", ir.Attrs{"n": 1.0, "state": bad}, df); err == nil {
			t.Errorf("state %v accepted", bad["pos"])
		}
	}
}
