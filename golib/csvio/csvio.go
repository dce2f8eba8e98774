// Package csvio reads CSV files for flern's scan_csv op with the results of
// pandas 3.1.1's pd.read_csv (C parser): the same tokenizing rules (quoted
// fields with doubled quotes, quoted newlines, CRLF or CR line ends, a
// leading UTF-8 BOM, skipped blank lines, short rows padded with missing
// values), the same default NA strings, the same type inference (int64,
// float64 with NaN, bool, str; nullable bool and str through validity
// bitmaps), dtype= overrides, ISO parse_dates and pandas' error messages.
//
// Sniff infers a file's schema; Read materializes only the requested
// columns (projection pushdown: the other columns are only skipped by the
// tokenizer). Large files are tokenized and converted in parallel chunks
// split at newlines; a chunk that turns out to start inside a quoted field
// (a quoted newline at the split) is detected and re-read from the true
// record boundary.
//
// Behaviour pandas has but csvio does not reproduce is reported as an
// *ir.Error of kind NotImplemented rather than silently differing:
// integers beyond int64 (pandas: uint64 or object), an implicit index
// column (first data row longer than the header), header=None without
// names, multi-byte separators, and non-ISO date layouts (kind Parse).
package csvio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// chunkTarget is the size of the pieces a large file is split into; the
// file is read in parallel when it holds at least two.
var chunkTarget = 1 << 20

// workers is the number of goroutines used for large files (0: GOMAXPROCS).
var workers = 0

// redoneChunks counts chunks re-read because their speculative start was
// not a record boundary (for tests).
var redoneChunks atomic.Int64

// sniffed is what Sniff learns about a file: the schema and, per column,
// facts Read needs to convert exactly as pandas does.
type sniffed struct {
	schema *ir.Schema
	// naFloats[j]: column j is parsed by pandas' float converter, so
	// numeric na_values also match numerically ("-999.0" for "-999"). A
	// column of ints with missing values is instead upcast from int64.
	naFloats []bool
	rows     int // data rows (schema inference reads the whole file)
}

type cacheEntry struct {
	res *sniffed
	err error
}

var (
	cacheMu sync.Mutex
	cache   = map[string]cacheEntry{}
)

const maxCacheEntries = 1024

// Sniff infers the full schema of a scan_csv node's file: every column
// after usecols, with dtype overrides and parse_dates applied. It ignores
// attrs["columns"]. Results (and errors) are cached per path, file size,
// modification time and the attributes that affect the schema.
func Sniff(attrs ir.Attrs) (*ir.Schema, error) {
	res, err := sniff(attrs)
	if err != nil {
		return nil, err
	}
	return res.schema.Clone(), nil
}

// NumRows returns the number of data rows a scan_csv node reads (counted by
// the schema inference Sniff caches); ok is false when the file cannot be
// sniffed. The optimizer's join ordering uses it as a cardinality.
func NumRows(attrs ir.Attrs) (rows int64, ok bool) {
	res, err := sniff(attrs)
	if err != nil {
		return 0, false
	}
	return int64(res.rows), true
}

// sniff is Sniff returning the cached result itself (not to be modified).
func sniff(attrs ir.Attrs) (*sniffed, error) {
	o, err := parseOptions(attrs)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(o.path)
	if err != nil {
		return nil, ioError(o.path, err)
	}
	key := fmt.Sprintf("%d|%d|%s", fi.Size(), fi.ModTime().UnixNano(), o.key)
	cacheMu.Lock()
	e, ok := cache[key]
	cacheMu.Unlock()
	if ok {
		return e.res, e.err
	}
	data, release, _, err := loadFile(o.path)
	if err != nil {
		return nil, ioError(o.path, err)
	}
	var res *sniffed
	err = guardFault(o.path, func() (err error) {
		res, err = sniffData(o, data)
		return err
	})
	release()
	if fe, ok := err.(*ir.Error); ok && fe.Kind == "IO" {
		return nil, err // not cached: the file changed
	}
	cacheMu.Lock()
	if len(cache) >= maxCacheEntries {
		clear(cache)
	}
	cache[key] = cacheEntry{res: res, err: err}
	cacheMu.Unlock()
	return res, err
}

