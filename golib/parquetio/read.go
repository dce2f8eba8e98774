package parquetio

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Read reads the file of a scan_parquet node and returns a frame with
// exactly the columns of schema.Fields, in that order (a subset of Sniff's
// columns, as projection pushdown leaves them), and the index levels Sniff
// reported. Only those columns' chunks are read.
//
// keys are the scan's key filters (keyfilter.go): the scan then keeps only
// the rows whose key column value is among the keys (or missing).
func Read(attrs ir.Attrs, schema *ir.Schema, keys []col.KeyFilter) (*col.Frame, error) {
	rp, err := prepare(attrs, schema)
	if err != nil {
		return nil, err
	}
	fi := rp.fi
	collectBefore(fi, rp.want)
	var cols []*col.Column
	var n int
	filtered := false
	if rp.filter != nil || len(keys) > 0 {
		if rp.filter != nil && (EvalMask == nil || fi.rangeIndex != nil || len(fi.index) > 0) {
			return nil, ir.Errorf("Internal", "scan_parquet: a pushed filter needs the engine's evaluator and a file without stored index labels")
		}
		cols, n, filtered, err = readFiltered(fi, rp.want, rp.filter, rp.pred, keys)
	}
	if err == nil && !filtered {
		cols, n, err = readColumns(fi, rp.want, rp.pred, rp.limit)
	}
	if err != nil {
		return nil, err
	}
	if err := deriveRest(rp.want, cols, n); err != nil {
		return nil, err
	}
	fr := rp.frame(cols, n)
	if rp.dropna != nil {
		return dropRows(fr, rp.dropna, attrs.Str(DropnaHowAttr))
	}
	return fr, nil
}

// readPlan is what a scan reads: the file, its columns (the data columns
// asked for, then the stored index levels), the pushed filter and the
// stats_filter.
type readPlan struct {
	fi     *fileInfo
	schema *ir.Schema
	want   []column
	nData  int
	filter *ir.Expr // the pushed filter (nil: none)
	pred   *ir.Expr // the stats_filter (nil: none, or a stored RangeIndex)
	limit  int64    // the limit attribute: at least the first limit rows are wanted (-1: all)
	dropna []string // the dropna attribute's columns (nil: no dropna; dropna.go)
}

// prepare checks a scan's schema against the file and lists what to read.
func prepare(attrs ir.Attrs, schema *ir.Schema) (*readPlan, error) {
	path := attrs.Str("path")
	fi, err := info(path)
	if err != nil {
		return nil, err
	}
	full, err := Sniff(attrs)
	if err != nil {
		return nil, err
	}
	rp := &readPlan{fi: fi, schema: schema, filter: attrs.Expr("filter"), limit: -1}
	if v, ok := attrs.Float("limit"); ok && v >= 0 {
		rp.limit = int64(v)
	}
	numbered, looked := map[string]bool{}, map[string]bool{}
	for _, name := range attrs.Strings("codes") {
		numbered[name] = true
	}
	for _, name := range attrs.Strings(LookupsAttr) {
		looked[name] = true
	}
	derives, err := deriveList(attrs)
	if err != nil {
		return nil, err
	}
	for _, f := range schema.Fields {
		if d := derives[f.Name]; d != nil {
			c, err := d.column(fi, full, f, path)
			if err != nil {
				return nil, err
			}
			c.lookup = looked[f.Name]
			rp.want = append(rp.want, c)
			continue
		}
		i := fi.lookup(f.Name)
		if i < 0 || full.Lookup(f.Name) < 0 {
			return nil, ir.Errorf("ColumnNotFound", "column %q not in %s", f.Name, path)
		}
		c := fi.cols[i]
		if c.typ != f.Type {
			return nil, ir.Errorf("IO", "%s changed while the plan ran: column %q is now %s, was %s", path, f.Name, c.typ, f.Type)
		}
		c.codes = numbered[f.Name] && c.typ == ir.String
		c.lookup = looked[f.Name]
		rp.want = append(rp.want, c)
	}
	rp.nData = len(rp.want)
	rp.want = append(rp.want, fi.index...)
	levels := len(full.Index)
	if attrs[DropnaAttr] != nil {
		rp.dropna = append([]string{}, attrs.Strings(DropnaAttr)...)
		if levels == 0 {
			levels = 1 // the kept rows' positions
		}
	}
	if len(schema.Index) != levels {
		return nil, ir.Errorf("Internal", "scan_parquet: the plan expects %d index levels, the file has %d", len(schema.Index), levels)
	}
	// A stats_filter (predicate pushdown) skips row groups; the labels of
	// a stored RangeIndex would then need the skipped positions: not used.
	rp.pred = attrs.Expr("stats_filter")
	if fi.rangeIndex != nil {
		rp.pred = nil
	}
	return rp, nil
}

