package ipcio

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Compressions are the write_ipc "compression" values (pandas' to_feather
// default is lz4).
var Compressions = map[string]bool{"lz4": true, "zstd": true, "uncompressed": true}

// pandasTypes are (pandas_type, numpy_type) of each dtype in the pandas
// metadata, as pandas 3.1.1 writes them.
var pandasTypes = map[ir.DType][2]string{
	ir.Int64: {"int64", "int64"}, ir.Int32: {"int32", "int32"}, ir.Float64: {"float64", "float64"},
	ir.Float32: {"float32", "float32"}, ir.Bool: {"bool", "bool"}, ir.String: {"unicode", "str"},
	ir.DatetimeUS: {"datetime", "datetime64[us]"}, ir.DatetimeNS: {"datetime", "datetime64[ns]"},
}

type pandasColumn struct {
	Name       any    `json:"name"`
	FieldName  string `json:"field_name"`
	PandasType string `json:"pandas_type"`
	NumpyType  string `json:"numpy_type"`
	Metadata   any    `json:"metadata"`
}

// Write writes f as an Arrow IPC file (Feather v2) at attrs "path" with
// pandas' layout: the columns, then the index levels (a default RangeIndex
// is metadata only), large_string text, and the "pandas" schema metadata
// that pd.read_feather uses to restore the index and dtypes. attrs
// "compression" is lz4 (the default), zstd or uncompressed. The file is
// written next to its destination and renamed into place, so a failure
// leaves no partial file.
func Write(f *col.Frame, attrs ir.Attrs) (err error) {
	path := attrs.Str("path")
	comp := attrs.Str("compression")
	if comp == "" {
		comp = "lz4"
	}
	if !Compressions[comp] {
		return ir.Errorf("Value", "to_feather: compression must be one of lz4, zstd, uncompressed, got %q", comp)
	}
	var fields []arrow.Field
	var arrs []arrow.Array
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	var meta []pandasColumn
	add := func(name, field string, c *col.Column) error {
		a, err := arrowio.ExportColumn(c)
		if err != nil {
			return ir.Errorf("NotImplemented", "to_feather: column %q: %v", name, err)
		}
		fields = append(fields, arrow.Field{Name: field, Type: a.DataType(), Nullable: true})
		arrs = append(arrs, a)
		pt := pandasTypes[c.Type]
		var md any
		if c.Type == ir.String {
			md = map[string]string{"encoding": "UTF-8"}
		}
		var label any = name
		if name == "" {
			label = nil
		}
		meta = append(meta, pandasColumn{Name: label, FieldName: field, PandasType: pt[0], NumpyType: pt[1], Metadata: md})
		return nil
	}
	seen := map[string]bool{}
	for i, c := range f.Cols {
		if seen[f.Names[i]] {
			return ir.Errorf("Value", "to_feather: duplicate column name %q", f.Names[i])
		}
		seen[f.Names[i]] = true
		if err := add(f.Names[i], f.Names[i], c); err != nil {
			return err
		}
	}
	var indexCols []any
	for i, c := range f.Index {
		name := ""
		if i < len(f.IndexNames) {
			name = f.IndexNames[i]
		}
		field := name
		if name == "" || seen[name] {
			field = arrowio.IndexColumnName(i)
		}
		if err := add(name, field, c); err != nil {
			return err
		}
		indexCols = append(indexCols, field)
	}
	if f.Index == nil {
		indexCols = []any{map[string]any{"kind": "range", "name": nil, "start": 0, "stop": f.N, "step": 1}}
	}
	pm := map[string]any{
		"index_columns": indexCols,
		"column_indexes": []any{map[string]any{"name": nil, "field_name": nil, "pandas_type": "unicode",
			"numpy_type": "str", "metadata": map[string]string{"encoding": "UTF-8"}}},
		"columns": meta, "creator": map[string]string{"library": "flern"}, "pandas_version": "3.1.1",
	}
	js, err := json.Marshal(pm)
	if err != nil {
		return ir.Errorf("Internal", "to_feather: pandas metadata: %v", err)
	}
	md := arrow.NewMetadata([]string{"pandas"}, []string{string(js)})
	schema := arrow.NewSchema(fields, &md)
	rec := array.NewRecordBatch(schema, arrs, int64(f.N))
	defer rec.Release()

	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".flern-*")
	if err != nil {
		return writeError(path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	opts := []ipc.Option{ipc.WithSchema(schema)}
	switch comp {
	case "lz4":
		opts = append(opts, ipc.WithLZ4())
	case "zstd":
		opts = append(opts, ipc.WithZstd())
	}
	w, err := ipc.NewFileWriter(tmp, opts...)
	if err != nil {
		return writeError(path, err)
	}
	if err = w.Write(rec); err != nil {
		return writeError(path, err)
	}
	if err = w.Close(); err != nil {
		return writeError(path, err)
	}
	if err = tmp.Close(); err != nil {
		return writeError(path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return writeError(path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return writeError(path, err)
	}
	return nil
}

func writeError(path string, err error) error {
	if os.IsNotExist(err) {
		return &ir.Error{Kind: "IO", Msg: fmt.Sprintf("[Errno 2] No such file or directory: '%s'", path), Err: err}
	}
	return &ir.Error{Kind: "IO", Msg: fmt.Sprintf("cannot write %s: %v", path, err), Err: err}
}
