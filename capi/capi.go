// Command capi is libflern's C ABI (package main, built with
// -buildmode=c-shared). Each exported function is declared in flern.h, which
// says who owns and frees what. Every entry point recovers panics and turns
// them into errors, so a Go panic never crosses into the host process.
package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"runtime/debug"
	"unsafe"

	"github.com/bytedance/sonic"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/engine"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/tensor"
)

const abiVersion = 4

var version = C.CString("0.1.0")

func main() {}

//export flern_version
func flern_version() *C.char { return version }

//export flern_abi_version
func flern_abi_version() C.int { return abiVersion }

type errJSON struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Op      string `json:"op,omitempty"`
	Loc     string `json:"loc,omitempty"`
}

func setErr(out **C.char, err error) C.int {
	if out == nil {
		return 1
	}
	e := errJSON{Kind: "Internal", Message: err.Error()}
	var fe *ir.Error
	if errors.As(err, &fe) {
		e = errJSON{Kind: fe.Kind, Message: fe.Msg, Op: fe.Op, Loc: fe.Loc}
		if e.Kind == "" {
			e.Kind = "Internal"
		}
	}
	js, jerr := sonic.MarshalString(e)
	if jerr != nil {
		js = `{"kind":"Internal","message":"error could not be encoded"}`
	}
	*out = C.CString(js)
	return 1
}

// guard recovers a panic into *err and sets *rc to 1.
func guard(rc *C.int, err **C.char, where string) {
	if r := recover(); r != nil {
		*rc = setErr(err, &ir.Error{Kind: "Internal", Msg: fmt.Sprintf("internal error in %s: %v\n%s", where, r, debug.Stack())})
	}
}

func clearErr(err **C.char) {
	if err != nil {
		*err = nil
	}
}

type compileOptions struct {
	Disable []string `json:"disable"`
	Dump    bool     `json:"dump"`
	NoOpt   bool     `json:"no_opt"`
	// Executor is "" or "runtime" (golib/exec) or "interp" (the reference interpreter).
	Executor string `json:"executor"`
	// MemoryLimit is "" (none) or a size such as "2GB" (engine.ParseMemoryLimit).
	MemoryLimit string `json:"memory_limit"`
	// Codegen false runs fused loops on the Go evaluator only (FLERN_CODEGEN=0);
	// CodegenMinRows overrides the smallest run compiled natively; ShowC puts
	// the generated C in the verbose explain().
	Codegen        *bool `json:"codegen"`
	CodegenMinRows int64 `json:"codegen_min_rows"`
	ShowC          bool  `json:"show_c"`
	Fuse           *bool `json:"fuse"`
	CodegenSync    bool  `json:"codegen_sync"`
	// Keep lists recorded node ids whose results the result cache keeps.
	Keep []int `json:"keep"`
	// KeepNow: the ids of Keep kept at the first probe (engine.Options).
	KeepNow []int `json:"keep_now"`
}

//export flern_plan_compile
func flern_plan_compile(plan *C.char, n C.int64_t, options *C.char, out *C.uintptr_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_plan_compile")
	clearErr(err)
	data := C.GoBytes(unsafe.Pointer(plan), C.int(n))
	var o engine.Options
	if options != nil {
		var co compileOptions
		if e := sonic.UnmarshalString(C.GoString(options), &co); e != nil {
			return setErr(err, ir.Errorf("Value", "bad compile options: %v", e))
		}
		o.Dump, o.NoOpt = co.Dump, co.NoOpt
		lim, e := engine.ParseMemoryLimit(co.MemoryLimit)
		if e != nil {
			return setErr(err, e)
		}
		o.MemoryLimit = lim
		o.NoCodegen = co.Codegen != nil && !*co.Codegen
		o.CodegenMinRows, o.ShowC = co.CodegenMinRows, co.ShowC
		o.NoFuse = co.Fuse != nil && !*co.Fuse
		o.CodegenSync = co.CodegenSync
		o.Keep, o.KeepNow = co.Keep, co.KeepNow
		switch co.Executor {
		case "", "runtime":
		case "interp":
			o.Reference = true
		default:
			return setErr(err, ir.Errorf("Value", "bad compile options: unknown executor %q (want \"runtime\" or \"interp\")", co.Executor))
		}
		o.Disabled = map[string]bool{}
		for _, d := range co.Disable {
			o.Disabled[d] = true
		}
	}
	p, e := engine.Compile(data, o)
	if e != nil {
		return setErr(err, e)
	}
	*out = C.uintptr_t(cgo.NewHandle(p))
	return 0
}