// frame assembles the scan's frame from the columns read (rp.want's order)
// and n rows.
func (rp *readPlan) frame(cols []*col.Column, n int) *col.Frame {
	fi := rp.fi
	fr := &col.Frame{N: n}
	for i := range rp.nData {
		fr.Names = append(fr.Names, rp.schema.Fields[i].Name)
		fr.Cols = append(fr.Cols, cols[i])
	}
	for j, c := range rp.want[rp.nData:] {
		fr.Index = append(fr.Index, cols[rp.nData+j])
		fr.IndexNames = append(fr.IndexNames, arrowio.IndexName(c.name))
	}
	if ri := fi.rangeIndex; ri != nil {
		v := make([]int64, fr.N)
		for i := range v {
			v[i] = ri.start + int64(i)*ri.step
		}
		fr.Index = append(fr.Index, col.NewInt64(v))
		fr.IndexNames = append(fr.IndexNames, ri.name)
	}
	return fr
}

// readColumns reads the given columns of every row group that pred (a
// stats_filter; nil for none) does not rule out -- with limit >= 0 only the
// first of them that hold limit rows (opt/limit: a head(n) of the scan) --,
// one task per column chunk on at most GOMAXPROCS goroutines. Fixed-width columns are
// decoded straight into their final buffers (each task fills its row
// group's rows); strings and the other types become one piece per row
// group, joined afterwards. It also returns the number of rows read.
func readColumns(fi *fileInfo, want []column, pred *ir.Expr, limit int64) ([]*col.Column, int, error) {
	if len(fi.rgRows) == 0 || fi.numRows == 0 {
		return emptyColumns(want), 0, nil
	}
	o, err := openSame(fi)
	if err != nil {
		return nil, 0, err
	}
	defer o.Close()
	kept := keepRowGroups(o, fi, pred)
	if limit >= 0 {
		kept = firstRows(fi, kept, limit)
	}
	return readRowGroups(o, fi, want, kept)
}

// firstRows is the shortest prefix of the row groups kept that holds limit
// rows (all of them when they hold fewer).
func firstRows(fi *fileInfo, kept []int, limit int64) []int {
	var rows int64
	for i, rg := range kept {
		if rows >= limit {
			return kept[:i]
		}
		rows += fi.rgRows[rg]
	}
	return kept
}

// emptyColumns are the columns want without rows.
func emptyColumns(want []column) []*col.Column {
	out := make([]*col.Column, len(want))
	for i, c := range want {
		out[i] = emptyColumn(c.typ)
	}
	return out
}

// openSame opens fi's file, checking that it still has fi's row groups.
func openSame(fi *fileInfo) (*openedFile, error) {
	o, err := open(fi.path)
	if err != nil {
		return nil, err
	}
	if o.pf.MetaData().NumRowGroups() != len(fi.rgRows) {
		o.Close()
		return nil, ir.Errorf("IO", "%s changed while the plan ran", fi.path)
	}
	return o, nil
}

