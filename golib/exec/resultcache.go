package exec

// The result cache: frames computed by one run, kept in Go memory so that a
// later plan containing the identical subplan reads them instead of
// recomputing them (common-subexpression elimination across runs).
//
// A subplan's key is a structural hash (SubplanKeys): op, attributes
// (literal values and their dtypes included) and the inputs' keys, plus, for
// a file scan, the file's identity (absolute path, size, modification time,
// inode, change time), so a rewritten file gives new keys and its old
// entries are dropped when the new identity is first seen. Only
// deterministic frame ops over files have keys: a plan reading in-memory
// data (source, source_tensor), training state, random ops or anything not
// listed in cacheable never does.
//
// The cache is an LRU bounded by a byte budget (FLERN_RESULT_CACHE_BYTES,
// default min(1 GiB, 1/8 of RAM)); a column shared by several entries (a
// frame and the frame computed from it by adding columns) is counted once. engine.Compile decides what to keep
// and what to substitute (golib/engine).

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// cacheable lists the ops whose results are a pure function of their
// inputs, attributes and (scans) file contents.
var cacheable = map[string]bool{
	"scan_csv": true, "scan_parquet": true, "scan_ipc": true, "project": true, "filter": true,
	"join": true, "semi_join": true, "groupby_agg": true, "sort": true, "topk": true, "slice": true,
	"dropna": true, "set_index": true, "reset_index": true, "distinct": true, "value_counts": true,
	"drop_rows": true, "sort_index": true, "select": true, "assign": true, "rename": true, "drop_columns": true,
	"get_dummies": true, "transpose_row": true, "attach_row": true,
}

// scanOps are the cacheable ops that read a file named by attrs.path.
var scanOps = map[string]bool{"scan_csv": true, "scan_parquet": true, "scan_ipc": true}

// FileID identifies one version of a file: "path|size|mtime_ns|ino|ctime_ns".
type FileID struct {
	Path string // absolute
	ID   string
}

// StatFile returns path's identity, or false when it cannot be read.
func StatFile(path string) (FileID, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return FileID{}, false
	}
	fi, err := os.Stat(abs)
	if err != nil || fi.IsDir() {
		return FileID{}, false
	}
	id := fmt.Sprintf("%d|%d", fi.Size(), fi.ModTime().UnixNano())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id += fmt.Sprintf("|%d|%d|%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
	}
	return FileID{Path: abs, ID: id}, true
}

// SubplanKeys returns the structural key of every node of the recorded
// graph g ("" where the node's result may not be cached) and, per node, the
// files its subplan scans.
func SubplanKeys(g *ir.Graph) (keys []string, files [][]FileID) {
	keys = make([]string, len(g.Nodes))
	files = make([][]FileID, len(g.Nodes))
	for _, n := range g.Nodes {
		if !cacheable[n.Op] || n.Schema == nil || n.Schema.Tensor != nil {
			continue
		}
		var b strings.Builder
		b.WriteString(n.Op)
		ok := true
		var fs []FileID
		for _, in := range n.Inputs {
			if keys[in] == "" {
				ok = false
				break
			}
			b.WriteString(" <")
			b.WriteString(keys[in])
			b.WriteString(">")
			fs = mergeFiles(fs, files[in])
		}
		if !ok {
			continue
		}
		if scanOps[n.Op] {
			fid, found := StatFile(n.Attrs.Str("path"))
			if !found {
				continue
			}
			b.WriteString(" file=")
			b.WriteString(strconv.Quote(fid.Path + "|" + fid.ID))
			fs = mergeFiles(fs, []FileID{fid})
		}
		writeAttrs(&b, n.Attrs)
		sum := sha256.Sum256([]byte(b.String()))
		keys[n.ID] = hex.EncodeToString(sum[:16])
		files[n.ID] = fs
	}
	return keys, files
}

func mergeFiles(a, b []FileID) []FileID {
	for _, f := range b {
		dup := false
		for _, g := range a {
			if g == f {
				dup = true
				break
			}
		}
		if !dup {
			a = append(a, f)
		}
	}
	return a
}

// writeAttrs prints attributes canonically with every literal's dtype and
// exact value (ir.Print drops the dtype of float literals).
func writeAttrs(b *strings.Builder, a ir.Attrs) {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(k))
		b.WriteString("=")
		writeValue(b, a[k])
	}
}

func writeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
	case string:
		b.WriteString(strconv.Quote(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		writeFloat(b, x)
	case int64:
		b.WriteString("i" + strconv.FormatInt(x, 10))
	case int:
		b.WriteString("i" + strconv.Itoa(x))
	case []any:
		b.WriteString("[")
		for _, e := range x {
			writeValue(b, e)
			b.WriteString(",")
		}
		b.WriteString("]")
	case []string:
		b.WriteString("[")
		for _, e := range x {
			b.WriteString(strconv.Quote(e) + ",")
		}
		b.WriteString("]")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for _, k := range keys {
			b.WriteString(strconv.Quote(k) + ":")
			writeValue(b, x[k])
			b.WriteString(",")
		}
		b.WriteString("}")
	case *ir.Expr:
		writeExpr(b, x)
	case []ir.NamedExpr:
		b.WriteString("[")
		for _, ne := range x {
			b.WriteString(strconv.Quote(ne.Name) + ":")
			writeExpr(b, ne.Expr)
			b.WriteString(",")
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(b, "%T:%#v", v, v)
	}
}

func writeFloat(b *strings.Builder, f float64) {
	if math.IsNaN(f) {
		b.WriteString("nan")
		return
	}
	b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
}

func writeExpr(b *strings.Builder, e *ir.Expr) {
	if e == nil {
		b.WriteString("nil")
		return
	}
	switch e.Kind {
	case ir.ExprCol:
		b.WriteString("col(" + strconv.Quote(e.Name) + ")")
	case ir.ExprLit:
		v := e.Lit
		b.WriteString("lit<" + v.Type.String() + ">(")
		switch v.Type {
		case ir.Float64, ir.Float32:
			writeFloat(b, v.F)
		case ir.Bool:
			b.WriteString(strconv.FormatBool(v.B))
		case ir.String:
			b.WriteString(strconv.Quote(v.S))
		case ir.Null:
		default:
			b.WriteString(strconv.FormatInt(v.I, 10))
		}
		b.WriteString(")")
	default:
		b.WriteString(strconv.Quote(e.Name) + "(")
		for _, a := range e.Args {
			writeExpr(b, a)
			b.WriteString(",")
		}
		if len(e.Opts) > 0 {
			writeValue(b, map[string]any(e.Opts))
		}
		b.WriteString(")")
	}
}

// ResultCache is a byte-bounded LRU of frames by subplan key; safe for
// concurrent use.
type ResultCache struct {
	mu      sync.Mutex
	budget  int64
	bytes   int64
	lru     *list.List // of *cacheEntry, most recent first
	entries map[string]*list.Element
	files   map[string]string // absolute path -> the identity entries were keyed with
	refs    map[*col.Column]int
	sights  map[string]int                 // probes run per subplan key (engine's keep-after rule)
	tooBig  map[string]bool                // keys whose kept frame exceeded the budget
	narrow  map[string]map[string][]string // base key -> narrowed entry key -> its columns (resultnarrow.go)
	stats   CacheStats
}

// CacheStats counts what the cache did.
type CacheStats struct {
	Entries   int   `json:"entries"`
	Bytes     int64 `json:"bytes"`
	Budget    int64 `json:"budget"`
	Hits      int64 `json:"hits"`
	Stores    int64 `json:"stores"`
	Evictions int64 `json:"evictions"`
	Dropped   int64 `json:"dropped"`
	TooBig    int64 `json:"too_big"`
}

type cacheEntry struct {
	key   string
	frame *col.Frame
	cols  []*col.Column // distinct columns and index levels
	files []FileID
	base  string // a narrowed entry's subplan key ("" for a whole frame; resultnarrow.go)
}

// NewResultCache returns an empty cache holding at most budget bytes.
func NewResultCache(budget int64) *ResultCache {
	return &ResultCache{budget: budget, lru: list.New(), entries: map[string]*list.Element{}, files: map[string]string{},
		refs: map[*col.Column]int{}, sights: map[string]int{}, tooBig: map[string]bool{},
		narrow: map[string]map[string][]string{}}
}

// maxSights bounds the probe counts kept; past it they start again at zero.
const maxSights = 1 << 14

// Saw counts one probe run of the subplan under key.
func (rc *ResultCache) Saw(key string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.sights) >= maxSights {
		clear(rc.sights)
	}
	rc.sights[key]++
}

// TooBig reports whether a frame kept under key was larger than the whole
// budget: keeping it again would only compute its every column for nothing
// (TPC-H q14's probed join, kept after a few probes, recomputed unfiltered
// on every later run).
func (rc *ResultCache) TooBig(key string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.tooBig[key]
}

// Sights is how many probe runs of the subplan under key Saw counted.
func (rc *ResultCache) Sights(key string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.sights[key]
}

// Results is the process-wide result cache.
var Results = NewResultCache(defaultResultBudget())

// defaultResultBudget is FLERN_RESULT_CACHE_BYTES when set, else
// min(1 GiB, RAM/8).
func defaultResultBudget() int64 {
	if s := os.Getenv("FLERN_RESULT_CACHE_BYTES"); s != "" {
		if n, err := ParseBytes(s); err == nil {
			return n
		}
	}
	budget := int64(1 << 30)
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		if ram := int64(si.Totalram) * int64(si.Unit); ram > 0 && ram/8 < budget {
			budget = ram / 8
		}
	}
	return budget
}

