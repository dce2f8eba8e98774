// Package engine is the facade over flern's compiler and runtime:
// Compile turns a wire plan into an optimized Program, Run executes it.
// The whole pipeline, in order, is the body of Compile.
package engine

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/flern/flern/golib/codegen"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/csvio"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ipcio"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/ir/wire"
	"github.com/flern/flern/golib/lower"
	"github.com/flern/flern/golib/opt"
	"github.com/flern/flern/golib/opt/dce"
	"github.com/flern/flern/golib/opt/fold"
	"github.com/flern/flern/golib/opt/joinorder"
	"github.com/flern/flern/golib/parquetio"
)

func init() {
	frame.SniffCSV = csvio.Sniff
	interp.ReadCSV = csvio.Read
	frame.SniffParquet = parquetio.Sniff
	interp.ReadParquet = parquetio.Read
	exec.ParquetBatches = func(attrs ir.Attrs, schema *ir.Schema, keys []col.KeyFilter) (exec.BatchScanner, error) {
		return parquetio.NewScanner(attrs, schema, keys)
	}
	frame.SniffIPC = ipcio.Sniff
	interp.ReadIPC = ipcio.Read
	interp.WriteIPC = ipcio.Write
	fold.EvalConst = interp.EvalConst
	exec.IndexUsed = dce.IndexUsed
	csvio.EvalMask = exec.EvalPredicate
	parquetio.EvalMask = exec.EvalPredicate
	parquetio.StringCodes = exec.MemoizeCodes
	parquetio.EvalExpr = interp.Eval
	joinorder.ScanRows["scan_csv"] = csvio.NumRows
	joinorder.ScanRows["scan_parquet"] = parquetio.NumRows
	joinorder.ScanSorted["scan_parquet"] = parquetio.SortedColumn
	dce.ScanRangeFraction["scan_parquet"] = parquetio.RangeFraction
	exec.StreamSortedKey = parquetio.SortedColumn
	joinorder.ScanRows["scan_ipc"] = ipcio.NumRows
	startGCTuner()
}

// Options control compilation.
type Options struct {
	Disabled map[string]bool // optimizer passes to skip, by name
	Dump     bool            // keep the plan after every pass for Explain
	NoOpt    bool            // skip every optional pass
	// Reference runs the plan on the reference interpreter (exec/interp)
	// instead of the runtime (exec); the suite runs both ways.
	Reference bool
	// MemoryLimit bounds the bytes a run may hold (0: none; see
	// exec.Options.MemoryLimit and ParseMemoryLimit).
	MemoryLimit int64
	// NoCodegen runs fused loops with the Go evaluator only (FLERN_CODEGEN=0);
	// CodegenMinRows overrides the smallest run compiled natively; ShowC
	// adds each fused node's generated C to the verbose explain().
	NoCodegen      bool
	CodegenMinRows int64
	ShowC          bool
	// NoFuse skips the fusion stage (FLERN_FUSE=0): every op runs on its own.
	NoFuse bool
	// CodegenSync compiles a kernel before its first native-sized run
	// instead of in the background (FLERN_CODEGEN_SYNC=1; tests, benchmarks).
	CodegenSync bool
	// Keep lists recorded node ids (wire ids) whose results each run keeps
	// in the result cache (exec.Results) for later plans: the inputs of
	// eager probes (a reduction's, distinct's or get_dummies' input frame),
	// which the final plan shares. They are computed in full as extra
	// outputs that Run does not return.
	//
	// Keeping is a rent-or-buy bet: it computes every column of the frame
	// where the probe alone would read one (q6's final sum reads 3 of
	// lineitem's 16 columns). So a reduction's or distinct's input is kept
	// only once that subplan has been probed KeepAfter(width) times in this
	// process (counted per run, exec.Results.Saw); ids also in KeepNow (the
	// input of get_dummies' or a merge's probe, whose frame the user goes on
	// to use) are kept at once.
	Keep    []int
	KeepNow []int
}

