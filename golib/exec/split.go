package exec

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
	"github.com/flern/flern/golib/tensor"
)

// The split stage (Mozart-style split inference): a row-local tensor
// subgraph -- a model applied to a batch, then element-wise post-processing
// (matmul with a constant weight, bias adds, activations, comparisons, casts,
// column selects, embedding lookups) -- is replaced by one `row_split` node
// that runs the whole subgraph on cache-sized chunks of rows, the chunks
// spread over the workers, so the [rows, hidden] intermediates of a model
// never exist in full: each chunk's live in cache between ops. Full chunks
// run on a prepared step executor per worker (train_fast.go: the region as
// a graph over one chunk's static shapes, kernels over buffers allocated
// once); the last, shorter chunk runs on it too, padded to a full chunk, so
// every row goes through the same kernels; regions it cannot prepare, and
// runs of under two chunks, run op by op with each op's own implementation
// (runtime or the reference interpreter). Results equal the unsplit plan's
// (within the rounding of the kernels); the chunk results are copied into
// one output tensor.
//
// A subgraph is row-local when every node's result row i depends only on row
// i of its row-aligned inputs and on inputs that do not vary by row (weights,
// biases, statistics: static shapes that broadcast without a row dimension).
// Like fusion this is a stage of engine.Compile, run after fusion (fused
// element-wise tensor loops join a region and run natively on each chunk),
// skipped on the reference path; explain() shows each row_split node.

// SplitChunkRows is the number of rows a chunk holds (64 hidden float32 units
// x 8192 rows = 2 MiB per intermediate).
const SplitChunkRows = 8192

// SplitMinRows is the smallest static row count split (a dynamic one always is).
const SplitMinRows = 2 * SplitChunkRows

// SplitReport says what the split stage did.
type SplitReport struct{ Regions, Ops int }

// splitRegion is the subgraph a row_split node runs: Nodes are clones of the
// original nodes in topological order whose Inputs are local: i >= 0 is
// Nodes[i], i < 0 is the node's external input -i-1. Row[k] tells whether
// external input k is split by rows (else it is passed whole).
type splitRegion struct {
	Nodes []*ir.Node
	Row   []bool
	Chunk int
	// Dedup is the part run on the distinct rows of one row input when
	// they repeat (splitdedup.go); nil: none.
	Dedup *dedupPlan
	// Pad runs the region on prepared chunks however few its rows (the
	// memoized part of a region: its rows get the kernels the region's
	// full chunks use).
	Pad bool
	// Produce[k], when set, is the to_tensor loop that makes row input k
	// from the frame the row_split reads there, run chunk by chunk
	// (splitproduce.go).
	Produce []*lower.Kernel
	// Tail, when set, is a sum or mean of every element of the region's
	// result, folded into the row_split (foldTails): each chunk's result is
	// summed as it is made (in float64, sumElems) and the chunks' sums
	// added in chunk order, so the [rows, ...] result is never stored. The row_split's result is then the tail's.
	Tail *ir.Node
}

// String renders the region for explain().
func (r *splitRegion) String() string {
	ops := make([]string, len(r.Nodes))
	for i, n := range r.Nodes {
		ops[i] = n.Op
	}
	rows := 0
	for _, b := range r.Row {
		if b {
			rows++
		}
	}
	s := fmt.Sprintf("split[%s] over %d row input(s) in chunks of %d rows on %d workers", strings.Join(ops, " "),
		rows, r.Chunk, Workers())
	if r.Dedup != nil {
		s += "; " + r.Dedup.String()
	}
	for k, kern := range r.Produce {
		if kern != nil {
			s += fmt.Sprintf("; row input %d produced chunk by chunk (%s)", k, strings.Join(kern.Ops, " "))
		}
	}
	if r.Tail != nil {
		s += fmt.Sprintf("; then the %s of every element, chunk by chunk", r.Tail.Op)
	}
	return s
}

