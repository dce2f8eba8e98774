package exec

// Streaming a Parquet scan into its aggregation (the stream stage, a stage
// of engine.Compile after fusion; FLERN_DISABLE_PASSES=stream): a fused
// filter/project/groupby_agg or reduction (lower's Q1/Q6-style frame
// fusion) whose input is a scan_parquet read by it alone does not wait for
// the scan's frame. The scan's node yields a scanStream instead of reading,
// and the aggregation reads the file a few row groups at a time
// (parquetio.Scanner, through the ParquetBatches hook), feeding each batch
// to its loop's partial states; the batch is then dropped. Peak memory is
// a batch and the states, not the scanned columns (TPC-H q1: 6M rows x 7
// columns).
//
// The result equals the materializing path's bit for bit: the partial
// states are kept as one run over all rows keeps them (lower.ParallelStream,
// lower.OrderedInto), which needs to know which of its summation orders the
// materializing path would take: a grouping by one sorted int key reduces
// each group in row order (ParallelOrdered), a selective filter groups only
// the selected rows (selectedGroupIDs), other groupings deal morsels round
// robin. The stream picks the order from its first batch and checks at the
// end (and on the way) that the whole scan would have led there; when it
// would not, or cannot tell, it reads the scan in full and runs the
// materializing path (the stream's work is lost, the result the same).

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// BatchScanner reads a scan's rows a few row groups at a time
// (parquetio.Scanner).
type BatchScanner interface {
	// Rows is the number of rows in the row groups read (before filters).
	Rows() int64
	// Next returns the rows of the next k row groups; nil at the end.
	Next(k int) (*col.Frame, error)
	// KeyDomain bounds the distinct tuples of int/datetime key columns
	// (+Inf: unknown) and tells whether one key is stored in order.
	KeyDomain(keys []string) (domain float64, sorted bool)
	// Recycle gives back a batch's buffers once it has been consumed.
	Recycle(f *col.Frame)
	// Close releases the file.
	Close()
}

// ParquetBatches opens the batched read of a scan_parquet node (set by the
// engine to parquetio.NewScanner; nil: no streaming).
var ParquetBatches func(attrs ir.Attrs, schema *ir.Schema, keys []col.KeyFilter) (BatchScanner, error)

// StreamName switches the stream stage off when listed in
// FLERN_DISABLE_PASSES (engine.Options.Disabled).
const StreamName = "stream"

// streamAttr is the attribute the stage sets on the aggregation (shown by
// explain()).
const streamAttr = "stream"

// StreamReport says what the stream stage did.
type StreamReport struct{ Scans int }

// Stream is the stream stage: it marks every fused aggregation that can read
// its scan_parquet input batch by batch (see the file comment). The scan
// must be read by that aggregation alone and not be a result (a kept
// result-cache frame is an output), carry no index labels, and the
// grouping keys be ints, datetimes or strings.
func Stream(g *ir.Graph) *StreamReport {
	rep := &StreamReport{}
	if ParquetBatches == nil {
		return rep
	}
	users := g.Users()
	outs := g.OutputSet()
	for _, n := range g.Nodes {
		k, ok := n.Attrs["kernel"].(*lower.Kernel)
		if n.Op != "fused" || !ok || k.Kind != "agg" || k.Agg == nil || len(n.Inputs) != 1 || !lower.Streamable(k.Loop) {
			continue
		}
		scan := g.Node(n.Inputs[0])
		if scan.Op != "scan_parquet" || outs[scan.ID] || len(users[scan.ID]) != 1 || scan.Schema == nil ||
			len(scan.Schema.Index) > 0 || scan.Schema.Dynamic {
			continue
		}
		if !StreamAll && !sortedKeyScan(scan, k) && !wholeScan(scan) {
			continue // (see StreamAll)
		}
		ok = true
		for _, key := range k.Agg.Keys {
			i := scan.Schema.Lookup(key)
			if i < 0 {
				ok = false
				break
			}
			t := scan.Schema.Fields[i].Type
			ok = ok && (t.IsInt() || t.IsDatetime() || t == ir.String)
		}
		if !ok {
			continue
		}
		n.Attrs[streamAttr] = fmt.Sprintf("reads %%%d %d row groups at a time", scan.ID, streamRowGroups())
		rep.Scans++
	}
	return rep
}