// KeepAfter is how many probes of a subplan with width columns (and index
// levels) run before a probe keeps its result: the ski-rental break-even
// where the one-column probes so far cost about what computing the frame
// in full once does, counted at a quarter of the width since the frame is
// usually used again (a frame probed twice is the pattern of mean-then-std
// or two unique()s); at least 2.
func KeepAfter(width int) int {
	return max(2, (width+3)/4)
}

// ResultCacheName switches the result cache off when listed in
// Options.Disabled (FLERN_DISABLE_PASSES=result_cache): a plan then neither
// reads cached subplan results nor keeps any. The reference path (Reference,
// NoOpt) never uses it.
const ResultCacheName = "result_cache"

// SplitName switches the split stage off when listed in Options.Disabled
// (FLERN_DISABLE_PASSES=split): row-local tensor subgraphs (a model and its
// post-processing) run in chunks of rows over the workers (exec.Split).
const SplitName = "split"

// DefaultCodegenMinRows is the smallest loop run compiled to native code:
// below it the Go evaluator finishes before a compile (~75 ms) would.
const DefaultCodegenMinRows = 1 << 16

// ParseMemoryLimit reads a memory size such as "2GB" (exec.ParseBytes).
var ParseMemoryLimit = exec.ParseBytes

// Program is a compiled plan, ready to run any number of times.
type Program struct {
	Graph   *ir.Graph          // the optimized plan
	Initial string             // the plan as recorded (after type inference); a Rebind copy's: initialText
	Report  *opt.Report        // what each optimizer pass did
	Fusion  *lower.Report      // what the fusion stage did (nil: not run)
	Split   *exec.SplitReport  // what the split stage did (nil: not run)
	Stream  *exec.StreamReport // what the stream stage did (nil: not run)
	showC   bool
	// InputIndexLevels[i] is the number of index levels of input i.
	InputIndexLevels []int
	// Exec are the runtime options every Run uses.
	Exec exec.Options
	// initialFrom is a Rebind copy's original: its Initial is the original's
	// with the state keys replaced (initialKeys), printed when first asked
	// for (explain), not at every rebind (a training step's plan text is
	// ~100 us of regular-expression work, per fit and model).
	initialFrom *Program
	initialKeys map[int64]int64
	initialOnce sync.Once

	stepOnce sync.Once
	step     *exec.StepRunner

	scanOnce sync.Once
	scanned  int64 // estimated bytes the scans read (gctune.go)

	nOut    int           // the caller's outputs (Graph.Outputs[nOut:] are kept results)
	keep    []keptResult  // what Run stores in the result cache
	nIn     int           // run inputs the caller passes; cached frames follow them
	cached  []*col.Frame  // frames substituted for subplans, run inputs nIn, nIn+1, ...
	cacheMu sync.Mutex    // guards cached
	subst   []string      // their keys
	cands   []string      // keys of computed subplans that a later cache entry could replace
	ncands  []narrowCand  // computed subplans a later narrowed entry could replace (narrow.go)
	pending []pendingKeep // probed subplans not kept yet: each run counts a sight
	files   []exec.FileID // every scanned file as it was at compile time
}

// pendingKeep is a probed subplan a later compile keeps once it has been
// seen need times.
type pendingKeep struct {
	key  string
	need int
	at   int // its position in Options.Keep
}

// keptResult is a result Run keeps: the extra output's key and scanned files.
type keptResult struct {
	key   string
	files []exec.FileID
	at    int    // its position in Options.Keep
	base  string // a narrowed result's subplan key (narrow.go); "" for the whole frame
	need  int    // a whole frame kept for its probes' count: KeepAfter (0: kept at once)
}

// NumOutputs is the number of results Run returns (the plan's outputs).
func (p *Program) NumOutputs() int { return p.nOut }

// KeptAt is, for each key CachedKeys lists as kept, its node's position in
// Options.Keep (a candidate left out -- uncacheable, or a probe not yet seen
// often enough -- has none).
func (p *Program) KeptAt() []int {
	at := make([]int, len(p.keep))
	for i, k := range p.keep {
		at[i] = k.at
	}
	return at
}