// SplitOptions are the split stage's switches.
type SplitOptions struct {
	// NoDedup leaves regions unmemoized (FLERN_DISABLE_PASSES=split_dedup).
	NoDedup bool
}

func init() {
	ir.RegisterOp(&ir.OpInfo{Name: "row_split", Inputs: ir.Variadic, Infer: func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		r, ok := n.Attrs["region"].(*splitRegion)
		if !ok || len(r.Nodes) == 0 {
			return nil, fmt.Errorf("row_split without its region")
		}
		s := *r.Nodes[len(r.Nodes)-1].Schema
		if r.Tail != nil {
			s = *r.Tail.Schema
		}
		if n.Schema != nil && n.Schema.Tensor != nil {
			s.Tensor = n.Schema.Tensor // keep the static shape the plan had
		}
		return &s, nil
	}})
	Register("row_split", runSplit)
}

var splitElementwise = map[string]bool{"where": true, "cast": true, "erf": true}

func isElementwise(op string) bool {
	return tensor.Unary[op] || tensor.Binary[op] || splitElementwise[op]
}

func tensorType(n *ir.Node) *ir.TensorType {
	if n.Schema == nil {
		return nil
	}
	return n.Schema.Tensor
}

// isTensorKernel: a fused element-wise tensor loop (golib/lower), row-local
// when its inputs are (broadcast inputs are per-column [m] or per-row [n, 1]).
func isTensorKernel(nd *ir.Node) bool {
	k, ok := nd.Attrs["kernel"].(*lower.Kernel)
	return nd.Op == "fused" && ok && k.Kind == "tensor"
}

// rowDim is the row count class of a row-aligned tensor: its first dim.
func rowDim(t *ir.TensorType) (int64, bool) {
	if t == nil || len(t.Shape) == 0 {
		return 0, false
	}
	d := t.Shape[0]
	return d, d == ir.DynDim || d >= SplitMinRows
}

// constOperand: t does not vary by row and broadcasts against a row-aligned
// result of rank r without touching its row dimension.
func constOperand(t *ir.TensorType, r int) bool {
	if t == nil {
		return false
	}
	for _, d := range t.Shape {
		if d < 0 {
			return false
		}
	}
	return len(t.Shape) < r || (len(t.Shape) == r && t.Shape[0] == 1)
}

