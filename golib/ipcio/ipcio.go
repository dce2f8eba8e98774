// Package ipcio reads and writes Arrow IPC files (Feather v2) and streams
// for flern's scan_ipc and write_ipc ops, with the results of pandas 3.1.1's
// pd.read_feather / DataFrame.to_feather (both pyarrow underneath).
//
// Sniff maps the file's Arrow schema to flern dtypes as pyarrow's to_pandas
// does (int64/int32, float64/float32 with NaN, bool, string/large_string as
// str, timestamp[us|ns] without a zone; an integer column holding nulls is
// float64) and restores the index from the pandas metadata pandas writes
// (stored index columns, or a non-default RangeIndex). Anything pandas would
// show differently (categoricals, other widths, ms/s timestamps, time
// zones, nested types, a column of only nulls, bools with nulls, pandas
// extension dtypes) is an *ir.Error of kind NotImplemented naming the
// column, raised only when that column is read.
//
// Read produces only the requested columns (the scan's "columns", set by
// projection pushdown, or the user's usecols). An IPC file is memory-mapped
// and read with arrow-go's mapped reader: the buffers of an uncompressed
// file with one record batch are used in place (zero-copy, the mapping is
// released when the last column aliasing it is collected); compressed
// buffers (pandas' default, lz4) are decompressed, and several batches are
// concatenated. A stream (no footer) is read sequentially.
//
// Errors: a missing or unreadable file is kind IO; a corrupt or truncated
// one kind Parse naming the file; a file that changes between planning and
// reading kind IO. Nothing partial is returned.
package ipcio

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/ir"
)

// column is what Sniff learns about one top-level field of a file.
type column struct {
	name     string
	pos      int      // field position in the file
	typ      ir.DType // the dtype pandas shows (Invalid when unsupported)
	nullable bool     // holds nulls (validity bitmap)
	intNulls bool     // integers with nulls, shown as float64
	// unsupported says why pandas' result cannot be reproduced ("" if it can).
	unsupported string
}

type rangeIndex struct {
	name        string
	start, step int64
}

// fileInfo is the cached analysis of one file.
type fileInfo struct {
	path        string
	stream      bool // an IPC stream (no footer), not a file
	numRows     int64
	cols        []column // data columns in file order
	index       []column // stored index levels (names: the level names)
	rangeIndex  *rangeIndex
	unsupported string // applies to the whole file
}

func (fi *fileInfo) lookup(name string) int {
	for i, c := range fi.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

type cacheEntry struct {
	info *fileInfo
	err  error
}

var (
	cacheMu sync.Mutex
	cache   = map[string]cacheEntry{}
)

const maxCacheEntries = 1024

// fileMagic starts (and ends) an Arrow IPC file.
var fileMagic = []byte("ARROW1")

// Sniff returns the schema of a scan_ipc node: the columns after the user's
// selection (attrs "usecols", in the user's order; all columns in file
// order when absent) and the index levels pandas would restore. It ignores
// attrs["columns"] (projection pushdown). Results are cached per path,
// size and modification time.
func Sniff(attrs ir.Attrs) (*ir.Schema, error) {
	fi, err := info(attrs.Str("path"))
	if err != nil {
		return nil, err
	}
	if fi.unsupported != "" {
		return nil, ir.Errorf("NotImplemented", "read_feather(%s): %s", fi.path, fi.unsupported)
	}
	usecols := attrs["usecols"] != nil
	s := &ir.Schema{}
	if !usecols {
		// pyarrow drops the index columns that a column selection leaves out
		for _, c := range fi.index {
			if c.unsupported != "" {
				return nil, ir.Errorf("NotImplemented", "read_feather: index level %q: %s", c.name, c.unsupported)
			}
			s.Index = append(s.Index, ir.Field{Name: arrowio.IndexName(c.name), Type: c.typ, Nullable: c.nullable})
		}
	}
	if ri := fi.rangeIndex; ri != nil {
		s.Index = append(s.Index, ir.Field{Name: ri.name, Type: ir.Int64})
	}
	var sel []int
	if usecols {
		names := attrs.Strings("usecols")
		if len(names) == 0 {
			return nil, ir.Errorf("NotImplemented", "read_feather(columns=[]) (a frame without columns)")
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				return nil, ir.Errorf("NotImplemented", "read_feather(columns=...) naming %q twice (duplicate column names)", n)
			}
			seen[n] = true
			i := fi.lookup(n)
			if i < 0 {
				for _, c := range fi.index {
					if c.name == n {
						return nil, ir.Errorf("NotImplemented", "read_feather(columns=...) naming the index column %q", n)
					}
				}
				return nil, ir.Errorf("ColumnNotFound", "Field named '%s' not found in %s", n, fi.path)
			}
			sel = append(sel, i)
		}
	} else {
		for i := range fi.cols {
			sel = append(sel, i)
		}
	}
	for _, i := range sel {
		c := fi.cols[i]
		if c.unsupported != "" {
			return nil, ir.Errorf("NotImplemented", "read_feather: column %q: %s", c.name, c.unsupported)
		}
		s.Fields = append(s.Fields, ir.Field{Name: c.name, Type: c.typ, Nullable: c.nullable})
	}
	return s, nil
}