// readRowGroups reads the columns want of the row groups kept (ascending)
// of the open file o, as readColumns describes.
func readRowGroups(o *openedFile, fi *fileInfo, want []column, kept []int) ([]*col.Column, int, error) {
	out := make([]*col.Column, len(want))
	nrg := len(fi.rgRows)
	empty := func() ([]*col.Column, int, error) {
		return emptyColumns(want), 0, nil
	}
	// starts[rg] is where row group rg's rows go; skipped groups take none.
	rgRows := make([]int64, nrg)
	for _, rg := range kept {
		rgRows[rg] = fi.rgRows[rg]
	}
	starts := make([]int, nrg+1)
	for rg, r := range rgRows {
		starts[rg+1] = starts[rg] + int(r)
	}
	n := starts[nrg]
	if len(want) == 0 {
		return out, n, nil
	}
	if n == 0 {
		return empty()
	}
	pieces := make([][][]*col.Column, len(want)) // [column][row group] -> chunks
	valids := make([][][]byte, len(want))        // direct columns: [column][row group] -> validity
	strPieces := make([][]*strPiece, len(want))  // direct strings: [column][row group]
	lookCodes := make([][]int32, len(want))      // lookup columns (lookup.go): [column] -> codes
	lookPieces := make([][]*lookupPiece, len(want))
	lookBases := make([][]int32, len(want)) // [column][row group] -> its dictionary's first value
	lookTotal := make([]int, len(want))
	for i, c := range want {
		pieces[i] = make([][]*col.Column, nrg)
		if c.typ == ir.String && directStrings {
			strPieces[i] = make([]*strPiece, nrg)
		}
		if lookupKind(o, c) {
			if bases, total, ok := lookupBases(o, c, rgRows); ok {
				lookCodes[i], lookPieces[i] = col.Uninit[int32](n), make([]*lookupPiece, nrg)
				lookBases[i], lookTotal[i] = bases, total
				continue
			}
		}
		if directFixed && fixedKind(o, c) != 0 {
			// every row is written by its row group's task (or the read
			// fails): no zero-filling first
			out[i] = &col.Column{Type: c.typ, N: n}
			switch {
			case c.typ.IsFloat():
				out[i].F64 = o.bufs.float64s(n)
			case c.typ == ir.Bool:
				out[i].B = o.bufs.bools(n)
			default:
				out[i].I64 = o.bufs.int64s(n)
			}
			valids[i] = make([][]byte, nrg)
		}
	}
	// Column by column: a string column is joined (and its pieces dropped)
	// as soon as its last row group is read, so that at most a few
	// columns' pieces are held at once.
	type task struct{ c, rg int }
	var tasks []task
	left := make([]atomic.Int64, len(want)) // row groups still to read per column
	for c := range want {
		for rg := 0; rg < nrg; rg++ {
			if rgRows[rg] != 0 {
				tasks = append(tasks, task{c, rg})
				left[c].Add(1)
			}
		}
	}
	run := func(t task) error {
		c := want[t.c]
		switch {
		case lookCodes[t.c] != nil:
			p, err := readLookupChunk(o, t.rg, c, lookCodes[t.c][starts[t.rg]:starts[t.rg+1]], lookBases[t.c][t.rg])
			if err != nil {
				return parseError(fi.path, err)
			}
			if p.valid != nil && !c.nullable && !c.typ.IsFloat() {
				return ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
			}
			lookPieces[t.c][t.rg] = p
			return nil
		case out[t.c] != nil:
			dst := out[t.c]
			s, e := starts[t.rg], starts[t.rg+1]
			valid, err := readFixed(o, t.rg, c, dst, s, e)
			if err != nil {
				return parseError(fi.path, err)
			}
			if valid != nil && !c.nullable && !c.typ.IsFloat() {
				return ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
			}
			if !c.typ.IsFloat() { // a float null is NaN, with no bitmap
				valids[t.c][t.rg] = valid
			}
			return nil
		case c.typ == ir.String && directStrings:
			p, err := readStringPiece(o, t.rg, c)
			if err != nil {
				return parseError(fi.path, err)
			}
			if p.valid != nil && !c.nullable {
				return ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
			}
			strPieces[t.c][t.rg] = p
			return nil
		}
		got, err := readChunkGeneric(o, fi, t.rg, c)
		if err != nil {
			return err
		}
		pieces[t.c][t.rg] = got
		return nil
	}
	var (
		next     atomic.Int64
		failed   atomic.Bool
		errMu    sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		failed.Store(true)
	}
	for w := numWorkers(len(tasks)); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					fail(parseError(fi.path, fmt.Errorf("%v", r)))
				}
			}()
			for !failed.Load() {
				k := int(next.Add(1) - 1)
				if k >= len(tasks) {
					return
				}
				t := tasks[k]
				if err := run(t); err != nil {
					fail(err)
					return
				}
				if left[t.c].Add(-1) == 0 && strPieces[t.c] != nil && !failed.Load() {
					if d := want[t.c].derive; d != nil {
						out[t.c] = d.fromPieces(strPieces[t.c], n, want[t.c].lookup) // nil: joined and evaluated after (deriveRest)
					}
					if out[t.c] == nil && want[t.c].lookup && want[t.c].codes {
						out[t.c] = lookupStrings(strPieces[t.c], n) // nil: joined
					}
					if out[t.c] == nil {
						out[t.c] = joinStrings(strPieces[t.c], n, o.bufs, want[t.c].codes)
					}
					for _, p := range strPieces[t.c] {
						p.release(o.bufs)
					}
					strPieces[t.c] = nil
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, 0, firstErr
	}
	for i, c := range want {
		if lookCodes[i] != nil {
			out[i] = joinLookup(c, lookCodes[i], lookPieces[i], starts, lookBases[i], lookTotal[i])
			continue
		}
		if out[i] != nil {
			// Sequential: neighbouring row groups may share a bitmap byte.
			for rg, v := range valids[i] {
				if v == nil {
					continue
				}
				if out[i].Valid == nil {
					out[i].Valid = col.NewBitmap(n, true)
				}
				bitutil.CopyBitmap(v, 0, int(fi.rgRows[rg]), out[i].Valid, starts[rg])
			}
			continue
		}
		if c.typ == ir.String && directStrings {
			continue // joined when its last row group was read
		}
		var ps []*col.Column
		for _, rg := range pieces[i] {
			ps = append(ps, rg...)
		}
		out[i] = concat(ps, c.typ, n)
	}
	return out, n, nil
}