// PendingKeys are the keys of the probed subplans this program counts a
// sight of per run without keeping them yet, and each one's position in
// Options.Keep: the caller drops a key (exec.ResultCache.Drop, which also
// forgets its count) once no node it was counted for is alive, so that a
// loop probing a new frame of the same shape per iteration (a benchmark's
// runs) does not reach the keep-after count from its sights of frames long
// gone.
func (p *Program) PendingKeys() (keys []string, at []int) {
	for _, k := range p.pending {
		keys, at = append(keys, k.key), append(at, k.at)
	}
	return keys, at
}

// CachedKeys are the result-cache keys this program substituted (read from
// the cache) and keeps (stores after each run).
func (p *Program) CachedKeys() (read, kept []string) {
	for _, k := range p.keep {
		kept = append(kept, k.key)
	}
	return append([]string(nil), p.subst...), kept
}

// Fresh reports whether p still is what Compile would build now: every file
// it scans is unchanged, every cached result it reads is still cached, and
// no subplan it computes has been cached since (recompiling would read it),
// and a frame it keeps for its probes' count is one Compile would keep now
// (the count not started again since, KeepAfter). A caller that keeps compiled
// programs (the Python plan cache) recompiles when it is false.
func (p *Program) Fresh() bool {
	for _, f := range p.files {
		if now, ok := exec.StatFile(f.Path); !ok || now != f {
			return false
		}
	}
	if !p.holdSubst() {
		return false
	}
	for _, k := range p.cands {
		if exec.Results.Contains(k) {
			return false
		}
	}
	for _, c := range p.ncands {
		if exec.Results.HasNarrowed(c.key, c.cols) {
			return false // a narrowed entry could stand in for it now
		}
	}
	for _, k := range p.pending {
		if exec.Results.Sights(k.key)+1 >= k.need {
			return false // the next run should keep it
		}
	}
	for _, k := range p.keep {
		if k.need > 0 && exec.Results.Sights(k.key)+1 < k.need {
			return false // its count started again (Drop, Clear): the next run should count
		}
	}
	return true
}

// holdSubst reports whether every cached result p reads is cached, and
// holds each one's current frame where p let go of it (an Unheld copy), so
// that a run right after a true Fresh has its frames even if an entry is
// dropped in between (a Python finalizer releasing a key).
func (p *Program) holdSubst() bool {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	for i, k := range p.subst {
		if p.cached[i] != nil {
			if !exec.Results.Contains(k) {
				return false
			}
			continue
		}
		f, ok := exec.Results.Peek(k)
		if !ok {
			return false
		}
		p.cached[i] = f
	}
	return true
}

// Unheld returns a copy of p that lets go of the frames it holds for the
// cached results it reads whose entries are no longer cached, or nil when
// it holds none. A program holds the frame of every entry it reads so that
// a run never misses it; once the entry is dropped (its node is gone, or
// the cache was cleared) that frame is only memory, and the Python plan
// cache keeps this copy in p's place: when a later run caches the same
// subplan again (the same key), the copy is Fresh again and runs without a
// compile. Until then Fresh is false; run anyway, the copy fails naming the
// missing entry (it never computes without it). p is not changed (a caller
// holding p keeps running it on its frames).
func (p *Program) Unheld() *Program {
	p.cacheMu.Lock()
	cached := append([]*col.Frame(nil), p.cached...)
	p.cacheMu.Unlock()
	dropped := false
	for i, k := range p.subst {
		if cached[i] != nil && !exec.Results.Contains(k) {
			cached[i], dropped = nil, true
		}
	}
	if !dropped {
		return nil
	}
	return &Program{
		Graph: p.Graph, Initial: p.initialText(), Report: p.Report, Fusion: p.Fusion, Split: p.Split,
		Stream: p.Stream, showC: p.showC, InputIndexLevels: p.InputIndexLevels, Exec: p.Exec,
		nOut: p.nOut, keep: p.keep, nIn: p.nIn, cached: cached, subst: p.subst, cands: p.cands,
		ncands: p.ncands, pending: p.pending, files: p.files,
	}
}

// HeldFrames is how many frames of cached results p holds (Unheld).
func (p *Program) HeldFrames() int {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	n := 0
	for _, f := range p.cached {
		if f != nil {
			n++
		}
	}
	return n
}