// Read reads the file and returns a frame with exactly the columns of
// schema.Fields, in that order (a subset of Sniff's columns), and a
// RangeIndex. Columns not asked for are skipped by the tokenizer and never
// converted.
//
// keys are the scan's key filters (the joinfilter pass): the scan then
// keeps only the rows whose key column value is among the keys or missing
// (filter.go).
func Read(attrs ir.Attrs, schema *ir.Schema, keys []col.KeyFilter) (*col.Frame, error) {
	full, err := sniff(attrs)
	if err != nil {
		return nil, err
	}
	o, err := parseOptions(attrs)
	if err != nil {
		return nil, err
	}
	if o.keys, err = keySets(keys, full); err != nil {
		return nil, err
	}
	data, release, mapped, err := loadFile(o.path)
	if err != nil {
		return nil, ioError(o.path, err)
	}
	defer release()
	o.dropPages = mapped
	var fr *col.Frame
	err = guardFault(o.path, func() (err error) {
		fr, err = readData(o, data, full, schema)
		return err
	})
	return fr, err
}

// ioError maps a file-system error to pandas' wording.
func ioError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &ir.Error{Kind: "IO", Msg: fmt.Sprintf("[Errno 2] No such file or directory: '%s'", path), Err: err}
	}
	return &ir.Error{Kind: "IO", Msg: fmt.Sprintf("cannot read %s: %v", path, err), Err: err}
}

// colSpec describes one column of the table.
type colSpec struct {
	name   string
	index  int // position in the file
	na     *naMatcher
	dtype  string   // the dtype= spelling ("" if none)
	target ir.DType // its DType (Invalid if none)
	// inherited: the dtype was given for the name before mangling, which
	// pandas applies only when the file has data rows
	inherited bool
	date      bool // a parse_dates column
	// naFloats: numeric na_values match parsed floats (see sniffed).
	naFloats bool
}

// table is a file with its header read and its columns resolved.
type table struct {
	o            *options
	data         []byte
	dataStart    int       // offset of the first data record
	headerLines  int       // line units before dataStart
	headerFields int       // fields of the header row
	ncols        int       // fields the tokenizer expects per row (pads to, and checks against)
	names        []string  // every column of the file
	cols         []colSpec // the columns after usecols, in file order
}

