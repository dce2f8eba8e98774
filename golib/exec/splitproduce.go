package exec

// The model input produced chunk by chunk (Mozart-style pipelining across
// the frame -> tensor hand-off): a split region's row input that is a fused
// to_tensor loop (golib/lower: the features computed from the frame's
// columns and written into a [rows, features] tensor) read by the region
// alone is not materialized: the row_split reads the frame, and each chunk
// runs the loop over its own rows into a chunk-sized buffer (one per chunk
// in flight, reused), which the chunk's kernels then read while it is in
// cache. The full model input never exists (flights: a [3M, 5] float32
// matrix, 60 MB written to fresh pages and read back).
//
// Whenever the region needs the whole input -- a memoized run (split_dedup
// numbers its rows), runs of under two chunks, the reference path -- the
// loop runs over the whole frame first, as the unsplit plan does.

import (
	"sync"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// attachProducers gives each row_split of g the fused to_tensor loops among
// its row inputs that only it reads (not compacting, over a frame): the
// row_split then reads the loop's frame instead (see the file comment). g
// must be compact (the nodes the regions replaced gone).
func attachProducers(g *ir.Graph) {
	users := g.Users()
	outs := g.OutputSet()
	for _, n := range g.Nodes {
		r, ok := n.Attrs["region"].(*splitRegion)
		if n.Op != "row_split" || !ok {
			continue
		}
		for k, id := range n.Inputs {
			p := g.Node(id)
			kern, isK := p.Attrs["kernel"].(*lower.Kernel)
			if !r.Row[k] || p.Op != "fused" || !isK || kern.Kind != "to_tensor" || kern.Loop.Compacts() ||
				len(p.Inputs) != 1 || outs[id] || len(users[id]) != 1 || p.Schema == nil || p.Schema.Tensor == nil ||
				len(p.Schema.Tensor.Shape) != 2 || p.Schema.Tensor.DType != ir.Float32 {
				continue
			}
			if src := g.Node(p.Inputs[0]); src.Schema == nil || src.Schema.IsTensor() {
				continue
			}
			if r.Produce == nil {
				r.Produce = make([]*lower.Kernel, len(n.Inputs))
			}
			k2 := *kern
			k2.MinRows = 1 // a chunk is smaller than the native-code threshold, the whole run is not
			r.Produce[k] = &k2
			n.Inputs[k] = p.Inputs[0]
		}
	}
}

// markLookupJoinsAll runs markLookupJoins for every row_split of g with
// producers (g compact: the replaced to_tensor nodes gone).
func markLookupJoinsAll(g *ir.Graph) {
	for _, n := range g.Nodes {
		if r, ok := n.Attrs["region"].(*splitRegion); ok && n.Op == "row_split" && r.producing() {
			markLookupJoins(g, n)
		}
	}
}

// markLookupJoins marks the joins whose right columns reach row_split n's
// producers alone (LookupByChunkAttr): the frame the producers read when it
// is a join read by n only, and down its left side through projects of
// plain columns and joins each read only by the node above. A marked join
// that runs as a lookup join (memojoin.go) leaves its right columns
// ungathered (col.Lookup); the producers gather each chunk's rows as they
// run, so those [rows] columns never exist (flights: two int64 code
// columns, 2 x 24 MB written to fresh pages and read back).
func markLookupJoins(g *ir.Graph, n *ir.Node) {
	users := g.Users()
	outs := g.OutputSet()
	only := func(id, reader ir.NodeID) bool {
		if outs[id] {
			return false
		}
		for _, u := range users[id] {
			if u != reader {
				return false
			}
		}
		return true
	}
	r := n.Attrs["region"].(*splitRegion)
	var frameID ir.NodeID = -1
	for k, kern := range r.Produce {
		if kern == nil {
			continue
		}
		if frameID >= 0 && n.Inputs[k] != frameID {
			return // producers over different frames
		}
		frameID = n.Inputs[k]
	}
	// every reader of the frame must be n, and every use of it in n a producer's
	for k, id := range n.Inputs {
		if id == frameID && r.Produce[k] == nil {
			return
		}
	}
	id, reader := frameID, n.ID
	for id >= 0 && only(id, reader) {
		nd := g.Node(id)
		switch {
		case nd.Op == "join" && len(nd.Inputs) == 2:
			nd.Attrs = nd.Attrs.Clone()
			nd.Attrs[LookupByChunkAttr] = true
		case nd.Op == "project" && len(nd.Inputs) == 1 && plainProject(nd):
		default:
			return
		}
		id, reader = nd.Inputs[0], id
	}
}

// producing reports whether some row input is produced chunk by chunk.
func (r *splitRegion) producing() bool {
	for _, k := range r.Produce {
		if k != nil {
			return true
		}
	}
	return false
}

// produceAll runs every producer over its whole frame: in as the region's
// nodes expect it.
func (r *splitRegion) produceAll(c *Ctx, in []any) ([]any, error) {
	out := append([]any(nil), in...)
	for k, kern := range r.Produce {
		if kern == nil {
			continue
		}
		t, err := runToTensorKernel(c, kern, materializeLookups([]any{in[k]}))
		if err != nil {
			return nil, err
		}
		out[k] = t
	}
	return out, nil
}

// producerRows is the row count of the frames the producers read (-1: none,
// or they differ).
func (r *splitRegion) producerRows(in []any) int {
	rows := -1
	for k, kern := range r.Produce {
		if kern == nil {
			continue
		}
		f, ok := in[k].(*col.Frame)
		if !ok || (rows >= 0 && f.N != rows) {
			return -1
		}
		rows = f.N
	}
	return rows
}

// headers is in with each produced input as a tensor without data of its
// whole shape (what chunkGraph and fastable read).
func (r *splitRegion) headers(in []any, rows int) []any {
	out := append([]any(nil), in...)
	for k, kern := range r.Produce {
		if kern != nil {
			out[k] = &col.Tensor{DType: ir.Float32, Shape: []int{rows, len(kern.Loop.Builders)}}
		}
	}
	return out
}

// chunkProducer runs the producers over chunks of rows into buffers it
// hands out and takes back.
type chunkProducer struct {
	r      *splitRegion
	in     []any
	bufs   [][]*lower.Outputs // free output buffers per producer
	native []*codegen.Kernel  // each producer's native loop, resolved once (nil: the Go evaluator)
	inputs [][]lower.Buf      // each producer's loop inputs over the whole frame
	looks  [][]*col.Lookup    // each producer's loop inputs that are col.Lookup columns (else nil)
	loops  []*lower.Loop      // each producer's loop: kern.Loop, or its copy reading the lookups Indexed
	// scratch holds, per output buffer handed out, the chunk buffers its
	// lookup inputs are gathered into (reused with it)
	scratch map[*lower.Outputs][]lower.Buf
	mu      sync.Mutex
}

// newChunkProducer prepares the producers of r over in (rows rows): each
// loop's native kernel is looked up once (compiled first when the whole
// run is worth it, as a fused node's loop is), not per chunk.
func newChunkProducer(r *splitRegion, in []any, rows int) (*chunkProducer, error) {
	p := &chunkProducer{r: r, in: in, bufs: make([][]*lower.Outputs, len(in)), native: make([]*codegen.Kernel, len(in)),
		inputs: make([][]lower.Buf, len(in)), looks: make([][]*col.Lookup, len(in)), loops: make([]*lower.Loop, len(in))}
	for k, kern := range r.Produce {
		if kern == nil {
			continue
		}
		f := in[k].(*col.Frame)
		bufs, err := frameBufs(kern, f)
		if err != nil {
			return nil, err
		}
		p.inputs[k] = bufs
		for i, name := range kern.Columns {
			if c := f.Col(name); c != nil && c.Lookup != nil && !kern.Loop.Inputs[i].Bits {
				if p.looks[k] == nil {
					p.looks[k] = make([]*col.Lookup, len(bufs))
				}
				p.looks[k][i] = c.Lookup
			}
		}
		l := kern.Loop
		if lk := p.looks[k]; lk != nil { // read the lookups through their codes: no chunk gathered
			v := *l
			v.Inputs = append([]lower.Input(nil), l.Inputs...)
			for i, x := range lk {
				if t := v.Inputs[i].Type; x != nil && (t == ir.Float64 && x.F64 != nil || t == ir.Int64 && x.I64 != nil) {
					v.Inputs[i].Indexed = true
				}
			}
			if v.Validate() == nil {
				l = &v
			}
		}
		p.loops[k] = l
		if !kern.Codegen {
			continue
		}
		if nk := codegen.Ready(l); nk != nil {
			p.native[k] = nk
		} else if kern.SyncCompile || int64(rows)*int64(len(l.Body)) >= lower.SyncWork {
			p.native[k], _ = codegen.Compile(l)
		} else {
			codegen.CompileAsync(l)
		}
	}
	return p, nil
}

// produce returns input k's rows [lo, hi) (hi - lo <= the region's chunk)
// and the buffer holding them (give it back with release).
func (p *chunkProducer) produce(k, lo, hi int) (*col.Tensor, *lower.Outputs, error) {
	kern := p.r.Produce[k]
	p.mu.Lock()
	var out *lower.Outputs
	if m := len(p.bufs[k]); m > 0 {
		out = p.bufs[k][m-1]
		p.bufs[k] = p.bufs[k][:m-1]
	}
	p.mu.Unlock()
	if out == nil {
		out = lower.NewOutputs(kern.Loop, p.r.Chunk, 0)
	}
	full := p.inputs[k]
	loop := p.loops[k]
	bufs := make([]lower.Buf, len(full))
	for i, b := range full { // the chunk's rows (lo is a multiple of the chunk: whole bitmap bytes)
		bufs[i] = lower.Buf{Bits: sliceBits(b.Bits, lo, hi)}
		if lk := p.looks[k]; lk != nil && lk[i] != nil && loop.Inputs[i].Indexed { // read through its codes
			bufs[i].F64, bufs[i].I64, bufs[i].Codes = lk[i].F64, lk[i].I64, lk[i].Codes[lo:hi]
			continue
		}
		if lk := p.looks[k]; lk != nil && lk[i] != nil { // a lookup the loop does not read indexed: its chunk gathered now
			sc := p.scratchOf(out, len(full))
			if lk[i].F64 != nil {
				if len(sc[i].F64) < p.r.Chunk {
					sc[i].F64 = make([]float64, p.r.Chunk)
				}
				bufs[i].F64 = sc[i].F64[:hi-lo]
				lk[i].GatherF64(bufs[i].F64, lo)
			} else {
				if len(sc[i].I64) < p.r.Chunk {
					sc[i].I64 = make([]int64, p.r.Chunk)
				}
				bufs[i].I64 = sc[i].I64[:hi-lo]
				lk[i].GatherI64(bufs[i].I64, lo)
			}
			continue
		}
		switch {
		case b.F64 != nil:
			bufs[i].F64 = b.F64[lo:hi]
		case b.I64 != nil:
			bufs[i].I64 = b.I64[lo:hi]
		case b.B != nil:
			bufs[i].B = b.B[lo:hi]
		}
	}
	if nk := p.native[k]; nk != nil {
		nk.Range(loop, bufs)(0, hi-lo, out)
	} else {
		lower.EvalRange(loop, bufs)(0, hi-lo, out)
	}
	cols := len(kern.Loop.Builders)
	return &col.Tensor{DType: ir.Float32, Shape: []int{hi - lo, cols}, F32: out.Append[0].F32[:(hi-lo)*cols]}, out, nil
}

// scratchOf is the lookup scratch buffers (n inputs) that go with output
// buffer out (made on first use); out is held by one chunk at a time.
func (p *chunkProducer) scratchOf(out *lower.Outputs, n int) []lower.Buf {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.scratch == nil {
		p.scratch = map[*lower.Outputs][]lower.Buf{}
	}
	sc := p.scratch[out]
	if sc == nil {
		sc = make([]lower.Buf, n)
		p.scratch[out] = sc
	}
	return sc
}

// release takes back a buffer produce handed out.
func (p *chunkProducer) release(k int, out *lower.Outputs) {
	p.mu.Lock()
	p.bufs[k] = append(p.bufs[k], out)
	p.mu.Unlock()
}

// sliceBits is the bits of rows [lo, hi) of bitmap b (lo a multiple of 8).
func sliceBits(b []byte, lo, hi int) []byte {
	if b == nil {
		return nil
	}
	return b[lo/8 : (hi+7)/8]
}
