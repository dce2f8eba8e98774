// Package parquetio reads Parquet files for flern's scan_parquet op with the
// results of pandas 3.1.1's pd.read_parquet (engine pyarrow).
//
// Sniff maps the file's Arrow schema (pqarrow, with the stored ARROW:schema
// applied) to flern dtypes as pyarrow's to_pandas does:
//
//	int64, int32           int64, int32; float64 when the column holds nulls
//	float64, float32       float64, float32 (nulls become NaN)
//	bool                   bool (with nulls: pandas' object column, NotImplemented)
//	string, large_string   str
//	timestamp[us|ns]       datetime64[us|ns] (no time zone)
//
// Whether a column holds nulls is read from the row groups' statistics (or,
// where a writer left them out, from the column itself). The pandas metadata
// that pandas' to_parquet stores decides the index: a default RangeIndex,
// another RangeIndex (start/step/name: an int64 index level with those
// labels) or stored index columns (__index_level_0__, or a named index),
// which become index levels. Everything else pandas would show differently
// (other integer widths, unsigned, dates, durations, decimals, binary,
// categoricals, nested types, time zones, ms/s timestamps, pandas extension
// dtypes such as Int64 or string[pd.NA], a named columns index) is an
// *ir.Error of kind NotImplemented naming the column, raised only when that
// column is read.
//
// Read materializes only the requested columns (projection pushdown sets
// the scan's "columns"), reading the row groups' column chunks in parallel
// (at most GOMAXPROCS goroutines). INT64, DOUBLE and BYTE_ARRAY chunks with
// PLAIN or dictionary pages go through the page decoder (pages.go): fixed
// widths land in the column's final buffer, strings are kept as the chunk's
// dictionary and one index per row until every row group of the column is
// read, then expanded once into exactly sized buffers. Other chunks use
// arrow-go's typed column readers (booleans, other encodings) or pqarrow's
// Arrow arrays through arrowio.ImportArray (int32, float32, integers with
// nulls, INT96), concatenated in parallel. The readers' page buffers come
// from a pool (alloc.go), and a large scan starts with a garbage collection
// so that it reuses a dropped earlier result's memory instead of adding to
// it.
//
// Errors: a missing or unreadable file is kind IO, a corrupt or truncated
// one kind Parse naming the file.
package parquetio

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/ir"
)

// column is what Sniff learns about one top-level field of a file.
type column struct {
	name     string
	pos      int      // top-level field position in the file
	typ      ir.DType // the flern dtype pandas shows (Invalid when unsupported)
	nullable bool     // the column holds nulls (validity bitmap)
	intNulls bool     // an integer column with nulls, read as float64
	// unsupported says why pandas' result cannot be reproduced ("" if it can).
	unsupported string
	// codes: a scan's `codes` attribute names the column (codes.go)
	codes bool
	// derive: the scan's `derive` attribute computes this output from the
	// string column (derive.go); nil: the column itself
	derive *derived
	// lookup: a scan's `lookups` attribute names the column (lookup.go)
	lookup bool
}

// fileInfo is the cached result of analyzing a file's footer.
type fileInfo struct {
	path    string
	numRows int64
	rgRows  []int64  // rows per row group
	cols    []column // the data columns, in file order (index columns excluded)
	index   []column // stored index levels (their names are the level names)
	// rangeIndex is a RangeIndex other than the default one (nil otherwise).
	rangeIndex *rangeIndex
	// unsupported applies to the whole file (e.g. a named columns index).
	unsupported string
}