// StreamAll streams every aggregation the stage can; false (the default)
// only those whose materialized scan would be large: a scan that keeps
// every row of the row groups it reads (wholeScan: no pushed filter, no key
// sets; TPC-H q1's 6M rows x 7 columns), and a grouping by one int or
// datetime key the file stores sorted (sortedKeyScan: q18's l_orderkey),
// whose ordered stream turns each batch's finished groups into rows. A scan
// with a pushed filter or key sets is read as a whole: its frame holds only
// the kept rows (q6: 2% of lineitem, no lower peak streamed), and the
// reader tests the filter on all row groups in parallel.
var StreamAll = false

// sortedKeyScan reports whether k groups by one key that scan's file
// stores sorted.
func sortedKeyScan(scan *ir.Node, k *lower.Kernel) bool {
	return len(k.Agg.Keys) == 1 && StreamSortedKey != nil && StreamSortedKey(scan.Attrs, k.Agg.Keys[0])
}

// wholeScan reports whether scan keeps every row of the row groups it reads
// (no pushed filter, no key filters: its inputs).
func wholeScan(scan *ir.Node) bool {
	return scan.Attrs["filter"] == nil && len(scan.Inputs) == 0
}

// StreamSortedKey says whether a scan_parquet's file stores column sorted
// (set by the engine to parquetio.SortedColumn).
var StreamSortedKey func(attrs ir.Attrs, column string) bool

// StreamRowGroups is how many row groups a batch holds. One (lineitem:
// ~114K rows): the reader decodes a row group's columns in parallel, and
// the next batch is decoded while this one is aggregated (prefetch), so
// bigger batches only hold more memory (q1: 2 row groups, +40 MiB peak,
// no faster).
var StreamRowGroups = 1

func streamRowGroups() int { return max(1, StreamRowGroups) }

// scanStream is what a streamed scan's node yields: the node and its key
// filters, read by its aggregation.
type scanStream struct {
	node *ir.Node
	keys []col.KeyFilter
}

// streamedScans are the scan nodes whose only reader streams them.
func streamedScans(g *ir.Graph) map[ir.NodeID]bool {
	var m map[ir.NodeID]bool
	users := g.Users()
	outs := g.OutputSet()
	for _, n := range g.Nodes {
		if n.Op != "fused" || n.Attrs[streamAttr] == nil || len(n.Inputs) != 1 {
			continue
		}
		id := n.Inputs[0]
		if g.Node(id).Op != "scan_parquet" || outs[id] || len(users[id]) != 1 {
			continue
		}
		if m == nil {
			m = map[ir.NodeID]bool{}
		}
		m[id] = true
	}
	return m
}

// openStream is a streamed scan's node run: its key filters are built (its
// inputs are the joins' build sides) and nothing is read.
func openStream(n *ir.Node, in []any) (any, error) {
	frames := make([]*col.Frame, len(in))
	for i, x := range in {
		f, ok := x.(*col.Frame)
		if !ok {
			return nil, ir.Errorf("Internal", "%s: input %d is not a frame", n.Op, i)
		}
		frames[i] = f
	}
	keys, err := interp.ScanKeyFilters(n, frames)
	if err != nil {
		return nil, err
	}
	return &scanStream{node: n, keys: keys}, nil
}

// materialize reads a streamed scan in full (for a reader that does not
// stream after all).
func (s *scanStream) materialize(c *Ctx) (*col.Frame, error) {
	if interp.ReadParquet == nil {
		return nil, ir.Errorf("Internal", "no Parquet reader linked")
	}
	f, err := interp.ReadParquet(s.node.Attrs, s.node.Schema, s.keys)
	if err != nil {
		return nil, ir.AtNode(err, s.node)
	}
	return f, nil
}

