package parquetio

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Read reads the file of a scan_parquet node and returns a frame with
// exactly the columns of schema.Fields, in that order (a subset of Sniff's
// columns, as projection pushdown leaves them), and the index levels Sniff
// reported. Only those columns' chunks are read.
func Read(attrs ir.Attrs, schema *ir.Schema) (*col.Frame, error) {
	path := attrs.Str("path")
	fi, err := info(path)
	if err != nil {
		return nil, err
	}
	full, err := Sniff(attrs)
	if err != nil {
		return nil, err
	}
	// What to read: the data columns asked for, then the stored index levels.
	var want []column
	for _, f := range schema.Fields {
		i := fi.lookup(f.Name)
		if i < 0 || full.Lookup(f.Name) < 0 {
			return nil, ir.Errorf("ColumnNotFound", "column %q not in %s", f.Name, path)
		}
		if c := fi.cols[i]; c.typ != f.Type {
			return nil, ir.Errorf("IO", "%s changed while the plan ran: column %q is now %s, was %s", path, f.Name, c.typ, f.Type)
		}
		want = append(want, fi.cols[i])
	}
	nData := len(want)
	want = append(want, fi.index...)
	if len(schema.Index) != len(full.Index) {
		return nil, ir.Errorf("Internal", "scan_parquet: the plan expects %d index levels, the file has %d", len(schema.Index), len(full.Index))
	}
	cols, err := readColumns(fi, want)
	if err != nil {
		return nil, err
	}
	fr := &col.Frame{N: int(fi.numRows)}
	for i := range nData {
		fr.Names = append(fr.Names, schema.Fields[i].Name)
		fr.Cols = append(fr.Cols, cols[i])
	}
	for j, c := range want[nData:] {
		fr.Index = append(fr.Index, cols[nData+j])
		fr.IndexNames = append(fr.IndexNames, indexName(c.name))
	}
	if ri := fi.rangeIndex; ri != nil {
		v := make([]int64, fr.N)
		for i := range v {
			v[i] = ri.start + int64(i)*ri.step
		}
		fr.Index = append(fr.Index, col.NewInt64(v))
		fr.IndexNames = append(fr.IndexNames, ri.name)
	}
	return fr, nil
}

