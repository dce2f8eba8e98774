package csvio

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/flern/flern/golib/ir"
)

// span locates one field in the file. For a plain field (unquoted, or quoted
// without doubled quotes or text after the closing quote) data[s:e] is the
// value. A negative s marks a field that must be unescaped: data[^s:e] is
// its raw text, starting at the opening quote.
type span struct{ s, e int }

// tokenizer splits records into fields with the rules of pandas' C parser
// (doublequote=True, no escapechar, no comments, skip_blank_lines=True).
type tokenizer struct {
	data       []byte
	sep, quote byte
	ncols      int     // columns of the table
	slots      []int32 // file column -> position in a row of spans, or -1 (may be longer than ncols: names= beyond the fields)
	k          int     // spans kept per row
	usecols    bool    // rows longer than the table are allowed (pandas skips the check with usecols)
	all        bool    // keep the spans of fields beyond the slots in run.all (readRecord)
}

// tokErr is a tokenizer error; its line numbers are relative to the run.
type tokErr struct {
	kind   int // errRagged, errEOFQuote, errImplicitIndex
	line   int // line units consumed before the record
	fields int
}

const (
	errRagged = iota
	errEOFQuote
	errImplicitIndex
)

// run is one tokenizer pass over part of the file.
type run struct {
	start, end int // bytes consumed: [start, end)
	spans      []span
	nrows      int
	maxFields  int // the most fields a record had
	lines      int // pandas' file_lines: records plus skipped blank lines
	all        []span
	aborted    bool
	err        *tokErr
}

// tokenize reads records from start (which must be a record start) until
// the first record start at or after stopAt, or EOF, or maxRows records
// (maxRows < 0: no limit). A quoted field that runs past limit aborts the
// run (speculative chunks). firstRow marks the table's first data row,
// which pandas allows to be longer than the header (an implicit index).
func (t *tokenizer) tokenize(r *run, start, stopAt, limit, maxRows int, firstRow bool) {
	data := t.data
	n := len(data)
	if limit > n {
		limit = n
	}
	sep, quote := t.sep, t.quote
	k := t.k
	slots := t.slots
	nslots := len(slots)
	ncols := t.ncols
	sepW := bcast(sep)
	spans := r.spans[:0]
	r.all = r.all[:0]
	r.start, r.nrows, r.lines, r.maxFields, r.aborted, r.err = start, 0, 0, 0, false, nil
	p := start
	for p < stopAt && p < n {
		c := data[p]
		// skipped blank (or whitespace-only) lines
		if c == '\n' {
			r.lines++
			p++
			continue
		}
		if c == '\r' {
			r.lines++
			p++
			if p < n && data[p] == '\n' {
				p++
			}
			continue
		}
		if (c == ' ' || c == '\t') && c != sep {
			q := p + 1
			for q < n && (data[q] == ' ' || data[q] == '\t') && data[q] != sep {
				q++
			}
			if q >= n {
				p = n
				break
			}
			if data[q] == '\n' {
				r.lines++
				p = q + 1
				continue
			}
			if data[q] == '\r' {
				r.lines++
				p = q + 1
				if p < n && data[p] == '\n' {
					p++
				}
				continue
			}
		}
		if r.nrows == maxRows {
			break
		}
		base := len(spans)
		if cap(spans)-base >= k {
			spans = spans[:base+k] // every slot is written below
		} else {
			spans = append(spans, make([]span, k)...)
		}
		field := 0
		for {
			var sp span
			if p < n && data[p] == quote {
				q0 := p
				q := p + 1
				complex := false
				for {
					i := -1
					if q < limit {
						i = bytes.IndexByte(data[q:limit], quote)
					}
					if i < 0 {
						if limit < n {
							r.aborted = true
						} else {
							r.err = &tokErr{kind: errEOFQuote, line: r.lines}
						}
						r.end, r.spans = p, spans[:base]
						return
					}
					q += i
					if q+1 < n && data[q+1] == quote {
						complex = true
						q += 2
						continue
					}
					break
				}
				p = q + 1
				if p < n {
					if c := data[p]; c != sep && c != '\n' && c != '\r' {
						complex = true
						for p < n {
							c = data[p]
							if c == sep || c == '\n' || c == '\r' {
								break
							}
							p++
						}
					}
				}
				if complex {
					sp = span{^q0, p}
				} else {
					sp = span{q0 + 1, q}
				}
			} else {
				s := p
				// eight bytes at a time: find the first separator, \n or \r
				for p+8 <= n {
					w := binary.LittleEndian.Uint64(data[p:])
					// bytes below 0x0e (\n, \r and a few rarer controls) or sep
					if m := hasLess0e(w) | hasZero(w^sepW); m != 0 {
						p += bits.TrailingZeros64(m) >> 3
						if c := data[p]; c == sep || c == '\n' || c == '\r' {
							goto found
						}
						p++ // a tab or other control byte inside the field
						continue
					}
					p += 8
				}
				for p < n {
					c := data[p]
					if c == sep || c == '\n' || c == '\r' {
						break
					}
					p++
				}
			found:
				sp = span{s, p}
			}
			if field < nslots {
				if j := slots[field]; j >= 0 {
					spans[base+int(j)] = sp
				}
			} else if t.all {
				r.all = append(r.all, sp)
			}
			field++
			if p < n && data[p] == sep {
				p++
				continue
			}
			if p < n {
				if data[p] == '\r' {
					p++
					if p < n && data[p] == '\n' {
						p++
					}
				} else {
					p++
				}
			}
			break
		}
		if field > r.maxFields {
			r.maxFields = field
		}
		// a short row: the missing fields are empty (pandas pads them)
		for f := field; f < nslots; f++ {
			if j := slots[f]; j >= 0 {
				spans[base+int(j)] = span{}
			}
		}
		if field > ncols {
			if firstRow && r.nrows == 0 {
				r.err = &tokErr{kind: errImplicitIndex, line: r.lines, fields: field}
			} else if !t.usecols {
				r.err = &tokErr{kind: errRagged, line: r.lines, fields: field}
			}
			if r.err != nil {
				r.end, r.spans = p, spans[:base]
				return
			}
		}
		r.lines++
		r.nrows++
	}
	r.end, r.spans = p, spans
}