// flern_plan_rebind returns in *out a new plan handle running plan h with
// state key keys[2i] replaced by keys[2i+1] for i < n (engine.Program.Rebind).
//
//export flern_plan_rebind
func flern_plan_rebind(h C.uintptr_t, keys *C.int64_t, n C.int64_t, out *C.uintptr_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_plan_rebind")
	clearErr(err)
	p, e := program(h)
	if e != nil {
		return setErr(err, e)
	}
	m := make(map[int64]int64, int(n))
	if n > 0 {
		pairs := unsafe.Slice((*int64)(unsafe.Pointer(keys)), 2*int(n))
		for i := 0; i < int(n); i++ {
			m[pairs[2*i]] = pairs[2*i+1]
		}
	}
	*out = C.uintptr_t(cgo.NewHandle(p.Rebind(m)))
	return 0
}

func program(h C.uintptr_t) (*engine.Program, error) {
	if h == 0 {
		return nil, ir.Errorf("Value", "null plan handle")
	}
	p, ok := cgo.Handle(h).Value().(*engine.Program)
	if !ok {
		return nil, ir.Errorf("Value", "handle is not a plan")
	}
	return p, nil
}

//export flern_plan_run
func flern_plan_run(h C.uintptr_t, inputs *unsafe.Pointer, nIn C.int64_t, outputs *unsafe.Pointer, nOut C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_plan_run")
	clearErr(err)
	p, e := program(h)
	if e != nil {
		return setErr(err, e)
	}
	if int(nOut) != p.NumOutputs() {
		return setErr(err, ir.Errorf("Value", "plan has %d outputs, caller gave %d", p.NumOutputs(), nOut))
	}
	res, e := runInputs(p, inputs, nIn, p.RunAny, false)
	if e != nil {
		return setErr(err, e)
	}
	outs := unsafe.Slice(outputs, int(nOut))
	for i, r := range res {
		switch v := r.(type) {
		case *col.Frame:
			e = arrowio.ExportStream(v, outs[i])
		case *col.Tensor:
			e = arrowio.ExportTensorStream(v, outs[i])
		default:
			e = ir.Errorf("Internal", "output %d is a %T", i, r)
		}
		if e != nil {
			return setErr(err, e)
		}
	}
	return 0
}

// gcAfterReleased is how many bytes of exported results released by the
// caller since the last run make a run collect garbage first: Go's
// collector would otherwise wait for the heap to double, so a loop reading
// a 1.5 GB table again and again held two or three of them.
const gcAfterReleased = 256 << 20

// runInputs imports the run inputs (Arrow streams, moved in) and runs p with
// run: off Python's thread when the run is big (Program.Big) and not a
// drop-in training step (step).
func runInputs(p *engine.Program, inputs *unsafe.Pointer, nIn C.int64_t, run func(context.Context, []any) ([]any, error), step bool) ([]any, error) {
	if arrowio.TakeReleasedBytes() >= gcAfterReleased {
		runtime.GC() // earlier results Python let go of: reuse their memory in this run
	}
	ins := unsafe.Slice(inputs, int(nIn))
	frames := make([]any, len(ins))
	tensorIns := p.TensorInputs()
	for i, ptr := range ins {
		if dt, ok := tensorIns[i]; ok {
			t, e := arrowio.ImportTensorStream(ptr, dt)
			if e != nil {
				return nil, e
			}
			frames[i] = t
			continue
		}
		levels := 0
		if i < len(p.InputIndexLevels) {
			levels = p.InputIndexLevels[i]
		}
		f, e := arrowio.ImportStream(ptr, levels)
		if e != nil {
			return nil, e
		}
		frames[i] = f
	}
	if step || !p.Big(frames) {
		return run(context.Background(), frames) // small: the hand-off would cost more (Program.Big)
	}
	return offThread(func() ([]any, error) { return run(context.Background(), frames) })
}