// readChunkGeneric reads column c of row group rg through pqarrow's Arrow
// arrays (arrowio.ImportArray, adapted to Sniff's type): the pieces, in
// order.
func readChunkGeneric(o *openedFile, fi *fileInfo, rg int, c column) ([]*col.Column, error) {
	ch, err := o.fr.RowGroup(rg).Column(c.pos).Read(context.Background())
	if err != nil {
		return nil, parseError(fi.path, err)
	}
	defer ch.Release()
	var got []*col.Column
	rows := 0
	for _, a := range ch.Chunks() {
		if tt, ok := a.DataType().(*arrow.TimestampType); ok && tt.TimeZone != "" {
			// INT96 (see analyze): the zone pqarrow adds is not pandas'
			a = array.MakeFromData(array.NewData(&arrow.TimestampType{Unit: tt.Unit}, a.Len(),
				a.Data().Buffers(), nil, a.NullN(), a.Data().Offset()))
		} else {
			a.Retain()
		}
		p, err := arrowio.ImportArray(a)
		if err == nil {
			p, err = adapt(p, c)
		}
		if err != nil {
			return nil, ir.Errorf("NotImplemented", "read_parquet: column %q: %v", c.name, err)
		}
		rows += p.N
		got = append(got, p)
	}
	if int64(rows) != fi.rgRows[rg] {
		return nil, parseError(fi.path, fmt.Errorf("column %q of row group %d has %d rows, the footer says %d", c.name, rg, rows, fi.rgRows[rg]))
	}
	return got, nil
}

// directFixed decodes int64, float64, bool and int64-stored timestamp
// columns straight into their final buffers (off: through pqarrow and
// arrowio.ImportArray; for tests and comparisons).
var directFixed = true

// fixedKind is the Parquet physical type through which column c is read
// directly, or 0 when it goes through pqarrow (int32, float32, integers
// with nulls, INT96 timestamps, ...).
func fixedKind(o *openedFile, c column) parquet.Type {
	descr := o.pf.MetaData().Schema.Column(o.fr.Manifest.Fields[c.pos].ColIndex)
	if descr.MaxRepetitionLevel() != 0 {
		return 0
	}
	pt := descr.PhysicalType()
	switch {
	case c.typ == ir.Int64 && !c.intNulls && pt == parquet.Types.Int64,
		c.typ.IsDatetime() && pt == parquet.Types.Int64,
		c.typ == ir.Float64 && pt == parquet.Types.Double,
		c.typ == ir.Bool && pt == parquet.Types.Boolean:
		return pt
	}
	return 0
}