// hasLess0e flags (at least) the lowest byte of v below 0x0e, exactly.
func hasLess0e(v uint64) uint64 { return (v - 0x0e0e0e0e0e0e0e0e) &^ v & 0x8080808080808080 }

// bcast repeats a byte in every byte of a word.
func bcast(c byte) uint64 { return uint64(c) * 0x0101010101010101 }

// hasZero has the high bit set in (at least) the lowest zero byte of v and
// in no byte below it.
func hasZero(v uint64) uint64 { return (v - 0x0101010101010101) &^ v & 0x8080808080808080 }

// toError formats a tokenizer error; lineBase is the number of line units
// before the run.
func (e *tokErr) toError(lineBase, ncols int) error {
	line := lineBase + e.line
	switch e.kind {
	case errRagged:
		return ir.Errorf("Parse", "Error tokenizing data. C error: Expected %d fields in line %d, saw %d", ncols, line+1, e.fields)
	case errEOFQuote:
		return ir.Errorf("Parse", "Error tokenizing data. C error: EOF inside string starting at row %d", line)
	default:
		return ir.Errorf("NotImplemented", "read_csv: the first data row (line %d) has %d fields but there are %d columns; pandas would use the extra leading fields as the index (index_col inference), which is not supported", line+1, e.fields, ncols)
	}
}

// field returns the value of a span, unescaping into scratch when needed.
func field(data []byte, sp span, quote byte, scratch *[]byte) []byte {
	if sp.s >= 0 {
		return data[sp.s:sp.e]
	}
	*scratch = unescape((*scratch)[:0], data[^sp.s:sp.e], quote)
	return *scratch
}

// unescape decodes a raw quoted field: doubled quotes become one quote, and
// text after the closing quote is kept verbatim (as pandas does).
func unescape(dst, raw []byte, quote byte) []byte {
	raw = raw[1:]
	for {
		i := bytes.IndexByte(raw, quote)
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		if i+1 < len(raw) && raw[i+1] == quote {
			dst = append(dst, quote)
			raw = raw[i+2:]
			continue
		}
		return append(dst, raw[i+1:]...)
	}
}

// readRecord reads the first record at or after p (skipping blank lines)
// and returns all its fields, unescaped, the position after it and the line
// units consumed (the blank lines and the record). ok is false at EOF.
func readRecord(data []byte, p int, sep, quote byte) (fields [][]byte, next, lines int, ok bool, err *tokErr) {
	t := &tokenizer{data: data, sep: sep, quote: quote, usecols: true, all: true}
	var r run
	t.tokenize(&r, p, len(data), len(data), 1, false)
	if r.err != nil || r.nrows == 0 {
		return nil, r.end, r.lines, false, r.err
	}
	var scratch []byte
	fields = make([][]byte, len(r.all))
	for i, sp := range r.all {
		fields[i] = append([]byte{}, field(data, sp, quote, &scratch)...)
	}
	return fields, r.end, r.lines, true, nil
}

// quoteParity enables quote-aware split points (tests turn it off to
// exercise the re-reading of wrongly split chunks).
var quoteParity = true

// planChunks splits data[start:] into pieces of about target bytes, each
// ending just after a newline. When the data has quote characters, split
// points are newlines preceded by an even number of quotes (outside a
// quoted field in well-formed CSV); the scan validates every split anyway.
func planChunks(data []byte, start, target int, quote byte) []int {
	bounds := []int{start}
	quoted := quoteParity && bytes.IndexByte(data[start:], quote) >= 0
	parity, counted := 0, start // quotes in data[start:counted], mod 2
	for pos := start + target; pos < len(data); {
		i := bytes.IndexByte(data[pos:], '\n')
		if i < 0 {
			break
		}
		b := pos + i + 1
		if quoted {
			parity ^= bytes.Count(data[counted:pos], []byte{quote}) & 1
			j := pos
			for ; j < len(data); j++ {
				if c := data[j]; c == quote {
					parity ^= 1
				} else if c == '\n' && parity == 0 {
					break
				}
			}
			counted = j
			b = j + 1
		}
		if b >= len(data) {
			break
		}
		bounds = append(bounds, b)
		pos = b + target
	}
	return append(bounds, len(data))
}