// Rebind returns a program running p's compiled plan with every state key
// k (a parameter's, a gradient's, an optimizer slot's) replaced by keys[k]
// (exec.RebindState): the plan cache compiles a training step or a
// prediction once with placeholder keys and rebinds it to each model's
// state, so a second model of the same shapes skips the optimizer and
// fusion. p is not changed; the copy has its own step executor.
func (p *Program) Rebind(keys map[int64]int64) *Program {
	p.cacheMu.Lock()
	cached := append([]*col.Frame(nil), p.cached...)
	p.cacheMu.Unlock()
	report := p.Report
	if report != nil {
		report = &opt.Report{Runs: append([]opt.PassRun(nil), report.Runs...)}
		for i := range report.Runs {
			report.Runs[i].Plan = rebindText(report.Runs[i].Plan, keys)
		}
	}
	return &Program{
		Graph: exec.RebindState(p.Graph, keys), initialFrom: p, initialKeys: keys, Report: report, Fusion: p.Fusion,
		Split: p.Split, Stream: p.Stream, showC: p.showC, InputIndexLevels: p.InputIndexLevels, Exec: p.Exec,
		nOut: p.nOut, keep: p.keep, nIn: p.nIn, cached: cached, subst: p.subst, cands: p.cands,
		ncands: p.ncands, pending: p.pending, files: p.files,
	}
}

// initialText is Initial, made from the original's for a Rebind copy.
func (p *Program) initialText() string {
	if p.initialFrom != nil {
		p.initialOnce.Do(func() { p.Initial = rebindText(p.initialFrom.initialText(), p.initialKeys) })
	}
	return p.Initial
}

// stateKeyRe finds a state or state_write node's key in a printed plan.
var stateKeyRe = regexp.MustCompile(`(= state(?:_write)?\([^)\n]*?key=)(-?\d+)`)

// rebindText is a printed plan (explain's recorded plan and pass dumps) with
// its state keys replaced as Rebind replaces them in the graph.
func rebindText(s string, keys map[int64]int64) string {
	if s == "" || len(keys) == 0 {
		return s
	}
	return stateKeyRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := stateKeyRe.FindStringSubmatch(m)
		k, err := strconv.ParseInt(sub[2], 10, 64)
		if to, ok := keys[k]; err == nil && ok {
			return sub[1] + strconv.FormatInt(to, 10)
		}
		return m
	})
}

// RunStep runs a training-step program (an optimizer step: state reads and
// writes, fixed shapes) on the prepared step executor (exec.StepRunner),
// built on the first call and reused by every later step.
func (p *Program) RunStep(ctx context.Context, inputs []any) ([]any, error) {
	p.stepOnce.Do(func() { p.step = exec.NewStepRunner(p.Graph, p.Exec) })
	if ctx == nil {
		ctx = context.Background()
	}
	in, err := p.withCached(inputs)
	if err != nil {
		return nil, err
	}
	res, err := p.step.Run(ctx, in)
	if err != nil {
		return nil, err
	}
	return p.storeKept(res), nil
}