// readColumns reads the given columns of every row group, one task per
// column chunk on at most GOMAXPROCS goroutines, and joins each column's
// pieces.
func readColumns(fi *fileInfo, want []column) ([]*col.Column, error) {
	out := make([]*col.Column, len(want))
	nrg := len(fi.rgRows)
	if len(want) == 0 {
		return out, nil
	}
	if nrg == 0 || fi.numRows == 0 {
		for i, c := range want {
			out[i] = emptyColumn(c.typ)
		}
		return out, nil
	}
	o, err := open(fi.path, true)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	if o.pf.MetaData().NumRowGroups() != nrg {
		return nil, ir.Errorf("IO", "%s changed while the plan ran", fi.path)
	}
	pieces := make([][][]*col.Column, len(want)) // [column][row group] -> chunks
	for i := range pieces {
		pieces[i] = make([][]*col.Column, nrg)
	}
	type task struct{ c, rg int }
	var tasks []task
	for rg := 0; rg < nrg; rg++ {
		if fi.rgRows[rg] == 0 {
			continue
		}
		for c := range want {
			tasks = append(tasks, task{c, rg})
		}
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
	ctx := context.Background()
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
				c := want[t.c]
				rdr := o.fr
				if c.typ == ir.String && dictEncoded(o, t.rg, c.pos) {
					rdr = o.dict
				}
				ch, err := rdr.RowGroup(t.rg).Column(c.pos).Read(ctx)
				if err != nil {
					fail(parseError(fi.path, err))
					return
				}
				var got []*col.Column
				rows := 0
				for _, a := range ch.Chunks() {
					var p *col.Column
					var err error
					if d, ok := a.(*array.Dictionary); ok {
						p, err = expandDict(d)
					} else {
						a.Retain()
						p, err = arrowio.ImportArray(a)
					}
					if err == nil {
						p, err = adapt(p, c)
					}
					if err != nil {
						ch.Release()
						fail(ir.Errorf("NotImplemented", "read_parquet: column %q: %v", c.name, err))
						return
					}
					rows += p.N
					got = append(got, p)
				}
				ch.Release()
				if int64(rows) != fi.rgRows[t.rg] {
					fail(parseError(fi.path, fmt.Errorf("column %q of row group %d has %d rows, the footer says %d", c.name, t.rg, rows, fi.rgRows[t.rg])))
					return
				}
				pieces[t.c][t.rg] = got
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for i, c := range want {
		var ps []*col.Column
		for _, rg := range pieces[i] {
			ps = append(ps, rg...)
		}
		out[i] = concat(ps, c.typ, int(fi.numRows))
	}
	return out, nil
}

// dictEncoded reports whether the column chunk of field pos in row group rg
// has only dictionary-encoded data pages (by its page encoding statistics;
// without them, by its list of encodings: a dictionary reader also handles
// a chunk that fell back to plain pages, only more slowly).
func dictEncoded(o *openedFile, rg, pos int) bool {
	cc, err := o.pf.MetaData().RowGroup(rg).ColumnChunk(o.fr.Manifest.Fields[pos].ColIndex)
	if err != nil {
		return false
	}
	isDict := func(e parquet.Encoding) bool {
		return e == parquet.Encodings.RLEDict || e == parquet.Encodings.PlainDict
	}
	if st := cc.EncodingStats(); len(st) > 0 {
		data := 0
		for _, s := range st {
			if pt := s.PageType.String(); pt == "DATA_PAGE" || pt == "DATA_PAGE_V2" {
				if !isDict(s.Encoding) {
					return false
				}
				data++
			}
		}
		return data > 0
	}
	for _, e := range cc.Encodings() {
		if isDict(e) {
			return true
		}
	}
	return false
}

// expandDict converts a dictionary-encoded string chunk to a String column
// (offsets and bytes), gathering each row's value from the dictionary.
func expandDict(d *array.Dictionary) (*col.Column, error) {
	n := d.Len()
	var doffs []int64
	var dbytes []byte
	switch v := d.Dictionary().(type) {
	case *array.String:
		o32 := v.ValueOffsets()
		doffs = make([]int64, len(o32))
		for i, o := range o32 {
			doffs[i] = int64(o)
		}
		dbytes = []byte{}
		if bufs := v.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
			dbytes = bufs[2].Bytes()
		}
	case *array.LargeString:
		doffs = v.ValueOffsets()
		dbytes = []byte{}
		if bufs := v.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
			dbytes = bufs[2].Bytes()
		}
	default:
		return nil, fmt.Errorf("dictionary of %s", d.Dictionary().DataType())
	}
	ndict := len(doffs) - 1
	var valid []byte
	if d.NullN() > 0 {
		valid = col.NewBitmap(n, false)
		bitutil.CopyBitmap(d.NullBitmapBytes(), d.Data().Offset(), n, valid, 0)
	}
	// the dictionary index of row i (-1 for a null)
	var idx func(i int) int
	if ix, ok := d.Indices().(*array.Int32); ok {
		vals := ix.Int32Values()
		idx = func(i int) int { return int(vals[i]) }
	} else {
		idx = d.GetValueIndex
	}
	offs := make([]int64, n+1)
	var total int64
	for i := 0; i < n; i++ {
		if valid == nil || col.GetBit(valid, i) {
			k := idx(i)
			if k < 0 || k >= ndict {
				return nil, fmt.Errorf("dictionary index %d out of range (%d values)", k, ndict)
			}
			total += doffs[k+1] - doffs[k]
		}
		offs[i+1] = total
	}
	data := make([]byte, total)
	for i := 0; i < n; i++ {
		if offs[i+1] > offs[i] {
			k := idx(i)
			copy(data[offs[i]:offs[i+1]], dbytes[doffs[k]:doffs[k+1]])
		}
	}
	return &col.Column{Type: ir.String, N: n, Offs: offs, Data: data, Valid: valid}, nil
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
