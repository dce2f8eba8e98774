package col

import (
	"fmt"
	"unsafe"
)

// Frame is a table: named columns of equal length plus pandas-style index
// levels. Index == nil means pandas' default RangeIndex(0, N).
type Frame struct {
	Names      []string
	Cols       []*Column
	Index      []*Column
	IndexNames []string // "" for an unnamed level
	N          int
}

// Col returns the column named name, or nil.
func (f *Frame) Col(name string) *Column {
	for i, n := range f.Names {
		if n == name {
			return f.Cols[i]
		}
	}
	return nil
}

// IndexColumns returns the index levels, materializing a RangeIndex as an
// int64 column of positions.
func (f *Frame) IndexColumns() []*Column {
	if f.Index != nil {
		return f.Index
	}
	pos := make([]int64, f.N)
	for i := range pos {
		pos[i] = int64(i)
	}
	return []*Column{NewInt64(pos)}
}

// Take gathers rows (columns and index) at the given positions. A RangeIndex
// becomes an int64 index of the original positions, as in pandas.
func (f *Frame) Take(idx []int) *Frame {
	out := &Frame{Names: f.Names, N: len(idx), IndexNames: f.IndexNames}
	out.Cols = make([]*Column, len(f.Cols))
	for i, c := range f.Cols {
		out.Cols[i] = c.Take(idx)
	}
	ix := f.IndexColumns()
	out.Index = make([]*Column, len(ix))
	for i, c := range ix {
		out.Index[i] = c.Take(idx)
	}
	if f.Index == nil {
		out.IndexNames = []string{""}
	}
	return out
}

// WithPositions is f itself when it has index levels, else f with its
// rows' positions as its one index level (unnamed): what taking every row
// of f gives (Take), without copying the columns.
func (f *Frame) WithPositions() *Frame {
	if len(f.Index) != 0 {
		return f
	}
	out := *f
	pos := make([]int64, f.N)
	for i := range pos {
		pos[i] = int64(i)
	}
	out.Index, out.IndexNames = []*Column{NewInt64(pos)}, []string{""}
	return &out
}

// Validate checks that all columns and index levels have N rows.
func (f *Frame) Validate() error {
	if len(f.Names) != len(f.Cols) {
		return fmt.Errorf("frame has %d names for %d columns", len(f.Names), len(f.Cols))
	}
	for i, c := range f.Cols {
		if c.N != f.N {
			return fmt.Errorf("column %q has %d rows, frame has %d", f.Names[i], c.N, f.N)
		}
	}
	for i, c := range f.Index {
		if c.N != f.N {
			return fmt.Errorf("index level %d has %d rows, frame has %d", i, c.N, f.N)
		}
	}
	if f.Index != nil && len(f.IndexNames) != len(f.Index) {
		return fmt.Errorf("frame has %d index names for %d levels", len(f.IndexNames), len(f.Index))
	}
	return nil
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