// Compile decodes, type-checks and optimizes a plan:
//
//  1. wire.Decode   bytes -> ir.Graph (the user-shaped plan)
//  2. g.Verify      structure + schema inference + type checking
//  3. opt.Optimize  the pass table in golib/opt, verifying after each pass
//  4. lower.Fuse    fusable subgraphs -> `fused` nodes carrying a loop
//     (golib/lower), run natively (golib/codegen) or by the Go evaluator;
//     skipped on the reference path (Reference or NoOpt) and with NoFuse
//  5. exec stages   what the runtime does differently, in order (each
//     switchable by name; none on the reference path): exec.Split (model
//     regions run chunk by chunk), exec.Stream (scans read in batches),
//     exec.ScanDerive (row-local calls of a string column computed per
//     dictionary entry), exec.ScanDropna (a dropna done by its scan),
//     exec.ScanCodes (string columns numbered as read), exec.ScanLookups
//     (dictionary-coded columns kept as codes and values)
func Compile(plan []byte, o Options) (*Program, error) {
	g, err := wire.Decode(plan)
	if err != nil {
		return nil, err
	}
	if err := g.Verify(); err != nil {
		return nil, err
	}
	p := &Program{Initial: g.Print(), Exec: exec.Options{Reference: o.Reference, MemoryLimit: o.MemoryLimit}}
	disabled := o.Disabled
	noSplit, noResults, noStream := disabled[SplitName], disabled[ResultCacheName], disabled[exec.StreamName]
	noCodes, noDerive, noLookups := disabled[exec.ScanCodesName], disabled[exec.ScanDeriveName], disabled[exec.ScanLookupsName]
	noDropna := disabled[exec.ScanDropnaName]
	if noSplit || noResults || noStream || noCodes || noDerive || noLookups || noDropna || disabled[exec.SplitDedupName] { // switched off by name like passes, but not passes
		disabled = map[string]bool{}
		for k, v := range o.Disabled {
			if k != SplitName && k != ResultCacheName && k != exec.StreamName && k != exec.SplitDedupName && k != exec.ScanCodesName &&
				k != exec.ScanDeriveName && k != exec.ScanLookupsName && k != exec.ScanDropnaName {
				disabled[k] = v
			}
		}
	}
	p.nOut = len(g.Outputs)
	if err := p.useResults(g, o, noResults); err != nil {
		// a narrowed cached frame lacks a column the plan reads (the needs
		// analysis erred): compile without the result cache
		off := map[string]bool{ResultCacheName: true}
		for k, v := range o.Disabled {
			off[k] = v
		}
		o.Disabled = off
		return Compile(plan, o)
	}
	if o.NoOpt {
		disabled = map[string]bool{}
		for _, ps := range opt.Passes {
			if !ps.Required {
				disabled[ps.Name] = true
			}
		}
	}
	p.Report, err = opt.Optimize(g, opt.Options{Disabled: disabled, Dump: o.Dump})
	if err != nil {
		return nil, err
	}
	if !o.Reference && !o.NoOpt && !o.NoFuse {
		lo := lower.Options{Codegen: !o.NoCodegen, NoCodegenWhy: "FLERN_CODEGEN=0", MinRows: o.CodegenMinRows, SyncCompile: o.CodegenSync}
		if lo.MinRows <= 0 {
			lo.MinRows = DefaultCodegenMinRows
		}
		if lo.Codegen {
			if _, _, err := codegen.Compiler(); err != nil {
				lo.Codegen, lo.NoCodegenWhy = false, err.Error()
			}
		}
		if p.Fusion, err = lower.Fuse(g, lo); err != nil {
			return nil, err
		}
	}
	if !o.Reference && !o.NoOpt && !noSplit {
		if p.Split, err = exec.Split(g, exec.SplitOptions{NoDedup: o.Disabled[exec.SplitDedupName]}); err != nil {
			return nil, err
		}
	}
	if !o.Reference && !o.NoOpt && !noStream {
		p.Stream = exec.Stream(g)
	}
	if !o.Reference && !o.NoOpt && !noDerive {
		exec.ScanDerive(g)
	}
	if !o.Reference && !o.NoOpt && !noDropna {
		exec.ScanDropna(g)
	}
	if !o.Reference && !o.NoOpt && !noCodes && p.nOut <= len(g.Outputs) {
		exec.ScanCodes(g, g.Outputs[p.nOut:])
	}
	if !o.Reference && !o.NoOpt && !noLookups && p.nOut <= len(g.Outputs) {
		exec.ScanLookups(g, g.Outputs[p.nOut:])
	}
	p.showC = o.ShowC
	p.Graph = g
	for _, n := range g.Nodes {
		if n.Op == "source" {
			i := int(n.Attrs.Int("input", 0))
			for len(p.InputIndexLevels) <= i {
				p.InputIndexLevels = append(p.InputIndexLevels, 0)
			}
			p.InputIndexLevels[i] = len(n.Schema.Index)
		}
	}
	return p, nil
}

