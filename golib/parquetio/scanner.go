package parquetio

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Scanner reads a scan_parquet node's rows a few row groups at a time, for
// a consumer that folds each batch into its own state (the executor's
// streaming aggregation) and so never holds the whole scan. The batches
// hold, in file order, exactly the rows Read returns: the same columns,
// the row groups the stats_filter and the key sets' ranges leave, the rows
// the pushed filter and the key sets keep. Only files without stored index
// labels (Read's frame has no index) are scanned this way.
type Scanner struct {
	rp   *readPlan
	o    *openedFile
	fp   *filterPlan // nil: no pushed filter, no key set worth testing
	kept []int       // the row groups to read, ascending
	next int         // kept[next] is the next batch's first row group
}

// NewScanner prepares the batched read of a scan_parquet node (attrs,
// schema and key filters as for Read): the footer is read and the row
// groups chosen once. Close releases the file.
func NewScanner(attrs ir.Attrs, schema *ir.Schema, keys []col.KeyFilter) (*Scanner, error) {
	rp, err := prepare(attrs, schema)
	if err != nil {
		return nil, err
	}
	fi := rp.fi
	if len(fi.index) > 0 || fi.rangeIndex != nil {
		return nil, ir.Errorf("NotImplemented", "scan_parquet: a batched read of a file with stored index labels")
	}
	s := &Scanner{rp: rp}
	if len(fi.rgRows) == 0 || fi.numRows == 0 {
		return s, nil
	}
	if s.o, err = openSame(fi); err != nil {
		return nil, err
	}
	if rp.filter != nil || len(keys) > 0 {
		if rp.filter != nil && EvalMask == nil {
			s.Close()
			return nil, ir.Errorf("Internal", "scan_parquet: a pushed filter needs the engine's evaluator")
		}
		if s.fp, err = newFilterPlan(s.o, fi, rp.filter, keys); err != nil {
			s.Close()
			return nil, err
		}
	}
	if s.fp != nil {
		s.kept = s.fp.rowGroups(s.o, fi, rp.pred)
	} else {
		s.kept = keepRowGroups(s.o, fi, rp.pred)
	}
	return s, nil
}

// RowGroups is the number of row groups the scan reads (after skipping).
func (s *Scanner) RowGroups() int { return len(s.kept) }

// Rows is the number of rows in the row groups the scan reads (before the
// pushed filter and the key sets).
func (s *Scanner) Rows() int64 {
	var n int64
	for _, rg := range s.kept {
		n += s.rp.fi.rgRows[rg]
	}
	return n
}

// Next reads the next k row groups (fewer at the end) and returns their
// rows; nil when every row group has been read. A batch may hold no rows
// (a filter that kept none).
func (s *Scanner) Next(k int) (*col.Frame, error) {
	if s.next >= len(s.kept) {
		return nil, nil
	}
	rgs := s.kept[s.next:min(s.next+max(k, 1), len(s.kept))]
	s.next += len(rgs)
	var cols []*col.Column
	var n int
	var err error
	if s.fp != nil {
		cols, n, err = s.fp.read(s.o, s.rp.fi, s.rp.want, rgs)
	} else {
		cols, n, err = readRowGroups(s.o, s.rp.fi, s.rp.want, rgs)
	}
	if err != nil {
		return nil, err
	}
	return s.rp.frame(cols, n), nil
}

// Empty is the scan's frame without rows (the result of a scan that reads
// no row group).
func (s *Scanner) Empty() *col.Frame {
	return s.rp.frame(emptyColumns(s.rp.want), 0)
}

// Close releases the file.
func (s *Scanner) Close() {
	if s.o != nil {
		s.o.Close()
		s.o = nil
	}
}