// prepare reads the header and resolves names, usecols, dtype and
// parse_dates.
func prepare(o *options, data []byte) (*table, error) {
	t := &table{o: o, data: data}
	p := 0
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p = 3
	}
	origin := map[int]string{} // mangled column -> the name dtype= may use
	if o.header {
		fields, next, lines, ok, terr := readRecord(data, p, o.sep, o.quote)
		if terr != nil {
			return nil, terr.toError(0, 0)
		}
		if !ok && o.names == nil {
			return nil, ir.Errorf("Parse", "No columns to parse from file")
		}
		p = next
		t.headerLines = lines
		t.headerFields = len(fields)
		if o.names == nil {
			names := make([]string, len(fields))
			for i, f := range fields {
				if !utf8.Valid(f) {
					off := invalidUTF8At(f)
					return nil, ir.Errorf("Parse", "%s (in the header, line %d)", utf8Message(f, off), lines)
				}
				names[i] = string(f)
			}
			t.names = mangle(names, origin)
		}
	}
	t.dataStart = p
	t.ncols = len(t.names)
	if o.names != nil {
		t.names = o.names
		t.ncols = len(t.names)
		if o.header {
			// pandas' tokenizer expects as many fields as the header row or
			// the first data row has, whichever is more.
			first, _, _, hasRows, terr := readRecord(data, p, o.sep, o.quote)
			if terr != nil {
				return nil, terr.toError(t.headerLines, 0)
			}
			if e := max(t.headerFields, len(first)); hasRows && e > len(t.names) {
				return nil, ir.Errorf("NotImplemented", "read_csv: the header and first data row have %d fields but %d names are given; pandas would use the extra leading fields as the index (index_col inference), which is not supported", e, len(t.names))
			} else if hasRows {
				t.ncols = e
			}
		}
	}
	// usecols
	selected := make([]bool, len(t.names))
	if o.hasUsecols {
		pos := map[string][]int{}
		for i, n := range t.names {
			pos[n] = append(pos[n], i)
		}
		var missing []string
		for _, u := range o.usecols {
			idx, ok := pos[u]
			if !ok {
				missing = append(missing, u)
				continue
			}
			for _, i := range idx {
				selected[i] = true
			}
		}
		if len(missing) > 0 {
			return nil, ir.Errorf("ColumnNotFound", "Usecols do not match columns, columns expected but not found: %s", pyList(missing))
		}
	} else {
		for i := range selected {
			selected[i] = true
		}
	}
	isDate := map[string]bool{}
	for _, d := range o.parseDates {
		isDate[d] = true
	}
	for i, n := range t.names {
		if !selected[i] {
			continue
		}
		c := colSpec{name: n, index: i, na: o.naFor(n), date: isDate[n]}
		delete(isDate, n)
		c.dtype = o.dtypeFor(n)
		if c.dtype == "" {
			if on, ok := origin[i]; ok {
				c.dtype, c.inherited = o.dtypeFor(on), true
			}
		}
		if c.dtype != "" {
			dt, err := dtypeOf(c.dtype)
			if err != nil {
				return nil, err
			}
			c.target = dt
		}
		t.cols = append(t.cols, c)
	}
	if len(isDate) > 0 {
		var miss []string
		for d := range isDate {
			miss = append(miss, d)
		}
		sort.Strings(miss)
		return nil, ir.Errorf("ColumnNotFound", "Missing column provided to 'parse_dates': '%s'", strings.Join(miss, ", "))
	}
	return t, nil
}

// mangle renames duplicate header names as pandas does ("a", "a.1", ...;
// empty names become "Unnamed: i", renamed after the named ones). origin
// records, for each renamed column, its name before renaming.
func mangle(names []string, origin map[int]string) []string {
	var order, unnamed []int
	for i, n := range names {
		if n == "" {
			names[i] = fmt.Sprintf("Unnamed: %d", i)
			unnamed = append(unnamed, i)
		} else {
			order = append(order, i)
		}
	}
	order = append(order, unnamed...)
	present := map[string]int{}
	for _, n := range names {
		present[n]++
	}
	counts := map[string]int{}
	for _, i := range order {
		c := names[i]
		old := c
		cur := counts[c]
		if cur > 0 {
			for cur > 0 {
				counts[old] = cur + 1
				c = fmt.Sprintf("%s.%d", old, cur)
				if present[c] > 0 {
					cur++
				} else {
					cur = counts[c]
				}
			}
			origin[i] = old
			present[old]--
			present[c]++
		}
		names[i] = c
		counts[c] = cur + 1
	}
	return names
}

// pyList formats names as a Python list repr.
func pyList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// chunk is one tokenized piece of the data and what was computed from it.
type chunk struct {
	r           run
	firstRow    bool // the tokenizer checked the first record as the table's first data row
	rowsBefore  int  // data rows before the chunk
	linesBefore int  // line units before the chunk (header included)
	stats       []colStats
	pieces      []piece
	err         *rowErr // conversion error (row local to the chunk)
	kept        int     // rows the pushed filter kept (filtered reads)
	ferr        error   // the pushed filter failed on this chunk
}

// rowErr is a conversion error at a row; the message gets the line number
// appended once the row's line is known.
type rowErr struct {
	row  int
	kind string
	msg  string
}

var spanPool = sync.Pool{New: func() any { return new([]span) }}