// NumRows returns the number of rows a scan_ipc node reads (cached like
// Sniff); ok is false when the file cannot be analyzed. The optimizer's
// join ordering uses it as a cardinality.
func NumRows(attrs ir.Attrs) (rows int64, ok bool) {
	fi, err := info(attrs.Str("path"))
	if err != nil {
		return 0, false
	}
	return fi.numRows, true
}

// info returns the (cached) analysis of the file at path.
func info(path string) (*fileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, ioError(path, err)
	}
	if st.IsDir() {
		return nil, ir.Errorf("IO", "[Errno 21] Is a directory: '%s'", path)
	}
	key := fmt.Sprintf("%s|%d|%d", path, st.Size(), st.ModTime().UnixNano())
	cacheMu.Lock()
	e, ok := cache[key]
	cacheMu.Unlock()
	if ok {
		return e.info, e.err
	}
	fi, err := analyze(path)
	if fe, ok := err.(*ir.Error); ok && fe.Kind == "IO" {
		return nil, err // not cached: the file may be readable later
	}
	cacheMu.Lock()
	if len(cache) >= maxCacheEntries {
		clear(cache)
	}
	cache[key] = cacheEntry{info: fi, err: err}
	cacheMu.Unlock()
	return fi, err
}

// ioError maps a file-system error to pandas' wording.
func ioError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &ir.Error{Kind: "IO", Msg: fmt.Sprintf("[Errno 2] No such file or directory: '%s'", path), Err: err}
	}
	return &ir.Error{Kind: "IO", Msg: fmt.Sprintf("cannot read %s: %v", path, err), Err: err}
}

// parseError reports a corrupt or truncated file.
func parseError(path string, err error) error {
	return &ir.Error{Kind: "Parse", Msg: fmt.Sprintf("%s is not a valid Arrow IPC (Feather) file: %v", path, err), Err: err}
}

// analyze opens path, reads every record batch's null counts and
// classifies the columns.
func analyze(path string) (fi *fileInfo, err error) {
	o, err := open(path)
	if err != nil {
		return nil, err
	}
	defer o.release()
	fi = &fileInfo{path: path, stream: o.stream}
	err = guardFault(path, func() error {
		sc := o.schema()
		nulls := make([]int, sc.NumFields())
		err := o.each(func(rec arrow.RecordBatch) error {
			fi.numRows += rec.NumRows()
			for i := range nulls {
				nulls[i] += rec.Column(i).NullN()
			}
			return nil
		})
		if err != nil {
			return parseError(path, err)
		}
		return classify(fi, sc, nulls)
	})
	if err != nil {
		return nil, err
	}
	return fi, nil
}

// plainNumpy are the pandas dtypes (as the metadata spells them) that
// to_pandas leaves to the Arrow type; any other (Int64, boolean,
// string[pd.NA], category, ...) is restored as that pandas dtype.
var plainNumpy = map[string]bool{"int64": true, "int32": true, "float64": true, "float32": true, "bool": true,
	"object": true, "str": true, "datetime64[ns]": true, "datetime64[us]": true, "int8": true, "int16": true,
	"uint8": true, "uint16": true, "uint32": true, "uint64": true, "": true}

// classify fills fi's columns and index from the Arrow schema, the pandas
// metadata and the columns' null counts.
func classify(fi *fileInfo, sc *arrow.Schema, nulls []int) error {
	var pm arrowio.PandasMeta
	if v, ok := sc.Metadata().GetValue("pandas"); ok {
		m, err := arrowio.ParsePandasMeta(v)
		if err != nil {
			fi.unsupported = fmt.Sprintf("unreadable pandas metadata (%v)", err)
		}
		pm = m
	}
	numpyType, levelName := map[string]string{}, map[string]any{}
	for _, c := range pm.Columns {
		numpyType[c.FieldName], levelName[c.FieldName] = c.NumpyType, c.Name
	}
	if p := pm.ColumnsIndexProblem(); p != "" {
		fi.unsupported = p
	}
	indexFields, ri, why := pm.Index(fi.numRows)
	if why != "" {
		fi.unsupported = why
	}
	if ri != nil {
		fi.rangeIndex = &rangeIndex{name: ri.Name, start: ri.Start, step: ri.Step}
	}
	isIndex := map[string]bool{}
	for _, name := range indexFields {
		isIndex[name] = true
	}
	seen := map[string]bool{}
	byField := map[string]column{}
	for i, f := range sc.Fields() {
		c := column{name: f.Name, pos: i, nullable: nulls[i] > 0}
		if seen[f.Name] {
			fi.unsupported = fmt.Sprintf("duplicate column name %q", f.Name)
		}
		seen[f.Name] = true
		c.typ, c.unsupported = mapType(f.Type)
		if nt := numpyType[f.Name]; c.unsupported == "" && !plainNumpy[nt] {
			c.typ, c.unsupported = ir.Invalid, fmt.Sprintf("pandas dtype %s", nt)
		}
		if c.unsupported == "" && c.nullable {
			switch {
			case c.typ.IsInt():
				c.typ, c.intNulls, c.nullable = ir.Float64, true, false
			case c.typ.IsFloat():
				c.nullable = false // NaN
			case c.typ == ir.Bool:
				c.typ, c.unsupported = ir.Invalid, "bools with missing values (pandas shows an object column)"
			}
		}
		if isIndex[f.Name] {
			byField[f.Name] = c
			continue
		}
		fi.cols = append(fi.cols, c)
	}
	for _, name := range indexFields {
		c, ok := byField[name]
		if !ok {
			fi.unsupported = fmt.Sprintf("the index column %q named in the pandas metadata is missing", name)
			continue
		}
		switch ln := levelName[name].(type) {
		case string:
			c.name = ln // the level name pandas shows
		case nil:
			c.name = "" // an unnamed level (stored as __index_level_<i>__)
		default:
			c.unsupported = fmt.Sprintf("index level name %v", ln)
		}
		fi.index = append(fi.index, c)
	}
	return nil
}