// materializeInputs replaces the streamed scans among in by their frames.
func materializeInputs(c *Ctx, in []any) ([]any, error) {
	var out []any
	for i, x := range in {
		s, ok := x.(*scanStream)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), in...)
		}
		f, err := s.materialize(c)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	if out == nil {
		return in, nil
	}
	return out, nil
}

// restreams counts the streams that gave up (for tests).
var restreams atomic.Int64

// streamMaxGroups bounds the groups of a stream dealing rows round robin:
// each worker keeps every group's states and each batch's groups are looked
// up by key, which for many groups (TPC-H q20: ~500K (part, supplier)
// pairs) costs more time and memory than the materializing path's one
// grouping of the whole scan; such a stream gives up early.
const streamMaxGroups = 1 << 13

// errRestream says the stream cannot give the materializing path's bits.
var errRestream = fmt.Errorf("exec: a stream would not reproduce the materializing path (its summation order or grouping), or holds too many groups")

// streamAgg runs a fused aggregation over its streamed scan; when the
// stream cannot reproduce the materializing path it runs that path.
func streamAgg(c *Ctx, n *ir.Node, k *lower.Kernel, s *scanStream) (any, error) {
	out, err := streamAggOnce(c, n, k, s)
	if err != errRestream {
		return out, err
	}
	restreams.Add(1)
	if traceOut != nil && !c.quiet {
		fmt.Fprintf(traceOut, "flern exec: %s reads its scan in full (%v)\n", n.Op, err)
	}
	f, err := s.materialize(c)
	if err != nil {
		return nil, err
	}
	if err := c.mem.hold(s.node, f); err != nil {
		return nil, err
	}
	defer c.mem.drop(f)
	return runAggKernel(c, k, []any{f})
}

// aggStream is the state of one streamed aggregation.
type aggStream struct {
	c     *Ctx
	k     *lower.Kernel
	total int // the scan's rows before filters (picks native code)
	rows  int // rows fed so far (the frame's rows)

	// round robin (and whole-frame reductions): per-worker states
	parts []*lower.Outputs
	// ordered (one sorted int key): the batch's groups' states (local
	// ids); the groups a batch finishes are turned into result rows at once
	// (done), its last group is carried into the next batch
	ordered bool
	out     *lower.Outputs
	carry   []lower.Acc // per builder: the last group's state so far
	local   []int64     // the batch's groups' keys
	gid     []int64     // the batch's rows' local group ids
	done    ordDone

	// groups: the stream's groups by key (round robin; first appearance)
	ids     map[string]int64
	keyBuf  []byte
	keyCols [][]*col.Column // per key: the new groups' keys, batch by batch
	ng      int
	scratch idScratch // the batch's group ids (reused from batch to batch)

	// what the materializing path would see
	decreased bool     // some row's keys sort before the previous row's
	nulls     bool     // a key is missing somewhere
	lo, hi    int64    // the int key's range (ordered)
	last      int64    // the int key's last value (ordered)
	keyType   ir.DType // the int key's type (ordered)
	started   bool     // a batch with rows has been fed
	selected  int64    // rows the filter selected in the first batch (-1: not counted)
}

// streamAggOnce runs the stream; errRestream when its order would not be
// the materializing path's.
func streamAggOnce(c *Ctx, n *ir.Node, k *lower.Kernel, s *scanStream) (any, error) {
	if ParquetBatches == nil {
		return nil, errRestream
	}
	sc, err := ParquetBatches(s.node.Attrs, s.node.Schema, s.keys)
	if err != nil {
		return nil, ir.AtNode(err, s.node)
	}
	defer sc.Close()
	if keys := k.Agg.Keys; len(keys) > 0 {
		// a grouping the file's statistics show may have more groups than
		// a round-robin stream keeps, unless one key is stored sorted
		if d, sorted := sc.KeyDomain(keys); d > streamMaxGroups && !(len(keys) == 1 && sorted) {
			return nil, errRestream
		}
	}
	st := &aggStream{c: c, k: k, total: int(sc.Rows()), ids: map[string]int64{}, keyCols: make([][]*col.Column, len(k.Agg.Keys))}
	st.parts = lower.StreamParts(k.Loop)
	batches, stop := prefetch(sc, streamRowGroups())
	defer stop()
	for {
		if err := c.Context.Err(); err != nil {
			return nil, cancelled(err)
		}
		r := <-batches
		if r.err != nil {
			return nil, ir.AtNode(r.err, s.node)
		}
		b := r.f
		if b == nil {
			break
		}
		if err := c.mem.hold(s.node, b); err != nil {
			return nil, err
		}
		err = st.feed(b)
		c.mem.drop(b)
		if err != nil {
			return nil, err
		}
		sc.Recycle(b)
	}
	return st.finish()
}