// useResults is the result-cache stage of Compile, on the recorded plan:
// it notes the scanned files (for Fresh), adds the Keep nodes as extra
// outputs, and replaces each topmost subplan whose result is cached by a
// source node reading the cached frame (explain: source(cached_result=...)),
// fed as a run input after the caller's.
func (p *Program) useResults(g *ir.Graph, o Options, off bool) error {
	for _, n := range g.Nodes {
		switch n.Op {
		case "scan_csv", "scan_parquet", "scan_ipc":
			if f, ok := exec.StatFile(n.Attrs.Str("path")); ok {
				p.files = append(p.files, f)
			}
		case "source", "source_tensor":
			if i := int(n.Attrs.Int("input", -1)); i+1 > p.nIn {
				p.nIn = i + 1
			}
		}
	}
	if off || o.Reference || o.NoOpt {
		return nil
	}
	keys, files := exec.SubplanKeys(g)
	usable := func(n *ir.Node) bool {
		return keys[n.ID] != "" && n.Schema != nil && !n.Schema.Dynamic && n.Schema.Tensor == nil
	}
	now := map[int]bool{}
	for _, id := range o.KeepNow {
		now[id] = true
	}
	nk := newNarrowKeeps(g)
	for at, id := range o.Keep {
		if id < 0 || id >= len(g.Nodes) || !usable(g.Nodes[id]) {
			continue
		}
		whole := !exec.Results.TooBig(keys[id]) && !pinsFilter(g, ir.NodeID(id))
		need := 0
		if s := g.Nodes[id].Schema; whole && !now[id] {
			need = KeepAfter(len(s.Fields) + len(s.Index))
			if exec.Results.Sights(keys[id])+1 < need {
				p.pending = append(p.pending, pendingKeep{key: keys[id], need: need, at: at})
				whole = false
			}
		}
		if !whole {
			p.keepNarrow(g, nk, ir.NodeID(id), at, keys[id], files[id])
			continue
		}
		g.Outputs = append(g.Outputs, ir.NodeID(id))
		p.keep = append(p.keep, keptResult{key: keys[id], files: files[id], at: at, need: need})
	}
	if err := nk.done(g, p); err != nil {
		return err
	}
	for len(keys) < len(g.Nodes) { // the narrowed keeps' nodes: never read from the cache
		keys = append(keys, "")
	}
	nr := newNarrowReads(g)
	seen := make([]bool, len(g.Nodes))
	var visit func(id ir.NodeID)
	visit = func(id ir.NodeID) {
		if seen[id] {
			return
		}
		seen[id] = true
		n := g.Nodes[id]
		if usable(n) {
			if f, ok := exec.Results.Get(keys[id]); ok {
				p.substitute(n, keys[id], f)
				return
			}
			if p.readNarrow(nr, n, keys[id]) {
				return
			}
			p.cands = append(p.cands, keys[id])
		}
		for _, in := range n.Inputs {
			visit(in)
		}
	}
	for _, out := range g.Outputs {
		visit(out)
	}
	if len(p.subst) > 0 {
		g.Compact()
		if nr.used {
			// narrowed sources: what reads them has fewer columns now
			return g.Infer()
		}
	}
	return nil
}

// pinsFilter reports whether keeping node id (an extra output, whose rows
// and labels are then observed) would pin a filter in place that predicate
// pushdown would otherwise move into a scan or below a join: a filter
// reading a join, or a selective one (opt/predicate's csvFilterMax and
// parquetFilterMax) reading a scan, reached from id through row-local
// frame ops.
// Keeping such a frame computes the scan or the join over every row (TPC-H
// q14's probed lineitem x part join: 6M rows instead of 76K, 10x slower per
// run), which no later reuse repays.
func pinsFilter(g *ir.Graph, id ir.NodeID) bool {
	for {
		n := g.Nodes[id]
		switch n.Op {
		case "project", "select", "assign", "rename", "drop_columns", "filter":
		default:
			return false
		}
		if len(n.Inputs) != 1 {
			return false
		}
		in := g.Nodes[n.Inputs[0]]
		if n.Op == "filter" {
			switch in.Op {
			case "join", "semi_join":
				return true
			case "scan_parquet", "scan_csv": // a selective filter moves into these
				if opt.Selectivity(n.Attrs.Expr("pred")) <= 0.2 {
					return true
				}
			}
		}
		id = in.ID
	}
}