// readFixed decodes column c of row group rg into rows [s, e) of dst and
// returns the chunk's validity bitmap (nil when it has no nulls). Null
// slots hold NaN in float columns, zero otherwise.
func readFixed(o *openedFile, rg int, c column, dst *col.Column, s, e int) ([]byte, error) {
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	maxDef := o.pf.MetaData().Schema.Column(leaf).MaxDefinitionLevel()
	if pageDecode && o.pf.MetaData().Schema.Column(leaf).PhysicalType() != parquet.Types.Boolean {
		valid, err := readFixedPages(o, rg, leaf, c, dst, s, e, maxDef)
		if err != errUnsupported {
			return valid, err
		}
	}
	cr, err := o.pf.RowGroup(rg).Column(leaf)
	if err != nil {
		return nil, err
	}
	switch r := cr.(type) {
	case *file.Int64ColumnChunkReader:
		return decodeInto(r.ReadBatch, dst.I64[s:e], maxDef, 0, c.name)
	case *file.Float64ColumnChunkReader:
		return decodeInto(r.ReadBatch, dst.F64[s:e], maxDef, math.NaN(), c.name)
	case *file.BooleanColumnChunkReader:
		return decodeInto(r.ReadBatch, dst.B[s:e], maxDef, false, c.name)
	}
	return nil, fmt.Errorf("column %q: unexpected column reader %T", c.name, cr)
}

// decodeInto fills dst with one column chunk through read (a typed
// ReadBatch), batch by batch: the dense values land in place and, where the
// batch had nulls, are spread backwards over it.
func decodeInto[T any](read func(int64, []T, []int16, []int16) (int64, int, error), dst []T, maxDef int16, null T, name string) ([]byte, error) {
	const batch = 1 << 16
	n := len(dst)
	var defs []int16
	if maxDef > 0 {
		defs = make([]int16, min(batch, n))
	}
	var valid []byte
	row := 0
	for row < n {
		want := min(batch, n-row)
		levels, nv, err := read(int64(want), dst[row:row+want], defs, nil)
		if err != nil {
			return nil, err
		}
		if levels == 0 {
			break
		}
		if int(levels) > want || nv > int(levels) {
			return nil, fmt.Errorf("column %q: %d levels and %d values for %d rows", name, levels, nv, want)
		}
		if nv < int(levels) {
			vi := nv - 1
			for i := int(levels) - 1; i >= 0; i-- {
				if defs[i] == maxDef {
					if vi < 0 {
						return nil, fmt.Errorf("column %q: definition levels and values disagree", name)
					}
					dst[row+i] = dst[row+vi]
					vi--
					continue
				}
				dst[row+i] = null
				if valid == nil {
					valid = col.NewBitmap(n, true)
				}
				col.SetBit(valid, row+i, false)
			}
		}
		row += int(levels)
	}
	if row != n {
		return nil, fmt.Errorf("column %q has %d rows, the footer says %d", name, row, n)
	}
	return valid, nil
}

// directStrings reads string chunks with the Parquet column reader into
// flern's layout (off: through pqarrow's Arrow builders; for tests and
// comparisons).
var directStrings = true

// readStrings reads the String column chunk of field c in row group rg with
// the Parquet byte-array reader, copying each page's values straight into
// flern's layout (int64 offsets, bytes, validity): no Arrow builder, no
// per-value allocation.
func readStrings(o *openedFile, rg int, c column) (*col.Column, error) {
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	rgr := o.pf.RowGroup(rg)
	cr, err := rgr.Column(leaf)
	if err != nil {
		return nil, err
	}
	br, ok := cr.(*file.ByteArrayColumnChunkReader)
	if !ok {
		return nil, fmt.Errorf("column %q is not a byte-array column", c.name)
	}
	n := int(rgr.NumRows())
	maxDef := o.pf.MetaData().Schema.Column(leaf).MaxDefinitionLevel()
	if o.pf.MetaData().Schema.Column(leaf).MaxRepetitionLevel() != 0 {
		return nil, fmt.Errorf("column %q is repeated", c.name)
	}
	const batch = 1 << 14
	vals := make([]parquet.ByteArray, batch)
	var defs []int16
	if maxDef > 0 {
		defs = make([]int16, batch)
	}
	out := &col.Column{Type: ir.String, N: n, Offs: make([]int64, n+1)}
	var data []byte
	if cc, err := rgr.MetaData().ColumnChunk(leaf); err == nil {
		data = make([]byte, 0, min(max(cc.TotalUncompressedSize(), 0), 1<<28)) // a hint
	}
	row := 0
	for row < n {
		levels, nv, err := br.ReadBatchInPage(int64(min(batch, n-row)), vals, defs, nil)
		if err != nil {
			return nil, err
		}
		if levels == 0 {
			break
		}
		if row+int(levels) > n {
			return nil, fmt.Errorf("column %q holds more values than its %d rows", c.name, n)
		}
		if maxDef == 0 {
			for _, v := range vals[:nv] {
				data = append(data, v...)
				row++
				out.Offs[row] = int64(len(data))
			}
			continue
		}
		vi := 0
		for _, d := range defs[:levels] {
			if d == maxDef {
				if vi >= nv {
					return nil, fmt.Errorf("column %q: definition levels and values disagree", c.name)
				}
				data = append(data, vals[vi]...)
				vi++
			} else {
				if out.Valid == nil {
					out.Valid = col.NewBitmap(n, true)
				}
				col.SetBit(out.Valid, row, false)
			}
			row++
			out.Offs[row] = int64(len(data))
		}
	}
	if row != n {
		return nil, fmt.Errorf("column %q has %d rows, the footer says %d", c.name, row, n)
	}
	if data == nil {
		data = []byte{}
	}
	out.Data = data
	return out, nil
}