// batch is one read of a BatchScanner.
type batch struct {
	f   *col.Frame
	err error
}

// ConcurrentBatches is a BatchScanner whose batches can also be read by
// number, concurrently (parquetio.Scanner): the prefetch then decodes
// several batches at once.
type ConcurrentBatches interface {
	// Batches is the number of batches of k row groups.
	Batches(k int) int
	// ReadBatch reads batch i of k row groups (the rows Next would return
	// for it); safe to call from several goroutines.
	ReadBatch(i, k int) (*col.Frame, error)
}

// prefetchDepth bounds the batches a prefetch holds ahead of its consumer
// (read or being read, not yet taken), on top of the one being folded.
// A batch's decode is parallel over its columns, but its columns differ in
// cost, so a batch decoded alone leaves a core idle at its end, and the
// consumer's fold has phases that use one core; reading the next batches
// concurrently keeps both cores busy. (TPC-H q1, one row group a batch of
// ~7 MiB: peak RSS ~232 MiB at depth 2, ~245 MiB at depth 3, no faster.)
func prefetchDepth() int { return runtime.GOMAXPROCS(0) }

// prefetch reads the scan's batches of k row groups ahead of the consumer,
// so that decoding the next batches overlaps folding this one; the channel
// yields them in order and ends with a nil frame or an error. A scanner
// with ConcurrentBatches has up to prefetchDepth batches read at once;
// another is read one batch ahead (the unbuffered channel: a decoded batch
// waits in the send). stop ends the reads and waits for the goroutines
// (before the scanner is closed).
func prefetch(sc BatchScanner, k int) (<-chan batch, func()) {
	if cs, ok := sc.(ConcurrentBatches); ok && prefetchDepth() > 1 {
		return prefetchConcurrent(cs, k, prefetchDepth())
	}
	ch := make(chan batch)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var r batch
			func() {
				defer func() {
					if p := recover(); p != nil {
						r = batch{err: fmt.Errorf("internal error (panic) reading a batch: %v", p)}
					}
				}()
				r.f, r.err = sc.Next(k)
			}()
			select {
			case ch <- r:
			case <-quit:
				return
			}
			if r.f == nil || r.err != nil {
				return
			}
		}
	}()
	return ch, func() {
		close(quit)
		<-done
	}
}

// prefetchConcurrent is prefetch reading up to depth batches at once: a
// dispatcher starts batch i's read once a token is free, each read lands
// in its own slot, and a deliverer hands the slots to the consumer in
// order, returning a token per batch taken.
func prefetchConcurrent(cs ConcurrentBatches, k, depth int) (<-chan batch, func()) {
	nb := cs.Batches(k)
	ch := make(chan batch)
	quit := make(chan struct{})
	tokens := make(chan struct{}, depth)
	slots := make([]chan batch, nb)
	for i := range slots {
		slots[i] = make(chan batch, 1) // a read never blocks on its send
	}
	var wg sync.WaitGroup
	read := func(i int) {
		defer wg.Done()
		var r batch
		defer func() {
			if p := recover(); p != nil {
				r = batch{err: fmt.Errorf("internal error (panic) reading a batch: %v", p)}
			}
			slots[i] <- r
		}()
		r.f, r.err = cs.ReadBatch(i, k)
	}
	wg.Add(2)
	go func() { // dispatcher
		defer wg.Done()
		for i := range nb {
			select {
			case tokens <- struct{}{}:
			case <-quit:
				return
			}
			wg.Add(1)
			go read(i)
		}
	}()
	go func() { // deliverer
		defer wg.Done()
		for i := range nb {
			var r batch
			select {
			case r = <-slots[i]:
			case <-quit:
				return
			}
			select {
			case ch <- r:
			case <-quit:
				return
			}
			if r.err != nil {
				return
			}
			<-tokens
		}
		select {
		case ch <- batch{}:
		case <-quit:
		}
	}()
	return ch, func() {
		close(quit)
		wg.Wait()
	}
}