// Split groups row-local tensor subgraphs of g into row_split nodes (a
// region needs a matmul, at least 3 ops -- a dense_relu_dense counts as the
// 4 it replaced -- and one result: its last node).
// Graphs that update state (training steps) are left alone.
func Split(g *ir.Graph, o SplitOptions) (*SplitReport, error) {
	rep := &SplitReport{}
	for _, nd := range g.Nodes {
		if nd.Op == "state_write" || nd.Op == "grad" || strings.HasSuffix(nd.Op, "_update") {
			return rep, nil // training graphs keep their form (inference only)
		}
	}
	n := len(g.Nodes)
	region := make([]int, n) // region id + 1; 0: none
	var regions [][]ir.NodeID
	rowsOf := []int64{}
	deps := make([]map[int]bool, n) // regions a node depends on (through any path)
	rowUse := make([][]bool, n)     // per region node: which inputs are row-aligned (else broadcast whole)
	isOut := make([]bool, n)
	for _, o := range g.Outputs {
		isOut[o] = true
	}
	var parent []int
	find := func(r int) int {
		for parent[r] != r {
			r = parent[r]
		}
		return r
	}
	regionOf := func(id ir.NodeID) int { // resolved region, -1: none
		if region[id] == 0 {
			return -1
		}
		return find(region[id] - 1)
	}
	for _, nd := range g.Nodes {
		d := map[int]bool{}
		for _, in := range nd.Inputs {
			for r := range deps[in] {
				d[r] = true
			}
			if region[in] > 0 {
				d[region[in]-1] = true
			}
		}
		deps[nd.ID] = d
		rset, uses, ok := splitLocal(g, nd, region, rowsOf)
		if !ok {
			continue
		}
		merged := map[int]bool{}
		rows, _ := rowDim(tensorType(nd))
		for _, r := range rset {
			r = find(r)
			merged[r] = true
			ok = ok && rowsOf[r] == rows
		}
		// no input from outside the merged region may depend on it (no cycle)
		dependsOnMerged := func(in ir.NodeID) bool {
			if r := regionOf(in); r >= 0 && merged[r] {
				return false // inside
			}
			for r := range deps[in] {
				if merged[find(r)] {
					return true
				}
			}
			return false
		}
		check := func(m *ir.Node) {
			for _, in := range m.Inputs {
				if dependsOnMerged(in) {
					ok = false
				}
			}
		}
		check(nd)
		for r := range merged {
			for _, id := range regions[r] {
				check(g.Nodes[id])
			}
		}
		if !ok {
			continue
		}
		target := -1
		for r := range merged {
			if target < 0 || r < target {
				target = r
			}
		}
		if target < 0 {
			regions = append(regions, nil)
			rowsOf = append(rowsOf, rows)
			parent = append(parent, len(parent))
			target = len(regions) - 1
		}
		for r := range merged {
			if r != target {
				parent[r] = target
				regions[target] = append(regions[target], regions[r]...)
				regions[r] = nil
			}
		}
		region[nd.ID] = target + 1
		regions[target] = append(regions[target], nd.ID)
		rowUse[nd.ID] = uses
	}
	for id := range region {
		if region[id] > 0 {
			region[id] = find(region[id]-1) + 1
		}
	}
	for _, ids := range regions {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	users := g.Users()
	for ri, ids := range regions {
		var outs []ir.NodeID
		hasMatmul := false
		ops := len(ids)
		for _, id := range ids {
			hasMatmul = hasMatmul || isMatmulLike(g.Nodes[id].Op)
			if g.Nodes[id].Op == "dense_relu_dense" {
				ops += 3 // the matmul, add, relu and matmul it replaced
			}
			ext := isOut[id]
			for _, u := range users[id] {
				if region[u] != ri+1 {
					ext = true
				}
			}
			if ext {
				outs = append(outs, id)
			}
		}
		if !hasMatmul || ops < 3 || len(outs) != 1 || outs[0] != ids[len(ids)-1] {
			continue
		}
		if !buildSplit(g, ids, region, ri+1, rowUse, !o.NoDedup) {
			continue
		}
		rep.Regions++
		rep.Ops += len(ids)
	}
	if rep.Regions == 0 {
		return rep, nil
	}
	g.Compact()
	attachProducers(g)
	foldTails(g)
	g.Compact()
	markLookupJoinsAll(g)
	return rep, g.Verify()
}

// isMatmulLike reports whether op multiplies its rows by weight matrices
// (a region is worth splitting only with one).
func isMatmulLike(op string) bool { return op == "matmul" || op == "dense_relu_dense" }

// splitLocal reports whether nd can join a region, the regions of its
// row-aligned inputs (none: it starts one; several: they merge), and which of
// its inputs are row-aligned (the others do not vary by row).
func splitLocal(g *ir.Graph, nd *ir.Node, region []int, rowsOf []int64) (rs []int, uses []bool, ok bool) {
	t := tensorType(nd)
	rows, big := rowDim(t)
	if !big || t.DType == ir.Invalid {
		return nil, nil, false
	}
	uses = make([]bool, len(nd.Inputs))
	// row inputs: in a region, or (a seed) any other row-aligned tensor
	rowIn := func(in ir.NodeID) bool {
		it := tensorType(g.Nodes[in])
		rr, ok := rowDim(it)
		if !ok || rr != rows || len(it.Shape) == 0 {
			return false
		}
		for i, x := range nd.Inputs {
			if x == in {
				uses[i] = true
			}
		}
		if region[in] > 0 {
			rs = append(rs, region[in]-1)
		}
		return true
	}
	switch {
	case isElementwise(nd.Op) || isTensorKernel(nd):
		for _, in := range nd.Inputs {
			it := tensorType(g.Nodes[in])
			if it == nil {
				return nil, nil, false
			}
			if !rowIn(in) && !constOperand(it, len(t.Shape)) {
				return nil, nil, false
			}
		}
	case nd.Op == "matmul":
		x, w := tensorType(g.Nodes[nd.Inputs[0]]), tensorType(g.Nodes[nd.Inputs[1]])
		if x == nil || w == nil || len(x.Shape) != 2 || len(w.Shape) != 2 || !constOperand(w, 3) ||
			!rowIn(nd.Inputs[0]) {
			return nil, nil, false
		}
	case nd.Op == "dense_relu_dense":
		// x and the lookups' indices by rows; weights, biases and tables whole
		if len(nd.Inputs) < 5 || len(nd.Inputs)%2 == 0 || !rowIn(nd.Inputs[0]) {
			return nil, nil, false
		}
		for i, in := range nd.Inputs[1:] {
			if i >= 4 && i%2 == 1 {
				if !rowIn(in) {
					return nil, nil, false
				}
				continue
			}
			p := tensorType(g.Nodes[in])
			if p == nil || !constOperand(p, len(p.Shape)+1) || ((i == 0 || i >= 4) && len(p.Shape) != 2) {
				return nil, nil, false
			}
		}
	case nd.Op == "tensor_select" || nd.Op == "tensor_slice":
		d, err := tensor.WrapDim(nd.Attrs.Int("dim", 0), len(tensorType(g.Nodes[nd.Inputs[0]]).Shape))
		if err != nil || d == 0 || !rowIn(nd.Inputs[0]) {
			return nil, nil, false
		}
	case nd.Op == "index_select":
		tab, idx := tensorType(g.Nodes[nd.Inputs[0]]), tensorType(g.Nodes[nd.Inputs[1]])
		if nd.Attrs.Int("dim", 0) != 0 || tab == nil || idx == nil || len(idx.Shape) != 1 ||
			!constOperand(tab, len(tab.Shape)+1) || !rowIn(nd.Inputs[1]) {
			return nil, nil, false
		}
	case nd.Op == "cat":
		d, err := tensor.WrapDim(nd.Attrs.Int("dim", 0), len(t.Shape))
		if err != nil || d == 0 {
			return nil, nil, false
		}
		for _, in := range nd.Inputs {
			if !rowIn(in) {
				return nil, nil, false
			}
		}
	default:
		return nil, nil, false
	}
	return rs, uses, true
}

// buildSplit replaces the region's last node by a row_split node that reads
// the region's external inputs (false: an input is used both by rows and
// whole, and the region is left alone).
func buildSplit(g *ir.Graph, ids []ir.NodeID, region []int, rid int, rowUse [][]bool, dedup bool) bool {
	local := map[ir.NodeID]int{}
	ext := map[ir.NodeID]int{}
	var inputs []ir.NodeID
	var rowIn []bool
	reg := &splitRegion{Chunk: SplitChunkRows}
	for i, id := range ids {
		nd := g.Nodes[id]
		c := &ir.Node{ID: ir.NodeID(i), Op: nd.Op, Attrs: nd.Attrs, Loc: nd.Loc}
		if k, ok := nd.Attrs["kernel"].(*lower.Kernel); ok && k.Codegen {
			// a chunk is smaller than the native-code threshold, the whole run is not
			k2 := *k
			k2.MinRows = 1
			c.Attrs = nd.Attrs.Clone()
			c.Attrs["kernel"] = &k2
		}
		if nd.Schema != nil {
			s := *nd.Schema
			if s.Tensor != nil {
				tt := *s.Tensor
				tt.Shape = append([]int64{ir.DynDim}, tt.Shape[1:]...) // a chunk's rows
				s.Tensor = &tt
			}
			c.Schema = &s
		}
		for pos, in := range nd.Inputs {
			if j, ok := local[in]; ok && region[in] == rid {
				c.Inputs = append(c.Inputs, ir.NodeID(j))
				continue
			}
			isRow := rowUse[id][pos]
			k, ok := ext[in]
			if !ok {
				k = len(inputs)
				ext[in] = k
				inputs = append(inputs, in)
				rowIn = append(rowIn, isRow)
			} else if rowIn[k] != isRow {
				return false
			}
			c.Inputs = append(c.Inputs, ir.NodeID(-k-1))
		}
		local[id] = i
		reg.Nodes = append(reg.Nodes, c)
	}
	reg.Row = rowIn
	if dedup {
		reg.Dedup = planDedup(reg, func(k int) []int64 {
			if t := tensorType(g.Nodes[inputs[k]]); t != nil {
				return t.Shape
			}
			return nil
		})
	}
	last := g.Nodes[ids[len(ids)-1]]
	*last = ir.Node{ID: last.ID, Op: "row_split", Inputs: inputs, Loc: last.Loc, Schema: last.Schema,
		Attrs: ir.Attrs{"region": reg}}
	return true
}

// runSplit runs a row_split node: the region on every chunk of rows, chunks
// spread over the workers, results copied into one tensor.
func runSplit(c *Ctx, n *ir.Node, in []any) (any, error) {
	r, ok := n.Attrs["region"].(*splitRegion)
	if !ok {
		return nil, ir.Errorf("Internal", "row_split without its region")
	}
	out, err := runSplitRegion(c, n, r, in)
	if err != nil || r.Tail == nil {
		return out, err
	}
	return finishTail(c, r, out)
}

// runSplitRegion runs region r of row_split node n on in: memoized when
// r.Dedup applies and its input repeats, else chunk by chunk.
func runSplitRegion(c *Ctx, n *ir.Node, r *splitRegion, in []any) (any, error) {
	var prod *chunkProducer
	if r.producing() {
		rows := r.producerRows(in)
		dedup := r.Dedup != nil && rows >= dedupMinRows && r.Dedup.MACs >= dedupMinMACs
		if dedup && rows >= 0 && !c.Options.Reference {
			// numbered by the produced inputs' codes, when they are lookups (splitcodes.go)
			if out, ok, err := runDedupCodes(c, n, r, in, rows); ok || err != nil {
				return out, err
			}
		}
		if rows < 0 || c.Options.Reference || dedup || (rows < 2*r.Chunk && !r.Pad) {
			// the region needs its whole input: produce it first
			full, err := r.produceAll(c, in)
			if err != nil {
				return nil, err
			}
			return runSplitRegion(c, n, &splitRegion{Nodes: r.Nodes, Row: r.Row, Chunk: r.Chunk, Dedup: r.Dedup, Pad: r.Pad}, full)
		}
		var err error
		if prod, err = newChunkProducer(r, in, rows); err != nil {
			return nil, err
		}
		orig := in
		in = r.headers(in, rows)
		for k, x := range in {
			if t, ok := x.(*col.Tensor); ok && r.Row[k] && (len(t.Shape) == 0 || t.Shape[0] != rows) {
				// row counts differ: the ops report it as they would, on the whole input
				full, err := r.produceAll(c, orig)
				if err != nil {
					return nil, err
				}
				return runRegion(c, r, full)
			}
		}
	}
	rows := -1
	for k, x := range in {
		if !r.Row[k] {
			continue
		}
		t, ok := x.(*col.Tensor)
		if !ok || len(t.Shape) == 0 {
			return nil, ir.Errorf("Internal", "row_split: input %d is not a tensor", k)
		}
		if rows >= 0 && t.Shape[0] != rows {
			return runRegion(c, r, in) // row counts differ: the ops report it as they would
		}
		rows = t.Shape[0]
	}
	if r.Dedup != nil {
		if out, ok, err := runDedup(c, n, r, in, rows); ok || err != nil {
			return out, err
		}
	}
	if rows < 2*r.Chunk && !r.Pad {
		return runRegion(c, r, in)
	}
	chunks := (rows + r.Chunk - 1) / r.Chunk
	parts := make([]*col.Tensor, chunks)
	var sums []float64 // with a tail: each chunk's sum instead of its part
	counts := make([]int, chunks)
	if r.Tail != nil {
		sums = make([]float64, chunks)
	}
	var mu sync.Mutex
	var ctxs []*Ctx
	// Full chunks run on prepared step executors (train_fast.go: kernels
	// over buffers allocated once, no per-op type inference or allocation),
	// one per worker, when the region prepares (the last, shorter chunk
	// padded); regions that do not prepare run node by node.
	var fasts []*fastStep
	fastOK := !c.Options.Reference && r.fastable(in)
	getFast := func() *fastStep {
		mu.Lock()
		defer mu.Unlock()
		if k := len(fasts); k > 0 {
			f := fasts[k-1]
			fasts = fasts[:k-1]
			return f
		}
		if !fastOK {
			return nil
		}
		var f *fastStep
		if g := r.chunkGraph(in, rows); g != nil {
			f = buildFast(g, c.Options)
		}
		if f != nil {
			f.serialGEMM = true
		}
		if f == nil {
			fastOK = false
		}
		return f
	}
	getCtx := func() (*Ctx, error) {
		mu.Lock()
		defer mu.Unlock()
		if k := len(ctxs); k > 0 {
			x := ctxs[k-1]
			ctxs = ctxs[:k-1]
			return x, nil
		}
		ic, err := interp.NewCtx(c.Ctx.Context, nil)
		if err != nil {
			return nil, err
		}
		return &Ctx{Ctx: ic, Options: c.Options}, nil
	}
	err := forTasks(c, n, chunks, func(t int) error {
		wc, err := getCtx()
		if err != nil {
			return err
		}
		defer func() { mu.Lock(); ctxs = append(ctxs, wc); mu.Unlock() }()
		lo, hi := t*r.Chunk, min((t+1)*r.Chunk, rows)
		sub := make([]any, len(in))
		var produced []*lower.Outputs // buffers to give back once the chunk's kernels ran
		for k, x := range in {
			switch {
			case prod != nil && r.Produce[k] != nil:
				ct, buf, err := prod.produce(k, lo, hi)
				if err != nil {
					return err
				}
				sub[k] = ct
				if produced == nil {
					produced = make([]*lower.Outputs, len(in))
				}
				produced[k] = buf
			case r.Row[k]:
				sub[k] = rowSlice(x.(*col.Tensor), lo, hi)
			default:
				sub[k] = x
			}
		}
		if part := hi - lo; part <= r.Chunk {
			// a last, shorter chunk runs padded to a full one (copies of its
			// first row), so every row goes through the same kernels
			if f := getFast(); f != nil {
				if part < r.Chunk {
					sub = padRows(sub, r.Row, r.Chunk)
				}
				out, err := f.runChunkRaw(wc, sub)
				if err == nil {
					out = rowSlice(out, 0, part)
					if sums != nil {
						counts[t] = out.Len()
						sums[t] = sumElems(out, counts[t])
					} else {
						out = interp.CloneTensor(out)
					}
				}
				for k, buf := range produced { // the output is summed or copied: the buffers are free
					if buf != nil {
						prod.release(k, buf)
					}
				}
				splitFastChunks.Add(1)
				mu.Lock()
				fasts = append(fasts, f)
				mu.Unlock()
				if err != nil {
					return err
				}
				parts[t] = out
				return nil
			}
		}
		out, err := runRegion(wc, r, sub)
		if err != nil {
			return err
		}
		if sums != nil {
			ot := out.(*col.Tensor)
			counts[t] = ot.Len()
			sums[t] = sumElems(ot, counts[t])
			return nil
		}
		parts[t] = out.(*col.Tensor)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if traceOut != nil {
		for _, f := range fasts {
			f.report(traceOut)
		}
	}
	if sums != nil {
		total := 0
		for _, k := range counts {
			total += k
		}
		return &tailSums{sums: sums, count: total}, nil
	}
	return concatRows(parts, rows)
}

// padRows is a chunk's inputs with each row input (fewer than chunk rows)
// copied to chunk rows, the rows past its own copies of its first row.
func padRows(in []any, row []bool, chunk int) []any {
	out := append([]any(nil), in...)
	for k, x := range in {
		t, ok := x.(*col.Tensor)
		if !row[k] || !ok || len(t.Shape) == 0 || t.Shape[0] == 0 {
			continue
		}
		part := t.Shape[0]
		p := col.NewTensorUninit(t.DType, append([]int{chunk}, t.Shape[1:]...))
		src, w := tensorRowBytes(t, part)
		dst, _ := tensorRowBytes(p, chunk)
		if src == nil || dst == nil {
			continue
		}
		copy(dst, src)
		for i := part; i < chunk; i++ {
			copy(dst[i*w:i*w+w], src[:w])
		}
		out[k] = p
	}
	return out
}

// splitFastChunks counts the chunks run on a prepared executor (tests).
var splitFastChunks atomic.Int64

// fastable reports whether the region can run on a prepared step executor
// with in as its inputs: every input a tensor.
func (r *splitRegion) fastable(in []any) bool {
	for _, x := range in {
		if _, ok := x.(*col.Tensor); !ok {
			return false
		}
	}
	return true
}

// chunkGraph is the region as a graph over one full chunk: external input k
// is source_tensor k (r.Chunk rows when split by rows, else its whole
// shape), the region's nodes follow with their schemas inferred again for
// those static shapes, and the last node is the output.
func (r *splitRegion) chunkGraph(in []any, rows int) *ir.Graph {
	g := &ir.Graph{}
	for k, x := range in {
		t := x.(*col.Tensor)
		shape := append([]int(nil), t.Shape...)
		if r.Row[k] {
			shape[0] = r.Chunk
		}
		sh := make([]any, len(shape))
		for i, d := range shape {
			sh[i] = float64(d)
		}
		g.Add(&ir.Node{Op: "source_tensor", Attrs: ir.Attrs{"input": float64(k), "dtype": t.DType.String(), "shape": sh}})
	}
	base := ir.NodeID(len(in))
	for _, nd := range r.Nodes {
		c := &ir.Node{Op: nd.Op, Attrs: nd.Attrs, Loc: nd.Loc, Inputs: make([]ir.NodeID, len(nd.Inputs))}
		for j, id := range nd.Inputs {
			if id < 0 {
				c.Inputs[j] = ir.NodeID(-id - 1)
			} else {
				c.Inputs[j] = base + id
			}
		}
		g.Add(c)
	}
	g.Outputs = []ir.NodeID{ir.NodeID(len(g.Nodes) - 1)}
	// Schemas are inferred again node by node for the chunk's static shapes.
	// A fused loop's schema is the one it was built with (the whole row
	// count): a node whose result was row-aligned in the region is so in the
	// chunk, so a fused one with a chunk-sized input gets the chunk's
	// leading dim. Every row-aligned node must end up with chunk rows.
	for i, nd := range g.Nodes {
		info := ir.LookupOp(nd.Op)
		if info == nil {
			return nil
		}
		ins := make([]*ir.Schema, len(nd.Inputs))
		for j, id := range nd.Inputs {
			ins[j] = g.Nodes[id].Schema
		}
		sc, err := info.Infer(nd, ins)
		if err != nil || sc == nil {
			return nil
		}
		nd.Schema = sc
		if i < int(base) {
			continue
		}
		ot, ct := r.Nodes[i-int(base)].Schema.Tensor, sc.Tensor
		if ot == nil || ct == nil || len(ot.Shape) == 0 || (ot.Shape[0] != ir.DynDim && ot.Shape[0] != int64(rows)) {
			continue
		}
		if len(ct.Shape) == 0 {
			return nil
		}
		if ct.Shape[0] != int64(r.Chunk) && nd.Op == "fused" {
			chunked := false
			for _, id := range nd.Inputs {
				if it := g.Nodes[id].Schema.Tensor; it != nil && len(it.Shape) > 0 && it.Shape[0] == int64(r.Chunk) {
					chunked = true
				}
			}
			if chunked {
				sc = sc.Clone()
				sc.Tensor.Shape[0] = int64(r.Chunk)
				nd.Schema = sc
			}
		}
		if nd.Schema.Tensor.Shape[0] != int64(r.Chunk) {
			return nil
		}
	}
	return g
}

// runChunkRaw runs a prepared chunk graph on one chunk's inputs and returns
// its result, in the executor's buffers (valid until its next run).
func (f *fastStep) runChunkRaw(c *Ctx, in []any) (*col.Tensor, error) {
	ic, err := interp.NewCtx(c.Ctx.Context, in)
	if err != nil {
		return nil, err
	}
	f.ic.Tensors, f.ic.Inputs = ic.Tensors, ic.Inputs
	defer func() { f.ic.Tensors, f.ic.Inputs = nil, nil }()
	outs, err := f.run()
	if err != nil {
		return nil, err
	}
	return outs[0].(*col.Tensor), nil
}

// runRegion runs the region's nodes in order on in.
func runRegion(c *Ctx, r *splitRegion, in []any) (any, error) {
	vals := make([]any, len(r.Nodes))
	for i, nd := range r.Nodes {
		args := make([]any, len(nd.Inputs))
		for j, id := range nd.Inputs {
			if id < 0 {
				args[j] = in[-id-1]
			} else {
				args[j] = vals[id]
			}
		}
		out, err := runNode(c, nd, args)
		if err != nil {
			return nil, err
		}
		vals[i] = out
		// drop values no later node reads (the region is small; a scan is cheap)
	}
	return vals[len(vals)-1], nil
}

// rowSlice is rows [lo, hi) of a row-major tensor, sharing its memory.
func rowSlice(t *col.Tensor, lo, hi int) *col.Tensor {
	inner := 1
	for _, d := range t.Shape[1:] {
		inner *= d
	}
	s := &col.Tensor{DType: t.DType, Shape: append([]int{hi - lo}, t.Shape[1:]...), Keep: t.Keep}
	a, b := lo*inner, hi*inner
	switch {
	case t.F32 != nil:
		s.F32 = t.F32[a:b]
	case t.F64 != nil:
		s.F64 = t.F64[a:b]
	case t.I64 != nil:
		s.I64 = t.I64[a:b]
	case t.B != nil:
		s.B = t.B[a:b]
	}
	return s
}

// concatRows stacks the chunk results (equal trailing shapes) into one tensor.
func concatRows(parts []*col.Tensor, rows int) (*col.Tensor, error) {
	first := parts[0]
	shape := append([]int{rows}, first.Shape[1:]...)
	out := col.NewTensor(first.DType, shape)
	off := 0
	for _, p := range parts {
		if p.DType != first.DType || len(p.Shape) != len(shape) {
			return nil, ir.Errorf("Internal", "row_split: chunk results differ in type")
		}
		k := p.Len()
		switch first.DType {
		case ir.Float32:
			copy(out.F32[off:], p.F32[:k])
		case ir.Float64:
			copy(out.F64[off:], p.F64[:k])
		case ir.Int64:
			copy(out.I64[off:], p.I64[:k])
		case ir.Bool:
			copy(out.B[off:], p.B[:k])
		}
		off += k
	}
	return out, nil
}