// distinctCols lists f's columns and index levels, each once.
func distinctCols(f *col.Frame) []*col.Column {
	seen := map[*col.Column]bool{}
	var out []*col.Column
	for _, c := range append(append([]*col.Column(nil), f.Cols...), f.Index...) {
		if c != nil && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// newBytes is the size of the columns in cols no entry holds yet.
func (rc *ResultCache) newBytes(cols []*col.Column) int64 {
	var n int64
	for _, c := range cols {
		if rc.refs[c] == 0 {
			n += colBytes(c)
		}
	}
	return n
}

// Get returns the frame under key and marks it recently used.
func (rc *ResultCache) Get(key string) (*col.Frame, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[key]
	if !ok {
		return nil, false
	}
	rc.lru.MoveToFront(e)
	rc.stats.Hits++
	return e.Value.(*cacheEntry).frame, true
}

// Peek returns the frame under key (no LRU update, no statistics).
func (rc *ResultCache) Peek(key string) (*col.Frame, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[key]
	if !ok {
		return nil, false
	}
	return e.Value.(*cacheEntry).frame, true
}

// Contains reports whether key is cached (no LRU update, no statistics).
func (rc *ResultCache) Contains(key string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	_, ok := rc.entries[key]
	return ok
}

// Put keeps f under key. files are the identities of the files its subplan
// scanned: entries keyed with another identity of one of them (the file
// changed) are dropped. A frame larger than the budget is not kept; older
// entries are evicted until the new one fits.
func (rc *ResultCache) Put(key string, f *col.Frame, files []FileID) { rc.put(key, "", f, files) }

// put is Put; base is a narrowed entry's subplan key (PutNarrow).
func (rc *ResultCache) put(key, base string, f *col.Frame, files []FileID) {
	if f == nil || key == "" {
		return
	}
	cols := distinctCols(f)
	var size int64
	for _, c := range cols {
		size += colBytes(c)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, fid := range files {
		if old, ok := rc.files[fid.Path]; ok && old != fid.ID {
			rc.dropFileLocked(fid.Path, old)
		}
		rc.files[fid.Path] = fid.ID
	}
	if e, ok := rc.entries[key]; ok {
		rc.lru.MoveToFront(e)
		return
	}
	if size > rc.budget {
		rc.stats.TooBig++
		if len(rc.tooBig) >= maxSights {
			clear(rc.tooBig)
		}
		rc.tooBig[key] = true
		return
	}
	for rc.bytes+rc.newBytes(cols) > rc.budget && rc.lru.Len() > 0 {
		rc.removeLocked(rc.lru.Back())
		rc.stats.Evictions++
	}
	rc.bytes += rc.newBytes(cols)
	for _, c := range cols {
		rc.refs[c]++
	}
	rc.entries[key] = rc.lru.PushFront(&cacheEntry{key: key, frame: f, cols: cols, files: files, base: base})
	if base != "" {
		if rc.narrow[base] == nil {
			rc.narrow[base] = map[string][]string{}
		}
		rc.narrow[base][key] = append([]string(nil), f.Names...)
	}
	rc.stats.Stores++
}

// dropFileLocked removes the entries that scanned path with identity id.
func (rc *ResultCache) dropFileLocked(path, id string) {
	for e := rc.lru.Front(); e != nil; {
		next := e.Next()
		for _, f := range e.Value.(*cacheEntry).files {
			if f.Path == path && f.ID == id {
				rc.removeLocked(e)
				rc.stats.Dropped++
				break
			}
		}
		e = next
	}
}

func (rc *ResultCache) removeLocked(e *list.Element) {
	ce := e.Value.(*cacheEntry)
	rc.lru.Remove(e)
	delete(rc.entries, ce.key)
	if ce.base != "" {
		if m := rc.narrow[ce.base]; m != nil {
			if delete(m, ce.key); len(m) == 0 {
				delete(rc.narrow, ce.base)
			}
		}
	}
	for _, c := range ce.cols {
		if rc.refs[c]--; rc.refs[c] == 0 {
			delete(rc.refs, c)
			rc.bytes -= colBytes(c)
		}
	}
}

// Drop removes key (no-op when absent) and forgets the probes counted
// under it: the caller drops a key once no node it was kept for is alive,
// and a later plan over new nodes starts the keep-after count again.
func (rc *ResultCache) Drop(key string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	delete(rc.sights, key)
	if e, ok := rc.entries[key]; ok {
		rc.removeLocked(e)
		rc.stats.Dropped++
	}
}

// Clear removes every entry and resets the counters and probe counts.
func (rc *ResultCache) Clear() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.stats = CacheStats{}
	rc.lru.Init()
	rc.entries = map[string]*list.Element{}
	rc.files = map[string]string{}
	rc.refs = map[*col.Column]int{}
	rc.sights = map[string]int{}
	rc.narrow = map[string]map[string][]string{}
	rc.bytes = 0
}

// SetBudget changes the byte budget, evicting least recently used entries
// until the cache fits.
func (rc *ResultCache) SetBudget(n int64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.budget = n
	for rc.bytes > rc.budget && rc.lru.Len() > 0 {
		rc.removeLocked(rc.lru.Back())
		rc.stats.Evictions++
	}
}

// Stats returns the counters and the current size.
func (rc *ResultCache) Stats() CacheStats {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	s := rc.stats
	s.Entries, s.Bytes, s.Budget = rc.lru.Len(), rc.bytes, rc.budget
	return s
}