// feed folds one batch into the states.
func (st *aggStream) feed(b *col.Frame) error {
	k, c := st.k, st.c
	l, p := k.Loop, k.Agg
	bufs, err := frameBufs(k, b)
	if err != nil {
		return err
	}
	first := !st.started && b.N > 0
	if len(p.Keys) > 0 {
		if b.N == 0 {
			return nil
		}
		gid, err := st.groups(b, first)
		if err != nil {
			return err
		}
		bufs[l.Group] = lower.Buf{I64: gid}
	}
	f := rangeFunc(k, l, bufs, max(st.total, b.N))
	if st.ordered {
		err = lower.OrderedInto(c.Context, l, b.N, bufs[l.Group].I64, st.out, f)
		if err == nil {
			st.flush(len(st.local) - 1)
		}
	} else {
		for _, part := range st.parts {
			lower.GrowGroups(l, part, st.ng)
		}
		err = lower.ParallelStream(c.Context, b.N, st.rows, st.parts, f)
	}
	if err != nil {
		return cancelled(err)
	}
	st.rows += b.N
	if first {
		st.started = true
		if p.Select != nil && len(p.Keys) > 0 && 2*st.countSelected() <= int64(b.N) {
			return errRestream // a selective filter: the selected rows alone are grouped
		}
	}
	return nil
}

// groups returns the batch's rows' group ids in the stream's numbering,
// registering its new groups, and notes what decides the order.
func (st *aggStream) groups(b *col.Frame, first bool) ([]int64, error) {
	p, l := st.k.Agg, st.k.Loop
	kcols := make([]*col.Column, len(p.Keys))
	for i, name := range p.Keys {
		if kcols[i] = keyColumn(b, name); kcols[i] == nil {
			return nil, ir.Errorf("ColumnNotFound", "column %q not found", name)
		}
		if kcols[i].Valid != nil && kcols[i].HasNulls() {
			st.nulls = true
		}
	}
	intKey := len(kcols) == 1 && (kcols[0].Type.IsInt() || kcols[0].Type.IsDatetime()) && !st.nulls
	if first {
		grouped := true
		for _, bl := range l.Builders {
			grouped = grouped && bl.Kind == lower.GroupMerge
		}
		// (a scan of fewer rows than sortedRunsMinRows is never grouped
		// as sorted runs)
		st.ordered = grouped && intKey && st.total >= sortedRunsMinRows && nonDecreasing(kcols[0].I64[:b.N], kcols[0].I64[0])
		if st.ordered {
			st.lo, st.last, st.keyType = kcols[0].I64[0], kcols[0].I64[0], kcols[0].Type
		}
	}
	if st.ordered {
		v := kcols[0].I64[:b.N]
		if !intKey || v[0] < st.last {
			return nil, errRestream // not sorted after all: round robin
		}
		// local ids (one pass, buffers reused from batch to batch): group 0
		// continues the carried group when the batch starts with its key
		if cap(st.gid) < b.N {
			st.gid = col.Uninit[int64](b.N + b.N/8)
		}
		gid := st.gid[:b.N]
		local := append(st.local[:0], v[0])
		g, prev := int64(0), v[0]
		for i, x := range v {
			if x != prev {
				if x < prev {
					return nil, errRestream
				}
				g++
				local = append(local, x)
				prev = x
			}
			gid[i] = g
		}
		st.local = local
		cont := st.carry != nil && v[0] == st.last
		if st.carry != nil && !cont {
			st.flushCarry()
		}
		st.ng += len(local)
		if cont {
			st.ng--
		}
		if st.out == nil {
			st.out = lower.NewOutputs(l, 0, 0)
		}
		for i, bl := range l.Builders {
			if bl.Kind == lower.GroupMerge {
				if cap(st.out.Groups[i]) < len(local) {
					st.out.Groups[i] = make([]lower.Acc, len(local)+len(local)/4)
				}
				st.out.Groups[i] = st.out.Groups[i][:len(local)]
				clear(st.out.Groups[i])
				if cont {
					st.out.Groups[i][0] = st.carry[i]
				}
			}
		}
		st.last, st.hi = v[len(v)-1], v[len(v)-1]
		return gid, nil
	}
	// round robin: the batch's groups (in key order) mapped to the stream's
	lgid, lng, lkeys, _, err := orderedGroupIDsInto(st.c, nil, b, p.Keys, p.Dropna, &st.scratch)
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(lgid) && !st.decreased; i++ {
		st.decreased = lgid[i] < lgid[i-1]
	}
	m := make([]int64, lng)
	var fresh []int
	for j := range lng {
		st.keyBuf = appendKey(st.keyBuf[:0], lkeys, j)
		id, ok := st.ids[string(st.keyBuf)]
		if !ok {
			id = int64(st.ng)
			st.ids[string(st.keyBuf)] = id
			st.ng++
			fresh = append(fresh, j)
		}
		m[j] = id
	}
	if len(fresh) > 0 {
		for i, kc := range lkeys {
			st.keyCols[i] = append(st.keyCols[i], kc.Take(fresh))
		}
	}
	if st.ng > streamMaxGroups {
		return nil, errRestream
	}
	for i, g := range lgid {
		if g >= 0 {
			lgid[i] = m[g]
		}
	}
	return lgid, nil
}