// substitute turns n into a source node reading the cached frame f.
func (p *Program) substitute(n *ir.Node, key string, f *col.Frame) {
	fields := func(fs []ir.Field) []any {
		out := make([]any, len(fs))
		for i, x := range fs {
			out[i] = map[string]any{"name": x.Name, "type": x.Type.String(), "nullable": x.Nullable}
		}
		return out
	}
	n.Op, n.Inputs = "source", nil
	n.Attrs = ir.Attrs{"input": float64(p.nIn + len(p.cached)), "fields": fields(n.Schema.Fields),
		"index": fields(n.Schema.Index), "cached_result": key[:12]}
	p.cached = append(p.cached, f)
	p.subst = append(p.subst, key)
}

// bigRows is the row count from which a run's input makes it "big" (Big).
const bigRows = 1 << 16

// Big reports whether a run of p over inputs (the caller's) is likely to
// spread work over the workers: p scans a file or has a row_split (a model
// over 64K rows or more), or a frame it reads -- the caller's or a cached
// one -- has at least 64K rows. The C ABI runs such runs off Python's
// locked thread (capi offThread) and others on it, where the goroutine
// hand-off would cost more than it saves: a drop-in training loop's
// per-batch plans, which read the whole training tensor but only a batch of
// it, and a scalar's item().
func (p *Program) Big(inputs []any) bool {
	for _, n := range p.Graph.Nodes {
		if strings.HasPrefix(n.Op, "scan_") || n.Op == "row_split" {
			return true
		}
	}
	for _, x := range inputs {
		if f, ok := x.(*col.Frame); ok && f != nil && f.N >= bigRows {
			return true
		}
	}
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	for _, f := range p.cached {
		if f != nil && f.N >= bigRows {
			return true
		}
	}
	return false
}

// withCached appends the substituted cached frames to the caller's inputs:
// the entry now under each key (the same subplan over the same files, so the
// same data, possibly computed again by a later probe; the program then lets
// go of the frame it held), else the frame held since Compile.
func (p *Program) withCached(inputs []any) ([]any, error) {
	if len(p.cached) == 0 {
		return inputs, nil
	}
	in := make([]any, p.nIn, p.nIn+len(p.cached))
	copy(in, inputs)
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	for i, k := range p.subst {
		if f, ok := exec.Results.Get(k); ok {
			p.cached[i] = f
		}
		if p.cached[i] == nil { // an Unheld copy run while its entry is gone
			return nil, ir.Errorf("Internal", "the cached result %s this plan reads is no longer cached: compile the plan again", k[:12])
		}
		in = append(in, p.cached[i])
	}
	return in, nil
}

// storeKept puts the kept extra outputs into the result cache and returns
// the caller's outputs.
func (p *Program) storeKept(res []any) []any {
	for _, k := range p.pending {
		exec.Results.Saw(k.key)
	}
	for i, k := range p.keep {
		if f, ok := res[p.nOut+i].(*col.Frame); ok {
			if k.base != "" {
				exec.Results.PutNarrow(k.key, k.base, f, k.files)
			} else {
				exec.Results.Put(k.key, f, k.files)
			}
		}
	}
	out := res[:p.nOut]
	for i, r := range out { // the caller's outputs hold values (a kept frame may hold col.Lookup columns)
		if f, ok := r.(*col.Frame); ok && f != nil && f.HasLookup() {
			out[i] = f.Materialized()
		}
	}
	return out
}

// Run executes the program on the given inputs (one frame per source input).
func (p *Program) Run(ctx context.Context, inputs []*col.Frame) ([]*col.Frame, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	in := make([]any, len(inputs))
	for i, f := range inputs {
		in[i] = f
	}
	res, err := p.RunAny(ctx, in)
	if err != nil {
		return nil, err
	}
	outs := make([]*col.Frame, len(res))
	for i, r := range res {
		f, ok := r.(*col.Frame)
		if !ok {
			return nil, ir.Errorf("Internal", "output %d is a tensor; use RunAny", i)
		}
		outs[i] = f
	}
	return outs, nil
}