// offThread runs f on a goroutine of its own and waits for it (plan runs
// that Program.Big calls big, and the trainer's epochs). The
// goroutine a cgo call enters on stays locked to the caller's (Python's) OS
// thread: each time it blocks -- a wait for the workers, which every
// parallel node does -- the runtime hands its P to another thread and wakes
// the locked one afterwards, two OS context switches a wait (under perf,
// ~5% of an inference run in runtime.startlockedm/stoplockedm and the
// kernel's task switching). Off that thread the waits are goroutine
// switches; the locked goroutine blocks once. A panic in f is raised again
// here, where the export's guard turns it into an error (with f's stack).
func offThread[T any](f func() (T, error)) (T, error) {
	type result struct {
		v     T
		err   error
		panic any
		stack []byte
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.panic, r.stack = p, debug.Stack()
			}
			ch <- r
		}()
		r.v, r.err = f()
	}()
	r := <-ch
	if r.panic != nil {
		panic(fmt.Sprintf("%v\n%s", r.panic, r.stack))
	}
	return r.v, r.err
}

//export flern_plan_run_step
func flern_plan_run_step(h C.uintptr_t, inputs *unsafe.Pointer, nIn C.int64_t, outputs *unsafe.Pointer, nOut C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_plan_run_step")
	clearErr(err)
	p, e := program(h)
	if e != nil {
		return setErr(err, e)
	}
	keep := 0
	for _, o := range p.Graph.Outputs[:p.NumOutputs()] {
		if p.Graph.Node(o).Op != "state_write" {
			keep++
		}
	}
	if int(nOut) != keep {
		return setErr(err, ir.Errorf("Value", "plan has %d outputs besides state writes, caller gave %d", keep, nOut))
	}
	res, e := runInputs(p, inputs, nIn, p.RunStep, true) // a training step: on the calling goroutine
	if e != nil {
		return setErr(err, e)
	}
	outs := unsafe.Slice(outputs, int(nOut))
	k := 0
	for i, r := range res {
		if p.Graph.Node(p.Graph.Outputs[i]).Op == "state_write" {
			continue
		}
		t, ok := r.(*col.Tensor)
		if !ok {
			return setErr(err, ir.Errorf("Internal", "output %d is a %T", i, r))
		}
		if e := arrowio.ExportTensorStream(t, outs[k]); e != nil {
			return setErr(err, e)
		}
		k++
	}
	return 0
}

// planString runs f on the plan behind h and returns its result as a C
// string (freed with flern_string_free), or NULL with *err set. Panics are
// recovered into *err.
func planString(h C.uintptr_t, err **C.char, where string, f func(p *engine.Program) (string, error)) (s *C.char) {
	var rc C.int
	defer func() {
		guard(&rc, err, where)
		if rc != 0 {
			s = nil
		}
	}()
	clearErr(err)
	p, e := program(h)
	if e == nil {
		var out string
		if out, e = f(p); e == nil {
			return C.CString(out)
		}
	}
	setErr(err, e)
	return nil
}

//export flern_plan_explain
func flern_plan_explain(h C.uintptr_t, verbose C.int, err **C.char) *C.char {
	return planString(h, err, "flern_plan_explain", func(p *engine.Program) (string, error) {
		return p.Explain(verbose != 0), nil
	})
}

type fieldJSON struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
}

type tensorJSON struct {
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"` // -1 for a size known only at run time
}

type schemaJSON struct {
	Fields []fieldJSON `json:"fields"`
	Index  []fieldJSON `json:"index"`
	Tensor *tensorJSON `json:"tensor,omitempty"`
}

func fieldsJSON(fs []ir.Field) []fieldJSON {
	out := make([]fieldJSON, len(fs))
	for i, f := range fs {
		out[i] = fieldJSON{Name: f.Name, Type: f.Type.String(), Nullable: f.Nullable}
	}
	return out
}