// ordDone are an ordered stream's finished groups as result pieces.
type ordDone struct {
	keys     []*col.Column // the kept groups' keys, batch by batch
	nkeys    int
	cols     [][]*col.Column // per aggregated column: its pieces
	selected int64           // the filter's selected rows in them
}

// flush turns the batch's groups before local group last into result rows
// and carries group last into the next batch.
func (st *aggStream) flush(last int) {
	acc := func(b int) []lower.Acc { return st.out.Groups[b][:last] }
	st.done.add(st.k, acc, st.local[:last])
	st.carry = make([]lower.Acc, len(st.out.Groups))
	for i, g := range st.out.Groups {
		if g != nil {
			st.carry[i] = g[last]
		}
	}
	st.last = st.local[last]
}

// flushCarry turns the carried group into a result row.
func (st *aggStream) flushCarry() {
	if st.carry == nil {
		return
	}
	carry := st.carry
	acc := func(b int) []lower.Acc { return carry[b : b+1] }
	st.done.add(st.k, acc, []int64{st.last})
	st.carry = nil
}

// add appends the groups (keys; their states acc(builder)) that have a
// selected row.
func (d *ordDone) add(k *lower.Kernel, acc func(b int) []lower.Acc, keys []int64) {
	p := k.Agg
	var keep []int
	for g, a := range acc(p.Rows) {
		d.selected += a.N
		if a.N > 0 {
			keep = append(keep, g)
		}
	}
	if len(keep) == 0 {
		return
	}
	kept := make([]int64, len(keep))
	for i, g := range keep {
		kept[i] = keys[g]
	}
	d.keys = append(d.keys, col.NewInt64(kept))
	d.nkeys += len(kept)
	if d.cols == nil {
		d.cols = make([][]*col.Column, len(p.Outs))
	}
	for i, c := range aggColumns(k, acc, keep) {
		d.cols[i] = append(d.cols[i], c)
	}
}

// frame assembles the result.
func (d *ordDone) frame(c *Ctx, k *lower.Kernel, keyType ir.DType) (*col.Frame, error) {
	if d.nkeys == 0 {
		return nil, errRestream // (no group: the materializing path shapes the empty result)
	}
	cols := make([]*col.Column, len(d.cols))
	for i, ps := range d.cols {
		cl, ok, err := concatCols(c, nil, ps)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errRestream
		}
		cols[i] = cl
	}
	kc, ok, err := concatCols(c, nil, d.keys)
	if err != nil || !ok {
		return nil, errRestream
	}
	kc = &col.Column{Type: keyType, N: kc.N, I64: kc.I64}
	return aggAssemble(k, d.nkeys, []*col.Column{kc}, cols), nil
}