type rangeIndex struct {
	name        string
	start, step int64
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

// analyzed counts footer analyses (cache misses), for tests.
var analyzed int64

// Sniff returns the schema of a scan_parquet node: the columns after the
// user's selection (attrs "usecols", in the user's order; all columns in
// file order when absent) and the index levels pandas would restore. It
// ignores attrs["columns"] (projection pushdown). Results are cached per
// path, file size and modification time.
func Sniff(attrs ir.Attrs) (*ir.Schema, error) {
	fi, err := info(attrs.Str("path"))
	if err != nil {
		return nil, err
	}
	if fi.unsupported != "" {
		return nil, ir.Errorf("NotImplemented", "read_parquet(%s): %s", fi.path, fi.unsupported)
	}
	s := &ir.Schema{}
	for _, c := range fi.index {
		if c.unsupported != "" {
			return nil, ir.Errorf("NotImplemented", "read_parquet: index level %q: %s", c.name, c.unsupported)
		}
		s.Index = append(s.Index, ir.Field{Name: arrowio.IndexName(c.name), Type: c.typ, Nullable: c.nullable})
	}
	if ri := fi.rangeIndex; ri != nil {
		s.Index = append(s.Index, ir.Field{Name: ri.name, Type: ir.Int64})
	}
	var sel []int
	if attrs["usecols"] != nil {
		names := attrs.Strings("usecols")
		if len(names) == 0 {
			return nil, ir.Errorf("NotImplemented", "read_parquet(columns=[]) (a frame without columns)")
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				return nil, ir.Errorf("NotImplemented", "read_parquet(columns=...) naming %q twice (duplicate column names)", n)
			}
			seen[n] = true
			i := fi.lookup(n)
			if i < 0 {
				for _, c := range fi.index {
					if c.name == n {
						return nil, ir.Errorf("NotImplemented", "read_parquet(columns=...) naming the index column %q", n)
					}
				}
				return nil, ir.Errorf("Value", "No match for FieldRef.Name(%s) in %s", n, fi.path)
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
			return nil, ir.Errorf("NotImplemented", "read_parquet: column %q: %s", c.name, c.unsupported)
		}
		s.Fields = append(s.Fields, ir.Field{Name: c.name, Type: c.typ, Nullable: c.nullable})
	}
	return s, nil
}

// NumRows returns the number of rows a scan_parquet node reads (from the
// file's footer, cached like Sniff); ok is false when the file cannot be
// analyzed. The optimizer's join ordering uses it as a cardinality.
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
		return nil, ir.Errorf("NotImplemented", "read_parquet of a directory (a partitioned dataset): %s", path)
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
		return nil, err // not cached: the file may appear or become readable
	}
	cacheMu.Lock()
	analyzed++
	if len(cache) >= maxCacheEntries {
		clear(cache)
	}
	cache[key] = cacheEntry{fi, err}
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
	return &ir.Error{Kind: "Parse", Msg: fmt.Sprintf("could not read Parquet file %s (corrupt or truncated?): %v", path, err), Err: err}
}

// openedFile is an open file with its Parquet and Arrow readers.
type openedFile struct {
	f    *os.File
	pf   *file.Reader
	fr   *pqarrow.FileReader
	bufs *batchBufs // where column buffers come from (nil: fresh; a Scanner's: recycled)
	mm   []byte     // the file mapped read-only (mmap.go; nil: not mapped)
}

func (o *openedFile) Close() {
	unmapFile(o.mm)
	o.mm = nil
	o.f.Close()
}

// open opens path and parses its footer; every string column is read with
// int64 offsets (large_string), flern's layout.
func open(path string) (o *openedFile, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ioError(path, err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = parseError(path, fmt.Errorf("%v", r))
		}
		if err != nil {
			f.Close()
		}
	}()
	props := parquet.NewReaderProperties(pagePool)
	// Column chunks are read page by page through a small buffer (large
	// pages straight into the pooled page buffers) rather than each chunk
	// whole into a fresh buffer.
	props.BufferedStreamEnabled = true
	props.BufferSize = 64 << 10
	pf, err := file.NewParquetReader(f, file.WithReadProps(props))
	if err != nil {
		return nil, parseError(path, err)
	}
	md := pf.MetaData()
	size := md.GetSourceFileSize()
	// Column chunks must lie inside the file: a truncated or damaged footer
	// would otherwise make the reader allocate whatever it claims.
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		rgm := md.RowGroup(rg)
		if rgm.NumRows() < 0 {
			return nil, parseError(path, fmt.Errorf("row group %d has %d rows", rg, rgm.NumRows()))
		}
		for c := 0; c < rgm.NumColumns(); c++ {
			cc, err := rgm.ColumnChunk(c)
			if err != nil {
				return nil, parseError(path, err)
			}
			start := cc.DataPageOffset()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && cc.DictionaryPageOffset() < start {
				start = cc.DictionaryPageOffset()
			}
			if n := cc.TotalCompressedSize(); start < 0 || n < 0 || start+n > size {
				return nil, parseError(path, fmt.Errorf("column chunk %d of row group %d lies outside the file", c, rg))
			}
		}
	}
	var ap pqarrow.ArrowReadProperties
	ap.PreAllocBinaryData = true
	for i := 0; i < md.Schema.NumColumns(); i++ {
		ap.SetForceLarge(i, true)
	}
	fr, err := pqarrow.NewFileReader(pf, ap, memory.DefaultAllocator)
	if err != nil {
		return nil, parseError(path, err)
	}
	return &openedFile{f: f, pf: pf, fr: fr, mm: mapFile(f, size)}, nil
}