// Schemas returns the output schemas (nil entries for data-dependent ones).
func (p *Program) Schemas() []*ir.Schema {
	out := make([]*ir.Schema, p.nOut)
	for i, o := range p.Graph.Outputs[:p.nOut] {
		s := p.Graph.Node(o).Schema
		if !s.Dynamic {
			out[i] = s
		}
	}
	return out
}

// Explain renders the optimized plan; verbose adds the recorded plan, the
// pass table and each pass's output when the program was compiled with Dump.
func (p *Program) Explain(verbose bool) string {
	var b strings.Builder
	if verbose {
		b.WriteString("== recorded plan ==\n")
		b.WriteString(p.initialText())
		b.WriteString("== optimizer passes ==\n")
		b.WriteString(p.Report.String())
		for _, r := range p.Report.Runs {
			if r.Plan != "" {
				fmt.Fprintf(&b, "-- after %s --\n%s", r.Name, r.Plan)
			}
		}
		b.WriteString(p.explainFusion())
		b.WriteString(p.explainResults())
		b.WriteString("== optimized plan ==\n")
	}
	b.WriteString(p.Graph.Print())
	return b.String()
}

// explainResults is the verbose explain's result-cache section: the cached
// subplan results the plan reads and the results each run keeps.
func (p *Program) explainResults() string {
	var b strings.Builder
	b.WriteString("== result cache ==\n")
	if len(p.subst) == 0 && len(p.keep) == 0 {
		b.WriteString("reads nothing cached, keeps nothing\n")
		return b.String()
	}
	for _, k := range p.subst {
		fmt.Fprintf(&b, "reads %s (source(cached_result=%q))\n", k, k[:12])
	}
	for i, k := range p.keep {
		fmt.Fprintf(&b, "keeps %s: output %%%d\n", k.key, p.Graph.Outputs[p.nOut+i])
	}
	return b.String()
}

// explainFusion is the verbose explain's fusion section: the kernels and,
// with ShowC, their generated C.
func (p *Program) explainFusion() string {
	var b strings.Builder
	b.WriteString("== fusion ==\n")
	if p.Fusion == nil {
		b.WriteString("off (FLERN_FUSE=0, or the reference path)\n")
		return b.String()
	}
	fmt.Fprintf(&b, "%d fused kernels replace %d ops\n", p.Fusion.Kernels, p.Fusion.Ops)
	for _, n := range p.Graph.Nodes {
		k, ok := n.Attrs["kernel"].(*lower.Kernel)
		if n.Op != "fused" || !ok {
			continue
		}
		fmt.Fprintf(&b, "%%%d: %s\n", n.ID, n.Attrs.Str("exec"))
		if p.showC {
			src, err := codegen.Emit(k.Loop)
			if err != nil {
				src = "(no C: " + err.Error() + ")\n"
			}
			fmt.Fprintf(&b, "-- C of %%%d --\n%s", n.ID, src)
		}
	}
	return b.String()
}

// RunAny executes a program whose inputs or outputs include tensors: each
// input and result is a *col.Frame or a *col.Tensor (see TensorInputs).
func (p *Program) RunAny(ctx context.Context, inputs []any) ([]any, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	defer bigRun(p)()
	in, err := p.withCached(inputs)
	if err != nil {
		return nil, err
	}
	res, err := exec.RunAny(ctx, p.Graph, in, p.Exec)
	if err != nil {
		return nil, err
	}
	return p.storeKept(res), nil
}

// TensorInputs maps each run input fed to a source_tensor node to its dtype
// (the other inputs are frames).
func (p *Program) TensorInputs() map[int]ir.DType {
	out := map[int]ir.DType{}
	for _, n := range p.Graph.Nodes {
		if n.Op == "source_tensor" {
			out[int(n.Attrs.Int("input", 0))] = n.Schema.Tensor.DType
		}
	}
	return out
}