// nonDecreasing reports whether v never decreases, starting from prev.
func nonDecreasing(v []int64, prev int64) bool {
	for _, x := range v {
		if x < prev {
			return false
		}
		prev = x
	}
	return true
}

// appendKey appends an encoding of row j of the key columns to buf (equal
// encodings: equal keys).
func appendKey(buf []byte, kcols []*col.Column, j int) []byte {
	for _, kc := range kcols {
		if !kc.IsValid(j) {
			buf = append(buf, 0)
			continue
		}
		buf = append(buf, 1)
		if kc.Type == ir.String {
			s := kc.Data[kc.Offs[j]:kc.Offs[j+1]]
			buf = binary.LittleEndian.AppendUint64(buf, uint64(len(s)))
			buf = append(buf, s...)
			continue
		}
		buf = binary.LittleEndian.AppendUint64(buf, uint64(kc.I64[j]))
	}
	return buf
}

// countSelected is the number of rows the filter selected so far (with a
// key: of the rows with a group).
func (st *aggStream) countSelected() int64 {
	p := st.k.Agg
	var n int64
	if st.ordered {
		n = st.done.selected
		if st.carry != nil {
			n += st.carry[p.Rows].N
		}
		return n
	}
	for _, part := range st.parts {
		if len(p.Keys) == 0 {
			n += part.Merge[p.Rows].N
			continue
		}
		for _, a := range part.Groups[p.Rows] {
			n += a.N
		}
	}
	return n
}

// finish checks that the materializing path would have taken the stream's
// order and assembles the result.
func (st *aggStream) finish() (*col.Frame, error) {
	k := st.k
	l, p := k.Loop, k.Agg
	if len(p.Keys) == 0 {
		return aggFrame(k, lower.Combine(l, st.parts, 0), nil), nil
	}
	if st.ng == 0 {
		return nil, errRestream // (no group: the materializing path shapes the empty result)
	}
	if p.Select != nil && st.rows > 0 && 2*st.countSelected() <= int64(st.rows) {
		return nil, errRestream // selective over the whole scan
	}
	// sortedRuns (sortedkeys.go) finds a sorted int key of at least
	// sortedRunsMinRows rows unless the small-domain grouping takes it
	// first (a range below smallGroupsMax: cannot tell)
	runs := st.rows >= sortedRunsMinRows
	if st.ordered {
		if !runs || st.hi-st.lo < smallGroupsMax {
			return nil, errRestream
		}
		st.flushCarry()
		return st.done.frame(st.c, k, st.keyType)
	}
	grouped := true
	for _, bl := range l.Builders {
		grouped = grouped && bl.Kind == lower.GroupMerge
	}
	if grouped && runs && !st.decreased && !st.nulls {
		return nil, errRestream // sorted keys: ParallelOrdered's order
	}
	res := lower.Combine(l, st.parts, st.ng)
	// the stream's groups in key order
	all := &col.Frame{N: st.ng}
	for i, name := range p.Keys {
		kc, ok, err := concatCols(st.c, nil, st.keyCols[i])
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errRestream
		}
		all.Names = append(all.Names, name)
		all.Cols = append(all.Cols, kc)
	}
	rank, ng, keyCols, err := groupIDs(st.c, nil, all, p.Keys, p.Dropna)
	if err != nil {
		return nil, err
	}
	if ng != st.ng {
		return nil, ir.Errorf("Internal", "stream: %d groups regrouped as %d", st.ng, ng)
	}
	for i, bl := range l.Builders {
		if bl.Kind != lower.GroupMerge {
			continue
		}
		sorted := make([]lower.Acc, ng)
		for g, a := range res.Groups[i] {
			sorted[rank[g]] = a
		}
		res.Groups[i] = sorted
	}
	return aggFrame(k, res, keyCols), nil
}
