package ipcio

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Read reads the file of a scan_ipc node and returns a frame with exactly
// the columns of schema.Fields, in that order (a subset of Sniff's columns),
// and the index levels Sniff reported.
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
	if attrs["usecols"] == nil {
		want = append(want, fi.index...)
	}
	if len(schema.Index) != len(full.Index) {
		return nil, ir.Errorf("Internal", "scan_ipc: the plan expects %d index levels, the file has %d", len(schema.Index), len(full.Index))
	}
	o, err := open(path)
	if err != nil {
		return nil, err
	}
	defer o.release()
	var cols []*col.Column
	var n int64
	err = guardFault(path, func() error {
		var e error
		cols, n, e = readColumns(o, want)
		return e
	})
	if err != nil {
		return nil, err
	}
	if n != fi.numRows {
		return nil, ir.Errorf("IO", "%s changed while the plan ran: it has %d rows, had %d", path, n, fi.numRows)
	}
	out := &col.Frame{N: int(n)}
	for i, f := range schema.Fields {
		out.Names = append(out.Names, f.Name)
		out.Cols = append(out.Cols, cols[i])
	}
	for i := nData; i < len(want); i++ {
		out.Index = append(out.Index, cols[i])
		out.IndexNames = append(out.IndexNames, arrowio.IndexName(want[i].name))
	}
	if ri := fi.rangeIndex; ri != nil {
		v := make([]int64, n)
		for i := range v {
			v[i] = ri.start + int64(i)*ri.step
		}
		out.Index = append(out.Index, &col.Column{Type: ir.Int64, N: int(n), I64: v})
		out.IndexNames = append(out.IndexNames, ri.name)
	}
	return out, nil
}

// readColumns reads the columns want from every record batch of o and
// returns them converted, with the row count.
func readColumns(o *opened, want []column) ([]*col.Column, int64, error) {
	chunks := make([][]arrow.Array, len(want))
	defer func() {
		for _, cs := range chunks {
			for _, a := range cs {
				a.Release()
			}
		}
	}()
	var n int64
	err := o.each(func(rec arrow.RecordBatch) error {
		if int(rec.NumCols()) != len(o.sc.Fields()) {
			return fmt.Errorf("a record batch has %d columns, the schema %d", rec.NumCols(), len(o.sc.Fields()))
		}
		n += rec.NumRows()
		for i, c := range want {
			a := rec.Column(c.pos)
			a.Retain()
			chunks[i] = append(chunks[i], a)
		}
		return nil
	})
	if err != nil {
		return nil, 0, parseError(o.path(), err)
	}
	out := make([]*col.Column, len(want))
	for i, c := range want {
		var arr arrow.Array
		switch len(chunks[i]) {
		case 0:
			arr = array.MakeArrayOfNull(memory.DefaultAllocator, o.sc.Field(c.pos).Type, 0)
		case 1:
			arr = chunks[i][0]
			arr.Retain()
		default:
			var err error
			arr, err = array.Concatenate(chunks[i], memory.DefaultAllocator)
			if err != nil {
				return nil, 0, parseError(o.path(), err)
			}
		}
		cc, err := arrowio.ImportArray(arr)
		if err != nil {
			return nil, 0, ir.Errorf("NotImplemented", "read_feather: column %q: %v", c.name, err)
		}
		cc.Keep = []any{cc.Keep, o.m} // the mapping outlives the aliasing column
		if cc, err = adapt(cc, c); err != nil {
			return nil, 0, ir.Errorf("IO", "%s changed while the plan ran: column %q: %v", o.path(), c.name, err)
		}
		out[i] = cc
	}
	return out, n, nil
}

// adapt turns an imported column into the type Sniff chose: integers with
// nulls become float64 with NaN (pandas' conversion).
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
		return nil, fmt.Errorf("missing values the schema did not have")
	}
	return p, nil
}
