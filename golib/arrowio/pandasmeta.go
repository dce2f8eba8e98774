package arrowio

import (
	"encoding/json"
	"fmt"
)

// PandasMeta is the part of the "pandas" schema metadata (written by
// pandas' to_parquet / to_feather through pyarrow) that the Parquet and
// Arrow IPC readers use to show a file as pandas does.
type PandasMeta struct {
	IndexColumns  []json.RawMessage `json:"index_columns"`
	ColumnIndexes []struct {
		Name any `json:"name"`
	} `json:"column_indexes"`
	Columns []struct {
		Name       any    `json:"name"`
		FieldName  string `json:"field_name"`
		PandasType string `json:"pandas_type"`
		NumpyType  string `json:"numpy_type"`
	} `json:"columns"`
}

// ParsePandasMeta decodes the metadata value s.
func ParsePandasMeta(s string) (PandasMeta, error) {
	var pm PandasMeta
	err := json.Unmarshal([]byte(s), &pm)
	return pm, err
}

// RangeIndex is a stored RangeIndex other than the default one.
type RangeIndex struct {
	Name        string
	Start, Step int64
}

// ColumnsIndexProblem says why the frame's columns Index cannot be shown
// ("" when it is the plain, unnamed one).
func (pm *PandasMeta) ColumnsIndexProblem() string {
	if len(pm.ColumnIndexes) > 1 {
		return "a frame whose columns Index has several levels"
	}
	if len(pm.ColumnIndexes) == 1 && pm.ColumnIndexes[0].Name != nil {
		return "a frame whose columns Index has a name"
	}
	return ""
}

// Index reads index_columns for a file of numRows rows: the fields that
// hold index levels (in level order), a non-default RangeIndex (nil when
// there is none, or when pyarrow would ignore it because it does not fit
// the rows), and why the index cannot be shown ("" when it can).
func (pm *PandasMeta) Index(numRows int64) (fields []string, rng *RangeIndex, unsupported string) {
	for _, raw := range pm.IndexColumns {
		var name string
		if json.Unmarshal(raw, &name) == nil {
			fields = append(fields, name)
			continue
		}
		var r struct {
			Kind              string `json:"kind"`
			Name              any    `json:"name"`
			Start, Stop, Step int64
		}
		if json.Unmarshal(raw, &r) != nil || r.Kind != "range" || r.Step == 0 {
			unsupported = fmt.Sprintf("pandas index metadata %s", string(raw))
			continue
		}
		length := (r.Stop - r.Start + r.Step - 1) / r.Step
		if r.Step < 0 {
			length = (r.Start - r.Stop - r.Step - 1) / -r.Step
		}
		name, named := r.Name.(string)
		if r.Name != nil && !named {
			unsupported = fmt.Sprintf("a RangeIndex named %v", r.Name)
			continue
		}
		if max(length, 0) != numRows || (r.Start == 0 && r.Step == 1 && !named) {
			continue // pyarrow ignores a range that does not fit the rows
		}
		if len(pm.IndexColumns) > 1 {
			unsupported = "a MultiIndex with a range level"
			continue
		}
		rng = &RangeIndex{Name: name, Start: r.Start, Step: r.Step}
	}
	return fields, rng, unsupported
}

// IndexName is the level name pandas shows for a stored index field: an
// unnamed level is stored as __index_level_<i>__.
func IndexName(field string) string {
	if IsUnnamedLevel(field) {
		return ""
	}
	return field
}

// IsUnnamedLevel says whether s is pandas' name for an unnamed index level.
func IsUnnamedLevel(s string) bool {
	var i int
	n, err := fmt.Sscanf(s, "__index_level_%d__", &i)
	return err == nil && n == 1 && s == fmt.Sprintf("__index_level_%d__", i)
}