//export flern_plan_info
func flern_plan_info(h C.uintptr_t, err **C.char) *C.char {
	return planString(h, err, "flern_plan_info", func(p *engine.Program) (string, error) {
		info := struct {
			Outputs          []*schemaJSON `json:"outputs"`
			InputIndexLevels []int         `json:"input_index_levels"`
			// CachedRead / CachedKept: result-cache keys the plan reads / keeps.
			CachedRead []string `json:"cached_read"`
			CachedKept []string `json:"cached_kept"`
			// CachedKeptAt: each kept key's position in the compile option "keep".
			CachedKeptAt []int `json:"cached_kept_at"`
			// CachedPending / CachedPendingAt: probed subplans counted, not kept
			// yet (engine KeepAfter), and their positions in "keep".
			CachedPending   []string `json:"cached_pending"`
			CachedPendingAt []int    `json:"cached_pending_at"`
			// CachedHeld: how many frames of cached results the plan holds.
			CachedHeld int `json:"cached_held"`
		}{InputIndexLevels: p.InputIndexLevels, CachedHeld: p.HeldFrames()}
		info.CachedRead, info.CachedKept = p.CachedKeys()
		info.CachedKeptAt = p.KeptAt()
		info.CachedPending, info.CachedPendingAt = p.PendingKeys()
		for _, sc := range p.Schemas() {
			if sc == nil {
				info.Outputs = append(info.Outputs, nil)
				continue
			}
			sj := &schemaJSON{Fields: fieldsJSON(sc.Fields), Index: fieldsJSON(sc.Index)}
			if sc.Tensor != nil {
				sj.Tensor = &tensorJSON{DType: sc.Tensor.DType.String(), Shape: append([]int64{}, sc.Tensor.Shape...)}
			}
			info.Outputs = append(info.Outputs, sj)
		}
		return sonic.MarshalString(info)
	})
}

// flern_plan_unheld returns in *out a new plan handle running plan h without
// the frames it holds of cached results no longer cached
// (engine.Program.Unheld), or 0 when it holds none.
//
//export flern_plan_unheld
func flern_plan_unheld(h C.uintptr_t, out *C.uintptr_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_plan_unheld")
	clearErr(err)
	*out = 0
	p, e := program(h)
	if e != nil {
		return setErr(err, e)
	}
	if u := p.Unheld(); u != nil {
		*out = C.uintptr_t(cgo.NewHandle(u))
	}
	return 0
}

//export flern_plan_fresh
func flern_plan_fresh(h C.uintptr_t) C.int {
	defer func() { _ = recover() }()
	p, e := program(h)
	if e != nil || !p.Fresh() {
		return 0
	}
	return 1
}

type resultCacheCmd struct {
	Op     string `json:"op"` // "stats", "clear", "drop" (key), "budget" (bytes)
	Key    string `json:"key"`
	Budget int64  `json:"budget"`
}

//export flern_result_cache
func flern_result_cache(cmd *C.char, err **C.char) (s *C.char) {
	var rc C.int
	defer func() {
		guard(&rc, err, "flern_result_cache")
		if rc != 0 {
			s = nil
		}
	}()
	clearErr(err)
	var c resultCacheCmd
	if e := sonic.UnmarshalString(C.GoString(cmd), &c); e != nil {
		setErr(err, ir.Errorf("Value", "bad result cache command: %v", e))
		return nil
	}
	switch c.Op {
	case "stats":
	case "clear":
		exec.Results.Clear()
	case "drop":
		exec.Results.Drop(c.Key)
	case "budget":
		exec.Results.SetBudget(c.Budget)
	default:
		setErr(err, ir.Errorf("Value", "unknown result cache command %q", c.Op))
		return nil
	}
	js, e := sonic.MarshalString(exec.Results.Stats())
	if e != nil {
		setErr(err, e)
		return nil
	}
	return C.CString(js)
}

//export flern_plan_release
func flern_plan_release(h C.uintptr_t) {
	defer func() { _ = recover() }()
	if h != 0 {
		cgo.Handle(h).Delete()
	}
}

//export flern_string_free
func flern_string_free(s *C.char) {
	C.free(unsafe.Pointer(s))
}

// ---- Go-resident state (golib/exec/interp/optim_state.go) and staged training ----

// tensorHeader parses a tensor's dtype and shape[ndim] and checks that
// nbytes of row-major data hold it; it returns the element count.
func tensorHeader(dtype *C.char, shape *C.int64_t, ndim C.int64_t, nbytes C.int64_t) (ir.DType, []int, int, error) {
	dt, e := ir.ParseDType(C.GoString(dtype))
	if e != nil || !tensor.DTypes[dt] {
		return 0, nil, 0, ir.Errorf("Type", "unsupported tensor dtype %q", C.GoString(dtype))
	}
	n := 1
	dims := []int{}
	if ndim > 0 {
		for _, d := range unsafe.Slice((*int64)(unsafe.Pointer(shape)), int(ndim)) {
			if d < 0 {
				return 0, nil, 0, ir.Errorf("Value", "negative dimension %d", d)
			}
			dims = append(dims, int(d))
			n *= int(d)
		}
	}
	size := map[ir.DType]int{ir.Float32: 4, ir.Float64: 8, ir.Int64: 8, ir.Bool: 1}[dt]
	if size == 0 || int64(n*size) != int64(nbytes) {
		return 0, nil, 0, ir.Errorf("Value", "%s%v needs %d bytes, got %d", dt, dims, n*size, int64(nbytes))
	}
	return dt, dims, n, nil
}