// mapType is the flern dtype pandas shows for Arrow type t, or why none.
func mapType(t arrow.DataType) (ir.DType, string) {
	switch tt := t.(type) {
	case *arrow.Int64Type:
		return ir.Int64, ""
	case *arrow.Int32Type:
		return ir.Int32, ""
	case *arrow.Float64Type:
		return ir.Float64, ""
	case *arrow.Float32Type:
		return ir.Float32, ""
	case *arrow.BooleanType:
		return ir.Bool, ""
	case *arrow.StringType, *arrow.LargeStringType:
		return ir.String, ""
	case *arrow.TimestampType:
		if tt.TimeZone != "" {
			return ir.Invalid, fmt.Sprintf("Arrow type %s (a time zone)", t)
		}
		switch tt.Unit {
		case arrow.Microsecond:
			return ir.DatetimeUS, ""
		case arrow.Nanosecond:
			return ir.DatetimeNS, ""
		}
		return ir.Invalid, fmt.Sprintf("Arrow type %s (pandas datetime64[%s])", t, tt.Unit)
	case *arrow.DictionaryType:
		return ir.Invalid, fmt.Sprintf("dictionary-encoded Arrow type %s (pandas category dtype)", t)
	case *arrow.NullType:
		return ir.Invalid, "a column holding only nulls (pandas object column)"
	}
	return ir.Invalid, fmt.Sprintf("Arrow type %s", t)
}

// opened is a mapped (or read) file with its IPC reader.
type opened struct {
	p      string
	m      *mapping
	stream bool
	file   *ipc.FileReader
	sc     *arrow.Schema
	data   []byte
}

func (o *opened) schema() *arrow.Schema { return o.sc }

func (o *opened) path() string { return o.p }

// release closes the reader; the mapping stays while columns use it.
func (o *opened) release() {
	if o.file != nil {
		o.file.Close()
	}
}

// open maps path and opens it as an IPC file, or else as a stream.
func open(path string) (o *opened, err error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, ioError(path, err)
	}
	o = &opened{p: path, m: m, data: m.data}
	err = guardFault(path, func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = parseError(path, fmt.Errorf("%v", r))
			}
		}()
		if len(o.data) == 0 {
			return parseError(path, errors.New("the file is empty"))
		}
		if bytes.HasPrefix(o.data, fileMagic) {
			o.file, err = openMapped(o.data)
			if err != nil {
				return parseError(path, err)
			}
			o.sc = o.file.Schema()
			return nil
		}
		o.stream = true
		r, err := ipc.NewReader(bytes.NewReader(o.data))
		if err != nil {
			return parseError(path, err)
		}
		o.sc = r.Schema()
		r.Release()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// openMapped opens an IPC file over its mapped bytes (zero-copy buffers).
// arrow-go v18.8's mapped reader leaves its dictionary memo unset and
// panics on a schema with dictionary fields: such files are read through
// the copying reader instead.
func openMapped(data []byte) (fr *ipc.FileReader, err error) {
	func() {
		defer func() {
			if r := recover(); r != nil {
				fr, err = nil, fmt.Errorf("%v", r)
			}
		}()
		fr, err = ipc.NewMappedFileReader(data)
	}()
	if err != nil {
		return ipc.NewFileReader(bytes.NewReader(data))
	}
	return fr, nil
}

// each calls fn on every record batch in order (fn must retain what it
// keeps). A panic in arrow-go on malformed input is returned as an error.
func (o *opened) each(fn func(arrow.RecordBatch) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	if !o.stream {
		for i := 0; i < o.file.NumRecords(); i++ {
			rec, err := o.file.RecordBatchAt(i)
			if err != nil {
				return err
			}
			err = fn(rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
		return nil
	}
	r, err := ipc.NewReader(bytes.NewReader(o.data))
	if err != nil {
		return err
	}
	defer r.Release()
	for r.Next() {
		if err := fn(r.RecordBatch()); err != nil {
			return err
		}
	}
	return r.Err()
}