// numpyTypes are the pandas column dtypes (as pandas metadata spells them)
// that pyarrow's to_pandas leaves to the Arrow type; any other (Int64,
// boolean, string[pd.NA], category, ...) makes it restore that dtype.
var numpyTypes = map[string]bool{"int64": true, "int32": true, "float64": true, "float32": true, "bool": true,
	"object": true, "str": true, "datetime64[ns]": true, "datetime64[us]": true, "datetime64[ms]": true,
	"datetime64[s]": true, "int8": true, "int16": true, "uint8": true, "uint16": true, "uint32": true,
	"uint64": true, "float16": true, "bytes": true}

// analyze reads the footer of path and classifies its columns.
func analyze(path string) (fi *fileInfo, err error) {
	o, err := open(path)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	defer func() {
		if r := recover(); r != nil {
			fi, err = nil, parseError(path, fmt.Errorf("%v", r))
		}
	}()
	md := o.pf.MetaData()
	fi = &fileInfo{path: path, numRows: md.NumRows}
	var total int64
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		n := md.RowGroup(rg).NumRows()
		fi.rgRows = append(fi.rgRows, n)
		total += n
	}
	fi.numRows = total
	sc, err := o.fr.Schema()
	if err != nil {
		return nil, parseError(path, err)
	}
	var pm arrowio.PandasMeta
	hasPandas := false
	if v := md.KeyValueMetadata().FindValue("pandas"); v != nil {
		if m, err := arrowio.ParsePandasMeta(*v); err == nil {
			pm, hasPandas = m, true
		}
	}
	numpyType, pandasType := map[string]string{}, map[string]string{}
	levelName := map[string]any{}
	for _, c := range pm.Columns {
		numpyType[c.FieldName], pandasType[c.FieldName] = c.NumpyType, c.PandasType
		levelName[c.FieldName] = c.Name
	}
	if p := pm.ColumnsIndexProblem(); p != "" {
		fi.unsupported = p
	}
	// Index columns (pandas metadata).
	indexFields, ri, why := pm.Index(total)
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
		c := column{name: f.Name, pos: i}
		if seen[f.Name] {
			fi.unsupported = fmt.Sprintf("duplicate column name %q", f.Name)
		}
		seen[f.Name] = true
		ft := f.Type
		if leaf := o.fr.Manifest.Fields[i].ColIndex; leaf >= 0 && md.Schema.Column(leaf).PhysicalType() == parquet.Types.Int96 {
			// legacy INT96 timestamps: pqarrow says UTC, pyarrow gives
			// naive timestamp[ns] unless the stored Arrow schema has a zone
			ft = &arrow.TimestampType{Unit: arrow.Nanosecond}
			if orig := o.fr.Manifest.OriginSchema; orig != nil {
				if ot, ok := orig.Field(i).Type.(*arrow.TimestampType); ok {
					ft = &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: ot.TimeZone}
				}
			}
		}
		c.typ, c.unsupported = mapType(ft)
		if orig := o.fr.Manifest.OriginSchema; c.unsupported == "" && orig != nil && orig.Field(i).Type.ID() == arrow.DICTIONARY {
			// stored as its values; pyarrow restores the dictionary (a category)
			c.typ, c.unsupported = mapType(orig.Field(i).Type)
		}
		if c.unsupported == "" && !o.fr.Manifest.Fields[i].IsLeaf() {
			c.typ, c.unsupported = ir.Invalid, fmt.Sprintf("Arrow type %s", f.Type)
		}
		if c.unsupported == "" && hasPandas {
			if pandasType[f.Name] == "categorical" {
				c.typ, c.unsupported = ir.Invalid, "pandas category dtype"
			} else if nt, ok := numpyType[f.Name]; ok && !numpyTypes[nt] {
				c.typ, c.unsupported = ir.Invalid, fmt.Sprintf("pandas dtype %s", nt)
			}
		}
		if c.unsupported == "" {
			if err := nullInfo(o, &c); err != nil {
				return nil, err
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
		if ln, ok := levelName[name].(string); ok {
			c.name = ln // the level name pandas shows
		} else if !arrowio.IsUnnamedLevel(name) {
			c.name = name
		} else if levelName[name] != nil {
			c.unsupported = fmt.Sprintf("an index level named %v", levelName[name])
		}
		fi.index = append(fi.index, c)
	}
	return fi, nil
}