// tensorOver is a tensor over nbytes of row-major data in place (no copy).
func tensorOver(dtype *C.char, shape *C.int64_t, ndim C.int64_t, data unsafe.Pointer, nbytes C.int64_t) (*col.Tensor, error) {
	dt, dims, n, err := tensorHeader(dtype, shape, ndim, nbytes)
	if err != nil {
		return nil, err
	}
	if n == 0 || data == nil {
		return col.NewTensor(dt, dims), nil
	}
	t := &col.Tensor{DType: dt, Shape: dims}
	switch dt {
	case ir.Float32:
		t.F32 = unsafe.Slice((*float32)(data), n)
	case ir.Float64:
		t.F64 = unsafe.Slice((*float64)(data), n)
	case ir.Int64:
		t.I64 = unsafe.Slice((*int64)(data), n)
	case ir.Bool:
		t.B = unsafe.Slice((*bool)(data), n)
	}
	return t, nil
}

// rawTensor copies nbytes of row-major data into a new Go tensor.
func rawTensor(dtype *C.char, shape *C.int64_t, ndim C.int64_t, data unsafe.Pointer, nbytes C.int64_t) (*col.Tensor, error) {
	t, err := tensorOver(dtype, shape, ndim, data, nbytes)
	if err != nil || t.Len() == 0 {
		return t, err
	}
	return interp.CloneTensor(t), nil
}

//export flern_state_new
func flern_state_new(dtype *C.char, shape *C.int64_t, ndim C.int64_t, data unsafe.Pointer, nbytes C.int64_t, key *C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_state_new")
	clearErr(err)
	t, e := rawTensor(dtype, shape, ndim, data, nbytes)
	if e != nil {
		return setErr(err, e)
	}
	*key = C.int64_t(interp.StateNew(t))
	return 0
}

// flern_state_borrow is flern_state_new without the copy: the entry's
// tensor reads the caller's buffer in place. The caller keeps the buffer
// alive and unchanged until the entry is released, and no plan may write
// into the entry in place (fit's training inputs: only read, by gathers).
//
//export flern_state_borrow
func flern_state_borrow(dtype *C.char, shape *C.int64_t, ndim C.int64_t, data unsafe.Pointer, nbytes C.int64_t, key *C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_state_borrow")
	clearErr(err)
	t, e := tensorOver(dtype, shape, ndim, data, nbytes)
	if e != nil {
		return setErr(err, e)
	}
	*key = C.int64_t(interp.StateNew(t))
	return 0
}

//export flern_state_write
func flern_state_write(key C.int64_t, dtype *C.char, shape *C.int64_t, ndim C.int64_t, data unsafe.Pointer, nbytes C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_state_write")
	clearErr(err)
	t, e := rawTensor(dtype, shape, ndim, data, nbytes)
	if e == nil {
		e = interp.StateSet(int64(key), t)
	}
	if e != nil {
		return setErr(err, e)
	}
	return 0
}

//export flern_state_info
func flern_state_info(key C.int64_t, err **C.char) (s *C.char) {
	var rc C.int
	defer func() {
		guard(&rc, err, "flern_state_info")
		if rc != 0 {
			s = nil
		}
	}()
	clearErr(err)
	t, e := interp.StateGet(int64(key))
	if e == nil {
		var js string
		if js, e = sonic.MarshalString(tensorJSON{DType: t.DType.String(), Shape: t.ShapeI64()}); e == nil {
			return C.CString(js)
		}
	}
	setErr(err, e)
	return nil
}

//export flern_state_read
func flern_state_read(key C.int64_t, dst unsafe.Pointer, nbytes C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_state_read")
	clearErr(err)
	t, e := interp.StateGet(int64(key))
	if e != nil {
		return setErr(err, e)
	}
	var src []byte
	switch t.DType {
	case ir.Float32:
		src = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t.F32))), 4*len(t.F32))
	case ir.Float64:
		src = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t.F64))), 8*len(t.F64))
	case ir.Int64:
		src = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t.I64))), 8*len(t.I64))
	case ir.Bool:
		src = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t.B))), len(t.B))
	}
	if int64(len(src)) != int64(nbytes) {
		return setErr(err, ir.Errorf("Value", "state entry %d holds %d bytes, the buffer has %d", int64(key), len(src), int64(nbytes)))
	}
	if len(src) > 0 {
		copy(unsafe.Slice((*byte)(dst), len(src)), src)
	}
	return 0
}