// adapt turns an imported chunk into the column type Sniff chose: integers
// with nulls become float64 with NaN (pandas' conversion). A null in a
// column Sniff found none in (statistics that lied, or a changed file) is
// an error rather than a silently different type.
func adapt(p *col.Column, c column) (*col.Column, error) {
	if c.intNulls && p.Type.IsInt() {
		f := make([]float64, p.N)
		for i, v := range p.I64[:p.N] {
			if p.IsValid(i) {
				f[i] = float64(v)
			} else {
				f[i] = math.NaN()
			}
		}
		return &col.Column{Type: ir.Float64, N: p.N, F64: f}, nil
	}
	if p.Type != c.typ {
		return nil, fmt.Errorf("read as %s, expected %s", p.Type, c.typ)
	}
	if !c.nullable && !p.Type.IsFloat() && p.HasNulls() {
		return nil, fmt.Errorf("missing values that the file's statistics do not report")
	}
	return p, nil
}

// emptyColumn is a column of type t with no rows.
func emptyColumn(t ir.DType) *col.Column {
	c := &col.Column{Type: t}
	switch {
	case t == ir.String:
		c.Offs, c.Data = []int64{0}, []byte{}
	case t.IsFloat():
		c.F64 = []float64{}
	case t == ir.Bool:
		c.B = []bool{}
	default:
		c.I64 = []int64{}
	}
	return c
}

// concat joins the pieces of a column (row group order) into one column of
// n rows, copying the pieces in parallel; a single piece is used as is.
func concat(ps []*col.Column, t ir.DType, n int) *col.Column {
	if len(ps) == 1 {
		return ps[0]
	}
	if len(ps) == 0 {
		return emptyColumn(t)
	}
	out := &col.Column{Type: t, N: n}
	starts := make([]int, len(ps))
	pos := 0
	hasNulls := false
	for i, p := range ps {
		starts[i] = pos
		pos += p.N
		hasNulls = hasNulls || p.Valid != nil
	}
	var dataStarts []int64
	switch {
	case t == ir.String:
		out.Offs = make([]int64, n+1)
		dataStarts = make([]int64, len(ps)+1)
		for i, p := range ps {
			dataStarts[i+1] = dataStarts[i] + p.Offs[p.N] - p.Offs[0]
		}
		out.Data = make([]byte, dataStarts[len(ps)])
		out.Offs[n] = dataStarts[len(ps)]
	case t.IsFloat():
		out.F64 = make([]float64, n)
	case t == ir.Bool:
		out.B = make([]bool, n)
	default:
		out.I64 = make([]int64, n)
	}
	parallelFor(len(ps), func(i int) {
		p, s := ps[i], starts[i]
		switch {
		case t == ir.String:
			base := p.Offs[0]
			copy(out.Data[dataStarts[i]:], p.Data[base:p.Offs[p.N]])
			shift := dataStarts[i] - base
			// each piece writes its start offsets; the end is written once
			dst := out.Offs[s : s+p.N]
			for j, o := range p.Offs[:p.N] {
				dst[j] = o + shift
			}
		case t.IsFloat():
			copy(out.F64[s:], p.F64[:p.N])
		case t == ir.Bool:
			copy(out.B[s:], p.B[:p.N])
		default:
			copy(out.I64[s:], p.I64[:p.N])
		}
	})
	if hasNulls {
		// Sequential: neighbouring pieces may share a bitmap byte.
		out.Valid = col.NewBitmap(n, true)
		for i, p := range ps {
			if p.Valid != nil {
				bitutil.CopyBitmap(p.Valid, 0, p.N, out.Valid, starts[i])
			}
		}
	}
	return out
}

