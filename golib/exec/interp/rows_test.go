package interp

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
)

func TestRows(t *testing.T) { rxRunCases(t, rowsCases) }

func TestDropRowsMultiIndex(t *testing.T) {
	f := rxBuild(t, rxFrame{cols: []rxCol{{"v", ir.Int64, []any{1}}},
		index: []rxCol{{"a", ir.Int64, []any{1}}, {"b", ir.Int64, []any{2}}}})
	if _, err := rxRun(t, "drop_rows", ir.Attrs{}, f, f); err == nil || !strings.Contains(err.Error(), "MultiIndex") {
		t.Fatalf("got %v, want a NotImplemented error", err)
	}
}

func TestQuotePy(t *testing.T) {
	// Python's repr() of each string.
	for s, want := range map[string]string{
		"a":      `'a'`,
		"it's":   `"it's"`,
		`a'b"c`:  `'a\'b"c'`,
		"é日本":    `'é日本'`,
		"t\tn\n": `'t\tn\n'`,
		`back\`:  `'back\\'`,
		"\x00":   `'\x00'`,
		"\u00a0": `'\xa0'`,
		"\u200b": `'\u200b'`,
	} {
		if got := quotePy(s); got != want {
			t.Errorf("quotePy(%q) = %s, want %s", s, got, want)
		}
	}
}

// rowsCases was generated from pandas 3.1.1 / numpy 2.4.6 results by a script
// (each case's want, or err, is what pandas returned or raised).
var rowsCases = []rxCase{
	{name: "slice None:3", op: "slice", attrs: ir.Attrs{"stop": 3.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3}}, {"s", ir.String, []any{"v", "w", nil}}}, index: []rxCol{{"", ir.Int64, []any{0, 1, 2}}}}},
	{name: "slice labels None:3", op: "slice", attrs: ir.Attrs{"stop": 3.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3}}, {"s", ir.String, []any{"v", "w", nil}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r"}}}}},
	{name: "slice -2:None", op: "slice", attrs: ir.Attrs{"start": -2.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{4, 5}}, {"s", ir.String, []any{"y", "z"}}}, index: []rxCol{{"", ir.Int64, []any{3, 4}}}}},
	{name: "slice labels -2:None", op: "slice", attrs: ir.Attrs{"start": -2.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{4, 5}}, {"s", ir.String, []any{"y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"s", "t"}}}}},
	{name: "slice 1:3", op: "slice", attrs: ir.Attrs{"start": 1.0, "stop": 3.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{2, 3}}, {"s", ir.String, []any{"w", nil}}}, index: []rxCol{{"", ir.Int64, []any{1, 2}}}}},
	{name: "slice labels 1:3", op: "slice", attrs: ir.Attrs{"start": 1.0, "stop": 3.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{2, 3}}, {"s", ir.String, []any{"w", nil}}}, index: []rxCol{{"id", ir.String, []any{"q", "r"}}}}},
	{name: "slice 3:1", op: "slice", attrs: ir.Attrs{"start": 3.0, "stop": 1.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "slice labels 3:1", op: "slice", attrs: ir.Attrs{"start": 3.0, "stop": 1.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"id", ir.String, []any{}}}}},
	{name: "slice -10:10", op: "slice", attrs: ir.Attrs{"start": -10.0, "stop": 10.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"", ir.Int64, []any{0, 1, 2, 3, 4}}}}},
	{name: "slice labels -10:10", op: "slice", attrs: ir.Attrs{"start": -10.0, "stop": 10.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
	{name: "slice None:None", op: "slice", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"", ir.Int64, []any{0, 1, 2, 3, 4}}}}},
	{name: "slice labels None:None", op: "slice", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
	{name: "slice 2:-1", op: "slice", attrs: ir.Attrs{"start": 2.0, "stop": -1.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{3, 4}}, {"s", ir.String, []any{nil, "y"}}}, index: []rxCol{{"", ir.Int64, []any{2, 3}}}}},
	{name: "slice labels 2:-1", op: "slice", attrs: ir.Attrs{"start": 2.0, "stop": -1.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{3, 4}}, {"s", ir.String, []any{nil, "y"}}}, index: []rxCol{{"id", ir.String, []any{"r", "s"}}}}},
	{name: "slice 10:None", op: "slice", attrs: ir.Attrs{"start": 10.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "slice labels 10:None", op: "slice", attrs: ir.Attrs{"start": 10.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"id", ir.String, []any{}}}}},
	{name: "slice -1:-3", op: "slice", attrs: ir.Attrs{"start": -1.0, "stop": -3.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "slice labels -1:-3", op: "slice", attrs: ir.Attrs{"start": -1.0, "stop": -3.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"id", ir.String, []any{}}}}},
	{name: "slice 0:0", op: "slice", attrs: ir.Attrs{"start": 0.0, "stop": 0.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "slice labels 0:0", op: "slice", attrs: ir.Attrs{"start": 0.0, "stop": 0.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"id", ir.String, []any{}}}}},
	{name: "slice None:-10", op: "slice", attrs: ir.Attrs{"stop": -10.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "slice labels None:-10", op: "slice", attrs: ir.Attrs{"stop": -10.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"id", ir.String, []any{}}}}},
	{name: "slice None:None:2", op: "slice", attrs: ir.Attrs{"step": 2.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 3, 5}}, {"s", ir.String, []any{"v", nil, "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "r", "t"}}}}},
	{name: "slice None:None:-1", op: "slice", attrs: ir.Attrs{"step": -1.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{5, 4, 3, 2, 1}}, {"s", ir.String, []any{"z", "y", nil, "w", "v"}}}, index: []rxCol{{"id", ir.String, []any{"t", "s", "r", "q", "p"}}}}},
	{name: "slice 4:0:-2", op: "slice", attrs: ir.Attrs{"step": -2.0, "start": 4.0, "stop": 0.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{5, 3}}, {"s", ir.String, []any{"z", nil}}}, index: []rxCol{{"id", ir.String, []any{"t", "r"}}}}},
	{name: "slice -1:None:-3", op: "slice", attrs: ir.Attrs{"step": -3.0, "start": -1.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{5, 2}}, {"s", ir.String, []any{"z", "w"}}}, index: []rxCol{{"id", ir.String, []any{"t", "q"}}}}},
	{name: "slice 1:100:3", op: "slice", attrs: ir.Attrs{"step": 3.0, "start": 1.0, "stop": 100.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{2, 5}}, {"s", ir.String, []any{"w", "z"}}}, index: []rxCol{{"id", ir.String, []any{"q", "t"}}}}},
	{name: "slice null bounds", op: "slice", attrs: ir.Attrs{"start": nil, "stop": nil}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"", ir.Int64, []any{0, 1, 2, 3, 4}}}}},
	{name: "slice empty", op: "slice", attrs: ir.Attrs{"stop": 3.0}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "train test split", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}}}, {cols: []rxCol{{"x", ir.Int64, []any{2, 8, 4, 9, 1, 6, 7, 3}}, {"s", ir.String, []any{"c", "i", "e", "j", "b", "g", "h", "d"}}}, index: []rxCol{{"", ir.Int64, []any{2, 8, 4, 9, 1, 6, 7, 3}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0, 5}}, {"s", ir.String, []any{"a", "f"}}}, index: []rxCol{{"", ir.Int64, []any{0, 5}}}}},
	{name: "drop nothing", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}}}, {cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}}, index: []rxCol{{"", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}}}},
	{name: "drop all", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}}}, {cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}}}},
		want: rxFrame{cols: []rxCol{{"x", ir.Int64, []any{}}, {"s", ir.String, []any{}}}, index: []rxCol{{"", ir.Int64, []any{}}}}},
	{name: "missing labels", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"x", ir.Int64, []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, {"s", ir.String, []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}}}, {cols: []rxCol{{"y", ir.Int64, []any{1, 2, 3}}}, index: []rxCol{{"", ir.Int64, []any{5, 11, -1}}}}}, err: "[11, -1] not found in axis"},
	{name: "missing labels dup axis", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"y", ir.Int64, []any{1, 2, 3}}}, index: []rxCol{{"", ir.Int64, []any{1, 1, 2}}}}, {cols: []rxCol{{"z", ir.Int64, []any{0, 0, 0}}}, index: []rxCol{{"", ir.Int64, []any{5, 1, 7}}}}}, err: "[5 1 7] not found in axis"},
	{name: "dup axis labels", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"y", ir.Int64, []any{1, 2, 3}}}, index: []rxCol{{"", ir.Int64, []any{1, 1, 2}}}}, {cols: []rxCol{{"z", ir.Int64, []any{0, 0}}}, index: []rxCol{{"", ir.Int64, []any{1, 1}}}}},
		want: rxFrame{cols: []rxCol{{"y", ir.Int64, []any{3}}}, index: []rxCol{{"", ir.Int64, []any{2}}}}},
	{name: "string labels", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}, {cols: []rxCol{{"a", ir.Int64, []any{4, 1}}, {"s", ir.String, []any{"y", "v"}}}, index: []rxCol{{"id", ir.String, []any{"s", "p"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{2, 3, 5}}, {"s", ir.String, []any{"w", nil, "z"}}}, index: []rxCol{{"id", ir.String, []any{"q", "r", "t"}}}}},
	{name: "string labels missing", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}, {cols: []rxCol{{"z", ir.Int64, []any{0, 0, 0}}}, index: []rxCol{{"", ir.String, []any{"q", "é", "it's"}}}}}, err: "['é', \"it's\"] not found in axis"},
	{name: "null string label", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"y", ir.Int64, []any{1, 2, 3}}}, index: []rxCol{{"", ir.String, []any{"a", nil, "b"}}}}, {cols: []rxCol{{"z", ir.Int64, []any{0}}}, index: []rxCol{{"", ir.String, []any{nil}}}}},
		want: rxFrame{cols: []rxCol{{"y", ir.Int64, []any{1, 3}}}, index: []rxCol{{"", ir.String, []any{"a", "b"}}}}},
	{name: "float labels nan", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"y", ir.Int64, []any{1, 2, 3}}}, index: []rxCol{{"", ir.Float64, []any{1.0, nan, 2.0}}}}, {cols: []rxCol{{"z", ir.Int64, []any{0, 0}}}, index: []rxCol{{"", ir.Float64, []any{nan, 2.0}}}}},
		want: rxFrame{cols: []rxCol{{"y", ir.Int64, []any{1}}}, index: []rxCol{{"", ir.Float64, []any{1.0}}}}},
	{name: "float labels on int axis", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"y", ir.Int64, []any{1, 2, 3}}}, index: []rxCol{{"", ir.Int64, []any{1, 2, 3}}}}, {cols: []rxCol{{"z", ir.Int64, []any{0}}}, index: []rxCol{{"", ir.Float64, []any{2.0}}}}},
		want: rxFrame{cols: []rxCol{{"y", ir.Int64, []any{1, 3}}}, index: []rxCol{{"", ir.Int64, []any{1, 3}}}}},
	{name: "int64 extremes", op: "drop_rows", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"y", ir.Int64, []any{1, 2, 3}}}, index: []rxCol{{"", ir.Int64, []any{-9223372036854775808, 0, 9223372036854775807}}}}, {cols: []rxCol{{"z", ir.Int64, []any{0, 0}}}, index: []rxCol{{"", ir.Int64, []any{9223372036854775807, -9223372036854775808}}}}},
		want: rxFrame{cols: []rxCol{{"y", ir.Int64, []any{2}}}, index: []rxCol{{"", ir.Int64, []any{0}}}}},
	{name: "set_index one", op: "set_index", attrs: ir.Attrs{"keys": []any{"b"}}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{3, 1, 2}}, {"b", ir.String, []any{"x", nil, "é"}}, {"c", ir.Float64, []any{1.5, nan, 2.5}}}, index: []rxCol{{"", ir.Int64, []any{7, 8, 9}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{3, 1, 2}}, {"c", ir.Float64, []any{1.5, nan, 2.5}}}, index: []rxCol{{"b", ir.String, []any{"x", nil, "é"}}}}},
	{name: "set_index two keep", op: "set_index", attrs: ir.Attrs{"keys": []any{"c", "a"}, "drop": false}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{3, 1, 2}}, {"b", ir.String, []any{"x", nil, "é"}}, {"c", ir.Float64, []any{1.5, nan, 2.5}}}, index: []rxCol{{"", ir.Int64, []any{7, 8, 9}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{3, 1, 2}}, {"b", ir.String, []any{"x", nil, "é"}}, {"c", ir.Float64, []any{1.5, nan, 2.5}}}, index: []rxCol{{"c", ir.Float64, []any{1.5, nan, 2.5}}, {"a", ir.Int64, []any{3, 1, 2}}}}},
	{name: "set_index range", op: "set_index", attrs: ir.Attrs{"keys": []any{"a"}}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}}}},
	{name: "reset_index range", op: "reset_index", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"index", ir.Int64, []any{0, 1, 2, 3, 4}}, {"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
	{name: "reset_index range drop", op: "reset_index", attrs: ir.Attrs{"drop": true}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
	{name: "reset_index labels", op: "reset_index", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}, {"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
	{name: "reset_index unnamed", op: "reset_index", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{3, 1, 2}}, {"b", ir.String, []any{"x", nil, "é"}}, {"c", ir.Float64, []any{1.5, nan, 2.5}}}, index: []rxCol{{"", ir.Int64, []any{7, 8, 9}}}}},
		want: rxFrame{cols: []rxCol{{"index", ir.Int64, []any{7, 8, 9}}, {"a", ir.Int64, []any{3, 1, 2}}, {"b", ir.String, []any{"x", nil, "é"}}, {"c", ir.Float64, []any{1.5, nan, 2.5}}}}},
	{name: "reset_index labels drop", op: "reset_index", attrs: ir.Attrs{"drop": true}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}, index: []rxCol{{"id", ir.String, []any{"p", "q", "r", "s", "t"}}}}},
		want: rxFrame{cols: []rxCol{{"a", ir.Int64, []any{1, 2, 3, 4, 5}}, {"s", ir.String, []any{"v", "w", nil, "y", "z"}}}}},
	{name: "reset_index multi", op: "reset_index", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"c", ir.Float64, []any{1.5, nan, 2.5}}}, index: []rxCol{{"b", ir.String, []any{"x", nil, "é"}}, {"a", ir.Int64, []any{3, 1, 2}}}}},
		want: rxFrame{cols: []rxCol{{"b", ir.String, []any{"x", nil, "é"}}, {"a", ir.Int64, []any{3, 1, 2}}, {"c", ir.Float64, []any{1.5, nan, 2.5}}}}},
	{name: "reset_index multi unnamed", op: "reset_index", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"v", ir.Int64, []any{1, 2}}}, index: []rxCol{{"", ir.Int64, []any{1, 2}}, {"n", ir.String, []any{"a", "b"}}}}},
		want: rxFrame{cols: []rxCol{{"level_0", ir.Int64, []any{1, 2}}, {"n", ir.String, []any{"a", "b"}}, {"v", ir.Int64, []any{1, 2}}}}},
	{name: "reset_index index taken", op: "reset_index", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"index", ir.Int64, []any{1, 2}}}}},
		want: rxFrame{cols: []rxCol{{"level_0", ir.Int64, []any{0, 1}}, {"index", ir.Int64, []any{1, 2}}}}},
	{name: "reset_index sorted", op: "reset_index", attrs: ir.Attrs{}, in: []rxFrame{{cols: []rxCol{{"a", ir.Int64, []any{5, 4, 3, 2, 1}}, {"s", ir.String, []any{"z", "y", nil, "w", "v"}}}, index: []rxCol{{"", ir.Int64, []any{4, 3, 2, 1, 0}}}}},
		want: rxFrame{cols: []rxCol{{"index", ir.Int64, []any{4, 3, 2, 1, 0}}, {"a", ir.Int64, []any{5, 4, 3, 2, 1}}, {"s", ir.String, []any{"z", "y", nil, "w", "v"}}}}},
}
