// Package engine is the facade over flern's compiler and runtime:
// Compile turns a wire plan into an optimized Program, Run executes it.
// The whole pipeline, in order, is the body of Compile.
package engine

import (
	"context"
	"fmt"
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
	"github.com/flern/flern/golib/opt/fold"
	"github.com/flern/flern/golib/opt/joinorder"
	"github.com/flern/flern/golib/parquetio"
)

func init() {
	frame.SniffCSV = csvio.Sniff
	interp.ReadCSV = csvio.Read
	frame.SniffParquet = parquetio.Sniff
	interp.ReadParquet = parquetio.Read
	frame.SniffIPC = ipcio.Sniff
	interp.ReadIPC = ipcio.Read
	interp.WriteIPC = ipcio.Write
	fold.EvalConst = interp.EvalConst
	csvio.EvalMask = exec.EvalPredicate
	joinorder.ScanRows["scan_csv"] = csvio.NumRows
	joinorder.ScanRows["scan_parquet"] = parquetio.NumRows
	joinorder.ScanRows["scan_ipc"] = ipcio.NumRows
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
}

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
	Graph   *ir.Graph         // the optimized plan
	Initial string            // the plan as recorded (after type inference)
	Report  *opt.Report       // what each optimizer pass did
	Fusion  *lower.Report     // what the fusion stage did (nil: not run)
	Split   *exec.SplitReport // what the split stage did (nil: not run)
	showC   bool
	// InputIndexLevels[i] is the number of index levels of input i.
	InputIndexLevels []int
	// Exec are the runtime options every Run uses.
	Exec exec.Options

	stepOnce sync.Once
	step     *exec.StepRunner
}

// RunStep runs a training-step program (an optimizer step: state reads and
// writes, fixed shapes) on the prepared step executor (exec.StepRunner),
// built on the first call and reused by every later step.
func (p *Program) RunStep(ctx context.Context, inputs []any) ([]any, error) {
	p.stepOnce.Do(func() { p.step = exec.NewStepRunner(p.Graph, p.Exec) })
	if ctx == nil {
		ctx = context.Background()
	}
	return p.step.Run(ctx, inputs)
}

// Compile decodes, type-checks and optimizes a plan:
//
//  1. wire.Decode   bytes -> ir.Graph (the user-shaped plan)
//  2. g.Verify      structure + schema inference + type checking
//  3. opt.Optimize  the pass table in golib/opt, verifying after each pass
//  4. lower.Fuse    fusable subgraphs -> `fused` nodes carrying a loop
//     (golib/lower), run natively (golib/codegen) or by the Go evaluator;
//     skipped on the reference path (Reference or NoOpt) and with NoFuse
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
	noSplit := disabled[SplitName]
	if noSplit { // the split stage is switched off by name like a pass, but is not one
		disabled = map[string]bool{}
		for k, v := range o.Disabled {
			if k != SplitName {
				disabled[k] = v
			}
		}
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
		if p.Split, err = exec.Split(g); err != nil {
			return nil, err
		}
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

// Run executes the program on the given inputs (one frame per source input).
func (p *Program) Run(ctx context.Context, inputs []*col.Frame) ([]*col.Frame, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	in := make([]any, len(inputs))
	for i, f := range inputs {
		in[i] = f
	}
	res, err := exec.RunAny(ctx, p.Graph, in, p.Exec)
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
	out := make([]*ir.Schema, len(p.Graph.Outputs))
	for i, o := range p.Graph.Outputs {
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
		b.WriteString(p.Initial)
		b.WriteString("== optimizer passes ==\n")
		b.WriteString(p.Report.String())
		for _, r := range p.Report.Runs {
			if r.Plan != "" {
				fmt.Fprintf(&b, "-- after %s --\n%s", r.Name, r.Plan)
			}
		}
		b.WriteString(p.explainFusion())
		b.WriteString("== optimized plan ==\n")
	}
	b.WriteString(p.Graph.Print())
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
	return exec.RunAny(ctx, p.Graph, inputs, p.Exec)
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