// parallelFor runs fn(0..n-1) on at most GOMAXPROCS goroutines.
func parallelFor(n int, fn func(i int)) {
	w := numWorkers(n)
	if w == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for ; w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// readFixedPages decodes column c of row group rg (an INT64 or DOUBLE leaf
// without repetition) with the page decoder into rows [s, e) of dst;
// errUnsupported when it cannot.
func readFixedPages(o *openedFile, rg, leaf int, c column, dst *col.Column, s, e int, maxDef int16) ([]byte, error) {
	pr, err := o.pageReader(rg, leaf)
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	if dst.F64 != nil {
		return decodeFixedPages(pr, dst.F64[s:e], maxDef, math.NaN(), c.name)
	}
	return decodeFixedPages(pr, dst.I64[s:e], maxDef, 0, c.name)
}

// readStringPiece reads the String column chunk of field c in row group rg
// with the page decoder (dictionary pages kept as indices) or, where it
// cannot, with readStrings.
func readStringPiece(o *openedFile, rg int, c column) (*strPiece, error) {
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	descr := o.pf.MetaData().Schema.Column(leaf)
	if pageDecode && descr.MaxRepetitionLevel() == 0 && descr.PhysicalType() == parquet.Types.ByteArray {
		rgr := o.pf.RowGroup(rg)
		pr, err := o.pageReader(rg, leaf)
		if err != nil {
			return nil, err
		}
		p, err := decodeStringPagesSized(pr, int(rgr.NumRows()), descr.MaxDefinitionLevel(), c.name, o.bufs, !(c.lookup && c.codes))
		pr.Close()
		if err != errUnsupported {
			return p, err
		}
	}
	p, err := readStrings(o, rg, c)
	if err != nil {
		return nil, err
	}
	return pieceOf(p), nil
}

// joinStrings builds a string column of n rows from its row groups' pieces
// (nil for a skipped row group): the buffers are sized exactly and each
// piece expands into its rows in parallel.
func joinStrings(ps []*strPiece, n int, bufs *batchBufs, codes bool) *col.Column {
	var kept []*strPiece
	for _, p := range ps {
		if p != nil {
			kept = append(kept, p)
		}
	}
	rowStart := make([]int, len(kept)+1)
	dataStart := make([]int64, len(kept)+1)
	hasNulls := false
	parallelFor(len(kept), func(i int) { pieceSize(kept[i]) })
	for i, p := range kept {
		rowStart[i+1] = rowStart[i] + p.n
		dataStart[i+1] = dataStart[i] + p.size
		hasNulls = hasNulls || p.valid != nil
	}
	// every offset after the first is written by its piece's expand
	out := &col.Column{Type: ir.String, N: n, Offs: bufs.int64s(n + 1), Data: bufs.bytes(int(dataStart[len(kept)]))}
	out.Offs[0] = 0
	parallelFor(len(kept), func(i int) {
		kept[i].expand(out.Offs[rowStart[i]:rowStart[i+1]+1], dataStart[i], out.Data)
	})
	if hasNulls {
		out.Valid = col.NewBitmap(n, true)
		for i, p := range kept {
			if p.valid != nil {
				bitutil.CopyBitmap(p.valid, 0, p.n, out.Valid, rowStart[i])
			}
		}
	}
	if codes && StringCodes != nil {
		if c, first, ok := pieceCodes(kept, rowStart, n); ok {
			StringCodes(out, c, first)
		}
	}
	return out
}

// gcBeforeBytes is the output size (8 bytes per value and row) from which
// a scan first runs a garbage collection (0: never).
var gcBeforeBytes int64 = 64 << 20

// collectBefore runs a garbage collection before a large scan. The pacer
// sets the next collection at twice the heap that was live at the last
// one, which a previous large result (now dropped by its user) still
// counted in; without this the scan's buffers would be fresh memory on top
// of that garbage, and a process reading the same file repeatedly peaks at
// 2-3x the result. Collecting first lets the scan reuse that memory. It is
// cheap here: flern's column buffers hold no pointers, so marking does not
// touch them.
func collectBefore(fi *fileInfo, want []column) {
	if gcBeforeBytes <= 0 || fi.numRows*int64(len(want))*8 < gcBeforeBytes {
		return
	}
	runtime.GC()
}