// scan tokenizes the data rows keeping the columns in slots, calling
// process on each chunk (in parallel for large files), and returns the
// chunks in file order with their row and line offsets, and the number of
// data rows. It also applies checkNames, which every reader needs.
//
// Chunks are split speculatively (planChunks) and tokenized in parallel;
// then each chunk waits for its predecessor's hand-off (the validated end
// position, row and line counts before it), re-reads itself from the true
// record boundary when its speculative start was wrong, hands off to its
// successor and only then calls process, with rowsBefore and linesBefore
// set: a reader can write each chunk's values straight into their final
// place while the next chunks are still being converted.
func (t *table) scan(slots []int32, k int, process func(*chunk)) ([]*chunk, int, error) {
	tok := &tokenizer{data: t.data, sep: t.o.sep, quote: t.o.quote, ncols: t.ncols, slots: slots, k: k, usecols: t.o.hasUsecols}
	n := len(t.data)
	target := chunkTarget
	bounds := planChunks(t.data, t.dataStart, target, t.o.quote)
	nch := len(bounds) - 1
	chunks := make([]*chunk, nch)
	// hand-off state: after[i] is the state after chunk i; done[i] is closed
	// once it is set.
	type state struct {
		pos, rows, lines int
		stop             bool
	}
	after := make([]state, nch)
	done := make([]chan struct{}, nch)
	for i := range done {
		done[i] = make(chan struct{})
	}
	tokenizeAt := func(start, stopAt, limit int, firstRow bool) *chunk {
		c := &chunk{firstRow: firstRow}
		buf := spanPool.Get().(*[]span)
		c.r.spans = (*buf)[:0]
		tok.tokenize(&c.r, start, stopAt, limit, -1, firstRow)
		return c
	}
	release := func(c *chunk) {
		buf := c.r.spans[:0]
		c.r.spans = nil
		spanPool.Put(&buf)
	}
	// doChunk tokenizes chunk i speculatively, validates it against the
	// hand-off of chunk i-1, hands off and converts.
	doChunk := func(i int) {
		limit := bounds[i+1] + target
		if nch == 1 {
			limit = n
		}
		c := tokenizeAt(bounds[i], bounds[i+1], limit, i == 0)
		prev := state{pos: t.dataStart, lines: t.headerLines}
		if i > 0 {
			<-done[i-1]
			prev = after[i-1]
		}
		switch {
		case prev.stop:
			release(c)
			after[i] = prev
			close(done[i])
			return
		case prev.pos >= bounds[i+1]:
			release(c) // swallowed by a record that ran past the split
			after[i] = prev
			close(done[i])
			return
		case c.r.start != prev.pos || c.r.aborted || (prev.rows == 0 && !c.firstRow && c.r.nrows > 0):
			redoneChunks.Add(1)
			release(c)
			c = tokenizeAt(prev.pos, bounds[i+1], n, prev.rows == 0)
		}
		c.rowsBefore, c.linesBefore = prev.rows, prev.lines
		chunks[i] = c
		if c.r.err != nil {
			after[i] = state{stop: true}
			close(done[i])
			release(c)
			return
		}
		after[i] = state{pos: c.r.end, rows: prev.rows + c.r.nrows, lines: prev.lines + c.r.lines}
		close(done[i])
		process(c)
		release(c)
		if t.o.dropPages {
			// converted: the file's pages need not stay resident (peak RSS)
			dropPages(t.data[c.r.start:c.r.end])
		}
	}
	nw := workers
	if nw <= 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	if nch == 1 || nw == 1 {
		for i := 0; i < nch; i++ {
			doChunk(i)
			if c := chunks[i]; c != nil && (c.r.err != nil || c.err != nil) {
				for j := i + 1; j < nch; j++ {
					close(done[j])
				}
				break
			}
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		var faultMu sync.Mutex
		var fault error
		for w := 0; w < nw && w < nch; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= nch {
						return
					}
					err := guardFault(t.o.path, func() error {
						doChunk(i)
						return nil
					})
					if err != nil {
						faultMu.Lock()
						fault = err
						faultMu.Unlock()
						select {
						case <-done[i]:
						default:
							after[i] = state{stop: true}
							close(done[i])
						}
					}
				}
			}()
		}
		wg.Wait()
		if fault != nil {
			return nil, 0, fault
		}
	}
	out := make([]*chunk, 0, nch)
	rows := 0
	for i := 0; i < nch; i++ {
		c := chunks[i]
		if c == nil {
			continue
		}
		if c.r.err != nil {
			return nil, 0, c.r.err.toError(c.linesBefore, t.ncols)
		}
		if c.err != nil {
			return nil, 0, t.rowError(c, c.err)
		}
		rows += c.r.nrows
		out = append(out, c)
	}
	if err := t.checkNames(out); err != nil {
		return nil, 0, err
	}
	return out, rows, nil
}