//export flern_state_release
func flern_state_release(key C.int64_t) {
	defer func() { _ = recover() }()
	interp.StateRelease(int64(key))
}

type trainSpecJSON struct {
	X           int64   `json:"x"`
	Y           int64   `json:"y"`
	XB          int64   `json:"xb"`
	YB          int64   `json:"yb"`
	XTail       int64   `json:"x_tail"`
	YTail       int64   `json:"y_tail"`
	BatchSize   int     `json:"batch_size"`
	CheckFinite bool    `json:"check_finite"`
	Seeds       []int64 `json:"seeds"`
	Seed        uint64  `json:"seed"`
}

//export flern_trainer_new
func flern_trainer_new(step C.uintptr_t, tail C.uintptr_t, spec *C.char, out *C.uintptr_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_trainer_new")
	clearErr(err)
	p, e := program(step)
	if e != nil {
		return setErr(err, e)
	}
	var sj trainSpecJSON
	if e := sonic.UnmarshalString(C.GoString(spec), &sj); e != nil {
		return setErr(err, ir.Errorf("Value", "bad training spec: %v", e))
	}
	t := &exec.Trainer{Step: p.Graph, Opts: p.Exec, Spec: exec.TrainSpec{X: sj.X, Y: sj.Y, XB: sj.XB, YB: sj.YB,
		XTail: sj.XTail, YTail: sj.YTail, BatchSize: sj.BatchSize, CheckFinite: sj.CheckFinite, Seeds: sj.Seeds, Seed: sj.Seed}}
	if tail != 0 {
		tp, e := program(tail)
		if e != nil {
			return setErr(err, e)
		}
		t.Tail = tp.Graph
	}
	*out = C.uintptr_t(cgo.NewHandle(t))
	return 0
}

func trainer(h C.uintptr_t) (*exec.Trainer, error) {
	if h == 0 {
		return nil, ir.Errorf("Value", "null trainer handle")
	}
	t, ok := cgo.Handle(h).Value().(*exec.Trainer)
	if !ok {
		return nil, ir.Errorf("Value", "handle is not a trainer")
	}
	return t, nil
}

//export flern_trainer_epoch
func flern_trainer_epoch(h C.uintptr_t, perm *C.int64_t, n C.int64_t, losses *C.double, nLosses C.int64_t, done *C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_trainer_epoch")
	clearErr(err)
	*done = 0
	t, e := trainer(h)
	if e != nil {
		return setErr(err, e)
	}
	var rows []int64
	if n > 0 {
		rows = unsafe.Slice((*int64)(unsafe.Pointer(perm)), int(n))
	}
	var ls []float64
	if nLosses > 0 {
		ls = unsafe.Slice((*float64)(unsafe.Pointer(losses)), int(nLosses))
	}
	k, e := offThread(func() (int, error) { return t.Epoch(context.Background(), rows, ls) })
	*done = C.int64_t(k)
	if e != nil {
		return setErr(err, e)
	}
	return 0
}

//export flern_trainer_cancel
func flern_trainer_cancel(h C.uintptr_t) {
	defer func() { _ = recover() }()
	if t, e := trainer(h); e == nil {
		t.Cancel()
	}
}

//export flern_trainer_release
func flern_trainer_release(h C.uintptr_t) {
	defer func() { _ = recover() }()
	if h != 0 {
		cgo.Handle(h).Delete()
	}
}

//export flern_blas_load
func flern_blas_load(path *C.char, err **C.char) (rc C.int) {
	defer guard(&rc, err, "flern_blas_load")
	clearErr(err)
	if e := blas.Load(C.GoString(path)); e != nil {
		return setErr(err, ir.Errorf("IO", "%v", e))
	}
	return 0
}

//export flern_shutdown
func flern_shutdown() {
	defer func() { _ = recover() }()
	arrowio.Shutdown()
}

//export flern_blas_backend
func flern_blas_backend() *C.char {
	return C.CString(blas.Backend())
}