// mapType is the flern dtype pandas shows for a column of Arrow type t, or
// why there is none.
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
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return ir.String, ""
	case *arrow.TimestampType:
		if tt.TimeZone != "" {
			return ir.Invalid, fmt.Sprintf("timezone-aware timestamps (%s)", t)
		}
		switch tt.Unit {
		case arrow.Microsecond:
			return ir.DatetimeUS, ""
		case arrow.Nanosecond:
			return ir.DatetimeNS, ""
		}
		return ir.Invalid, fmt.Sprintf("Arrow type %s (pandas datetime64[%s])", t, tt.Unit)
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type, *arrow.Float16Type:
		return ir.Invalid, fmt.Sprintf("Arrow type %s (pandas %s)", t, t)
	case *arrow.DictionaryType:
		return ir.Invalid, fmt.Sprintf("dictionary-encoded Arrow type %s (pandas category dtype)", t)
	case *arrow.NullType:
		return ir.Invalid, "a column holding only nulls (pandas object column)"
	}
	return ir.Invalid, fmt.Sprintf("Arrow type %s", t)
}

// nullInfo sets c.nullable (and, for integers, c.intNulls and the float64
// type; for bools, the NotImplemented reason) from the null counts.
func nullInfo(o *openedFile, c *column) error {
	if c.typ.IsFloat() {
		return nil // missing values are NaN
	}
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	if o.pf.MetaData().Schema.Column(leaf).MaxDefinitionLevel() == 0 {
		return nil // a required column
	}
	md := o.pf.MetaData()
	var nulls int64
	for rg := 0; rg < md.NumRowGroups() && nulls == 0; rg++ {
		rgm := md.RowGroup(rg)
		if rgm.NumRows() == 0 {
			continue
		}
		cc, err := rgm.ColumnChunk(leaf)
		if err != nil {
			return parseError(o.f.Name(), err)
		}
		st, err := cc.Statistics()
		if err == nil && st != nil && st.HasNullCount() {
			nulls += st.NullCount()
			continue
		}
		// No statistics: count the nulls of this chunk.
		ch, err := o.fr.RowGroup(rg).Column(c.pos).Read(context.Background())
		if err != nil {
			return parseError(o.f.Name(), err)
		}
		for _, a := range ch.Chunks() {
			nulls += int64(a.NullN())
		}
		ch.Release()
	}
	if nulls == 0 {
		return nil
	}
	c.nullable = true
	switch {
	case c.typ.IsInt():
		c.typ, c.intNulls, c.nullable = ir.Float64, true, false
	case c.typ == ir.Bool:
		c.typ, c.unsupported = ir.Invalid, "bools with missing values (pandas shows an object column)"
	}
	return nil
}

// workers bounds the goroutines of one Read (0: GOMAXPROCS).
var workers = 0

func numWorkers(tasks int) int {
	n := workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return max(1, min(n, tasks))
}
