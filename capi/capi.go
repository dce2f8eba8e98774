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
	"runtime/cgo"
	"runtime/debug"
	"unsafe"

	"github.com/bytedance/sonic"

	"github.com/flern/flern/golib/arrowio"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/engine"
	"github.com/flern/flern/golib/ir"
)

const abiVersion = 1

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
	ins := unsafe.Slice(inputs, int(nIn))
	frames := make([]any, len(ins))
	tensorIns := p.TensorInputs()
	for i, ptr := range ins {
		if dt, ok := tensorIns[i]; ok {
			t, e := arrowio.ImportTensorStream(ptr, dt)
			if e != nil {
				return setErr(err, e)
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
			return setErr(err, e)
		}
		frames[i] = f
	}
	if int(nOut) != len(p.Graph.Outputs) {
		return setErr(err, ir.Errorf("Value", "plan has %d outputs, caller gave %d", len(p.Graph.Outputs), nOut))
	}
	res, e := p.RunAny(context.Background(), frames)
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
		}{InputIndexLevels: p.InputIndexLevels}
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
