package interp

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestGetDummies(t *testing.T) { rxRunCases(t, dummiesCases) }

func TestGetDummiesErrors(t *testing.T) {
	f := rxBuild(t, rxFrame{cols: []rxCol{{"s", ir.String, []any{"a", "b"}}}})
	for _, tc := range []struct {
		attrs ir.Attrs
		err   string
	}{
		{ir.Attrs{"dtype": "str"}, "not a valid dtype"},
		{ir.Attrs{"dtype": "bogus"}, "not a valid dtype"},
		{ir.Attrs{"columns": []any{"nope"}}, "not found"},
	} {
		if _, err := rxRun(t, "get_dummies", tc.attrs, f); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%v: got error %v, want %q", tc.attrs, err, tc.err)
		}
	}
}

// dummiesCases was generated from pandas 3.1.1 / numpy 2.4.6 results by a script
// (each case's want, or err, is what pandas returned or raised).
var dummiesCases = []rxCase{
	{name: "default", op: "get_dummies", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"s", ir.String, []any{"b", "a", nil, "b"}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"t", ir.String, []any{"é", "z", "Z", "日本"}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}, {"s_a", ir.Bool, []any{false, true, false, false}}, {"s_b", ir.Bool, []any{true, false, false, true}}, {"t_Z", ir.Bool, []any{false, false, true, false}}, {"t_z", ir.Bool, []any{false, true, false, false}}, {"t_é", ir.Bool, []any{true, false, false, false}}, {"t_日本", ir.Bool, []any{false, false, false, true}}}}},
	{name: "listed columns order", op: "get_dummies", attrs: ir.Attrs{"columns": []any{"t", "x"}, "prefix_sep": "/", "dtype": "int64", "drop_first": true}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"s", ir.String, []any{"b", "a", nil, "b"}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"t", ir.String, []any{"é", "z", "Z", "日本"}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}}}},
		want: rxFrame{cols: []rxCol{{"s", ir.String, []any{"b", "a", nil, "b"}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}, {"t/z", ir.Int64, []any{0, 1, 0, 0}}, {"t/é", ir.Int64, []any{1, 0, 0, 0}}, {"t/日本", ir.Int64, []any{0, 0, 0, 1}}, {"x/2", ir.Int64, []any{0, 1, 0, 0}}, {"x/3", ir.Int64, []any{0, 0, 1, 0}}, {"x/4", ir.Int64, []any{0, 0, 0, 1}}}}},
	{name: "float column", op: "get_dummies", attrs: ir.Attrs{"columns": []any{"y"}, "dtype": "float64"}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"s", ir.String, []any{"b", "a", nil, "b"}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"t", ir.String, []any{"é", "z", "Z", "日本"}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"s", ir.String, []any{"b", "a", nil, "b"}}, {"t", ir.String, []any{"é", "z", "Z", "日本"}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}, {"y_-0.0", ir.Float64, []any{0.0, 1.0, 0.0, 1.0}}, {"y_1.5", ir.Float64, []any{1.0, 0.0, 0.0, 0.0}}}}},
	{name: "bool column", op: "get_dummies", attrs: ir.Attrs{"columns": []any{"bb", "n"}}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"s", ir.String, []any{"b", "a", nil, "b"}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"t", ir.String, []any{"é", "z", "Z", "日本"}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"s", ir.String, []any{"b", "a", nil, "b"}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"t", ir.String, []any{"é", "z", "Z", "日本"}}, {"bb_False", ir.Bool, []any{false, true, false, false}}, {"bb_True", ir.Bool, []any{true, false, true, true}}, {"n_-9223372036854775808", ir.Bool, []any{false, true, false, false}}, {"n_0", ir.Bool, []any{false, false, true, true}}, {"n_9223372036854775807", ir.Bool, []any{true, false, false, false}}}}},
	{name: "drop_first one level", op: "get_dummies", attrs: ir.Attrs{"drop_first": true}, in: []rxFrame{{cols: []rxCol{{"s", ir.String, []any{"a", "a"}}, {"v", ir.Int64, []any{1, 2}}}}},
		want: rxFrame{cols: []rxCol{{"v", ir.Int64, []any{1, 2}}}}},
	{name: "empty frame", op: "get_dummies", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}, {"y", ir.Float64, []any{}}, {"t", ir.String, []any{}}, {"bb", ir.Bool, []any{}}, {"n", ir.Int64, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"y", ir.Float64, []any{}}, {"bb", ir.Bool, []any{}}, {"n", ir.Int64, []any{}}}}},
	{name: "no string columns", op: "get_dummies", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}}}},
	{name: "all null", op: "get_dummies", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"s", ir.String, []any{nil, nil}}, {"v", ir.Int64, []any{1, 2}}}}},
		want: rxFrame{cols: []rxCol{{"v", ir.Int64, []any{1, 2}}}}},
	{name: "labels kept", op: "get_dummies", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"s", ir.String, []any{"q", "p"}}}, index: []rxCol{{"id", ir.Int64, []any{5, 9}}}}},
		want: rxFrame{cols: []rxCol{{"s_p", ir.Bool, []any{false, true}}, {"s_q", ir.Bool, []any{true, false}}}, index: []rxCol{{"id", ir.Int64, []any{5, 9}}}}},
	{name: "object bool encoded by default", op: "get_dummies", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"b", ir.Bool, []any{true, nil, false}}, {"v", ir.Int64, []any{1, 2, 3}}}}},
		want: rxFrame{cols: []rxCol{{"v", ir.Int64, []any{1, 2, 3}}, {"b_False", ir.Bool, []any{false, false, true}}, {"b_True", ir.Bool, []any{true, false, false}}}}},
	{name: "datetime values", op: "get_dummies", attrs: ir.Attrs{"columns": []any{"d"}}, in: []rxFrame{{cols: []rxCol{{"d", ir.DatetimeUS, []any{1577836800000000, 1577836800500000, nil, -1}}}}},
		want: rxFrame{cols: []rxCol{{"d_1969-12-31 23:59:59.999999", ir.Bool, []any{false, false, false, true}}, {"d_2020-01-01 00:00:00", ir.Bool, []any{true, false, false, false}}, {"d_2020-01-01 00:00:00.500000", ir.Bool, []any{false, true, false, false}}}}},
	{name: "empty sep", op: "get_dummies", attrs: ir.Attrs{"columns": []any{"s"}, "prefix_sep": ""}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"s", ir.String, []any{"b", "a", nil, "b"}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"t", ir.String, []any{"é", "z", "Z", "日本"}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{1, 2, 3, 4}}, {"y", ir.Float64, []any{1.5, negZero, nan, 0.0}}, {"t", ir.String, []any{"é", "z", "Z", "日本"}}, {"bb", ir.Bool, []any{true, false, true, true}}, {"n", ir.Int64, []any{9223372036854775807, -9223372036854775808, 0, 0}}, {"sa", ir.Bool, []any{false, true, false, false}}, {"sb", ir.Bool, []any{true, false, false, true}}}}},
}

