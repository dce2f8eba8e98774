package arrowio

import (
	"strings"
	"testing"
)

func TestPandasMetaIndex(t *testing.T) {
	cases := []struct {
		name, meta string
		rows       int64
		fields     string
		rng        *RangeIndex
		why        string // part of the problem ("" none)
		colsWhy    string
	}{
		{"default range ignored", `{"index_columns":[{"kind":"range","name":null,"start":0,"stop":3,"step":1}],"column_indexes":[{"name":null}]}`, 3, "", nil, "", ""},
		{"named range kept", `{"index_columns":[{"kind":"range","name":"r","start":0,"stop":3,"step":1}]}`, 3, "", &RangeIndex{"r", 0, 1}, "", ""},
		{"stepped range", `{"index_columns":[{"kind":"range","name":null,"start":10,"stop":4,"step":-2}]}`, 3, "", &RangeIndex{"", 10, -2}, "", ""},
		{"range not fitting the rows ignored", `{"index_columns":[{"kind":"range","name":"r","start":0,"stop":5,"step":1}]}`, 3, "", nil, "", ""},
		{"stored levels", `{"index_columns":["__index_level_0__","k"]}`, 3, "__index_level_0__,k", nil, "", ""},
		{"range named by a number", `{"index_columns":[{"kind":"range","name":5,"start":0,"stop":3,"step":1}]}`, 3, "", nil, "RangeIndex named 5", ""},
		{"range in a MultiIndex", `{"index_columns":["k",{"kind":"range","name":"r","start":0,"stop":3,"step":1}]}`, 3, "k", nil, "MultiIndex", ""},
		{"unknown index kind", `{"index_columns":[{"kind":"interval"}]}`, 3, "", nil, "index metadata", ""},
		{"named columns index", `{"index_columns":[],"column_indexes":[{"name":"c"}]}`, 3, "", nil, "", "has a name"},
		{"columns MultiIndex", `{"index_columns":[],"column_indexes":[{"name":null},{"name":null}]}`, 3, "", nil, "", "several levels"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pm, err := ParsePandasMeta(tc.meta)
			if err != nil {
				t.Fatal(err)
			}
			fields, rng, why := pm.Index(tc.rows)
			if got := strings.Join(fields, ","); got != tc.fields {
				t.Errorf("fields %q, want %q", got, tc.fields)
			}
			if (rng == nil) != (tc.rng == nil) || rng != nil && *rng != *tc.rng {
				t.Errorf("range %+v, want %+v", rng, tc.rng)
			}
			if (why == "") != (tc.why == "") || !strings.Contains(why, tc.why) {
				t.Errorf("problem %q, want one containing %q", why, tc.why)
			}
			if p := pm.ColumnsIndexProblem(); (p == "") != (tc.colsWhy == "") || !strings.Contains(p, tc.colsWhy) {
				t.Errorf("columns index problem %q, want %q", p, tc.colsWhy)
			}
		})
	}
	if _, err := ParsePandasMeta("{"); err == nil {
		t.Error("broken JSON parsed")
	}
}

func TestIndexName(t *testing.T) {
	for in, want := range map[string]string{"__index_level_0__": "", "__index_level_12__": "", "k": "k",
		"__index_level_x__": "__index_level_x__", "__index_level_01__": "__index_level_01__"} {
		if got := IndexName(in); got != want {
			t.Errorf("IndexName(%q) = %q, want %q", in, got, want)
		}
	}
}
