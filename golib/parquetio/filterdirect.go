package parquetio

// The second phase of a filtered read (filterPlan.read): INT64 and DOUBLE
// columns are decoded at each row group's kept rows straight into the
// result, once the first phase has found every row group's kept rows.

import (
	"errors"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// readDirect is read's second phase: each direct column (direct[i]) is
// allocated for all the kept rows (starts[len(kept)]) and each row group's
// kept rows (sels[k]; nil: all of them) are decoded into it at starts[k],
// or copied there from the row group's piece when a conjunct already
// decoded them (pieces[k][i] not nil).
func (fp *filterPlan) readDirect(o *openedFile, fi *fileInfo, want []column, kept []int, direct []bool,
	pieces [][]*col.Column, sels [][]int32, starts []int, out []*col.Column) error {
	total := starts[len(kept)]
	type task struct{ i, k int }
	var tasks []task
	valids := make([][][]byte, len(want)) // [column][kept row group] -> validity of a direct column's rows
	for i, c := range want {
		if !direct[i] {
			continue
		}
		out[i] = &col.Column{Type: c.typ, N: total}
		if c.typ.IsFloat() {
			out[i].F64 = o.bufs.float64s(total)
		} else {
			out[i].I64 = o.bufs.int64s(total)
		}
		valids[i] = make([][]byte, len(kept))
		for k := range kept {
			if starts[k+1] > starts[k] {
				tasks = append(tasks, task{i, k})
			}
		}
	}
	err := parallelTasks(len(tasks), func(t int) error {
		i, k := tasks[t].i, tasks[t].k
		c, dst, s, e := want[i], out[i], starts[k], starts[k+1]
		if p := pieces[k][i]; p != nil { // decoded by a conjunct
			if c.typ.IsFloat() {
				copy(dst.F64[s:e], p.F64)
			} else {
				copy(dst.I64[s:e], p.I64)
			}
			valids[i][k] = p.Valid
			return nil
		}
		rg, rows := kept[k], int(fi.rgRows[kept[k]])
		var sel []int
		if sels[k] != nil {
			sc := scratchPool.Get().(*scratch)
			defer scratchPool.Put(sc)
			sel = slices.Grow(sc.keeps[0][:0], len(sels[k]))
			for _, r := range sels[k] {
				sel = append(sel, int(r))
			}
			sc.keeps[0] = sel[:0]
		}
		valid, err := readSelInto(o, fi, rg, c, sel, rows, dst, s, e)
		if err != nil {
			return err
		}
		valids[i][k] = valid
		return nil
	})
	var ie *ir.Error
	if err != nil && !errors.As(err, &ie) {
		err = parseError(fi.path, err) // a decoder's panic (damaged data)
	}
	if err != nil {
		return err
	}
	for i, c := range want {
		if !direct[i] || c.typ.IsFloat() { // a float null is NaN, with no bitmap
			continue
		}
		// Sequential: neighbouring row groups may share a bitmap byte.
		for k, v := range valids[i] {
			if v == nil {
				continue
			}
			if out[i].Valid == nil {
				out[i].Valid = col.NewBitmap(total, true)
			}
			bitutil.CopyBitmap(v, 0, starts[k+1]-starts[k], out[i].Valid, starts[k])
		}
	}
	return nil
}

// readSelInto reads rows sel (ascending; nil: all) of the INT64 or DOUBLE
// column c of row group rg (rows rows) into dst's rows s..e (e-s rows) and
// returns their validity (nil: no nulls); readSel's fallbacks (a chunk the
// page decoder does not handle) are copied there.
func readSelInto(o *openedFile, fi *fileInfo, rg int, c column, sel []int, rows int, dst *col.Column, s, e int) ([]byte, error) {
	var (
		valid []byte
		err   error
	)
	if sel == nil {
		valid, err = readFixed(o, rg, c, dst, s, e)
	} else {
		leaf := o.fr.Manifest.Fields[c.pos].ColIndex
		maxDef := o.pf.MetaData().Schema.Column(leaf).MaxDefinitionLevel()
		pr, perr := o.pageReader(rg, leaf)
		if perr != nil {
			return nil, parseError(fi.path, perr)
		}
		if c.typ.IsFloat() {
			valid, err = decodeFixedSel(pr, sel, dst.F64[s:e], maxDef, math.NaN(), c.name, rows)
		} else {
			valid, err = decodeFixedSel(pr, sel, dst.I64[s:e], maxDef, 0, c.name, rows)
		}
		pr.Close()
		if err == errUnsupported {
			v, err := readSel(o, fi, rg, c, sel, rows)
			if err != nil {
				return nil, err
			}
			if c.typ.IsFloat() {
				copy(dst.F64[s:e], v.F64)
			} else {
				copy(dst.I64[s:e], v.I64)
			}
			return v.Valid, nil
		}
	}
	if err != nil {
		return nil, parseError(fi.path, err)
	}
	if valid != nil && !c.nullable && !c.typ.IsFloat() {
		return nil, ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
	}
	if c.typ.IsFloat() {
		valid = nil
	}
	return valid, nil
}

// readTestChunk reads column c of row group rg (rows rows) in full, as
// readChunk does, with the buffers of a fixed-width column taken from bufs
// (the caller puts them back once the row group's tests have run: TPC-H
// q21's l_receiptdate and l_commitdate, compared row by row, were 2 x 46
// MiB of garbage per run); other columns are readChunk's.
func readTestChunk(o *openedFile, fi *fileInfo, rg int, c column, rows int, bufs *batchBufs) (*col.Column, error) {
	if !directFixed || fixedKind(o, c) == 0 {
		return readChunk(o, fi, rg, c, rows)
	}
	dst := &col.Column{Type: c.typ, N: rows}
	switch {
	case c.typ.IsFloat():
		dst.F64 = bufs.float64s(rows)
	case c.typ == ir.Bool:
		dst.B = bufs.bools(rows)
	default:
		dst.I64 = bufs.int64s(rows)
	}
	valid, err := readFixed(o, rg, c, dst, 0, rows)
	if err != nil {
		bufs.put(dst)
		return nil, parseError(fi.path, err)
	}
	if valid != nil && !c.nullable && !c.typ.IsFloat() {
		bufs.put(dst)
		return nil, ir.Errorf("NotImplemented", "read_parquet: column %q: missing values that the file's statistics do not report", c.name)
	}
	if !c.typ.IsFloat() {
		dst.Valid = valid
	}
	return dst, nil
}