// TestGetDummiesSchemaOnly: schema_only gives every case's columns, names
// and types, with no rows (index levels too).
func TestGetDummiesSchemaOnly(t *testing.T) {
	for _, tc := range dummiesCases {
		if tc.err != "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			attrs := ir.Attrs{"schema_only": true}
			for k, v := range tc.attrs {
				attrs[k] = v
			}
			full, err := rxRun(t, "get_dummies", tc.attrs, rxBuild(t, tc.in[0]))
			if err != nil {
				t.Fatal(err)
			}
			empty, err := rxRun(t, "get_dummies", attrs, rxBuild(t, tc.in[0]))
			if err != nil {
				t.Fatal(err)
			}
			if empty.N != 0 || strings.Join(empty.Names, "|") != strings.Join(full.Names, "|") || len(empty.Index) != len(full.Index) {
				t.Fatalf("schema_only: %d rows, names %v index %d; full: names %v index %d", empty.N, empty.Names, len(empty.Index), full.Names, len(full.Index))
			}
			for i, c := range empty.Cols {
				if c.N != 0 || c.Type != full.Cols[i].Type {
					t.Errorf("column %q: %d rows of %s, want 0 of %s", empty.Names[i], c.N, c.Type, full.Cols[i].Type)
				}
			}
			for i, c := range empty.Index {
				if c.N != 0 || c.Type != full.Index[i].Type {
					t.Errorf("index %d: %d rows of %s", i, c.N, c.Type)
				}
			}
		})
	}
}