// checkNames reports pandas' error for names= longer than the rows: with
// a header row or usecols, the data must have as many fields as names.
func (t *table) checkNames(chunks []*chunk) error {
	o := t.o
	if o.names == nil || !(o.header || o.hasUsecols) {
		return nil
	}
	rows, found := 0, 0
	for _, c := range chunks {
		rows += c.r.nrows
		found = max(found, c.r.maxFields)
	}
	if o.header {
		found = max(found, t.headerFields)
	}
	if rows > 0 && len(o.names) > found {
		return ir.Errorf("Parse", "Too many columns specified: expected %d and found %d", len(o.names), found)
	}
	return nil
}

// lineOf returns the 1-based line number (pandas' numbering: blank lines
// count, newlines inside quotes do not) of row localRow of chunk c.
func (t *table) lineOf(c *chunk, localRow int) int {
	tok := &tokenizer{data: t.data, sep: t.o.sep, quote: t.o.quote, usecols: true}
	var r run
	tok.tokenize(&r, c.r.start, len(t.data), len(t.data), localRow, false)
	return c.linesBefore + r.lines + 1
}

// rowError turns a chunk's conversion error into an *ir.Error naming the
// line.
func (t *table) rowError(c *chunk, e *rowErr) error {
	return ir.Errorf(e.kind, "%s (line %d)", e.msg, t.lineOf(c, e.row))
}

// valueAt returns field fileCol of global data row row, and its line.
func (t *table) valueAt(chunks []*chunk, row, fileCol int) ([]byte, int) {
	c := chunks[0]
	for _, x := range chunks {
		if x.rowsBefore <= row {
			c = x
		}
	}
	local := row - c.rowsBefore
	tok := &tokenizer{data: t.data, sep: t.o.sep, quote: t.o.quote, usecols: true}
	var r run
	tok.tokenize(&r, c.r.start, len(t.data), len(t.data), local, false)
	fields, _, _, ok, _ := readRecord(t.data, r.end, t.o.sep, t.o.quote)
	line := c.linesBefore + r.lines + 1
	if !ok || fileCol >= len(fields) {
		return nil, line
	}
	return fields[fileCol], line
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// utf8Message words a decoding failure at b[off] as Python's codec does
// (pandas decodes each field on its own, so positions are within the field).
func utf8Message(b []byte, off int) string {
	c := b[off]
	if c < 0xC2 || c > 0xF4 {
		return fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: invalid start byte", c, off)
	}
	need := 2
	if c >= 0xF0 {
		need = 4
	} else if c >= 0xE0 {
		need = 3
	}
	reason := ""
	n := 1 // bytes of a valid prefix
	for i := 1; i < need; i++ {
		if off+i >= len(b) {
			reason = "unexpected end of data"
			break
		}
		x := b[off+i]
		lo, hi := byte(0x80), byte(0xBF)
		if i == 1 {
			switch c {
			case 0xE0:
				lo = 0xA0
			case 0xED:
				hi = 0x9F
			case 0xF0:
				lo = 0x90
			case 0xF4:
				hi = 0x8F
			}
		}
		if x < lo || x > hi {
			reason = "invalid continuation byte"
			break
		}
		n++
	}
	if n == 1 {
		return fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: %s", c, off, reason)
	}
	return fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: %s", off, off+n-1, reason)
}

// newSlots returns a slot map (file column -> kept position) with no
// column kept; it covers every named column and the tokenizer's width.
func (t *table) newSlots() []int32 {
	slots := make([]int32, max(t.ncols, len(t.names)))
	for i := range slots {
		slots[i] = -1
	}
	return slots
}
